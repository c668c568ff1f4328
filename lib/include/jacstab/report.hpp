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

/// Holm-adjusts the p-values of the given checks in place (p_adjusted), over those that have
/// a p_value; returns the number adjusted.
std::size_t holm_adjust(std::vector<Check*> checks);

}  // namespace jacstab
