// jacstab: command-line entry point. Exit codes: 0 success, 2 bad input, 1 internal failure.
#include <cstdio>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands.hpp"
#include "jacstab/build_info.hpp"
#include "options.hpp"

namespace {

constexpr const char* kUsage = R"(jacstab - statistical validation of Jacobian stability in ReLU MLPs

Usage: jacstab <command> [options]

Commands:
  sample      Monte-Carlo ||J_1|| of sampled networks (see: jacstab sample --help)
  limit       free-probability limits of ||J_1|| and of the spectrum of J J^T
  hypotheses  a theorem's hypotheses evaluated at finite width
  validate    run claim programs and write their reports (see: jacstab validate --help)
  calibrate   run claim programs over many master seeds and measure every check's error
              rates (see: jacstab calibrate --help)

Options:
  --help     show this help
  --version  show the version and build

Exit status: 0 on success, 2 on bad input (the message names the parameter and the value it
got), 1 on an internal failure.
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "jacstab " << jacstab::build_info::version << " (git " << jacstab::build_info::git_hash
              << ", " << jacstab::build_info::compiler << ", " << jacstab::build_info::build_type << ")\n";
    return 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "sample") return jacstab::cli::run_sample(args);
    if (command == "limit") return jacstab::cli::run_limit(args);
    if (command == "hypotheses") return jacstab::cli::run_hypotheses(args);
    if (command == "validate") return jacstab::cli::run_validate(args);
    if (command == "calibrate") return jacstab::cli::run_calibrate(args);
    std::cerr << "jacstab: unknown command '" << command << "' (expected sample, limit, hypotheses, validate or calibrate; see jacstab --help)\n";
    return 2;
  } catch (const jacstab::cli::UsageError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << "jacstab " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const std::domain_error& e) {
    std::cerr << "jacstab " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "jacstab " << command << ": error: " << e.what() << "\n";
    return 1;
  }
}
