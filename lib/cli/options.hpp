#pragma once
// Minimal, strict command-line option parsing for the jacstab subcommands.
// Accepts "--name value" and "--name=value"; flags take no value. Every error is a
// UsageError whose message names the option and the value it got; main() maps it to exit 2.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace jacstab::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// True (after printing `help` to stdout) when `args` asks for help (--help or -h).
bool print_help_if_asked(const std::vector<std::string>& args, const char* help);

class Options {
 public:
  /// `valued` and `flags` list the accepted option names without the leading "--".
  Options(std::string command, const std::vector<std::string>& args,
          const std::set<std::string>& valued, const std::set<std::string>& flags);

  bool has(const std::string& name) const { return values_.count(name) || flags_set_.count(name); }
  bool flag(const std::string& name) const { return flags_set_.count(name) > 0; }
  std::optional<std::string> text(const std::string& name) const;

  /// Integer in [lo, hi]; the whole text must be a decimal integer.
  std::optional<std::uint64_t> integer(const std::string& name, std::uint64_t lo,
                                       std::uint64_t hi) const;
  /// A finite real number; the whole text must parse.
  std::optional<double> real(const std::string& name) const;
  /// A comma-separated list of finite numbers ("2,2,1.5"), at least one entry.
  std::optional<std::vector<double>> real_list(const std::string& name) const;
  /// A comma-separated list of integers, each in [lo, hi], at least one entry.
  std::optional<std::vector<std::uint64_t>> integer_list(const std::string& name, std::uint64_t lo,
                                                         std::uint64_t hi) const;

  [[noreturn]] void fail(const std::string& message) const;
  const std::string& command() const { return command_; }

 private:
  std::string command_;
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_set_;
};

}  // namespace jacstab::cli
