// Unit tests for jacstab/hypotheses.hpp: the theorems' hypotheses at finite width.
//
// Three kinds of check:
//  * closed-form spot values (log^4(n)/n, t_max(n), the printed factor's S_n, the implied
//    top-r threshold, the correlation bounds of Thm 5.1) against mpmath; the command that
//    reproduces each table is written above it;
//  * each closed form of S_n = (1/2) n E|b w|^2 against an independent Monte Carlo with the
//    Ensemble sampler, and the top-r Monte Carlo against the deterministic-threshold closed
//    form at the implied t;
//  * the trend rules on synthetic sequences, the invariants every report keeps (no NaN, an
//    undefined value always has a note, asymptotic conditions are not decided at one width)
//    and the argument errors.
//
// Monte-Carlo checks use fixed seeds and a tolerance of 4.5 standard errors (plus, for the
// top-r against threshold comparison, an explicit allowance for the bias between the two
// models). For an asymptotically normal statistic a correct implementation fails one check
// with probability 2 Phi(-4.5) = 6.8e-6; this file has about 25 of them (~2e-4 at a fresh
// seed). EXPECT_NEAR prints the expected value, the computed value, the distance and the
// tolerance.
#include "jacstab/hypotheses.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <armadillo>

#include "jacstab/ensembles.hpp"
#include "jacstab/rng.hpp"
#include "test_support.hpp"

namespace {

using jacstab::Condition;
using jacstab::Ensemble;
using jacstab::EnsembleKind;
using jacstab::EnsembleParams;
using jacstab::HypothesesOptions;
using jacstab::HypothesisReport;
using jacstab::Relation;
using jacstab::ScaleRule;
using jacstab::Theorem;
using jacstab::Trend;

constexpr std::uint64_t kSeed = 0x4e7e5e5ULL;
constexpr double kZ = 4.5;  // tolerance in standard errors (false-failure rate 6.8e-6)

EnsembleParams params(EnsembleKind kind) {
  EnsembleParams p;
  p.kind = kind;
  return p;
}
EnsembleParams prune(double s, ScaleRule scale = ScaleRule::none) {
  EnsembleParams p = params(EnsembleKind::random_prune);
  p.sparsity = s;
  p.scale = scale;
  return p;
}
EnsembleParams threshold(double t, ScaleRule scale = ScaleRule::none) {
  EnsembleParams p = params(EnsembleKind::magnitude_threshold);
  p.threshold = t;
  p.scale = scale;
  return p;
}
EnsembleParams topr(double c, ScaleRule scale = ScaleRule::none) {
  EnsembleParams p = params(EnsembleKind::magnitude_topr);
  p.topr_c = c;
  p.scale = scale;
  return p;
}
EnsembleParams dependent(double eta) {
  EnsembleParams p = params(EnsembleKind::dependent);
  p.eta = eta;
  return p;
}

const Condition& get(const HypothesisReport& r, const std::string& name) {
  const Condition* c = r.find(name);
  if (!c) throw std::logic_error("no condition '" + name + "' in Thm " + std::string(to_string(r.theorem)));
  return *c;
}

double value(const HypothesisReport& r, const std::string& name) {
  const Condition& c = get(r, name);
  if (!c.value) throw std::logic_error("condition '" + name + "' has no value: " + c.note);
  return *c.value;
}

/// Independent Monte Carlo of S_n = (1/2) sum_k E|b_ik w_ik|^2: the per-matrix average of
/// the row sums over `reps` draws; returns {mean, standard error}.
std::pair<double, double> monte_carlo_row_sum(const EnsembleParams& p, std::size_t n, std::size_t reps,
                                              std::uint64_t seed) {
  const Ensemble e(p);
  std::vector<double> per;
  for (std::size_t r = 0; r < reps; ++r) {
    jacstab::Engine engine = jacstab::stream(seed, "test_hypotheses", r);
    const jacstab::LayerSample s = e.sample(n, n, engine);
    per.push_back(0.5 * arma::accu(arma::square(s.weights)) / static_cast<double>(n));
  }
  double m = 0.0;
  for (double v : per) m += v;
  m /= static_cast<double>(reps);
  double ss = 0.0;
  for (double v : per) ss += (v - m) * (v - m);
  return {m, std::sqrt(ss / static_cast<double>(reps - 1) / static_cast<double>(reps))};
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Closed-form spot values
// ---------------------------------------------------------------------------------------

// /usr/bin/python3 -c "from mpmath import *; mp.dps=30; [print(n, log(n)**4/n,
//   sqrt((4*log(n)-7*log(log(n)))/n)) for n in (256,1024,4096)]"
TEST(HypothesesClosedForms, Log4OverNAndTmax) {
  struct Row { double n, log4, tmax; };
  const Row rows[] = {{256, 3.69336157732933523, 0.199513171462036646},
                      {1024, 2.25424900960042433, 0.117648601243374757},
                      {4096, 1.16860268657685998, 0.0671007953669347331}};
  for (const Row& r : rows) {
    EXPECT_NEAR(jacstab::log4_over_n(r.n), r.log4, 1e-13 * r.log4) << "n = " << r.n;
    const auto tmax = jacstab::magnitude_threshold_bound(r.n, 7.0);
    ASSERT_TRUE(tmax.has_value());
    EXPECT_NEAR(*tmax, r.tmax, 1e-14) << "n = " << r.n;
  }
  // Empty where the radicand is not positive (c = 4c' = 23.5 for topr c = 10, n = 100).
  EXPECT_FALSE(jacstab::magnitude_threshold_bound(100.0, 23.5).has_value());
  EXPECT_FALSE(jacstab::magnitude_threshold_bound(1.0, 7.0).has_value());
}

// Where log^4(n)/n crosses 1 (the Thm 4.1 note "for every 5 <= n <= 5503"):
// /usr/bin/python3 -c "from mpmath import *; [print(n, log(n)**4/n) for n in (4,5,5503,5504)]"
//   -> 0.9233, 1.3419, 1.0000647, 0.9999674
TEST(HypothesesClosedForms, Log4OverNExceedsOneExactlyFrom5To5503) {
  EXPECT_LT(jacstab::log4_over_n(4), 1.0);
  EXPECT_GT(jacstab::log4_over_n(5), 1.0);
  EXPECT_GT(jacstab::log4_over_n(5503), 1.0);
  EXPECT_LT(jacstab::log4_over_n(5504), 1.0);
}

// /usr/bin/python3 -c "from mpmath import *; mp.dps=40; tsm=lambda a: 2*a*npdf(a)+erfc(a/sqrt(2));
//   [print(a, log(tsm(mpf(a))), log(erfc(mpf(a)/sqrt(2)))) for a in (30,50,100)]"
TEST(HypothesesClosedForms, LogTruncatedMomentAndTailWithoutUnderflow) {
  struct Row { double a, log_tsm, log_tail; };
  const Row rows[] = {{30, -446.823484705808984, -453.628096775783252},
                      {50, -1246.31336858693975, -1254.13821395885996},
                      {100, -4995.62052118165230, -5004.83106151364514}};
  for (const Row& r : rows) {
    EXPECT_NEAR(jacstab::log_truncated_second_moment(r.a), r.log_tsm, 1e-10 * std::abs(r.log_tsm));
    EXPECT_NEAR(jacstab::log_gaussian_two_sided_tail(r.a), r.log_tail, 1e-10 * std::abs(r.log_tail));
  }
  // Continuous across the switch to the Mills-ratio expansion at a = 25, and equal to the
  // direct formula below it.
  for (double a : {0.0, 0.5, 2.0, 10.0, 24.999}) {
    EXPECT_NEAR(jacstab::log_truncated_second_moment(a), std::log(jacstab::truncated_second_moment(a)),
                1e-12 * std::max(1.0, std::abs(std::log(jacstab::truncated_second_moment(a)))));
  }
  const double below = jacstab::log_truncated_second_moment(24.9999999);
  const double above = jacstab::log_truncated_second_moment(25.0);
  EXPECT_NEAR(below, above, 1e-5);
  EXPECT_NEAR(jacstab::log_gaussian_two_sided_tail(24.9999999), jacstab::log_gaussian_two_sided_tail(25.0),
              1e-5);
}

TEST(HypothesesClosedForms, LogScaleFactorMatchesTheEnsemble) {
  std::vector<EnsembleParams> all = {params(EnsembleKind::iid), dependent(0.3),
                                     params(EnsembleKind::surrogate)};
  for (auto rule : {ScaleRule::none, ScaleRule::inverse_sqrt, ScaleRule::theorem,
                    ScaleRule::variance_matched}) {
    all.push_back(prune(0.9, rule));
    all.push_back(threshold(0.15, rule));
    all.push_back(topr(2.0, rule));
    EnsembleParams q = params(EnsembleKind::magnitude_topr);
    q.sparsity = 0.8;
    q.scale = rule;
    all.push_back(q);
  }
  for (const EnsembleParams& p : all) {
    for (std::size_t n : {16u, 256u, 1000u}) {
      const Ensemble e(p);
      const auto lb = jacstab::log_scale_factor(p, n);
      ASSERT_TRUE(lb.has_value()) << e.describe();
      EXPECT_NEAR(*lb, std::log(e.scale_factor(n, n)), 1e-12 * std::max(1.0, std::abs(*lb)))
          << e.describe() << " n = " << n;
    }
  }
  // Finite in the log domain where the factor itself overflows (n t^2 / 2 = 11796).
  const auto huge = jacstab::log_scale_factor(threshold(0.15, ScaleRule::theorem), 1u << 20);
  ASSERT_TRUE(huge.has_value());
  EXPECT_GT(*huge, 709.0);
  EXPECT_TRUE(std::isfinite(*huge));
}

// Thm 4.2 at t = 0.15 and Thm 4.3 at c = 2 (sigma2 = 2), reproduced by running these lines
// with /usr/bin/python3 (mpmath 1.x):
//   from mpmath import *; mp.dps=30
//   tsm=lambda a: 2*a*npdf(a)+erfc(a/sqrt(2)); b2=lambda t,n: sqrt(2*pi)*exp(n*t*t/2)/(t*n**1.5)
//   n=mpf(256); t=mpf(0.15); a=t*sqrt(n/2)
//   print(b2(t,n)*tsm(a), log(n)**4/n*b2(t,n), log(n)**4/n/tsm(a), erfc(a/sqrt(2)))
//   c=2; r=floor(n*log(n)**c); tt=2/sqrt(n)*erfinv(1-r/(n*n+1)); cp=(c+mpf(7)/4)/2
//   print(r, tt, 1-r/n**2, sqrt((4*log(n)-4*cp*log(log(n)))/n), b2(tt,n)*tsm(tt*sqrt(n/2)),
//         log(n)**4/n*b2(tt,n), log(n)**(-mpf(5)/8))
TEST(HypothesesClosedForms, Theorem42SpotValues) {
  const HypothesisReport r = jacstab::theorem_4_2_hypotheses(threshold(0.15), 256);
  const double s_printed = 0.0298345293100588008;
  EXPECT_NEAR(value(r, "(c) (ii) printed factor"), 1.0 - s_printed, 1e-13);
  EXPECT_NEAR(value(r, "(d) (i) printed factor"), 0.268428523086823158, 1e-13);
  EXPECT_NEAR(value(r, "(i) variance-matching factor"), 8.99724343887408604, 1e-12);
  EXPECT_NEAR(value(r, "kept fraction"), 0.0896860217703646316, 1e-15);
  EXPECT_NEAR(value(r, "(c) (ii) variance-matching factor"), 0.0, 1e-14);
  EXPECT_NEAR(value(r, "(b) n t^2"), 5.76, 1e-12);
  const Condition& a = get(r, "(a) t < t_max(n)");
  ASSERT_TRUE(a.bound.has_value());
  EXPECT_NEAR(*a.bound, 0.199513171462036646, 1e-14);
  EXPECT_EQ(a.holds, std::optional<bool>(true));

  // n = 4096, t = 0.2: S_n = 214815022371799.14, (i) = 2.11149887553889975e31.
  const HypothesisReport big = jacstab::theorem_4_2_hypotheses(threshold(0.2), 4096);
  EXPECT_NEAR(value(big, "(c) (ii) printed factor"), 214815022371799.14 - 1.0, 1e-10 * 2.148e14);
  EXPECT_NEAR(value(big, "(d) (i) printed factor"), 2.11149887553889975e31, 1e-10 * 2.11e31);
}

// t_max(548) = 0.15003 > 0.15 >= t_max(549) = 0.14992 (mpmath, as above).
TEST(HypothesesClosedForms, Theorem42ConditionAFailsFromTheReportedWidth) {
  EXPECT_EQ(get(jacstab::theorem_4_2_hypotheses(threshold(0.15), 548), "(a) t < t_max(n)").holds,
            std::optional<bool>(true));
  const Condition a = get(jacstab::theorem_4_2_hypotheses(threshold(0.15), 549), "(a) t < t_max(n)");
  EXPECT_EQ(a.holds, std::optional<bool>(false));
  EXPECT_NE(a.note.find("fails for every n >= 549"), std::string::npos) << a.note;
  // n = 2: log log n < 0, so a large c admits any t.
  EXPECT_EQ(get(jacstab::theorem_4_2_hypotheses(threshold(5.0), 2), "(a) t < t_max(n)").holds,
            std::optional<bool>(true));
}

// The printed factor gives S_n = b^2 E[N^2 1{N^2 > n t^2/2}] ~ sqrt(2) e^{n t^2/4}/n (sigma2 = 2):
// the ratio is tsm(a) / (2 a phi(a)) = 1 + R(a)/a with a^2 = n t^2/2, R the Mills ratio, so it
// lies in (1, 1 + 1/a^2) and tends to 1.
TEST(HypothesesClosedForms, PrintedFactorRowSumIsSqrt2ExpNt2Over4OverN) {
  double previous = std::numeric_limits<double>::infinity();
  for (auto [n, t] : {std::pair{256.0, 0.2}, {1024.0, 0.2}, {4096.0, 0.15}, {4096.0, 0.2}, {16384.0, 0.2}}) {
    const auto log_s = jacstab::log_row_second_moment(threshold(t, ScaleRule::theorem),
                                                      static_cast<std::size_t>(n));
    ASSERT_TRUE(log_s.has_value());
    const double log_asym = 0.5 * std::log(2.0) + n * t * t / 4.0 - std::log(n);
    const double excess = std::exp(*log_s - log_asym) - 1.0;
    const double a2 = n * t * t / 2.0;
    EXPECT_GT(excess, 0.0) << "n = " << n << ", t = " << t;
    EXPECT_LT(excess, 1.0 / a2) << "n = " << n << ", t = " << t;
    if (t == 0.2) {
      EXPECT_LT(excess, previous);
      previous = excess;
    }
  }
  // Under (a) (t just below t_max(n)), S_n -> 0, so (ii) with the printed factor tends to 1;
  // with the variance-matching factor it is exactly 0.
  double last_s = 1.0;
  for (double n : {1e3, 1e5, 1e7, 1e9}) {
    const double t = 0.999 * *jacstab::magnitude_threshold_bound(n, 7.0);
    const HypothesisReport r = jacstab::theorem_4_2_hypotheses(threshold(t), static_cast<std::size_t>(n));
    const double s = 1.0 - value(r, "(c) (ii) printed factor");
    EXPECT_GT(s, 0.0);
    EXPECT_LT(s, last_s) << "n = " << n;
    last_s = s;
    EXPECT_NEAR(value(r, "(c) (ii) variance-matching factor"), 0.0, 1e-12);
  }
  EXPECT_LT(last_s, 0.01);
}

TEST(HypothesesClosedForms, Theorem43SpotValues) {
  const HypothesisReport r = jacstab::theorem_4_3_hypotheses(topr(2.0), 256);
  EXPECT_EQ(value(r, "r <= n^2"), 7871.0);
  EXPECT_NEAR(value(r, "implied t"), 0.137386745827183804, 1e-14);
  EXPECT_NEAR(value(r, "implied sparsity"), 0.8798980712890625, 1e-15);
  EXPECT_NEAR(*get(r, "t <= t'(n)").bound, 0.190944866057607497, 1e-14);
  EXPECT_EQ(get(r, "t <= t'(n)").holds, std::optional<bool>(true));
  EXPECT_NEAR(value(r, "(ii) threshold model, printed factor"), 1.0 - 0.0244809442405679413, 1e-12);
  EXPECT_NEAR(value(r, "(i) threshold model, printed factor"), 0.184276094818213268, 1e-12);
  EXPECT_NEAR(value(r, "proof rate"), 0.342809497087488152, 1e-14);
  EXPECT_EQ(get(r, "c > 7/4").holds, std::optional<bool>(true));
  // n = 4096: r = 283382, t = 0.0527915841678509652, S_n = 0.00691325791714211777.
  HypothesesOptions quick;
  quick.max_monte_carlo_width = 1024;  // the Monte Carlo is tested below; skip it at n = 4096
  const HypothesisReport big = jacstab::theorem_4_3_hypotheses(topr(2.0), 4096, quick);
  EXPECT_EQ(value(big, "r <= n^2"), 283382.0);
  EXPECT_NEAR(value(big, "implied t"), 0.0527915841678509652, 1e-14);
  EXPECT_NEAR(value(big, "(ii) threshold model, printed factor"), 1.0 - 0.00691325791714211777, 1e-12);
  // r > n^2 (c = 10 at n = 16): t is undefined, said so, and nothing is NaN.
  const HypothesisReport bad = jacstab::theorem_4_3_hypotheses(topr(10.0), 16);
  EXPECT_EQ(get(bad, "r <= n^2").holds, std::optional<bool>(false));
  EXPECT_FALSE(get(bad, "implied t").value.has_value());
  EXPECT_NE(get(bad, "implied t").note.find("r > n^2"), std::string::npos);
  EXPECT_FALSE(get(bad, "(ii) top-r mask, printed factor").value.has_value());
}

// /usr/bin/python3 -c "from mpmath import *; mp.dps=30; n=mpf(256); q=n**-1.5/log(n);
//   qt=1/(n*log(n)**3); print(q, sqrt(q/(1-q)), qt, sqrt(qt/(1-qt)), sqrt(1/(n-1)))"
TEST(HypothesesClosedForms, Theorem51SpotValues) {
  const double eta = 1.0 / 128.0;
  const HypothesisReport r = jacstab::theorem_5_1_hypotheses(dependent(eta), 256);
  const double corr = eta * eta / (1.0 + eta * eta);
  EXPECT_NEAR(*get(r, "corr <= n^{-3/2}/log n").bound, 4.40275586208790102e-05, 1e-19);
  EXPECT_DOUBLE_EQ(value(r, "corr <= n^{-3/2}/log n"), corr);
  EXPECT_EQ(get(r, "corr <= n^{-3/2}/log n").holds, std::optional<bool>(false));  // 2^-7 > 2^-7.24
  EXPECT_NEAR(value(r, "largest eta"), 0.00663547263818825822, 1e-16);
  EXPECT_NEAR(value(r, "corr / (n^{-3/2}/log n)"), 1.38620975359098492, 1e-12);
  EXPECT_NEAR(*get(r, "Sec. 5 text bound").bound, 2.29093987057259021e-05, 1e-19);
  EXPECT_NE(get(r, "Sec. 5 text bound").note.find("0.00478643"), std::string::npos);
  EXPECT_NE(get(r, "Fig. 4 text bound").note.find("0.0626224"), std::string::npos);
  EXPECT_EQ(get(r, "Fig. 4 text bound").holds, std::optional<bool>(true));
  EXPECT_NEAR(value(r, "variance 2/n"), eta * eta, 1e-18);
  EXPECT_EQ(get(r, "variance 2/n").holds, std::optional<bool>(false));
  // eta = 2^-8 is within Thm 5.1's bound at n = 256.
  EXPECT_EQ(get(jacstab::theorem_5_1_hypotheses(dependent(1.0 / 256.0), 256), "corr <= n^{-3/2}/log n").holds,
            std::optional<bool>(true));
  // Equicorrelated: corr = rho, largest rho = the bound itself.
  EnsembleParams eq = params(EnsembleKind::equicorrelated);
  eq.rho = 1e-5;
  const HypothesisReport re = jacstab::theorem_5_1_hypotheses(eq, 256);
  EXPECT_DOUBLE_EQ(value(re, "corr <= n^{-3/2}/log n"), 1e-5);
  EXPECT_NEAR(value(re, "largest rho"), 4.40275586208790102e-05, 1e-19);
  EXPECT_EQ(value(re, "variance 2/n"), 0.0);
}

TEST(HypothesesClosedForms, Theorem41SpotValues) {
  const HypothesisReport r = jacstab::theorem_4_1_hypotheses(prune(0.9), 256);
  EXPECT_NEAR(value(r, "ratio log^4(n)/(n(1-s))"), 36.9336157732933523, 1e-11);
  EXPECT_NEAR(value(r, "(i) theorem factor"), 36.9336157732933523, 1e-11);
  EXPECT_NEAR(value(r, "(ii) theorem factor"), 0.0, 1e-14);
  EXPECT_NEAR(value(r, "(ii) --scale none"), 0.9, 1e-14);
  EXPECT_EQ(get(r, "1 - s >= log^4(n)/n").holds, std::optional<bool>(false));
  EXPECT_FALSE(get(r, "largest sparsity").value.has_value());
  EXPECT_NEAR(value(r, "edge of stability (Sec. 4.1 text)"), 0.00940718736449941235, 1e-16);
  // At n = 10^5, log^4(n)/n = 0.1756: s = 0.5 meets the finite-n reading.
  const HypothesisReport big = jacstab::theorem_4_1_hypotheses(prune(0.5), 100000);
  EXPECT_EQ(get(big, "1 - s >= log^4(n)/n").holds, std::optional<bool>(true));
  EXPECT_NEAR(value(big, "largest sparsity"), 1.0 - jacstab::log4_over_n(1e5), 1e-15);
  // With a scale rule, no "--scale none" items.
  EXPECT_EQ(jacstab::theorem_4_1_hypotheses(prune(0.9, ScaleRule::inverse_sqrt), 256).find("(ii) --scale none"),
            nullptr);
}

TEST(HypothesesClosedForms, Theorem31AssumptionSetsPerKind) {
  const HypothesisReport iid = jacstab::theorem_3_1_hypotheses(params(EnsembleKind::iid), 256);
  EXPECT_EQ(get(iid, "(A1)-iii independence").holds, std::optional<bool>(true));
  EXPECT_EQ(value(iid, "(ii') as printed"), 1.0);  // (2/n) * n - 1 with B = 1
  EXPECT_EQ(value(iid, "(ii') as in the proof"), 0.0);
  EXPECT_EQ(value(iid, "(iii)"), 0.0);
  EXPECT_NEAR(value(iid, "(i)/(i')"), 3.69336157732933523, 1e-13);

  const HypothesisReport tr = jacstab::theorem_3_1_hypotheses(topr(2.0, ScaleRule::theorem), 64);
  EXPECT_EQ(get(tr, "(A1)-iii independence").holds, std::optional<bool>(false));
  EXPECT_NE(get(tr, "(A1)-iii independence").note.find("Thm 4.3"), std::string::npos);
  EXPECT_TRUE(get(tr, "(ii)").monte_carlo);
  EXPECT_FALSE(get(tr, "(ii') as printed").value.has_value());
  EXPECT_NE(get(tr, "(ii') as printed").note.find("deterministic B"), std::string::npos);

  const HypothesisReport dep = jacstab::theorem_3_1_hypotheses(dependent(0.25), 256);
  EXPECT_EQ(get(dep, "(A1)-i iid subgaussian W").holds, std::optional<bool>(false));
  EXPECT_NEAR(value(dep, "(ii)"), 0.0625, 1e-15);  // |(1 + eta^2) - 1|
  EXPECT_NEAR(value(dep, "(A'1) covariance ratio"),
              0.0625 * 2.0 / 256.0 / (std::pow(256.0, -2.5) / std::log(256.0)), 1e-9);
  EXPECT_EQ(get(dep, "(A'1) variance").holds, std::optional<bool>(false));

  EnsembleParams sur = params(EnsembleKind::surrogate);
  sur.alpha = 0.3;
  EXPECT_EQ(get(jacstab::theorem_3_1_hypotheses(sur, 100), "(A2) masks Bernoulli(1/2)").holds,
            std::optional<bool>(false));
  sur.alpha = 0.5;
  EXPECT_EQ(get(jacstab::theorem_3_1_hypotheses(sur, 100), "(A2) masks Bernoulli(1/2)").holds,
            std::optional<bool>(true));

  const HypothesisReport rp = jacstab::theorem_3_1_hypotheses(prune(0.75, ScaleRule::inverse_sqrt), 256);
  EXPECT_NEAR(value(rp, "(A1)-ii bounded B"), 2.0, 1e-14);
  EXPECT_NEAR(value(rp, "(i)/(i')"), 4.0 * 3.69336157732933523, 1e-12);
  EXPECT_EQ(get(rp, "(A'1)-ii deterministic B").holds, std::optional<bool>(false));
}

// ---------------------------------------------------------------------------------------
// Closed forms against Monte Carlo with the Ensemble sampler
// ---------------------------------------------------------------------------------------

TEST(HypothesesMonteCarlo, RowSecondMomentClosedFormsAgainstTheSampler) {
  std::vector<EnsembleParams> cases = {params(EnsembleKind::iid),
                                       params(EnsembleKind::surrogate),
                                       prune(0.5),
                                       prune(0.9, ScaleRule::inverse_sqrt),
                                       threshold(0.15),
                                       threshold(0.15, ScaleRule::theorem),
                                       threshold(0.15, ScaleRule::variance_matched),
                                       threshold(0.1, ScaleRule::inverse_sqrt),
                                       dependent(0.5)};
  EnsembleParams eq = params(EnsembleKind::equicorrelated);
  eq.rho = 0.3;
  cases.push_back(eq);
  EnsembleParams s1 = params(EnsembleKind::iid);
  s1.sigma2 = 1.3;
  cases.push_back(s1);
  std::uint64_t seed = kSeed;
  for (const EnsembleParams& p : cases) {
    const std::size_t n = 128;
    const auto log_s = jacstab::log_row_second_moment(p, n);
    ASSERT_TRUE(log_s.has_value()) << Ensemble(p).describe();
    const auto [mean, se] = monte_carlo_row_sum(p, n, 200, ++seed);
    EXPECT_NEAR(mean, std::exp(*log_s), kZ * se) << Ensemble(p).describe();
  }
  EXPECT_FALSE(jacstab::log_row_second_moment(topr(2.0), 64).has_value());
}

TEST(HypothesesMonteCarlo, EstimatorAgreesWithTheClosedForm) {
  const EnsembleParams p = threshold(0.15, ScaleRule::variance_matched);
  const auto est = jacstab::estimate_row_second_moment(Ensemble(p), 200, kSeed, 40);
  const double se = (est.mean_ci.high - est.mean_ci.low) / 2.0 / 2.0227;  // t_{0.975, 39}
  EXPECT_NEAR(est.mean, std::exp(*jacstab::log_row_second_moment(p, 200)), kZ * se);
  EXPECT_EQ(est.reps, 40u);
  EXPECT_GE(est.max_deviation, std::abs(est.mean - 1.0));
}

// Thm 4.3's proof compares the top-r mask with the deterministic threshold at the implied t.
// At n = 1024 the two models' S_n agree within the Monte-Carlo interval plus the bias of
// keeping exactly r entries instead of Binomial(n^2, r/(n^2+1)) (allowance 0.2% relative).
TEST(HypothesesMonteCarlo, TopRAgreesWithTheDeterministicThresholdAtLargeN) {
  for (auto scale : {ScaleRule::theorem, ScaleRule::variance_matched, ScaleRule::none}) {
    const EnsembleParams p = topr(2.0, scale);
    const std::size_t n = 1024;
    const Ensemble e(p);
    EnsembleParams thr = threshold(e.topr_threshold(n, n));
    const double log_b = *jacstab::log_scale_factor(p, n);
    const auto log_s_thr = jacstab::log_row_second_moment(thr, n);  // scale none: b = 1
    ASSERT_TRUE(log_s_thr.has_value());
    const double closed = std::exp(*log_s_thr + 2.0 * log_b);
    const auto est = jacstab::estimate_row_second_moment(e, n, kSeed, 8);
    const double half = (est.mean_ci.high - est.mean_ci.low) / 2.0;
    const double se = half / 2.3646;  // t_{0.975, 7}
    EXPECT_NEAR(est.mean, closed, kZ * se + 0.002 * closed) << e.describe();
  }
}

TEST(HypothesesMonteCarlo, ReproducibleAndSkippedAboveTheWidthLimit) {
  HypothesesOptions o;
  o.seed = 7;
  o.reps = 4;
  const auto a = jacstab::theorem_3_1_hypotheses(topr(2.0), 128, o);
  const auto b = jacstab::theorem_3_1_hypotheses(topr(2.0), 128, o);
  EXPECT_EQ(value(a, "(ii)"), value(b, "(ii)"));
  o.seed = 8;
  EXPECT_NE(value(a, "(ii)"), value(jacstab::theorem_3_1_hypotheses(topr(2.0), 128, o), "(ii)"));
  const Condition& ii = get(a, "(ii)");
  ASSERT_TRUE(ii.value_ci.has_value());
  EXPECT_LE(ii.value_ci->low, *ii.value);
  EXPECT_GE(ii.value_ci->high, *ii.value);
  o.max_monte_carlo_width = 64;
  const auto c = jacstab::theorem_3_1_hypotheses(topr(2.0), 128, o);
  EXPECT_FALSE(get(c, "(ii)").value.has_value());
  EXPECT_NE(get(c, "(ii)").note.find("Monte Carlo skipped"), std::string::npos);
}

// ---------------------------------------------------------------------------------------
// Trends
// ---------------------------------------------------------------------------------------

namespace {

std::vector<std::optional<double>> opt(std::initializer_list<double> v) {
  return {v.begin(), v.end()};
}

Trend trend(Relation rel, const std::vector<double>& widths, const std::vector<std::optional<double>>& v,
            bool mc = false) {
  return jacstab::assess_trend("x", rel, widths, v, mc);
}

}  // namespace

TEST(HypothesesTrends, DeterministicToZero) {
  const std::vector<double> w3 = {256, 1024, 4096};
  EXPECT_EQ(trend(Relation::to_zero, w3, opt({3, 2, 1})).holds, std::optional<bool>(true));
  EXPECT_EQ(trend(Relation::to_zero, w3, opt({1, 2, 3})).holds, std::optional<bool>(false));
  EXPECT_EQ(trend(Relation::to_zero, w3, opt({1, 0.5, 0.6})).holds, std::optional<bool>(false));
  const Trend zero = trend(Relation::to_zero, w3, opt({0, 0, 0}));
  EXPECT_EQ(zero.holds, std::optional<bool>(true));
  EXPECT_NE(zero.verdict.find("trivially"), std::string::npos);
  // Decreasing over the last three widths, but growing over the last half (4 of 8): not -> 0.
  const std::vector<double> w8 = {2, 4, 8, 16, 32, 64, 128, 256};
  const Trend t = trend(Relation::to_zero, w8, opt({9, 8, 7, 6, 1, 5, 4.9, 4.8}));
  EXPECT_EQ(t.holds, std::optional<bool>(false));
  EXPECT_EQ(t.slope_points, 4u);
  EXPECT_GT(*t.slope, 0.0);
  EXPECT_EQ(trend(Relation::to_zero, w8, opt({100, 1, 50, 40, 30, 20, 10, 5})).holds,
            std::optional<bool>(true));
  // Exact power law: the slope is the exponent.
  const Trend p = trend(Relation::to_zero, w3, opt({std::pow(256.0, -0.5), std::pow(1024.0, -0.5),
                                                    std::pow(4096.0, -0.5)}));
  EXPECT_NEAR(*p.slope, -0.5, 1e-12);
  // Missing or non-positive values.
  std::vector<std::optional<double>> missing = {1.0, std::nullopt, 0.5};
  const Trend m = trend(Relation::to_zero, w3, missing);
  EXPECT_FALSE(m.holds.has_value());
  EXPECT_NE(m.verdict.find("undefined at n = 1024"), std::string::npos);
  EXPECT_FALSE(trend(Relation::to_zero, w3, opt({1, 0, 0})).holds.has_value());
  // Fewer than three widths cannot decide.
  EXPECT_FALSE(trend(Relation::to_zero, {1, 2}, opt({2, 1})).holds.has_value());
}

TEST(HypothesesTrends, DeterministicToInfinityAndBounded) {
  const std::vector<double> w = {10, 100, 1000};
  EXPECT_EQ(trend(Relation::to_infinity, w, opt({1, 2, 3})).holds, std::optional<bool>(true));
  EXPECT_EQ(trend(Relation::to_infinity, w, opt({3, 2, 1})).holds, std::optional<bool>(false));
  EXPECT_EQ(trend(Relation::bounded, w, opt({2, 2, 2})).holds, std::optional<bool>(true));
  EXPECT_EQ(trend(Relation::bounded, w, opt({4, 2, 1})).holds, std::optional<bool>(true));
  EXPECT_EQ(trend(Relation::bounded, w, opt({1, 2, 4})).holds, std::optional<bool>(false));
  EXPECT_EQ(trend(Relation::bounded, w, opt({0, 0, 0})).holds, std::optional<bool>(true));
}

TEST(HypothesesTrends, MonteCarloUsesTheSlopeInterval) {
  const std::vector<double> w = {64, 128, 256, 512, 1024};
  // n^-0.5 times small multiplicative noise: the interval lies below 0.
  const double noise[] = {1.01, 0.99, 1.02, 0.98, 1.0};
  std::vector<std::optional<double>> down, up, flat;
  for (std::size_t i = 0; i < w.size(); ++i) {
    down.push_back(noise[i] * std::pow(w[i], -0.5));
    up.push_back(noise[i] * std::pow(w[i], 0.5));
    flat.push_back(noise[i]);
  }
  const Trend d = trend(Relation::to_zero, w, down, true);
  EXPECT_EQ(d.holds, std::optional<bool>(true));
  ASSERT_TRUE(d.slope_ci.has_value());
  EXPECT_LT(d.slope_ci->high, 0.0);
  EXPECT_NEAR(*d.slope, -0.5, 0.05);
  EXPECT_EQ(d.slope_points, 5u);
  EXPECT_EQ(trend(Relation::to_zero, w, up, true).holds, std::optional<bool>(false));
  const Trend f = trend(Relation::to_zero, w, flat, true);
  EXPECT_FALSE(f.holds.has_value());
  EXPECT_NE(f.verdict.find("inconclusive"), std::string::npos);
  ASSERT_TRUE(f.slope_ci.has_value());
  EXPECT_LT(f.slope_ci->low, 0.0);
  EXPECT_GT(f.slope_ci->high, 0.0);
  EXPECT_EQ(trend(Relation::to_infinity, w, up, true).holds, std::optional<bool>(true));
  EXPECT_EQ(trend(Relation::bounded, w, up, true).holds, std::optional<bool>(false));
}

TEST(HypothesesTrends, FiniteRelationsListWhereTheyHold) {
  const std::vector<double> w = {256, 1024, 4096};
  const std::vector<std::optional<bool>> h = {true, false, false};
  const Trend t = jacstab::assess_trend("a", Relation::lt, w, opt({0.15, 0.15, 0.15}), false, h);
  EXPECT_EQ(t.holds, std::optional<bool>(false));
  EXPECT_NE(t.verdict.find("holds at n = 256; fails at n = 1024, 4096"), std::string::npos) << t.verdict;
}

TEST(HypothesesTrends, OverWidthsForThePapersParameters) {
  const std::vector<std::size_t> widths = {256, 1024, 4096};
  auto trends_of = [&](Theorem th, const EnsembleParams& p) {
    return jacstab::assess_trends(jacstab::hypotheses_over_widths(th, p, widths));
  };
  auto find = [](const std::vector<Trend>& ts, const std::string& name) {
    for (const Trend& t : ts)
      if (t.name == name) return t;
    throw std::logic_error("no trend " + name);
  };
  // Thm 4.1, s = 0.9: the ratio decreases (bounded, and (i) -> 0).
  const auto t41 = trends_of(Theorem::thm_4_1, prune(0.9));
  EXPECT_EQ(find(t41, "ratio log^4(n)/(n(1-s))").holds, std::optional<bool>(true));
  EXPECT_EQ(find(t41, "(i) theorem factor").holds, std::optional<bool>(true));
  EXPECT_EQ(find(t41, "1 - s >= log^4(n)/n").holds, std::optional<bool>(false));
  // Thm 4.2, fixed t = 0.15: (a) fails eventually, n t^2 -> inf, (ii) printed does not -> 0.
  const auto t42 = trends_of(Theorem::thm_4_2, threshold(0.15));
  EXPECT_EQ(find(t42, "(a) t < t_max(n)").holds, std::optional<bool>(false));
  EXPECT_EQ(find(t42, "(b) n t^2").holds, std::optional<bool>(true));
  EXPECT_EQ(find(t42, "(c) (ii) printed factor").holds, std::optional<bool>(false));
  EXPECT_EQ(find(t42, "(c) (ii) variance-matching factor").holds, std::optional<bool>(true));
  EXPECT_EQ(find(t42, "(d) (i) printed factor").holds, std::optional<bool>(false));
  // Thm 5.1, fixed eta: the correlation ratio grows.
  const auto t51 = trends_of(Theorem::thm_5_1, dependent(1.0 / 256.0));
  EXPECT_EQ(find(t51, "corr / (n^{-3/2}/log n)").holds, std::optional<bool>(false));
  // Thm 3.1 iid: (i) -> 0, (iii) trivially, the printed (ii') does not.
  const auto t31 = trends_of(Theorem::thm_3_1, params(EnsembleKind::iid));
  EXPECT_EQ(find(t31, "(i)/(i')").holds, std::optional<bool>(true));
  EXPECT_EQ(find(t31, "(iii)").holds, std::optional<bool>(true));
  EXPECT_EQ(find(t31, "(ii') as printed").holds, std::optional<bool>(false));
  EXPECT_EQ(find(t31, "(ii') as in the proof").holds, std::optional<bool>(true));
  EXPECT_EQ(find(t31, "(A'1) covariance ratio").holds, std::optional<bool>(true));
}

// ---------------------------------------------------------------------------------------
// Invariants of every report
// ---------------------------------------------------------------------------------------

TEST(HypothesesInvariants, NoNanUndefinedValuesAreExplainedAsymptoticNotDecided) {
  struct Case { Theorem th; EnsembleParams p; };
  EnsembleParams eq = params(EnsembleKind::equicorrelated);
  eq.rho = 0.2;
  EnsembleParams sur = params(EnsembleKind::surrogate);
  sur.alpha = 0.4;
  EnsembleParams topr_s = params(EnsembleKind::magnitude_topr);
  topr_s.sparsity = 0.9;
  std::vector<Case> cases = {
      {Theorem::thm_3_1, params(EnsembleKind::iid)},      {Theorem::thm_3_1, prune(0.99, ScaleRule::inverse_sqrt)},
      {Theorem::thm_3_1, threshold(0.2, ScaleRule::theorem)}, {Theorem::thm_3_1, topr(2.0, ScaleRule::theorem)},
      {Theorem::thm_3_1, topr_s},                           {Theorem::thm_3_1, dependent(0.1)},
      {Theorem::thm_3_1, eq},                               {Theorem::thm_3_1, sur},
      {Theorem::thm_3_1, threshold(3.0, ScaleRule::variance_matched)},
      {Theorem::thm_4_1, prune(0.5)},                       {Theorem::thm_4_1, prune(0.0, ScaleRule::inverse_sqrt)},
      {Theorem::thm_4_2, threshold(0.1)},                   {Theorem::thm_4_2, threshold(0.2, ScaleRule::inverse_sqrt)},
      {Theorem::thm_4_3, topr(2.0)},                        {Theorem::thm_4_3, topr(10.0)},
      {Theorem::thm_5_1, dependent(0.0625)},                {Theorem::thm_5_1, eq}};
  HypothesesOptions o;
  o.reps = 3;
  o.max_monte_carlo_width = 300;
  for (const Case& c : cases) {
    std::vector<std::string> names;
    for (std::size_t n : {2u, 3u, 16u, 256u, 5000u, 1u << 20}) {
      const HypothesisReport r = jacstab::evaluate_hypotheses(c.th, c.p, n, o);
      const std::string where = "Thm " + std::string(to_string(c.th)) + " " + r.ensemble + " n = " +
                                std::to_string(n);
      EXPECT_EQ(r.width, n);
      EXPECT_FALSE(r.assumptions.empty()) << where;
      std::vector<std::string> these;
      for (const Condition& k : r.conditions) {
        these.push_back(k.name);
        const std::string at = where + ": " + k.name;
        if (k.value) {
          EXPECT_TRUE(std::isfinite(*k.value)) << at;
        }
        if (k.bound) {
          EXPECT_TRUE(std::isfinite(*k.bound)) << at;
        }
        if (k.value_ci) {
          EXPECT_TRUE(std::isfinite(k.value_ci->low) && std::isfinite(k.value_ci->high)) << at;
          EXPECT_TRUE(k.monte_carlo) << at;
        }
        if (!k.value) {
          EXPECT_FALSE(k.note.empty()) << at;
        }
        if (jacstab::is_asymptotic(k.relation)) {
          EXPECT_FALSE(k.holds.has_value()) << at;
          EXPECT_NE(k.note.find("asymptotic: evaluate over a sequence of widths"), std::string::npos) << at;
        }
        if (k.relation == Relation::info) {
          EXPECT_FALSE(k.holds.has_value()) << at;
        }
        if ((k.relation == Relation::le || k.relation == Relation::lt || k.relation == Relation::ge ||
             k.relation == Relation::gt || k.relation == Relation::eq) &&
            k.value && k.bound) {
          EXPECT_TRUE(k.holds.has_value()) << at;
        }
      }
      if (names.empty()) names = these;
      EXPECT_EQ(these, names) << where << ": the conditions must not depend on n";
    }
  }
}

// ---------------------------------------------------------------------------------------
// Argument errors
// ---------------------------------------------------------------------------------------

TEST(HypothesesErrors, BadInputNamesTheParameterAndValue) {
  EXPECT_THROW_WITH(jacstab::theorem_3_1_hypotheses(params(EnsembleKind::iid), 1), std::invalid_argument,
                    "theorem_3_1_hypotheses()", "width", "got 1");
  EXPECT_THROW_WITH(jacstab::theorem_4_2_hypotheses(params(EnsembleKind::iid), 64), std::invalid_argument,
                    "Thm 4.2", "magnitude-threshold", "got ensemble iid");
  EXPECT_THROW_WITH(jacstab::theorem_4_1_hypotheses(threshold(0.1), 64), std::invalid_argument,
                    "random-prune", "got ensemble magnitude-threshold");
  EXPECT_THROW_WITH(jacstab::theorem_4_3_hypotheses(threshold(0.1), 64), std::invalid_argument,
                    "magnitude-topr");
  EnsembleParams s = params(EnsembleKind::magnitude_topr);
  s.sparsity = 0.9;
  EXPECT_THROW_WITH(jacstab::theorem_4_3_hypotheses(s, 64), std::invalid_argument, "topr_c", "sparsity 0.9");
  EXPECT_THROW_WITH(jacstab::theorem_5_1_hypotheses(params(EnsembleKind::iid), 64), std::invalid_argument,
                    "dependent or equicorrelated", "got ensemble iid");
  EXPECT_THROW_WITH(jacstab::theorem_4_1_hypotheses(prune(1.2), 64), std::invalid_argument, "sparsity",
                    "got 1.2");
  EXPECT_THROW_WITH(jacstab::theorem_5_1_hypotheses(dependent(-1.0), 64), std::invalid_argument, "eta",
                    "got -1");
  HypothesesOptions o;
  o.reps = 1;
  EXPECT_THROW_WITH(jacstab::theorem_3_1_hypotheses(params(EnsembleKind::iid), 64, o), std::invalid_argument,
                    "reps", "got 1");
  o.reps = 8;
  o.confidence = 1.5;
  EXPECT_THROW_WITH(jacstab::theorem_3_1_hypotheses(params(EnsembleKind::iid), 64, o), std::invalid_argument,
                    "confidence", "got 1.5");
  EXPECT_THROW_WITH(jacstab::parse_theorem("4.4", "--theorem"), std::invalid_argument, "--theorem", "'4.4'");
  const std::vector<std::size_t> down = {64, 32, 128};
  EXPECT_THROW_WITH(jacstab::hypotheses_over_widths(Theorem::thm_3_1, params(EnsembleKind::iid), down),
                    std::invalid_argument, "strictly increasing", "64 then 32");
  const std::vector<double> w = {1, 2, 3};
  EXPECT_THROW_WITH(jacstab::assess_trend("x", Relation::to_zero, w, opt({1, 2}), false), std::invalid_argument,
                    "values", "got 2");
  EXPECT_THROW_WITH(jacstab::assess_trend("x", Relation::to_zero, std::vector<double>{1, 3, 2},
                                          opt({1, 2, 3}), false),
                    std::invalid_argument, "strictly increasing");
  EXPECT_THROW_WITH(jacstab::estimate_row_second_moment(Ensemble(), 8, 1, 1), std::invalid_argument, "reps",
                    "got 1");
}

TEST(HypothesesNames, RoundTrip) {
  for (auto t : {Theorem::thm_3_1, Theorem::thm_4_1, Theorem::thm_4_2, Theorem::thm_4_3, Theorem::thm_5_1}) {
    EXPECT_EQ(jacstab::parse_theorem(to_string(t)), t);
    EXPECT_FALSE(jacstab::title(t).empty());
  }
  EXPECT_EQ(jacstab::symbol(Relation::to_zero), "-> 0");
  EXPECT_EQ(to_string(Relation::bounded), "bounded");
  EXPECT_TRUE(jacstab::is_asymptotic(Relation::to_infinity));
  EXPECT_FALSE(jacstab::is_asymptotic(Relation::le));
}
