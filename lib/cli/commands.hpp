#pragma once
#include <string>
#include <vector>

namespace jacstab::cli {

/// `jacstab sample`; returns the exit status.
int run_sample(const std::vector<std::string>& args);
/// `jacstab limit`; returns the exit status.
int run_limit(const std::vector<std::string>& args);
/// `jacstab hypotheses`; returns the exit status.
int run_hypotheses(const std::vector<std::string>& args);
/// `jacstab validate` and the per-claim programs; returns the exit status. `program_name`
/// names the running program in messages.
int run_validate(const std::vector<std::string>& args, const std::string& program_name = "jacstab validate");
/// `jacstab calibrate`: claim programs over many master seeds; returns the exit status.
int run_calibrate(const std::vector<std::string>& args, const std::string& program_name = "jacstab calibrate");

}  // namespace jacstab::cli
