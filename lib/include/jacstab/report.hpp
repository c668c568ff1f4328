#pragma once
// Validation reports: verdicts, checks, and the four files of the report contract
// (<id>.md, <id>.json, <id>.csv, <id>.svg), plus the verdict index README.md.
//
// A claim program fills a Report and returns it; write_report() renders and writes the files.
// All four are rendered in memory (the figure by gnuplot) before any is written, and each is
// written atomically, so an interrupted or failed run leaves the previous reports in place.
#include <cstddef>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jacstab/experiment.hpp"

namespace jacstab {

enum class Verdict { confirmed, refuted, inconclusive };
std::string_view to_string(Verdict verdict) noexcept;

/// What a check is for.
enum class CheckRole {
  claim,              ///< tests the paper's statement; enters the claim's verdict
  positive_control,   ///< a case where the statement is known to hold: must be confirmed
  planted_violation,  ///< a case where it is known to fail: must be refuted
  supporting,         ///< a measurement reported alongside, without its own test role
};
std::string_view to_string(CheckRole role) noexcept;

/// The kind of statement a check tests. It fixes the suite-wide decision rule that turns the
/// data into a verdict (validation/README.md, "The decision rule"):
/// - approximate: "behave as", "lim A = lim B", "≈": confirmed by TOST inside the declared
///   margin, refuted only when the interval lies wholly outside the band (margin_test());
/// - exact: a law, an independence, a uniformity: a point-null rejection counts only when the
///   pre-declared replication on a fresh stream rejects too, at the same corrected level
///   (replicated_rejection());
/// - direction: "X improves Y", "the edge lies at s*", "the hypothesis holds at n": a one-sided
///   test against a declared minimal effect (direction_test()), its refutation replicated.
enum class ClaimKind { approximate, exact, direction };
std::string_view to_string(ClaimKind kind) noexcept;

/// The version of the suite-wide decision rule, written into every report's provenance.
inline constexpr std::string_view kDecisionRuleVersion = "2";
/// One line on what changed with this version of the rule, and why (provenance).
inline constexpr std::string_view kDecisionRuleChange =
    "rule 2: approximate claims are refuted only beyond their margin, exact claims only by a "
    "replicated rejection, direction claims by one-sided tests against a minimal effect; controls "
    "sized by a power analysis. Changed because under rule 1 verdicts flipped with the master seed "
    "(single point-null rejections inside the margin, controls without enough power)";
/// The target for a control's predicted probability of misbehaving on one master seed.
inline constexpr double kControlMisbehaveTarget = 1e-4;

/// One statistical check, as written into the JSON "checks" array and the Markdown table.
struct Check {
  std::string name;
  CheckRole role = CheckRole::claim;
  Verdict verdict = Verdict::inconclusive;
  std::optional<double> estimate;
  std::optional<double> ci_low;
  std::optional<double> ci_high;
  std::optional<double> p_value;     ///< raw
  std::optional<double> p_adjusted;  ///< after the program's multiplicity correction
  std::optional<double> margin;
  std::string detail;                ///< one line: what was tested and how it came out
  /// The decision rule that produced `verdict` (claim checks and controls; empty for checks
  /// without a test, such as exact identities).
  std::optional<ClaimKind> kind;
  /// Exact and direction rules: the p-value of the replication on the fresh stream
  /// (seed, "<claim>/<part>/replication", r), run only when the first test rejected.
  std::optional<double> replication_p;
  /// Controls: the predicted probability that this control misbehaves on one master seed at
  /// the run's profile, from its standard error (power analysis); see *_miss_rate().
  std::optional<double> misbehave_rate;

  /// The verdict a control must have (confirmed for positive controls, refuted for planted
  /// violations); empty for other roles.
  std::optional<Verdict> expected() const noexcept;
  /// False only for a control whose verdict is not the expected one.
  bool behaved() const noexcept;
};

/// A Markdown table.
struct Table {
  std::string caption;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

/// The table in Markdown (bold caption if any, header, rows; '|' in a cell escaped), followed
/// by a blank line: the form every report uses.
std::string render_markdown_table(const Table& t);

/// A gnuplot figure. `data` holds inline data blocks ($name << EOD ... EOD); `script` holds
/// the commands (labels, ranges, plot) that use them. The terminal and output are set by
/// write_report(); the script must not set them.
struct Figure {
  struct DataBlock {
    std::string name;                      ///< without the '$'
    std::vector<std::vector<double>> rows; ///< whitespace-separated columns; non-finite as NaN
  };
  std::string caption;
  std::deque<DataBlock> data;  ///< a deque, so that references returned by block() stay valid
  std::string script;
  int width_px = 900;
  int height_px = 560;

  /// Adds a data block and returns a reference to its rows (valid while the Figure lives).
  std::vector<std::vector<double>>& block(std::string name);
};

/// Raw per-replicate data for <id>.csv: a header and rows of cells (numbers are formatted
/// with full precision by add_row()).
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  /// Appends a row; each cell is a string or a number.
  void add_row(std::vector<std::string> cells);
};
/// Full-precision text for a CSV cell ("" for an empty optional, "nan"/"inf"/"-inf" for
/// non-finite values).
std::string csv_cell(double value);
std::string csv_cell(std::optional<double> value);

class Report {
 public:
  explicit Report(std::string claim_id);

  const std::string& claim_id() const noexcept { return claim_id_; }

  std::string title;                ///< e.g. "Masks are Bernoulli(1/2)"
  std::string claim;                ///< the claim, quoted, with its section (Markdown)
  std::string operationalisation;   ///< parameters, statistic, test, alpha, margin (Markdown)
  std::vector<Table> tables;
  std::vector<Check> checks;
  std::optional<Figure> figure;
  std::string discussion;           ///< Markdown
  /// Disagreements with the paper's text, figures or formulas, one Markdown paragraph each;
  /// shown prominently right after the verdict.
  std::vector<std::string> discrepancies;
  /// One line of evidence for the verdict index.
  std::string summary;
  /// Parameters recorded in the JSON "parameters" object (name, value as text).
  std::vector<std::pair<std::string, std::string>> parameters;
  Csv csv;

  /// The claim's verdict. If not set, it is derived from the claim checks: refuted if any
  /// is refuted, confirmed if all are confirmed, else inconclusive.
  std::optional<Verdict> verdict;

  /// The verdict as written: `verdict` or the derived one.
  Verdict final_verdict() const;
  /// True when every control behaved as expected.
  bool controls_behaved() const;

  Check& add_check(Check check);

 private:
  std::string claim_id_;
};

/// Run facts written into the provenance section.
struct RunInfo {
  double wall_seconds = 0.0;
  std::string command_line;
};

/// Renders the figure to SVG text with gnuplot (the `gnuplot` found on PATH, or the one named
/// by the environment variable JACSTAB_GNUPLOT). Throws std::runtime_error if gnuplot fails.
std::string render_svg(const Figure& figure);

/// The Markdown and JSON documents of a report (exposed for tests).
std::string render_markdown(const Report& report, const ExperimentContext& ctx, const RunInfo& run,
                            bool has_figure);
std::string render_json(const Report& report, const ExperimentContext& ctx, const RunInfo& run);
std::string render_csv(const Csv& csv);

/// Writes <dir>/<id>.{md,json,csv,svg}. Everything is rendered first; then each file is
/// written atomically (csv, svg, json, md). `dir` is created if missing.
void write_report(const Report& report, const ExperimentContext& ctx, const RunInfo& run,
                  const std::filesystem::path& dir);

/// Rewrites <dir>/README.md: one row per catalogue claim with its verdict, the summary line
/// and a link, read from the <id>.json files present in `dir` ("not run" for missing ones).
void write_report_index(const std::filesystem::path& dir);

/// Reads the top-level "verdict", "summary" and "profile" strings of a report JSON written by
/// render_json(); empty optionals when absent.
struct ReportHeadline {
  std::optional<std::string> verdict;
  std::optional<std::string> summary;
  std::optional<std::string> profile;
  std::optional<std::string> git_hash;
};
ReportHeadline read_report_headline(std::string_view json);

/// A difference d between a measured quantity and its reference, with standard error se (and
/// Student t degrees of freedom df; normal reference when empty), judged against a declared
/// margin: when |d| <= margin, p is the TOST p-value of H0: |theta| >= margin, and the verdict
/// is confirmed when p < alpha; when |d| > margin, p is the one-sided p-value of
/// H0: |theta| <= margin, and the verdict is refuted when p < alpha; otherwise inconclusive.
/// [ci_low, ci_high] is the 1 - 2 alpha interval d -+ q se, so confirmed means it lies inside
/// the margin and refuted means it lies entirely outside.
struct MarginTest {
  double d = 0.0;
  double se = 0.0;
  std::optional<double> df;
  double margin = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
  double p = 1.0;
  bool inside = false;
  Verdict verdict = Verdict::inconclusive;
};
/// The verdict rule of MarginTest for a p-value (raw, or adjusted for multiplicity) and the
/// side of the margin the estimate lies on.
Verdict margin_verdict(double p, bool inside, double alpha = 0.05);
/// Throws std::invalid_argument on the conditions of tost_difference() (se > 0, margin > 0,
/// finite d, 0 < alpha < 0.5).
MarginTest margin_test(double d, double se, std::optional<double> df, double margin, double alpha = 0.05);

/// The predicted probability that margin_test() with standard error `se` (normal
/// approximation) does NOT return `expected` when the true difference is `true_d`. For a
/// positive control (expected confirmed) true_d is the value known by construction (often 0);
/// for a planted violation (expected refuted) it is the planted effect or, where that is not
/// known in closed form, the estimate (plug-in). `alpha` is the level the check is judged at
/// (after any multiplicity correction).
double margin_test_miss_rate(double true_d, double se, double margin, Verdict expected, double alpha = 0.05);

/// The exact-claim rule. A point-null rejection counts only if an independent replication of
/// the same size on a fresh stream also rejects at the same level. `p_first` is the first
/// test's p-value after the program's multiplicity correction; `p_replication` the raw p of
/// the replication; it is judged at the raw level at which the first test was judged,
/// alpha * p_raw / p_adjusted (alpha itself when nothing was corrected). Returns true when
/// both reject.
bool replicated_rejection(double p_first_raw, double p_first_adjusted, std::optional<double> p_replication,
                          double alpha = 0.05);
/// The raw level at which a test with raw p `p_raw` and adjusted p `p_adjusted` was judged:
/// alpha * p_raw / p_adjusted (alpha when p_adjusted <= p_raw or either is 0).
double corrected_level(double p_raw, double p_adjusted, double alpha = 0.05);
/// Verdict of an exact claim: refuted when the rejection was replicated, confirmed when it
/// was not refuted and `equivalent` holds (the effect's interval lies inside the declared
/// margin), inconclusive otherwise.
Verdict exact_verdict(bool replicated_rejection, bool equivalent) noexcept;

/// Power of a two-sided (or one-sided) z test at `level` when the true effect is `z` standard
/// errors from the null (normal approximation).
double z_test_power(double z, double level, bool two_sided = true);
/// Predicted probability that an exact-rule check misbehaves: for a positive control (true
/// null), the chance that both the first test (at `level_first`) and the replication (at the
/// same level) reject, level^2, plus `p_not_equivalent`, the chance that its equivalence part
/// fails; for a planted violation with effect `z` standard errors per test, 1 - power^2.
double exact_miss_rate(Verdict expected, double z, double level, double p_not_equivalent = 0.0);

/// A direction claim "theta > minimal_effect" (or "theta < minimal_effect" when
/// `greater` is false), with estimate d and standard error se (Student t with df, or normal).
/// p_confirm is the one-sided p of H0: theta on the wrong side of minimal_effect; p_refute the
/// one-sided p of H0: theta on the claimed side. Confirmed when p_confirm < alpha; a candidate
/// refutation when p_refute < alpha, which counts only when replicated (apply
/// replicated_rejection() to p_refute and the replication's p_refute).
struct DirectionTest {
  double d = 0.0;
  double se = 0.0;
  std::optional<double> df;
  double minimal_effect = 0.0;
  bool greater = true;
  double p_confirm = 1.0;
  double p_refute = 1.0;
  double ci_low = 0.0;   ///< 1 - 2 alpha interval
  double ci_high = 0.0;
  Verdict verdict = Verdict::inconclusive;  ///< confirmed, refuted (not yet replicated) or inconclusive
};
/// Throws std::invalid_argument unless se > 0, d finite and 0 < alpha < 0.5.
DirectionTest direction_test(double d, double se, std::optional<double> df, double minimal_effect, bool greater,
                             double alpha = 0.05);
/// Predicted probability that direction_test() does not return `expected` when the true value
/// is `true_d` (normal approximation; a refutation also needs its replication, both at `alpha`).
double direction_test_miss_rate(double true_d, double se, double minimal_effect, bool greater, Verdict expected,
                                double alpha = 0.05);

/// Holm-adjusts the p-values of the given checks in place (p_adjusted), over those that have
/// a p_value; returns the number adjusted.
std::size_t holm_adjust(std::vector<Check*> checks);

}  // namespace jacstab
