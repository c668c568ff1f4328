#pragma once
// Statistical tests used to validate the random number generator and the experiments.
//
// Conventions (shared by every test in this module, present and future):
//  * each test returns a named result struct (statistic, p_value, n, ...), never a pair;
//  * quantities that may legitimately be unavailable are std::optional, never NaN or
//    sentinel values;
//  * argument errors throw std::invalid_argument whose message starts with the function
//    name and names the offending parameter and its value;
//  * p-values are computed from survival functions (complements), so that they keep their
//    relative accuracy in the upper tail and are never rounded to 0 while the true value
//    is representable.
//
// Sections: descriptive statistics; goodness of fit (Kolmogorov-Smirnov,
// Anderson-Darling) and their null distributions; association (Pearson correlation).
#include <cmath>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>

namespace jacstab {

// ---------------------------------------------------------------------------------------
// Shared result building blocks
// ---------------------------------------------------------------------------------------

/// A two-sided confidence interval [low, high] with coverage `level` (e.g. 0.95).
struct ConfidenceInterval {
  double low;
  double high;
  double level;
};

// ---------------------------------------------------------------------------------------
// Descriptive statistics
// ---------------------------------------------------------------------------------------

/// Sample moments and their large-sample standard errors under normality.
///
/// mean                 = (1/n) sum x_i
/// variance             = (1/(n-1)) sum (x_i - mean)^2                (unbiased)
/// skewness         g1  = m3 / m2^(3/2)                               (moment estimator)
/// excess_kurtosis  g2  = m4 / m2^2 - 3                               (moment estimator)
///   with m_k = (1/n) sum (x_i - mean)^k (population-style central moments).
/// se_mean              = sqrt(variance / n)
/// se_variance          = variance * sqrt(2 / (n-1))   (exact SD of s^2 for normal data,
///                                                      with sigma^2 replaced by s^2)
/// se_skewness          = sqrt(6 / n)                  (asymptotic, normal data)
/// se_excess_kurtosis   = sqrt(24 / n)                 (asymptotic, normal data)
struct Moments {
  std::size_t n;
  double mean, variance, skewness, excess_kurtosis;
  double se_mean, se_variance, se_skewness, se_excess_kurtosis;
};

/// Moments of `sample` (two-pass algorithm with compensated sums).
/// Throws std::invalid_argument if n < 2, if a value is not finite, or if the sample is
/// constant (skewness and kurtosis are then undefined).
Moments sample_moments(std::span<const double> sample);

// ---------------------------------------------------------------------------------------
// Kolmogorov-Smirnov (one sample, two sided)
// ---------------------------------------------------------------------------------------

struct KsResult {
  double statistic;  ///< D_n = sup_x |F_n(x) - F(x)| = max(D+, D-)
  double p_value;    ///< P(D_n >= statistic) under H0, see kolmogorov_smirnov_sf()
  std::size_t n;
};

/// One-sample two-sided Kolmogorov-Smirnov test of `sample` against the continuous
/// distribution function `cdf`. cdf must return values in [0, 1]; NaN data are rejected,
/// +-infinity is passed to cdf. Throws std::invalid_argument on an empty sample.
KsResult ks_test(std::span<const double> sample, const std::function<double(double)>& cdf);
/// ks_test against U(0, 1).
KsResult ks_test_uniform(std::span<const double> sample);
/// ks_test against N(0, 1).
KsResult ks_test_normal(std::span<const double> sample);

/// Survival function P(D_n >= d) of the two-sided one-sample Kolmogorov-Smirnov statistic
/// for a continuous null distribution.
///
/// Method (references in stats.cpp):
///  * exact closed forms for d <= 1/n and d >= 1 - 1/n (Ruben & Gambino 1982); 0 where the
///    DKW-Massart bound 2 exp(-2nd^2) is below the smallest double;
///  * d >= 1/2, and the upper tail p <= 0.01 for n <= 10^6: 2 P(D_n^+ >= d) with the exact
///    one-sided probability (Birnbaum & Tingey 1951), O(n) work (~70 ms at n = 10^6); the
///    neglected double-crossing probability is < 2e-7 relative (exactly 0 for d >= 1/2);
///  * otherwise, n <= 10^4: 1 - P(D_n < d) by the exact algorithm of Marsaglia, Tsang &
///    Wang (2003), absolute error ~1e-14, at most ~50 ms;
///  * otherwise: the limiting Kolmogorov distribution at Vrbik's (2018) corrected argument.
/// Relative errors measured against exact values (tests/test_stats.cpp): <= 2e-7 for
/// n <= 10^4 and <= 1e-8 in the upper tail (p <= 0.01) for n <= 10^6; in the central
/// region (p > 0.01) < 1e-4 just above n = 10^4, 5e-6 at n = 10^5 and 5e-7 at n = 10^6.
/// For n > 10^6 the tail also uses the corrected limit, relative error ~0.44 x^4/n with
/// x = sqrt(n) d (< 2e-4 for p >= 1e-18).
/// Throws std::invalid_argument if n == 0 or d is NaN.
double kolmogorov_smirnov_sf(std::size_t n, double d);

// ---------------------------------------------------------------------------------------
// Anderson-Darling (case 0: fully specified null distribution)
// ---------------------------------------------------------------------------------------

struct AdResult {
  double statistic;  ///< A^2_n
  double p_value;    ///< P(A^2_n >= statistic) under H0, see anderson_darling_sf()
  std::size_t n;
};

/// Anderson-Darling test of U(0, 1) for data already transformed through the hypothesised
/// CDF. Values must lie in [0, 1]; values at exactly 0 or 1 are clamped to the nearest
/// representable interior values (the smallest positive double, resp. 1 - 2^-53), which
/// keeps A^2 finite (and huge), so the p-value is tiny rather than undefined.
AdResult anderson_darling_uniform(std::span<const double> u);
/// Anderson-Darling test of `sample` against the continuous distribution function `cdf`
/// (u_i = cdf(x_i), then as anderson_darling_uniform).
AdResult anderson_darling_test(std::span<const double> sample,
                               const std::function<double(double)>& cdf);
/// Anderson-Darling test against N(0, 1). log Phi(x) and log(1 - Phi(x)) are evaluated
/// through erfc, so no precision is lost in either tail; Phi(x) is clamped to the
/// smallest positive double only where it underflows (|x| > 38.4).
AdResult anderson_darling_normal(std::span<const double> sample);

/// P(A^2_inf >= z) for the limiting (n -> infinity) Anderson-Darling distribution, with
/// relative accuracy ~1e-13 over the whole range (underflows to 0 only for z > ~745).
/// Throws std::invalid_argument if z is NaN.
double anderson_darling_limit_sf(double z);

/// P(A^2_n >= z): Marsaglia & Marsaglia (2004) AD(n, z) = ADinf(z) + errfix(n, ADinf(z)),
/// complemented, with the limiting distribution evaluated as in anderson_darling_limit_sf()
/// and the correction extrapolated as a relative one below p = 1e-3. The finite-n
/// correction is a fit: against 10^7-replicate Monte Carlo (n = 5, 10, 50) it is good to
/// 3e-4 absolute and, for p down to 1e-5, to 3% relative; it vanishes as n grows (1.07/n
/// relative for p < 1e-3).
/// Throws std::invalid_argument if n == 0 or z is NaN.
double anderson_darling_sf(std::size_t n, double z);

// ---------------------------------------------------------------------------------------
// Association
// ---------------------------------------------------------------------------------------

struct CorrelationResult {
  double r;        ///< Pearson sample correlation coefficient, in [-1, 1]
  double p_value;  ///< two-sided, H0: rho = 0, t = r sqrt((n-2)/(1-r^2)) ~ t_{n-2}
  /// Fisher-z interval tanh(atanh(r) -+ z_{(1+level)/2} / sqrt(n-3)); empty when n < 4.
  std::optional<ConfidenceInterval> ci;
  std::size_t n;
};

/// Pearson correlation test. Requires x.size() == y.size() >= 3, finite values, neither
/// input constant, and 0 < confidence < 1; throws std::invalid_argument otherwise.
CorrelationResult pearson_correlation(std::span<const double> x, std::span<const double> y,
                                      double confidence = 0.95);

// ---------------------------------------------------------------------------------------
// Internals, declared here so that the unit tests can check each algorithm on its own.
// ---------------------------------------------------------------------------------------
namespace detail {

/// Neumaier's improved Kahan summation (Neumaier 1974, ZAMM 54, 39-51).
class CompensatedSum {
 public:
  void add(double v) noexcept {
    const double t = sum_ + v;
    if (std::abs(sum_) >= std::abs(v)) {
      comp_ += (sum_ - t) + v;
    } else {
      comp_ += (v - t) + sum_;
    }
    sum_ = t;
  }
  double value() const noexcept { return sum_ + comp_; }

 private:
  double sum_ = 0.0;
  double comp_ = 0.0;
};

/// P(D_n^+ >= d), exact (Birnbaum & Tingey 1951), O(n) terms; 0 <= d <= 1.
double smirnov_sf(std::size_t n, double d);
/// P(D_n < d) for 1/(2n) < d < 1, exact (Marsaglia, Tsang & Wang 2003); cost
/// O(m^3 log n) with m = 2 floor(nd) + 1.
double kolmogorov_mtw_cdf(std::size_t n, double d);
/// Limiting Kolmogorov survival function P(K >= x) = 2 sum_{k>=1} (-1)^(k-1) exp(-2k^2x^2).
double kolmogorov_limit_sf(double x);
/// Marsaglia & Marsaglia (2004) finite-n correction errfix(n, x) at x = ADinf(z) = 1 - p_inf,
/// p_inf = P(A^2_inf >= z) (passed instead of x so the upper tail keeps its precision);
/// below p_inf = 1e-3 the relative correction is held fixed (see stats.cpp).
double anderson_darling_errfix(std::size_t n, double p_inf);
/// Limiting cdf ADinf(z) by the series of Marsaglia & Marsaglia (2004), ~15 digits.
double anderson_darling_limit_cdf_series(double z);

}  // namespace detail
}  // namespace jacstab
