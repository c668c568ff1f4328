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
#include <boost/math/distributions/kolmogorov_smirnov.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>

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

CorrelationResult pearson_correlation(std::span<const double> x, std::span<const double> y,
                                      double confidence) {
  constexpr std::string_view fn = "pearson_correlation";
  if (x.size() != y.size()) {
    detail::fail(fn, "x and y differ in length (x.size() = " + detail::fmt(x.size()) +
                         ", y.size() = " + detail::fmt(y.size()) + ")");
  }
  const std::size_t n = x.size();
  if (n < 3) detail::fail(fn, "need at least 3 pairs (n = " + detail::fmt(n) + ")");
  if (!(confidence > 0.0 && confidence < 1.0)) {
    detail::fail(fn, "confidence must lie in (0, 1) (confidence = " + detail::fmt(confidence) +
                         ")");
  }
  detail::require_finite(fn, "x", x);
  detail::require_finite(fn, "y", y);
  if (detail::is_constant(x)) {
    detail::fail(fn, "x is constant (all n = " + detail::fmt(n) + " values equal " +
                         detail::fmt(x[0]) + "); the correlation is undefined");
  }
  if (detail::is_constant(y)) {
    detail::fail(fn, "y is constant (all n = " + detail::fmt(n) + " values equal " +
                         detail::fmt(y[0]) + "); the correlation is undefined");
  }
  const double N = static_cast<double>(n);

  // r = S_xy / sqrt(S_xx S_yy) with centred sums (two-pass, compensated).
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
  const double r =
      std::clamp(sxy.value() / (std::sqrt(sxx.value()) * std::sqrt(syy.value())), -1.0, 1.0);

  CorrelationResult res{};
  res.r = r;
  res.n = n;
  // Test of rho = 0: t = r sqrt((n-2)/(1-r^2)) has Student's t distribution with n-2 df
  // under bivariate normality (Fisher 1915, Biometrika 10, 507-521). For |r| = 1, t is
  // infinite and the p-value is exactly 0. 1 - r^2 is formed as (1-r)(1+r).
  const double df = N - 2.0;
  if (std::abs(r) == 1.0) {
    res.p_value = 0.0;
  } else {
    const double t = std::abs(r) * std::sqrt(df / ((1.0 - r) * (1.0 + r)));
    const boost::math::students_t_distribution<double> student(df);
    res.p_value = std::min(1.0, 2.0 * boost::math::cdf(boost::math::complement(student, t)));
  }
  // Fisher (1921, Metron 1, 3-32) z-transform: atanh(r) is approximately normal with mean
  // atanh(rho) and variance 1/(n-3); interval tanh(atanh(r) -+ z_{(1+level)/2}/sqrt(n-3)).
  if (n >= 4) {
    if (std::abs(r) == 1.0) {
      res.ci = ConfidenceInterval{r, r, confidence};
    } else {
      const boost::math::normal_distribution<double> normal;
      const double zq =
          boost::math::quantile(boost::math::complement(normal, (1.0 - confidence) / 2.0));
      const double half = zq / std::sqrt(N - 3.0);
      const double z = std::atanh(r);
      res.ci = ConfidenceInterval{std::tanh(z - half), std::tanh(z + half), confidence};
    }
  }
  return res;
}

}  // namespace jacstab
