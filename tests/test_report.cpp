// Unit tests of the validation framework: verdict rules, report rendering, atomic writing,
// the verdict index, profiles, the claim catalogue and replicate reproducibility.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "jacstab/experiment.hpp"
#include "jacstab/report.hpp"
#include "jacstab/rng.hpp"
#include "jacstab/stats.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace jacstab;

namespace {

using jacstab::testing_support::read_file_text;
using jacstab::testing_support::fresh_temp_dir;

Check make(CheckRole role, Verdict v) {
  Check c;
  c.name = "c";
  c.role = role;
  c.verdict = v;
  return c;
}


Report sample_report() {
  Report r("a21-chi2");
  r.title = "a \"quoted\" title";
  r.claim = "> quoted claim";
  r.operationalisation = "- alpha = 0.05";
  r.summary = "chi2 = 0.5, p = 0.48 | with a pipe";
  Check main = make(CheckRole::claim, Verdict::confirmed);
  main.name = "main";
  main.estimate = 0.5;
  main.ci_low = 0.1;
  main.ci_high = std::nan("");
  main.p_value = 0.48;
  r.add_check(main);
  r.add_check(make(CheckRole::positive_control, Verdict::confirmed));
  r.add_check(make(CheckRole::planted_violation, Verdict::refuted));
  r.csv.header = {"replicate", "value"};
  r.csv.add_row({"0", csv_cell(1.5)});
  r.csv.add_row({"1", "a,b"});
  Figure f;
  f.caption = "test figure";
  f.block("d") = {{1, 2}, {2, std::nan("")}, {3, 5}};
  f.script = "plot $d using 1:2 with linespoints title 'd'";
  r.figure = f;
  return r;
}

}  // namespace

TEST(Verdicts, DerivedFromClaimChecks) {
  Report r("a21-chi2");
  EXPECT_EQ(r.final_verdict(), Verdict::inconclusive);  // no claim check at all
  r.add_check(make(CheckRole::claim, Verdict::confirmed));
  r.add_check(make(CheckRole::supporting, Verdict::refuted));
  EXPECT_EQ(r.final_verdict(), Verdict::confirmed);  // supporting checks do not count
  r.add_check(make(CheckRole::claim, Verdict::inconclusive));
  EXPECT_EQ(r.final_verdict(), Verdict::inconclusive);
  r.add_check(make(CheckRole::claim, Verdict::refuted));
  EXPECT_EQ(r.final_verdict(), Verdict::refuted);
  r.verdict = Verdict::confirmed;  // an explicit verdict wins
  EXPECT_EQ(r.final_verdict(), Verdict::confirmed);
}

TEST(Verdicts, ControlsMustBehave) {
  EXPECT_TRUE(make(CheckRole::positive_control, Verdict::confirmed).behaved());
  EXPECT_FALSE(make(CheckRole::positive_control, Verdict::inconclusive).behaved());
  EXPECT_TRUE(make(CheckRole::planted_violation, Verdict::refuted).behaved());
  EXPECT_FALSE(make(CheckRole::planted_violation, Verdict::confirmed).behaved());
  EXPECT_TRUE(make(CheckRole::claim, Verdict::refuted).behaved());
  Report r("a21-chi2");
  r.add_check(make(CheckRole::positive_control, Verdict::confirmed));
  EXPECT_TRUE(r.controls_behaved());
  r.add_check(make(CheckRole::planted_violation, Verdict::inconclusive));
  EXPECT_FALSE(r.controls_behaved());
}

TEST(Verdicts, HolmAdjustsOnlyChecksWithPValues) {
  Check a = make(CheckRole::claim, Verdict::confirmed), b = a, c = a;
  a.p_value = 0.01;
  b.p_value = 0.04;
  EXPECT_EQ(holm_adjust({&a, &b, &c}), 2u);
  EXPECT_DOUBLE_EQ(*a.p_adjusted, 0.02);  // R: p.adjust(c(0.01, 0.04), "holm") = 0.02 0.04
  EXPECT_DOUBLE_EQ(*b.p_adjusted, 0.04);
  EXPECT_FALSE(c.p_adjusted.has_value());
}

TEST(Profiles, ParseAndName) {
  EXPECT_EQ(parse_profile("quick"), Profile::quick);
  EXPECT_EQ(parse_profile("paper"), Profile::paper);
  EXPECT_EQ(parse_profile("extended"), Profile::extended);
  EXPECT_EQ(to_string(Profile::extended), "extended");
  try {
    parse_profile("fast", "--profile");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--profile"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'fast'"), std::string::npos);
  }
  const ExperimentContext ctx("a21-chi2", Profile::paper, 1, 1, false);
  EXPECT_EQ(ctx.pick(1, 2, 3), 2);
}

TEST(Catalogue, TwelveClaimsInDesignOrder) {
  const auto& c = claim_catalogue();
  ASSERT_EQ(c.size(), 12u);
  EXPECT_EQ(c.front().id, "a21-marginal");
  EXPECT_EQ(c.back().id, "t51-dependent");
  EXPECT_EQ(claim_info("t41-edge").paper, "sec. 4.1");
  try {
    claim_info("t99-nothing", "claim");
    FAIL();
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'t99-nothing'"), std::string::npos);
    EXPECT_NE(what.find("a21-chi2"), std::string::npos);  // lists the valid IDs
  }
  EXPECT_THROW(register_claim("not-a-claim", [](const ExperimentContext&) { return Report("x"); }),
               std::logic_error);
}

TEST(Context, ReplicatesIdenticalForAnyThreadCount) {
  auto draw = [](unsigned threads) {
    const ExperimentContext ctx("a21-chi2", Profile::quick, 7, threads, false);
    return ctx.map_replicates<double>("part", 64, [&](std::size_t r) {
      Engine e = ctx.engine("part", r);
      double s = 0;
      for (int i = 0; i < 100; ++i) s += e.normal();
      return s;
    });
  };
  const auto one = draw(1);
  EXPECT_EQ(one, draw(2));
  EXPECT_EQ(one, draw(5));
  // Streams are distinct by part, replicate and claim.
  const ExperimentContext a("a21-chi2", Profile::quick, 7, 1, false), b("t41-edge", Profile::quick, 7, 1, false);
  EXPECT_NE(a.engine("part", 0)(), a.engine("part", 1)());
  EXPECT_NE(a.engine("part", 0)(), a.engine("other", 0)());
  EXPECT_NE(a.engine("part", 0)(), b.engine("part", 0)());
  EXPECT_EQ(a.engine("part", 3)(), stream(7, "a21-chi2/part", 3)());
}

TEST(Rendering, JsonHasContractFieldsAndNoNaN) {
  const Report r = sample_report();
  const ExperimentContext ctx("a21-chi2", Profile::quick, 99, 2, false);
  const std::string json = render_json(r, ctx, RunInfo{1.25, "prog --profile quick"});
  for (const char* key : {"\"claim_id\": \"a21-chi2\"", "\"verdict\": \"confirmed\"", "\"profile\": \"quick\"",
                          "\"seed\": 99", "\"checks\": [", "\"name\": \"main\"", "\"estimate\": 0.5",
                          "\"ci_low\": 0.1", "\"ci_high\": null", "\"p_value\": 0.48", "\"margin\": null",
                          "\"expected\": \"refuted\"", "\"provenance\": {", "\"git_hash\"",
                          "\"controls_behaved\": true"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key;
  }
  EXPECT_EQ(json.find(": nan"), std::string::npos);
  EXPECT_EQ(json.find("NaN"), std::string::npos);
  const auto h = read_report_headline(json);
  EXPECT_EQ(h.verdict, "confirmed");
  EXPECT_EQ(h.summary, "chi2 = 0.5, p = 0.48 | with a pipe");
  EXPECT_EQ(h.profile, "quick");
  EXPECT_TRUE(h.git_hash.has_value());
}

TEST(Rendering, MarkdownFollowsTheContractOrder) {
  const Report r = sample_report();
  const ExperimentContext ctx("a21-chi2", Profile::paper, 99, 2, false);
  const std::string md = render_markdown(r, ctx, RunInfo{3.5, ""}, true);
  std::size_t last = 0;
  for (const char* h : {"## 1. Claim", "## 2. Operationalisation", "## 3. Results", "## 4. Figure", "## 5. Verdict",
                        "## 6. Discussion", "## 7. Provenance"}) {
    const auto pos = md.find(h);
    ASSERT_NE(pos, std::string::npos) << h;
    EXPECT_GT(pos, last) << h;
    last = pos;
  }
  EXPECT_NE(md.find("![test figure](a21-chi2.svg)"), std::string::npos);
  EXPECT_NE(md.find("**CONFIRMED**"), std::string::npos);
  EXPECT_NE(md.find("with a pipe"), std::string::npos);
  EXPECT_NE(md.find("| seed | 99"), std::string::npos);
  EXPECT_NE(md.find("3.5 s"), std::string::npos);
  // A control that misbehaves is flagged.
  Report bad = sample_report();
  bad.checks[1].verdict = Verdict::inconclusive;
  const std::string md_bad = render_markdown(bad, ctx, RunInfo{}, false);
  EXPECT_NE(md_bad.find("INVALID EXPERIMENT"), std::string::npos);
  EXPECT_NE(md_bad.find("EXPECTED confirmed"), std::string::npos);
  EXPECT_NE(md_bad.find("No figure"), std::string::npos);
}

TEST(Rendering, CsvQuotesCellsThatNeedIt) {
  Csv c;
  c.header = {"a", "b"};
  c.add_row({"1", "x,y"});
  c.add_row({"say \"hi\"", csv_cell(std::optional<double>{})});
  EXPECT_EQ(render_csv(c), "a,b\n1,\"x,y\"\n\"say \"\"hi\"\"\",\n");
  EXPECT_THROW(c.add_row({"only one"}), std::invalid_argument);
  EXPECT_EQ(csv_cell(0.1), "0.1");
  EXPECT_EQ(csv_cell(-INFINITY), "-inf");
}

TEST(Writing, FourFilesThenIndex) {
  const fs::path dir = fresh_temp_dir("jacstab_report_write");
  const Report r = sample_report();
  const ExperimentContext ctx("a21-chi2", Profile::quick, 1, 1, false);
  write_report(r, ctx, RunInfo{0.5, "x"}, dir);
  for (const char* ext : {".md", ".json", ".csv", ".svg"}) EXPECT_TRUE(fs::exists(dir / (std::string("a21-chi2") + ext)));
  EXPECT_NE(read_file_text(dir / "a21-chi2.svg").find("</svg>"), std::string::npos);
  EXPECT_EQ(read_file_text(dir / "a21-chi2.csv"), "replicate,value\n0,1.5\n1,\"a,b\"\n");
  write_report_index(dir);
  const std::string index = read_file_text(dir / "README.md");
  EXPECT_NE(index.find("| a21-chi2 | Approx. 2.1, sec. 6.1 | **confirmed** |"), std::string::npos);
  EXPECT_NE(index.find("| t51-dependent | Thm 5.1, Fig. 4 | **not run** |"), std::string::npos);
  EXPECT_NE(index.find("with a pipe"), std::string::npos);
  // No temporary files are left behind.
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_NE(e.path().filename().string()[0], '.');
  fs::remove_all(dir);
}

TEST(Writing, AFailedFigureLeavesPreviousReportsIntact) {
  const fs::path dir = fresh_temp_dir("jacstab_report_atomic");
  const ExperimentContext ctx("a21-chi2", Profile::quick, 1, 1, false);
  write_report(sample_report(), ctx, RunInfo{}, dir);
  const std::string before_md = read_file_text(dir / "a21-chi2.md");
  const std::string before_json = read_file_text(dir / "a21-chi2.json");
  Report broken = sample_report();
  broken.summary = "a new run";
  broken.figure->script = "plot $nonexistent using 1:2";  // gnuplot fails on this
  EXPECT_THROW(write_report(broken, ctx, RunInfo{}, dir), std::runtime_error);
  EXPECT_EQ(read_file_text(dir / "a21-chi2.md"), before_md);
  EXPECT_EQ(read_file_text(dir / "a21-chi2.json"), before_json);
  // A report for another claim than the context's is refused before anything is written.
  const ExperimentContext other("t41-edge", Profile::quick, 1, 1, false);
  EXPECT_THROW(write_report(sample_report(), other, RunInfo{}, dir), std::logic_error);
  fs::remove_all(dir);
}

TEST(MarginTest, ThreeWayDecision) {
  // Inside the margin with a narrow interval: TOST confirms.
  const MarginTest in = margin_test(0.01, 0.01, std::nullopt, 0.1);
  EXPECT_TRUE(in.inside);
  EXPECT_EQ(in.verdict, Verdict::confirmed);
  // TOST p = P(Z >= (0.01 + 0.1) / 0.01) vs P(Z <= (0.01 - 0.1)/0.01): the larger is Phi(-9).
  EXPECT_NEAR(in.p, 0.5 * std::erfc(9.0 / std::sqrt(2.0)), 1e-25);
  EXPECT_NEAR(in.ci_low, 0.01 - 1.6448536269514722 * 0.01, 1e-12);
  // Outside the margin by 3 standard errors: refuted, p = P(Z >= 3).
  const MarginTest out = margin_test(-0.13, 0.01, std::nullopt, 0.1);
  EXPECT_FALSE(out.inside);
  EXPECT_EQ(out.verdict, Verdict::refuted);
  EXPECT_NEAR(out.p, 0.5 * std::erfc(3.0 / std::sqrt(2.0)), 1e-15);
  // Near the margin: neither.
  EXPECT_EQ(margin_test(0.09, 0.05, 10.0, 0.1).verdict, Verdict::inconclusive);
  EXPECT_EQ(margin_test(0.11, 0.05, 10.0, 0.1).verdict, Verdict::inconclusive);
  EXPECT_THROW(margin_test(0.0, 0.0, std::nullopt, 0.1), std::invalid_argument);
  // The rule on its own, as used with Holm-adjusted p-values.
  EXPECT_EQ(margin_verdict(0.01, true), Verdict::confirmed);
  EXPECT_EQ(margin_verdict(0.01, false), Verdict::refuted);
  EXPECT_EQ(margin_verdict(0.05, false), Verdict::inconclusive);
  // Tail probabilities: qnorm(0.975) and qt(0.975, 10) in R.
  EXPECT_NEAR(t_or_normal_sf(1.959963984540054), 0.025, 1e-15);
  EXPECT_NEAR(t_or_normal_sf(2.228138851986274, 10.0), 0.025, 1e-14);
}

namespace {
double phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
constexpr double kZ95 = 1.6448536269514722;   // qnorm(0.95)
constexpr double kZ975 = 1.959963984540054;   // qnorm(0.975)
}  // namespace

// Rule 1's power analysis against its closed form and against a simulation of margin_test().
TEST(DecisionRule, MarginMissRateMatchesClosedFormAndSimulation) {
  const double se = 0.04, margin = 0.1;
  // Positive control, true difference 0: P(confirmed) = Phi((m - z se)/se) - Phi(-(m - z se)/se).
  const double w = (margin - kZ95 * se) / se;
  EXPECT_NEAR(margin_test_miss_rate(0.0, se, margin, Verdict::confirmed), 1.0 - (phi(w) - phi(-w)), 1e-14);
  // Planted violation, true difference 0.2: P(refuted) = Phi((d - m - z se)/se) + Phi((-m - z se - d)/se).
  const double pr = phi((0.2 - margin - kZ95 * se) / se) + phi((-margin - kZ95 * se - 0.2) / se);
  EXPECT_NEAR(margin_test_miss_rate(0.2, se, margin, Verdict::refuted), 1.0 - pr, 1e-14);
  // A margin narrower than z se can never be confirmed.
  EXPECT_EQ(margin_test_miss_rate(0.0, 0.1, 0.1, Verdict::confirmed), 1.0);
  // Simulation: 20000 normal estimates judged by margin_test(). The predicted miss rates are
  // 0.280 and 0.260; the binomial SE of 20000 draws is <= 0.0032, tolerance 5 SE (false-failure
  // rate < 1e-6).
  Engine engine = stream(7, "test/margin-miss", 0);
  std::size_t miss0 = 0, miss2 = 0;
  const std::size_t n = 20000;
  for (std::size_t i = 0; i < n; ++i) {
    const double e = engine.normal();
    if (margin_test(se * e, se, std::nullopt, margin).verdict != Verdict::confirmed) ++miss0;
    if (margin_test(0.2 + se * e, se, std::nullopt, margin).verdict != Verdict::refuted) ++miss2;
  }
  EXPECT_NEAR(static_cast<double>(miss0) / n, margin_test_miss_rate(0.0, se, margin, Verdict::confirmed), 0.016);
  EXPECT_NEAR(static_cast<double>(miss2) / n, margin_test_miss_rate(0.2, se, margin, Verdict::refuted), 0.016);
  EXPECT_THROW(margin_test_miss_rate(0.0, 0.0, margin, Verdict::confirmed), std::invalid_argument);
  EXPECT_THROW(margin_test_miss_rate(0.0, se, margin, Verdict::inconclusive), std::invalid_argument);
}

// Rule 2: a rejection counts only when the replication rejects at the first test's corrected level.
TEST(DecisionRule, ReplicatedRejectionAtTheCorrectedLevel) {
  // Holm multiplied the raw p 0.01 by 4: the first test was judged at raw level 0.0125.
  EXPECT_DOUBLE_EQ(corrected_level(0.01, 0.04), 0.0125);
  EXPECT_DOUBLE_EQ(corrected_level(0.01, 0.01), 0.05);  // nothing corrected
  EXPECT_DOUBLE_EQ(corrected_level(0.0, 1e-300), 0.05);  // an underflowed raw p
  EXPECT_TRUE(replicated_rejection(0.01, 0.04, 0.012));
  EXPECT_FALSE(replicated_rejection(0.01, 0.04, 0.013));   // replication above 0.0125
  EXPECT_FALSE(replicated_rejection(0.015, 0.06, 1e-9));   // the first test did not reject
  EXPECT_FALSE(replicated_rejection(0.01, 0.04, std::nullopt));
  EXPECT_EQ(exact_verdict(true, true), Verdict::refuted);
  EXPECT_EQ(exact_verdict(false, true), Verdict::confirmed);
  EXPECT_EQ(exact_verdict(false, false), Verdict::inconclusive);
  // Size alpha^2 for a single test under a true null, and 1 - power^2 for an effect.
  EXPECT_DOUBLE_EQ(exact_miss_rate(Verdict::confirmed, 0.0, 0.05), 0.0025);
  EXPECT_NEAR(z_test_power(0.0, 0.05), 0.05, 1e-15);
  EXPECT_NEAR(z_test_power(kZ975 + kZ95, 0.05), 0.95 + phi(-2.0 * kZ975 - kZ95), 1e-12);
  EXPECT_NEAR(z_test_power(kZ95, 0.05, false), 0.5, 1e-12);
  const double power = z_test_power(3.0, 0.05);
  EXPECT_NEAR(exact_miss_rate(Verdict::refuted, 3.0, 0.05), 1.0 - power * power, 1e-15);
}

// Rule 3: one-sided tests against a minimal effect, p-values against the normal and t tails.
TEST(DecisionRule, DirectionTestAgainstAMinimalEffect) {
  const DirectionTest up = direction_test(0.3, 0.1, std::nullopt, 0.1, true);
  EXPECT_NEAR(up.p_confirm, phi(-2.0), 1e-15);
  EXPECT_NEAR(up.p_refute, phi(2.0), 1e-15);
  EXPECT_EQ(up.verdict, Verdict::confirmed);
  EXPECT_NEAR(up.ci_low, 0.3 - kZ95 * 0.1, 1e-12);
  const DirectionTest down = direction_test(-0.1, 0.1, std::nullopt, 0.1, true);
  EXPECT_EQ(down.verdict, Verdict::refuted);  // a candidate; it counts only when replicated
  EXPECT_NEAR(down.p_refute, phi(-2.0), 1e-15);
  // "theta < minimal_effect": mirrored.
  EXPECT_EQ(direction_test(-0.1, 0.1, std::nullopt, 0.1, false).verdict, Verdict::confirmed);
  EXPECT_EQ(direction_test(0.12, 0.1, std::nullopt, 0.1, false).verdict, Verdict::inconclusive);
  // Student t: pt(-2.228138851986274, 10) = 0.025 in R.
  EXPECT_NEAR(direction_test(0.1 + 0.2228138851986274, 0.1, 10.0, 0.1, true).p_confirm, 0.025, 1e-13);
  EXPECT_THROW(direction_test(0.0, 0.0, std::nullopt, 0.1, true), std::invalid_argument);
  EXPECT_THROW(direction_test(0.0, 0.1, std::nullopt, 0.1, true, 0.5), std::invalid_argument);
  // Miss rates: confirmed needs (theta - delta)/se > z; a refutation needs two rejections.
  EXPECT_NEAR(direction_test_miss_rate(0.3, 0.1, 0.1, true, Verdict::confirmed), 1.0 - phi(2.0 - kZ95), 1e-14);
  const double once = phi(2.0 - kZ95);
  EXPECT_NEAR(direction_test_miss_rate(-0.1, 0.1, 0.1, true, Verdict::refuted), 1.0 - once * once, 1e-14);
}
