#include "jacstab/stats.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <armadillo>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/kolmogorov_smirnov.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/tools/toms748_solve.hpp>

#include "jacstab/rng.hpp"

namespace jacstab {
namespace detail {
namespace {

// ---------------------------------------------------------------------------------------
// Argument checking
// ---------------------------------------------------------------------------------------

/// Shortest decimal representation that reads back to the same double.
std::string fmt(double v) {
  std::array<char, 64> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), res.ptr);
}
std::string fmt(std::size_t v) { return std::to_string(v); }

/// Throws std::invalid_argument("<function>(): <what>").
[[noreturn]] void fail(std::string_view function, const std::string& what) {
  throw std::invalid_argument(std::string(function) + "(): " + what);
}

void require_no_nan(std::string_view function, std::string_view name,
                    std::span<const double> v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i])) {
      fail(function, std::string(name) + "[" + fmt(i) + "] is NaN (n = " + fmt(v.size()) + ")");
    }
  }
}

void require_finite(std::string_view function, std::string_view name,
                    std::span<const double> v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      fail(function, std::string(name) + "[" + fmt(i) + "] is not finite (" + std::string(name) +
                         "[" + fmt(i) + "] = " + fmt(v[i]) + ")");
    }
  }
}

void require_nonempty(std::string_view function, std::string_view name,
                      std::span<const double> v) {
  if (v.empty()) fail(function, std::string(name) + " is empty (n = 0)");
}

/// True if every element equals the first one.
bool is_constant(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [&](double a) { return a == v.front(); });
}

/// Evaluates cdf at every element, checking that the result lies in [0, 1].
std::vector<double> apply_cdf(std::string_view function, std::span<const double> sample,
                              const std::function<double(double)>& cdf) {
  if (!cdf) fail(function, "cdf is an empty std::function");
  std::vector<double> u(sample.size());
  for (std::size_t i = 0; i < sample.size(); ++i) {
    const double v = cdf(sample[i]);
    if (!(v >= 0.0 && v <= 1.0)) {
      fail(function, "cdf returned " + fmt(v) + " for sample[" + fmt(i) + "] = " +
                         fmt(sample[i]) + ", outside [0, 1]");
    }
    u[i] = v;
  }
  return u;
}

/// Standard normal cdf through erfc: Phi(x) = erfc(-x / sqrt 2) / 2 (Abramowitz & Stegun
/// 1964, section 26.2), accurate to full relative precision in the lower tail.
double normal_cdf(double x) { return 0.5 * std::erfc(-x * std::numbers::sqrt2 / 2.0); }

// ---------------------------------------------------------------------------------------
// Binomial probabilities (for the one-sided Smirnov distribution)
// ---------------------------------------------------------------------------------------

/// Error of Stirling's approximation, stirlerr(k) = ln k! - ln(sqrt(2 pi k) (k/e)^k), k >= 1.
/// Loader (2000), "Fast and accurate computation of binomial probabilities" (technical
/// report, Bell Labs), with
/// the asymptotic series 1/(12k) - 1/(360k^3) + 1/(1260k^5) - 1/(1680k^7) + 1/(1188k^9).
double stirlerr(double k) {
  if (k <= 15.0) {
    const long double kl = k;
    return static_cast<double>(std::lgamma(kl + 1.0L) - (kl + 0.5L) * std::log(kl) + kl -
                               0.5L * std::log(2.0L * std::numbers::pi_v<long double>));
  }
  constexpr double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680,
                   s4 = 1.0 / 1188;
  const double kk = k * k;
  // Truncation points as in R's stirlerr (the omitted terms are below 3e-17).
  if (k > 500.0) return (s0 - s1 / kk) / k;
  if (k > 80.0) return (s0 - (s1 - s2 / kk) / kk) / k;
  if (k > 35.0) return (s0 - (s1 - (s2 - s3 / kk) / kk) / kk) / k;
  return (s0 - (s1 - (s2 - (s3 - s4 / kk) / kk) / kk) / kk) / k;
}

/// Deviance term bd0(x, M) = x ln(x/M) + M - x, evaluated without cancellation when x ~ M
/// by the series of Loader (2000): with v = (x-M)/(x+M),
/// bd0 = (x-M) v + 2x sum_{j>=1} v^(2j+1) / (2j+1).
double bd0(double x, double M) {
  if (std::abs(x - M) < 0.1 * (x + M)) {
    double v = (x - M) / (x + M);
    double s = (x - M) * v;
    double ej = 2.0 * x * v;
    v *= v;
    for (int j = 1; j < 1000; ++j) {
      ej *= v;
      const double s1 = s + ej / (2 * j + 1);
      if (s1 == s) return s1;
      s = s1;
    }
    return s;
  }
  return x * std::log(x / M) + M - x;
}

/// Binomial probability C(n, x) p^x q^(n-x), given np = n p and nq = n q (p + q = 1), by
/// the saddle-point expansion of Loader (2000):
/// ln b = stirlerr(n) - stirlerr(x) - stirlerr(n-x) - bd0(x, np) - bd0(n-x, nq)
///        - (1/2) ln(2 pi x (n-x) / n).
double binomial_pmf(double x, double n, double np, double nq) {
  if (x == 0.0) {
    const double p = np / n;
    return std::exp(p < 0.1 ? -bd0(n, nq) - np : n * std::log1p(-p));
  }
  if (x == n) {
    const double q = nq / n;
    return std::exp(q < 0.1 ? -bd0(n, np) - nq : n * std::log1p(-q));
  }
  const double lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, np) - bd0(n - x, nq);
  const double lf = std::log(2.0 * std::numbers::pi * x * ((n - x) / n));
  return std::exp(lc - 0.5 * lf);
}

// ---------------------------------------------------------------------------------------
// Kolmogorov-Smirnov helpers
// ---------------------------------------------------------------------------------------

/// Largest n for which the exact Marsaglia-Tsang-Wang algorithm is used in the central
/// region (p > 0.01); there m <= 2 * 1.7 sqrt(n) + 1 ~ 341, i.e. tens of milliseconds.
constexpr std::size_t kMtwMaxN = 10000;
/// Largest n for which the upper tail uses the exact one-sided probability (O(n) work).
constexpr std::size_t kExactTailMaxN = 1000000;
/// Below this p-value the two-sided tail is 2 P(D+ >= d); the neglected double-crossing
/// probability is then < 2e-7 relative (measured against the exact algorithm).
constexpr double kTailSwitch = 0.01;

/// Vrbik's (2018) finite-n approximation P(D_n >= d) ~ P(K >= y) with
/// y = sqrt(n) d + 1/(6 sqrt n) + (sqrt(n) d - 1)/(4n): J. Vrbik, "Small-sample corrections
/// to Kolmogorov-Smirnov test statistic", Pioneer J. Theor. Appl. Statist. 15 (2018) 15-23.
/// The 1/(6 sqrt n) shift absorbs the O(n^-1/2) term of the expansion of the distribution
/// of sqrt(n) D_n; the remaining error is O(1/n) (measured: ~0.44 x^4/n relative in the
/// upper tail, below 1e-4 for p > 0.01 and n > 10^4).
double kolmogorov_vrbik_sf(std::size_t n, double d) {
  const double sn = std::sqrt(static_cast<double>(n));
  const double x = sn * d;
  const double y = x + 1.0 / (6.0 * sn) + (x - 1.0) / (4.0 * static_cast<double>(n));
  return kolmogorov_limit_sf(y);
}

// ---------------------------------------------------------------------------------------
// Anderson-Darling helpers
// ---------------------------------------------------------------------------------------

/// Term ADf(z, j) of the series for ADinf(z) in Marsaglia & Marsaglia (2004) (their C
/// function ADf): with t = (4j+1)^2 pi^2 / (8z), it evaluates
/// sum_i r_i c_i of the expansion of the integral in Anderson & Darling (1954) by the
/// two-term recursion c_i = ((i - 1/2 - t) c_{i-1} + t c_{i-2}) / i.
double marsaglia_adf(double z, int j) {
  const double t = (4 * j + 1) * (4 * j + 1) * 1.23370055013617 / z;  // pi^2 / 8
  if (t > 150.0) return 0.0;
  double a = 2.22144146907918 * std::exp(-t) / std::sqrt(t);  // pi / sqrt(2)
  double b = 3.93740248643060 * std::erfc(std::sqrt(t));     // pi^(3/2) / sqrt(2)
  double r = z * 0.125;
  double f = a + b * r;
  for (int i = 1; i < 200; ++i) {
    const double c = ((i - 0.5 - t) * b + t * a) / i;
    a = b;
    b = c;
    r *= z / (8 * i + 8);
    if (std::abs(r) < 1e-40 || std::abs(c) < 1e-40) return f;
    const double fnew = f + c * r;
    if (f == fnew) return f;
    f = fnew;
  }
  return f;
}

/// Integral over the k-th branch cut of the Laplace transform of A^2_inf (see
/// anderson_darling_limit_sf), scaled by exp(z (2k^2 + 3k + 1)):
/// I_k(z) = pi^(-1/2) int_{v0}^{v0+2} exp(-z (v^2 - v0^2)/8) v / sqrt((v^2-1)|cos(pi v/2)|) dv,
/// v0 = 4k + 3. The substitution v = v0 + 1 - cos(theta) removes both inverse square-root
/// end-point singularities, leaving a smooth integrand on [0, pi].
double ad_cut_integral(double z, int k) {
  const double v0 = 4.0 * k + 3.0;
  auto g = [&](double theta) {
    const double half = 0.5 * theta;
    const double s = theta <= 0.5 * std::numbers::pi ? std::sin(half) : std::cos(half);
    const double dv = 2.0 * std::sin(half) * std::sin(half);  // v - v0 = 1 - cos(theta)
    const double v = v0 + dv;
    const double abs_cos = std::sin(std::numbers::pi * s * s);  // |cos(pi v / 2)|
    return std::exp(-z * dv * (v + v0) / 8.0) * v * std::sin(theta) /
           std::sqrt((v * v - 1.0) * abs_cos);
  };
  const double integral = boost::math::quadrature::gauss_kronrod<double, 31>::integrate(
      g, 0.0, std::numbers::pi, 20, 1e-14);
  return integral / std::sqrt(std::numbers::pi);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// detail:: functions declared in the header
// ---------------------------------------------------------------------------------------

double smirnov_sf(std::size_t n, double d) {
  // Exact one-sided distribution (Smirnov 1944; Birnbaum & Tingey 1951, Ann. Math. Statist.
  // 22, 592-596):
  //   P(D_n^+ >= d) = d sum_{j=0}^{floor(n(1-d))} C(n,j) (1 - d - j/n)^(n-j) (d + j/n)^(j-1),
  // written as d sum_j b(j; n, p_j) / p_j with p_j = d + j/n and b the binomial pmf, so
  // that every term is evaluated accurately by binomial_pmf().
  if (!(d > 0.0)) return 1.0;
  if (d >= 1.0) return 0.0;
  const double N = static_cast<double>(n);
  const double nd = N * d;
  CompensatedSum sum;
  for (std::size_t j = 0; j < n; ++j) {
    const double x = static_cast<double>(j);
    const double np = nd + x;          // n p_j
    const double nq = (N - x) - nd;    // n (1 - p_j)
    if (!(nq > 0.0)) break;
    sum.add(N / np * binomial_pmf(x, N, np, nq));
  }
  return d * sum.value();
}

double kolmogorov_mtw_cdf(std::size_t n, double d) {
  // Marsaglia, Tsang & Wang (2003), "Evaluating Kolmogorov's distribution", J. Stat. Softw.
  // 8(18): with k = floor(nd) + 1, m = 2k - 1 and h = k - nd (1-based indices below),
  //   P(D_n < d) = n!/n^n (H^n)_{kk},
  // where H is the m x m matrix with H_ij = 1/(i-j+1)! for i-j+1 >= 0 (0 otherwise),
  // except for the first column and last row, from which h^i/i! and h^(m-i+1)/(m-i+1)!
  // are subtracted, and H_m1 = (1 - 2h^m + max(0, 2h-1)^m)/m!.
  // H is non-negative, so the powers involve no cancellation. As in the paper, the
  // exponent is carried separately (here in base 2) to avoid overflow.
  const double N = static_cast<double>(n);
  const double nd = N * d;
  const auto k = static_cast<arma::uword>(std::floor(nd)) + 1;
  const arma::uword m = 2 * k - 1;
  const double h = static_cast<double>(k) - nd;

  std::vector<double> inv_fact(m + 1);
  inv_fact[0] = 1.0;
  for (arma::uword g = 1; g <= m; ++g) inv_fact[g] = inv_fact[g - 1] / static_cast<double>(g);

  arma::mat H(m, m, arma::fill::zeros);
  for (arma::uword i = 0; i < m; ++i) {
    for (arma::uword j = 0; j <= std::min<arma::uword>(i + 1, m - 1); ++j) H(i, j) = 1.0;
  }
  for (arma::uword i = 0; i < m; ++i) {
    H(i, 0) -= std::pow(h, static_cast<double>(i + 1));
    H(m - 1, i) -= std::pow(h, static_cast<double>(m - i));
  }
  if (2.0 * h - 1.0 > 0.0) H(m - 1, 0) += std::pow(2.0 * h - 1.0, static_cast<double>(m));
  for (arma::uword i = 0; i < m; ++i) {
    for (arma::uword j = 0; j <= std::min<arma::uword>(i + 1, m - 1); ++j) {
      H(i, j) *= inv_fact[i - j + 1];
    }
  }

  // Left-to-right binary powering, renormalising by a power of two after each product.
  long exponent = 0;
  auto renormalise = [&](arma::mat& V) {
    int e = 0;
    std::frexp(V.max(), &e);
    V *= std::ldexp(1.0, -e);
    exponent += e;
  };
  int top = 63;
  while (((static_cast<std::uint64_t>(n) >> top) & 1U) == 0) --top;
  arma::mat V = H;
  long exponent_h = 0;
  {
    int e = 0;
    std::frexp(H.max(), &e);
    V *= std::ldexp(1.0, -e);
    exponent_h = e;
    exponent = e;
  }
  const arma::mat Hs = V;  // H * 2^-exponent_h
  for (int bit = top - 1; bit >= 0; --bit) {
    V = V * V;
    exponent *= 2;
    renormalise(V);
    if ((static_cast<std::uint64_t>(n) >> bit) & 1U) {
      V = V * Hs;
      exponent += exponent_h;
      renormalise(V);
    }
  }

  // Multiply by n!/n^n = prod_{i=1}^n (i/n), keeping the exponent separately.
  int e = 0;
  double s = std::frexp(V(k - 1, k - 1), &e);
  exponent += e;
  for (std::size_t i = 1; i <= n; ++i) {
    s = s * static_cast<double>(i) / N;
    if (s < 0x1p-500) {
      s = std::frexp(s, &e);
      exponent += e;
    }
  }
  return std::ldexp(s, static_cast<int>(std::clamp<long>(exponent, -100000, 100000)));
}

double kolmogorov_limit_sf(double x) {
  // Kolmogorov (1933): lim P(sqrt(n) D_n >= x) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2),
  // evaluated by Boost as 1 - theta_4(0 | 2x^2/pi), with theta_4 - 1 computed directly in
  // the upper tail (no cancellation).
  if (!(x > 0.0)) return 1.0;
  const boost::math::kolmogorov_smirnov_distribution<double> limit(1.0);
  return boost::math::cdf(boost::math::complement(limit, x));
}

double anderson_darling_errfix(std::size_t n, double p_inf) {
  // Marsaglia & Marsaglia (2004), "Evaluating the Anderson-Darling distribution", J. Stat.
  // Softw. 9(2), function errfix(n, x): AD(n, z) ~ x + errfix(n, x), x = ADinf(z), with
  // three fitted pieces g1 (x < c(n)), g2 (c(n) <= x <= 0.8), g3 (x > 0.8), evaluated here
  // at x = 1 - p_inf.
  // Deviation from the paper, in the far upper tail only: g3(1) = -6.0e-4 is not 0, so
  // extrapolating g3 to x -> 1 turns the correction into an additive p-value floor of
  // 6e-4/n (e.g. 8x the true value at n = 5, z = 10). Below p_inf = 1e-3 (z > 6.1) we
  // therefore keep the relative correction fixed at its value at p_inf = 1e-3,
  //   errfix(n, 1 - t) = (t / 1e-3) g3(1 - 1e-3) / n,   i.e. p = p_inf (1 + 1.07/n),
  // which is continuous, vanishes with p_inf and agrees with 10^7-replicate Monte Carlo
  // estimates for n = 5, 10, 50 and z = 6, 8, 10 to within 3 standard errors (3%), whereas
  // the extrapolated g3 overestimates p by up to 8x there (n = 5, z = 10).
  auto g3 = [](double x) {
    return -130.2137 +
           (745.2337 - (1705.091 - (1950.646 - (1116.360 - 255.7844 * x) * x) * x) * x) * x;
  };
  const double N = static_cast<double>(n);
  constexpr double t0 = 1e-3;
  if (p_inf < t0) return p_inf / t0 * g3(1.0 - t0) / N;
  if (p_inf < 0.2) return g3(1.0 - p_inf) / N;
  const double x = 1.0 - p_inf;
  const double c = 0.01265 + 0.1757 / N;
  if (x < c) {
    double t = x / c;
    t = std::sqrt(t) * (1.0 - t) * (49.0 * t - 102.0);
    return t * (0.0037 / (N * N) + 0.00078 / N + 0.00006) / N;
  }
  double t = (x - c) / (0.8 - c);
  t = -0.00022633 +
      (6.54034 - (14.6538 - (14.458 - (8.259 - 1.91864 * t) * t) * t) * t) * t;
  return t * (0.04213 + 0.01365 / N) / N;
}

double anderson_darling_limit_cdf_series(double z) {
  // Marsaglia & Marsaglia (2004), function ADinf(z) ("about 15 digit accuracy"):
  //   ADinf(z) = (1/z) sum_{j>=0} (-1/2 choose j) (4j+1) ADf(z, j),
  // the series of Anderson & Darling (1954), JASA 49, 765-769, for the limiting cdf.
  if (!(z >= 0.01)) return 0.0;  // ADinf(0.01) = 5.3e-53
  double r = 1.0 / z;
  double ad = r * marsaglia_adf(z, 0);
  for (int j = 1; j < 100; ++j) {
    r *= (0.5 - j) / j;
    const double adnew = ad + (4 * j + 1) * r * marsaglia_adf(z, j);
    if (ad == adnew) return ad;
    ad = adnew;
  }
  return ad;
}

}  // namespace detail

// =======================================================================================
// Descriptive statistics
// =======================================================================================

Moments sample_moments(std::span<const double> sample) {
  constexpr std::string_view fn = "sample_moments";
  const std::size_t n = sample.size();
  if (n < 2) detail::fail(fn, "need at least 2 values (n = " + detail::fmt(n) + ")");
  detail::require_finite(fn, "sample", sample);
  if (detail::is_constant(sample)) {
    detail::fail(fn, "sample is constant (all n = " + detail::fmt(n) + " values equal " +
                         detail::fmt(sample[0]) + "); skewness and kurtosis are undefined");
  }
  const double N = static_cast<double>(n);

  // Corrected two-pass algorithm (Chan, Golub & LeVeque 1983, "Algorithms for computing
  // the sample variance: analysis and recommendations", Amer. Statist. 37, 242-247),
  // extended to third and fourth moments: with d_i = x_i - xbar and delta = S1/n,
  //   sum (d - delta)^2 = S2 - n delta^2,
  //   sum (d - delta)^3 = S3 - 3 delta S2 + 2 n delta^3,
  //   sum (d - delta)^4 = S4 - 4 delta S3 + 6 delta^2 S2 - 3 n delta^4,
  // where S_k = sum d_i^k, all accumulated with compensated summation.
  detail::CompensatedSum s0;
  for (double v : sample) s0.add(v);
  const double xbar = s0.value() / N;
  detail::CompensatedSum s1, s2, s3, s4;
  for (double v : sample) {
    const double d = v - xbar;
    const double d2 = d * d;
    s1.add(d);
    s2.add(d2);
    s3.add(d2 * d);
    s4.add(d2 * d2);
  }
  const double delta = s1.value() / N;
  const double c2 = s2.value() - N * delta * delta;
  const double c3 = s3.value() - 3.0 * delta * s2.value() + 2.0 * N * delta * delta * delta;
  const double c4 = s4.value() - 4.0 * delta * s3.value() +
                    6.0 * delta * delta * s2.value() - 3.0 * N * std::pow(delta, 4);
  if (!(c2 > 0.0)) {
    detail::fail(fn, "sample has zero variance to working precision (n = " + detail::fmt(n) +
                         "); skewness and kurtosis are undefined");
  }

  Moments m{};
  m.n = n;
  m.mean = xbar + delta;
  m.variance = c2 / (N - 1.0);
  // Moment estimators g1 = m3 / m2^(3/2), g2 = m4 / m2^2 - 3 with m_k = (1/n) sum (x - xbar)^k
  // (Joanes & Gill 1998, "Comparing measures of sample skewness and kurtosis", The
  // Statistician 47, 183-189).
  const double m2 = c2 / N;
  m.skewness = (c3 / N) / (m2 * std::sqrt(m2));
  m.excess_kurtosis = (c4 / N) / (m2 * m2) - 3.0;
  // Standard errors under normality: Var(xbar) = sigma^2/n and Var(s^2) = 2 sigma^4/(n-1)
  // (exact, sigma^2 estimated by s^2); Var(g1) ~ 6/n and Var(g2) ~ 24/n, the leading terms
  // of the exact normal-theory variances 6(n-2)/((n+1)(n+3)) and
  // 24n(n-2)(n-3)/((n+1)^2(n+3)(n+5)) (Fisher 1930, Proc. R. Soc. A 130, 16-28; listed in
  // Joanes & Gill 1998).
  m.se_mean = std::sqrt(m.variance / N);
  m.se_variance = m.variance * std::sqrt(2.0 / (N - 1.0));
  m.se_skewness = std::sqrt(6.0 / N);
  m.se_excess_kurtosis = std::sqrt(24.0 / N);
  return m;
}

// =======================================================================================
// Kolmogorov-Smirnov
// =======================================================================================

double kolmogorov_smirnov_sf(std::size_t n, double d) {
  constexpr std::string_view fn = "kolmogorov_smirnov_sf";
  if (n == 0) detail::fail(fn, "n must be positive (n = 0)");
  if (std::isnan(d)) detail::fail(fn, "d is NaN (n = " + detail::fmt(n) + ")");
  const double N = static_cast<double>(n);

  // Exact special cases (Ruben & Gambino 1982, "The exact distribution of Kolmogorov's
  // statistic D_n for n <= 10", Ann. Inst. Statist. Math. 34, 167-173):
  //   D_n >= 1/(2n) always;  P(D_n < d) = n! (2d - 1/n)^n for 1/(2n) < d <= 1/n;
  //   P(D_n >= d) = 2 (1-d)^n for 1 - 1/n <= d <= 1.
  if (d <= 0.5 / N) return 1.0;
  if (d >= 1.0) return 0.0;
  if (d >= 1.0 - 1.0 / N) return 2.0 * std::pow(1.0 - d, N);
  if (d <= 1.0 / N) return -std::expm1(std::lgamma(N + 1.0) + N * std::log(2.0 * d - 1.0 / N));

  // Dvoretzky-Kiefer-Wolfowitz inequality with Massart's constant (Massart 1990, Ann.
  // Probab. 18, 1269-1283): P(D_n > d) <= 2 exp(-2 n d^2). Below the smallest positive
  // double the probability is not representable, so 0 is the correctly rounded result.
  if (2.0 * N * d * d > 746.0) return 0.0;

  // For d >= 1/2 the events {D+ >= d} and {D- >= d} are disjoint, so
  // P(D_n >= d) = 2 P(D_n^+ >= d) exactly (see Simard & L'Ecuyer 2011, "Computing the
  // two-sided Kolmogorov-Smirnov distribution", J. Stat. Softw. 39(11)). For smaller d the
  // same expression (Miller 1956, JASA 51, 111-121) overestimates by P(D+ >= d, D- >= d),
  // which by the limiting distribution is ~ exp(-6x^2) = (p/2)^3 relative; measured
  // < 2e-7 for p <= 0.01.
  if (d >= 0.5) return 2.0 * detail::smirnov_sf(n, d);
  if (n <= detail::kMtwMaxN) {
    const double tail = 2.0 * detail::smirnov_sf(n, d);
    if (tail <= detail::kTailSwitch) return tail;
    return 1.0 - detail::kolmogorov_mtw_cdf(n, d);
  }
  const double approx = detail::kolmogorov_vrbik_sf(n, d);
  if (n <= detail::kExactTailMaxN && approx <= detail::kTailSwitch) {
    return 2.0 * detail::smirnov_sf(n, d);
  }
  return approx;
}

namespace {

/// D_n = max(D+, D-) from sorted u_(1) <= ... <= u_(n):
/// D+ = max_i (i/n - u_(i)), D- = max_i (u_(i) - (i-1)/n) (Kolmogorov 1933).
KsResult ks_from_sorted_uniforms(const std::vector<double>& u) {
  const std::size_t n = u.size();
  const double N = static_cast<double>(n);
  double d_plus = 0.0, d_minus = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    d_plus = std::max(d_plus, static_cast<double>(i + 1) / N - u[i]);
    d_minus = std::max(d_minus, u[i] - static_cast<double>(i) / N);
  }
  const double D = std::max(d_plus, d_minus);
  return KsResult{D, kolmogorov_smirnov_sf(n, D), n};
}

}  // namespace

KsResult ks_test(std::span<const double> sample, const std::function<double(double)>& cdf) {
  constexpr std::string_view fn = "ks_test";
  detail::require_nonempty(fn, "sample", sample);
  detail::require_no_nan(fn, "sample", sample);
  std::vector<double> u = detail::apply_cdf(fn, sample, cdf);
  std::sort(u.begin(), u.end());
  return ks_from_sorted_uniforms(u);
}

KsResult ks_test_uniform(std::span<const double> sample) {
  constexpr std::string_view fn = "ks_test_uniform";
  detail::require_nonempty(fn, "sample", sample);
  detail::require_no_nan(fn, "sample", sample);
  std::vector<double> u(sample.begin(), sample.end());
  for (double& v : u) v = std::clamp(v, 0.0, 1.0);
  std::sort(u.begin(), u.end());
  return ks_from_sorted_uniforms(u);
}

KsResult ks_test_normal(std::span<const double> sample) {
  constexpr std::string_view fn = "ks_test_normal";
  detail::require_nonempty(fn, "sample", sample);
  detail::require_no_nan(fn, "sample", sample);
  std::vector<double> u(sample.begin(), sample.end());
  std::sort(u.begin(), u.end());
  for (double& v : u) v = detail::normal_cdf(v);
  return ks_from_sorted_uniforms(u);
}

// =======================================================================================
// Anderson-Darling
// =======================================================================================

double anderson_darling_limit_sf(double z) {
  constexpr std::string_view fn = "anderson_darling_limit_sf";
  if (std::isnan(z)) detail::fail(fn, "z is NaN");
  if (z < 2.0) return 1.0 - detail::anderson_darling_limit_cdf_series(z);
  // A^2_inf = sum_{j>=1} Z_j^2 / (j(j+1)) (Anderson & Darling 1952, Ann. Math. Statist. 23,
  // 193-212) has Laplace transform
  //   E exp(-s A^2) = prod_j (1 + 2s/(j(j+1)))^(-1/2) = sqrt(2 pi s / cos(pi sqrt(1-8s)/2)),
  // whose only singularities are branch points at s = -j(j+1)/2. Collapsing the Bromwich
  // integral of the tail onto the branch cuts [-(2k+2)(2k+3)/2, -(2k+1)(2k+2)/2] gives,
  // with v = sqrt(1 + 8u) on the cut s = -u,
  //   P(A^2 >= z) = pi^(-1/2) sum_{k>=0} (-1)^k int_{4k+3}^{4k+5}
  //                 exp(-z (v^2-1)/8) v / sqrt((v^2-1) |cos(pi v/2)|) dv
  //             = exp(-z) sum_k (-1)^k exp(-z (2k^2+3k)) I_k(z),
  // a sum of rapidly decreasing terms (each I_k > 0) that keeps full relative accuracy in
  // the tail. (Derived here by the technique Smirnov used for the Cramer-von Mises
  // statistic; it agrees with the series of Marsaglia & Marsaglia 2004 to 2e-15 absolute on
  // [0.5, 10], and with 30-digit quadrature and Laplace inversion, see tests/test_stats.cpp,
  // and gives
  // P ~ sqrt(3) erfc(sqrt z) as z -> infinity.) Used for z >= 2, where 1 - ADinf(z) would
  // lose relative accuracy; below, the complement of the series is accurate (p > 0.09).
  double sum = 0.0;
  for (int k = 0; k < 10; ++k) {
    const double w = std::exp(-z * (2.0 * k * k + 3.0 * k));
    if (w < 1e-18) break;
    const double term = w * detail::ad_cut_integral(z, k);
    sum += (k % 2 == 0) ? term : -term;
  }
  return std::exp(-z) * sum;
}

double anderson_darling_sf(std::size_t n, double z) {
  constexpr std::string_view fn = "anderson_darling_sf";
  if (n == 0) detail::fail(fn, "n must be positive (n = 0)");
  if (std::isnan(z)) detail::fail(fn, "z is NaN (n = " + detail::fmt(n) + ")");
  // Marsaglia & Marsaglia (2004): P(A^2_n < z) ~ AD(n, z) = x + errfix(n, x),
  // x = ADinf(z); complemented here as P(A^2_n >= z) = (1 - x) - errfix(n, x) with 1 - x
  // evaluated directly, so the relative accuracy of the tail is kept.
  const double sf_inf = anderson_darling_limit_sf(z);
  const double p = sf_inf - detail::anderson_darling_errfix(n, sf_inf);
  return std::clamp(p, 0.0, 1.0);
}

namespace {

/// A^2_n = -n - (1/n) sum_{i=1}^n (2i-1) [ln u_(i) + ln(1 - u_(n+1-i))]
/// (Anderson & Darling 1954, JASA 49, 765-769), rearranged as the sum of O(1) terms
/// -[(2i-1) ln u_(i) + (2n-2i+1) ln(1 - u_(i))]/n - 1, accumulated with compensation.
/// log_u[i] = ln u_(i), log_1mu[i] = ln(1 - u_(i)) for sorted u.
AdResult ad_from_sorted_logs(const std::vector<double>& log_u,
                             const std::vector<double>& log_1mu) {
  const std::size_t n = log_u.size();
  const double N = static_cast<double>(n);
  detail::CompensatedSum a2;
  for (std::size_t i = 0; i < n; ++i) {
    const double w_lo = 2.0 * static_cast<double>(i) + 1.0;         // 2i - 1 for 1-based i
    const double w_hi = 2.0 * (N - static_cast<double>(i)) - 1.0;   // 2n - 2i + 1
    a2.add(-(w_lo * log_u[i] + w_hi * log_1mu[i]) / N - 1.0);
  }
  const double A2 = a2.value();
  return AdResult{A2, anderson_darling_sf(n, A2), n};
}

/// Clamps u in [0, 1] to [smallest positive double, 1 - 2^-53] and returns the logs.
AdResult ad_from_uniforms(std::vector<double>& u) {
  constexpr double lo = std::numeric_limits<double>::denorm_min();
  constexpr double hi = 1.0 - 0x1p-53;
  std::sort(u.begin(), u.end());
  std::vector<double> log_u(u.size()), log_1mu(u.size());
  for (std::size_t i = 0; i < u.size(); ++i) {
    const double v = std::clamp(u[i], lo, hi);
    log_u[i] = std::log(v);
    log_1mu[i] = std::log1p(-v);
  }
  return ad_from_sorted_logs(log_u, log_1mu);
}

}  // namespace

AdResult anderson_darling_uniform(std::span<const double> u) {
  constexpr std::string_view fn = "anderson_darling_uniform";
  detail::require_nonempty(fn, "u", u);
  for (std::size_t i = 0; i < u.size(); ++i) {
    if (!(u[i] >= 0.0 && u[i] <= 1.0)) {
      detail::fail(fn, "u[" + detail::fmt(i) + "] = " + detail::fmt(u[i]) +
                           " lies outside [0, 1] (n = " + detail::fmt(u.size()) + ")");
    }
  }
  std::vector<double> v(u.begin(), u.end());
  return ad_from_uniforms(v);
}

AdResult anderson_darling_test(std::span<const double> sample,
                               const std::function<double(double)>& cdf) {
  constexpr std::string_view fn = "anderson_darling_test";
  detail::require_nonempty(fn, "sample", sample);
  detail::require_no_nan(fn, "sample", sample);
  std::vector<double> u = detail::apply_cdf(fn, sample, cdf);
  return ad_from_uniforms(u);
}

AdResult anderson_darling_normal(std::span<const double> sample) {
  constexpr std::string_view fn = "anderson_darling_normal";
  detail::require_nonempty(fn, "sample", sample);
  detail::require_no_nan(fn, "sample", sample);
  std::vector<double> x(sample.begin(), sample.end());
  std::sort(x.begin(), x.end());
  constexpr double lo = std::numeric_limits<double>::denorm_min();
  std::vector<double> log_u(x.size()), log_1mu(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    // ln Phi(x) and ln(1 - Phi(x)) = ln Phi(-x), each through erfc of the tail side.
    log_u[i] = std::log(std::max(detail::normal_cdf(x[i]), lo));
    log_1mu[i] = std::log(std::max(detail::normal_cdf(-x[i]), lo));
  }
  return ad_from_sorted_logs(log_u, log_1mu);
}

// =======================================================================================
// Association
// =======================================================================================

namespace {

/// Checks shared by the correlation and regression functions: equal lengths, at least 3
/// pairs, 0 < confidence < 1, finite values and a non-constant x (and y, if
/// `y_may_be_constant` is false). `undefined` names what a constant input leaves undefined.
void check_paired_input(std::string_view fn, std::span<const double> x, std::span<const double> y,
                        double confidence, const char* what, const char* undefined,
                        bool y_may_be_constant) {
  if (x.size() != y.size()) {
    detail::fail(fn, "x and y differ in length (x.size() = " + detail::fmt(x.size()) +
                         ", y.size() = " + detail::fmt(y.size()) + ")");
  }
  const std::size_t n = x.size();
  if (n < 3) detail::fail(fn, std::string("need at least 3 ") + what + " (n = " + detail::fmt(n) + ")");
  if (!(confidence > 0.0 && confidence < 1.0)) {
    detail::fail(fn, "confidence must lie in (0, 1) (confidence = " + detail::fmt(confidence) +
                         ")");
  }
  detail::require_finite(fn, "x", x);
  detail::require_finite(fn, "y", y);
  if (detail::is_constant(x)) {
    detail::fail(fn, "x is constant (all n = " + detail::fmt(n) + " values equal " +
                         detail::fmt(x[0]) + "); the " + undefined + " is undefined");
  }
  if (!y_may_be_constant && detail::is_constant(y)) {
    detail::fail(fn, "y is constant (all n = " + detail::fmt(n) + " values equal " +
                         detail::fmt(y[0]) + "); the " + undefined + " is undefined");
  }
}

/// Checks shared by pearson_correlation() and spearman_correlation().
void check_correlation_input(std::string_view fn, std::span<const double> x,
                             std::span<const double> y, double confidence) {
  check_paired_input(fn, x, y, confidence, "pairs", "correlation", false);
}

/// r = S_xy / sqrt(S_xx S_yy) with centred sums (two-pass, compensated), clamped to [-1, 1].
double correlation_coefficient(std::string_view fn, std::span<const double> x,
                               std::span<const double> y) {
  const std::size_t n = x.size();
  const double N = static_cast<double>(n);
  detail::CompensatedSum sx, sy;
  for (std::size_t i = 0; i < n; ++i) {
    sx.add(x[i]);
    sy.add(y[i]);
  }
  const double mx = sx.value() / N, my = sy.value() / N;
  detail::CompensatedSum sxx, syy, sxy;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = x[i] - mx, dy = y[i] - my;
    sxx.add(dx * dx);
    syy.add(dy * dy);
    sxy.add(dx * dy);
  }
  if (!(sxx.value() > 0.0)) {
    detail::fail(fn, "x has zero variance to working precision (n = " + detail::fmt(n) + ")");
  }
  if (!(syy.value() > 0.0)) {
    detail::fail(fn, "y has zero variance to working precision (n = " + detail::fmt(n) + ")");
  }
  return std::clamp(sxy.value() / (std::sqrt(sxx.value()) * std::sqrt(syy.value())), -1.0,
                    1.0);
}

/// Test of rho = 0 and Fisher-z interval for a correlation r from n pairs; the z-scale
/// standard error is sqrt(z_variance_factor / (n - 3)).
CorrelationResult correlation_inference(double r, std::size_t n, double confidence,
                                        double z_variance_factor) {
  const double N = static_cast<double>(n);
  CorrelationResult res{};
  res.r = r;
  res.n = n;
  // t = r sqrt((n-2)/(1-r^2)) has Student's t distribution with n-2 df under bivariate
  // normality (Fisher 1915, Biometrika 10, 507-521). For |r| = 1, t is infinite and the
  // p-value is exactly 0. 1 - r^2 is formed as (1-r)(1+r).
  const double df = N - 2.0;
  if (std::abs(r) == 1.0) {
    res.p_value = 0.0;
  } else {
    const double t = std::abs(r) * std::sqrt(df / ((1.0 - r) * (1.0 + r)));
    const boost::math::students_t_distribution<double> student(df);
    res.p_value = std::min(1.0, 2.0 * boost::math::cdf(boost::math::complement(student, t)));
  }
  // Fisher (1921, Metron 1, 3-32) z-transform: atanh(r) is approximately normal with mean
  // atanh(rho) and variance factor/(n-3); interval tanh(atanh(r) -+ z_{(1+level)/2} se).
  if (n >= 4) {
    if (std::abs(r) == 1.0) {
      res.ci = ConfidenceInterval{r, r, confidence};
    } else {
      const boost::math::normal_distribution<double> normal;
      const double zq =
          boost::math::quantile(boost::math::complement(normal, (1.0 - confidence) / 2.0));
      const double half = zq * std::sqrt(z_variance_factor / (N - 3.0));
      const double z = std::atanh(r);
      res.ci = ConfidenceInterval{std::tanh(z - half), std::tanh(z + half), confidence};
    }
  }
  return res;
}

/// Ranks 1..n of v, ties given the average of the ranks they span.
std::vector<double> average_ranks(std::span<const double> v) {
  const std::size_t n = v.size();
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(n);
  std::size_t i = 0;
  while (i < n) {
    std::size_t j = i + 1;
    while (j < n && v[order[j]] == v[order[i]]) ++j;
    // Positions i..j-1 (0-based) hold ranks i+1..j; their average is (i + 1 + j) / 2.
    const double avg = 0.5 * static_cast<double>(i + 1 + j);
    for (std::size_t k = i; k < j; ++k) rank[order[k]] = avg;
    i = j;
  }
  return rank;
}

}  // namespace

CorrelationResult pearson_correlation(std::span<const double> x, std::span<const double> y,
                                      double confidence) {
  constexpr std::string_view fn = "pearson_correlation";
  check_correlation_input(fn, x, y, confidence);
  const double r = correlation_coefficient(fn, x, y);
  return correlation_inference(r, x.size(), confidence, 1.0);
}

CorrelationResult spearman_correlation(std::span<const double> x, std::span<const double> y,
                                       double confidence) {
  constexpr std::string_view fn = "spearman_correlation";
  check_correlation_input(fn, x, y, confidence);
  const std::vector<double> rx = average_ranks(x), ry = average_ranks(y);
  const double rho = correlation_coefficient(fn, rx, ry);
  // Fieller, Hartley & Pearson (1957): var(atanh(rho_s)) ~ 1.06 / (n - 3).
  return correlation_inference(rho, x.size(), confidence, 1.06);
}

// =======================================================================================
// Contingency tables
// =======================================================================================

namespace {

/// Shared part of chi_squared_independence() and chi_squared_2x2(); `yates` selects the
/// continuity correction min(0.5, min_ij |O_ij - E_ij|) of R's chisq.test (2 x 2 only).
ContingencyTestResult chi_squared_table(std::string_view fn, std::span<const double> counts,
                                        std::size_t rows, std::size_t cols, bool yates) {
  if (rows < 2 || cols < 2) {
    detail::fail(fn, "the table needs at least 2 rows and 2 columns (rows = " +
                         detail::fmt(rows) + ", cols = " + detail::fmt(cols) + ")");
  }
  if (counts.size() != rows * cols) {
    detail::fail(fn, "counts.size() = " + detail::fmt(counts.size()) +
                         " does not equal rows * cols = " + detail::fmt(rows) + " * " +
                         detail::fmt(cols));
  }
  for (std::size_t k = 0; k < counts.size(); ++k) {
    if (!(std::isfinite(counts[k]) && counts[k] >= 0.0)) {
      detail::fail(fn, "count in row " + detail::fmt(k / cols) + ", column " +
                           detail::fmt(k % cols) + " must be finite and >= 0 (counts[" +
                           detail::fmt(k) + "] = " + detail::fmt(counts[k]) + ")");
    }
  }
  std::vector<double> row_total(rows), col_total(cols);
  detail::CompensatedSum all;
  for (std::size_t i = 0; i < rows; ++i) {
    detail::CompensatedSum s;
    for (std::size_t j = 0; j < cols; ++j) s.add(counts[i * cols + j]);
    row_total[i] = s.value();
    all.add(row_total[i]);
  }
  for (std::size_t j = 0; j < cols; ++j) {
    detail::CompensatedSum s;
    for (std::size_t i = 0; i < rows; ++i) s.add(counts[i * cols + j]);
    col_total[j] = s.value();
  }
  for (std::size_t i = 0; i < rows; ++i) {
    if (!(row_total[i] > 0.0)) {
      detail::fail(fn, "row " + detail::fmt(i) + " of the " + detail::fmt(rows) + " x " +
                           detail::fmt(cols) +
                           " table sums to 0; its expected counts would be 0 (remove it)");
    }
  }
  for (std::size_t j = 0; j < cols; ++j) {
    if (!(col_total[j] > 0.0)) {
      detail::fail(fn, "column " + detail::fmt(j) + " of the " + detail::fmt(rows) + " x " +
                           detail::fmt(cols) +
                           " table sums to 0; its expected counts would be 0 (remove it)");
    }
  }
  ContingencyTestResult res{};
  res.rows = rows;
  res.cols = cols;
  res.total = all.value();
  res.df = (rows - 1) * (cols - 1);
  res.expected.resize(rows * cols);
  // E_ij = R_i C_j / N, in the order of R's outer(sr, sc) / n.
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) {
      res.expected[i * cols + j] = row_total[i] * col_total[j] / res.total;
    }
  }
  res.correction = 0.0;
  if (yates) {
    // Yates (1934, "Contingency tables involving small numbers and the chi-squared test",
    // Suppl. J. R. Statist. Soc. 1, 217-235), as R's chisq.test: min(0.5, min |O - E|).
    res.correction = 0.5;
    for (std::size_t k = 0; k < counts.size(); ++k) {
      res.correction = std::min(res.correction, std::abs(counts[k] - res.expected[k]));
    }
  }
  detail::CompensatedSum x2;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    const double d = std::abs(counts[k] - res.expected[k]) - res.correction;
    x2.add(d * d / res.expected[k]);
  }
  res.statistic = x2.value();
  // P(chi^2_df >= X^2) = Q(df/2, X^2/2), the regularised upper incomplete gamma function.
  res.p_value = boost::math::gamma_q(0.5 * static_cast<double>(res.df), 0.5 * res.statistic);
  return res;
}

}  // namespace

ContingencyTestResult chi_squared_independence(std::span<const double> counts,
                                               std::size_t rows, std::size_t cols) {
  return chi_squared_table("chi_squared_independence", counts, rows, cols, false);
}

ContingencyTestResult chi_squared_2x2(double n11, double n12, double n21, double n22,
                                      bool continuity_correction) {
  const std::array<double, 4> t{n11, n12, n21, n22};
  return chi_squared_table("chi_squared_2x2", t, 2, 2, continuity_correction);
}

namespace detail {
namespace {

/// ln of R's dbinom_raw(x, n, p, q) (Loader 2000; R's src/nmath/dbinom.c), p + q = 1:
/// the saddle-point form ln b = stirlerr(n) - stirlerr(x) - stirlerr(n-x) - bd0(x, np)
/// - bd0(n-x, nq) - (1/2) ln(2 pi x (1 - x/n)), with the closed forms at x = 0 and x = n.
double log_dbinom_raw(double x, double n, double p, double q) {
  constexpr double neg_inf = -std::numeric_limits<double>::infinity();
  if (p == 0.0) return x == 0.0 ? 0.0 : neg_inf;
  if (q == 0.0) return x == n ? 0.0 : neg_inf;
  if (x == 0.0) {
    if (n == 0.0) return 0.0;
    return p < 0.1 ? -bd0(n, n * q) - n * p : n * std::log(q);
  }
  if (x == n) return q < 0.1 ? -bd0(n, n * p) - n * q : n * std::log(p);
  if (x < 0.0 || x > n) return neg_inf;
  const double lc =
      stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, n * p) - bd0(n - x, n * q);
  const double lf = std::log(2.0 * std::numbers::pi) + std::log(x) + std::log1p(-x / n);
  return lc - 0.5 * lf;
}

/// ln P(X = x) for X hypergeometric: x white balls among n drawn from r white and b black,
/// as R's dhyper(x, r, b, n, log = TRUE): with p = n/(r+b),
/// P = dbinom(x; r, p) dbinom(n-x; b, p) / dbinom(n; r+b, p).
double log_dhyper(double x, double r, double b, double n) {
  constexpr double neg_inf = -std::numeric_limits<double>::infinity();
  if (n < x || r < x || n - x > b) return neg_inf;
  if (n == 0.0) return x == 0.0 ? 0.0 : neg_inf;
  const double p = n / (r + b);
  const double q = (r + b - n) / (r + b);
  return log_dbinom_raw(x, r, p, q) + log_dbinom_raw(n - x, b, p, q) -
         log_dbinom_raw(n, r + b, p, q);
}

/// Conditional distribution of n11 in a 2 x 2 table given its margins: Fisher's
/// noncentral hypergeometric distribution P_psi(X = s) ∝ C(m, s) C(n, k-s) psi^s on
/// lo <= s <= hi (m, n the column totals, k the first row total), parametrised here by
/// theta = ln psi.
class NoncentralHypergeometric {
 public:
  NoncentralHypergeometric(std::uint64_t n11, std::uint64_t n12, std::uint64_t n21,
                           std::uint64_t n22) {
    const std::uint64_t m = n11 + n21, n = n12 + n22, k = n11 + n12;
    lo_ = k > n ? k - n : 0;
    hi_ = std::min(k, m);
    x_ = n11;
    log_dc_.resize(hi_ - lo_ + 1);
    for (std::uint64_t s = lo_; s <= hi_; ++s) {
      log_dc_[s - lo_] = log_dhyper(static_cast<double>(s), static_cast<double>(m),
                                    static_cast<double>(n), static_cast<double>(k));
    }
  }
  std::uint64_t lo() const { return lo_; }
  std::uint64_t hi() const { return hi_; }

  /// Unnormalised probabilities at theta, scaled so that the largest is 1.
  std::vector<double> weights(double theta) const {
    std::vector<double> w(log_dc_.size());
    double mx = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < w.size(); ++i) {
      w[i] = theta == 0.0 ? log_dc_[i] : log_dc_[i] + theta * static_cast<double>(lo_ + i);
      mx = std::max(mx, w[i]);
    }
    for (double& v : w) v = std::exp(v - mx);
    return w;
  }
  /// E_theta(X) - x, computed as sum (s - x) w_s / sum w_s; increasing in theta.
  double mean_minus_x(double theta) const {
    const std::vector<double> w = weights(theta);
    CompensatedSum num, den;
    for (std::size_t i = 0; i < w.size(); ++i) {
      num.add((static_cast<double>(lo_ + i) - static_cast<double>(x_)) * w[i]);
      den.add(w[i]);
    }
    return num.value() / den.value();
  }
  /// P_theta(X <= x) (lower = true, decreasing in theta) or P_theta(X >= x) (increasing).
  double tail(double theta, bool lower) const {
    const std::vector<double> w = weights(theta);
    CompensatedSum part, den;
    for (std::size_t i = 0; i < w.size(); ++i) {
      den.add(w[i]);
      const std::uint64_t s = lo_ + i;
      if (lower ? s <= x_ : s >= x_) part.add(w[i]);
    }
    return std::min(1.0, part.value() / den.value());
  }
  /// Two-sided p-value at psi = 1 (R's fisher.test): sum of P(s) <= P(x) (1 + 1e-7).
  double two_sided_p() const {
    const std::vector<double> w = weights(0.0);
    const double threshold = w[x_ - lo_] * (1.0 + 1e-7);
    CompensatedSum part, den;
    for (double v : w) {
      den.add(v);
      if (v <= threshold) part.add(v);
    }
    return std::min(1.0, part.value() / den.value());
  }

 private:
  std::uint64_t lo_ = 0, hi_ = 0, x_ = 0;
  std::vector<double> log_dc_;
};

/// Root of the monotone function f on the whole real line (f changes sign somewhere):
/// brackets by doubling from [-1, 1], then TOMS 748 (Alefeld, Potra & Shi 1995, ACM TOMS
/// 21, 327-344) to full double precision.
template <class F>
double solve_monotone(F f) {
  double a = -1.0, b = 1.0;
  double fa = f(a), fb = f(b);
  for (int i = 0; i < 40 && fa * fb > 0.0; ++i) {
    // Move the end whose value is nearer to 0 in the direction of the root.
    if (std::abs(fa) < std::abs(fb)) {
      b = a;
      fb = fa;
      a *= 2.0;
      fa = f(a);
    } else {
      a = b;
      fa = fb;
      b *= 2.0;
      fb = f(b);
    }
  }
  if (fa == 0.0) return a;
  if (fb == 0.0) return b;
  if (fa * fb > 0.0) throw std::logic_error("solve_monotone(): no sign change found");
  std::uintmax_t max_iter = 500;
  const auto r = boost::math::tools::toms748_solve(
      f, a, b, fa, fb, boost::math::tools::eps_tolerance<double>(), max_iter);
  return 0.5 * (r.first + r.second);
}

}  // namespace
}  // namespace detail

FisherExactResult fisher_exact_2x2(std::uint64_t n11, std::uint64_t n12, std::uint64_t n21,
                                   std::uint64_t n22, Alternative alternative,
                                   double confidence) {
  constexpr std::string_view fn = "fisher_exact_2x2";
  constexpr std::uint64_t max_total = std::uint64_t{1} << 53;
  if (n11 > max_total || n12 > max_total - n11 || n21 > max_total - n11 - n12 ||
      n22 > max_total - n11 - n12 - n21) {
    detail::fail(fn, "the total count must not exceed 2^53 (n11 = " + std::to_string(n11) +
                         ", n12 = " + std::to_string(n12) + ", n21 = " + std::to_string(n21) +
                         ", n22 = " + std::to_string(n22) + ")");
  }
  if (!(confidence > 0.0 && confidence < 1.0)) {
    detail::fail(fn, "confidence must lie in (0, 1) (confidence = " + detail::fmt(confidence) +
                         ")");
  }
  constexpr double inf = std::numeric_limits<double>::infinity();
  FisherExactResult res{};
  res.alternative = alternative;
  const double ad = static_cast<double>(n11) * static_cast<double>(n22);
  const double bc = static_cast<double>(n12) * static_cast<double>(n21);
  if (bc > 0.0) {
    res.sample_odds_ratio = ad / bc;
  } else if (ad > 0.0) {
    res.sample_odds_ratio = inf;
  }
  res.ci = ConfidenceInterval{0.0, inf, confidence};

  const detail::NoncentralHypergeometric h(n11, n12, n21, n22);
  if (h.lo() == h.hi()) {
    // A zero margin: the margins allow one table only, every p-value is 1 and the odds
    // ratio is not identified.
    res.p_value = 1.0;
    return res;
  }
  switch (alternative) {
    case Alternative::two_sided: res.p_value = h.two_sided_p(); break;
    case Alternative::less: res.p_value = h.tail(0.0, true); break;
    case Alternative::greater: res.p_value = h.tail(0.0, false); break;
  }

  // Conditional MLE: E_psi(X) = n11 (Birch 1964; R's fisher.test), on theta = ln psi.
  if (n11 == h.lo()) {
    res.conditional_mle = 0.0;
  } else if (n11 == h.hi()) {
    res.conditional_mle = inf;
  } else {
    res.conditional_mle =
        std::exp(detail::solve_monotone([&](double t) { return h.mean_minus_x(t); }));
  }
  // Exact conditional limits (Cornfield 1956): P_{psi_U}(X <= n11) = a,
  // P_{psi_L}(X >= n11) = a, with a = (1 - level)/2 (two-sided) or 1 - level (one-sided).
  const double a = alternative == Alternative::two_sided ? 0.5 * (1.0 - confidence)
                                                         : 1.0 - confidence;
  auto upper_limit = [&] {
    if (n11 == h.hi()) return inf;
    return std::exp(detail::solve_monotone([&](double t) { return h.tail(t, true) - a; }));
  };
  auto lower_limit = [&] {
    if (n11 == h.lo()) return 0.0;
    return std::exp(detail::solve_monotone([&](double t) { return h.tail(t, false) - a; }));
  };
  if (alternative != Alternative::greater) res.ci.high = upper_limit();
  if (alternative != Alternative::less) res.ci.low = lower_limit();
  return res;
}

// =======================================================================================
// Exact binomial test
// =======================================================================================

BinomialTestResult binomial_test(std::uint64_t successes, std::uint64_t trials,
                                 double null_probability, Alternative alternative,
                                 double confidence) {
  constexpr std::string_view fn = "binomial_test";
  if (trials == 0) detail::fail(fn, "trials must be positive (trials = 0)");
  if (trials > (std::uint64_t{1} << 53)) {
    detail::fail(fn, "trials must not exceed 2^53 (trials = " + std::to_string(trials) + ")");
  }
  if (successes > trials) {
    detail::fail(fn, "successes must not exceed trials (successes = " +
                         std::to_string(successes) + ", trials = " + std::to_string(trials) +
                         ")");
  }
  if (!(null_probability >= 0.0 && null_probability <= 1.0)) {
    detail::fail(fn, "null_probability must lie in [0, 1] (null_probability = " +
                         detail::fmt(null_probability) + ")");
  }
  if (!(confidence > 0.0 && confidence < 1.0)) {
    detail::fail(fn, "confidence must lie in (0, 1) (confidence = " + detail::fmt(confidence) +
                         ")");
  }
  const double x = static_cast<double>(successes);
  const double n = static_cast<double>(trials);
  const double p0 = null_probability;
  const boost::math::binomial_distribution<double> dist(n, p0);
  // P(X <= k) and P(X >= k) for integer-valued k, including the empty ends.
  auto cdf_le = [&](double k) {
    if (k < 0.0) return 0.0;
    if (k >= n) return 1.0;
    return boost::math::cdf(dist, k);
  };
  auto sf_ge = [&](double k) {
    if (k <= 0.0) return 1.0;
    if (k > n) return 0.0;
    return boost::math::cdf(boost::math::complement(dist, k - 1.0));
  };
  auto pmf = [&](double k) { return std::exp(detail::log_dbinom_raw(k, n, p0, 1.0 - p0)); };

  BinomialTestResult res{};
  res.successes = successes;
  res.trials = trials;
  res.null_probability = p0;
  res.estimate = x / n;
  res.alternative = alternative;

  switch (alternative) {
    case Alternative::less: res.p_value = cdf_le(x); break;
    case Alternative::greater: res.p_value = sf_ge(x); break;
    case Alternative::two_sided: {
      // R's binom.test: d = dbinom(x), m = n p0; outcomes on the other side of m with
      // probability <= d (1 + 1e-7) are added to the tail beyond x. The pmf is
      // non-increasing on [ceil(m), n] and non-decreasing on [0, floor(m)] (its mode lies
      // in [(n+1)p0 - 1, (n+1)p0]), so those outcomes form a contiguous end range, found by
      // bisection.
      const double d = pmf(x) * (1.0 + 1e-7);
      const double m = n * p0;
      if (x == m) {
        res.p_value = 1.0;
      } else if (x < m) {
        // First i in [ceil(m), n] with pmf(i) <= d (n + 1 if none).
        double lo = std::ceil(m), hi = n + 1.0;
        while (lo < hi) {
          const double mid = std::floor(0.5 * (lo + hi));
          if (pmf(mid) <= d) hi = mid; else lo = mid + 1.0;
        }
        res.p_value = cdf_le(x) + sf_ge(lo);
      } else {
        // First i in [0, floor(m)] with pmf(i) > d (floor(m) + 1 if none): outcomes 0..i-1.
        double lo = 0.0, hi = std::floor(m) + 1.0;
        while (lo < hi) {
          const double mid = std::floor(0.5 * (lo + hi));
          if (pmf(mid) > d) hi = mid; else lo = mid + 1.0;
        }
        res.p_value = cdf_le(lo - 1.0) + sf_ge(x);
      }
      res.p_value = std::min(1.0, res.p_value);
      break;
    }
  }

  // Clopper & Pearson (1934, Biometrika 26, 404-413): the limits are beta quantiles,
  // lower = I^-1_a(x, n-x+1), upper = I^-1_{1-a}(x+1, n-x) (upper via the complement).
  const double a = alternative == Alternative::two_sided ? 0.5 * (1.0 - confidence)
                                                         : 1.0 - confidence;
  auto lower = [&] { return x == 0.0 ? 0.0 : boost::math::ibeta_inv(x, n - x + 1.0, a); };
  auto upper = [&] { return x == n ? 1.0 : boost::math::ibetac_inv(x + 1.0, n - x, a); };
  res.ci = ConfidenceInterval{alternative == Alternative::less ? 0.0 : lower(),
                              alternative == Alternative::greater ? 1.0 : upper(), confidence};
  return res;
}

// =======================================================================================
// Regression
// =======================================================================================

namespace {

/// linear_regression() with the caller's name in error messages; weighted least squares
/// when `weights` is not empty (w = 1 reproduces the unweighted sums exactly).
LinearRegressionResult ols(std::string_view fn, std::span<const double> x,
                           std::span<const double> y, double confidence,
                           std::span<const double> weights = {}) {
  check_paired_input(fn, x, y, confidence, "points", "slope", true);
  const std::size_t n = x.size();
  if (!weights.empty()) {
    if (weights.size() != n) {
      detail::fail(fn, "weights and x differ in length (weights.size() = " + detail::fmt(weights.size()) +
                           ", x.size() = " + detail::fmt(n) + ")");
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!(weights[i] > 0.0 && std::isfinite(weights[i]))) {
        detail::fail(fn, "weights[" + detail::fmt(i) + "] must be positive and finite (weights[" +
                             detail::fmt(i) + "] = " + detail::fmt(weights[i]) + ")");
      }
    }
  }
  auto wt = [&](std::size_t i) { return weights.empty() ? 1.0 : weights[i]; };
  const bool y_constant = detail::is_constant(y);
  const double N = static_cast<double>(n);

  detail::CompensatedSum sw, sx, sy;
  for (std::size_t i = 0; i < n; ++i) {
    sw.add(wt(i));
    sx.add(wt(i) * x[i]);
    sy.add(wt(i) * y[i]);
  }
  const double W = sw.value();
  const double xbar = sx.value() / W;
  const double ybar = y_constant ? y[0] : sy.value() / W;
  detail::CompensatedSum sxx, sxy;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = x[i] - xbar;
    sxx.add(wt(i) * dx * dx);
    sxy.add(wt(i) * dx * (y[i] - ybar));
  }
  if (!(sxx.value() > 0.0)) {
    detail::fail(fn, "x has zero variance to working precision (n = " + detail::fmt(n) + ")");
  }
  LinearRegressionResult res{};
  res.n = n;
  res.df = n - 2;
  const double Sxx = sxx.value();
  res.slope = y_constant ? 0.0 : sxy.value() / Sxx;
  res.intercept = ybar - res.slope * xbar;
  // Residuals e_i = (y_i - ybar) - b (x_i - xbar).
  detail::CompensatedSum rss;
  for (std::size_t i = 0; i < n; ++i) {
    const double e = (y[i] - ybar) - res.slope * (x[i] - xbar);
    rss.add(wt(i) * e * e);
  }
  const double RSS = rss.value();
  const double df = N - 2.0;
  res.residual_sd = std::sqrt(RSS / df);
  res.se_slope = res.residual_sd / std::sqrt(Sxx);
  res.se_intercept = res.residual_sd * std::sqrt(1.0 / W + xbar * xbar / Sxx);
  const boost::math::students_t_distribution<double> student(df);
  const double tq =
      boost::math::quantile(boost::math::complement(student, 0.5 * (1.0 - confidence)));
  res.slope_ci = ConfidenceInterval{res.slope - tq * res.se_slope,
                                    res.slope + tq * res.se_slope, confidence};
  if (!y_constant) {
    const double mss = res.slope * res.slope * Sxx;  // sum (fitted - mean)^2
    res.r_squared = mss / (mss + RSS);
    if (res.se_slope > 0.0) {
      res.slope_t = res.slope / res.se_slope;
      res.slope_p_value = std::min(
          1.0, 2.0 * boost::math::cdf(boost::math::complement(student, std::abs(*res.slope_t))));
    } else {
      // Exact fit with a non-zero slope (y not constant): t is infinite.
      res.slope_t = std::copysign(std::numeric_limits<double>::infinity(), res.slope);
      res.slope_p_value = 0.0;
    }
  }
  return res;
}

}  // namespace

LinearRegressionResult linear_regression(std::span<const double> x, std::span<const double> y,
                                         double confidence) {
  return ols("linear_regression", x, y, confidence);
}

LinearRegressionResult weighted_linear_regression(std::span<const double> x,
                                                  std::span<const double> y,
                                                  std::span<const double> weights,
                                                  double confidence) {
  if (weights.empty()) detail::fail("weighted_linear_regression", "weights is empty");
  return ols("weighted_linear_regression", x, y, confidence, weights);
}

namespace {

PowerLawFit power_law_from_log_fit(LinearRegressionResult log_fit, double confidence) {
  PowerLawFit res{};
  res.log_fit = std::move(log_fit);
  res.gamma = -res.log_fit.slope;
  res.prefactor = std::exp(res.log_fit.intercept);
  res.se_gamma = res.log_fit.se_slope;
  res.gamma_ci = ConfidenceInterval{-res.log_fit.slope_ci.high, -res.log_fit.slope_ci.low,
                                    confidence};
  return res;
}

}  // namespace

namespace {

/// Checks that every value of `values` (called `name` in messages) is positive and finite.
void require_positive(std::string_view fn, const char* name, std::span<const double> values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!(values[i] > 0.0 && std::isfinite(values[i]))) {
      detail::fail(fn, std::string(name) + "[" + detail::fmt(i) + "] must be positive and finite (" + name +
                           "[" + detail::fmt(i) + "] = " + detail::fmt(values[i]) + ")");
    }
  }
}

/// Power-law fit through the log-log regression, weighted when y_se is given.
PowerLawFit power_law(std::string_view fn, std::span<const double> n, std::span<const double> y,
                      std::optional<std::span<const double>> y_se, double confidence) {
  if (n.size() != y.size() || (y_se && y_se->size() != y.size())) {
    detail::fail(fn, std::string(y_se ? "n, y and y_se" : "n and y") + " differ in length (n.size() = " +
                         detail::fmt(n.size()) + ", y.size() = " + detail::fmt(y.size()) +
                         (y_se ? ", y_se.size() = " + detail::fmt(y_se->size()) : std::string()) + ")");
  }
  require_positive(fn, "n", n);
  require_positive(fn, "y", y);
  if (y_se) require_positive(fn, "y_se", *y_se);
  std::vector<double> log_n(n.size()), log_y(y.size()), w;
  for (std::size_t i = 0; i < n.size(); ++i) {
    log_n[i] = std::log(n[i]);
    log_y[i] = std::log(y[i]);
    if (y_se) {
      const double rel = (*y_se)[i] / y[i];  // delta method: sd(log y) ~ se(y) / y
      w.push_back(1.0 / (rel * rel));
    }
  }
  return power_law_from_log_fit(ols(fn, log_n, log_y, confidence, w), confidence);
}

}  // namespace

PowerLawFit power_law_fit(std::span<const double> n, std::span<const double> y,
                          double confidence) {
  return power_law("power_law_fit", n, y, std::nullopt, confidence);
}

PowerLawFit weighted_power_law_fit(std::span<const double> n, std::span<const double> y,
                                   std::span<const double> y_se, double confidence) {
  return power_law("weighted_power_law_fit", n, y, y_se, confidence);
}


// =======================================================================================
// Equivalence tests (TOST)
// =======================================================================================

namespace {

void check_alpha(std::string_view fn, double alpha) {
  if (!(alpha > 0.0 && alpha < 0.5)) {
    detail::fail(fn, "alpha must lie in (0, 0.5) (alpha = " + detail::fmt(alpha) + ")");
  }
}

/// TOST on the scale of the test (see EquivalenceTestResult).
EquivalenceTestResult tost(double estimate, double se, double lower, double upper,
                           std::optional<double> df, double alpha) {
  EquivalenceTestResult res{};
  res.estimate = estimate;
  res.standard_error = se;
  res.df = df;
  res.lower_margin = lower;
  res.upper_margin = upper;
  res.alpha = alpha;
  res.statistic_lower = (estimate - lower) / se;
  res.statistic_upper = (estimate - upper) / se;
  double q = 0.0;
  // Upper-tail probabilities throughout (P(T <= t) = P(T >= -t) by symmetry), so that
  // small p-values keep their relative accuracy.
  if (df) {
    const boost::math::students_t_distribution<double> t(*df);
    res.p_lower = boost::math::cdf(boost::math::complement(t, res.statistic_lower));
    res.p_upper = boost::math::cdf(boost::math::complement(t, -res.statistic_upper));
    q = boost::math::quantile(boost::math::complement(t, alpha));
  } else {
    const boost::math::normal_distribution<double> z;
    res.p_lower = boost::math::cdf(boost::math::complement(z, res.statistic_lower));
    res.p_upper = boost::math::cdf(boost::math::complement(z, -res.statistic_upper));
    q = boost::math::quantile(boost::math::complement(z, alpha));
  }
  res.p_value = std::max(res.p_lower, res.p_upper);
  res.equivalent = res.p_value < alpha;
  res.ci = ConfidenceInterval{estimate - q * se, estimate + q * se, 1.0 - 2.0 * alpha};
  return res;
}

/// Sample mean and unbiased variance (two-pass, compensated).
struct MeanVar {
  double mean, var;
};
MeanVar mean_var(std::string_view fn, std::string_view name, std::span<const double> v) {
  if (v.size() < 2) {
    detail::fail(fn, std::string(name) + " needs at least 2 values (" + std::string(name) +
                         ".size() = " + detail::fmt(v.size()) + ")");
  }
  detail::require_finite(fn, name, v);
  const double N = static_cast<double>(v.size());
  detail::CompensatedSum s;
  for (double a : v) s.add(a);
  const double m = detail::is_constant(v) ? v[0] : s.value() / N;
  detail::CompensatedSum s1, s2;
  for (double a : v) {
    s1.add(a - m);
    s2.add((a - m) * (a - m));
  }
  // Corrected two-pass (Chan, Golub & LeVeque 1983): sum (x - mean)^2 - (sum (x - mean))^2/n.
  const double delta = s1.value() / N;
  return MeanVar{m + delta, std::max(0.0, (s2.value() - N * delta * delta) / (N - 1.0))};
}

}  // namespace

EquivalenceTestResult tost_difference(double estimate, double standard_error,
                                      double lower_margin, double upper_margin,
                                      std::optional<double> df, double alpha) {
  constexpr std::string_view fn = "tost_difference";
  if (!std::isfinite(estimate)) {
    detail::fail(fn, "estimate must be finite (estimate = " + detail::fmt(estimate) + ")");
  }
  if (!(standard_error > 0.0 && std::isfinite(standard_error))) {
    detail::fail(fn, "standard_error must be positive and finite (standard_error = " +
                         detail::fmt(standard_error) + ")");
  }
  if (!(std::isfinite(lower_margin) && std::isfinite(upper_margin) &&
        lower_margin < upper_margin)) {
    detail::fail(fn, "need finite margins with lower_margin < upper_margin (lower_margin = " +
                         detail::fmt(lower_margin) + ", upper_margin = " +
                         detail::fmt(upper_margin) + ")");
  }
  if (df && !(*df > 0.0 && std::isfinite(*df))) {
    detail::fail(fn, "df must be positive and finite, or std::nullopt for the normal "
                     "reference (df = " + detail::fmt(*df) + ")");
  }
  check_alpha(fn, alpha);
  return tost(estimate, standard_error, lower_margin, upper_margin, df, alpha);
}

EquivalenceTestResult tost_mean_difference(std::span<const double> x,
                                           std::span<const double> y, double lower_margin,
                                           double upper_margin, double alpha) {
  constexpr std::string_view fn = "tost_mean_difference";
  const MeanVar mx = mean_var(fn, "x", x), my = mean_var(fn, "y", y);
  if (!(std::isfinite(lower_margin) && std::isfinite(upper_margin) &&
        lower_margin < upper_margin)) {
    detail::fail(fn, "need finite margins with lower_margin < upper_margin (lower_margin = " +
                         detail::fmt(lower_margin) + ", upper_margin = " +
                         detail::fmt(upper_margin) + ")");
  }
  check_alpha(fn, alpha);
  const double nx = static_cast<double>(x.size()), ny = static_cast<double>(y.size());
  const double vx = mx.var / nx, vy = my.var / ny;
  if (!(vx + vy > 0.0)) {
    detail::fail(fn, "x and y are both constant (x.size() = " + detail::fmt(x.size()) +
                         ", y.size() = " + detail::fmt(y.size()) +
                         "); the standard error is 0");
  }
  // Welch (1947, Biometrika 34, 28-35) - Satterthwaite (1946, Biometrics Bull. 2, 110-114).
  const double se2 = vx + vy;
  const double df = se2 * se2 / (vx * vx / (nx - 1.0) + vy * vy / (ny - 1.0));
  return tost(mx.mean - my.mean, std::sqrt(se2), lower_margin, upper_margin, df, alpha);
}

EquivalenceTestResult tost_mean_ratio(std::span<const double> x, std::span<const double> y,
                                      double lower_ratio, double upper_ratio, double alpha) {
  constexpr std::string_view fn = "tost_mean_ratio";
  const MeanVar mx = mean_var(fn, "x", x), my = mean_var(fn, "y", y);
  if (!(mx.mean > 0.0)) {
    detail::fail(fn, "mean(x) must be positive for a ratio on the log scale (mean(x) = " +
                         detail::fmt(mx.mean) + ")");
  }
  if (!(my.mean > 0.0)) {
    detail::fail(fn, "mean(y) must be positive for a ratio on the log scale (mean(y) = " +
                         detail::fmt(my.mean) + ")");
  }
  if (!(lower_ratio > 0.0 && upper_ratio > lower_ratio && std::isfinite(upper_ratio))) {
    detail::fail(fn, "need 0 < lower_ratio < upper_ratio < infinity (lower_ratio = " +
                         detail::fmt(lower_ratio) + ", upper_ratio = " +
                         detail::fmt(upper_ratio) + ")");
  }
  check_alpha(fn, alpha);
  const double nx = static_cast<double>(x.size()), ny = static_cast<double>(y.size());
  // Delta method: Var(log mean_x) ~ v_x / (n_x mean_x^2).
  const double a = mx.var / (nx * mx.mean * mx.mean);
  const double b = my.var / (ny * my.mean * my.mean);
  if (!(a + b > 0.0)) {
    detail::fail(fn, "x and y are both constant (x.size() = " + detail::fmt(x.size()) +
                         ", y.size() = " + detail::fmt(y.size()) +
                         "); the standard error is 0");
  }
  const double df = (a + b) * (a + b) / (a * a / (nx - 1.0) + b * b / (ny - 1.0));
  EquivalenceTestResult res =
      tost(std::log(mx.mean) - std::log(my.mean), std::sqrt(a + b), std::log(lower_ratio),
           std::log(upper_ratio), df, alpha);
  res.estimate = mx.mean / my.mean;
  res.lower_margin = lower_ratio;
  res.upper_margin = upper_ratio;
  res.ci.low = std::exp(res.ci.low);
  res.ci.high = std::exp(res.ci.high);
  return res;
}

// =======================================================================================
// Quantiles and the bootstrap
// =======================================================================================

namespace {

/// Type-7 quantile of an already sorted, non-empty sample, in the arithmetic of R's
/// quantile.default: index = 1 + (n-1) p, lo = floor(index), hi = ceiling(index),
/// Q = (1-h) x[lo] + h x[hi] with h = index - lo, and Q = x[lo] when h = 0 or x[hi] = x[lo].
double quantile7_sorted(const std::vector<double>& x, double p) {
  const double index = 1.0 + static_cast<double>(x.size() - 1) * p;
  const double lo = std::floor(index), hi = std::ceil(index);
  const double qlo = x[static_cast<std::size_t>(lo) - 1];
  const double qhi = x[static_cast<std::size_t>(hi) - 1];
  if (!(index > lo) || qhi == qlo) return qlo;
  const double h = index - lo;
  return (1.0 - h) * qlo + h * qhi;
}

}  // namespace

double t_or_normal_sf(double x, std::optional<double> df) {
  if (df) return boost::math::cdf(boost::math::complement(boost::math::students_t_distribution<double>(*df), x));
  return boost::math::cdf(boost::math::complement(boost::math::normal_distribution<double>(), x));
}

double sample_quantile(std::span<const double> sample, double probability) {
  constexpr std::string_view fn = "sample_quantile";
  detail::require_nonempty(fn, "sample", sample);
  detail::require_no_nan(fn, "sample", sample);
  if (!(probability >= 0.0 && probability <= 1.0)) {
    detail::fail(fn, "probability must lie in [0, 1] (probability = " +
                         detail::fmt(probability) + ")");
  }
  std::vector<double> x(sample.begin(), sample.end());
  std::sort(x.begin(), x.end());
  return quantile7_sorted(x, probability);
}

BootstrapResult bootstrap_percentile(
    std::span<const double> data,
    const std::function<double(std::span<const double>)>& statistic, std::size_t resamples,
    double confidence, std::uint64_t seed) {
  constexpr std::string_view fn = "bootstrap_percentile";
  detail::require_nonempty(fn, "data", data);
  detail::require_finite(fn, "data", data);
  if (!statistic) detail::fail(fn, "statistic is an empty std::function");
  if (resamples < 2) {
    detail::fail(fn, "resamples must be at least 2 (resamples = " + detail::fmt(resamples) +
                         ")");
  }
  if (!(confidence > 0.0 && confidence < 1.0)) {
    detail::fail(fn, "confidence must lie in (0, 1) (confidence = " + detail::fmt(confidence) +
                         ")");
  }
  BootstrapResult res{};
  res.resamples = resamples;
  res.seed = seed;
  res.estimate = statistic(data);
  if (!std::isfinite(res.estimate)) {
    detail::fail(fn, "statistic(data) is not finite (statistic(data) = " +
                         detail::fmt(res.estimate) + ")");
  }
  const std::size_t n = data.size();
  std::vector<double> buf(n);
  res.replicates.resize(resamples);
  for (std::size_t b = 0; b < resamples; ++b) {
    Engine eng = stream(seed, "bootstrap", b);
    for (std::size_t i = 0; i < n; ++i) buf[i] = data[eng.uniform_int(n)];
    const double v = statistic(std::span<const double>(buf));
    if (!std::isfinite(v)) {
      detail::fail(fn, "statistic returned a non-finite value on resample " + detail::fmt(b) +
                           " (value = " + detail::fmt(v) + ", seed = " +
                           detail::fmt(static_cast<std::size_t>(seed)) + ")");
    }
    res.replicates[b] = v;
  }
  const MeanVar mv = mean_var(fn, "replicates", res.replicates);
  res.standard_error = std::sqrt(mv.var);
  std::vector<double> sorted = res.replicates;
  std::sort(sorted.begin(), sorted.end());
  const double a = 0.5 * (1.0 - confidence);
  res.ci = ConfidenceInterval{quantile7_sorted(sorted, a), quantile7_sorted(sorted, 1.0 - a),
                              confidence};
  return res;
}

// =======================================================================================
// Multiple testing
// =======================================================================================

namespace {

void check_p_values(std::string_view fn, std::span<const double> p) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!(p[i] >= 0.0 && p[i] <= 1.0)) {
      detail::fail(fn, "p_values[" + detail::fmt(i) + "] must lie in [0, 1] (p_values[" +
                           detail::fmt(i) + "] = " + detail::fmt(p[i]) + ")");
    }
  }
}

/// Indices of p in ascending order of value (ties in input order).
std::vector<std::size_t> ascending_order(std::span<const double> p) {
  std::vector<std::size_t> o(p.size());
  for (std::size_t i = 0; i < o.size(); ++i) o[i] = i;
  std::stable_sort(o.begin(), o.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  return o;
}

}  // namespace

std::vector<double> p_adjust_holm(std::span<const double> p_values) {
  check_p_values("p_adjust_holm", p_values);
  const std::size_t m = p_values.size();
  const std::vector<std::size_t> o = ascending_order(p_values);
  std::vector<double> adj(m);
  // R: pmin(1, cummax((m - i + 1) * p[o]))[order(o)], i = 1..m.
  double running = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    running = std::max(running, static_cast<double>(m - i) * p_values[o[i]]);
    adj[o[i]] = std::min(1.0, running);
  }
  return adj;
}

std::vector<double> p_adjust_bh(std::span<const double> p_values) {
  check_p_values("p_adjust_bh", p_values);
  const std::size_t m = p_values.size();
  const std::vector<std::size_t> o = ascending_order(p_values);
  std::vector<double> adj(m);
  // R: pmin(1, cummin(m / i * p[o]))[order(o)], i = m..1 over decreasing p.
  double running = std::numeric_limits<double>::infinity();
  const double M = static_cast<double>(m);
  for (std::size_t k = m; k-- > 0;) {
    running = std::min(running, M / static_cast<double>(k + 1) * p_values[o[k]]);
    adj[o[k]] = std::min(1.0, running);
  }
  return adj;
}

}  // namespace jacstab
