// End-to-end tests of `jacstab validate`: help, bad input (exit 2), a quick run, thread
// invariance and the guarantee that a failed run leaves the previous reports in place.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli_support.hpp"
#include "test_support.hpp"

using jacstab_test::CliRun;
using jacstab_test::run;
namespace fs = std::filesystem;

namespace {

using jacstab::testing_support::read_file_text;
using jacstab::testing_support::fresh_temp_dir;


}  // namespace

TEST(CliValidate, HelpDocumentsEveryOption) {
  const CliRun r = run("validate --help");
  EXPECT_EQ(r.status, 0);
  for (const char* opt : {"--profile", "--out", "--seed", "--threads", "--quiet", "--index-only", "--list",
                          "quick", "paper", "extended", "t51-dependent", "Exit status"}) {
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
  }
}

TEST(CliValidate, ListsTheTwelveClaims) {
  const CliRun r = run("validate --list");
  EXPECT_EQ(r.status, 0);
  std::size_t lines = 0;
  for (char c : r.out) lines += c == '\n';
  EXPECT_EQ(lines, 12u);
  EXPECT_NE(r.out.find("a21-marginal\tApprox. 2.1"), std::string::npos);
}

TEST(CliValidate, BadInputExitsWithStatus2AndNamesTheValue) {
  const fs::path dir = fresh_temp_dir("jacstab_validate_bad", false);
  struct Case {
    std::string args;
    std::string message;
  };
  for (const Case& c : {Case{"validate t99-unknown --out " + dir.string(), "'t99-unknown'"},
                        Case{"validate a21-marginal --profile fast --out " + dir.string(), "'fast'"},
                        Case{"validate a21-marginal --threads 0 --out " + dir.string(), "--threads"},
                        Case{"validate a21-marginal --seed -3 --out " + dir.string(), "--seed"},
                        Case{"validate a21-marginal --bogus", "--bogus"},
                        Case{"validate --index-only a21-marginal --out " + dir.string(), "--index-only"}}) {
    const CliRun r = run(c.args);
    EXPECT_EQ(r.status, 2) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(dir / "a21-marginal.md"));  // nothing was written
}

TEST(CliValidate, QuickRunWritesTheReportAndIsThreadInvariant) {
  const fs::path one = fresh_temp_dir("jacstab_validate_t1", false), two = fresh_temp_dir("jacstab_validate_t2", false);
  const CliRun a = run("validate a21-marginal --profile quick --quiet --threads 1 --out " + one.string());
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_NE(a.out.find("a21-marginal: "), std::string::npos);
  for (const char* f : {"a21-marginal.md", "a21-marginal.json", "a21-marginal.csv", "a21-marginal.svg", "README.md"}) {
    EXPECT_TRUE(fs::exists(one / f)) << f;
  }
  const CliRun b = run("validate a21-marginal --profile quick --quiet --threads 2 --out " + two.string());
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(read_file_text(one / "a21-marginal.csv"), read_file_text(two / "a21-marginal.csv"));
  const std::string json = read_file_text(one / "a21-marginal.json");
  EXPECT_NE(json.find("\"profile\": \"quick\""), std::string::npos);
  EXPECT_EQ(json.find(": nan"), std::string::npos);
  EXPECT_EQ(json.find("NaN"), std::string::npos);
  fs::remove_all(one);
  fs::remove_all(two);
}

TEST(CliValidate, FailedRunLeavesPreviousReportsInPlace) {
  const fs::path dir = fresh_temp_dir("jacstab_validate_fail", false);
  ASSERT_EQ(run("validate a21-marginal --profile quick --quiet --out " + dir.string()).status, 0);
  const std::string before = read_file_text(dir / "a21-marginal.md");
  // A run whose figure cannot be drawn fails with status 1 and writes nothing.
  const CliRun f = jacstab_test::run_with_env("JACSTAB_GNUPLOT=/bin/false",
                                              "validate a21-marginal --profile quick --quiet --seed 5 --out " +
                                                  dir.string());
  EXPECT_EQ(f.status, 1);
  EXPECT_NE(f.err.find("previous report left in place"), std::string::npos) << f.err;
  EXPECT_EQ(read_file_text(dir / "a21-marginal.md"), before);
  fs::remove_all(dir);
}
