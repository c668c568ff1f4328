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

}  // namespace jacstab::cli
