// End-to-end tests of the convergence benchmark (bench/bench_convergence.cpp) at its quick
// profile: the report and the benchmark JSON are written, the numbers do not depend on the
// thread count, bad input exits 2 naming the option, and a run that measures nothing writes
// nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "test_support.hpp"

namespace {

using jacstab::testing_support::read_file_text;
using jacstab::testing_support::fresh_temp_dir;

namespace fs = std::filesystem;
using jacstab_test::CliRun;

CliRun bench(const std::string& args) { return jacstab_test::run_program("", JACSTAB_BENCH_CONVERGENCE, args); }


// "L5_mean": 3.1, ... of every benchmark, in order (the measured numbers, without times).
std::vector<std::string> estimates(const std::string& json) {
  std::vector<std::string> out;
  const std::regex re("\"(L[0-9]+_[a-z0-9_]+|reps|dead)\": ([^,\\n]+)");
  for (auto it = std::sregex_iterator(json.begin(), json.end(), re); it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1].str() + "=" + (*it)[2].str());
  }
  return out;
}

TEST(BenchConvergence, QuickProfileWritesTheReportAndTheJson) {
  const fs::path dir = fresh_temp_dir("bench-convergence-quick", false);
  const CliRun r = bench("--profile quick --quiet --report-dir '" + dir.string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* f : {"convergence.md", "convergence.svg", "convergence-ln.svg", "bench/convergence.json"}) {
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  }
  EXPECT_FALSE(fs::exists(dir / "bench" / ".convergence.json.partial"));
  const std::string md = read_file_text(dir / "convergence.md");
  for (const char* section : {"## Method", "## Exponents γ of |E‖J₁‖ − limit|", "## Along lines of constant L/n",
                              "## Every cell", "## Provenance"}) {
    EXPECT_NE(md.find(section), std::string::npos) << section;
  }
  EXPECT_FALSE(std::regex_search(md, std::regex("\\b(nan|-?inf)\\b", std::regex::icase)));
  const std::string json = read_file_text(dir / "bench" / "convergence.json");
  for (const char* q : {"iid", "prune-0.5", "prune-0.9", "magnitude-vm", "dependent"}) {
    EXPECT_NE(json.find(std::string("BM_ConvergeNorm/") + q + "/width:32"), std::string::npos) << q;
  }
  // The L = 1 limit of every critical ensemble is 1 + sqrt(2) (the dependent one is slightly
  // above it: sigma2 = 2 (1 + eta^2)).
  EXPECT_NE(json.find("\"L1_limit\": 2.414213562373"), std::string::npos);
  EXPECT_NE(json.find("\"L1_m2_limit\": 3."), std::string::npos);  // little Schroeder number 3

  // The report rebuilt from the JSON alone has the same tables (provenance aside).
  const fs::path again = fresh_temp_dir("bench-convergence-again", false);
  const CliRun r2 = bench("--from-json '" + (dir / "bench" / "convergence.json").string() + "' --report-dir '" +
                          again.string() + "'");
  ASSERT_EQ(r2.status, 0) << r2.err;
  const std::string md2 = read_file_text(again / "convergence.md");
  const auto body = [](const std::string& m) { return m.substr(0, m.find("## Provenance")); };
  EXPECT_EQ(body(md), body(md2));
  EXPECT_EQ(read_file_text(again / "bench" / "convergence.json"), json);
  EXPECT_EQ(bench("--from-json '" + again.string() + "/none.json' --report-dir x").status, 2);
  EXPECT_EQ(bench("--from-json '" + (again / "convergence.md").string() + "' --report-dir '" + again.string() + "'").status, 1);
  fs::remove_all(again);
  fs::remove_all(dir);
}

TEST(BenchConvergence, NumbersDoNotDependOnTheThreadCount) {
  const CliRun one = bench("--profile quick --quiet --threads 1 --benchmark_format=json");
  const CliRun two = bench("--profile quick --quiet --threads 2 --benchmark_format=json");
  ASSERT_EQ(one.status, 0) << one.err;
  ASSERT_EQ(two.status, 0) << two.err;
  const auto a = estimates(one.out), b = estimates(two.out);
  EXPECT_GT(a.size(), 100u);
  EXPECT_EQ(a, b);
}

TEST(BenchConvergence, BadInputExitsTwoNamingTheOption) {
  struct Case {
    const char* args;
    const char* needle;
  };
  for (const Case& c : {Case{"--profile nope", "nope"}, Case{"--threads 0", "--threads"},
                        Case{"--seed abc", "--seed"}, Case{"--frobnicate", "--frobnicate"},
                        Case{"--report-dir x --benchmark_out=y.json", "--benchmark_out"}}) {
    const CliRun r = bench(c.args);
    EXPECT_EQ(r.status, 2) << c.args << ": " << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << ": " << r.err;
  }
  const CliRun help = bench("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("Usage: bench_convergence"), std::string::npos);
}

TEST(BenchConvergence, ARunThatMeasuresNothingWritesNothing) {
  const fs::path dir = fresh_temp_dir("bench-convergence-none", false);
  const CliRun r = bench("--profile quick --quiet --benchmark_filter=no-such-benchmark --report-dir '" + dir.string() + "'");
  EXPECT_EQ(r.status, 1);
  EXPECT_FALSE(fs::exists(dir / "convergence.md"));
  EXPECT_FALSE(fs::exists(dir / "bench" / "convergence.json"));
  fs::remove_all(dir);
}

}  // namespace
