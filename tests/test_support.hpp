#pragma once
// Helpers shared by the unit tests.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>

namespace jacstab::testing_support {

/// Message of the exception of type E thrown by f, or nullopt if none was thrown.
template <class E, class F>
std::optional<std::string> message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

/// The bytes of a file (a failed open is a test failure and gives "").
inline std::string read_file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// An empty directory name under the test temporary directory, unique to this process (ctest
/// runs tests in parallel processes); created when `create`, else left absent.
inline std::filesystem::path fresh_temp_dir(const std::string& name, bool create = true) {
  const std::filesystem::path d =
      std::filesystem::path(::testing::TempDir()) / (name + "." + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  if (create) std::filesystem::create_directories(d);
  return d;
}

}  // namespace jacstab::testing_support

/// Expects `stmt` to throw `type` with a message containing every one of the strings given.
#define EXPECT_THROW_WITH(stmt, type, ...)                                                    \
  do {                                                                                        \
    const auto msg_ = ::jacstab::testing_support::message_of<type>([&] { stmt; });            \
    ASSERT_TRUE(msg_.has_value()) << #stmt " did not throw " #type;                           \
    for (const std::string& part_ : std::initializer_list<std::string>{__VA_ARGS__}) {        \
      EXPECT_NE(msg_->find(part_), std::string::npos)                                         \
          << "message \"" << *msg_ << "\" lacks \"" << part_ << "\"";                        \
    }                                                                                         \
  } while (0)
