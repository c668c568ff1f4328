#pragma once
#include <string>
#include <utility>
#include <vector>

#include "jacstab/experiment.hpp"

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
/// The registered claim programs named by `ids` (all of them, in catalogue order, when `ids`
/// is empty; duplicates once). Throws UsageError, with `command` in the message, for an ID
/// that is not a claim or not built into `program_name`.
std::vector<std::pair<std::string, ClaimProgram>> select_claim_programs(const std::vector<std::string>& ids,
                                                                       const std::string& command,
                                                                       const std::string& program_name);
/// `jacstab calibrate`: claim programs over many master seeds; returns the exit status.
int run_calibrate(const std::vector<std::string>& args, const std::string& program_name = "jacstab calibrate");

}  // namespace jacstab::cli
