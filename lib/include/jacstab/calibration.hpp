#pragma once
// Calibration: every claim program run on many master seeds, and how often each check came out
// confirmed, refuted or inconclusive (`jacstab calibrate`; validation/README.md, "The decision
// rule (version 2)", point 4).
//
// The data are compact records, one per finished (claim, seed), stored as
// <out>/calibration-<profile>.csv (one row per check). Everything else -- rates, Clopper-Pearson
// intervals, flags, the Markdown / JSON / SVG reports -- is computed from the records by the
// functions below, without running any program.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jacstab/report.hpp"

namespace jacstab {

/// One check of one (claim, seed) run.
struct CalibrationCheck {
  std::size_t index = 0;  ///< position in Report::checks
  std::string name;
  CheckRole role = CheckRole::claim;
  std::optional<ClaimKind> kind;
  Verdict verdict = Verdict::inconclusive;
  std::optional<double> estimate;
  std::optional<double> p_value;         ///< adjusted where the program adjusted it, else raw
  std::optional<double> misbehave_rate;  ///< predicted, controls only
};

/// Everything calibration keeps of one finished (claim, seed) run.
struct CalibrationRecord {
  std::string profile;
  std::string claim_id;
  std::uint64_t seed = 0;
  std::string source_commit;
  Verdict verdict = Verdict::inconclusive;  ///< the claim's final verdict
  bool controls_behaved = true;
  double wall_seconds = 0.0;
  std::vector<CalibrationCheck> checks;
};

/// The record of a finished run.
CalibrationRecord make_calibration_record(const Report& report, Profile profile, std::uint64_t seed,
                                          std::string source_commit, double wall_seconds);

/// The records as CSV: a header, then one row per check (a record without checks keeps one
/// row with empty check cells), numbers to 6 significant digits; check names are quoted as
/// RFC 4180 when they hold a comma, quote or newline. Records are written in catalogue order of
/// the claim, then by seed, then by check index, so the text does not depend on run order.
std::string render_calibration_csv(std::vector<CalibrationRecord> records);
/// Parses render_calibration_csv() text; throws std::runtime_error naming the line on a
/// malformed row or header.
std::vector<CalibrationRecord> parse_calibration_csv(std::string_view text);
/// The records of <dir>/calibration-<profile>.csv; empty when the file does not exist.
std::vector<CalibrationRecord> read_calibration_records(const std::filesystem::path& dir, Profile profile);
/// <dir>/calibration-<profile>.csv
std::filesystem::path calibration_csv_path(const std::filesystem::path& dir, Profile profile);

/// A measured proportion with its Clopper-Pearson 95% interval (binomial_test()); with no
/// trials the rate is 0 and the interval [0, 1].
struct Proportion {
  std::uint64_t count = 0;
  std::uint64_t trials = 0;
  double rate = 0.0;
  double ci_low = 0.0;
  double ci_high = 1.0;
};
Proportion proportion(std::uint64_t count, std::uint64_t trials);

/// The target for run-level and pooled false-alarm rates: at most 1 seed in 100.
inline constexpr double kCalibrationRateTarget = 0.01;

/// One check (claim, check name) over the seeds that recorded it.
struct CheckCalibration {
  std::string claim_id;
  std::string name;
  std::size_t index = 0;  ///< its index on the first seed that has it
  CheckRole role = CheckRole::claim;
  std::optional<ClaimKind> kind;
  Proportion confirmed, refuted, inconclusive;  ///< over the seeds that have this check
  /// Controls: the share of seeds on which it did not come out as expected.
  std::optional<Proportion> misbehaved;
  /// Controls: positive controls' refuted (false alarm) and inconclusive (miss) rates; planted
  /// violations' refuted rate is the power.
  std::optional<double> predicted_misbehave_rate;  ///< mean of the recorded predictions
  std::vector<std::string> flags;                  ///< why it misses its target; empty if none
};

/// One claim over its seeds.
struct ClaimCalibration {
  std::string claim_id;
  std::uint64_t seeds = 0;
  std::uint64_t confirmed = 0, refuted = 0, inconclusive = 0;
  std::uint64_t invalid = 0;  ///< seeds on which one of its controls misbehaved
  bool seed_dependent = false;
  double wall_seconds = 0.0;  ///< summed over its seeds
  /// "refuted (5/5 seeds)", or "seed-dependent: confirmed 3/5, inconclusive 2/5 seeds".
  std::string distribution;
};

/// The false-alarm rate of one rule kind, pooled over the positive controls of that kind.
struct KindCalibration {
  ClaimKind kind = ClaimKind::approximate;
  std::size_t controls = 0;  ///< distinct positive controls of the kind
  Proportion false_alarm;     ///< refuted among (control, seed) observations
  bool flagged = false;       ///< rate above kCalibrationRateTarget
};

struct CalibrationSummary {
  std::string profile;
  std::vector<std::uint64_t> seeds;         ///< every seed with a record, ascending
  std::vector<std::string> source_commits;  ///< distinct, in order of first appearance
  std::vector<CheckCalibration> checks;     ///< claims in catalogue order, checks by index
  std::vector<ClaimCalibration> claims;     ///< catalogue order
  std::vector<KindCalibration> kinds;       ///< approximate, exact, direction
  std::size_t unkinded_controls = 0;        ///< positive controls without a recorded kind (not pooled)
  Proportion invalid;                       ///< seeds on which any control misbehaved
  bool invalid_flagged = false;
  double wall_seconds = 0.0;                ///< summed over all records
  std::size_t records = 0;
  /// Every flag as one line ("a21-chi2 / check: reason"), in report order.
  std::vector<std::string> flags() const;
};

/// Aggregates records (any order) into rates, intervals and flags. Records of several
/// profiles are not mixed: throws std::invalid_argument when they differ.
CalibrationSummary summarize_calibration(const std::vector<CalibrationRecord>& records);

/// The verdict distribution of one claim, as in ClaimCalibration::distribution.
std::string verdict_distribution_text(std::uint64_t confirmed, std::uint64_t refuted, std::uint64_t inconclusive);

/// Facts of the calibrate run written into the provenance.
struct CalibrationRunInfo {
  unsigned threads = 0;
  double session_seconds = 0.0;  ///< wall time of this invocation
  std::string command_line;
};

/// The report documents (exposed for tests). The Markdown links <profile>.svg when has_figure.
std::string render_calibration_markdown(const CalibrationSummary& s, const CalibrationRunInfo& run, bool has_figure);
std::string render_calibration_json(const CalibrationSummary& s, const CalibrationRunInfo& run);
/// Stacked bars: per claim the fraction of seeds with each verdict.
Figure calibration_figure(const CalibrationSummary& s);

/// Writes <dir>/calibration-<profile>.{md,json,svg} from the summary, each rendered first and
/// then written atomically, then the index calibration.md. Throws std::runtime_error when
/// gnuplot fails (nothing is written then).
void write_calibration_reports(const CalibrationSummary& s, const CalibrationRunInfo& run,
                               const std::filesystem::path& dir);
/// Rewrites <dir>/calibration.md: a link to every calibration-<profile>.md present.
void write_calibration_index(const std::filesystem::path& dir);

/// Per claim, its verdict distribution over the seeds recorded in
/// <dir>/calibration-<profile>.csv; empty when the file does not exist.
std::map<std::string, ClaimCalibration> seed_verdicts(const std::filesystem::path& dir,
                                                      Profile profile = Profile::paper);

}  // namespace jacstab
