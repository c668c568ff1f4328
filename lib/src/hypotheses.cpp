#include "jacstab/hypotheses.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <armadillo>
#include <boost/math/distributions/students_t.hpp>

#include "jacstab/format.hpp"
#include "jacstab/rng.hpp"

namespace jacstab {
namespace {

// exp() of anything above this overflows a double; below -kLogLimit it is subnormal or 0.
constexpr double kLogLimit = 708.0;
const double kLn10 = std::numbers::ln10;

/// Six significant digits, for notes and statements.
std::string fmt(double x) {
  if (!std::isfinite(x)) return format_number(x);
  std::ostringstream os;
  os << std::setprecision(6) << x;
  return os.str();
}

/// A width: an integer below 2^53, else as fmt().
std::string fmt_width(double n) {
  if (n == std::floor(n) && n < 9.0e15) return std::to_string(static_cast<std::uint64_t>(n));
  return fmt(n);
}

/// log(1 + x^2) without overflow of x^2.
double log1p_square(double x) {
  x = std::abs(x);
  if (x > 1e150) return 2.0 * std::log(x) + std::log1p(1.0 / (x * x));
  return std::log1p(x * x);
}

/// "2^-7.24", for eta values.
std::string fmt_pow2(double x) {
  std::ostringstream os;
  os << "2^" << std::fixed << std::setprecision(2) << std::log2(x);
  return os.str();
}

/// "about 10^123.4" for a number given by its natural log.
std::string fmt_log10(double log_value) {
  if (!std::isfinite(log_value)) return "beyond the range of a double";
  std::ostringstream os;
  os << "about 10^" << std::fixed << std::setprecision(1) << log_value / kLn10;
  return os.str();
}

void add_note(Condition& c, const std::string& text) {
  if (text.empty()) return;
  if (!c.note.empty()) c.note += "; ";
  c.note += text;
}

Condition make(std::string name, std::string statement, Relation relation) {
  Condition c;
  c.name = std::move(name);
  c.statement = std::move(statement);
  c.relation = relation;
  return c;
}

/// value := exp(log_value), or empty with a note where it overflows a double. Where it
/// underflows, the (tiny or zero) double is kept and the note gives its size.
void set_from_log(Condition& c, double log_value, std::string_view what = "value") {
  if (log_value == -std::numeric_limits<double>::infinity()) {
    c.value = 0.0;
    return;
  }
  if (std::isnan(log_value)) {
    c.value.reset();
    add_note(c, str_cat(what, " cannot be evaluated in double precision"));
    return;
  }
  if (log_value > kLogLimit) {
    c.value.reset();
    add_note(c, str_cat(what, " too large for a double (", fmt_log10(log_value), ")"));
    return;
  }
  c.value = std::exp(log_value);
  if (log_value < -kLogLimit) add_note(c, str_cat(what, " underflows (", fmt_log10(log_value), ")"));
}

/// value := |S - 1| with S = exp(log_s).
void set_abs_deviation_from_log(Condition& c, double log_s, std::string_view what = "S_n") {
  if (std::isnan(log_s)) {
    c.value.reset();
    add_note(c, str_cat(what, " cannot be evaluated in double precision"));
    return;
  }
  if (log_s > kLogLimit) {
    c.value.reset();
    add_note(c, str_cat(what, " too large for a double (", fmt_log10(log_s), ")"));
    return;
  }
  c.value = std::abs(std::expm1(log_s));
}

std::string s_n_note(double log_s) {
  if (std::isnan(log_s)) return "";
  if (log_s > kLogLimit) return str_cat("S_n = (1/2) n E|bw|^2 is ", fmt_log10(log_s));
  return str_cat("S_n = (1/2) n E|bw|^2 = ", fmt(std::exp(log_s)));
}

bool compare(Relation r, double v, double b) {
  switch (r) {
    case Relation::le: return v <= b;
    case Relation::lt: return v < b;
    case Relation::ge: return v >= b;
    case Relation::gt: return v > b;
    case Relation::eq: return std::abs(v - b) <= 1e-12 * std::max(1.0, std::abs(b));
    default: return false;
  }
}

bool is_finite_relation(Relation r) {
  return r == Relation::le || r == Relation::lt || r == Relation::ge || r == Relation::gt ||
         r == Relation::eq;
}

/// Decides `holds` where a single width can, and adds the standard notes.
void finish(Condition& c) {
  // Safety net: nothing that is not a finite double leaves this module.
  if (c.value && !std::isfinite(*c.value)) {
    add_note(c, str_cat("value ", format_number(*c.value), " is not representable as a finite double"));
    c.value.reset();
    c.value_ci.reset();
  }
  if (c.bound && !std::isfinite(*c.bound)) {
    add_note(c, str_cat("bound ", format_number(*c.bound), " is not representable as a finite double"));
    c.bound.reset();
  }
  if (c.value_ci && !(std::isfinite(c.value_ci->low) && std::isfinite(c.value_ci->high))) {
    add_note(c, "the interval is not representable as finite doubles");
    c.value_ci.reset();
  }
  if (is_asymptotic(c.relation)) {
    c.holds.reset();
    add_note(c, "asymptotic: evaluate over a sequence of widths");
  } else if (is_finite_relation(c.relation)) {
    if (c.holds) {
      // decided by the theorem function itself (e.g. Thm 4.2 (a) at n = 2)
    } else if (c.value && c.bound) {
      c.holds = compare(c.relation, *c.value, *c.bound);
    } else {
      c.holds.reset();
      if (c.note.empty()) add_note(c, "undefined at this width");
    }
  } else if (c.relation == Relation::info) {
    c.holds.reset();
  }
  if (!c.value && c.note.empty() && c.relation != Relation::structural) c.note = "undefined";
}

void finish(HypothesisReport& r) {
  for (Condition& c : r.conditions) finish(c);
}

void check_options(std::string_view fn, const HypothesesOptions& o) {
  if (o.reps < 2) throw std::invalid_argument(str_cat(fn, ": reps must be >= 2, got ", o.reps));
  if (!(o.confidence > 0.0 && o.confidence < 1.0)) {
    throw std::invalid_argument(
        str_cat(fn, ": confidence must be in (0, 1), got ", format_number(o.confidence)));
  }
}

Ensemble validated(std::string_view fn, const EnsembleParams& p, std::size_t n,
                   const HypothesesOptions& o) {
  if (n < 2) throw std::invalid_argument(str_cat(fn, ": width must be >= 2, got ", n));
  check_options(fn, o);
  return Ensemble(p);  // throws "Ensemble(): <parameter> must be ..., got <value>"
}

void require_kind(std::string_view fn, Theorem th, const EnsembleParams& p,
                  std::initializer_list<EnsembleKind> kinds, std::string_view expected) {
  for (auto k : kinds)
    if (k == p.kind) return;
  throw std::invalid_argument(str_cat(fn, ": Thm ", to_string(th), " needs ensemble ", expected,
                                      ", got ensemble ", to_string(p.kind)));
}

HypothesisReport start(Theorem th, std::size_t n, const Ensemble& e) {
  HypothesisReport r;
  r.theorem = th;
  r.width = n;
  r.ensemble = e.describe();
  return r;
}

/// Student-t interval for the mean of `x` (size >= 2).
ConfidenceInterval mean_interval(const std::vector<double>& x, double confidence, double* mean) {
  const double k = static_cast<double>(x.size());
  double m = 0.0;
  for (double v : x) m += v;
  m /= k;
  double ss = 0.0;
  for (double v : x) ss += (v - m) * (v - m);
  const double se = std::sqrt(ss / (k - 1.0) / k);
  const boost::math::students_t_distribution<double> student(k - 1.0);
  const double q = boost::math::quantile(boost::math::complement(student, (1.0 - confidence) / 2.0));
  *mean = m;
  return {m - q * se, m + q * se, confidence};
}

/// The interval of |x - 1| when x lies in `ci`.
ConfidenceInterval abs_deviation_interval(const ConfidenceInterval& ci) {
  const double a = std::abs(ci.low - 1.0), b = std::abs(ci.high - 1.0);
  const double lo = (ci.low <= 1.0 && 1.0 <= ci.high) ? 0.0 : std::min(a, b);
  return {lo, std::max(a, b), ci.level};
}

/// Log-log slope of a sequence: OLS (stats.hpp linear_regression(), with its Student-t slope
/// interval) for 3 or more points, the chord for 2.
struct LogLogSlope {
  double slope;
  std::optional<ConfidenceInterval> ci;  // 3 or more points
  std::size_t points;
};

LogLogSlope log_log_slope(const std::vector<double>& x, const std::vector<double>& y,
                          double confidence) {
  if (x.size() == 2) return {(y[1] - y[0]) / (x[1] - x[0]), std::nullopt, 2};
  const LinearRegressionResult fit = linear_regression(x, y, confidence);
  return {fit.slope, fit.slope_ci, fit.n};
}

std::string width_list(std::span<const double> widths, const std::vector<std::size_t>& idx) {
  std::string s;
  for (std::size_t j = 0; j < idx.size(); ++j) {
    if (j) s += ", ";
    s += fmt_width(widths[idx[j]]);
  }
  return s;
}

/// Smallest integer n >= 3 with t_max(n) <= t (t_max decreases for n >= 3), if below 2^62.
std::optional<double> first_width_failing_a(double t) {
  auto tmax = [](double n) { return *magnitude_threshold_bound(n, 7.0); };
  double lo = 3.0;
  if (tmax(lo) <= t) return lo;
  double hi = 4.0;
  while (tmax(hi) > t) {
    lo = hi;
    hi *= 2.0;
    if (hi > 4.6e18) return std::nullopt;
  }
  while (hi - lo > 1.0) {
    const double mid = std::floor((lo + hi) / 2.0);
    if (tmax(mid) <= t) hi = mid; else lo = mid;
  }
  return hi;
}

// ---------------------------------------------------------------------------------------
// Shared condition builders
// ---------------------------------------------------------------------------------------

/// Thm 3.1 (i): log^4(n)/n beta_n^2 -> 0, for log beta_n = log_b.
Condition condition_i(std::string name, std::size_t n, std::optional<double> log_b,
                      std::string beta_text) {
  Condition c = make(std::move(name), str_cat("log^4(n)/n * beta_n^2 -> 0, beta_n = ", beta_text),
                     Relation::to_zero);
  const double nd = static_cast<double>(n);
  if (!log_b) {
    add_note(c, "beta_n is undefined (the pruning keeps nothing)");
    return c;
  }
  set_from_log(c, 4.0 * std::log(std::log(nd)) - std::log(nd) + 2.0 * *log_b);
  add_note(c, str_cat("log^4(n)/n = ", fmt(log4_over_n(nd)), ", beta_n = ",
                      *log_b > kLogLimit ? fmt_log10(*log_b) : fmt(std::exp(*log_b))));
  return c;
}

/// Thm 3.1 (ii): |S_n - 1| -> 0 for the closed form log S_n.
Condition condition_ii(std::string name, std::string statement_suffix, double log_s) {
  Condition c = make(std::move(name),
                     str_cat("max_i |(1/2) sum_k E|b_ik w_ik|^2 - 1| -> 0", statement_suffix),
                     Relation::to_zero);
  set_abs_deviation_from_log(c, log_s);
  add_note(c, s_n_note(log_s));
  return c;
}

Condition sigma2_is_two(const EnsembleParams& p) {
  Condition c = make("W ~ N(0, 2/n)", "the weights are iid N(0, 2/n): sigma2 = 2", Relation::eq);
  c.value = p.sigma2;
  c.bound = 2.0;
  return c;
}

/// Monte-Carlo (ii) for a top-r ensemble; and optionally the sample max over rows.
void monte_carlo_ii(const Ensemble& e, std::size_t n, const HypothesesOptions& o, Condition& ii,
                    Condition* sample_max) {
  ii.monte_carlo = true;
  if (sample_max) sample_max->monte_carlo = true;
  if (n > o.max_monte_carlo_width) {
    const std::string why = str_cat("Monte Carlo skipped: n = ", n, " > max_monte_carlo_width = ",
                                    o.max_monte_carlo_width);
    add_note(ii, why);
    if (sample_max) add_note(*sample_max, why);
    return;
  }
  RowSecondMomentEstimate est{};
  try {
    est = estimate_row_second_moment(e, n, o.seed, o.reps, o.confidence);
  } catch (const std::domain_error& err) {
    add_note(ii, str_cat("Monte Carlo impossible: ", err.what()));
    if (sample_max) add_note(*sample_max, str_cat("Monte Carlo impossible: ", err.what()));
    return;
  }
  ii.value = std::abs(est.mean - 1.0);
  ii.value_ci = abs_deviation_interval(est.mean_ci);
  add_note(ii, str_cat("Monte Carlo, ", est.reps, " replicates: S_n = (1/2) n E|bw|^2 estimated by ",
                       fmt(est.mean), " (", fmt(100.0 * o.confidence), "% CI ", fmt(est.mean_ci.low),
                       " to ", fmt(est.mean_ci.high),
                       "); the entries are exchangeable, so every row has this expectation; "
                       "sample max_i |S_i - 1| = ",
                       fmt(est.max_deviation)));
  if (sample_max) {
    sample_max->value = est.max_deviation;
    sample_max->value_ci = est.max_deviation_ci;
    add_note(*sample_max,
             str_cat("Monte Carlo, ", est.reps,
                     " replicates; the realised row sums S_i = (1/2) sum_k (b_ik w_ik)^2 fluctuate "
                     "around their common expectation, so this exceeds (ii) (which has the "
                     "expectation inside); mean over rows ",
                     fmt(est.mean)));
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------

std::string_view to_string(Theorem theorem) noexcept {
  switch (theorem) {
    case Theorem::thm_3_1: return "3.1";
    case Theorem::thm_4_1: return "4.1";
    case Theorem::thm_4_2: return "4.2";
    case Theorem::thm_4_3: return "4.3";
    case Theorem::thm_5_1: return "5.1";
  }
  return "?";
}

std::string_view title(Theorem theorem) noexcept {
  switch (theorem) {
    case Theorem::thm_3_1: return "Stability theorem";
    case Theorem::thm_4_1: return "Scaling guarantees stability (random pruning)";
    case Theorem::thm_4_2: return "Magnitude-based pruning, deterministic threshold";
    case Theorem::thm_4_3: return "Magnitude-based pruning, random threshold";
    case Theorem::thm_5_1: return "Stability with dependent weights";
  }
  return "?";
}

Theorem parse_theorem(std::string_view text, std::string_view parameter) {
  for (auto t : {Theorem::thm_3_1, Theorem::thm_4_1, Theorem::thm_4_2, Theorem::thm_4_3,
                 Theorem::thm_5_1}) {
    if (text == to_string(t)) return t;
  }
  throw std::invalid_argument(str_cat("unknown ", parameter, " '", text,
                                      "' (expected 3.1, 4.1, 4.2, 4.3 or 5.1)"));
}

std::string_view to_string(Relation relation) noexcept {
  switch (relation) {
    case Relation::le: return "le";
    case Relation::lt: return "lt";
    case Relation::ge: return "ge";
    case Relation::gt: return "gt";
    case Relation::eq: return "eq";
    case Relation::to_zero: return "to_zero";
    case Relation::to_infinity: return "to_infinity";
    case Relation::bounded: return "bounded";
    case Relation::structural: return "structural";
    case Relation::info: return "info";
  }
  return "?";
}

std::string_view symbol(Relation relation) noexcept {
  switch (relation) {
    case Relation::le: return "<=";
    case Relation::lt: return "<";
    case Relation::ge: return ">=";
    case Relation::gt: return ">";
    case Relation::eq: return "==";
    case Relation::to_zero: return "-> 0";
    case Relation::to_infinity: return "-> inf";
    case Relation::bounded: return "O(1)";
    case Relation::structural:
    case Relation::info: return "";
  }
  return "?";
}

bool is_asymptotic(Relation relation) noexcept {
  return relation == Relation::to_zero || relation == Relation::to_infinity ||
         relation == Relation::bounded;
}

const Condition* HypothesisReport::find(std::string_view name) const noexcept {
  for (const Condition& c : conditions)
    if (c.name == name) return &c;
  return nullptr;
}

// ---------------------------------------------------------------------------------------
// Closed forms
// ---------------------------------------------------------------------------------------

// Thm 3.1 (i) with beta_n = 1 (paper Sec. 3).
double log4_over_n(double n) {
  const double l = std::log(n);
  return l * l * l * l / n;
}

// Thm 4.2's hypothesis t <= sqrt((4 log n - c log log n)/n), and Thm 4.3's proof with c = 4c'.
std::optional<double> magnitude_threshold_bound(double n, double c) {
  if (!(n > 1.0) || !std::isfinite(n) || !std::isfinite(c)) return std::nullopt;
  const double l = std::log(n);
  const double radicand = 4.0 * l - c * std::log(l);
  if (!(radicand > 0.0)) return std::nullopt;
  return std::sqrt(radicand / n);
}

namespace {

/// Mills ratio R(a) = P(N > a) / phi(a) by its asymptotic series (Abramowitz & Stegun 26.2.12,
/// four correction terms; relative error < 1e-11 for a >= 25).
double mills_ratio_large(double a) {
  const double u = 1.0 / (a * a);
  return (1.0 - u * (1.0 - 3.0 * u * (1.0 - 5.0 * u * (1.0 - 7.0 * u)))) / a;
}

double log_phi(double a) { return -0.5 * a * a - 0.5 * std::log(2.0 * std::numbers::pi); }

}  // namespace

double log_gaussian_two_sided_tail(double a) {
  if (a <= 0.0) return 0.0;
  if (a < 25.0) return std::log(std::erfc(a / std::numbers::sqrt2));
  // P(|N| > a) = 2 phi(a) R(a).
  return std::numbers::ln2 + log_phi(a) + std::log(mills_ratio_large(a));
}

double log_truncated_second_moment(double a) {
  if (a <= 0.0) return 0.0;
  if (a < 25.0) return std::log(truncated_second_moment(a));
  // E[N^2 1{|N| > a}] = 2 a phi(a) + 2 phi(a) R(a) = 2 phi(a) (a + R(a)).
  return std::numbers::ln2 + log_phi(a) + std::log(a + mills_ratio_large(a));
}

std::optional<double> log_scale_factor(const EnsembleParams& params, std::size_t n) {
  if (n < 1) throw std::invalid_argument("log_scale_factor(): n must be >= 1, got 0");
  const Ensemble e(params);
  if (!e.is_pruned() || params.scale == ScaleRule::none) return 0.0;
  const double nd = static_cast<double>(n);
  if (params.kind == EnsembleKind::random_prune) return -0.5 * std::log1p(-params.sparsity);
  const double t = params.kind == EnsembleKind::magnitude_threshold ? params.threshold
                                                                     : e.topr_threshold(n, n);
  if (!std::isfinite(t)) return std::nullopt;
  const double sd = std::sqrt(params.sigma2 / nd);
  switch (params.scale) {
    case ScaleRule::inverse_sqrt:
      if (params.kind == EnsembleKind::magnitude_threshold) {
        return -0.5 * log_gaussian_two_sided_tail(t / sd);
      } else {
        const double kept = e.expected_kept_fraction(n, n);
        if (!(kept > 0.0)) return std::nullopt;
        return -0.5 * std::log(kept);
      }
    case ScaleRule::theorem:
      // Thm 4.2 / 4.3 as printed: b^2 = sqrt(2 pi) e^{n t^2/2} / (t n^{3/2}).
      return 0.5 * (0.5 * std::log(2.0 * std::numbers::pi) + 0.5 * nd * t * t - std::log(t) -
                    1.5 * std::log(nd));
    case ScaleRule::variance_matched: return -0.5 * log_truncated_second_moment(t / sd);
    case ScaleRule::none: break;
  }
  return 0.0;
}

// Thm 3.1 (ii) (paper Sec. 3): S_n = (1/2) sum_k E|b_ik w_ik|^2; the entries of one row are
// identically distributed for every kind here, so S_n = (n/2) E|b_11 w_11|^2.
std::optional<double> log_row_second_moment(const EnsembleParams& params, std::size_t n) {
  const auto log_b = log_scale_factor(params, n);  // validates
  if (!log_b) return std::nullopt;
  const double half_sigma2 = std::log(params.sigma2 / 2.0);
  switch (params.kind) {
    case EnsembleKind::iid:
    case EnsembleKind::surrogate:
    case EnsembleKind::equicorrelated:
      // n entries of variance sigma2/n (equicorrelated: variance preserved).
      return half_sigma2;
    case EnsembleKind::dependent:
      // Var(W_ind + eta sd z) = (1 + eta^2) sigma2 / n.
      return log1p_square(params.eta) + half_sigma2;
    case EnsembleKind::random_prune:
      // E|b w|^2 = b^2 (1 - s) sigma2 / n: the mask is independent of w.
      return 2.0 * *log_b + std::log1p(-params.sparsity) + half_sigma2;
    case EnsembleKind::magnitude_threshold: {
      // E|b w|^2 = b^2 (sigma2/n) E[N^2 1{|N| > t sqrt(n/sigma2)}].
      const double a = params.threshold / std::sqrt(params.sigma2 / static_cast<double>(n));
      return 2.0 * *log_b + half_sigma2 + log_truncated_second_moment(a);
    }
    case EnsembleKind::magnitude_topr: return std::nullopt;
  }
  return std::nullopt;
}

RowSecondMomentEstimate estimate_row_second_moment(const Ensemble& ensemble, std::size_t n,
                                                   std::uint64_t seed, std::size_t reps,
                                                   double confidence) {
  constexpr std::string_view fn = "estimate_row_second_moment()";
  if (n < 1) throw std::invalid_argument(str_cat(fn, ": n must be >= 1, got ", n));
  if (reps < 2) throw std::invalid_argument(str_cat(fn, ": reps must be >= 2, got ", reps));
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw std::invalid_argument(
        str_cat(fn, ": confidence must be in (0, 1), got ", format_number(confidence)));
  }
  arma::mat W(n, n);
  std::vector<double> row(n), means(reps), maxdev(reps);
  for (std::size_t r = 0; r < reps; ++r) {
    Engine engine = stream(seed, "hypotheses", r);
    ensemble.sample_into(W, engine);
    std::fill(row.begin(), row.end(), 0.0);
    for (std::size_t c = 0; c < n; ++c) {
      const double* w = W.colptr(c);
      for (std::size_t i = 0; i < n; ++i) row[i] += w[i] * w[i];
    }
    double sum = 0.0, dev = 0.0;
    for (double& s : row) {
      s *= 0.5;
      sum += s;
      dev = std::max(dev, std::abs(s - 1.0));
    }
    means[r] = sum / static_cast<double>(n);
    maxdev[r] = dev;
  }
  RowSecondMomentEstimate out{};
  out.reps = reps;
  out.mean_ci = mean_interval(means, confidence, &out.mean);
  out.max_deviation_ci = mean_interval(maxdev, confidence, &out.max_deviation);
  return out;
}

// ---------------------------------------------------------------------------------------
// Thm 3.1 (paper Sec. 3): assumptions (A1) i-iii, (A2), (A3), (A'1) i-ii; conditions (i)-(iii)
// under (A1) and (i'), (ii') under (A'1).
// ---------------------------------------------------------------------------------------

HypothesisReport theorem_3_1_hypotheses(const EnsembleParams& p, std::size_t n,
                                        const HypothesesOptions& o) {
  const Ensemble e = validated("theorem_3_1_hypotheses()", p, n, o);
  HypothesisReport rep = start(Theorem::thm_3_1, n, e);
  const double nd = static_cast<double>(n);
  const bool pruned = e.is_pruned();
  const auto log_b = log_scale_factor(p, n);
  const bool dependent_entries = (p.kind == EnsembleKind::dependent && p.eta > 0.0) ||
                                 (p.kind == EnsembleKind::equicorrelated && p.rho > 0.0);
  const bool topr = p.kind == EnsembleKind::magnitude_topr;

  // Which assumption set applies.
  switch (p.kind) {
    case EnsembleKind::iid:
      rep.assumptions = "(A1) and (A'1): iid N(0, sigma2/n) weights, B = 1";
      break;
    case EnsembleKind::random_prune:
    case EnsembleKind::magnitude_threshold:
      rep.assumptions =
          "(A1): the w_ij b_ij are independent (b_ij depends on w_ij alone), W is iid Gaussian "
          "(subgaussian), B is bounded by beta_n = b; (A'1) does not apply (B is random)";
      break;
    case EnsembleKind::magnitude_topr:
      rep.assumptions =
          "neither: (A1)-iii fails (the top-r mask depends on the whole matrix) and (A'1)-ii "
          "fails (B is random); Thm 4.3 reaches this ensemble by comparison with Thm 4.2";
      break;
    case EnsembleKind::dependent:
    case EnsembleKind::equicorrelated:
      rep.assumptions = dependent_entries
                            ? "(A'1): jointly Gaussian W, deterministic B = 1; (A1) does not "
                              "apply (the entries share one Gaussian per matrix)"
                            : "(A1) and (A'1): with eta = rho = 0 the weights are iid";
      break;
    case EnsembleKind::surrogate:
      rep.assumptions =
          "(A1) and (A'1) for the iid weights; (A2)-(A3) hold by construction if alpha = 1/2";
      break;
  }
  if (p.kind != EnsembleKind::surrogate) {
    rep.assumptions += "; (A2)-(A3) hold for the real network only through Approximation 2.1";
  }

  // (A1)-i.
  {
    Condition c = make("(A1)-i iid subgaussian W",
                       "W has iid O(1/n)-subgaussian entries", Relation::structural);
    c.holds = !dependent_entries;
    add_note(c, "Gaussian entries are O(1/n)-subgaussian");
    if (dependent_entries) {
      add_note(c, p.kind == EnsembleKind::dependent
                      ? "W = W_ind + eta w^k shares one scalar w^k per matrix: the entries are "
                        "not independent"
                      : "equicorrelated entries (pairwise correlation rho) are not independent");
    }
    rep.conditions.push_back(std::move(c));
  }
  // (A1)-ii.
  {
    Condition c = make("(A1)-ii bounded B", "max_ij |b_ij| <= beta_n", Relation::structural);
    if (log_b) {
      set_from_log(c, *log_b, "beta_n");
      c.holds = true;  // a finite b, even where it does not fit in a double
      add_note(c, pruned ? "beta_n = b, the scale factor of the kept weights" : "B = 1");
    } else {
      add_note(c, "the scale factor is undefined (the pruning keeps nothing)");
    }
    rep.conditions.push_back(std::move(c));
  }
  // (A1)-iii.
  {
    Condition c = make("(A1)-iii independence", "the variables w_ij b_ij are independent",
                       Relation::structural);
    c.holds = !(topr || dependent_entries);
    if (topr) {
      add_note(c,
               "the top-r mask depends on the whole matrix (an entry is kept iff it is among the r "
               "largest |w|), so the w_ij b_ij are dependent; Thm 4.3 reaches this ensemble by "
               "comparison with Thm 4.2's deterministic threshold");
    } else if (dependent_entries) {
      add_note(c, "the entries share one Gaussian per matrix");
    } else if (pruned) {
      add_note(c, p.kind == EnsembleKind::random_prune ? "the Bernoulli mask is independent of W"
                                                       : "b_ij is a function of w_ij alone");
    } else {
      add_note(c, "iid weights, B = 1");
    }
    rep.conditions.push_back(std::move(c));
  }
  // (A'1)-ii.
  {
    Condition c = make("(A'1)-ii deterministic B", "B is deterministic and bounded by beta_n",
                       Relation::structural);
    c.holds = !pruned;
    add_note(c, pruned ? "the pruning mask is random" : "B = 1");
    rep.conditions.push_back(std::move(c));
  }
  // (A2).
  {
    if (p.kind == EnsembleKind::surrogate) {
      Condition c = make("(A2) masks Bernoulli(1/2)",
                         "the masks d_i are iid Bernoulli(1/2): alpha = 1/2", Relation::eq);
      c.value = p.alpha;
      c.bound = 0.5;
      rep.conditions.push_back(std::move(c));
    } else {
      Condition c = make("(A2) masks Bernoulli(1/2)",
                         "D_1..D_L are iid diagonal Bernoulli(1/2), independent of the weights (A3)",
                         Relation::structural);
      add_note(c,
               "not decided here: the network's masks D_l = diag(1{Y_l > 0}) are functions of the "
               "weights; (A2)-(A3) are the content of Approximation 2.1 (claims a21-*)");
      rep.conditions.push_back(std::move(c));
    }
  }
  // (i) / (i').
  rep.conditions.push_back(
      condition_i("(i)/(i')", n, log_b, pruned ? "max|b_ij| = b" : "1 (B = 1)"));
  // (ii).
  if (topr) {
    Condition ii = make("(ii)", "max_i |(1/2) sum_k E|b_ik w_ik|^2 - 1| -> 0", Relation::to_zero);
    Condition mx = make("(ii) sample max over rows",
                        "E max_i |(1/2) sum_k |b_ik w_ik|^2 - 1| (realised row sums)",
                        Relation::to_zero);
    mx.informational = true;
    add_note(ii, "no closed form for the top-r mask (order statistics)");
    monte_carlo_ii(e, n, o, ii, &mx);
    rep.conditions.push_back(std::move(ii));
    rep.conditions.push_back(std::move(mx));
  } else {
    const auto log_s = log_row_second_moment(p, n);
    if (log_s) {
      rep.conditions.push_back(condition_ii("(ii)", "", *log_s));
    } else {
      Condition ii = make("(ii)", "max_i |(1/2) sum_k E|b_ik w_ik|^2 - 1| -> 0", Relation::to_zero);
      add_note(ii, "undefined: the scale factor is undefined");
      rep.conditions.push_back(std::move(ii));
    }
  }
  // (iii).
  {
    Condition c = make("(iii)", "n max_ij |E b_ij w_ij| -> 0", Relation::to_zero);
    c.value = 0.0;
    add_note(c,
             "identically 0 for every n: w is symmetric and b_ij depends on W only through the "
             "|w_kl| (or not at all), so E b_ij w_ij = 0");
    rep.conditions.push_back(std::move(c));
  }
  // (ii') as printed and as used in the proof.
  {
    Condition printed = make("(ii') as printed", "max_i |(2/n) sum_k |b_ik|^2 - 1| -> 0",
                             Relation::to_zero);
    Condition proof = make("(ii') as in the proof", "max_i |(1/n) sum_k |b_ik|^2 - 1| -> 0",
                           Relation::to_zero);
    if (pruned) {
      add_note(printed, "(A'1)-ii needs a deterministic B; the pruning mask is random");
      add_note(proof, "(A'1)-ii needs a deterministic B; the pruning mask is random");
    } else {
      printed.value = 1.0;  // (2/n) * n - 1 with B = 1
      add_note(printed,
               "with B = 1, (2/n) sum_k |b_ik|^2 = 2, so the printed (ii') equals 1 for the "
               "unpruned network; the proof of Thm 3.1 under (A'1) bounds |(1/n) sum_k |b_ik|^2 - 1| "
               "(from E[(H^2)_ii | D] = (2/n) sum_k |b_ik|^2 d_k, d_k ~ Bernoulli(1/2)); see "
               "\"(ii') as in the proof\"");
      proof.value = 0.0;
      add_note(proof, "B = 1: identically 0");
    }
    rep.conditions.push_back(std::move(printed));
    rep.conditions.push_back(std::move(proof));
  }
  // (A'1) variance and covariance of W.
  {
    // log of n Var(w)/2 and of the largest covariance between distinct entries.
    double log_var_ratio = std::log(p.sigma2 / 2.0);
    double log_cov = -std::numeric_limits<double>::infinity();
    if (p.kind == EnsembleKind::dependent) {
      log_var_ratio += log1p_square(p.eta);
      if (p.eta > 0.0) log_cov = 2.0 * std::log(p.eta) + std::log(p.sigma2) - std::log(nd);
    } else if (p.kind == EnsembleKind::equicorrelated && p.rho > 0.0) {
      log_cov = std::log(p.rho) + std::log(p.sigma2) - std::log(nd);
    }
    Condition v = make("(A'1) variance", "|n Var(w_ij)/2 - 1| == 0: variances exactly 2/n",
                       Relation::eq);
    set_abs_deviation_from_log(v, log_var_ratio, "n Var(w_ij)/2");
    v.bound = 0.0;
    add_note(v, str_cat("n Var(w_ij)/2 = ",
                        log_var_ratio > kLogLimit ? fmt_log10(log_var_ratio) : fmt(std::exp(log_var_ratio)),
                        pruned ? " (of W before pruning)" : ""));
    rep.conditions.push_back(std::move(v));

    Condition c = make("(A'1) covariance ratio",
                       "max cov(w_ij, w_kl) / (n^{-5/2}/log n) = O(1)", Relation::bounded);
    const double log_unit = -2.5 * std::log(nd) - std::log(std::log(nd));
    set_from_log(c, log_cov - log_unit, "the ratio");
    add_note(c, str_cat("max covariance = ",
                        log_cov > kLogLimit ? fmt_log10(log_cov) : fmt(std::exp(log_cov)),
                        ", n^{-5/2}/log n = ", fmt(std::exp(log_unit))));
    rep.conditions.push_back(std::move(c));
  }
  finish(rep);
  return rep;
}

// ---------------------------------------------------------------------------------------
// Thm 4.1 (paper Sec. 4.1): B = (1 - s_n)^{-1/2} Bernoulli(1 - s_n), 1 - s_n >> log^4(n)/n with
// a_n >> b_n defined as b_n = O(a_n).
// ---------------------------------------------------------------------------------------

HypothesisReport theorem_4_1_hypotheses(const EnsembleParams& p, std::size_t n,
                                        const HypothesesOptions& o) {
  constexpr std::string_view fn = "theorem_4_1_hypotheses()";
  const Ensemble e = validated(fn, p, n, o);
  require_kind(fn, Theorem::thm_4_1, p, {EnsembleKind::random_prune}, "random-prune");
  HypothesisReport rep = start(Theorem::thm_4_1, n, e);
  rep.assumptions = "(A1) via Thm 3.1: random pruning with the scaled mask (1 - s)^{-1/2} Bernoulli(1 - s)";
  const double nd = static_cast<double>(n);
  const double keep = 1.0 - p.sparsity;
  const double edge = log4_over_n(nd);

  {
    Condition c = make("ratio log^4(n)/(n(1-s))",
                       "1 - s_n >> log^4(n)/n, i.e. log^4(n)/(n (1 - s_n)) = O(1)", Relation::bounded);
    c.value = edge / keep;
    add_note(c,
             "the paper defines a_n >> b_n as b_n = O(a_n), so the hypothesis is that this ratio "
             "stays bounded; Thm 3.1 (i) for the scaled mask is the same ratio and needs it -> 0");
    rep.conditions.push_back(std::move(c));
  }
  {
    Condition c = make("1 - s >= log^4(n)/n", "finite-n reading: 1 - s_n >= log^4(n)/n", Relation::ge);
    c.value = keep;
    c.bound = edge;
    if (edge > 1.0) {
      add_note(c, str_cat("log^4(n)/n = ", fmt(edge),
                          " > 1: no sparsity in [0, 1) meets it at this n (log^4(n)/n > 1 for every "
                          "5 <= n <= 5503)"));
    }
    rep.conditions.push_back(std::move(c));
  }
  {
    Condition c = make("largest sparsity", "1 - log^4(n)/n, the largest s with 1 - s >= log^4(n)/n",
                       Relation::info);
    c.informational = true;
    if (edge < 1.0) {
      c.value = 1.0 - edge;
    } else {
      add_note(c, str_cat("none in [0, 1): log^4(n)/n = ", fmt(edge), " >= 1"));
    }
    rep.conditions.push_back(std::move(c));
  }
  {
    Condition c = make("edge of stability (Sec. 4.1 text)", "log10(n)/n, as evaluated in Sec. 4.1",
                       Relation::info);
    c.informational = true;
    c.value = std::log10(nd) / nd;
    add_note(c, str_cat("the text evaluates the edge as 'of order log10(256)/256 ~ 0.009' (base-10 "
                        "log, no fourth power); the theorem's log^4(n)/n is ",
                        fmt(edge), " here"));
    rep.conditions.push_back(std::move(c));
  }
  EnsembleParams scaled = p;
  scaled.scale = ScaleRule::inverse_sqrt;  // (1 - s)^{-1/2}
  const auto log_b = log_scale_factor(scaled, n);
  rep.conditions.push_back(condition_i("(i) theorem factor", n, log_b, "(1-s)^{-1/2}"));
  rep.conditions.push_back(
      condition_ii("(ii) theorem factor", " with b = (1-s)^{-1/2}", *log_row_second_moment(scaled, n)));
  if (p.scale == ScaleRule::none) {
    Condition ci = condition_i("(i) --scale none", n, 0.0, "1 (no scaling)");
    ci.informational = true;
    rep.conditions.push_back(std::move(ci));
    Condition cii = condition_ii("(ii) --scale none", " with b = 1 (no scaling)",
                                 *log_row_second_moment(p, n));
    cii.informational = true;
    rep.conditions.push_back(std::move(cii));
  }
  rep.notes.push_back(str_cat(
      "log^4(n)/n = ", fmt(edge),
      " at this n; it exceeds 1 for every n from 5 to 5503, so at the widths of the paper's "
      "figures (n = 256: 3.69) no sparsity meets 1 - s >= log^4(n)/n. The text's edge "
      "log10(256)/256 ~ 0.009 uses a base-10 log without the fourth power."));
  finish(rep);
  return rep;
}

// ---------------------------------------------------------------------------------------
// Thm 4.2 (paper Sec. 4.2): keep |w| > t, t <= sqrt((4 log n - c log log n)/n), c > 7,
// n t^2 -> infinity, b = (sqrt(2 pi) e^{n t^2/2} / (t n^{3/2}))^{1/2}.
// ---------------------------------------------------------------------------------------

HypothesisReport theorem_4_2_hypotheses(const EnsembleParams& p, std::size_t n,
                                        const HypothesesOptions& o) {
  constexpr std::string_view fn = "theorem_4_2_hypotheses()";
  const Ensemble e = validated(fn, p, n, o);
  require_kind(fn, Theorem::thm_4_2, p, {EnsembleKind::magnitude_threshold}, "magnitude-threshold");
  HypothesisReport rep = start(Theorem::thm_4_2, n, e);
  rep.assumptions = "(A1) via Thm 3.1: b_ij = b 1{|w_ij| > t} depends on w_ij alone";
  const double nd = static_cast<double>(n);
  const double t = p.threshold;
  const double sd = std::sqrt(p.sigma2 / nd);
  const double a = t / sd;  // |w| > t  <=>  |N| > a
  const double log_tsm = log_truncated_second_moment(a);
  const double half_sigma2 = std::log(p.sigma2 / 2.0);
  EnsembleParams printed = p, matched = p;
  printed.scale = ScaleRule::theorem;
  matched.scale = ScaleRule::variance_matched;
  const double log_b_printed = *log_scale_factor(printed, n);
  const double log_b_matched = *log_scale_factor(matched, n);

  rep.conditions.push_back(sigma2_is_two(p));
  {
    Condition c = make("(a) t < t_max(n)",
                       "t <= sqrt((4 log n - c log log n)/n) for some c > 7, i.e. t < t_max(n) := "
                       "sqrt((4 log n - 7 log log n)/n)",
                       Relation::lt);
    c.value = t;
    const auto tmax = magnitude_threshold_bound(nd, 7.0);
    if (tmax) {
      c.bound = *tmax;
    } else {
      add_note(c, "t_max(n) is undefined: 4 log n - 7 log log n <= 0");
    }
    if (std::log(std::log(nd)) < 0.0) {
      c.holds = true;  // not by comparison with t_max(n)
      add_note(c, "log log n < 0 at n = 2: the bound grows with c, so a large c admits any t");
    } else if (const auto first = first_width_failing_a(t)) {
      add_note(c, str_cat("with this fixed t, t_max(n) -> 0 and (a) fails for every n >= ",
                          fmt_width(*first)));
    }
    rep.conditions.push_back(std::move(c));
  }
  {
    Condition c = make("(b) n t^2", "n t^2 -> infinity", Relation::to_infinity);
    c.value = nd * t * t;
    rep.conditions.push_back(std::move(c));
  }
  {
    Condition c = make("kept fraction", "P(|w| > t) = erfc(t sqrt(n/(2 sigma2)))", Relation::info);
    c.informational = true;
    const double log_kept = log_gaussian_two_sided_tail(a);
    set_from_log(c, log_kept, "kept fraction");
    add_note(c, str_cat("expected kept entries per row n P(|w| > t) = ",
                        log_kept + std::log(nd) > kLogLimit ? "huge" : fmt(std::exp(log_kept + std::log(nd)))));
    rep.conditions.push_back(std::move(c));
  }
  {
    Condition c = make("printed factor b", "b = (sqrt(2 pi) e^{n t^2/2} / (t n^{3/2}))^{1/2}",
                       Relation::info);
    c.informational = true;
    set_from_log(c, log_b_printed, "b");
    rep.conditions.push_back(std::move(c));
  }
  {
    Condition c = make("variance-matching factor b",
                       "b = E[N^2 1{|N| > t sqrt(n/sigma2)}]^{-1/2}, so that n E|bw|^2 = sigma2",
                       Relation::info);
    c.informational = true;
    set_from_log(c, log_b_matched, "b");
    rep.conditions.push_back(std::move(c));
  }
  const double log_s_printed = 2.0 * log_b_printed + half_sigma2 + log_tsm;
  {
    Condition c = condition_ii("(c) (ii) printed factor", " with the printed b", log_s_printed);
    if (p.sigma2 == 2.0) {
      // (1/2) n E|bw|^2 = b^2 E[N^2 1{N^2 > n t^2/2}] ~ sqrt(2) e^{n t^2/4}/n for large n t^2
      // (checked numerically in tests/test_hypotheses.cpp).
      const double log_asym = 0.5 * std::numbers::ln2 + nd * t * t / 4.0 - std::log(nd);
      add_note(c, str_cat("for large n t^2, S_n ~ sqrt(2) e^{n t^2/4}/n = ",
                          log_asym > kLogLimit ? fmt_log10(log_asym) : fmt(std::exp(log_asym))));
    }
    rep.conditions.push_back(std::move(c));
  }
  rep.conditions.push_back(condition_ii("(c) (ii) variance-matching factor",
                                        " with the variance-matching b",
                                        2.0 * log_b_matched + half_sigma2 + log_tsm));
  rep.conditions.push_back(condition_i("(d) (i) printed factor", n, log_b_printed, "the printed b"));
  {
    Condition c = condition_i("(i) variance-matching factor", n, log_b_matched,
                              "the variance-matching b");
    c.informational = true;
    rep.conditions.push_back(std::move(c));
  }
  if (p.scale != ScaleRule::theorem && p.scale != ScaleRule::variance_matched) {
    const std::string rule(to_string(p.scale));
    Condition ci = condition_i(str_cat("(i) --scale ", rule), n, log_scale_factor(p, n),
                               str_cat("b of --scale ", rule));
    ci.informational = true;
    rep.conditions.push_back(std::move(ci));
    Condition cii = condition_ii(str_cat("(ii) --scale ", rule), str_cat(" with b of --scale ", rule),
                                 *log_row_second_moment(p, n));
    cii.informational = true;
    rep.conditions.push_back(std::move(cii));
  }
  rep.notes.push_back(
      "The printed factor does not make S_n = (1/2) n E|bw|^2 equal to 1: with w^2 = (2/n) N^2, "
      "|w| > t iff N^2 > n t^2/2, and S_n = b^2 E[N^2 1{N^2 > n t^2/2}] ~ sqrt(2) e^{n t^2/4}/n; "
      "the proof takes x := n t^2 and drops the factor 2/n. Under (a), S_n -> 0, so (ii) with the "
      "printed factor tends to 1. The variance-matching factor gives S_n = sigma2/2 exactly.");
  rep.notes.push_back(
      "With a fixed t, t_max(n) -> 0, so (a) eventually fails; and n t^2 grows linearly, so b^2 "
      "grows like e^{n t^2/2} (printed) or e^{n t^2/4} (variance-matching) and (i) eventually fails "
      "for both factors.");
  finish(rep);
  return rep;
}

// ---------------------------------------------------------------------------------------
// Thm 4.3 (paper Sec. 4.2): keep the r = floor(n log^c n) largest |w|, c > 7/4; t solves
// P(|w| <= t) = 1 - r/(n^2 + 1); the proof compares with Thm 4.2 at c' = (c + 7/4)/2 and
// concludes E||M|| <~ log^{(1 + 2c - 4c')/4} n.
// ---------------------------------------------------------------------------------------

HypothesisReport theorem_4_3_hypotheses(const EnsembleParams& p, std::size_t n,
                                        const HypothesesOptions& o) {
  constexpr std::string_view fn = "theorem_4_3_hypotheses()";
  const Ensemble e = validated(fn, p, n, o);
  require_kind(fn, Theorem::thm_4_3, p, {EnsembleKind::magnitude_topr}, "magnitude-topr");
  if (!p.topr_c) {
    throw std::invalid_argument(str_cat(fn, ": Thm 4.3 needs topr_c (r = floor(n log^c n)), got "
                                            "sparsity ",
                                        format_number(p.sparsity)));
  }
  HypothesisReport rep = start(Theorem::thm_4_3, n, e);
  rep.assumptions =
      "none of Thm 3.1 directly ((A1)-iii fails for a top-r mask): the proof compares the top-r "
      "mask with Thm 4.2's deterministic threshold at the implied t";
  const double nd = static_cast<double>(n);
  const double c = *p.topr_c;
  const double cprime = (c + 1.75) / 2.0;
  const double r = std::floor(nd * std::pow(std::log(nd), c));
  const bool r_valid = r >= 1.0 && r <= nd * nd;
  std::optional<double> t;
  if (r_valid) t = e.topr_threshold(n, n);
  const std::string undefined_t =
      r < 1.0 ? "r = 0: the top-r mask keeps nothing and t is undefined"
              : "r > n^2: P(|w| <= t) = 1 - r/(n^2 + 1) has no solution, t is undefined";

  rep.conditions.push_back(sigma2_is_two(p));
  {
    Condition cc = make("c > 7/4", "c > 7/4", Relation::gt);
    cc.value = c;
    cc.bound = 1.75;
    rep.conditions.push_back(std::move(cc));
  }
  {
    Condition cc = make("r <= n^2", "r = floor(n log^c n) <= n^2 (a valid count)", Relation::le);
    cc.value = r;
    cc.bound = nd * nd;
    add_note(cc, str_cat("r/n = ", fmt(r / nd), " kept per row on average"));
    rep.conditions.push_back(std::move(cc));
  }
  {
    Condition cc = make("implied t", "t solving P(|w| <= t) = 1 - r/(n^2 + 1)", Relation::info);
    cc.informational = true;
    if (t) cc.value = *t; else add_note(cc, undefined_t);
    rep.conditions.push_back(std::move(cc));
  }
  {
    Condition cc = make("implied sparsity", "1 - r/n^2", Relation::info);
    cc.informational = true;
    if (r <= nd * nd) cc.value = 1.0 - r / (nd * nd);
    else add_note(cc, "r > n^2: undefined");
    rep.conditions.push_back(std::move(cc));
  }
  {
    Condition cc = make("n t^2", "n t^2 -> infinity at the implied t", Relation::to_infinity);
    if (t) cc.value = nd * *t * *t; else add_note(cc, undefined_t);
    rep.conditions.push_back(std::move(cc));
  }
  {
    Condition cc = make("t <= t'(n)",
                        str_cat("t <= sqrt((4 log n - 4c' log log n)/n), c' = (c + 7/4)/2 = ",
                                fmt(cprime), " (the proof: 'for n sufficiently large')"),
                        Relation::le);
    if (t) cc.value = *t; else add_note(cc, undefined_t);
    const auto bound = magnitude_threshold_bound(nd, 4.0 * cprime);
    if (bound) cc.bound = *bound;
    else add_note(cc, "the bound is undefined at this n: 4 log n - 4c' log log n <= 0");
    add_note(cc, "whether the proof's claim already holds at this n");
    rep.conditions.push_back(std::move(cc));
  }
  {
    if (t) {
      EnsembleParams thr;
      thr.kind = EnsembleKind::magnitude_threshold;
      thr.sigma2 = p.sigma2;
      thr.threshold = *t;
      thr.scale = ScaleRule::theorem;
      Condition ii = condition_ii("(ii) threshold model, printed factor",
                                  " for Thm 4.2's mask at the implied t, printed b",
                                  *log_row_second_moment(thr, n));
      rep.conditions.push_back(std::move(ii));
      rep.conditions.push_back(condition_i("(i) threshold model, printed factor", n,
                                           log_scale_factor(thr, n), "the printed b at the implied t"));
    } else {
      Condition ii = make("(ii) threshold model, printed factor",
                          "max_i |(1/2) sum_k E|b_ik w_ik|^2 - 1| -> 0 for Thm 4.2's mask at the "
                          "implied t, printed b",
                          Relation::to_zero);
      add_note(ii, undefined_t);
      rep.conditions.push_back(std::move(ii));
      Condition i = make("(i) threshold model, printed factor",
                         "log^4(n)/n * beta_n^2 -> 0, beta_n = the printed b at the implied t",
                         Relation::to_zero);
      add_note(i, undefined_t);
      rep.conditions.push_back(std::move(i));
    }
  }
  {
    Condition ii = make("(ii) top-r mask, printed factor",
                        "max_i |(1/2) sum_k E|b'_ik w_ik|^2 - 1| -> 0 for the top-r mask B' with the "
                        "printed b (Monte Carlo)",
                        Relation::to_zero);
    ii.monte_carlo = true;
    if (t) {
      EnsembleParams q = p;
      q.scale = ScaleRule::theorem;
      monte_carlo_ii(Ensemble(q), n, o, ii, nullptr);
    } else {
      add_note(ii, undefined_t);
    }
    rep.conditions.push_back(std::move(ii));
  }
  {
    Condition cc = make("proof rate", "E||W o B' - W o B|| <~ log^{(1+2c-4c')/4} n = log^{-5/8} n",
                        Relation::to_zero);
    cc.informational = true;
    cc.value = std::pow(std::log(nd), -0.625);
    add_note(cc, "(1 + 2c - 4c')/4 = -5/8 for every c");
    rep.conditions.push_back(std::move(cc));
  }
  rep.notes.push_back(
      "The proof reduces Thm 4.3 to Thm 4.2 at the implied t, so Thm 4.2's condition (ii) with "
      "the printed factor is needed here too; see 'jacstab hypotheses --theorem 4.2'.");
  finish(rep);
  return rep;
}

// ---------------------------------------------------------------------------------------
// Thm 5.1 (paper Sec. 5): variance 2/n, corr = O(n^{-3/2}/log n); the text before it says
// O(n^{-1} log(n)^{-3}), the Fig. 4 discussion eta << 2^-4 at n = 256 (corr << 1/n).
// ---------------------------------------------------------------------------------------

HypothesisReport theorem_5_1_hypotheses(const EnsembleParams& p, std::size_t n,
                                        const HypothesesOptions& o) {
  constexpr std::string_view fn = "theorem_5_1_hypotheses()";
  const Ensemble e = validated(fn, p, n, o);
  require_kind(fn, Theorem::thm_5_1, p, {EnsembleKind::dependent, EnsembleKind::equicorrelated},
               "dependent or equicorrelated");
  HypothesisReport rep = start(Theorem::thm_5_1, n, e);
  rep.assumptions = "(A'1) via Thm 3.1: jointly Gaussian W, B = 1";
  const double nd = static_cast<double>(n);
  const bool dep = p.kind == EnsembleKind::dependent;
  // eta^2 / (1 + eta^2), without overflow for large eta.
  const double corr = dep ? (p.eta <= 1.0 ? p.eta * p.eta / (1.0 + p.eta * p.eta)
                                          : 1.0 / (1.0 + 1.0 / (p.eta * p.eta)))
                          : p.rho;
  const double q = std::pow(nd, -1.5) / std::log(nd);
  const std::string param = dep ? "eta" : "rho";
  // The largest eta (or rho) with corr <= bound.
  // Empty where the bound is >= 1 (any eta, or any rho in [0, 1), meets it).
  auto largest = [&](double bound) -> std::optional<double> {
    if (bound >= 1.0) return std::nullopt;
    return dep ? std::sqrt(bound / (1.0 - bound)) : bound;
  };
  auto largest_note = [&](double bound) {
    const auto v = largest(bound);
    if (!v) return str_cat("the bound is >= 1 at this n: every ", param, " meets it");
    return str_cat("implied largest ", param, " = ", fmt(*v), dep ? str_cat(" = ", fmt_pow2(*v)) : "");
  };

  {
    Condition c = make("variance 2/n", "|n Var(w)/2 - 1| == 0: variances exactly 2/n ((A'1))",
                       Relation::eq);
    const double log_ratio = (dep ? log1p_square(p.eta) : 0.0) + std::log(p.sigma2 / 2.0);
    set_abs_deviation_from_log(c, log_ratio, "n Var(w)/2");
    c.bound = 0.0;
    add_note(c, str_cat("n Var(w)/2 = ",
                        log_ratio > kLogLimit ? fmt_log10(log_ratio) : fmt(std::exp(log_ratio)),
                        dep ? "; W_ind + eta w^k has variance (1 + eta^2) sigma2/n" : ""));
    rep.conditions.push_back(std::move(c));
  }
  {
    Condition c = make("corr <= n^{-3/2}/log n",
                       "finite-n reading of corr(W_ij, W_ml) = O(n^{-3/2}/log n)", Relation::le);
    c.value = corr;
    c.bound = q;
    add_note(c, dep ? "corr = eta^2/(1 + eta^2)" : "corr = rho");
    rep.conditions.push_back(std::move(c));
  }
  {
    Condition c = make("corr / (n^{-3/2}/log n)", "corr(W_ij, W_ml) = O(n^{-3/2}/log n)",
                       Relation::bounded);
    c.value = corr / q;
    rep.conditions.push_back(std::move(c));
  }
  {
    Condition c = make(str_cat("largest ", param), str_cat("the largest ", param,
                                                           " with corr <= n^{-3/2}/log n"),
                       Relation::info);
    c.informational = true;
    c.value = largest(q);  // q < 1 for every n >= 2
    if (dep && c.value) add_note(c, str_cat(fmt_pow2(*c.value), "; eta_max = sqrt(q/(1-q)), q = n^{-3/2}/log n"));
    rep.conditions.push_back(std::move(c));
  }
  {
    const double b = 1.0 / (nd * std::pow(std::log(nd), 3.0));
    Condition c = make("Sec. 5 text bound", "corr <= n^{-1} log(n)^{-3} (the text before Thm 5.1)",
                       Relation::le);
    c.informational = true;
    c.value = corr;
    c.bound = b;
    add_note(c, largest_note(b));
    add_note(c, "n^{-1} log^{-3} n exceeds the theorem's n^{-3/2}/log n for n > 5503");
    rep.conditions.push_back(std::move(c));
  }
  {
    const double b = 1.0 / nd;
    Condition c = make("Fig. 4 text bound",
                       "corr << 1/n, i.e. eta << n^{-1/2} (the Fig. 4 discussion: eta << 2^-4 at n = 256)",
                       Relation::le);
    c.informational = true;
    c.value = corr;
    c.bound = b;
    add_note(c, largest_note(b));
    rep.conditions.push_back(std::move(c));
  }
  rep.notes.push_back(str_cat(
      "Thm 5.1 bounds the correlation by n^{-3/2}/log n = ", fmt(q), " at this n, i.e. ", param,
      " <= ", fmt(*largest(q)), dep ? str_cat(" (", fmt_pow2(*largest(q)), ")") : "",
      "; the Sec. 5 text uses n^{-1} log^{-3} n and the Fig. 4 discussion corr << 1/n "
      "(eta << 2^-4 at n = 256)."));
  finish(rep);
  return rep;
}

HypothesisReport evaluate_hypotheses(Theorem theorem, const EnsembleParams& params, std::size_t n,
                                     const HypothesesOptions& options) {
  switch (theorem) {
    case Theorem::thm_3_1: return theorem_3_1_hypotheses(params, n, options);
    case Theorem::thm_4_1: return theorem_4_1_hypotheses(params, n, options);
    case Theorem::thm_4_2: return theorem_4_2_hypotheses(params, n, options);
    case Theorem::thm_4_3: return theorem_4_3_hypotheses(params, n, options);
    case Theorem::thm_5_1: return theorem_5_1_hypotheses(params, n, options);
  }
  throw std::invalid_argument("evaluate_hypotheses(): unknown theorem");
}

std::vector<HypothesisReport> hypotheses_over_widths(Theorem theorem, const EnsembleParams& params,
                                                     std::span<const std::size_t> widths,
                                                     const HypothesesOptions& options) {
  constexpr std::string_view fn = "hypotheses_over_widths()";
  if (widths.empty()) throw std::invalid_argument(str_cat(fn, ": widths must not be empty, got none"));
  for (std::size_t i = 0; i < widths.size(); ++i) {
    if (widths[i] < 2) {
      throw std::invalid_argument(str_cat(fn, ": widths must be >= 2, got widths[", i, "] = ", widths[i]));
    }
    if (i > 0 && widths[i] <= widths[i - 1]) {
      throw std::invalid_argument(str_cat(fn, ": widths must be strictly increasing, got ",
                                          widths[i - 1], " then ", widths[i]));
    }
  }
  std::vector<HypothesisReport> out;
  out.reserve(widths.size());
  for (std::size_t n : widths) out.push_back(evaluate_hypotheses(theorem, params, n, options));
  return out;
}

// ---------------------------------------------------------------------------------------
// Trends
// ---------------------------------------------------------------------------------------

Trend assess_trend(std::string_view name, Relation relation, std::span<const double> widths,
                   std::span<const std::optional<double>> raw_values, bool monte_carlo,
                   std::span<const std::optional<bool>> holds, double confidence) {
  constexpr std::string_view fn = "assess_trend()";
  const std::size_t k = widths.size();
  if (raw_values.size() != k) {
    throw std::invalid_argument(str_cat(fn, ": values must have one entry per width (", k,
                                        "), got ", raw_values.size()));
  }
  // A value that is not a finite double counts as missing.
  std::vector<std::optional<double>> values(raw_values.begin(), raw_values.end());
  for (auto& v : values)
    if (v && !std::isfinite(*v)) v.reset();
  if (!holds.empty() && holds.size() != k) {
    throw std::invalid_argument(str_cat(fn, ": holds must be empty or have one entry per width (",
                                        k, "), got ", holds.size()));
  }
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw std::invalid_argument(str_cat(fn, ": confidence must be in (0, 1), got ",
                                        format_number(confidence)));
  }
  for (std::size_t i = 0; i < k; ++i) {
    if (!(widths[i] > 0.0) || !std::isfinite(widths[i]) || (i > 0 && !(widths[i] > widths[i - 1]))) {
      throw std::invalid_argument(str_cat(fn, ": widths must be positive and strictly increasing, got ",
                                          format_number(widths[i]), " at index ", i));
    }
  }
  Trend tr;
  tr.name = std::string(name);
  tr.relation = relation;
  tr.monte_carlo = monte_carlo;
  if (k == 0) {
    tr.verdict = "no widths";
    return tr;
  }
  const std::string range = str_cat("n = ", fmt_width(widths.front()), "..", fmt_width(widths.back()));

  // Log-log slope over the index range [from, k), where every value is present and > 0.
  auto fit = [&](std::size_t from) -> std::optional<LogLogSlope> {
    std::vector<double> x, y;
    for (std::size_t i = from; i < k; ++i) {
      if (!values[i] || !(*values[i] > 0.0)) return std::nullopt;
      x.push_back(std::log(widths[i]));
      y.push_back(std::log(*values[i]));
    }
    if (x.size() < 2) return std::nullopt;
    return log_log_slope(x, y, confidence);
  };

  if (!is_asymptotic(relation)) {
    if (relation != Relation::info && !holds.empty()) {
      std::vector<std::size_t> yes, no, undef;
      for (std::size_t i = 0; i < k; ++i) {
        if (!holds[i]) undef.push_back(i);
        else if (*holds[i]) yes.push_back(i);
        else no.push_back(i);
      }
      tr.holds = holds[k - 1];
      std::string v;
      if (!yes.empty()) v += "holds at n = " + width_list(widths, yes);
      if (!no.empty()) v += std::string(v.empty() ? "" : "; ") + "fails at n = " + width_list(widths, no);
      if (!undef.empty()) {
        v += std::string(v.empty() ? "" : "; ") +
             (relation == Relation::structural ? "not decided at n = " : "undefined at n = ") +
             width_list(widths, undef);
      }
      tr.verdict = v;
    } else {
      tr.verdict = "informational";
    }
    if (auto f = fit(0)) {
      tr.slope = f->slope;
      tr.slope_points = f->points;
    }
    return tr;
  }

  // Asymptotic relations.
  if (k < 3) {
    tr.verdict = str_cat("needs at least 3 widths, got ", k);
    return tr;
  }
  const std::size_t half = std::max<std::size_t>(2, (k + 1) / 2);
  const std::size_t need_from = k - std::max<std::size_t>(3, half);
  std::vector<std::size_t> missing;
  for (std::size_t i = monte_carlo ? 0 : need_from; i < k; ++i)
    if (!values[i]) missing.push_back(i);
  if (!missing.empty()) {
    tr.verdict = "undefined at n = " + width_list(widths, missing);
    return tr;
  }
  bool all_zero = true;
  for (std::size_t i = monte_carlo ? 0 : need_from; i < k; ++i) all_zero = all_zero && *values[i] == 0.0;
  if (all_zero && relation != Relation::to_infinity) {
    tr.holds = true;
    tr.verdict = str_cat("identically 0 over ", range, ": ",
                         relation == Relation::to_zero ? "trends to 0 trivially" : "bounded trivially");
    return tr;
  }

  if (monte_carlo) {
    const auto f = fit(0);
    if (!f) {
      tr.verdict = "a value is 0 or negative: the log-log slope is undefined";
      return tr;
    }
    tr.slope = f->slope;
    tr.slope_points = f->points;
    tr.slope_ci = f->ci;  // k >= 3 points: the Student-t interval with k - 2 degrees of freedom
    const bool below = tr.slope_ci->high < 0.0, above = tr.slope_ci->low > 0.0;
    const std::string slope_text =
        str_cat("log-log slope ", fmt(f->slope), " (", fmt(100.0 * confidence), "% CI ",
                fmt(tr.slope_ci->low), " to ", fmt(tr.slope_ci->high), ", OLS over ", k, " widths)");
    switch (relation) {
      case Relation::to_zero:
        if (below) tr.holds = true; else if (above) tr.holds = false;
        tr.verdict = str_cat(below ? "consistent with -> 0" : above ? "inconsistent with -> 0: growing"
                                                                    : "inconclusive",
                             " over ", range, ": ", slope_text);
        break;
      case Relation::to_infinity:
        if (above) tr.holds = true; else if (below) tr.holds = false;
        tr.verdict = str_cat(above ? "consistent with -> infinity"
                                   : below ? "inconsistent with -> infinity: decreasing" : "inconclusive",
                             " over ", range, ": ", slope_text);
        break;
      default:  // bounded
        if (below) tr.holds = true; else if (above) tr.holds = false;
        tr.verdict = str_cat(below ? "consistent with O(1)" : above ? "inconsistent with O(1): growing"
                                                                     : "inconclusive",
                             " over ", range, ": ", slope_text);
        break;
    }
    return tr;
  }

  // Deterministic.
  const auto f = fit(k - half);
  if (!f) {
    tr.verdict = "a value is 0 or negative at the last widths: the log-log slope is undefined";
    return tr;
  }
  tr.slope = f->slope;
  tr.slope_points = f->points;
  const double v1 = *values[k - 3], v2 = *values[k - 2], v3 = *values[k - 1];
  const bool decreasing = v1 > v2 && v2 > v3;
  const bool increasing = v1 < v2 && v2 < v3;
  const std::string slope_text =
      str_cat("log-log slope ", fmt(f->slope), " over the last ", f->points, " widths");
  switch (relation) {
    case Relation::to_zero:
      tr.holds = decreasing && f->slope < 0.0;
      tr.verdict = *tr.holds
                       ? str_cat("consistent with -> 0 over ", range,
                                 ": strictly decreasing over the last 3 widths, ", slope_text)
                       : str_cat("not trending to 0 over ", range, ": ",
                                 decreasing ? "" : "not strictly decreasing over the last 3 widths, ",
                                 slope_text, ", last value ", fmt(v3));
      break;
    case Relation::to_infinity:
      tr.holds = increasing && f->slope > 0.0;
      tr.verdict = *tr.holds
                       ? str_cat("consistent with -> infinity over ", range,
                                 ": strictly increasing over the last 3 widths, ", slope_text)
                       : str_cat("not growing to infinity over ", range, ": ",
                                 increasing ? "" : "not strictly increasing over the last 3 widths, ",
                                 slope_text);
      break;
    default:  // bounded
      tr.holds = f->slope <= 1e-9;
      tr.verdict = *tr.holds ? str_cat("consistent with O(1) over ", range, ": not growing, ", slope_text)
                             : str_cat("growing over ", range, ": ", slope_text, " (not O(1))");
      break;
  }
  return tr;
}

std::vector<Trend> assess_trends(std::span<const HypothesisReport> reports, double confidence) {
  constexpr std::string_view fn = "assess_trends()";
  std::vector<Trend> out;
  if (reports.empty()) return out;
  const HypothesisReport& first = reports.front();
  std::vector<double> widths;
  for (const auto& r : reports) {
    if (r.conditions.size() != first.conditions.size() || r.theorem != first.theorem) {
      throw std::invalid_argument(str_cat(fn, ": the reports differ in theorem or conditions (n = ",
                                          first.width, " and n = ", r.width, ")"));
    }
    widths.push_back(static_cast<double>(r.width));
  }
  for (std::size_t c = 0; c < first.conditions.size(); ++c) {
    const Condition& head = first.conditions[c];
    std::vector<std::optional<double>> values;
    std::vector<std::optional<bool>> holds;
    for (const auto& r : reports) {
      const Condition& x = r.conditions[c];
      if (x.name != head.name) {
        throw std::invalid_argument(str_cat(fn, ": condition ", c, " is '", head.name, "' at n = ",
                                            first.width, " but '", x.name, "' at n = ", r.width));
      }
      values.push_back(x.value);
      holds.push_back(x.holds);
    }
    // A structural fact decided without comparison at some widths keeps its own relation.
    out.push_back(assess_trend(head.name, head.relation, widths, values, head.monte_carlo, holds,
                               confidence));
  }
  return out;
}

}  // namespace jacstab
