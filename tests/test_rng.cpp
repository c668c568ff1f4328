// Tests of the random streams: distribution of the normal sampler (KS, Anderson-Darling and
// the first four moments on >= 10^6 draws), the ziggurat tail, uniform and Bernoulli draws,
// reproducibility, and independence of neighbouring streams.
//
// Seeds are fixed, so every test is deterministic. Each goodness-of-fit check uses alpha =
// 1e-3 (p-value > 1e-3) and each moment check 4.5 standard errors (two-sided false-failure
// rate 7e-6 under a correct sampler); the chance that a correct sampler fails any of the
// ~20 statistical checks below for a fresh seed is about 2%.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "jacstab/rng.hpp"
#include "jacstab/stats.hpp"

using namespace jacstab;

namespace {

constexpr double kAlpha = 1e-3;
constexpr double kSe = 4.5;

std::vector<double> normals(Engine e, std::size_t count) {
  std::vector<double> v(count);
  e.fill_normal(v.data(), count);
  return v;
}

double normal_sf(double x) { return 0.5 * std::erfc(x / std::numbers::sqrt2); }

}  // namespace

TEST(Rng, NormalPassesKolmogorovSmirnovOnTwoMillionDraws) {
  const auto z = normals(stream(20261122, "test_rng/ks", 0), 1u << 21);
  const KsResult ks = ks_test_normal(z);
  EXPECT_GT(ks.p_value, kAlpha) << "D = " << ks.statistic << ", n = " << ks.n;
}

TEST(Rng, NormalPassesAndersonDarlingOnTwoMillionDraws) {
  const auto z = normals(stream(20261122, "test_rng/ad", 0), 1u << 21);
  const AdResult ad = anderson_darling_normal(z);
  EXPECT_GT(ad.p_value, kAlpha) << "A2 = " << ad.statistic << ", n = " << ad.n;
}

TEST(Rng, NormalFirstFourMomentsWithinStandardErrors) {
  const auto z = normals(stream(20261122, "test_rng/moments", 0), 1u << 22);
  const Moments m = sample_moments(z);
  EXPECT_NEAR(m.mean, 0.0, kSe * m.se_mean);
  EXPECT_NEAR(m.variance, 1.0, kSe * m.se_variance);
  EXPECT_NEAR(m.skewness, 0.0, kSe * m.se_skewness);
  EXPECT_NEAR(m.excess_kurtosis, 0.0, kSe * m.se_excess_kurtosis);
}

TEST(Rng, ScaledFillHasRequestedVariance) {
  Engine e = stream(7, "test_rng/scaled", 0);
  std::vector<double> v(1u << 20);
  e.fill_normal(v.data(), v.size(), 0.25);
  const Moments m = sample_moments(v);
  EXPECT_NEAR(m.variance, 0.0625, kSe * m.se_variance);
}

TEST(Rng, ZigguratTailBeyondBaseStripHasNormalMass) {
  // The base strip ends at r = 3.6541528853610088; beyond it the tail algorithm is used.
  // Its mass, and the conditional distribution of the excess, must be right.
  const auto z = normals(stream(20261122, "test_rng/tail", 0), 1u << 23);
  const double r = 3.6541528853610088;
  std::vector<double> tail_u;
  for (double x : z) {
    if (std::abs(x) > r) tail_u.push_back(normal_sf(std::abs(x)) / normal_sf(r));  // U(0,1) under H0
  }
  const double p = 2.0 * normal_sf(r);
  const double n = static_cast<double>(z.size());
  const double se = std::sqrt(n * p * (1.0 - p));
  EXPECT_NEAR(static_cast<double>(tail_u.size()), n * p, kSe * se);
  const KsResult ks = ks_test_uniform(tail_u);
  EXPECT_GT(ks.p_value, kAlpha) << "tail KS D = " << ks.statistic << ", n = " << ks.n;
}

TEST(Rng, NormalAndFillNormalGiveTheSameSequence) {
  Engine a = stream(3, "test_rng/same", 5), b = stream(3, "test_rng/same", 5);
  std::vector<double> filled(10000);
  a.fill_normal(filled.data(), filled.size());
  for (double x : filled) ASSERT_EQ(x, b.normal());
  EXPECT_EQ(a(), b());  // both engines advanced identically, slow paths included
}

TEST(Rng, UniformIsUniform) {
  Engine e = stream(11, "test_rng/uniform", 0);
  std::vector<double> u(1u << 20);
  for (double& x : u) x = e.uniform();
  EXPECT_GT(ks_test_uniform(u).p_value, kAlpha);
  EXPECT_GT(anderson_darling_uniform(u).p_value, kAlpha);
  for (double& x : u) x = e.uniform_pos();
  for (double x : u) ASSERT_GT(x, 0.0);
}

TEST(Rng, UniformIntAndBernoulliRates) {
  Engine e = stream(13, "test_rng/int", 0);
  const std::size_t draws = 600000;
  std::vector<double> counts(3, 0.0);
  for (std::size_t i = 0; i < draws; ++i) counts[e.uniform_int(3)] += 1.0;
  const double se = std::sqrt(draws * (1.0 / 3.0) * (2.0 / 3.0));
  for (double c : counts) EXPECT_NEAR(c, draws / 3.0, kSe * se);
  double hits = 0.0;
  for (std::size_t i = 0; i < draws; ++i) hits += e.bernoulli(0.1);
  EXPECT_NEAR(hits, 0.1 * draws, kSe * std::sqrt(draws * 0.09));
  EXPECT_EQ(e.uniform_int(1), 0u);
}

TEST(Rng, StreamsAreReproducible) {
  const auto a = normals(stream(42, "x", 3), 1000);
  const auto b = normals(stream(42, "x", 3), 1000);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, normals(stream(43, "x", 3), 1000));
  EXPECT_NE(a, normals(stream(42, "y", 3), 1000));
  EXPECT_NE(a, normals(stream(42, "x", 4), 1000));
  EXPECT_EQ(stream_id_of("x"), stream_id_of("x"));
  EXPECT_NE(stream_id_of("x"), stream_id_of("y"));
}

TEST(Rng, DeriveDoesNotAdvanceTheParent) {
  Engine a = stream(5, "derive", 0), b = stream(5, "derive", 0);
  Engine child = a.derive(99);
  EXPECT_EQ(a(), b());
  Engine child2 = b.derive(99);
  (void)child2;
  Engine c = stream(5, "derive", 0);
  c();
  EXPECT_EQ(c.derive(99)(), b.derive(99)());  // same state, same child
  EXPECT_NE(child(), stream(5, "derive", 0)());
}

// Neighbouring replicates, seeds and stream ids must give uncorrelated sequences: Pearson
// correlation of paired draws (and of draws lagged by one) is tested at alpha = 1e-3, Holm-
// corrected over the 9 comparisons below.
TEST(Rng, NeighbouringStreamsAreUncorrelated) {
  const std::size_t n = 1u << 18;
  struct Pair {
    Engine a, b;
    const char* what;
  };
  std::vector<Pair> pairs = {
      {stream(1, "s", 0), stream(1, "s", 1), "replicates 0,1"},
      {stream(1, "s", 1), stream(1, "s", 2), "replicates 1,2"},
      {stream(1, "s", 1000), stream(1, "s", 1001), "replicates 1000,1001"},
      {stream(0, "s", 0), stream(1, "s", 0), "seeds 0,1"},
      {stream(1, "s", 0), stream(2, "s", 0), "seeds 1,2"},
      {stream(1, 0, 0), stream(1, 1, 0), "stream ids 0,1"},
      {stream(1, 1, 0), stream(1, 2, 0), "stream ids 1,2"},
      {stream(0, 0, 0), stream(0, 0, 1), "all-zero keys, replicate 0,1"},
      {stream(1, "s", 0).derive(1), stream(1, "s", 0).derive(2), "derived children 1,2"},
  };
  const double alpha_holm = kAlpha / static_cast<double>(pairs.size());
  for (auto& p : pairs) {
    const auto x = normals(p.a, n);
    const auto y = normals(p.b, n);
    const auto same = pearson_correlation(x, y);
    EXPECT_GT(same.p_value, alpha_holm) << p.what << ": r = " << same.r;
    const auto lag = pearson_correlation(std::span<const double>(x).subspan(1),
                                         std::span<const double>(y).first(n - 1));
    EXPECT_GT(lag.p_value, alpha_holm) << p.what << " (lag 1): r = " << lag.r;
  }
}

TEST(Rng, SerialCorrelationWithinAStreamIsAbsent) {
  const auto z = normals(stream(17, "serial", 0), 1u << 20);
  for (std::size_t lag : {1u, 2u, 255u, 256u, 257u}) {
    const auto r = pearson_correlation(std::span<const double>(z).subspan(lag),
                                       std::span<const double>(z).first(z.size() - lag));
    EXPECT_GT(r.p_value, kAlpha / 5.0) << "lag " << lag << ": r = " << r.r;
  }
}

// Power: the same checks reject a sampler whose scale is off by 1%, so passing above is
// informative.
TEST(Rng, GoodnessOfFitChecksDetectAOnePercentScaleError) {
  auto z = normals(stream(20261122, "test_rng/ks", 0), 1u << 21);
  for (double& x : z) x *= 1.01;
  EXPECT_LT(ks_test_normal(z).p_value, kAlpha);
  EXPECT_LT(anderson_darling_normal(z).p_value, kAlpha);
}
