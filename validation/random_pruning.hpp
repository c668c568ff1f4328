// Shared by t41-random-pruning and t41-edge: the networks both programs sample (random pruning
// against iid at the edge of chaos, Fashion-MNIST input), the sampling of one network, and the
// interval rule by which both judge a parameter against an equivalence band, with Holm over
// the claim checks.
#pragma once

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jacstab/ensembles.hpp"
#include "jacstab/experiment.hpp"
#include "jacstab/format.hpp"
#include "jacstab/jacobian.hpp"
#include "jacstab/mlp.hpp"
#include "jacstab/report.hpp"
#include "jacstab/stats.hpp"

namespace jacstab {
namespace random_pruning {

// Declared before any result existed; never changed to move a verdict.
inline constexpr double kAlpha = 0.05;
inline constexpr double kSigma2 = 2.0;  // the edge of chaos, as in Fig. 2

// ---------------------------------------------------------------------------------------
// Sampling
// ---------------------------------------------------------------------------------------

struct Chain {
  // log||J_1|| at depth 1..L (index L-1) with prefix norms, else the single full-depth value;
  // -inf once the network is dead
  std::vector<double> log_norm;
  double active = 0.0;  // mean active fraction of D_1..D_L
  double kept = 0.0;    // mean kept fraction of W_1..W_L
};

inline EnsembleParams iid_params() { return iid_ensemble(kSigma2); }

inline EnsembleParams prune_params(double s, ScaleRule rule) { return random_prune_ensemble(s, rule, kSigma2); }

// One network of width n and the given depth, drawn from the stream (part, r).
inline Chain sample_chain(const ExperimentContext& ctx, const std::string& part, std::size_t r, std::size_t n,
                          std::size_t depth, const EnsembleParams& params, bool prefix) {
  const MlpConfig config = mlp_config(n, depth, params, InputKind::fashion_mnist);
  Engine engine = ctx.engine(part, r);
  SampleOptions options;
  options.prefix_norms = prefix;
  // Lanczos for the prefix norms (rel. tolerance 1e-10): the same numbers as the SVD at a
  // third less cost at n = 128; the full-depth norm uses the library's automatic choice.
  if (prefix) options.method = NormMethod::iterative;
  const SampleRecord rec = sample_jacobian_norm(config, engine, options);
  Chain c;
  if (prefix) {
    for (const auto& p : rec.prefix) c.log_norm.push_back(p.log_norm);
  } else {
    c.log_norm.push_back(rec.norm.log_norm);
  }
  for (std::size_t l = 1; l < rec.active_fraction.size(); ++l) c.active += rec.active_fraction[l];
  c.active /= static_cast<double>(rec.active_fraction.size() - 1);
  const double n2 = static_cast<double>(n) * static_cast<double>(n);
  for (auto k : rec.kept) c.kept += static_cast<double>(k) / n2;
  c.kept /= static_cast<double>(std::max<std::size_t>(rec.kept.size(), 1));
  return c;
}

// ---------------------------------------------------------------------------------------
// The interval rule
// ---------------------------------------------------------------------------------------

inline std::string interval_text(double lo, double hi, int digits = 3) {
  return str_cat("[", format_sig(lo, digits), ", ", format_sig(hi, digits), "]");
}

// What a statement asserts about a parameter theta relative to the band (lo, hi).
enum class Assert { inside, outside };

struct Judgement {
  bool estimate_inside = true;
  Assert asserts = Assert::inside;
  // Direction checks (rule 2 of validation/README.md, "The decision rule (version 2)"): the
  // pre-declared replication of the test that would refute, on the fresh streams
  // (seed, "<claim>/<part>/replication", r), of the same size; it returns the replication's p
  // of the refuting direction and runs only when the first test rejected (after Holm).
  std::function<double()> replicate;
};

// The rule a check is judged by: a statement that a parameter lies inside its band is an
// approximate claim (margin rule); one that it lies outside ("departs", "is not stable") is a
// claim of a direction against a declared minimal effect, the band's edge.
inline ClaimKind kind_of(Assert asserts) {
  return asserts == Assert::inside ? ClaimKind::approximate : ClaimKind::direction;
}

// p-value of the one-sided test that theta lies beyond the band on the estimate's side
// (H0: lo <= theta <= hi), from the TOST statistics.
inline double p_outside(const EquivalenceTestResult& t) {
  const bool above = t.estimate > t.upper_margin;
  const double stat = above ? t.statistic_upper : t.statistic_lower;
  if (t.df) {
    boost::math::students_t dist(*t.df);
    return above ? boost::math::cdf(boost::math::complement(dist, stat)) : boost::math::cdf(dist, stat);
  }
  boost::math::normal dist;
  return above ? boost::math::cdf(boost::math::complement(dist, stat)) : boost::math::cdf(dist, stat);
}

// With the (1 - 2 alpha) interval of theta:
//  * inside the band   -> TOST equivalence at level alpha (p = TOST p);
//  * outside the band  -> the one-sided test of "beyond the band" rejects "inside" at alpha;
//  * otherwise         -> undecided.
// A statement asserting "inside" is confirmed in the first case and refuted in the second; a
// statement asserting "outside" the reverse. p_value holds the p of the decisive direction
// (TOST p when the estimate is inside the band, the outside p otherwise), so that a Holm
// adjustment applies to whichever decision the check can make.
inline Verdict verdict_from(bool inside, Assert asserts, double p) {
  if (!(p < kAlpha)) return Verdict::inconclusive;
  const bool holds = inside == (asserts == Assert::inside);
  return holds ? Verdict::confirmed : Verdict::refuted;
}

inline Check judge(const std::string& name, CheckRole role, const EquivalenceTestResult& t, Assert asserts,
                   Judgement& j, const std::string& detail) {
  Check c;
  c.name = name;
  c.role = role;
  c.estimate = t.estimate;
  c.ci_low = t.ci.low;
  c.ci_high = t.ci.high;
  c.margin = t.upper_margin;
  j.estimate_inside = t.estimate > t.lower_margin && t.estimate < t.upper_margin;
  j.asserts = asserts;
  c.kind = kind_of(asserts);
  c.p_value = j.estimate_inside ? t.p_value : p_outside(t);
  c.verdict = verdict_from(j.estimate_inside, asserts, *c.p_value);
  c.detail = str_cat(detail, "; ", j.estimate_inside ? "TOST p" : "p(beyond the band)", " = ",
                     format_sig(*c.p_value, 3), ", 90% interval ", interval_text(t.ci.low, t.ci.high));
  return c;
}

// The checks of one report, with the judgement behind each claim check that has a p-value, so
// that holm() can Holm-adjust those p-values and re-derive the claim verdicts from them.
class ClaimChecks {
 public:
  explicit ClaimChecks(Report& report) : report_(report) {}

  void add(Check c, const Judgement& j) {
    report_.add_check(std::move(c));
    if (report_.checks.back().role == CheckRole::claim && report_.checks.back().p_value) {
      claim_meta_.push_back({report_.checks.size() - 1, j});
    }
  }

  // Holm over the claim checks; verdicts from the adjusted p. A direction check's refutation
  // counts only when its replication rejects too, at the level the first test was judged at
  // (replicated_rejection()); otherwise it is inconclusive.
  void holm() {
    std::vector<Check*> ptrs;
    for (const auto& [idx, j] : claim_meta_) ptrs.push_back(&report_.checks[idx]);
    holm_adjust(ptrs);
    for (const auto& [idx, j] : claim_meta_) {
      Check& c = report_.checks[idx];
      c.verdict = verdict_from(j.estimate_inside, j.asserts, *c.p_adjusted);
      if (c.kind == ClaimKind::direction && c.verdict == Verdict::refuted) {
        if (j.replicate) c.replication_p = j.replicate();
        const bool replicated = replicated_rejection(*c.p_value, *c.p_adjusted, c.replication_p, kAlpha);
        if (!replicated) c.verdict = Verdict::inconclusive;
        c.detail += c.replication_p
                        ? str_cat("; the refutation's replication on fresh streams: p = ", format_sig(*c.replication_p, 3),
                                  replicated ? " (replicated)" : " (not replicated)")
                        : std::string("; no replication available: a refutation cannot count");
      }
    }
  }

 private:
  Report& report_;
  std::vector<std::pair<std::size_t, Judgement>> claim_meta_;  // check index, judgement
};

}  // namespace random_pruning
}  // namespace jacstab
