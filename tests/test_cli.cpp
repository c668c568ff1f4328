// End-to-end tests of the jacstab executable: help, exit codes and messages for bad input,
// JSON output, thread-count invariance, and the --export files recomputed independently.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <armadillo>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "jacstab/io.hpp"

#include "cli_support.hpp"

namespace fs = std::filesystem;
using jacstab_test::CliRun;
using jacstab_test::json_values;
using jacstab_test::run;

TEST(Cli, HelpDocumentsEveryOption) {
  const CliRun r = run("sample --help");
  EXPECT_EQ(r.status, 0);
  for (const char* opt : {"--width", "--depth", "--ensemble", "--sigma2", "--sparsity", "--scale",
                          "--threshold", "--topr-c", "--eta", "--rho", "--alpha", "--input",
                          "--seed", "--reps", "--threads", "--json", "--export", "--norm-method",
                          "--all-depths"}) {
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
  }
  EXPECT_EQ(run("--help").status, 0);
  EXPECT_EQ(run("").status, 2);
}

TEST(Cli, BadInputExitsWithStatusTwoAndNamesTheParameter) {
  struct Case {
    const char* args;
    const char* expect;  // substring of the error message
  };
  const Case cases[] = {
      {"sample --width 0 --depth 3", "--width"},
      {"sample --width 10 --depth 0", "--depth"},
      {"sample --width 10", "--depth is required"},
      {"sample --width ten --depth 3", "'ten'"},
      {"sample --width 10 --depth 3 --sigma2 -1", "--sigma2 must be > 0, got -1"},
      {"sample --width 10 --depth 3 --sigma2 nan", "--sigma2"},
      {"sample --width 10 --depth 3 --sigma2 inf", "--sigma2"},
      {"sample --width 10 --depth 3 --sigma2 1e999", "--sigma2"},
      {"sample --width 10 --depth 3 --sigma2 2x", "'2x'"},
      {"sample --width 10 --depth 3 --ensemble random-prune --sparsity 1", "--sparsity must be in [0, 1), got 1"},
      {"sample --width 10 --depth 3 --ensemble random-prune --sparsity -0.1", "--sparsity"},
      {"sample --width 10 --depth 3 --ensemble magnitude-threshold", "--threshold is required"},
      {"sample --width 10 --depth 3 --ensemble magnitude-threshold --threshold 0", "--threshold must be > 0, got 0"},
      {"sample --width 10 --depth 3 --ensemble magnitude-threshold --threshold 50 --scale inverse-sqrt", "keeps no weights"},
      {"sample --width 10 --depth 3 --ensemble dependent --eta -1", "--eta must be >= 0, got -1"},
      {"sample --width 10 --depth 3 --ensemble equicorrelated --rho 1", "--rho must be in [0, 1), got 1"},
      {"sample --width 10 --depth 3 --ensemble surrogate --alpha 1.5", "--alpha must be in [0, 1], got 1.5"},
      {"sample --width 10 --depth 3 --ensemble magnitude-topr --topr-c 0", "--topr-c must be > 0, got 0"},
      {"sample --width 10 --depth 3 --ensemble nope", "'nope'"},
      {"sample --width 10 --depth 3 --scale theorem", "--scale is not used by --ensemble iid"},
      {"sample --width 10 --depth 3 --ensemble random-prune --scale huge", "'huge'"},
      {"sample --width 10 --depth 3 --input mnist", "'mnist'"},
      {"sample --width 10 --depth 3 --norm-method fast", "'fast'"},
      {"sample --width 10 --depth 3 --threads 0", "--threads"},
      {"sample --width 10 --depth 3 --reps -2", "--reps"},
      {"sample --width 10 --depth 3 --seed -1", "--seed"},
      {"sample --width 10 --depth 3 --frobnicate", "unknown option '--frobnicate'"},
      {"sample --width 10 --depth 3 --width 5", "given twice"},
      {"sample --width 10 --depth 3 --json=1", "takes no value"},
      {"sample --width 10 --depth", "needs a value"},
      {"frobnicate", "unknown command 'frobnicate'"},
  };
  for (const auto& c : cases) {
    const CliRun r = run(c.args);
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.args << "\nstderr: " << r.err;
    EXPECT_TRUE(r.out.empty()) << c.args << ": no partial output on stdout";
  }
}

TEST(Cli, JsonOutputIsCompleteAndThreadCountInvariant) {
  const std::string base = "sample --width 48 --depth 12 --reps 6 --seed 9 --json --all-depths";
  const CliRun one = run(base + " --threads 1");
  const CliRun two = run(base + " --threads 2");
  ASSERT_EQ(one.status, 0) << one.err;
  ASSERT_EQ(two.status, 0) << two.err;
  const auto l1 = json_values(one.out, "log_norm");
  const auto l2 = json_values(two.out, "log_norm");
  ASSERT_EQ(l1.size(), 6u);
  EXPECT_EQ(l1, l2);
  EXPECT_EQ(json_values(one.out, "prefix_log_norm"), json_values(two.out, "prefix_log_norm"));
  EXPECT_FALSE(std::regex_search(one.out, std::regex("[:\\[,] ?-?(nan|inf|NaN|Infinity)")));
  EXPECT_NE(one.out.find("\"provenance\""), std::string::npos);
  EXPECT_NE(one.out.find("\"active_fraction\": ["), std::string::npos);
  // A different seed gives different norms.
  const CliRun other = run("sample --width 48 --depth 12 --reps 6 --seed 10 --json");
  EXPECT_NE(json_values(other.out, "log_norm"), l1);
}

TEST(Cli, DeepNetworksStayFiniteInTheLogDomain) {
  for (const char* s2 : {"4", "0.5"}) {
    const CliRun r = run(std::string("sample --width 16 --depth 1000 --sigma2 ") + s2 + " --json");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto logs = json_values(r.out, "log_norm");
    ASSERT_FALSE(logs.empty());
    EXPECT_NE(logs[0], "null") << "sigma2 " << s2;
    const double v = std::stod(logs[0]);
    EXPECT_TRUE(std::isfinite(v));
    // log ||J|| ~ (L/2) log(sigma2/2): about +347 for sigma2 = 4 and -693 for 0.5.
    EXPECT_GT(std::abs(v), 200.0) << "sigma2 " << s2;
  }
}

TEST(Cli, ExportedNetworkReproducesTheNorm) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("jacstab_export_test." + std::to_string(::getpid()));
  fs::remove_all(dir);
  const CliRun r = run("sample --width 24 --depth 7 --ensemble random-prune --sparsity 0.5 --scale "
                    "inverse-sqrt --seed 3 --json --export '" + dir.string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream mf(dir / "manifest.json");
  ASSERT_TRUE(mf.good());
  std::stringstream ss;
  ss << mf.rdbuf();
  const std::string manifest = ss.str();
  // Recompute ||W_L D_{L-1} ... W_1 D_0|| from the files alone.
  arma::mat j;
  for (int l = 0; l < 7; ++l) {
    const arma::mat w = jacstab::read_npy_matrix(dir / ("W_" + std::to_string(l + 1) + ".npy"));
    const arma::mat d = jacstab::read_npy_matrix(dir / ("D_" + std::to_string(l) + ".npy"));
    ASSERT_EQ(w.n_rows, 24u);
    ASSERT_EQ(d.n_elem, 24u);
    const arma::mat factor = w * arma::diagmat(arma::vectorise(d));
    j = l == 0 ? factor : arma::mat(factor * j);
  }
  const double norm = arma::norm(j, 2);
  const double manifest_norm = std::stod(json_values(manifest, "norm").at(0));
  EXPECT_NEAR(norm, manifest_norm, 1e-10 * norm);
  // The masks are those of the exported input: D_0 = 1{W_in x > 0}.
  const arma::mat x = jacstab::read_npy_matrix(dir / "input.npy");
  const arma::mat w_in = jacstab::read_npy_matrix(dir / "W_in.npy");
  const arma::mat d0 = jacstab::read_npy_matrix(dir / "D_0.npy");
  const arma::vec y0 = w_in * x;
  for (arma::uword i = 0; i < y0.n_elem; ++i) EXPECT_EQ(d0(i), y0(i) > 0 ? 1.0 : 0.0);
  // Replicate 0 of the JSON output has the same norm.
  EXPECT_NEAR(std::stod(json_values(r.out, "norm").at(0)), manifest_norm, 1e-10 * norm);
  for (const auto& e : fs::directory_iterator(dir.parent_path())) {
    EXPECT_EQ(e.path().filename().string().find("." + dir.filename().string() + ".tmp"), std::string::npos)
        << "temporary directory left behind: " << e.path();
  }
}

TEST(Cli, FailedRunLeavesNoExport) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("jacstab_export_never." + std::to_string(::getpid()));
  fs::remove_all(dir);
  const CliRun r = run("sample --width 10 --depth 3 --sigma2 0 --export '" + dir.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_FALSE(fs::exists(dir));
}

TEST(Cli, FashionMnistInputWhenInstalled) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") &&
      !std::getenv("JACSTAB_FASHION_MNIST_DIR")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  const CliRun r = run("sample --width 32 --depth 5 --reps 3 --input fashion-mnist --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\"input\": \"fashion-mnist\""), std::string::npos);
  EXPECT_EQ(json_values(r.out, "log_norm").size(), 3u);
  // Missing data: exit 1 and the message names the Debian package.
  const std::string env = "JACSTAB_FASHION_MNIST_DIR=/nonexistent ";
  FILE* p = ::popen((env + JACSTAB_CLI + " sample --width 8 --depth 2 --input fashion-mnist 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string text;
  std::array<char, 512> buf{};
  std::size_t got;
  while ((got = std::fread(buf.data(), 1, buf.size(), p)) > 0) text.append(buf.data(), got);
  const int st = ::pclose(p);
  EXPECT_EQ(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 1);
  EXPECT_NE(text.find("dataset-fashion-mnist"), std::string::npos) << text;
}

// A request larger than the machine is refused before anything is allocated: exit 2, the
// option named, the estimate and the available memory stated, no export left behind.
TEST(Cli, RequestsLargerThanTheMachineAreRefusedUpFront) {
  const fs::path dir = fs::temp_directory_path() / ("jacstab-oom-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const auto r = run("sample --width 300000 --depth 2 --export " + dir.string());
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("--width 300000"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("needs an estimated"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("TiB"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("available"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("bad_alloc"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir));
  // More threads than replicates do not count: one replicate of n = 2000 is far below any machine.
  EXPECT_EQ(run("sample --width 2000 --depth 1 --threads 64").status, 0);
}
