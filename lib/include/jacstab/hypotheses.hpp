#pragma once
// The hypotheses of the paper's theorems evaluated at a finite width n.
//
// One function per theorem (Thm 3.1, 4.1, 4.2, 4.3, 5.1 of "On the Stability of the Jacobian
// Matrix in Deep Neural Networks") evaluates each condition of that theorem at a given width
// n and ensemble parameters. A condition carries its quantity, its bound, the relation
// between them and whether it holds. Exact expectations are used where a closed form exists;
// otherwise (the top-r mask of Thm 4.3) the quantity is a Monte-Carlo estimate with a
// confidence interval, drawn from the streams (seed, "hypotheses", r).
//
// A condition of the form "-> 0", "-> infinity" or "O(1)" cannot be decided at one width:
// its `holds` is empty and its note says so. hypotheses_over_widths() evaluates a theorem
// over a sequence of widths and assess_trends() says, per condition, whether the sequence is
// consistent with the limit (see assess_trend() for the rules).
//
// Conventions: no NaN anywhere. A quantity that is undefined at the given parameters (or
// too large for a double) is an empty std::optional and the condition's note says why.
// Argument errors throw std::invalid_argument whose message starts with the function name
// and names the parameter and the value it got.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jacstab/ensembles.hpp"
#include "jacstab/stats.hpp"

namespace jacstab {

enum class Theorem {
  thm_3_1,  ///< general stability theorem, assumptions (A1)-(A3) or (A'1), (A2), (A3)
  thm_4_1,  ///< random pruning with the scale (1 - s)^{-1/2}
  thm_4_2,  ///< magnitude pruning with a deterministic threshold t
  thm_4_3,  ///< magnitude pruning keeping the r = floor(n log^c n) largest weights
  thm_5_1,  ///< dependent (correlated) Gaussian weights
};

/// "3.1", "4.1", "4.2", "4.3", "5.1".
std::string_view to_string(Theorem theorem) noexcept;
/// The theorem's title as in the paper, e.g. "Magnitude-based pruning, deterministic threshold".
std::string_view title(Theorem theorem) noexcept;
/// Parses "3.1" ... "5.1"; throws std::invalid_argument naming `parameter` and the text.
Theorem parse_theorem(std::string_view text, std::string_view parameter = "theorem");

/// How a condition's value relates to its bound.
enum class Relation {
  le,           ///< value <= bound at this n
  lt,           ///< value < bound at this n
  ge,           ///< value >= bound at this n
  gt,           ///< value > bound at this n
  eq,           ///< value == bound (relative tolerance 1e-12)
  to_zero,      ///< value -> 0 as n -> infinity (asymptotic)
  to_infinity,  ///< value -> infinity as n -> infinity (asymptotic)
  bounded,      ///< value = O(1) as n -> infinity (asymptotic)
  structural,   ///< a yes/no property of the ensemble (value, if any, is descriptive)
  info,         ///< an informational value; it neither holds nor fails
};

/// "le", "lt", "ge", "gt", "eq", "to_zero", "to_infinity", "bounded", "structural", "info".
std::string_view to_string(Relation relation) noexcept;
/// "<=", "<", ">=", ">", "==", "-> 0", "-> inf", "O(1)", "", "".
std::string_view symbol(Relation relation) noexcept;
/// True for to_zero, to_infinity and bounded.
bool is_asymptotic(Relation relation) noexcept;

/// One hypothesis (or an informational quantity) of a theorem at one width.
struct Condition {
  std::string name;       ///< short, stable within a theorem, e.g. "(ii) printed factor"
  std::string statement;  ///< the condition in words / formula
  std::optional<double> value;                 ///< empty when undefined (see note)
  std::optional<ConfidenceInterval> value_ci;  ///< Monte-Carlo conditions only
  std::optional<double> bound;                 ///< finite relations only
  Relation relation = Relation::info;
  /// Finite relations and structural facts: whether it holds at this n. Empty for
  /// asymptotic relations (a single width cannot decide), for info, and where undefined.
  std::optional<bool> holds;
  std::string note;           ///< why a value is undefined, caveats, related numbers
  bool monte_carlo = false;   ///< value is a Monte-Carlo estimate (value_ci is set)
  bool informational = false; ///< not a hypothesis of the theorem (a derived quantity)
};

struct HypothesisReport {
  Theorem theorem = Theorem::thm_3_1;
  std::size_t width = 0;
  std::string ensemble;     ///< Ensemble::describe()
  std::string assumptions;  ///< which assumption set applies and why
  std::vector<Condition> conditions;
  std::vector<std::string> notes;  ///< theorem-level remarks

  /// The condition called `name`, or nullptr.
  const Condition* find(std::string_view name) const noexcept;
};

struct HypothesesOptions {
  std::uint64_t seed = 1;  ///< Monte Carlo: replicate r draws from stream(seed, "hypotheses", r)
  std::size_t reps = 8;    ///< Monte-Carlo replicates, >= 2
  double confidence = 0.95;  ///< level of every interval, in (0, 1)
  /// Monte-Carlo conditions are skipped (value empty, with a note) above this width: one
  /// replicate holds an n x n matrix and ranks its n^2 entries.
  std::size_t max_monte_carlo_width = 8192;
};

/// Thm 3.1 for every ensemble kind: which assumption set applies ((A1), (A'1), (A2)), and
/// conditions (i)/(i'), (ii), (iii), (ii') and the (A'1) variance and covariance.
HypothesisReport theorem_3_1_hypotheses(const EnsembleParams& params, std::size_t n,
                                        const HypothesesOptions& options = {});
/// Thm 4.1 (kind random_prune): 1 - s >> log^4(n)/n, and Thm 3.1 (i), (ii) for the scaled mask.
HypothesisReport theorem_4_1_hypotheses(const EnsembleParams& params, std::size_t n,
                                        const HypothesesOptions& options = {});
/// Thm 4.2 (kind magnitude_threshold): conditions (a)-(d) for the printed and the
/// variance-matching scale factors.
HypothesisReport theorem_4_2_hypotheses(const EnsembleParams& params, std::size_t n,
                                        const HypothesesOptions& options = {});
/// Thm 4.3 (kind magnitude_topr with topr_c): c > 7/4, the implied threshold, the proof's
/// comparison with Thm 4.2, and a Monte-Carlo (ii) of the top-r mask itself.
HypothesisReport theorem_4_3_hypotheses(const EnsembleParams& params, std::size_t n,
                                        const HypothesesOptions& options = {});
/// Thm 5.1 (kind dependent or equicorrelated): the correlation against n^{-3/2}/log n, and
/// the other bounds the paper's text uses.
HypothesisReport theorem_5_1_hypotheses(const EnsembleParams& params, std::size_t n,
                                        const HypothesesOptions& options = {});
/// Dispatches to the function of `theorem`.
HypothesisReport evaluate_hypotheses(Theorem theorem, const EnsembleParams& params,
                                     std::size_t n, const HypothesesOptions& options = {});

/// evaluate_hypotheses() at each width (strictly increasing, each >= 2).
std::vector<HypothesisReport> hypotheses_over_widths(Theorem theorem, const EnsembleParams& params,
                                                     std::span<const std::size_t> widths,
                                                     const HypothesesOptions& options = {});

/// The verdict on one condition over a sequence of widths.
struct Trend {
  std::string name;
  Relation relation = Relation::info;
  bool monte_carlo = false;
  /// Asymptotic relations: whether the sequence is consistent with the limit (empty when
  /// inconclusive or undefined). Finite relations and structural facts: whether it holds at
  /// the largest width. Info: empty.
  std::optional<bool> holds;
  std::optional<double> slope;                 ///< OLS slope of log value on log n
  std::optional<ConfidenceInterval> slope_ci;  ///< Monte Carlo only
  std::size_t slope_points = 0;                ///< number of widths the slope is fitted on
  std::string verdict;                         ///< one line, in words
};

/// The trend of one condition whose values at `widths` (strictly increasing) are `values`;
/// `holds` (same length, or empty) are the per-width verdicts of a finite relation.
///
/// Rules (k = number of widths, k >= 3 for asymptotic relations):
///  * deterministic to_zero: identically 0 -> trends to 0 trivially; otherwise it trends to 0
///    iff the values are positive, strictly decreasing over the last three widths, and the
///    OLS slope of log value on log n over the last max(2, ceil(k/2)) widths is negative;
///  * deterministic to_infinity: strictly increasing over the last three widths with a
///    positive slope over the last half;
///  * deterministic bounded: identically 0, or slope over the last half <= 1e-9 (not growing);
///  * Monte Carlo: the OLS slope over all k widths with a Student-t interval (k - 2 degrees
///    of freedom) at `confidence`: to_zero iff the interval lies below 0 (not if it lies
///    above 0, inconclusive if it contains 0); to_infinity iff it lies above 0; bounded iff
///    it lies below 0 (not if above);
///  * finite relations and structural facts: holds at the largest width, with the widths
///    where it holds and fails listed in the verdict.
/// A value missing (or not finite) at a width the rule needs makes the verdict undefined
/// (holds empty).
/// Throws std::invalid_argument if the lengths differ, widths are not strictly increasing
/// and positive, or confidence is not in (0, 1).
Trend assess_trend(std::string_view name, Relation relation, std::span<const double> widths,
                   std::span<const std::optional<double>> values, bool monte_carlo,
                   std::span<const std::optional<bool>> holds = {}, double confidence = 0.95);

/// assess_trend() for every condition of `reports` (one theorem and one set of parameters at
/// increasing widths; conditions are matched by name). Throws std::invalid_argument if the
/// reports do not have the same conditions.
std::vector<Trend> assess_trends(std::span<const HypothesisReport> reports,
                                 double confidence = 0.95);

// ---------------------------------------------------------------------------------------
// Closed forms, exposed for the tests
// ---------------------------------------------------------------------------------------

/// log^4(n) / n, the quantity of Thm 3.1 (i) with beta_n = 1.
double log4_over_n(double n);

/// sqrt((4 log n - c log log n) / n), the threshold bound of Thm 4.2 (c = 7 gives t_max(n))
/// and of Thm 4.3's proof (c = 4 c'); empty where 4 log n - c log log n <= 0 or n <= 1.
std::optional<double> magnitude_threshold_bound(double n, double c);

/// log E[N^2 1{|N| > a}] for N ~ N(0, 1) (= log truncated_second_moment(a)), without
/// underflow for large a (Mills-ratio expansion beyond a = 25).
double log_truncated_second_moment(double a);

/// log P(|N| > a) = log erfc(a / sqrt 2), without underflow for large a.
double log_gaussian_two_sided_tail(double a);

/// log of the scale factor b that Ensemble(params).scale_factor(n, n) applies (0 for
/// unpruned kinds and ScaleRule::none), evaluated in the log domain so that it stays finite
/// where b itself overflows. Empty where it is undefined (top-r keeping nothing).
std::optional<double> log_scale_factor(const EnsembleParams& params, std::size_t n);

/// log S_n with S_n := (1/2) sum_k E|b_ik w_ik|^2 for an n x n matrix (the quantity of
/// Thm 3.1 (ii) is |S_n - 1|), in closed form; empty for magnitude_topr (no closed form:
/// see estimate_row_second_moment()). Uses params.scale.
std::optional<double> log_row_second_moment(const EnsembleParams& params, std::size_t n);

/// Monte-Carlo estimate, over `reps` n x n matrices drawn from stream(seed, "hypotheses", r),
/// of the row sums S_i = (1/2) sum_k (b_ik w_ik)^2.
struct RowSecondMomentEstimate {
  double mean;                      ///< average over replicates of the mean over rows of S_i
  ConfidenceInterval mean_ci;       ///< Student-t interval across replicates
  double max_deviation;             ///< average over replicates of max_i |S_i - 1|
  ConfidenceInterval max_deviation_ci;
  std::size_t reps;
};
/// Throws std::invalid_argument if n < 1, reps < 2 or confidence is not in (0, 1).
RowSecondMomentEstimate estimate_row_second_moment(const Ensemble& ensemble, std::size_t n,
                                                   std::uint64_t seed, std::size_t reps,
                                                   double confidence = 0.95);

}  // namespace jacstab
