// End-to-end tests of `jacstab limit`: help, values against closed forms, JSON, bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "cli_support.hpp"

using jacstab_test::CliRun;
using jacstab_test::json_values;
using jacstab_test::run;

namespace {

double number(const std::string& json, const std::string& key, std::size_t index = 0) {
  const auto v = json_values(json, key);
  if (v.size() <= index) {
    ADD_FAILURE() << "no value " << index << " for " << key << " in " << json;
    return 0.0;
  }
  return std::stod(v[index]);
}

}  // namespace

TEST(CliLimit, HelpDocumentsEveryOption) {
  const CliRun r = run("limit --help");
  EXPECT_EQ(r.status, 0);
  for (const char* opt : {"--depth", "--sigma2", "--sigma2-list", "--alpha", "--alpha-list", "--moments",
                          "--all-depths", "--density", "--json", "norm_limit", "semicircular_product_norm",
                          "moments"}) {
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
  }
  EXPECT_NE(run("--help").out.find("limit"), std::string::npos);
}

TEST(CliLimit, EdgeOfChaosSingleLayer) {
  // sigma2 = 2, alpha = 1/2, L = 1: ||J|| -> 1 + sqrt 2; moments are the little Schroeder
  // numbers 1, 3, 11, 45, 197, 903.
  const CliRun r = run("limit --depth 1 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NEAR(number(r.out, "norm_limit"), 1.0 + std::sqrt(2.0), 1e-14);
  EXPECT_DOUBLE_EQ(number(r.out, "semicircular_product_norm"), 2.0);
  EXPECT_DOUBLE_EQ(number(r.out, "atom_at_zero"), 0.5);
  const auto m = json_values(r.out, "moments");
  ASSERT_FALSE(m.empty());
  EXPECT_NE(r.out.find("\"moments\": [1.0, 3.0, 11.0, 45.0, 197.0, 903.0]"), std::string::npos) << r.out;
}

TEST(CliLimit, FussCatalanAndLists) {
  const CliRun a = run("limit --depth 3 --sigma2 1 --alpha 1 --json --moments 4");
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_NEAR(number(a.out, "norm_limit"), std::sqrt(256.0 / 27.0), 1e-14);
  EXPECT_NEAR(number(a.out, "norm_limit"), number(a.out, "semicircular_product_norm"), 1e-14);
  EXPECT_NE(a.out.find("\"moments\": [1.0, 4.0, 22.0, 140.0]"), std::string::npos) << a.out;
  const CliRun b = run("limit --depth 3 --sigma2-list 1,1,1 --alpha-list 1,1,1 --json --moments 4");
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(number(a.out, "norm_limit"), number(b.out, "norm_limit"));
}

TEST(CliLimit, TextOutputDepthsAndDensity) {
  const CliRun r = run("limit --depth 3 --all-depths --density 4");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* s : {"norm_limit", "log_norm_limit", "semicircular_product_norm", "m_6 =", "L = 3:",
                        "density of J J^T"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
  const CliRun j = run("limit --depth 3 --all-depths --density 4 --json");
  ASSERT_EQ(j.status, 0) << j.err;
  EXPECT_EQ(json_values(j.out, "x").size(), 4u);  // one {"x", "density"} object per point
  EXPECT_NEAR(number(j.out, "log_norm_limit"), std::log(number(j.out, "norm_limit")), 1e-13);
  // log_norm_limit_by_depth ends with the full depth's value.
  const auto pos = j.out.find("\"log_norm_limit_by_depth\": [");
  ASSERT_NE(pos, std::string::npos);
  const std::string list = j.out.substr(pos, j.out.find(']', pos) - pos);
  EXPECT_NE(list.find(json_values(j.out, "log_norm_limit")[0]), std::string::npos) << list;
}

TEST(CliLimit, DeepAndDeadNetworksHaveNoNaN) {
  const CliRun deep = run("limit --depth 2000 --sigma2 4 --json");
  ASSERT_EQ(deep.status, 0) << deep.err;
  EXPECT_EQ(deep.out.find("nan"), std::string::npos);
  EXPECT_EQ(deep.out.find("inf"), std::string::npos);
  EXPECT_GT(number(deep.out, "log_norm_limit"), 600.0);
  const CliRun dead = run("limit --depth 2 --alpha-list 0.5,0 --json");
  ASSERT_EQ(dead.status, 0) << dead.err;
  EXPECT_EQ(number(dead.out, "norm_limit"), 0.0);
  EXPECT_NE(dead.out.find("\"log_norm_limit\": null"), std::string::npos);
  EXPECT_EQ(dead.out.find("nan"), std::string::npos);
  const CliRun text = run("limit --depth 2 --alpha-list 0.5,0");
  EXPECT_EQ(text.status, 0);
  EXPECT_NE(text.out.find("J = 0"), std::string::npos);
}

TEST(CliLimit, BadInputNamesTheParameter) {
  struct Case {
    const char* args;
    const char* message;
  };
  for (const Case& c : {
           Case{"limit", "--depth is required"},
           Case{"limit --depth 0", "--depth must be an integer in [1, 1048576], got 0"},
           Case{"limit --depth 2 --sigma2 0", "--sigma2 must be finite and > 0, got 0"},
           Case{"limit --depth 2 --sigma2 nan", "--sigma2 must be a finite number, got 'nan'"},
           Case{"limit --depth 2 --alpha 1.5", "--alpha must be in [0, 1], got 1.5"},
           Case{"limit --depth 2 --alpha-list 0.5,1.7", "--alpha-list entry 2 must be in [0, 1], got 1.7"},
           Case{"limit --depth 2 --sigma2-list 2,-1", "--sigma2-list entry 2 must be finite and > 0, got -1"},
           Case{"limit --depth 2 --alpha-list 0.5", "--alpha-list must have --depth = 2 entries, got 1"},
           Case{"limit --depth 2 --alpha-list 0.5,,1", "bad entry ''"},
           Case{"limit --depth 2 --alpha 0.5 --alpha-list 0.5,0.5", "give either --alpha or --alpha-list"},
           Case{"limit --depth 2 --moments 65", "--moments must be an integer in [1, 64], got 65"},
           Case{"limit --depth 2 --density 0", "--density must be an integer in [1, 100000], got 0"},
           Case{"limit --depth 2 --alpha 0 --density 10", "--density: the law is the point mass at 0"},
           Case{"limit --depth 1100 --sigma2 4 --density 10", "overflows"},
           Case{"limit --depth 20000 --all-depths", "--all-depths needs --depth <= 10000, got --depth 20000"},
           Case{"limit --depth 2 --width 3", "unknown option '--width'"},
       }) {
    const CliRun r = run(c.args);
    EXPECT_EQ(r.status, 2) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << c.args;
  }
}
