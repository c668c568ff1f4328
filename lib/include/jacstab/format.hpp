#pragma once
// Small string helpers used for error messages and reports.
#include <charconv>
#include <cmath>
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

/// Concatenates its arguments as an ostream would print them.
template <class... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

}  // namespace jacstab
