#pragma once
// Small string helpers used for error messages and reports.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

namespace jacstab {

/// Shortest decimal text that reads back to the same double; "inf", "-inf", "nan" otherwise.
inline std::string format_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, res.ptr);
}

/// `x` with `digits` significant digits in the shortest of fixed or scientific notation
/// (printf's %g); "inf", "-inf", "nan" for non-finite values.
inline std::string format_sig(double x, int digits = 4) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, x);
  return buf;
}

/// `x` with `decimals` digits after the point (printf's %f).
inline std::string format_fixed(double x, int decimals = 3) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

/// Concatenates its arguments as an ostream would print them.
template <class... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

}  // namespace jacstab
