// Calibration (`jacstab calibrate`): the aggregation of records into rates, Clopper-Pearson
// intervals and flags against hand counts on synthetic records; the CSV round trip; the
// verdict index's "over paper seeds" column; and end to end: bad options, resume, thread
// invariance of the records and JSON without NaN.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "jacstab/calibration.hpp"
#include "jacstab/io.hpp"
#include "test_support.hpp"

using jacstab_test::CliRun;
using jacstab_test::run;
namespace fs = std::filesystem;
using namespace jacstab;

namespace {

using jacstab::testing_support::fresh_temp_dir;
using jacstab::testing_support::read_file_text;

CalibrationCheck check(std::size_t index, std::string name, CheckRole role, std::optional<ClaimKind> kind,
                       Verdict verdict, std::optional<double> misbehave = std::nullopt) {
  CalibrationCheck c;
  c.index = index;
  c.name = std::move(name);
  c.role = role;
  c.kind = kind;
  c.verdict = verdict;
  c.estimate = 0.5 + static_cast<double>(index) / 3.0;
  c.p_value = 0.01234567891;
  c.misbehave_rate = misbehave;
  return c;
}

// Two claims on four seeds (1..4), the counts written out by hand:
//  a21-marginal: claim check confirmed on every seed; positive control "pc, approx" (approximate)
//    confirmed, refuted (seed 2), inconclusive (seed 3), confirmed; planted violation "pv"
//    (exact) refuted on seeds 1, 2, 4, inconclusive on seed 3.
//    Controls behaved: seeds 1 and 4 only. Verdict confirmed on all four seeds.
//  a21-chi2: claim refuted on seeds 1, 2, 3 and inconclusive on seed 4; its positive control
//    (exact, predicted rate 2e-4 > target) confirmed on every seed.
std::vector<CalibrationRecord> synthetic_records() {
  std::vector<CalibrationRecord> out;
  const Verdict pc[] = {Verdict::confirmed, Verdict::refuted, Verdict::inconclusive, Verdict::confirmed};
  const Verdict pv[] = {Verdict::refuted, Verdict::refuted, Verdict::inconclusive, Verdict::refuted};
  const Verdict chi[] = {Verdict::refuted, Verdict::refuted, Verdict::refuted, Verdict::inconclusive};
  for (std::uint64_t seed = 4; seed >= 1; --seed) {  // reverse order: the aggregation must not care
    const std::size_t i = seed - 1;
    CalibrationRecord a;
    a.profile = "quick";
    a.claim_id = "a21-marginal";
    a.seed = seed;
    a.source_commit = "abc123";
    a.verdict = Verdict::confirmed;
    a.controls_behaved = pc[i] == Verdict::confirmed && pv[i] == Verdict::refuted;
    a.wall_seconds = 1.5;
    a.checks = {check(0, "marginal", CheckRole::claim, ClaimKind::approximate, Verdict::confirmed),
                check(1, "pc, approx", CheckRole::positive_control, ClaimKind::approximate, pc[i], 1e-6),
                check(2, "pv", CheckRole::planted_violation, ClaimKind::exact, pv[i], 3e-5)};
    CalibrationRecord b;
    b.profile = "quick";
    b.claim_id = "a21-chi2";
    b.seed = seed;
    b.source_commit = seed == 1 ? "old999" : "abc123";
    b.verdict = chi[i];
    b.controls_behaved = true;
    b.wall_seconds = 2.25;
    b.checks = {check(0, "independence", CheckRole::claim, ClaimKind::exact, chi[i]),
                check(1, "pc \"iid\"", CheckRole::positive_control, ClaimKind::exact, Verdict::confirmed, 2e-4),
                check(2, "histogram", CheckRole::supporting, std::nullopt, Verdict::inconclusive)};
    out.push_back(b);
    out.push_back(a);
  }
  return out;
}

const CheckCalibration& find_check(const CalibrationSummary& s, const std::string& claim, const std::string& name) {
  for (const auto& c : s.checks)
    if (c.claim_id == claim && c.name == name) return c;
  ADD_FAILURE() << "no check " << claim << " / " << name;
  return s.checks.front();
}

void expect_prop(const Proportion& p, std::uint64_t k, std::uint64_t n, double lo, double hi, double tol = 1e-6) {
  EXPECT_EQ(p.count, k);
  EXPECT_EQ(p.trials, n);
  EXPECT_NEAR(p.rate, static_cast<double>(k) / static_cast<double>(n), 1e-15);
  EXPECT_NEAR(p.ci_low, lo, tol) << k << "/" << n;
  EXPECT_NEAR(p.ci_high, hi, tol) << k << "/" << n;
}

// Drops the wall_seconds column (the 7th) of every row.
std::string without_wall(const std::string& csv) {
  std::istringstream in(csv);
  std::string line, out;
  while (std::getline(in, line)) {
    std::size_t pos = 0;
    for (int i = 0; i < 6; ++i) pos = line.find(',', pos) + 1;
    const std::size_t end = line.find(',', pos);
    out += line.substr(0, pos) + line.substr(end) + "\n";
  }
  return out;
}

// True when some JSON value is a bare NaN or infinity (not valid JSON).
bool has_non_finite_value(const std::string& json) {
  static const std::regex re(R"([:,\[]\s*-?(nan|NaN|inf|Infinity)\b)");
  return std::regex_search(json, re);
}

std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> out;
  while (std::getline(in, line))
    if (line.find(needle) != std::string::npos) out.push_back(line);
  return out;
}

}  // namespace

// Clopper-Pearson limits from R: binom.test(x, n)$conf.int.
TEST(Calibration, ProportionMatchesClopperPearson) {
  expect_prop(proportion(0, 100), 0, 100, 0.0, 0.03621669);
  expect_prop(proportion(1, 100), 1, 100, 0.0002531460, 0.0544593854);
  expect_prop(proportion(3, 5), 3, 5, 0.1466328, 0.9472550);
  expect_prop(proportion(4, 4), 4, 4, 0.3976354, 1.0);
  const Proportion none = proportion(0, 0);
  EXPECT_EQ(none.trials, 0u);
  EXPECT_EQ(none.ci_low, 0.0);
  EXPECT_EQ(none.ci_high, 1.0);
}

TEST(Calibration, RatesAndFlagsMatchHandCounts) {
  const CalibrationSummary s = summarize_calibration(synthetic_records());
  EXPECT_EQ(s.profile, "quick");
  EXPECT_EQ(s.records, 8u);
  EXPECT_EQ(s.seeds, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(s.source_commits.size(), 2u);
  EXPECT_NEAR(s.wall_seconds, 4 * 1.5 + 4 * 2.25, 1e-12);

  // Catalogue order: a21-marginal before a21-chi2.
  ASSERT_EQ(s.claims.size(), 2u);
  EXPECT_EQ(s.claims[0].claim_id, "a21-marginal");
  EXPECT_EQ(s.claims[0].distribution, "confirmed (4/4 seeds)");
  EXPECT_FALSE(s.claims[0].seed_dependent);
  EXPECT_EQ(s.claims[0].invalid, 2u);
  EXPECT_EQ(s.claims[1].distribution, "seed-dependent: refuted 3/4, inconclusive 1/4 seeds");
  EXPECT_TRUE(s.claims[1].seed_dependent);
  EXPECT_NEAR(s.claims[1].wall_seconds, 9.0, 1e-12);

  const auto& pc = find_check(s, "a21-marginal", "pc, approx");
  expect_prop(pc.confirmed, 2, 4, 0.06758599, 0.93241401);
  expect_prop(pc.refuted, 1, 4, 0.006309463, 0.805879550);       // false alarms
  expect_prop(pc.inconclusive, 1, 4, 0.006309463, 0.805879550);  // misses
  ASSERT_TRUE(pc.misbehaved);
  EXPECT_EQ(pc.misbehaved->count, 2u);
  ASSERT_TRUE(pc.predicted_misbehave_rate);
  EXPECT_NEAR(*pc.predicted_misbehave_rate, 1e-6, 1e-18);
  ASSERT_EQ(pc.flags.size(), 1u);  // misbehaved; its prediction is within the target
  EXPECT_NE(pc.flags[0].find("misbehaved on 2/4"), std::string::npos);

  const auto& pv = find_check(s, "a21-marginal", "pv");
  expect_prop(pv.refuted, 3, 4, 0.1941204, 0.9936905);  // power
  EXPECT_EQ(pv.misbehaved->count, 1u);

  const auto& cpc = find_check(s, "a21-chi2", "pc \"iid\"");
  EXPECT_EQ(cpc.misbehaved->count, 0u);
  ASSERT_EQ(cpc.flags.size(), 1u);  // predicted 2e-4 > 1e-4
  EXPECT_NE(cpc.flags[0].find("predicted"), std::string::npos);
  const auto& claim = find_check(s, "a21-chi2", "independence");
  EXPECT_FALSE(claim.misbehaved);
  EXPECT_TRUE(claim.flags.empty());
  EXPECT_FALSE(find_check(s, "a21-chi2", "histogram").misbehaved);

  // INVALID seeds: 2 and 3 of 4.
  expect_prop(s.invalid, 2, 4, 0.06758599, 0.93241401);
  EXPECT_TRUE(s.invalid_flagged);

  // Pooled false alarms of positive controls: approximate 1/4 (one control), exact 0/4.
  ASSERT_EQ(s.kinds.size(), 3u);
  EXPECT_EQ(s.kinds[0].kind, ClaimKind::approximate);
  EXPECT_EQ(s.kinds[0].controls, 1u);
  expect_prop(s.kinds[0].false_alarm, 1, 4, 0.006309463, 0.805879550);
  EXPECT_TRUE(s.kinds[0].flagged);
  EXPECT_EQ(s.kinds[1].kind, ClaimKind::exact);
  expect_prop(s.kinds[1].false_alarm, 0, 4, 0.0, 0.6023646);
  EXPECT_FALSE(s.kinds[1].flagged);
  EXPECT_EQ(s.kinds[2].false_alarm.trials, 0u);
  EXPECT_FALSE(s.kinds[2].flagged);

  // INVALID rate, approximate pooled rate, seed-dependent chi2, pc, pv and the chi2 control.
  EXPECT_EQ(s.flags().size(), 6u);
}

TEST(Calibration, MixedProfilesAreRejected) {
  auto r = synthetic_records();
  r[0].profile = "paper";
  EXPECT_THROW(summarize_calibration(r), std::invalid_argument);
}

TEST(Calibration, CsvRoundTripsAndIsOrdered) {
  const auto records = synthetic_records();
  const std::string csv = render_calibration_csv(records);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "profile,claim_id,seed,source_commit,claim_verdict,controls_behaved,wall_seconds,check_index,check_name,"
            "role,kind,verdict,estimate,p_value,misbehave_rate");
  // Catalogue order, then seed: the first data row is a21-marginal seed 1.
  EXPECT_EQ(csv.find("\nquick,a21-marginal,1,abc123,confirmed,true,1.5,0,marginal,claim,approximate,confirmed,0.5,"
                     "0.0123457,\n"),
            csv.find('\n'));
  EXPECT_NE(csv.find(",\"pc, approx\",positive control,"), std::string::npos);
  EXPECT_NE(csv.find(",\"pc \"\"iid\"\"\","), std::string::npos);
  const auto back = parse_calibration_csv(csv);
  ASSERT_EQ(back.size(), records.size());
  EXPECT_EQ(render_calibration_csv(back), csv);
  const CalibrationSummary a = summarize_calibration(records), b = summarize_calibration(back);
  EXPECT_EQ(a.flags(), b.flags());
  EXPECT_THROW(parse_calibration_csv("profile,claim_id\nquick,a21-chi2\n"), std::runtime_error);
  EXPECT_THROW(parse_calibration_csv(csv + "quick,a21-chi2,x,abc,refuted,true,1,0,a,claim,exact,refuted,1,1,\n"),
               std::runtime_error);
  EXPECT_TRUE(parse_calibration_csv("").empty());
  // A p-value that underflowed to a subnormal is a valid record; an overflowing number is not.
  const std::string header = csv.substr(0, csv.find('\n') + 1);
  const auto tiny = parse_calibration_csv(
      header + "paper,a21-chi2,1,abc,refuted,true,1,0,a,claim,exact,refuted,1,9.88131e-324,\n");
  ASSERT_EQ(tiny.size(), 1u);
  ASSERT_TRUE(tiny[0].checks[0].p_value);
  EXPECT_GT(*tiny[0].checks[0].p_value, 0.0);
  EXPECT_LT(*tiny[0].checks[0].p_value, 1e-320);
  EXPECT_THROW(parse_calibration_csv(header + "paper,a21-chi2,1,abc,refuted,true,1,0,a,claim,exact,refuted,1e999,0.5,\n"),
               std::runtime_error);
}

TEST(Calibration, ReportsHaveNoNanAndIndexShowsSeedStability) {
  const fs::path dir = fresh_temp_dir("jacstab_calibration_reports");
  auto records = synthetic_records();
  for (auto& r : records) r.profile = "paper";
  records[0].checks[0].estimate = std::nan("");  // a NaN estimate must not reach the JSON
  write_file_atomic(calibration_csv_path(dir, Profile::paper), render_calibration_csv(records));
  const CalibrationSummary s = summarize_calibration(read_calibration_records(dir, Profile::paper));
  write_calibration_reports(s, CalibrationRunInfo{2, 1.0, "jacstab calibrate"}, dir);
  const std::string json = read_file_text(dir / "calibration-paper.json");
  EXPECT_FALSE(has_non_finite_value(json));
  EXPECT_TRUE(has_non_finite_value("{\"x\": nan}"));
  EXPECT_NE(json.find("\"invalid\": {\"count\": 2, \"trials\": 4"), std::string::npos) << json.substr(0, 400);
  const std::string md = read_file_text(dir / "calibration-paper.md");
  EXPECT_NE(md.find("**seed-dependent: refuted 3/4, inconclusive 1/4 seeds**"), std::string::npos);
  EXPECT_NE(md.find("2/4 (6.76%–93.2%)"), std::string::npos);
  EXPECT_NE(md.find("abc123"), std::string::npos);
  EXPECT_NE(md.find("old999"), std::string::npos);
  EXPECT_NE(read_file_text(dir / "calibration-paper.svg").find("</svg>"), std::string::npos);
  EXPECT_NE(read_file_text(dir / "calibration.md").find("[paper profile](calibration-paper.md)"), std::string::npos);

  const auto v = seed_verdicts(dir);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v.at("a21-marginal").distribution, "confirmed (4/4 seeds)");
  EXPECT_TRUE(v.at("a21-chi2").seed_dependent);
  EXPECT_TRUE(seed_verdicts(dir, Profile::quick).empty());

  write_report_index(dir);
  const std::string index = read_file_text(dir / "README.md");
  EXPECT_NE(index.find("| over paper seeds |"), std::string::npos);
  EXPECT_NE(index.find("| a21-marginal | Approx. 2.1 | **not run** | confirmed (4/4 seeds) |"), std::string::npos)
      << index;
  EXPECT_NE(index.find("**seed-dependent: refuted 3/4, inconclusive 1/4 seeds**"), std::string::npos);
  EXPECT_NE(index.find("| t51-dependent | Thm 5.1, Fig. 4 | **not run** | – |"), std::string::npos);

  const fs::path empty = fresh_temp_dir("jacstab_calibration_noindex");
  write_report_index(empty);
  EXPECT_NE(read_file_text(empty / "README.md").find("| a21-marginal | Approx. 2.1 | **not run** | – |"),
            std::string::npos);
}

TEST(CliCalibrate, HelpDocumentsEveryOption) {
  const CliRun r = run("calibrate --help");
  EXPECT_EQ(r.status, 0);
  for (const char* opt : {"--profile", "--seeds", "--first-seed", "--out", "--threads", "--quiet", "quick", "paper",
                          "calibration-<profile>.csv", "calibration.md", "Resume", "Exit status"}) {
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
  }
}

TEST(CliCalibrate, BadInputExitsWithStatus2AndNamesTheValue) {
  const fs::path dir = fresh_temp_dir("jacstab_calibrate_bad", false);
  struct Case {
    std::string args;
    std::string message;
  };
  const std::string o = " --out " + dir.string();
  for (const Case& c : {Case{"calibrate t99-unknown" + o, "'t99-unknown'"},
                        Case{"calibrate a21-marginal --profile fast" + o, "'fast'"},
                        Case{"calibrate a21-marginal --seeds 0" + o, "--seeds"},
                        Case{"calibrate a21-marginal --threads 0" + o, "--threads"},
                        Case{"calibrate a21-marginal --first-seed x1" + o, "--first-seed"},
                        Case{"calibrate a21-marginal --seeds two" + o, "'two'"},
                        Case{"calibrate a21-marginal --bogus" + o, "--bogus"}}) {
    const CliRun r = run(c.args);
    EXPECT_EQ(r.status, 2) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(dir));  // nothing was written
}

// t31-hypotheses is the fastest program at the quick profile (about 0.2 s a seed; a21-marginal
// takes about 4 s). Seeds 1-2, then 1-3: only seed 3 runs and the records of seeds 1-2 are kept byte for byte; a
// record of another source commit is rerun and replaced.
TEST(CliCalibrate, ResumesAndReplacesStaleRecords) {
  const fs::path dir = fresh_temp_dir("jacstab_calibrate_resume");
  const std::string base = "calibrate t31-hypotheses --profile quick --threads 2 --out " + dir.string();
  const CliRun first = run(base + " --seeds 2");
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.err.find("2/2 runs (t31-hypotheses seed 2"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("ETA"), std::string::npos);
  const fs::path csv = dir / "calibration-quick.csv";
  const std::string before = read_file_text(csv);
  const auto seed1 = lines_with(before, "quick,t31-hypotheses,1,"), seed2 = lines_with(before, "quick,t31-hypotheses,2,");
  ASSERT_FALSE(seed1.empty());
  ASSERT_FALSE(seed2.empty());

  const CliRun second = run(base + " --seeds 3");
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_NE(second.err.find("2 already recorded"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("3/3 runs (t31-hypotheses seed 3"), std::string::npos) << second.err;
  EXPECT_EQ(second.err.find("seed 1,"), std::string::npos) << second.err;
  EXPECT_EQ(second.err.find("seed 2,"), std::string::npos) << second.err;
  const std::string after = read_file_text(csv);
  EXPECT_EQ(lines_with(after, "quick,t31-hypotheses,1,"), seed1);
  EXPECT_EQ(lines_with(after, "quick,t31-hypotheses,2,"), seed2);
  EXPECT_FALSE(lines_with(after, "quick,t31-hypotheses,3,").empty());
  for (const char* f : {"calibration-quick.md", "calibration-quick.json", "calibration-quick.svg", "calibration.md"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  EXPECT_FALSE(fs::exists(dir / "t31-hypotheses.md"));  // no per-claim reports
  const std::string json = read_file_text(dir / "calibration-quick.json");
  EXPECT_FALSE(has_non_finite_value(json));
  EXPECT_NE(json.find("\"seeds\": [1, 2, 3]"), std::string::npos);

  // Mark seed 1 as recorded by another source commit: it is rerun, nothing else.
  auto records = parse_calibration_csv(after);
  for (auto& r : records)
    if (r.seed == 1) r.source_commit = "0000stale";
  write_file_atomic(csv, render_calibration_csv(records));
  const CliRun third = run(base + " --seeds 3");
  ASSERT_EQ(third.status, 0) << third.err;
  EXPECT_NE(third.err.find("of source commit 0000stale"), std::string::npos) << third.err;
  EXPECT_NE(third.err.find("rerun and replaced"), std::string::npos);
  EXPECT_NE(third.err.find("(t31-hypotheses seed 1,"), std::string::npos);
  EXPECT_EQ(third.err.find("seed 3,"), std::string::npos);
  const std::string last = read_file_text(csv);
  EXPECT_EQ(last.find("0000stale"), std::string::npos);
  EXPECT_EQ(without_wall(last), without_wall(after));
}

TEST(CliCalibrate, RecordsDoNotDependOnTheThreadCount) {
  const fs::path d1 = fresh_temp_dir("jacstab_calibrate_t1"), d2 = fresh_temp_dir("jacstab_calibrate_t2");
  const std::string base = "calibrate a21-marginal --profile quick --seeds 1 --first-seed 7 --quiet";
  const CliRun r1 = run(base + " --threads 1 --out " + d1.string());
  const CliRun r2 = run(base + " --threads 2 --out " + d2.string());
  ASSERT_EQ(r1.status, 0) << r1.err;
  ASSERT_EQ(r2.status, 0) << r2.err;
  EXPECT_TRUE(r1.err.empty()) << r1.err;  // --quiet
  const std::string a = read_file_text(d1 / "calibration-quick.csv"), b = read_file_text(d2 / "calibration-quick.csv");
  EXPECT_GT(a.size(), 200u);
  EXPECT_EQ(without_wall(a), without_wall(b));
}
