// End-to-end tests of `jacstab hypotheses`: help, a text and a JSON run for each theorem, the
// trend verdicts over several widths, exit status 2 with the option named for bad input, and
// JSON without NaN (an undefined value is null and its note says why).
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "cli_support.hpp"

using jacstab_test::CliRun;
using jacstab_test::json_values;
using jacstab_test::run;

namespace {

/// Checks that `json` is one JSON object on one line, with no NaN or infinity tokens, and that
/// every condition whose value is null has a non-empty note.
void expect_clean_json(const std::string& json, const std::string& what) {
  ASSERT_FALSE(json.empty()) << what;
  EXPECT_EQ(json.front(), '{') << what;
  EXPECT_EQ(json.substr(json.size() - 2), "}\n") << what;
  EXPECT_EQ(json.find('\n'), json.size() - 1) << what;
  const std::regex non_finite(R"j(: ?-?(nan|NaN|inf|Infinity)\b)j");
  EXPECT_FALSE(std::regex_search(json, non_finite)) << what;
  const std::regex unexplained(R"j("value": null, "bound": [^,]+, "holds": [^,]+, "note": "")j");
  EXPECT_FALSE(std::regex_search(json, unexplained)) << what;
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    ASSERT_GE(depth, 0) << what;
  }
  EXPECT_EQ(depth, 0) << what;
}

struct TheoremRun {
  const char* args;
  std::vector<const char*> text_expect;  // substrings of the text output
};

const std::vector<TheoremRun> kRuns = {
    {"--theorem 3.1 --width 256", {"Theorem 3.1", "(i)/(i')", "3.69336", "(ii') as printed", "(A'1) covariance ratio"}},
    {"--theorem 3.1 --width 128 --ensemble magnitude-topr --topr-c 2 --scale theorem --reps 4",
     {"(A1)-iii independence", "Monte Carlo, 4 replicates", "Thm 4.3"}},
    {"--theorem 4.1 --width 256 --sparsity 0.9", {"Theorem 4.1", "36.9336", "5503", "log10(256)/256"}},
    {"--theorem 4.2 --width 256 --threshold 0.15", {"Theorem 4.2", "(a) t < t_max(n)", "0.199513", "0.0298345"}},
    {"--theorem 4.3 --width 256 --topr-c 2 --reps 4", {"Theorem 4.3", "7871", "0.137387", "0.190945"}},
    {"--theorem 5.1 --width 256 --eta 0.0078125", {"Theorem 5.1", "0.00663547", "2^-7.24", "2^-4.00"}},
    {"--theorem 5.1 --width 256 --ensemble equicorrelated --rho 0.00001", {"largest rho", "4.40276e-05"}},
};

}  // namespace

TEST(CliHypotheses, HelpDocumentsEveryOption) {
  const CliRun r = run("hypotheses --help");
  EXPECT_EQ(r.status, 0);
  for (const char* opt : {"--theorem", "--width", "--widths", "--ensemble", "--sigma2", "--sparsity",
                          "--scale", "--threshold", "--topr-c", "--eta", "--rho", "--alpha", "--seed",
                          "--reps", "--mc-max-width", "--json", "--help"}) {
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
  }
  for (const char* th : {"3.1", "4.1", "4.2", "4.3", "5.1"}) EXPECT_NE(r.out.find(th), std::string::npos) << th;
}

TEST(CliHypotheses, TextRunForEachTheorem) {
  for (const TheoremRun& t : kRuns) {
    const CliRun r = run(std::string("hypotheses ") + t.args);
    EXPECT_EQ(r.status, 0) << t.args << "\n" << r.err;
    EXPECT_TRUE(r.err.empty()) << t.args << "\n" << r.err;
    for (const char* s : t.text_expect) EXPECT_NE(r.out.find(s), std::string::npos) << t.args << ": " << s;
    EXPECT_NE(r.out.find("condition"), std::string::npos);
    EXPECT_EQ(r.out.find("nan"), std::string::npos) << t.args;
  }
}

TEST(CliHypotheses, JsonRunForEachTheorem) {
  for (const TheoremRun& t : kRuns) {
    const CliRun r = run(std::string("hypotheses ") + t.args + " --json");
    EXPECT_EQ(r.status, 0) << t.args << "\n" << r.err;
    expect_clean_json(r.out, t.args);
    EXPECT_NE(r.out.find("\"command\": \"hypotheses\""), std::string::npos);
    for (const char* key : {"\"reports\": [", "\"conditions\": [", "\"name\": ", "\"value\": ", "\"bound\": ",
                            "\"holds\": ", "\"relation\": ", "\"provenance\": "}) {
      EXPECT_NE(r.out.find(key), std::string::npos) << t.args << ": " << key;
    }
    EXPECT_EQ(r.out.find("\"trends\""), std::string::npos) << "one width gives no trend";
  }
  // Asymptotic conditions are not decided at one width; finite ones are.
  const CliRun r = run("hypotheses --theorem 4.2 --width 256 --threshold 0.15 --json");
  EXPECT_NE(r.out.find(R"j("name": "(b) n t^2", "statement": "n t^2 -> infinity", "relation": "to_infinity", "value": 5.76, "bound": null, "holds": null)j"),
            std::string::npos);
  EXPECT_NE(r.out.find(R"j("name": "(a) t < t_max(n)")j"), std::string::npos);
  const auto holds = json_values(r.out, "holds");
  EXPECT_NE(std::find(holds.begin(), holds.end(), "true"), holds.end());
}

TEST(CliHypotheses, UndefinedValuesAreNullWithANote) {
  // c = 10 at n = 16: r = floor(n log^c n) > n^2, so the implied t is undefined.
  const CliRun r = run("hypotheses --theorem 4.3 --width 16 --topr-c 10 --json");
  EXPECT_EQ(r.status, 0) << r.err;
  expect_clean_json(r.out, "topr-c 10");
  EXPECT_NE(r.out.find(R"j("name": "implied t", "statement": "t solving P(|w| <= t) = 1 - r/(n^2 + 1)", "relation": "info", "value": null)j"),
            std::string::npos);
  EXPECT_NE(r.out.find("r > n^2"), std::string::npos);
  // A printed factor too large for a double (n t^2/2 = 11796): null, with its size in the note.
  const CliRun big = run("hypotheses --theorem 4.2 --width 1048576 --threshold 0.15 --json");
  EXPECT_EQ(big.status, 0) << big.err;
  expect_clean_json(big.out, "threshold 0.15 at 2^20");
  EXPECT_NE(big.out.find("too large for a double (about 10^"), std::string::npos);
}

TEST(CliHypotheses, SeveralWidthsGiveTrendVerdicts) {
  const CliRun t = run("hypotheses --theorem 4.2 --widths 256,1024,4096 --threshold 0.15");
  EXPECT_EQ(t.status, 0) << t.err;
  EXPECT_NE(t.out.find("trend: no: holds at n = 256; fails at n = 1024, 4096"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("trend: yes: consistent with -> infinity"), std::string::npos);
  const CliRun j = run("hypotheses --theorem 4.3 --widths 128,256,512 --topr-c 2 --reps 4 --json");
  EXPECT_EQ(j.status, 0) << j.err;
  expect_clean_json(j.out, "4.3 over widths");
  EXPECT_NE(j.out.find("\"trends\": ["), std::string::npos);
  EXPECT_NE(j.out.find("\"slope_ci\": {\"low\": "), std::string::npos) << "the Monte-Carlo trend has an interval";
  EXPECT_EQ(json_values(j.out, "width").size(), 3u);
}

TEST(CliHypotheses, MonteCarloIsReproducible) {
  const std::string args = "hypotheses --theorem 3.1 --width 64 --ensemble magnitude-topr --topr-c 2 --reps 3 --json";
  const CliRun a = run(args + " --seed 5"), b = run(args + " --seed 5"), c = run(args + " --seed 6");
  ASSERT_EQ(a.status, 0) << a.err;
  const auto va = json_values(a.out, "value"), vb = json_values(b.out, "value"), vc = json_values(c.out, "value");
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
  EXPECT_NE(a.out.find("\"value_ci\": {\"low\": "), std::string::npos);
}

TEST(CliHypotheses, BadInputExitsWithStatusTwoAndNamesTheParameter) {
  struct Case {
    const char* args;
    const char* expect;  // substring of the error message
  };
  const Case cases[] = {
      {"hypotheses --theorem 3.1 --width 1", "--width must be an integer in [2, 1073741824], got 1"},
      {"hypotheses --theorem 4.4 --width 256", "unknown --theorem '4.4'"},
      {"hypotheses --theorem 4.2 --width 256 --ensemble iid", "--theorem 4.2 needs --ensemble magnitude-threshold, got --ensemble iid"},
      {"hypotheses --theorem 4.1 --width 256 --sparsity 1.2", "--sparsity must be in [0, 1), got 1.2"},
      {"hypotheses --theorem 4.1 --width 256 --ensemble iid", "--theorem 4.1 needs --ensemble random-prune"},
      {"hypotheses --theorem 4.2 --width 256", "--threshold is required"},
      {"hypotheses --theorem 4.2 --width 256 --threshold -0.1", "--threshold must be > 0, got -0.1"},
      {"hypotheses --theorem 4.3 --width 256", "--theorem 4.3 needs --topr-c"},
      {"hypotheses --theorem 4.3 --width 256 --sparsity 0.9", "got --sparsity 0.9"},
      {"hypotheses --theorem 4.3 --width 256 --topr-c 0", "--topr-c must be > 0, got 0"},
      {"hypotheses --theorem 5.1 --width 256 --ensemble iid", "--theorem 5.1 needs --ensemble dependent or equicorrelated"},
      {"hypotheses --theorem 5.1 --width 256 --eta -1", "--eta must be >= 0, got -1"},
      {"hypotheses --theorem 3.1 --width 256 --eta 0.1", "--eta is not used by --ensemble iid, got --eta 0.1"},
      {"hypotheses --theorem 3.1 --width 256 --sigma2 0", "--sigma2 must be > 0, got 0"},
      {"hypotheses --theorem 3.1 --width 256 --ensemble nope", "'nope'"},
      {"hypotheses --theorem 3.1 --width 256 --ensemble surrogate --alpha 2", "--alpha must be in [0, 1], got 2"},
      {"hypotheses --theorem 3.1 --widths 256,128,512", "--widths must be a comma-separated list"},
      {"hypotheses --theorem 3.1 --widths 256,1024", "got '256,1024'"},
      {"hypotheses --theorem 3.1 --widths 256,x,1024", "got '256,x,1024'"},
      {"hypotheses --theorem 3.1 --widths 1,2,3", "got '1,2,3'"},
      {"hypotheses --theorem 3.1 --width 8 --widths 8,16,32", "not both"},
      {"hypotheses --theorem 3.1", "--width N or --widths LIST is required"},
      {"hypotheses --width 256", "--theorem is required"},
      {"hypotheses --theorem 3.1 --width 256 --reps 1", "--reps must be an integer in [2, 1000000], got 1"},
      {"hypotheses --theorem 3.1 --width 256 --seed -3", "--seed"},
      {"hypotheses --theorem 3.1 --width 256 --mc-max-width 0", "--mc-max-width"},
      {"hypotheses --theorem 3.1 --width 256 --depth 3", "unknown option '--depth'"},
  };
  for (const auto& c : cases) {
    const CliRun r = run(c.args);
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.args << "\nstderr: " << r.err;
    EXPECT_NE(r.err.find("jacstab hypotheses: "), std::string::npos) << c.args << "\nstderr: " << r.err;
    EXPECT_TRUE(r.out.empty()) << c.args;
  }
}
