// Shared by t42-magnitude-threshold and t43-magnitude-topr: the margins of the two statistics
// both programs test (per-layer rate over a depth curve, log-norm gap at a fixed depth), the
// scale options and their factors for a magnitude-pruned layer (deterministic threshold t, or
// top-r at the implied t), the simulation of paired networks (common random numbers), the
// paired equivalence tests and their complement, the trend in n, the check families with Holm,
// the homogeneity identity, and the pieces of the depth-curve tables and figures.
#pragma once

#include <time.h>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <numbers>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jacstab/ensembles.hpp"
#include "jacstab/experiment.hpp"
#include "jacstab/format.hpp"
#include "jacstab/hypotheses.hpp"
#include "jacstab/jacobian.hpp"
#include "jacstab/mlp.hpp"
#include "jacstab/report.hpp"
#include "jacstab/stats.hpp"

namespace jacstab {
namespace magnitude_pruning {

// Declared before any result existed; never changed to move a verdict.
inline constexpr double kAlpha = 0.05;
// Stability is a statement about exponential rates in depth (Def. 1.1: Theta~_L(1) hides
// sub-exponential factors). Rate statistic: the per-layer slope of log ||J^B_l|| - log ||J^iid_l||
// over depths 1..L. |slope| < 0.01 counts as "the same rate": the two norms drift apart by less
// than a factor e over 100 layers, while unstable settings drift by 0.1 to 2 per layer.
inline constexpr double kMarginRate = 0.01;
// Fixed-depth statistic: log ||J^B|| - log ||J^iid|| at depth L = 10 (the theorem is at fixed L,
// n -> infinity). |gap| < log(1.1): geometric-mean norms within 10%.
inline constexpr double kMarginGap = 0.09531017980432486;  // log(1.1)
inline constexpr std::size_t kFixedDepth = 10;
inline constexpr std::size_t kPaperWidth = 256;
// Homogeneity identity: |log||J^(b)|| - log||J^(1)|| - l log b| below this (relative to
// 1 + |log||J|||) on every checked depth.
inline constexpr double kIdentityTolerance = 1e-6;
// Replicates on which the identity is checked against the library's scaled ensembles.
inline constexpr std::size_t kIdentityReps = 2;

// The positive controls (an independent iid sample against the first), sized by the power
// analysis of rule 4 (validation/README.md): at least this many pairs. The first iid replicates
// are the claims' own; the control continues the same iid streams.
inline std::size_t control_curve_reps(const ExperimentContext& ctx, std::size_t curve_reps) {
  return std::max(curve_reps, ctx.pick<std::size_t>(112, 0, 0));
}
inline std::size_t control_fixed_reps(const ExperimentContext& ctx, std::size_t n, std::size_t claim_reps) {
  switch (n) {
    case 256: return std::max(claim_reps, ctx.pick<std::size_t>(160, 0, 0));
    case 512: return std::max(claim_reps, ctx.pick<std::size_t>(0, 120, 0));
    case 1024: return std::max(claim_reps, ctx.pick<std::size_t>(0, 48, 0));
    default: return claim_reps;
  }
}

inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// ---------------------------------------------------------------------------------------
// Scale options
// ---------------------------------------------------------------------------------------

enum class Rule { none, inverse_sqrt, printed, matched, corrected };
inline constexpr Rule kRules[] = {Rule::none, Rule::inverse_sqrt, Rule::printed, Rule::matched, Rule::corrected};

inline EnsembleParams with_scale(EnsembleParams p, ScaleRule scale) {
  p.scale = scale;
  return p;
}
inline EnsembleParams threshold_params(double t, ScaleRule scale = ScaleRule::none) { return threshold_ensemble(t, scale); }
// The threshold t for which P(|w| <= t) = 1 - r/(n^2 + 1) of a top-r setting at width n.
inline double implied_t(const EnsembleParams& p, std::size_t n) { return Ensemble(p).topr_threshold(n, n); }
// The threshold of a magnitude setting: t itself, or the implied t of a top-r setting.
inline double pruning_threshold(const EnsembleParams& p, std::size_t n) {
  return p.kind == EnsembleKind::magnitude_threshold ? p.threshold : implied_t(p, n);
}

// log b of each option for the magnitude setting p at width n. The four library rules come from
// log_scale_factor() (for top-r, printed and variance-matched at the implied t); the "corrected
// asymptotic" factor is what Thm 4.2's proof gives once x = n t^2 / 2 (not n t^2) and the
// factor 2/n are kept: b^2 = sqrt(pi) e^{n t^2/4} / (t sqrt(n)).
inline double log_factor(Rule r, const EnsembleParams& p, std::size_t n) {
  switch (r) {
    case Rule::none: return 0.0;
    case Rule::inverse_sqrt: return *log_scale_factor(with_scale(p, ScaleRule::inverse_sqrt), n);
    case Rule::printed: return *log_scale_factor(with_scale(p, ScaleRule::theorem), n);
    case Rule::matched: return *log_scale_factor(with_scale(p, ScaleRule::variance_matched), n);
    case Rule::corrected: {
      const double nd = static_cast<double>(n);
      const double t = pruning_threshold(p, n);
      return 0.5 * (0.5 * std::log(std::numbers::pi) + nd * t * t / 4.0 - std::log(t) - 0.5 * std::log(nd));
    }
  }
  return 0.0;
}
inline double log_factor(Rule r, double t, std::size_t n) { return log_factor(r, threshold_params(t), n); }

// S_n = (1/2) n E|b w|^2 (Thm 3.1 (ii) asks S_n -> 1) of the threshold model at the setting's
// threshold (for top-r, the implied t, which the proof of Thm 4.3 compares the mask with), in
// closed form.
inline double row_second_moment(Rule r, const EnsembleParams& p, std::size_t n) {
  const double sd = std::sqrt(2.0 / static_cast<double>(n));
  return std::exp(2.0 * log_factor(r, p, n) + log_truncated_second_moment(pruning_threshold(p, n) / sd));
}
inline double row_second_moment(Rule r, double t, std::size_t n) { return row_second_moment(r, threshold_params(t), n); }

// ---------------------------------------------------------------------------------------
// Simulation
// ---------------------------------------------------------------------------------------

struct Run {
  std::string part;
  std::string what;
  std::size_t width = 0, depth = 0;
  EnsembleParams params;
  bool prefix = false;
  std::vector<std::vector<double>> log_norm;  // [replicate][depth - 1] (prefix) or [replicate][0]
  std::vector<double> cpu_seconds;
  std::size_t dead() const {
    std::size_t k = 0;
    for (const auto& v : log_norm) k += !std::isfinite(v.back());
    return k;
  }
  double mean_cpu_ms() const {
    double s = 0.0;
    for (double c : cpu_seconds) s += c;
    return cpu_seconds.empty() ? 0.0 : 1e3 * s / static_cast<double>(cpu_seconds.size());
  }
};

struct ReplicateOut {
  std::vector<double> log_norm;
  double cpu = 0.0;
};

// Replicate r draws from ctx.engine(part, first + r): runs that share a part share the input,
// W_in and the Gaussian weights before pruning (common random numbers), so their gaps are
// paired. `first` > 0 continues a run with further replicates of the same stream.
inline Run simulate(const ExperimentContext& ctx, const std::string& part, const std::string& what, std::size_t width,
                    std::size_t depth, const EnsembleParams& params, std::size_t reps, bool prefix,
                    std::size_t first = 0) {
  Run run;
  run.part = part;
  run.what = what;
  run.width = width;
  run.depth = depth;
  run.params = params;
  run.prefix = prefix;
  const MlpConfig config = mlp_config(width, depth, params, InputKind::fashion_mnist);
  SampleOptions options;
  options.prefix_norms = prefix;
  const std::string label = str_cat(part, " ", what);
  auto outs = ctx.map_replicates<ReplicateOut>(label, reps, [&](std::size_t r) {
    Engine engine = ctx.engine(part, first + r);
    const double t0 = thread_cpu_seconds();
    const SampleRecord rec = sample_jacobian_norm(config, engine, options);
    ReplicateOut o;
    if (prefix) {
      for (const auto& p : rec.prefix) o.log_norm.push_back(p.log_norm);
    } else {
      o.log_norm.push_back(rec.norm.log_norm);
    }
    o.cpu = thread_cpu_seconds() - t0;
    return o;
  });
  for (auto& o : outs) {
    run.log_norm.push_back(std::move(o.log_norm));
    run.cpu_seconds.push_back(o.cpu);
  }
  return run;
}

// The run `base` continued to `reps` replicates (further replicates of the same stream), for
// the positive controls: the first replicates are the claims' own, the rest the control's.
inline Run extend_run(const ExperimentContext& ctx, const Run& base, std::size_t reps) {
  if (reps <= base.log_norm.size()) return base;
  Run out = base;
  const Run more = simulate(ctx, base.part, str_cat(base.what, " (control)"), base.width, base.depth, base.params,
                            reps - base.log_norm.size(), base.prefix, base.log_norm.size());
  out.log_norm.insert(out.log_norm.end(), more.log_norm.begin(), more.log_norm.end());
  out.cpu_seconds.insert(out.cpu_seconds.end(), more.cpu_seconds.begin(), more.cpu_seconds.end());
  return out;
}

// Calls fn(replicate, depth, log||J_1||) for every value of a run (depths 1..L for prefix runs).
template <class Fn>
inline void for_each_log_norm(const Run& r, Fn&& fn) {
  for (std::size_t rep = 0; rep < r.log_norm.size(); ++rep) {
    for (std::size_t k = 0; k < r.log_norm[rep].size(); ++k) fn(rep, r.prefix ? k + 1 : r.depth, r.log_norm[rep][k]);
  }
}

// Homogeneity identity: the library's scaled ensembles (params_of(rule) for the inverse-sqrt,
// theorem and variance-matched rules, simulated on the first kIdentityReps replicates of part)
// against b^l times the b = 1 run `base`. Returns the largest relative deviation over all
// replicates and depths.
inline double identity_worst(const ExperimentContext& ctx, const std::string& part, const Run& base, std::size_t depth,
                             const std::function<EnsembleParams(ScaleRule)>& params_of) {
  double worst = 0.0;
  for (ScaleRule sr : {ScaleRule::inverse_sqrt, ScaleRule::theorem, ScaleRule::variance_matched}) {
    const EnsembleParams p = params_of(sr);
    const Run direct = simulate(ctx, part, str_cat("identity ", to_string(sr)), kPaperWidth, depth, p, kIdentityReps, true);
    const double log_b = *log_scale_factor(p, kPaperWidth);
    for (std::size_t r = 0; r < kIdentityReps; ++r) {
      for (std::size_t l = 1; l <= depth; ++l) {
        const double want = base.log_norm[r][l - 1] + static_cast<double>(l) * log_b;
        const double got = direct.log_norm[r][l - 1];
        double dev;
        if (!std::isfinite(want) || !std::isfinite(got)) dev = (want == got) ? 0.0 : 1.0;
        else dev = std::abs(got - want) / (1.0 + std::abs(want));
        worst = std::max(worst, dev);
      }
    }
  }
  return worst;
}

// The deterministic supporting check of the identity; `setting` names where it was checked
// (it follows "variance-matched)" in the detail).
inline Check identity_check(double worst, std::size_t depth, const std::string& setting) {
  Check c;
  c.name = "scaling identity log||J^(b)_l|| = log||J^(1)_l|| + l log b";
  c.role = CheckRole::supporting;
  c.estimate = worst;
  c.margin = kIdentityTolerance;
  c.verdict = worst < kIdentityTolerance ? Verdict::confirmed : Verdict::refuted;
  c.detail = str_cat("largest relative deviation over ", kIdentityReps, " replicates x ", depth,
                     " depths x 3 library scale rules (inverse-sqrt, theorem, variance-matched)", setting,
                     ", n = 256; deterministic, no test");
  return c;
}

// ---------------------------------------------------------------------------------------
// Paired statistics and decisions
// ---------------------------------------------------------------------------------------

struct Sample {
  std::vector<double> values;  // per-replicate statistic, finite only
  std::size_t excluded = 0;    // replicates with a dead network (non-finite log-norm)
};

// Per replicate: OLS slope over depths 1..L of (log||J^A_l|| + l log b_A) - log||J^B_l||.
inline Sample rate_sample(const Run& a, double log_b, const Run& b) {
  Sample s;
  const std::size_t L = a.depth;
  const double lbar = (static_cast<double>(L) + 1.0) / 2.0;
  double sxx = 0.0;
  for (std::size_t l = 1; l <= L; ++l) sxx += (static_cast<double>(l) - lbar) * (static_cast<double>(l) - lbar);
  for (std::size_t r = 0; r < a.log_norm.size(); ++r) {
    double sxy = 0.0;
    bool ok = true;
    for (std::size_t l = 1; l <= L; ++l) {
      const double d = a.log_norm[r][l - 1] + static_cast<double>(l) * log_b - b.log_norm[r][l - 1];
      if (!std::isfinite(d)) {
        ok = false;
        break;
      }
      sxy += (static_cast<double>(l) - lbar) * d;
    }
    if (ok) s.values.push_back(sxy / sxx);
    else ++s.excluded;
  }
  return s;
}

// Per replicate: (log||J^A_l|| + l log b_A) - log||J^B_l|| at depth l (prefix runs) or at the
// run's depth (final-depth runs).
inline Sample gap_sample(const Run& a, double log_b, const Run& b, std::size_t depth) {
  Sample s;
  const std::size_t idx = a.prefix ? depth - 1 : 0;
  for (std::size_t r = 0; r < a.log_norm.size(); ++r) {
    const double d = a.log_norm[r][idx] + static_cast<double>(depth) * log_b - b.log_norm[r][idx];
    if (std::isfinite(d)) s.values.push_back(d);
    else ++s.excluded;
  }
  return s;
}

struct MeanTest {
  std::size_t used = 0, excluded = 0;
  double mean = 0.0, se = 0.0, df = 1.0;
  double ci_low = 0.0, ci_high = 0.0;  // (1 - 2 alpha) interval, the one TOST uses
  double p_equivalent = 1.0;           // TOST: H0 |theta| >= margin
  double p_beyond = 1.0;               // H0: theta within the margin on the estimate's side
};

// Equivalence (TOST, paired t with N - 1 df) and its complement, a one-sided test that the mean
// lies beyond the margin on the side of the estimate.
inline MeanTest mean_test(const Sample& s, double margin) {
  MeanTest m;
  m.used = s.values.size();
  m.excluded = s.excluded;
  if (m.used < 2) return m;
  const Moments mo = [&] {
    // sample_moments() rejects constant samples; the mean and SD suffice here.
    Moments x{};
    double sum = 0.0;
    for (double v : s.values) sum += v;
    x.mean = sum / static_cast<double>(m.used);
    double ss = 0.0;
    for (double v : s.values) ss += (v - x.mean) * (v - x.mean);
    x.variance = ss / static_cast<double>(m.used - 1);
    return x;
  }();
  m.mean = mo.mean;
  m.df = static_cast<double>(m.used - 1);
  m.se = std::sqrt(mo.variance / static_cast<double>(m.used));
  if (!(m.se > 0.0)) {  // a constant difference: decided without error
    m.ci_low = m.ci_high = m.mean;
    m.p_equivalent = std::abs(m.mean) < margin ? 0.0 : 1.0;
    m.p_beyond = std::abs(m.mean) > margin ? 0.0 : 1.0;
    return m;
  }
  const EquivalenceTestResult tost = tost_difference(m.mean, m.se, -margin, margin, m.df, kAlpha);
  m.ci_low = tost.ci.low;
  m.ci_high = tost.ci.high;
  m.p_equivalent = tost.p_value;
  boost::math::students_t dist(m.df);
  if (m.mean >= 0.0) {
    m.p_beyond = boost::math::cdf(boost::math::complement(dist, (m.mean - margin) / m.se));
  } else {
    m.p_beyond = boost::math::cdf(dist, (m.mean + margin) / m.se);
  }
  return m;
}

struct WidthTrend {
  std::vector<std::size_t> widths;
  std::vector<MeanTest> gaps;
  double slope = 0.0, slope_se = 0.0;  // change of the gap per doubling of n (weighted LS)
  double p_equivalent = 1.0;           // IUT: equivalent at every width >= 256
  double p_beyond = 1.0;               // IUT: beyond the margin at the largest width and diverging
  bool any_excluded = false;
};

inline WidthTrend trend_test(const std::vector<std::size_t>& widths, const std::vector<MeanTest>& gaps) {
  WidthTrend t;
  t.widths = widths;
  t.gaps = gaps;
  double sw = 0.0, swx = 0.0, swy = 0.0;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    const double w = 1.0 / std::max(gaps[i].se * gaps[i].se, 1e-300);
    const double x = std::log2(static_cast<double>(widths[i]));
    sw += w;
    swx += w * x;
    swy += w * gaps[i].mean;
    t.any_excluded = t.any_excluded || gaps[i].excluded > 0;
  }
  const double xbar = swx / sw, ybar = swy / sw;
  double sxx = 0.0, sxy = 0.0;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    const double w = 1.0 / std::max(gaps[i].se * gaps[i].se, 1e-300);
    const double x = std::log2(static_cast<double>(widths[i]));
    sxx += w * (x - xbar) * (x - xbar);
    sxy += w * (x - xbar) * (gaps[i].mean - ybar);
  }
  t.slope = sxy / sxx;
  t.slope_se = std::sqrt(1.0 / sxx);
  t.p_equivalent = 0.0;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    if (widths[i] >= kPaperWidth) t.p_equivalent = std::max(t.p_equivalent, gaps[i].p_equivalent);
  }
  const MeanTest& last = gaps.back();
  const double sign = last.mean >= 0.0 ? 1.0 : -1.0;
  boost::math::normal z;
  const double p_diverging = boost::math::cdf(boost::math::complement(z, sign * t.slope / t.slope_se));
  t.p_beyond = std::max(last.p_beyond, p_diverging);
  return t;
}

inline std::string fmt_p(double p) { return p < 1e-300 ? std::string("< 1e-300") : format_sig(p, 3); }

inline std::string interval(double lo, double hi, int digits = 4) {
  return str_cat("[", format_sig(lo, digits), ", ", format_sig(hi, digits), "]");
}

// "mean [90% interval]" with 3 significant digits, the cell of the fixed-depth tables.
inline std::string gap_cell(const MeanTest& m) { return str_cat(format_sig(m.mean, 3), " ", interval(m.ci_low, m.ci_high, 3)); }

// The gaps of a trend, "g (n = 128), g (n = 256), ...".
inline std::string trend_gaps_text(const WidthTrend& t) {
  std::string out;
  for (std::size_t k = 0; k < t.widths.size(); ++k) {
    out += str_cat(k ? ", " : "", format_sig(t.gaps[k].mean, 2), " (n = ", t.widths[k], ")");
  }
  return out;
}

// ", a change of <slope> [90% interval] per doubling of n (90%): <reading>", where the reading
// says whether the gap shrinks, grows (in the words `grows`) or neither is shown.
inline std::string trend_change_text(const WidthTrend& t, const std::string& grows) {
  const double z90 = boost::math::quantile(boost::math::normal(), 1.0 - kAlpha);
  const double lo = t.slope - z90 * t.slope_se;
  const double hi = t.slope + z90 * t.slope_se;
  const bool positive = t.gaps.back().mean >= 0.0;
  std::string how = "the data do not show whether the remaining gap closes";
  if ((positive && hi < 0.0) || (!positive && lo > 0.0)) how = "the gap shrinks as n grows";
  if ((positive && lo > 0.0) || (!positive && hi < 0.0)) how = grows;
  return str_cat(", a change of ", format_sig(t.slope, 2), " ", interval(lo, hi, 2), " per doubling of n (90%): ", how);
}

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

inline std::string rate_detail_text(std::size_t curve_depth) {
  return str_cat("per-layer slope of log||J^B_l|| - log||J^iid_l|| over l = 1..", curve_depth,
                 ", n = 256, paired replicates");
}
inline std::string gap_detail_text() {
  return str_cat("log||J^B|| - log||J^iid|| at L = ", kFixedDepth, ", n = 256, paired replicates");
}

// A check whose verdict is decided after the multiplicity correction of its family.
enum class Family { claim, supporting, control };
struct Pending {
  std::size_t check = 0;
  Family family = Family::claim;
  double p_equivalent = 1.0;
  double p_beyond = 1.0;
  bool any_excluded = false;
  bool inverted = false;  // the paper's statement is "not the same" (confirmed by p_beyond)
  // For the controls' power analysis: the test's statistics.
  std::optional<MeanTest> mean;
  std::optional<WidthTrend> trend;
  double margin = 0.0;
  // Inverted (direction) checks: the pre-declared replication of the same test on the fresh
  // streams "<part>/replication", run only when the first test would refute.
  std::function<MeanTest()> replicate;
};

// Predicted probability that a control misbehaves on one master seed (rule 4 of the decision
// rule, validation/README.md), from its standard errors: a positive control (true difference
// 0 by construction: two independent iid samples) misses when its 90% interval reaches past the
// margin; a trend control when that happens at any width >= 256 (the intersection-union test).
// A planted violation misses when its interval is not wholly beyond the margin (the estimate as
// plug-in for the planted effect) or, for a trend, also when the one-sided z test of a growing
// gap does not reject.
inline double control_miss_rate(const Pending& pd, CheckRole role) {
  const bool positive = role == CheckRole::positive_control;
  const Verdict expected = positive ? Verdict::confirmed : Verdict::refuted;
  auto one = [&](const MeanTest& m, double margin) {
    if (!(m.se > 0.0)) return (positive ? std::abs(m.mean) < margin : std::abs(m.mean) > margin) ? 0.0 : 1.0;
    return margin_test_miss_rate(positive ? 0.0 : m.mean, m.se, margin, expected, kAlpha);
  };
  if (pd.mean) return one(*pd.mean, pd.margin);
  if (!pd.trend) return 1.0;
  const WidthTrend& t = *pd.trend;
  if (positive) {
    double all = 1.0;
    for (std::size_t i = 0; i < t.widths.size(); ++i) {
      if (t.widths[i] >= kPaperWidth) all *= 1.0 - one(t.gaps[i], pd.margin);
    }
    return std::clamp(1.0 - all, 0.0, 1.0);
  }
  const double sign = t.gaps.back().mean >= 0.0 ? 1.0 : -1.0;
  const double diverging = t.slope_se > 0.0 ? z_test_power(sign * t.slope / t.slope_se, kAlpha, false) : 0.0;
  return std::clamp(1.0 - (1.0 - one(t.gaps.back(), pd.margin)) * diverging, 0.0, 1.0);
}

// The checks of a report whose verdicts wait for the multiplicity correction (decide()).
struct PendingChecks {
  Report& report;
  std::vector<Pending> pending;

  void add_mean(std::string name, CheckRole role, Family family, const MeanTest& m, double margin, std::string detail,
                bool inverted = false, std::function<MeanTest()> replicate = {}) {
    Check c;
    c.name = std::move(name);
    c.role = role;
    // "Same rate/norm as iid" is an approximate claim (margin rule); "not stable" a claim of a
    // non-equivalence, a direction: |difference| beyond the declared minimal effect (the margin).
    c.kind = inverted ? ClaimKind::direction : ClaimKind::approximate;
    c.estimate = m.mean;
    c.ci_low = m.ci_low;
    c.ci_high = m.ci_high;
    c.p_value = std::min(m.p_equivalent, m.p_beyond);
    c.margin = margin;
    c.detail = str_cat(detail, "; N = ", m.used, " pairs",
                       m.excluded ? str_cat(", ", m.excluded, " with a dead network excluded") : "", "; SE ",
                       format_sig(m.se, 3), "; p(equivalent) ", fmt_p(m.p_equivalent), ", p(beyond margin) ",
                       fmt_p(m.p_beyond));
    report.checks.push_back(c);
    Pending pd;
    pd.check = report.checks.size() - 1;
    pd.family = family;
    pd.p_equivalent = m.p_equivalent;
    pd.p_beyond = m.p_beyond;
    pd.any_excluded = m.excluded > 0;
    pd.inverted = inverted;
    pd.mean = m;
    pd.margin = margin;
    pd.replicate = std::move(replicate);
    pending.push_back(std::move(pd));
  }

  void add_trend(std::string name, CheckRole role, Family family, const WidthTrend& t, std::string what) {
    Check c;
    c.name = std::move(name);
    c.role = role;
    c.kind = ClaimKind::approximate;  // a limit: lim A = lim B within the margin
    boost::math::normal z;
    const double q = boost::math::quantile(z, 1.0 - kAlpha);
    c.estimate = t.slope;
    c.ci_low = t.slope - q * t.slope_se;
    c.ci_high = t.slope + q * t.slope_se;
    c.p_value = std::min(t.p_equivalent, t.p_beyond);
    c.margin = kMarginGap;
    std::string per;
    for (std::size_t i = 0; i < t.widths.size(); ++i) {
      per += str_cat(i ? "; " : "", "n=", t.widths[i], ": ", format_sig(t.gaps[i].mean, 3), " ",
                     interval(t.gaps[i].ci_low, t.gaps[i].ci_high, 3));
    }
    c.detail = str_cat(what, "; estimate: change of the L=", kFixedDepth,
                       " log-norm gap per doubling of n (weighted LS, 90% interval); gaps: ", per,
                       "; p(equivalent at every n >= 256) ", fmt_p(t.p_equivalent),
                       ", p(beyond the margin at the largest n and diverging) ", fmt_p(t.p_beyond));
    report.checks.push_back(c);
    Pending pd;
    pd.check = report.checks.size() - 1;
    pd.family = family;
    pd.p_equivalent = t.p_equivalent;
    pd.p_beyond = t.p_beyond;
    pd.any_excluded = t.any_excluded;
    pd.trend = t;
    pd.margin = kMarginGap;
    pending.push_back(std::move(pd));
  }

  // The positive controls: a second, independent iid sample against the first, by the same
  // procedures (rate on the depth curves, gap at L = 10 at n = 256, trend over the widths).
  void add_iid_controls(const Run& iid_curve, const Run& iid2_curve, const Run& iid_fixed, const Run& iid2_fixed,
                        const WidthTrend& control_trend, const std::string& rate_detail, const std::string& gap_detail) {
    add_mean("control: independent iid sample, same depth rate", CheckRole::positive_control, Family::control,
             mean_test(rate_sample(iid2_curve, 0.0, iid_curve), kMarginRate), kMarginRate,
             str_cat(rate_detail, " (two independent iid samples)"));
    add_mean("control: independent iid sample, same norm at L=10", CheckRole::positive_control, Family::control,
             mean_test(gap_sample(iid2_fixed, 0.0, iid_fixed, kFixedDepth), kMarginGap), kMarginGap,
             str_cat(gap_detail, " (two independent iid samples)"));
    add_trend("control: independent iid sample, gap -> 0 as n grows", CheckRole::positive_control, Family::control,
              control_trend, "two independent iid samples at each width");
  }

  // Multiplicity: Holm within the claim family and within the supporting family; controls are
  // judged at alpha each (their outcome is known in advance). Confirmation needs every replicate
  // alive (a dead network would be excluded, which could only flatter equivalence). The decision
  // rule is version 2 (validation/README.md): an approximate check is refuted only when its
  // interval lies wholly beyond the margin (p_beyond); an inverted (direction) check is refuted
  // only when equivalence is established and the replication on fresh streams establishes it
  // too, at the level the first test was judged at (replicated_rejection()). Each control gets
  // its predicted miss rate (control_miss_rate()).
  void decide() {
    for (Family fam : {Family::claim, Family::supporting, Family::control}) {
      std::vector<double> p;
      std::vector<std::size_t> idx;
      for (std::size_t k = 0; k < pending.size(); ++k) {
        if (pending[k].family == fam) {
          p.push_back(std::min(pending[k].p_equivalent, pending[k].p_beyond));
          idx.push_back(k);
        }
      }
      const std::vector<double> adj = fam == Family::control ? p : p_adjust_holm(p);
      for (std::size_t j = 0; j < idx.size(); ++j) {
        const Pending& pd = pending[idx[j]];
        Check& c = report.checks[pd.check];
        c.p_adjusted = adj[j];
        const bool equivalent = pd.p_equivalent <= pd.p_beyond;
        Verdict v = Verdict::inconclusive;
        if (adj[j] < kAlpha) {
          if (equivalent) {
            v = pd.inverted ? Verdict::refuted : (pd.any_excluded ? Verdict::inconclusive : Verdict::confirmed);
          } else {
            v = pd.inverted ? Verdict::confirmed : Verdict::refuted;
          }
        }
        if (pd.inverted && v == Verdict::refuted) {
          if (pd.replicate) {
            const MeanTest again = pd.replicate();
            c.replication_p = again.p_equivalent;
          }
          const bool replicated = replicated_rejection(*c.p_value, adj[j], c.replication_p, kAlpha);
          if (!replicated) v = Verdict::inconclusive;
          c.detail += c.replication_p ? str_cat("; replication on fresh streams: p(equivalent) ", fmt_p(*c.replication_p),
                                                replicated ? " (replicated)" : " (not replicated)")
                                      : std::string("; no replication: a refutation cannot count");
        }
        c.verdict = v;
        if (c.role == CheckRole::positive_control || c.role == CheckRole::planted_violation) {
          c.misbehave_rate = control_miss_rate(pd, c.role);
        }
      }
    }
  }
};

// The verdict of the checks whose names start with prefix: refuted if any is, confirmed if all
// are, else inconclusive.
inline Verdict verdict_of(const Report& report, const std::string& prefix) {
  bool all = true, any_ref = false;
  for (const auto& c : report.checks) {
    if (c.name.rfind(prefix, 0) != 0) continue;
    all = all && c.verdict == Verdict::confirmed;
    any_ref = any_ref || c.verdict == Verdict::refuted;
  }
  return any_ref ? Verdict::refuted : (all ? Verdict::confirmed : Verdict::inconclusive);
}

inline Verdict trend_verdict(const Trend& t) {
  return t.holds ? (*t.holds ? Verdict::confirmed : Verdict::refuted) : Verdict::inconclusive;
}

// Widths at which the closed-form hypotheses of Thm 3.1 are followed.
inline std::vector<std::size_t> hypothesis_widths() { return {128, 256, 512, 1024, 4096, 16384, 65536, 1u << 20}; }

// ---------------------------------------------------------------------------------------
// Depth-curve tables and figures
// ---------------------------------------------------------------------------------------

// Mean over the live networks of log||J_l|| + l log b (-inf when all are dead).
inline double mean_log_norm_at(const Run& run, double log_b, std::size_t l) {
  double s = 0.0;
  std::size_t k = 0;
  for (const auto& v : run.log_norm) {
    if (std::isfinite(v[l - 1])) {
      s += v[l - 1] + static_cast<double>(l) * log_b;
      ++k;
    }
  }
  return k ? s / static_cast<double>(k) : -std::numeric_limits<double>::infinity();
}

// The table of the depth curves at n = 256; `lead` names the columns before the mean log-norms.
inline Table curve_table(std::vector<std::string> lead, std::size_t curve_reps, std::size_t curve_depth) {
  Table t;
  t.caption = str_cat("Depth curves at n = 256 (", curve_reps, " paired replicates, depth 1..", curve_depth,
                      "): mean log||J_1|| and the per-layer rate against iid, each scale option");
  t.header = std::move(lead);
  for (std::string h : {std::string("mean log||J|| at L=10"), str_cat("at L=", curve_depth / 2), str_cat("at L=", curve_depth),
                        std::string("rate vs iid (per layer)"), std::string("90% interval"), std::string("dead networks")}) {
    t.header.push_back(std::move(h));
  }
  return t;
}

// A row of the depth-curve table: lead, mean log||J|| + l log b at l = 10, depth/2 and depth,
// the rate and its interval (as given), the number of dead networks.
inline std::vector<std::string> curve_row(std::vector<std::string> lead, const Run& run, double log_b,
                                          std::size_t curve_depth, std::string rate, std::string ci) {
  std::vector<std::string> row = std::move(lead);
  row.push_back(format_fixed(mean_log_norm_at(run, log_b, 10), 3));
  row.push_back(format_fixed(mean_log_norm_at(run, log_b, curve_depth / 2), 3));
  row.push_back(format_fixed(mean_log_norm_at(run, log_b, curve_depth), 3));
  row.push_back(std::move(rate));
  row.push_back(std::move(ci));
  row.push_back(std::to_string(run.dead()));
  return row;
}

// The iid and independent-iid rows of the depth-curve table; `blank` fills the columns between
// the rule and the mean log-norms.
// `iid_curve_ctrl` is iid_curve continued to the control's size (the control's comparator).
inline void add_iid_curve_rows(Table& t, const Run& iid_curve, const Run& iid_curve_ctrl, const Run& iid2_curve,
                               std::size_t curve_depth, const std::vector<std::string>& blank) {
  auto lead = [&](std::string rule) {
    std::vector<std::string> l = {"-", std::move(rule)};
    l.insert(l.end(), blank.begin(), blank.end());
    return l;
  };
  t.rows.push_back(curve_row(lead("iid"), iid_curve, 0.0, curve_depth, "0", "-"));
  const MeanTest ctl = mean_test(rate_sample(iid2_curve, 0.0, iid_curve_ctrl), kMarginRate);
  t.rows.push_back(curve_row(lead("iid (independent sample)"), iid2_curve, 0.0, curve_depth, format_sig(ctl.mean, 3),
                             interval(ctl.ci_low, ctl.ci_high, 3)));
}

// Figure block `iid`: the geometric mean of ||J_1|| of the iid curve against depth.
inline void add_iid_block(Figure& fig, const Run& iid_curve, std::size_t curve_depth) {
  auto& iid_rows = fig.block("iid");
  for (std::size_t l = 1; l <= curve_depth; ++l) {
    double s = 0.0;
    for (const auto& v : iid_curve.log_norm) s += v[l - 1];
    iid_rows.push_back({static_cast<double>(l), std::exp(s / static_cast<double>(iid_curve.log_norm.size()))});
  }
}

// Figure block `name`: depth, then the geometric mean of ||J_1|| over the live networks of run
// scaled by each option of kRules (log b of an option given by log_b).
inline void add_scaled_block(Figure& fig, const std::string& name, const Run& run, std::size_t curve_depth,
                             const std::function<double(Rule)>& log_b) {
  auto& rows = fig.block(name);
  for (std::size_t l = 1; l <= curve_depth; ++l) {
    double s = 0.0;
    std::size_t k = 0;
    for (const auto& v : run.log_norm) {
      if (std::isfinite(v[l - 1])) {
        s += v[l - 1];
        ++k;
      }
    }
    const double base = k ? s / static_cast<double>(k) : -std::numeric_limits<double>::infinity();
    std::vector<double> row = {static_cast<double>(l)};
    for (Rule r : kRules) row.push_back(std::exp(base + static_cast<double>(l) * log_b(r)));
    rows.push_back(row);
  }
}

// The widths of the fixed-depth runs, "128,256,..." (the parameters' entry).
inline std::string join_widths(const std::vector<std::size_t>& widths) {
  std::string s;
  for (std::size_t k = 0; k < widths.size(); ++k) s += str_cat(k ? "," : "", widths[k]);
  return s;
}
// The widths with their replicate counts, "128 (160 pairs), 256 (100 pairs), ...".
inline std::string widths_with_pairs(const std::vector<std::size_t>& widths,
                                     const std::function<std::size_t(std::size_t)>& reps) {
  std::string s;
  for (std::size_t k = 0; k < widths.size(); ++k) s += str_cat(k ? ", " : "", widths[k], " (", reps(widths[k]), " pairs)");
  return s;
}

// The figure of both programs: a 2 x 3 multiplot.
inline Figure depth_panels_figure() {
  Figure fig;
  fig.width_px = 1500;
  fig.height_px = 950;
  return fig;
}

// The start of both figures' scripts: a 2 x 3 multiplot whose first panels are depth curves on
// a log scale.
inline constexpr const char* kDepthPanelsPreamble =
    "set multiplot layout 2,3\n"
    "set logscale y\nset format y '10^{%L}'\nset xlabel 'depth L'\nset ylabel '||J_1|| (geometric mean)'\n"
    "set key left bottom font ',10'\n";
// The margin lines of the gap panels, followed by the plot's curves.
inline constexpr const char* kGapMarginPlot =
    "plot 0.0953 with lines lt 7 dt 2 title 'margin', -0.0953 with lines lt 7 dt 2 notitle, ";

}  // namespace magnitude_pruning
}  // namespace jacstab
