#include "options.hpp"

#include <charconv>
#include <cmath>
#include <iostream>

namespace jacstab::cli {

bool print_help_if_asked(const std::vector<std::string>& args, const char* help) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << help;
      return true;
    }
  }
  return false;
}

Options::Options(std::string command, const std::vector<std::string>& args,
                 const std::set<std::string>& valued, const std::set<std::string>& flags)
    : command_(std::move(command)) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 3 || a.compare(0, 2, "--") != 0) {
      fail("unexpected argument '" + a + "' (options start with --; see --help)");
    }
    std::string name = a.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (flags.count(name)) {
      if (inline_value) fail("--" + name + " takes no value, got '" + *inline_value + "'");
      flags_set_.insert(name);
      continue;
    }
    if (!valued.count(name)) fail("unknown option '--" + name + "' (see --help)");
    if (values_.count(name)) fail("--" + name + " given twice");
    if (inline_value) {
      values_[name] = *inline_value;
    } else {
      if (i + 1 >= args.size()) fail("--" + name + " needs a value");
      values_[name] = args[++i];
    }
  }
}

std::optional<std::string> Options::text(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::uint64_t> Options::integer(const std::string& name, std::uint64_t lo,
                                              std::uint64_t hi) const {
  auto t = text(name);
  if (!t) return std::nullopt;
  std::uint64_t v = 0;
  const char* b = t->data();
  const char* e = b + t->size();
  auto res = std::from_chars(b, e, v);
  if (t->empty() || res.ec != std::errc() || res.ptr != e) {
    fail("--" + name + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
         "], got '" + *t + "'");
  }
  if (v < lo || v > hi) {
    fail("--" + name + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
         "], got " + *t);
  }
  return v;
}

std::optional<double> Options::real(const std::string& name) const {
  auto t = text(name);
  if (!t) return std::nullopt;
  double v = 0.0;
  const char* b = t->data();
  const char* e = b + t->size();
  if (!t->empty() && *b == '+') ++b;
  auto res = std::from_chars(b, e, v);
  if (t->empty() || res.ec != std::errc() || res.ptr != e || !std::isfinite(v)) {
    fail("--" + name + " must be a finite number, got '" + *t + "'");
  }
  return v;
}

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    items.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

}  // namespace

std::optional<std::vector<double>> Options::real_list(const std::string& name) const {
  auto t = text(name);
  if (!t) return std::nullopt;
  std::vector<double> out;
  for (const std::string& item : split_list(*t)) {
    double v = 0.0;
    const char* b = item.data();
    const char* e = b + item.size();
    if (!item.empty() && *b == '+') ++b;
    auto res = std::from_chars(b, e, v);
    if (item.empty() || res.ec != std::errc() || res.ptr != e || !std::isfinite(v)) {
      fail("--" + name + " must be a comma-separated list of finite numbers, got '" + *t +
           "' (bad entry '" + item + "')");
    }
    out.push_back(v);
  }
  return out;
}

std::optional<std::vector<std::uint64_t>> Options::integer_list(const std::string& name, std::uint64_t lo,
                                                                std::uint64_t hi) const {
  auto t = text(name);
  if (!t) return std::nullopt;
  std::vector<std::uint64_t> out;
  std::string range = "[";  // (built by appends: GCC 12 warns falsely on "[" + to_string())
  range.append(std::to_string(lo)).append(", ").append(std::to_string(hi)).append("]");
  for (const std::string& item : split_list(*t)) {
    std::uint64_t v = 0;
    const char* b = item.data();
    const char* e = b + item.size();
    auto res = std::from_chars(b, e, v);
    if (item.empty() || res.ec != std::errc() || res.ptr != e || v < lo || v > hi) {
      fail("--" + name + " must be a comma-separated list of integers in " + range + ", got '" + *t +
           "' (bad entry '" + item + "')");
    }
    out.push_back(v);
  }
  return out;
}

void Options::fail(const std::string& message) const {
  throw UsageError("jacstab " + command_ + ": " + message);
}

}  // namespace jacstab::cli
