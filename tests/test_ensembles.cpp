// Unit tests for jacstab/ensembles.hpp: the weight ensembles of Thms 4.1-4.3 and sec. 5.
//
// Three kinds of check:
//  * closed-form spot values (scale factors, thresholds, kept counts) against numbers
//    computed by hand or with mpmath (the command is above each table);
//  * exact structure of one draw: which entries a pruning keeps, compared with the
//    unpruned weights of the same stream (see `twin` below);
//  * Monte-Carlo moments (variance, correlation, kept fraction) against theory.
//
// Monte-Carlo checks use fixed seeds and a tolerance of 4.5 standard errors, derived from
// the exact variance of the statistic under the claimed law. For an (asymptotically)
// normal statistic a correct implementation fails one such check with probability
// 2 Phi(-4.5) = 6.8e-6; this file has about 100 of them, so about 7e-4 for the whole file
// at a fresh seed. EXPECT_NEAR prints the expected value, the computed value, their
// distance and the tolerance.
#include "jacstab/ensembles.hpp"
#include "jacstab/stats.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <armadillo>
#include <boost/math/special_functions/erf.hpp>

#include "jacstab/format.hpp"
#include "jacstab/rng.hpp"

namespace {

using jacstab::Ensemble;
using jacstab::EnsembleKind;
using jacstab::EnsembleParams;
using jacstab::LayerSample;
using jacstab::ScaleRule;

constexpr std::uint64_t kSeed = 0x7e57e45ULL;
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kZ = 4.5;  // tolerance in standard errors (false-failure rate 6.8e-6)
const double kSqrt2Pi = std::sqrt(2.0 * std::numbers::pi);

const std::vector<EnsembleKind> kAllKinds = {
    EnsembleKind::iid,       EnsembleKind::random_prune, EnsembleKind::magnitude_threshold,
    EnsembleKind::magnitude_topr, EnsembleKind::dependent, EnsembleKind::equicorrelated,
    EnsembleKind::surrogate};
const std::vector<ScaleRule> kAllRules = {ScaleRule::none, ScaleRule::inverse_sqrt,
                                          ScaleRule::theorem, ScaleRule::variance_matched};


jacstab::Engine engine(std::uint64_t replicate, const char* name = "test_ensembles") {
  return jacstab::stream(kSeed, name, replicate);
}

EnsembleParams params(EnsembleKind kind, double sigma2 = 2.0) {
  EnsembleParams p;
  p.kind = kind;
  p.sigma2 = sigma2;
  return p;
}

Ensemble random_prune(double s, ScaleRule rule = ScaleRule::none, double sigma2 = 2.0) {
  EnsembleParams p = params(EnsembleKind::random_prune, sigma2);
  p.sparsity = s;
  p.scale = rule;
  return Ensemble(p);
}

Ensemble threshold(double t, ScaleRule rule = ScaleRule::none, double sigma2 = 2.0) {
  EnsembleParams p = params(EnsembleKind::magnitude_threshold, sigma2);
  p.threshold = t;
  p.scale = rule;
  return Ensemble(p);
}

Ensemble topr_sparsity(double s, ScaleRule rule = ScaleRule::none, double sigma2 = 2.0) {
  EnsembleParams p = params(EnsembleKind::magnitude_topr, sigma2);
  p.sparsity = s;
  p.scale = rule;
  return Ensemble(p);
}

Ensemble topr_c(double c, ScaleRule rule = ScaleRule::none, double sigma2 = 2.0) {
  EnsembleParams p = params(EnsembleKind::magnitude_topr, sigma2);
  p.topr_c = c;
  p.scale = rule;
  return Ensemble(p);
}

/// A valid ensemble of each kind, with non-trivial parameters.
Ensemble example(EnsembleKind kind, ScaleRule rule = ScaleRule::variance_matched) {
  EnsembleParams p = params(kind, 2.0);
  p.scale = rule;
  switch (kind) {
    case EnsembleKind::random_prune: p.sparsity = 0.6; break;
    case EnsembleKind::magnitude_threshold: p.threshold = 0.08; break;
    case EnsembleKind::magnitude_topr: p.sparsity = 0.8; break;
    case EnsembleKind::dependent: p.eta = 0.5; break;
    case EnsembleKind::equicorrelated: p.rho = 0.3; break;
    case EnsembleKind::surrogate: p.alpha = 0.4; break;
    case EnsembleKind::iid: break;
  }
  return Ensemble(p);
}

Ensemble with_rule(const Ensemble& e, ScaleRule rule) {
  EnsembleParams p = e.params();
  p.scale = rule;
  return Ensemble(p);
}

/// The unpruned weights behind a pruned draw: pruned kinds first draw iid N(0, sigma2/cols)
/// weights from the engine, exactly as the iid kind does, and then prune them. The iid
/// ensemble on the same stream therefore reproduces the weights before pruning.
arma::mat twin(double sigma2, std::size_t rows, std::size_t cols, std::uint64_t replicate) {
  jacstab::Engine eng = engine(replicate);
  return Ensemble(params(EnsembleKind::iid, sigma2)).sample(rows, cols, eng).weights;
}

LayerSample draw(const Ensemble& e, std::size_t rows, std::size_t cols, std::uint64_t replicate) {
  jacstab::Engine eng = engine(replicate);
  return e.sample(rows, cols, eng);
}

/// E[N^2 1{|N| > a}] by composite Simpson on [a, a + 12]; the rest is below e^{-72} of it.
double simpson_truncated_second_moment(double a) {
  a = std::max(a, 0.0);
  const int n = 100000;
  const double h = 12.0 / n;
  auto f = [](double x) { return x * x * std::exp(-0.5 * x * x) / kSqrt2Pi; };
  double sum = f(a) + f(a + 12.0);
  for (int i = 1; i < n; ++i) sum += (i % 2 ? 4.0 : 2.0) * f(a + i * h);
  return 2.0 * sum * h / 3.0;
}

double phi(double a) { return std::exp(-0.5 * a * a) / kSqrt2Pi; }

// ---------------------------------------------------------------------------------------
// Names and descriptions

TEST(EnsembleNames, KindsAndRulesRoundTrip) {
  for (EnsembleKind k : kAllKinds) EXPECT_EQ(jacstab::parse_ensemble_kind(jacstab::to_string(k)), k);
  for (ScaleRule r : kAllRules) EXPECT_EQ(jacstab::parse_scale_rule(jacstab::to_string(r)), r);
  EXPECT_EQ(jacstab::to_string(EnsembleKind::random_prune), "random-prune");
  EXPECT_EQ(jacstab::to_string(EnsembleKind::magnitude_threshold), "magnitude-threshold");
  EXPECT_EQ(jacstab::to_string(EnsembleKind::magnitude_topr), "magnitude-topr");
  EXPECT_EQ(jacstab::to_string(ScaleRule::inverse_sqrt), "inverse-sqrt");
  EXPECT_EQ(jacstab::to_string(ScaleRule::variance_matched), "variance-matched");
}

TEST(EnsembleNames, UnknownNamesThrowWithNameAndParameter) {
  EXPECT_THROW_WITH(jacstab::parse_ensemble_kind("random_prune"), std::invalid_argument,
                    "ensemble", "'random_prune'");
  EXPECT_THROW_WITH(jacstab::parse_ensemble_kind("IID", "--hidden"), std::invalid_argument,
                    "--hidden", "'IID'");
  EXPECT_THROW_WITH(jacstab::parse_ensemble_kind(""), std::invalid_argument, "''");
  EXPECT_THROW_WITH(jacstab::parse_scale_rule("variance_matched"), std::invalid_argument,
                    "scale", "'variance_matched'");
  EXPECT_THROW_WITH(jacstab::parse_scale_rule("paper", "--scale"), std::invalid_argument,
                    "--scale", "'paper'");
}

TEST(EnsembleNames, DescribeAndFlags) {
  EXPECT_EQ(topr_sparsity(0.9, ScaleRule::theorem).describe(),
            "magnitude-topr(sigma2=2, sparsity=0.9, scale=theorem)");
  EXPECT_EQ(topr_c(2.5).describe(), "magnitude-topr(sigma2=2, topr_c=2.5, scale=none)");
  EXPECT_EQ(random_prune(0.75, ScaleRule::inverse_sqrt, 1.5).describe(),
            "random-prune(sigma2=1.5, sparsity=0.75, scale=inverse-sqrt)");
  EXPECT_EQ(threshold(0.125).describe(), "magnitude-threshold(sigma2=2, threshold=0.125, scale=none)");
  EXPECT_EQ(example(EnsembleKind::dependent).describe(), "dependent(sigma2=2, eta=0.5)");
  EXPECT_EQ(example(EnsembleKind::equicorrelated).describe(), "equicorrelated(sigma2=2, rho=0.3)");
  EXPECT_EQ(example(EnsembleKind::surrogate).describe(), "surrogate(sigma2=2, alpha=0.4)");
  EXPECT_EQ(Ensemble().describe(), "iid(sigma2=2)");

  for (EnsembleKind k : kAllKinds) {
    const Ensemble e = example(k);
    const bool pruned = k == EnsembleKind::random_prune ||
                        k == EnsembleKind::magnitude_threshold ||
                        k == EnsembleKind::magnitude_topr;
    EXPECT_EQ(e.is_pruned(), pruned) << jacstab::to_string(k);
    EXPECT_EQ(e.replaces_masks(), k == EnsembleKind::surrogate) << jacstab::to_string(k);
    EXPECT_EQ(e.kind(), k);
  }
  EXPECT_EQ(Ensemble().kind(), EnsembleKind::iid);
  EXPECT_EQ(Ensemble().params().sigma2, 2.0);
  EXPECT_EQ(example(EnsembleKind::surrogate).params().alpha, 0.4);
}

// ---------------------------------------------------------------------------------------
// Validation

struct BadCase {
  EnsembleParams p;
  std::string name;
  double value;
};

TEST(EnsembleValidation, EveryBadParameterThrowsNamingParameterAndValue) {
  std::vector<BadCase> cases;
  for (EnsembleKind k : kAllKinds) {
    for (double v : {0.0, -1.0, kNan, kInf, -kInf}) {
      EnsembleParams p = example(k).params();
      p.sigma2 = v;
      cases.push_back({p, "sigma2", v});
    }
  }
  for (double v : {-0.1, 1.0, 1.5, kNan, kInf}) {
    EnsembleParams p = example(EnsembleKind::random_prune).params();
    p.sparsity = v;
    cases.push_back({p, "sparsity", v});
    EnsembleParams q = example(EnsembleKind::magnitude_topr).params();  // no topr_c
    q.sparsity = v;
    cases.push_back({q, "sparsity", v});
  }
  for (double v : {0.0, -0.1, kNan, kInf}) {
    EnsembleParams p = example(EnsembleKind::magnitude_threshold).params();
    p.threshold = v;
    cases.push_back({p, "threshold", v});
  }
  for (double v : {0.0, -1.0, kNan, kInf}) {
    EnsembleParams p = example(EnsembleKind::magnitude_topr).params();
    p.topr_c = v;
    cases.push_back({p, "topr_c", v});
  }
  for (double v : {-0.5, -1e-300, kNan, kInf}) {
    EnsembleParams p = example(EnsembleKind::dependent).params();
    p.eta = v;
    cases.push_back({p, "eta", v});
  }
  for (double v : {-0.1, 1.0, 1.2, kNan, -kInf}) {
    EnsembleParams p = example(EnsembleKind::equicorrelated).params();
    p.rho = v;
    cases.push_back({p, "rho", v});
  }
  for (double v : {-0.1, 1.1, kNan, kInf}) {
    EnsembleParams p = example(EnsembleKind::surrogate).params();
    p.alpha = v;
    cases.push_back({p, "alpha", v});
  }
  for (const BadCase& c : cases) {
    SCOPED_TRACE(std::string(jacstab::to_string(c.p.kind)) + " " + c.name + " = " +
                 jacstab::format_number(c.value));
    EXPECT_THROW_WITH(Ensemble{c.p}, std::invalid_argument, "Ensemble()", c.name,
                      "got " + jacstab::format_number(c.value));
  }
}

TEST(EnsembleValidation, BoundaryValuesAreAccepted) {
  EXPECT_NO_THROW(random_prune(0.0));
  EXPECT_NO_THROW(random_prune(0.999999));
  EXPECT_NO_THROW(topr_sparsity(0.0));
  EXPECT_NO_THROW(threshold(1e-300));
  EXPECT_NO_THROW(topr_c(1e-3));
  for (double v : {0.0, 1.0}) {
    EnsembleParams p = params(EnsembleKind::surrogate);
    p.alpha = v;
    EXPECT_NO_THROW(Ensemble{p});
  }
  EnsembleParams d = params(EnsembleKind::dependent);
  d.eta = 0.0;
  EXPECT_NO_THROW(Ensemble{d});
  EnsembleParams q = params(EnsembleKind::equicorrelated);
  q.rho = 0.0;
  EXPECT_NO_THROW(Ensemble{q});
  // topr with topr_c ignores the sparsity field.
  EnsembleParams t = topr_c(2.0).params();
  t.sparsity = 5.0;
  EXPECT_NO_THROW(Ensemble{t});
}

TEST(EnsembleValidation, EmptyShapesThrow) {
  for (EnsembleKind k : kAllKinds) {
    const Ensemble e = example(k);
    SCOPED_TRACE(jacstab::to_string(k));
    jacstab::Engine eng = engine(0);
    arma::mat w(5, 0);
    arma::Mat<std::uint8_t> mask;
    EXPECT_THROW_WITH(e.sample_into(w, eng, &mask), std::invalid_argument, "5x0");
    arma::mat w2(0, 5);
    EXPECT_THROW_WITH(e.sample_into(w2, eng), std::invalid_argument, "0x5");
    EXPECT_THROW(e.sample(0, 3, eng), std::invalid_argument);
    EXPECT_THROW(e.sample(3, 0, eng), std::invalid_argument);
  }
}

TEST(EnsembleValidation, ScaleFactorThrowsDomainErrorWhenNothingIsKept) {
  // t = 5 at n = 256, sigma2 = 2 is 56 standard deviations: the expected kept fraction
  // underflows to 0 and every rule's factor is infinite.
  for (ScaleRule r : {ScaleRule::inverse_sqrt, ScaleRule::theorem, ScaleRule::variance_matched}) {
    const Ensemble e = threshold(5.0, r);
    SCOPED_TRACE(jacstab::to_string(r));
    EXPECT_THROW_WITH((void)e.scale_factor(256, 256), std::domain_error, "scale_factor",
                      std::string(jacstab::to_string(r)), "256x256");
    EXPECT_THROW(draw(e, 256, 256, 0), std::domain_error);
  }
  EXPECT_EQ(threshold(5.0, ScaleRule::none).scale_factor(256, 256), 1.0);
  // top-r with r = round(0.0001 * 100) = 0: no factor, but sampling keeps nothing and works.
  for (ScaleRule r : {ScaleRule::theorem, ScaleRule::variance_matched}) {
    const Ensemble e = topr_sparsity(0.9999, r);
    EXPECT_EQ(e.topr_count(10, 10), 0u);
    EXPECT_THROW((void)e.scale_factor(10, 10), std::domain_error);
    const LayerSample s = draw(e, 10, 10, 1);
    EXPECT_EQ(s.kept, 0u);
    EXPECT_EQ(s.scale, 1.0);
    EXPECT_TRUE(arma::all(arma::vectorise(s.weights) == 0.0));
  }
}

// ---------------------------------------------------------------------------------------
// Reproducibility

TEST(EnsembleReproducibility, SameSeedSameMatrixDifferentSeedDifferent) {
  for (EnsembleKind k : kAllKinds) {
    const Ensemble e = example(k);
    SCOPED_TRACE(e.describe());
    const LayerSample a = draw(e, 30, 40, 5);
    const LayerSample b = draw(e, 30, 40, 5);
    const LayerSample c = draw(e, 30, 40, 6);
    EXPECT_TRUE(arma::approx_equal(a.weights, b.weights, "absdiff", 0.0));
    EXPECT_EQ(a.kept, b.kept);
    EXPECT_EQ(a.scale, b.scale);
    EXPECT_EQ(a.mask.has_value(), e.is_pruned());
    if (a.mask) {
      EXPECT_TRUE(arma::all(arma::vectorise(*a.mask == *b.mask)));
    }
    EXPECT_FALSE(arma::approx_equal(a.weights, c.weights, "absdiff", 0.0));
    // Another stream name is another stream.
    jacstab::Engine other = engine(5, "test_ensembles/other");
    EXPECT_FALSE(arma::approx_equal(a.weights, e.sample(30, 40, other).weights, "absdiff", 0.0));
  }
}

TEST(EnsembleReproducibility, SampleIntoMatchesSample) {
  for (EnsembleKind k : kAllKinds) {
    const Ensemble e = example(k);
    SCOPED_TRACE(e.describe());
    const LayerSample s = draw(e, 20, 25, 9);
    jacstab::Engine eng = engine(9);
    arma::mat w(20, 25);
    arma::Mat<std::uint8_t> mask;
    const std::size_t kept = e.sample_into(w, eng, &mask);
    EXPECT_TRUE(arma::approx_equal(w, s.weights, "absdiff", 0.0));
    EXPECT_EQ(kept, s.kept);
    ASSERT_EQ(mask.n_rows, 20u);
    ASSERT_EQ(mask.n_cols, 25u);
    if (s.mask) {
      EXPECT_TRUE(arma::all(arma::vectorise(mask == *s.mask)));
    } else {
      // Unpruned kinds keep everything: the mask is all ones (it was left uninitialised).
      EXPECT_TRUE(arma::all(arma::vectorise(mask) == 1)) << "unpruned mask not all ones";
      EXPECT_EQ(kept, 20u * 25u);
      EXPECT_EQ(s.scale, 1.0);
    }
    // Without a mask the weights are the same.
    jacstab::Engine eng2 = engine(9);
    arma::mat w2(20, 25);
    EXPECT_EQ(e.sample_into(w2, eng2), kept);
    EXPECT_TRUE(arma::approx_equal(w2, s.weights, "absdiff", 0.0));
  }
}

TEST(EnsembleReproducibility, SurrogateWeightsAreTheIidWeights) {
  const LayerSample s = draw(example(EnsembleKind::surrogate), 16, 16, 3);
  EXPECT_TRUE(arma::approx_equal(s.weights, twin(2.0, 16, 16, 3), "absdiff", 0.0));
}

// ---------------------------------------------------------------------------------------
// Kept counts and pruning structure

TEST(EnsembleTopR, CountFromTopRC) {
  // r = floor(n log^c n), n the fan-in. Reference values:
  //   python3 -c "from mpmath import *; print([floor(n*log(n)**c) for n,c in
  //     [(256,2),(256,1),(100,2),(80,1.5)]])"
  //   -> [7871, 1419, 2120, 733]
  EXPECT_EQ(topr_c(2.0).topr_count(256, 256), 7871u);
  EXPECT_EQ(topr_c(1.0).topr_count(256, 256), 1419u);
  EXPECT_EQ(topr_c(2.0).topr_count(100, 100), 2120u);
  EXPECT_EQ(topr_c(1.5).topr_count(50, 80), 733u);  // fan-in 80
  EXPECT_EQ(topr_c(2.0).topr_count(256, 256),
            static_cast<std::size_t>(std::floor(256.0 * std::pow(std::log(256.0), 2.0))));
  // Clamped to the number of entries: 8 log^4 8 = 149.6 > 64.
  EXPECT_EQ(topr_c(4.0).topr_count(8, 8), 64u);
  EXPECT_EQ(topr_c(2.0).topr_count(3, 1), 0u);  // log 1 = 0
}

TEST(EnsembleTopR, CountFromSparsity) {
  // r = round((1 - s) rows cols).
  EXPECT_EQ(topr_sparsity(0.9).topr_count(256, 256), 6554u);  // 6553.6
  EXPECT_EQ(topr_sparsity(0.5).topr_count(64, 64), 2048u);
  EXPECT_EQ(topr_sparsity(0.0).topr_count(30, 20), 600u);
  EXPECT_EQ(topr_sparsity(0.7).topr_count(50, 80), 1200u);
  EXPECT_EQ(topr_sparsity(0.99).topr_count(100, 100), 100u);
  EXPECT_DOUBLE_EQ(topr_sparsity(0.9).expected_kept_fraction(256, 256), 6554.0 / 65536.0);
}

/// Checks that `s` keeps exactly the r largest |w| of the unpruned weights w0, scaled by b.
void expect_top_r(const LayerSample& s, const arma::mat& w0, std::size_t r, double b) {
  ASSERT_TRUE(s.mask.has_value());
  const arma::Mat<std::uint8_t>& m = *s.mask;
  EXPECT_EQ(s.kept, r);
  EXPECT_EQ(arma::accu(arma::conv_to<arma::umat>::from(m)), r);
  EXPECT_EQ(arma::accu(s.weights != 0.0), r);
  double min_kept = kInf, max_pruned = 0.0;
  for (arma::uword k = 0; k < w0.n_elem; ++k) {
    const double mag = std::abs(w0[k]);
    if (m[k]) {
      min_kept = std::min(min_kept, mag);
      ASSERT_EQ(s.weights[k], b * w0[k]) << "entry " << k;
    } else {
      max_pruned = std::max(max_pruned, mag);
      ASSERT_EQ(s.weights[k], 0.0) << "entry " << k;
    }
  }
  if (r > 0 && r < w0.n_elem) {
    EXPECT_GT(min_kept, max_pruned);
  }
}

TEST(EnsembleTopR, KeepsExactlyTheRLargest) {
  struct Case {
    Ensemble e;
    std::size_t rows, cols;
  };
  const std::vector<Case> cases = {
      {topr_c(2.0, ScaleRule::theorem), 256, 256},
      {topr_c(1.0, ScaleRule::variance_matched), 256, 256},
      {topr_c(1.5, ScaleRule::none), 50, 80},
      {topr_c(4.0, ScaleRule::inverse_sqrt), 8, 8},  // keeps everything
      {topr_sparsity(0.9, ScaleRule::inverse_sqrt), 256, 256},
      {topr_sparsity(0.99, ScaleRule::theorem), 128, 128},
      {topr_sparsity(0.5, ScaleRule::variance_matched, 0.5), 64, 64},
      {topr_sparsity(0.7, ScaleRule::none), 50, 80},
      {topr_sparsity(0.0, ScaleRule::theorem), 20, 30},
  };
  std::uint64_t rep = 100;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.e.describe() + " " + std::to_string(c.rows) + "x" + std::to_string(c.cols));
    const LayerSample s = draw(c.e, c.rows, c.cols, rep);
    const double b = c.e.scale_factor(c.rows, c.cols);
    EXPECT_EQ(s.scale, b);
    expect_top_r(s, twin(c.e.params().sigma2, c.rows, c.cols, rep),
                 c.e.topr_count(c.rows, c.cols), b);
    ++rep;
  }
}

TEST(EnsembleThreshold, KeepsExactlyTheEntriesAboveT) {
  std::uint64_t rep = 200;
  for (ScaleRule rule : kAllRules) {
    for (double t : {0.05, 0.1, 0.2}) {
      const Ensemble e = threshold(t, rule);
      SCOPED_TRACE(e.describe());
      const LayerSample s = draw(e, 256, 256, rep);
      const arma::mat w0 = twin(2.0, 256, 256, rep);
      ++rep;
      const double b = e.scale_factor(256, 256);
      ASSERT_TRUE(s.mask.has_value());
      std::size_t expected_kept = 0;
      for (arma::uword k = 0; k < w0.n_elem; ++k) {
        const bool on = std::abs(w0[k]) > t;
        expected_kept += on;
        ASSERT_EQ((*s.mask)[k], on ? 1 : 0) << "entry " << k << ", |w| = " << std::abs(w0[k]);
        ASSERT_EQ(s.weights[k], on ? b * w0[k] : 0.0) << "entry " << k;
      }
      EXPECT_EQ(s.kept, expected_kept);
      EXPECT_EQ(arma::accu(s.weights != 0.0), expected_kept);
      EXPECT_EQ(s.scale, b);
      // Unscaled: every kept weight itself exceeds t (no reference to the twin).
      if (rule == ScaleRule::none) {
        for (arma::uword k = 0; k < s.weights.n_elem; ++k) {
          if (s.weights[k] != 0.0) {
            ASSERT_GT(std::abs(s.weights[k]), t);
          }
        }
      }
      // The kept count is Binomial(N, p), p = erfc(a / sqrt 2), a = t sqrt(n) / sigma.
      const double N = 65536.0;
      const double p = std::erfc(t * 16.0 / std::sqrt(2.0) / std::numbers::sqrt2);
      EXPECT_DOUBLE_EQ(e.expected_kept_fraction(256, 256), p);
      EXPECT_NEAR(static_cast<double>(s.kept), N * p, kZ * std::sqrt(N * p * (1.0 - p)));
    }
  }
}

TEST(EnsembleRandomPrune, KeptCountIsBinomialAndWeightsAreScaledCopies) {
  std::uint64_t rep = 300;
  for (double sp : {0.0, 0.3, 0.9, 0.99}) {
    for (ScaleRule rule : kAllRules) {
      const Ensemble e = random_prune(sp, rule);
      SCOPED_TRACE(e.describe());
      const std::size_t rows = 256, cols = 256;
      const LayerSample s = draw(e, rows, cols, rep);
      const arma::mat w0 = twin(2.0, rows, cols, rep);
      ++rep;
      const double b = e.scale_factor(rows, cols);
      ASSERT_TRUE(s.mask.has_value());
      std::size_t on = 0;
      for (arma::uword k = 0; k < w0.n_elem; ++k) {
        const bool m = (*s.mask)[k] != 0;
        on += m;
        ASSERT_EQ(s.weights[k], m ? b * w0[k] : 0.0) << "entry " << k;
      }
      EXPECT_EQ(s.kept, on);
      EXPECT_DOUBLE_EQ(e.expected_kept_fraction(rows, cols), 1.0 - sp);
      // kept ~ Binomial(n^2, 1 - s): 4.5 binomial standard errors.
      const double N = static_cast<double>(rows * cols), p = 1.0 - sp;
      EXPECT_NEAR(static_cast<double>(s.kept), N * p, kZ * std::sqrt(N * p * (1.0 - p)) + 1e-9);
    }
  }
  // A rectangular shape.
  const LayerSample r = draw(random_prune(0.75), 100, 300, 399);
  EXPECT_NEAR(static_cast<double>(r.kept), 30000 * 0.25, kZ * std::sqrt(30000 * 0.25 * 0.75));
}

// ---------------------------------------------------------------------------------------
// Scale factors: closed forms

TEST(EnsembleScale, InverseSqrtForRandomPruning) {
  // Thm 4.1: b = (1 - s)^(-1/2); for random pruning it is also the exact variance match,
  // so every rule other than `none` gives it.
  for (ScaleRule rule : {ScaleRule::inverse_sqrt, ScaleRule::theorem, ScaleRule::variance_matched}) {
    EXPECT_DOUBLE_EQ(random_prune(0.75, rule).scale_factor(100, 100), 2.0);
    EXPECT_DOUBLE_EQ(random_prune(0.9, rule).scale_factor(100, 100), 3.1622776601683795);
    EXPECT_DOUBLE_EQ(random_prune(0.0, rule).scale_factor(100, 100), 1.0);
    EXPECT_DOUBLE_EQ(random_prune(0.36, rule).scale_factor(7, 300), 1.25);
  }
  EXPECT_EQ(random_prune(0.9, ScaleRule::none).scale_factor(100, 100), 1.0);
  // Unpruned kinds are never scaled.
  for (EnsembleKind k : {EnsembleKind::iid, EnsembleKind::dependent, EnsembleKind::equicorrelated,
                         EnsembleKind::surrogate}) {
    for (ScaleRule r : kAllRules) EXPECT_EQ(example(k, r).scale_factor(64, 64), 1.0);
  }
}

// Reference values (mpmath 1.3.0, 30 digits):
//   python3 -c "
//   from mpmath import *; mp.dps = 30
//   T = lambda a: 2*quad(lambda x: x**2*exp(-x**2/2)/sqrt(2*pi), [a, inf])
//   P = lambda t, n: sqrt(sqrt(2*pi)*exp(n*t**2/2)/(t*n**mpf(1.5)))
//   for a in ['0.5', '1', '2.2627416997969522', '3', '5', '7', '8']: print(a, T(mpf(a)))
//   for n, t in [(256, '0.1'), (256, '0.15'), (256, '0.2'), (1024, '0.1'), (100, '0.3')]:
//     t = mpf(t); a = t*sqrt(n)/sqrt(2); print(n, t, P(t, n), 1/sqrt(T(a)), P(t, n)*sqrt(T(a)),
//                                              erfc(a/sqrt(2)))"
struct MomentRef {
  double a, t;
};
constexpr MomentRef kTruncRef[] = {
    {0.5, 0.969140404216273270499},
    {1.0, 0.801251956901200802425},
    {2.2627416997969522, 0.163218110469668518278},
    {3.0, 0.0292908865348882321069},
    {5.0, 0.0000154404982911013649024},
    {7.0, 1.30445710804875976808927842218e-10},
    {8.0, 8.20805294514446334319061528827e-14},
};

struct ScaleRef {
  double n, t, paper, matched, ratio, kept;
};
constexpr ScaleRef kScaleRef[] = {
    {256, 0.1, 0.148358851119508854153, 1.16730731236508935992, 0.127094938537580105891,
     0.257899035292339513833},
    {256, 0.15, 0.269589775783612241197, 1.56078765824546085683, 0.172726747523534419025,
     0.0896860217703646197616},
    {256, 0.2, 0.715556397535727218737, 2.47523152177432814505, 0.289086653608383523203,
     0.0236516166553559922257},
    {1024, 0.1, 0.357778198767863609368, 2.47523152177432814505, 0.144543326804191761602,
     0.0236516166553559922257},
    {100, 0.3, 0.867255222947776436692, 2.17037579604392596051, 0.399587585029548573260,
     0.0338948535246892729330},
};

TEST(EnsembleScale, TruncatedSecondMomentAgainstMpmathAndSimpson) {
  for (const MomentRef& r : kTruncRef) {
    EXPECT_NEAR(jacstab::truncated_second_moment(r.a), r.t, 1e-14 * r.t) << "a = " << r.a;
  }
  // Against an independent Simpson integral on a grid of a.
  for (double a = 0.0; a <= 8.0; a += 0.25) {
    const double ref = simpson_truncated_second_moment(a);
    EXPECT_NEAR(jacstab::truncated_second_moment(a), ref, 1e-11 * ref + 1e-300) << "a = " << a;
  }
  EXPECT_EQ(jacstab::truncated_second_moment(0.0), 1.0);
  EXPECT_EQ(jacstab::truncated_second_moment(-2.0), 1.0);  // |N| > a always
  // Strictly decreasing, positive, and vanishing far out.
  double prev = 1.0;
  for (double a = 0.1; a < 30.0; a += 0.1) {
    const double v = jacstab::truncated_second_moment(a);
    ASSERT_GT(v, 0.0) << a;
    ASSERT_LT(v, prev) << a;
    prev = v;
  }
  EXPECT_EQ(jacstab::truncated_second_moment(60.0), 0.0);
}

TEST(EnsembleScale, PrintedTheorem42FactorByHand) {
  for (const ScaleRef& r : kScaleRef) {
    SCOPED_TRACE("n = " + std::to_string(r.n) + ", t = " + std::to_string(r.t));
    EXPECT_NEAR(jacstab::paper_magnitude_scale(r.t, r.n), r.paper, 1e-14 * r.paper);
    // (sqrt(2 pi) e^{n t^2 / 2} / (t n^{3/2}))^{1/2}, evaluated directly.
    const double direct =
        std::sqrt(kSqrt2Pi * std::exp(r.n * r.t * r.t / 2.0) / (r.t * std::pow(r.n, 1.5)));
    EXPECT_NEAR(jacstab::paper_magnitude_scale(r.t, r.n), direct, 1e-14 * direct);
  }
  // Large n t^2: e^{n t^2 / 2} = e^{1000} overflows a double, the square root does not.
  const double big = jacstab::paper_magnitude_scale(1.0, 2000.0);
  EXPECT_TRUE(std::isfinite(big));
  EXPECT_NEAR(std::log(big),
              0.5 * (0.5 * std::log(2.0 * std::numbers::pi) + 1000.0 - 1.5 * std::log(2000.0)),
              1e-12);
}

TEST(EnsembleScale, ThresholdFactorsForEveryRule) {
  for (const ScaleRef& r : kScaleRef) {
    const auto n = static_cast<std::size_t>(r.n);
    SCOPED_TRACE("n = " + std::to_string(n) + ", t = " + std::to_string(r.t));
    EXPECT_NEAR(threshold(r.t, ScaleRule::theorem).scale_factor(n, n), r.paper, 1e-14 * r.paper);
    EXPECT_NEAR(threshold(r.t, ScaleRule::variance_matched).scale_factor(n, n), r.matched,
                1e-13 * r.matched);
    EXPECT_NEAR(threshold(r.t).expected_kept_fraction(n, n), r.kept, 1e-14 * r.kept);
    EXPECT_NEAR(threshold(r.t, ScaleRule::inverse_sqrt).scale_factor(n, n), 1.0 / std::sqrt(r.kept),
                1e-13 / std::sqrt(r.kept));
    EXPECT_EQ(threshold(r.t, ScaleRule::none).scale_factor(n, n), 1.0);
  }
  // Variance-matched factor: 1/sqrt(2 a phi(a) + erfc(a / sqrt 2)), a = t sqrt(n) / sigma,
  // by hand at sigma2 = 0.5, n = 100, t = 0.1 (a = 1 / sqrt(0.5) = sqrt 2), and for a
  // rectangular shape, where n is the fan-in (cols).
  const double a = std::sqrt(2.0);
  const double hand = 1.0 / std::sqrt(2.0 * a * phi(a) + std::erfc(a / std::numbers::sqrt2));
  EXPECT_NEAR(threshold(0.1, ScaleRule::variance_matched, 0.5).scale_factor(100, 100), hand,
              1e-14 * hand);
  EXPECT_NEAR(threshold(0.1, ScaleRule::variance_matched, 0.5).scale_factor(7, 100), hand,
              1e-14 * hand);
}

// The printed factor of Thm 4.2 is not the variance-preserving one: its proof takes
// x = n t^2 in E[N^2 1{N^2 > x}] where |w| > t means N^2 > n t^2 / 2, and drops the 2/n of
// w^2 = (2/n) N^2. At n = 256 the printed factor is 0.13-0.29 times the variance-matched
// one (below 1 itself: it shrinks the kept weights). This pins those numbers.
TEST(EnsembleScale, PrintedFactorIsNotVarianceMatched) {
  for (const ScaleRef& r : kScaleRef) {
    const auto n = static_cast<std::size_t>(r.n);
    const double ratio = threshold(r.t, ScaleRule::theorem).scale_factor(n, n) /
                         threshold(r.t, ScaleRule::variance_matched).scale_factor(n, n);
    EXPECT_NEAR(ratio, r.ratio, 1e-13) << "n = " << n << ", t = " << r.t;
    EXPECT_LT(ratio, 0.5);
  }
}

TEST(EnsembleScale, TopRThresholdAgainstTheorem43) {
  // t = (2 / sqrt n) erf^{-1}(1 - r / (n^2 + 1)) at sigma2 = 2. Reference values:
  //   python3 -c "
  //   from mpmath import *; mp.dps = 30
  //   for n, r in [(256, 7871), (256, 1419), (100, 2120), (256, 6554), (64, 2048)]:
  //     print(n, r, 2/sqrt(n)*erfinv(1 - mpf(r)/(n**2 + 1)))"
  struct Ref {
    Ensemble e;
    std::size_t n, r;
    double t;
  };
  const std::vector<Ref> refs = {
      {topr_c(2.0), 256, 7871, 0.137386745827183803896},
      {topr_c(1.0), 256, 1419, 0.202976749519980474082},
      {topr_c(2.0), 100, 2120, 0.176514033913840310930},
      {topr_sparsity(0.9), 256, 6554, 0.145383932733482723228},
      {topr_sparsity(0.5), 64, 2048, 0.119268016356508006898},
  };
  for (const Ref& ref : refs) {
    SCOPED_TRACE(ref.e.describe() + " n = " + std::to_string(ref.n));
    ASSERT_EQ(ref.e.topr_count(ref.n, ref.n), ref.r);
    EXPECT_NEAR(ref.e.topr_threshold(ref.n, ref.n), ref.t, 1e-14 * ref.t);
    const double nn = static_cast<double>(ref.n);
    const double paper = 2.0 / std::sqrt(nn) *
                         boost::math::erf_inv(1.0 - static_cast<double>(ref.r) / (nn * nn + 1.0));
    EXPECT_NEAR(ref.e.topr_threshold(ref.n, ref.n), paper, 1e-13 * paper);
    // The theorem and variance-matched factors use this threshold, with n the fan-in.
    const double t = ref.t;
    const double a = t * std::sqrt(nn) / std::sqrt(2.0);
    const double printed = jacstab::paper_magnitude_scale(t, nn);
    EXPECT_NEAR(with_rule(ref.e, ScaleRule::theorem).scale_factor(ref.n, ref.n), printed,
                1e-12 * printed);
    const double m = 1.0 / std::sqrt(jacstab::truncated_second_moment(a));
    EXPECT_NEAR(with_rule(ref.e, ScaleRule::variance_matched).scale_factor(ref.n, ref.n), m,
                1e-12 * m);
    EXPECT_DOUBLE_EQ(with_rule(ref.e, ScaleRule::inverse_sqrt).scale_factor(ref.n, ref.n),
                     std::sqrt(nn * nn / static_cast<double>(ref.r)));
  }
  // The threshold scales with sigma: sigma2 = 0.5 halves it.
  EXPECT_NEAR(topr_c(2.0, ScaleRule::none, 0.5).topr_threshold(256, 256),
              0.5 * 0.137386745827183803896, 1e-15);
  // No entry kept: infinite threshold.
  EXPECT_EQ(topr_sparsity(0.9999).topr_threshold(10, 10), kInf);
}

// ---------------------------------------------------------------------------------------
// Monte-Carlo moments

// Variance-matched threshold pruning: E[(b w)^2 1{|w| > t}] = sigma2 / n exactly. Per entry
// X = (b w)^2 1{kept} has Var X = (sigma2/n)^2 (b^4 E[N^4 1{|N| > a}] - 1), where
// E[N^4 1{|N| > a}] = 2 a^3 phi(a) + 3 T(a) (by parts), b^2 = 1 / T(a). Entries are
// independent, so the SE of the mean over N entries is sqrt(Var X / N).
TEST(EnsembleMoments, VarianceMatchedThresholdPreservesVariance) {
  struct Case {
    double t, sigma2;
  };
  std::uint64_t rep = 400;
  for (const Case& c : {Case{0.2, 2.0}, Case{0.1, 2.0}, Case{0.05, 0.5}}) {
    const Ensemble e = threshold(c.t, ScaleRule::variance_matched, c.sigma2);
    const std::size_t n = 256, matrices = 40;
    double sum = 0.0;
    std::size_t kept = 0;
    jacstab::Engine eng = engine(rep++);
    arma::mat w(n, n);
    for (std::size_t k = 0; k < matrices; ++k) {
      kept += e.sample_into(w, eng);
      sum += arma::accu(arma::square(w));
    }
    const double N = static_cast<double>(matrices * n * n);
    const double v = c.sigma2 / static_cast<double>(n);
    const double a = c.t * std::sqrt(static_cast<double>(n) / c.sigma2);
    const double T = jacstab::truncated_second_moment(a);
    const double var_x = v * v * ((2.0 * a * a * a * phi(a) + 3.0 * T) / (T * T) - 1.0);
    SCOPED_TRACE(e.describe());
    EXPECT_NEAR(sum / N, v, kZ * std::sqrt(var_x / N));
    // The kept fraction as well: Binomial(N, erfc(a / sqrt 2)).
    const double p = std::erfc(a / std::numbers::sqrt2);
    EXPECT_NEAR(static_cast<double>(kept) / N, p, kZ * std::sqrt(p * (1 - p) / N));
  }
}

// Scaled random pruning preserves the variance too: X = (b w)^2 1{kept} with b^2 = 1/(1-s)
// has mean sigma2/n and variance (sigma2/n)^2 (3 / (1 - s) - 1).
TEST(EnsembleMoments, InverseSqrtRandomPruningPreservesVariance) {
  std::uint64_t rep = 450;
  for (double sp : {0.5, 0.9}) {
    const Ensemble e = random_prune(sp, ScaleRule::inverse_sqrt);
    const std::size_t rows = 128, cols = 200, matrices = 20;
    double sum = 0.0;
    jacstab::Engine eng = engine(rep++);
    arma::mat w(rows, cols);
    for (std::size_t k = 0; k < matrices; ++k) {
      e.sample_into(w, eng);
      sum += arma::accu(arma::square(w));
    }
    const double N = static_cast<double>(matrices * rows * cols);
    const double v = 2.0 / static_cast<double>(cols);
    EXPECT_NEAR(sum / N, v, kZ * v * std::sqrt((3.0 / (1.0 - sp) - 1.0) / N)) << e.describe();
  }
}

/// Entries w_i = a z_i + b s with z_i, s iid N(0, sigma2 / cols) (one s per matrix), i.e.
/// var = (a2 + b2) sigma2/cols, corr = b2 / (a2 + b2). Over K independent matrices of
/// T = rows cols entries, with m = mean of w^2, c = (S1^2 - S2) / (T (T - 1)) the mean of
/// w_i w_j over pairs i != j, and M = mean of w (units of sigma2/cols):
///   E m = a2 + b2,  Var m = 2 a2^2 / T + 4 a2 b2 / T + 2 b2^2,
///   E c = b2,       Var c = 2 a2^2 / (T (T - 1)) + 4 a2 b2 / T + 2 b2^2,
///   E M = 0,        Var M = a2 / T + b2.
/// (Expand S1 = a Z + T b s, S2 = a^2 sum z^2 + 2 a b s Z + T b^2 s^2; the cross terms
/// are uncorrelated because odd Gaussian moments vanish.)
void check_moments(const Ensemble& e, double a2, double b2, std::uint64_t rep) {
  SCOPED_TRACE(e.describe());
  const std::size_t rows = 6, cols = 10, K = 20000;
  const double T = static_cast<double>(rows * cols);
  const double v = e.params().sigma2 / static_cast<double>(cols);
  jacstab::Engine eng = engine(rep);
  arma::mat w(rows, cols);
  double sum_m = 0, sum_c = 0, sum_M = 0;
  // A fixed pair of entries, (0, 0) and (rows-1, cols-1), for a Pearson correlation.
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (std::size_t k = 0; k < K; ++k) {
    e.sample_into(w, eng);
    const double s1 = arma::accu(w), s2 = arma::accu(arma::square(w));
    sum_m += s2 / T;
    sum_c += (s1 * s1 - s2) / (T * (T - 1));
    sum_M += s1 / T;
    const double x = w(0, 0), y = w(rows - 1, cols - 1);
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }
  const double Kd = static_cast<double>(K);
  const double m = sum_m / Kd / v, c = sum_c / Kd / v, M = sum_M / Kd / std::sqrt(v);
  const double se_m = std::sqrt((2 * a2 * a2 / T + 4 * a2 * b2 / T + 2 * b2 * b2) / Kd);
  const double se_c =
      std::sqrt((2 * a2 * a2 / (T * (T - 1)) + 4 * a2 * b2 / T + 2 * b2 * b2) / Kd);
  const double se_M = std::sqrt((a2 / T + b2) / Kd);
  EXPECT_NEAR(m, a2 + b2, kZ * se_m) << "variance / (sigma2/n)";
  EXPECT_NEAR(c, b2, kZ * se_c) << "covariance / (sigma2/n)";
  EXPECT_NEAR(M, 0.0, kZ * se_M) << "mean / sqrt(sigma2/n)";
  // Correlation c / m; (se_c + rho se_m) / E m bounds the delta-method SE of the ratio.
  const double rho = b2 / (a2 + b2);
  EXPECT_NEAR(c / m, rho, kZ * (se_c + rho * se_m) / (a2 + b2)) << "pooled correlation";
  // Pearson correlation of one fixed pair across draws: SE (1 - rho^2) / sqrt(K).
  const double cov = sxy / Kd - (sx / Kd) * (sy / Kd);
  const double r = cov / std::sqrt((sxx / Kd - sx * sx / (Kd * Kd)) * (syy / Kd - sy * sy / (Kd * Kd)));
  EXPECT_NEAR(r, rho, kZ * (1 - rho * rho) / std::sqrt(Kd)) << "pair correlation";
}

TEST(EnsembleMoments, IidVarianceIsSigma2OverFanIn) {
  check_moments(Ensemble(params(EnsembleKind::iid, 2.0)), 1.0, 0.0, 500);
  check_moments(Ensemble(params(EnsembleKind::iid, 0.5)), 1.0, 0.0, 501);
  check_moments(example(EnsembleKind::surrogate), 1.0, 0.0, 502);
}

TEST(EnsembleMoments, DependentVarianceAndCorrelation) {
  // W = W_ind + eta w: variance (1 + eta^2) sigma2/n, correlation eta^2 / (1 + eta^2).
  std::uint64_t rep = 510;
  for (double eta : {0.0, 0.125, 0.5, 1.0}) {
    EnsembleParams p = params(EnsembleKind::dependent, 2.0);
    p.eta = eta;
    check_moments(Ensemble(p), 1.0, eta * eta, rep++);
  }
  EnsembleParams p = params(EnsembleKind::dependent, 4.0);
  p.eta = 0.5;
  check_moments(Ensemble(p), 1.0, 0.25, rep++);
}

TEST(EnsembleMoments, EquicorrelatedVarianceAndCorrelation) {
  // Variance sigma2/n, correlation rho.
  std::uint64_t rep = 520;
  for (double rho : {0.0, 0.05, 0.3, 0.8}) {
    EnsembleParams p = params(EnsembleKind::equicorrelated, 2.0);
    p.rho = rho;
    check_moments(Ensemble(p), 1.0 - rho, rho, rep++);
  }
}

TEST(EnsembleMoments, DependentShiftIsSharedWithinAMatrixAndFreshAcrossMatrices) {
  // Within one big matrix the sample covariance of distinct entries is s^2 for the
  // matrix's own shift s: it varies between matrices (here eta = 1, so s^2 ~ (2/n) chi2_1),
  // while the iid kind gives zero up to O(1/n^2).
  EnsembleParams p = params(EnsembleKind::dependent, 2.0);
  p.eta = 1.0;
  const Ensemble e(p);
  jacstab::Engine eng = engine(530);
  std::vector<double> means;
  for (int k = 0; k < 50; ++k) means.push_back(arma::mean(arma::vectorise(e.sample(128, 128, eng).weights)));
  const arma::vec mv(means);
  // Var of the matrix mean is (eta^2 + 1/T) sigma2/n; over 50 matrices 49 s^2 / Var is
  // chi2_49, below 49/3 with probability 3.0e-6 and above 147 with probability 1e-11.
  const double expected = (1.0 + 1.0 / (128.0 * 128.0)) * 2.0 / 128.0;
  EXPECT_GT(arma::var(mv), expected / 3.0);
  EXPECT_LT(arma::var(mv), expected * 3.0);
}

}  // namespace

// Drawing a subset of columns gives exactly those columns of the full draw, and leaves the
// engine where the full draw leaves it (the fast Monte-Carlo path relies on both).
TEST(EnsembleColumns, SubsetOfColumnsMatchesTheFullMatrix) {
  EnsembleParams prune = params(EnsembleKind::random_prune);
  prune.sparsity = 0.3;
  prune.scale = ScaleRule::inverse_sqrt;
  EnsembleParams thr = params(EnsembleKind::magnitude_threshold);
  thr.threshold = 0.05;
  EnsembleParams dep = params(EnsembleKind::dependent);
  dep.eta = 0.3;
  EnsembleParams eq = params(EnsembleKind::equicorrelated);
  eq.rho = 0.2;
  const arma::uvec subset = {0, 3, 4, 17, 29};
  for (const EnsembleParams& p : {params(EnsembleKind::iid), params(EnsembleKind::surrogate), prune, thr, dep, eq}) {
    const Ensemble ens(p);
    SCOPED_TRACE(ens.describe());
    ASSERT_TRUE(ens.column_separable());
    jacstab::Engine a = engine(7, "columns"), b = engine(7, "columns");
    arma::mat full(20, 30), part(20, 30, arma::fill::value(-99.0));
    ens.sample_into(full, a);
    ens.sample_columns_into(part, b, subset);
    for (arma::uword c = 0; c < 30; ++c) {
      const bool drawn = arma::any(subset == c);
      for (arma::uword i = 0; i < 20; ++i) {
        if (drawn) EXPECT_EQ(part(i, c), full(i, c)) << i << "," << c;
        else EXPECT_EQ(part(i, c), -99.0) << "column " << c << " must be left alone";
      }
    }
    EXPECT_EQ(a(), b()) << "engines out of step";
  }
}

TEST(EnsembleColumns, TopRIsNotColumnSeparable) {
  EnsembleParams p = params(EnsembleKind::magnitude_topr);
  p.sparsity = 0.5;
  const Ensemble ens(p);
  EXPECT_FALSE(ens.column_separable());
  arma::mat w(8, 8);
  jacstab::Engine e = engine(1, "columns");
  EXPECT_THROW_WITH(ens.sample_columns_into(w, e, arma::uvec{0}), std::logic_error,
                    "sample_columns_into()", "magnitude-topr");
  const Ensemble iid;
  EXPECT_THROW_WITH(iid.sample_columns_into(w, e, arma::uvec{8}), std::invalid_argument,
                    "column must be < 8, got 8");
}

TEST(EnsembleColumns, ColumnsAreIndependentStreams) {
  // Neighbouring columns of one matrix, and the same column of consecutive matrices, are
  // uncorrelated (Pearson, alpha = 1e-3 each).
  const Ensemble iid;
  jacstab::Engine e = engine(3, "columns-corr");
  arma::mat w1(4000, 2), w2(4000, 2);
  iid.sample_into(w1, e);
  iid.sample_into(w2, e);
  const arma::vec c0 = w1.col(0), c1 = w1.col(1), d0 = w2.col(0);
  EXPECT_GT(jacstab::pearson_correlation(std::span<const double>(c0.memptr(), c0.n_elem),
                                         std::span<const double>(c1.memptr(), c1.n_elem)).p_value, 1e-3);
  EXPECT_GT(jacstab::pearson_correlation(std::span<const double>(c0.memptr(), c0.n_elem),
                                         std::span<const double>(d0.memptr(), d0.n_elem)).p_value, 1e-3);
}
