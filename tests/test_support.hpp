#pragma once
// Helpers shared by the unit tests.
#include <gtest/gtest.h>

#include <initializer_list>
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
