// Entry point of each per-claim program validation/<claim-id>: the same options and exit
// codes as `jacstab validate`, restricted to the one claim compiled in.
#include <exception>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "../lib/cli/commands.hpp"
#include "../lib/cli/options.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const std::string name = std::filesystem::path(argv[0]).filename().string();
  try {
    return jacstab::cli::run_validate(args, name);
  } catch (const jacstab::cli::UsageError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return 1;
  }
}
