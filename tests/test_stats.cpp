// Unit tests for lib/src/stats.cpp.
//
// Reference values come from tests/data/stats_reference.r.txt (R 4.2.2: ks.test, cor.test,
// the exact KS algorithm behind ks.test, sample statistics) and
// tests/data/stats_reference.py.txt (mpmath / numpy: limiting distributions to 30 digits,
// the exact KS distribution at n = 1e5 and 1e6, Monte Carlo for the finite-n
// Anderson-Darling distribution). tests/data/README.md records how they were produced.
//
// Accuracy verified here (tolerance / largest error observed; each failing check prints
// expected, computed, distance and tolerance, and the "[ accuracy ]" lines printed by the
// tests give the observed maxima):
//  * kolmogorov_smirnov_sf, relative:
//    - n <= 1e4 against R's exact algorithm (ks.test(exact = TRUE)), 1e-9 <= p <= 1:
//      2e-7 (or 1e-13 absolute, R's own accuracy) / 1.2e-7;
//    - upper tail, n = 2 ... 1e6, 1e-300 < p <= 0.005, against twice R's exact one-sided
//      probability (pkolmogorov1x of ks.test): 1e-8 / 2.4e-11;
//    - n = 1e5, 0.01 <= p <= 0.96, against R's exact algorithm and numpy: 2e-5 / 4.5e-6;
//    - n = 1e6, 0.0098 <= p <= 0.96, against the exact algorithm in numpy: 2e-6 / 4.5e-7;
//    - the limiting distribution (Boost) against 30-digit values: 1e-12, and against R's
//      ks.test(exact = FALSE): 1e-6 absolute (R sums its series only to 1e-6);
//  * anderson_darling_limit_sf against 30-digit quadrature and Laplace inversion,
//    z in [0.05, 700] (p down to 3.6e-306): 1e-12 / 1.4e-14;
//  * anderson_darling_sf (finite-n correction of Marsaglia & Marsaglia 2004) against
//    10^7-replicate Monte Carlo for n = 5, 10, 50 and p from 0.75 down to 1.5e-5:
//    4 standard errors + 3e-4 absolute (less for p < 0.01) + 6% relative;
//  * pearson_correlation against R's cor.test: r 1e-13, p 1e-10 (p down to 1.9e-59),
//    confidence limits 1e-12 (relative).
#include "jacstab/stats.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/math/distributions/kolmogorov_smirnov.hpp>
#include <boost/math/distributions/normal.hpp>

#include "reference_records.hpp"

namespace {

using jacstab::detail::kolmogorov_limit_sf;

using jacstab_test::all;
using jacstab_test::load_records;
using jacstab_test::Records;
using jacstab_test::single;

const Records& r_ref() {
  static const Records rec = load_records("stats_reference.r.txt");
  return rec;
}
const Records& py_ref() {
  static const Records rec = load_records("stats_reference.py.txt");
  return rec;
}

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

/// |computed - expected| <= max(abs_tol, rel_tol |expected|), reporting all four numbers.
::testing::AssertionResult near(double computed, double expected, double rel_tol,
                                double abs_tol = 0.0) {
  const double dist = std::abs(computed - expected);
  const double tol = std::max(abs_tol, rel_tol * std::abs(expected));
  if (dist <= tol) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected " << fmt(expected) << ", computed " << fmt(computed) << ", distance "
         << fmt(dist) << " (relative " << fmt(expected != 0 ? dist / std::abs(expected) : dist)
         << "), tolerance " << fmt(tol);
}

double rel_err(double computed, double expected) {
  return std::abs(computed - expected) / std::abs(expected);
}

void report(const std::string& what, std::size_t count, double max_rel) {
  std::printf("[ accuracy ] %s: %zu points, max relative error %.3g\n", what.c_str(), count,
              max_rel);
}

/// Expects `f` to throw std::invalid_argument whose message starts with `prefix`.
template <class F>
void expect_invalid(F&& f, const std::string& prefix) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected std::invalid_argument starting with '" << prefix
                  << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).substr(0, prefix.size()), prefix)
        << "full message: " << e.what();
  }
}

/// Deterministic uniform(0,1) and normal streams that do not depend on the standard
/// library's distribution implementations: 53-bit uniforms from mt19937_64, Box-Muller.
struct Stream {
  std::mt19937_64 eng;
  explicit Stream(std::uint64_t seed) : eng(seed) {}
  double uniform() { return (static_cast<double>(eng() >> 11) + 0.5) * 0x1.0p-53; }
  double normal() {
    const double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
  }
};

double normal_cdf(double x) { return boost::math::cdf(boost::math::normal_distribution<>(), x); }

/// 10^6 standard normal draws from a fixed stream, shared by the tests of the main use.
const std::vector<double>& million_normals() {
  static const std::vector<double> x = [] {
    Stream s(20240521);
    std::vector<double> v(1000000);
    for (double& e : v) e = s.normal();
    return v;
  }();
  return x;
}

// =======================================================================================
// sample_moments
// =======================================================================================

TEST(SampleMoments, SmallExactCase) {
  const std::vector<double> x{1, 2, 3, 4, 5};
  const auto m = jacstab::sample_moments(x);
  EXPECT_EQ(m.n, 5u);
  EXPECT_DOUBLE_EQ(m.mean, 3.0);
  EXPECT_DOUBLE_EQ(m.variance, 2.5);
  EXPECT_NEAR(m.skewness, 0.0, 1e-15);
  EXPECT_NEAR(m.excess_kurtosis, -1.3, 1e-14);  // m4/m2^2 - 3 = 6.8/4 - 3
  EXPECT_DOUBLE_EQ(m.se_mean, std::sqrt(2.5 / 5));
  EXPECT_DOUBLE_EQ(m.se_variance, 2.5 * std::sqrt(2.0 / 4));
  EXPECT_DOUBLE_EQ(m.se_skewness, std::sqrt(6.0 / 5));
  EXPECT_DOUBLE_EQ(m.se_excess_kurtosis, std::sqrt(24.0 / 5));
}

TEST(SampleMoments, MatchesR) {
  for (const std::string name : {"normal20", "normal500", "t5_200", "offset1000", "exp50"}) {
    SCOPED_TRACE(name);
    const auto& x = single(r_ref(), "sample." + name);
    const auto& e = single(r_ref(), "moments." + name);
    const auto m = jacstab::sample_moments(x);
    EXPECT_EQ(static_cast<double>(m.n), e[0]);
    EXPECT_TRUE(near(m.mean, e[1], 1e-15, 1e-15));
    // offset1000 has spread 1 around 1e9: the relative accuracy of the centred moments is
    // limited by the rounding of the data to ulp(1e9) ~ 1e-7 only through R's own result.
    EXPECT_TRUE(near(m.variance, e[2], 1e-12));
    EXPECT_TRUE(near(m.skewness, e[3], 1e-11, 1e-12));
    EXPECT_TRUE(near(m.excess_kurtosis, e[4], 1e-11, 1e-12));
    EXPECT_TRUE(near(m.se_mean, e[5], 1e-13));
    EXPECT_TRUE(near(m.se_variance, e[6], 1e-12));
    EXPECT_TRUE(near(m.se_skewness, e[7], 1e-15));
    EXPECT_TRUE(near(m.se_excess_kurtosis, e[8], 1e-15));
  }
}

TEST(SampleMoments, StableUnderLargeOffset) {
  // Shifting by 2^40 ~ 1.1e12 must not change the centred moments: the data are multiples
  // of 2^-10, so the shifted values are exact and only the algorithm can lose accuracy.
  std::vector<double> a, b;
  Stream s(7);
  const double shift = 0x1p40;
  for (int i = 0; i < 10000; ++i) {
    const double v = std::ldexp(std::round(std::ldexp(s.normal(), 10)), -10);
    a.push_back(v);
    b.push_back(v + shift);
  }
  const auto ma = jacstab::sample_moments(a), mb = jacstab::sample_moments(b);
  EXPECT_TRUE(near(mb.mean - shift, ma.mean, 0, 0x1p-12));  // the mean itself rounds to ulp(2^40)
  EXPECT_TRUE(near(mb.variance, ma.variance, 1e-12));
  EXPECT_TRUE(near(mb.skewness, ma.skewness, 0, 1e-10));
  EXPECT_TRUE(near(mb.excess_kurtosis, ma.excess_kurtosis, 0, 1e-10));
}

TEST(SampleMoments, RejectsBadInput) {
  expect_invalid([] { jacstab::sample_moments(std::vector<double>{}); },
                 "sample_moments(): need at least 2 values (n = 0)");
  expect_invalid([] { jacstab::sample_moments(std::vector<double>{1.0}); },
                 "sample_moments(): need at least 2 values (n = 1)");
  expect_invalid([] { jacstab::sample_moments(std::vector<double>{1.0, NAN, 2.0}); },
                 "sample_moments(): sample[1] is not finite (sample[1] = nan)");
  expect_invalid([] { jacstab::sample_moments(std::vector<double>{1.0, 2.0, INFINITY}); },
                 "sample_moments(): sample[2] is not finite (sample[2] = inf)");
  expect_invalid([] { jacstab::sample_moments(std::vector<double>{3.0, 3.0, 3.0}); },
                 "sample_moments(): sample is constant (all n = 3 values equal 3)");
}

// =======================================================================================
// Kolmogorov-Smirnov
// =======================================================================================

TEST(KsTest, StatisticAndPValueMatchR) {
  struct Case {
    const char* name;
    bool normal;
  };
  for (const Case c : {Case{"normal20", true}, Case{"normal500", true}, Case{"t5_200", true},
                       Case{"uniform100", false}, Case{"beta300", false}}) {
    SCOPED_TRACE(c.name);
    const auto& x = single(r_ref(), std::string("sample.") + c.name);
    const auto& e = single(r_ref(), std::string("ks.") + c.name);  // D, p exact, p asympt.
    const auto res = c.normal ? jacstab::ks_test_normal(x) : jacstab::ks_test_uniform(x);
    const auto gen = c.normal ? jacstab::ks_test(x, normal_cdf)
                              : jacstab::ks_test(x, [](double v) { return v; });
    EXPECT_EQ(res.n, x.size());
    EXPECT_TRUE(near(res.statistic, e[0], 1e-14));
    EXPECT_TRUE(near(gen.statistic, e[0], 1e-14));
    EXPECT_TRUE(near(res.p_value, e[1], 2e-7, 1e-14));
    EXPECT_TRUE(near(gen.p_value, e[1], 2e-7, 1e-14));
    // Boost's limiting distribution against R's ks.test(exact = FALSE), which sums the
    // series only to R's tolerance of 1e-6 (see LimitingDistribution for a tight check).
    const double sqrt_n = std::sqrt(static_cast<double>(x.size()));
    EXPECT_TRUE(near(kolmogorov_limit_sf(sqrt_n * e[0]), e[2], 0, 1e-6));
  }
}

TEST(KolmogorovSmirnovSf, MatchesRExactAlgorithm) {
  // n <= 1e4: exact methods; n = 1e5: Vrbik-corrected limit. R's values are 1 - P(D < d)
  // and carry an absolute error up to ~5e-14 (n = 1e4), hence the absolute tolerance.
  double max_small = 0, max_large = 0;
  std::size_t count_small = 0, count_large = 0;
  for (const auto& rec : all(r_ref(), "ks_sf")) {
    const auto n = static_cast<std::size_t>(rec[0]);
    const double d = rec[1], p = rec[2];
    const double got = jacstab::kolmogorov_smirnov_sf(n, d);
    if (n <= 10000) {
      EXPECT_TRUE(near(got, p, 2e-7, 1e-13)) << "n = " << n << ", d = " << fmt(d);
      if (p > 1e-6) max_small = std::max(max_small, rel_err(got, p));
      ++count_small;
    } else {
      EXPECT_TRUE(near(got, p, 2e-5)) << "n = " << n << ", d = " << fmt(d);
      max_large = std::max(max_large, rel_err(got, p));
      ++count_large;
    }
  }
  report("kolmogorov_smirnov_sf vs R exact, n <= 1e4 (p > 1e-6)", count_small, max_small);
  report("kolmogorov_smirnov_sf vs R exact, n = 1e5", count_large, max_large);
}

TEST(KolmogorovSmirnovSf, UpperTailMatchesExactOneSided) {
  double max_rel = 0;
  std::size_t count = 0;
  for (const auto& rec : all(r_ref(), "ks_sf_tail")) {
    const auto n = static_cast<std::size_t>(rec[0]);
    const double d = rec[1], p = rec[2];
    const double got = jacstab::kolmogorov_smirnov_sf(n, d);
    if (p == 0.0) {  // underflow in R: the true value is below ~1e-308
      EXPECT_LT(got, 1e-300) << "n = " << n << ", d = " << fmt(d);
      continue;
    }
    EXPECT_GT(got, 0.0) << "n = " << n << ", d = " << fmt(d);
    EXPECT_TRUE(near(got, p, 1e-8)) << "n = " << n << ", d = " << fmt(d);
    if (n <= 100000) {
      EXPECT_TRUE(near(2.0 * jacstab::detail::smirnov_sf(n, d), p, 1e-8))
          << "n = " << n << ", d = " << fmt(d);
    }
    max_rel = std::max(max_rel, rel_err(got, p));
    ++count;
  }
  report("kolmogorov_smirnov_sf vs R exact one-sided x2, 1e-300 < p <= 0.005", count, max_rel);
}

TEST(KolmogorovSmirnovSf, LargeNMatchesExactMatrixAlgorithm) {
  // The main use: n = 1e6 draws. Central region against the exact algorithm (numpy).
  double max_rel[2] = {0, 0};
  std::size_t count[2] = {0, 0};
  for (const auto& rec : all(py_ref(), "ks_sf_mtw")) {
    const auto n = static_cast<std::size_t>(rec[0]);
    const double d = rec[1], p = rec[2];
    const double got = jacstab::kolmogorov_smirnov_sf(n, d);
    const int i = n >= 1000000 ? 1 : 0;
    EXPECT_TRUE(near(got, p, i == 1 ? 2e-6 : 2e-5)) << "n = " << n << ", d = " << fmt(d);
    max_rel[i] = std::max(max_rel[i], rel_err(got, p));
    ++count[i];
  }
  report("kolmogorov_smirnov_sf vs exact (numpy MTW), n = 1e5, p in [0.01, 1]", count[0],
         max_rel[0]);
  report("kolmogorov_smirnov_sf vs exact (numpy MTW), n = 1e6, p in [0.01, 1]", count[1],
         max_rel[1]);
}

TEST(KolmogorovSmirnovSf, LimitingDistribution) {
  for (const auto& rec : all(py_ref(), "ks_limit")) {
    EXPECT_TRUE(near(kolmogorov_limit_sf(rec[0]), rec[1], 1e-12)) << "x = " << rec[0];
  }
  for (const auto& rec : all(r_ref(), "ks_limit")) {
    EXPECT_TRUE(near(kolmogorov_limit_sf(rec[0]), rec[1], 1e-9, 1e-15)) << "x = " << rec[0];
  }
  // Boost.Math's Kolmogorov-Smirnov distribution is the limiting law of sqrt(n) D_n scaled
  // back to D_n: P(D_n >= d) ~ P(K >= sqrt(n) d). An independent implementation.
  const boost::math::kolmogorov_smirnov_distribution<double> ks(100.0);
  for (const auto& rec : all(py_ref(), "ks_limit")) {
    if (rec[1] < 1e-300) continue;
    const double boost_sf = boost::math::cdf(boost::math::complement(ks, rec[0] / 10.0));
    EXPECT_TRUE(near(kolmogorov_limit_sf(rec[0]), boost_sf, 1e-10, 1e-16)) << "x = " << rec[0];
  }
}

TEST(KolmogorovSmirnovSf, ExactSpecialCases) {
  using jacstab::kolmogorov_smirnov_sf;
  // n = 1: D_1 = max(u, 1-u), P(D_1 >= d) = 2(1-d) on [1/2, 1].
  EXPECT_EQ(kolmogorov_smirnov_sf(1, 0.3), 1.0);
  EXPECT_TRUE(near(kolmogorov_smirnov_sf(1, 0.75), 0.5, 1e-15));
  EXPECT_EQ(kolmogorov_smirnov_sf(1, 1.0), 0.0);
  EXPECT_EQ(kolmogorov_smirnov_sf(10, 0.05), 1.0);  // D_n >= 1/(2n)
  EXPECT_EQ(kolmogorov_smirnov_sf(10, -1.0), 1.0);
  EXPECT_EQ(kolmogorov_smirnov_sf(10, 1.5), 0.0);
  EXPECT_TRUE(near(kolmogorov_smirnov_sf(10, 0.95), 2 * std::pow(0.05, 10), 1e-14));
  EXPECT_EQ(kolmogorov_smirnov_sf(10, INFINITY), 0.0);
  EXPECT_EQ(kolmogorov_smirnov_sf(1000000, 0.5), 0.0);  // < 2 exp(-2 n d^2): underflows
  expect_invalid([] { kolmogorov_smirnov_sf(0, 0.1); },
                 "kolmogorov_smirnov_sf(): n must be positive (n = 0)");
  expect_invalid([] { kolmogorov_smirnov_sf(5, NAN); }, "kolmogorov_smirnov_sf(): d is NaN");
}

TEST(KolmogorovSmirnovSf, MonotoneAcrossMethodSwitches) {
  // Grids across the switches between the exact special cases, the exact tail, the matrix
  // algorithm and the corrected limit: non-increasing up to the documented accuracy, and
  // never 0 for d < 1.
  struct Grid {
    std::size_t n;
    double x_lo, x_hi, step;  // x = sqrt(n) d
  };
  for (const Grid g : {Grid{1, 0.0, 1.1, 0.002}, Grid{3, 0.2, 1.8, 0.002},
                       Grid{40, 0.1, 6.4, 0.005}, Grid{2000, 1.3, 2.0, 0.01},
                       Grid{10001, 1.3, 2.0, 0.01}, Grid{200000, 1.5, 1.8, 0.05}}) {
    const double sn = std::sqrt(static_cast<double>(g.n));
    double prev = 1.0;
    for (double x = g.x_lo; x < g.x_hi; x += g.step) {
      const double p = jacstab::kolmogorov_smirnov_sf(g.n, x / sn);
      EXPECT_LE(p, prev * (1 + 1e-6) + 1e-15) << "n = " << g.n << ", x = " << x;
      if (x / sn < 1.0) {
        EXPECT_GT(p, 0.0) << "n = " << g.n << ", x = " << x;
      }
      prev = p;
    }
  }
  // Far tail: tiny but representable.
  EXPECT_GT(jacstab::kolmogorov_smirnov_sf(1000, 0.3), 0.0);
  EXPECT_LT(jacstab::kolmogorov_smirnov_sf(1000, 0.3), 1e-70);
}

TEST(KsTest, StratifiedSampleHasKnownStatistic) {
  // u_i = (i - 1 + a)/n gives D+ = (1-a)/n, D- = a/n exactly.
  const std::size_t n = 1000000;
  std::vector<double> u(n);
  for (std::size_t i = 0; i < n; ++i) u[i] = (static_cast<double>(i) + 0.25) / n;
  std::reverse(u.begin(), u.end());
  const auto res = jacstab::ks_test_uniform(u);
  EXPECT_TRUE(near(res.statistic, 0.75 / n, 1e-9));
  EXPECT_EQ(res.n, n);
  EXPECT_TRUE(near(res.p_value, 1.0, 1e-12));
}

TEST(KsTest, MillionNormalDraws) {
  // The intended use: 1e6 normal draws. H0 holds for the reference stream (fixed seed) and
  // a mean shift of 0.005 (sqrt(n) D ~ 2) and 0.01 (sqrt(n) D ~ 4) is detected with a
  // small but non-zero p-value.
  std::vector<double> x = million_normals();
  const auto h0 = jacstab::ks_test_normal(x);
  EXPECT_GT(h0.p_value, 1e-3) << "D = " << h0.statistic;
  for (double& v : x) v += 0.01;
  const auto h1 = jacstab::ks_test_normal(x);
  EXPECT_GT(h1.p_value, 0.0);
  EXPECT_LT(h1.p_value, 1e-8) << "D = " << h1.statistic;
}

TEST(KsTest, PValuesAreUniformUnderH0) {
  // 4000 tests of n = 30 uniforms: the p-values must themselves look U(0,1).
  Stream s(99);
  std::vector<double> pks, pad;
  std::vector<double> u(30);
  for (int rep = 0; rep < 4000; ++rep) {
    for (double& v : u) v = s.uniform();
    pks.push_back(jacstab::ks_test_uniform(u).p_value);
    pad.push_back(jacstab::anderson_darling_uniform(u).p_value);
  }
  EXPECT_GT(jacstab::ks_test_uniform(pks).p_value, 1e-3);
  EXPECT_GT(jacstab::ks_test_uniform(pad).p_value, 1e-3);
}

TEST(KsTest, RejectsBadInput) {
  expect_invalid([] { jacstab::ks_test_normal(std::vector<double>{}); },
                 "ks_test_normal(): sample is empty (n = 0)");
  expect_invalid([] { jacstab::ks_test(std::vector<double>{}, normal_cdf); },
                 "ks_test(): sample is empty (n = 0)");
  expect_invalid([] { jacstab::ks_test_uniform(std::vector<double>{0.1, NAN}); },
                 "ks_test_uniform(): sample[1] is NaN (n = 2)");
  expect_invalid(
      [] { jacstab::ks_test(std::vector<double>{0.5, 2.0}, [](double v) { return v; }); },
      "ks_test(): cdf returned 2 for sample[1] = 2, outside [0, 1]");
}

// =======================================================================================
// Anderson-Darling
// =======================================================================================

TEST(AndersonDarling, StatisticMatchesR) {
  for (const std::string name : {"normal20", "normal500", "t5_200"}) {
    SCOPED_TRACE(name);
    const auto& x = single(r_ref(), "sample." + name);
    const double a2 = single(r_ref(), "ad." + name)[0];
    EXPECT_TRUE(near(jacstab::anderson_darling_normal(x).statistic, a2, 1e-12));
    EXPECT_TRUE(near(jacstab::anderson_darling_test(x, normal_cdf).statistic, a2, 1e-10));
  }
  for (const std::string name : {"uniform100", "beta300"}) {
    SCOPED_TRACE(name);
    const auto& x = single(r_ref(), "sample." + name);
    const double a2 = single(r_ref(), "ad." + name)[0];
    const auto res = jacstab::anderson_darling_uniform(x);
    EXPECT_TRUE(near(res.statistic, a2, 1e-12));
    EXPECT_EQ(res.n, x.size());
    EXPECT_TRUE(near(res.p_value, jacstab::anderson_darling_sf(x.size(), a2), 1e-11));
  }
}

TEST(AndersonDarling, LimitingDistributionTo30Digits) {
  double max_rel = 0;
  std::size_t count = 0;
  for (const auto& rec : all(py_ref(), "ad_limit")) {
    const double got = jacstab::anderson_darling_limit_sf(rec[0]);
    EXPECT_TRUE(near(got, rec[1], 1e-12)) << "z = " << rec[0];
    max_rel = std::max(max_rel, rel_err(got, rec[1]));
    ++count;
  }
  for (const auto& rec : all(py_ref(), "ad_limit_talbot")) {
    EXPECT_TRUE(near(jacstab::anderson_darling_limit_sf(rec[0]), rec[1], 1e-12))
        << "z = " << rec[0];
  }
  report("anderson_darling_limit_sf vs mpmath, z in [0.05, 700]", count, max_rel);
  // The two evaluation methods agree where they overlap.
  for (double z : {2.0, 2.5, 3.0, 5.0, 8.0}) {
    EXPECT_TRUE(near(1.0 - jacstab::detail::anderson_darling_limit_cdf_series(z),
                     jacstab::anderson_darling_limit_sf(z), 0, 5e-15))
        << "z = " << z;
  }
}

TEST(AndersonDarling, PublishedPercentagePoints) {
  // Upper percentage points of A^2_inf as tabulated (Anderson & Darling 1954; Stephens
  // 1974, JASA 69, 730-737, case 0): 1.933 (10%), 2.492 (5%), 3.070 (2.5%), 3.857 (1%).
  // The tabulated values are themselves approximate: the exact tail probabilities are
  // 0.099995, 0.050022, 0.025218 and 0.010241 (the exact 1% point is 3.878), hence the
  // 3% relative tolerance.
  EXPECT_TRUE(near(jacstab::anderson_darling_limit_sf(1.933), 0.10, 1e-3));
  EXPECT_TRUE(near(jacstab::anderson_darling_limit_sf(2.492), 0.05, 1e-3));
  EXPECT_TRUE(near(jacstab::anderson_darling_limit_sf(3.070), 0.025, 1e-2));
  EXPECT_TRUE(near(jacstab::anderson_darling_limit_sf(3.857), 0.01, 3e-2));
  EXPECT_TRUE(near(jacstab::anderson_darling_limit_sf(3.878), 0.01, 2e-3));
}

TEST(AndersonDarling, FiniteNAgainstMonteCarlo) {
  // Marsaglia & Marsaglia's correction is a fitted approximation: beyond 4 Monte Carlo
  // standard errors we allow 3e-4 absolute plus 6% relative.
  double max_sigma = 0, max_abs = 0;
  for (const auto& rec : all(py_ref(), "ad_mc")) {
    const auto n = static_cast<std::size_t>(rec[0]);
    const double z = rec[1], p = rec[2], se = rec[3];
    const double got = jacstab::anderson_darling_sf(n, z);
    EXPECT_TRUE(near(got, p, 0, 4 * se + 3e-4 * std::min(1.0, p / 0.01) + 0.06 * p))
        << "n = " << n << ", z = " << z << ", Monte Carlo standard error " << fmt(se);
    max_sigma = std::max(max_sigma, std::abs(got - p) / se);
    max_abs = std::max(max_abs, std::abs(got - p));
  }
  std::printf("[ accuracy ] anderson_darling_sf vs Monte Carlo: max |error| = %.2g "
              "(%.2f standard errors)\n", max_abs, max_sigma);
}

TEST(AndersonDarling, TailIsPositiveAndNoFloor) {
  for (const std::size_t n : {1u, 2u, 3u, 5u, 10u, 100u, 10000u, 1000000u}) {
    double prev = 1.0;
    for (double z = 0.0; z < 700.0; z += (z < 10 ? 0.05 : 1.0)) {
      const double p = jacstab::anderson_darling_sf(n, z);
      EXPECT_GE(p, 0.0);
      EXPECT_LE(p, 1.0);
      EXPECT_GT(p, 0.0) << "n = " << n << ", z = " << z;
      EXPECT_LE(p, prev * (1 + 1e-9) + 1e-15) << "n = " << n << ", z = " << z;
      prev = p;
    }
    // Below p_inf = 1e-3 the finite-n correction is a fixed relative one,
    // 1 - g3(0.999) / (0.001 n) = 1 + 1.0652/n, so there is no floor.
    for (double z : {7.0, 10.0, 30.0, 100.0, 300.0}) {
      const double ratio =
          jacstab::anderson_darling_sf(n, z) / jacstab::anderson_darling_limit_sf(z);
      EXPECT_TRUE(near(ratio, 1.0 + 1.0652119 / static_cast<double>(n), 1e-7))
          << "n = " << n << ", z = " << z;
    }
  }
}

TEST(AndersonDarling, MillionNormalDraws) {
  std::vector<double> x = million_normals();
  EXPECT_GT(jacstab::anderson_darling_normal(x).p_value, 1e-3);
  for (double& v : x) v *= 1.01;  // 1% too wide
  const auto h1 = jacstab::anderson_darling_normal(x);
  EXPECT_GT(h1.p_value, 0.0);
  EXPECT_LT(h1.p_value, 1e-8) << "A2 = " << h1.statistic;
}

TEST(AndersonDarling, ClampsValuesAtZeroAndOne) {
  const std::vector<double> u{0.0, 0.3, 0.6, 1.0};
  const auto res = jacstab::anderson_darling_uniform(u);
  // u = 0 -> smallest positive double (ln = -744.44), u = 1 -> 1 - 2^-53 (ln(1-u) = -36.74):
  const double lo = std::log(std::numeric_limits<double>::denorm_min());
  const double hi = std::log(0x1p-53);
  const double expected =
      -4.0 - ((1 * lo + 7 * std::log1p(-0.0)) + (3 * std::log(0.3) + 5 * std::log1p(-0.3)) +
              (5 * std::log(0.6) + 3 * std::log1p(-0.6)) + (7 * std::log(1.0) + 1 * hi)) /
                 4.0;
  EXPECT_TRUE(std::isfinite(res.statistic));
  EXPECT_TRUE(near(res.statistic, expected, 1e-14));
  EXPECT_GE(res.p_value, 0.0);
  EXPECT_LT(res.p_value, 1e-70);
}

TEST(AndersonDarling, RejectsBadInput) {
  expect_invalid([] { jacstab::anderson_darling_uniform(std::vector<double>{}); },
                 "anderson_darling_uniform(): u is empty (n = 0)");
  expect_invalid([] { jacstab::anderson_darling_uniform(std::vector<double>{0.2, 1.5, 0.3}); },
                 "anderson_darling_uniform(): u[1] = 1.5 lies outside [0, 1] (n = 3)");
  expect_invalid([] { jacstab::anderson_darling_normal(std::vector<double>{NAN}); },
                 "anderson_darling_normal(): sample[0] is NaN (n = 1)");
  expect_invalid(
      [] { jacstab::anderson_darling_test(std::vector<double>{1.0}, [](double) { return -0.1; }); },
      "anderson_darling_test(): cdf returned -0.1 for sample[0] = 1, outside [0, 1]");
  expect_invalid([] { jacstab::anderson_darling_sf(0, 1.0); },
                 "anderson_darling_sf(): n must be positive (n = 0)");
  expect_invalid([] { jacstab::anderson_darling_limit_sf(NAN); },
                 "anderson_darling_limit_sf(): z is NaN");
}

// =======================================================================================
// Pearson correlation
// =======================================================================================

TEST(PearsonCorrelation, MatchesRCorTest) {
  for (const std::string name : {"corr30", "corr4", "corr200", "corr50neg"}) {
    for (const int level : {95, 90}) {
      SCOPED_TRACE(name + " at " + std::to_string(level) + "%");
      const auto& x = single(r_ref(), "sample." + name + "_x");
      const auto& y = single(r_ref(), "sample." + name + "_y");
      const auto& e = single(r_ref(), "cor." + name + "." + std::to_string(level));
      const auto res = jacstab::pearson_correlation(x, y, level / 100.0);
      EXPECT_EQ(res.n, x.size());
      EXPECT_TRUE(near(res.r, e[0], 1e-13));
      EXPECT_TRUE(near(res.p_value, e[1], 1e-10));
      ASSERT_TRUE(res.ci.has_value());
      EXPECT_TRUE(near(res.ci->low, e[2], 1e-12, 1e-14));
      EXPECT_TRUE(near(res.ci->high, e[3], 1e-12, 1e-14));
      EXPECT_EQ(res.ci->level, level / 100.0);
    }
  }
}

TEST(PearsonCorrelation, NoIntervalBelowFourPairs) {
  const auto& x = single(r_ref(), "sample.corr3_x");
  const auto& y = single(r_ref(), "sample.corr3_y");
  const auto& e = single(r_ref(), "cor.corr3.95");
  const auto res = jacstab::pearson_correlation(x, y);
  EXPECT_TRUE(near(res.r, e[0], 1e-13));
  EXPECT_TRUE(near(res.p_value, e[1], 1e-10));
  EXPECT_FALSE(res.ci.has_value());
}

TEST(PearsonCorrelation, PerfectCorrelation) {
  const std::vector<double> x{1, 2, 3, 4, 5}, y{3, 5, 7, 9, 11}, z{5, 4, 3, 2, 1};
  for (const auto& other : {y, z}) {
    const auto res = jacstab::pearson_correlation(x, other);
    const double sign = other == y ? 1.0 : -1.0;
    EXPECT_TRUE(near(res.r, sign, 0, 1e-15));
    EXPECT_LE(res.p_value, 1e-12);
    EXPECT_FALSE(std::isnan(res.p_value));
    ASSERT_TRUE(res.ci.has_value());
    EXPECT_TRUE(std::isfinite(res.ci->low) && std::isfinite(res.ci->high));
    EXPECT_TRUE(near(res.ci->low, sign, 0, 1e-6));
    EXPECT_TRUE(near(res.ci->high, sign, 0, 1e-6));
  }
}

TEST(PearsonCorrelation, RejectsBadInput) {
  const std::vector<double> a{1, 2, 3, 4}, b{2, 1, 4, 3}, c{5, 5, 5, 5};
  expect_invalid([&] { jacstab::pearson_correlation(a, std::vector<double>{1, 2, 3}); },
                 "pearson_correlation(): x and y differ in length (x.size() = 4, y.size() = 3)");
  expect_invalid(
      [] { jacstab::pearson_correlation(std::vector<double>{1, 2}, std::vector<double>{2, 1}); },
      "pearson_correlation(): need at least 3 pairs (n = 2)");
  expect_invalid([&] { jacstab::pearson_correlation(c, a); },
                 "pearson_correlation(): x is constant (all n = 4 values equal 5)");
  expect_invalid([&] { jacstab::pearson_correlation(a, c); },
                 "pearson_correlation(): y is constant (all n = 4 values equal 5)");
  expect_invalid([&] { jacstab::pearson_correlation(a, b, 1.0); },
                 "pearson_correlation(): confidence must lie in (0, 1) (confidence = 1)");
  expect_invalid(
      [&] { jacstab::pearson_correlation(a, std::vector<double>{1, NAN, 2, 3}); },
      "pearson_correlation(): y[1] is not finite (y[1] = nan)");
}

}  // namespace
