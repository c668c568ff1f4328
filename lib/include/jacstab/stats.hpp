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
// Anderson-Darling) and their null distributions; association (Pearson and Spearman
// correlation); contingency tables (chi-squared, Fisher's exact test); the exact binomial
// test; simple linear regression and power-law fits; equivalence tests (TOST); the
// bootstrap percentile interval and sample quantiles; multiple-testing adjustments
// (Holm, Benjamini-Hochberg).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

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

/// Direction of the alternative hypothesis of a test about one parameter theta against the
/// null value theta0: two_sided (theta != theta0), less (theta < theta0), greater
/// (theta > theta0). The names and meanings are those of R's `alternative` argument.
enum class Alternative { two_sided, less, greater };

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

/// Result of pearson_correlation() and spearman_correlation().
struct CorrelationResult {
  double r;        ///< sample correlation coefficient (Pearson's r or Spearman's rho), in [-1, 1]
  double p_value;  ///< two-sided, H0: rho = 0, t = r sqrt((n-2)/(1-r^2)) ~ t_{n-2}; 0 if |r| = 1
  /// Fisher-z interval tanh(atanh(r) -+ z_{(1+level)/2} se_z) with se_z = 1/sqrt(n-3)
  /// (Pearson) or sqrt(1.06/(n-3)) (Spearman); [r, r] if |r| = 1; empty when n < 4.
  std::optional<ConfidenceInterval> ci;
  std::size_t n;
};

/// Pearson correlation test. Requires x.size() == y.size() >= 3, finite values, neither
/// input constant, and 0 < confidence < 1; throws std::invalid_argument otherwise.
CorrelationResult pearson_correlation(std::span<const double> x, std::span<const double> y,
                                      double confidence = 0.95);

/// Spearman rank correlation: rho is Pearson's r of the ranks, with tied values given the
/// average of the ranks they span (Spearman 1904; Kendall & Gibbons 1990, "Rank
/// correlation methods", ch. 3), so rho = 1 - 6 sum d_i^2 / (n^3 - n) when there are no ties.
/// p-value: two-sided, from t = rho sqrt((n-2)/(1-rho^2)) ~ t_{n-2}, the large-sample
/// approximation used by scipy.stats.spearmanr and by R's
/// cor.test(method = "spearman", exact = FALSE). R's default (exact = NULL) instead uses the
/// exact null distribution (algorithm AS 89, with an Edgeworth series for n > 9) when
/// n < 1290 and there are no ties, so for small n its p-value differs from this one.
/// Interval: Fisher z-transform with the standard error sqrt(1.06/(n-3)) of Fieller, Hartley
/// & Pearson (1957, "Tests for rank correlation coefficients. I", Biometrika 44, 470-481),
/// tanh(atanh(rho) -+ z_{(1+level)/2} sqrt(1.06/(n-3))), for n >= 4.
/// Requirements and errors as for pearson_correlation() (a constant input has constant ranks).
CorrelationResult spearman_correlation(std::span<const double> x, std::span<const double> y,
                                       double confidence = 0.95);

// ---------------------------------------------------------------------------------------
// Contingency tables
// ---------------------------------------------------------------------------------------

/// Result of a Pearson chi-squared test of independence on an r x c table.
struct ContingencyTestResult {
  double statistic;   ///< X^2 = sum_ij (|O_ij - E_ij| - correction)^2 / E_ij
  std::size_t df;     ///< (rows - 1)(cols - 1)
  double p_value;     ///< P(chi^2_df >= X^2) = Q(df/2, X^2/2) (regularised upper gamma)
  double correction;  ///< continuity correction subtracted from |O - E| (0 if none)
  std::size_t rows, cols;
  double total;       ///< N = sum of all counts
  /// Expected counts under independence, E_ij = R_i C_j / N (row and column totals), stored
  /// row-major like the input: expected[i * cols + j].
  std::vector<double> expected;
};

/// Pearson's chi-squared test of independence for the rows x cols contingency table
/// `counts`, given row-major (counts[i * cols + j] is the count in row i, column j). No
/// continuity correction; the same as R's chisq.test(x, correct = FALSE) on a matrix.
/// Counts need not be integers but must be finite and >= 0. The chi-squared approximation
/// is the usual one (Pearson 1900; Agresti 2013, "Categorical data analysis", 3rd ed.,
/// section 3.2); it is poor when expected counts are below ~5, where fisher_exact_2x2() is
/// the alternative for 2 x 2 tables.
/// Throws std::invalid_argument if rows < 2 or cols < 2, if counts.size() != rows * cols,
/// if a count is negative or not finite, or if a row or column total is 0 (its expected
/// counts would be 0 and X^2 undefined).
ContingencyTestResult chi_squared_independence(std::span<const double> counts,
                                               std::size_t rows, std::size_t cols);

/// Chi-squared test for the 2 x 2 table [[n11, n12], [n21, n22]], with Yates' (1934)
/// continuity correction when continuity_correction is true (the default, as in R): the
/// correction is c = min(0.5, |O - E|) (|O - E| is the same in all four cells), exactly as
/// R's chisq.test(x, correct = TRUE), so the corrected X^2 is 0 (p = 1) when |O - E| < 0.5
/// instead of being pushed up by overcorrection. Argument checks as
/// chi_squared_independence().
ContingencyTestResult chi_squared_2x2(double n11, double n12, double n21, double n22,
                                      bool continuity_correction = true);

/// Result of Fisher's exact test on a 2 x 2 table.
struct FisherExactResult {
  double p_value;
  Alternative alternative;
  /// Sample (cross-product) odds ratio n11 n22 / (n12 n21); +infinity when n12 n21 = 0 <
  /// n11 n22; empty when n11 n22 = n12 n21 = 0 (0/0).
  std::optional<double> sample_odds_ratio;
  /// Conditional maximum-likelihood estimate of the odds ratio (the estimate R's fisher.test
  /// reports): the psi at which the mean of the noncentral hypergeometric distribution
  /// equals n11; 0 when n11 is the smallest value the margins allow, +infinity when it is
  /// the largest; empty when the margins allow a single table (a zero row or column total).
  std::optional<double> conditional_mle;
  /// Exact conditional confidence interval for the odds ratio (Cornfield 1956, as R's
  /// fisher.test): two-sided [psi_L, psi_U] with P_{psi_L}(X >= n11) = P_{psi_U}(X <= n11)
  /// = (1 - level)/2; for alternative less [0, psi_U], for greater [psi_L, +infinity], with
  /// 1 - level in place of (1 - level)/2. psi_L = 0 when n11 is the smallest possible value
  /// and psi_U = +infinity when it is the largest (the limits may be 0 or +infinity).
  ConfidenceInterval ci;
};

/// Fisher's exact test of independence (odds ratio 1) for the 2 x 2 table
/// [[n11, n12], [n21, n22]], conditioning on all margins, so that n11 is hypergeometric
/// (Fisher 1935; Agresti 2013, section 3.5). With P the hypergeometric probabilities of the
/// possible values of n11:
///  * two_sided: p = sum of P(t) over the tables t with P(t) <= P(observed) (1 + 1e-7), the
///    relative tolerance of R's fisher.test (it keeps tables of equal probability from
///    being split by rounding);
///  * less: p = P(X <= n11); greater: p = P(X >= n11).
/// The probabilities are evaluated as in R's dhyper (Loader's 2000 saddle-point binomial
/// terms, on the log scale) and summed directly, so small p-values keep their relative
/// accuracy. The conditional MLE and interval solve their equations on log(psi) to full
/// double precision (R's fisher.test stops at uniroot's default tolerance, 1.2e-4 on psi
/// or 1/psi, so it agrees with these to about that accuracy). Each evaluation costs
/// O(number of possible tables), about 150 evaluations in all.
/// Throws std::invalid_argument if the total count exceeds 2^53 (counts are handled as
/// doubles) and unless 0 < confidence < 1.
FisherExactResult fisher_exact_2x2(std::uint64_t n11, std::uint64_t n12, std::uint64_t n21,
                                   std::uint64_t n22,
                                   Alternative alternative = Alternative::two_sided,
                                   double confidence = 0.95);

// ---------------------------------------------------------------------------------------
// Exact binomial test
// ---------------------------------------------------------------------------------------

struct BinomialTestResult {
  std::uint64_t successes;
  std::uint64_t trials;
  double null_probability;  ///< p0 under H0
  double estimate;          ///< successes / trials
  double p_value;
  Alternative alternative;
  /// Clopper-Pearson (1934) interval: two-sided [B(a; x, n-x+1), B(1-a; x+1, n-x)] with
  /// a = (1-level)/2 and B(q; alpha, beta) the beta quantile (lower limit 0 when x = 0,
  /// upper limit 1 when x = n); for less [0, upper with a = 1-level], for greater
  /// [lower with a = 1-level, 1]. As R's binom.test.
  ConfidenceInterval ci;
};

/// Exact test of H0: P(success) = null_probability for `successes` out of `trials`
/// independent Bernoulli trials, as R's binom.test:
///  * less: p = P(X <= x); greater: p = P(X >= x) (binomial cdf and complement, Boost);
///  * two_sided: the sum of the probabilities of all outcomes whose probability is at most
///    that of the observed x, times (1 + 1e-7) (R's relative tolerance); p = 1 when
///    x = n p0. The count of such outcomes on the far side of the mode is found by
///    bisection (the pmf is monotone there), so the cost is O(log n).
/// Point probabilities are evaluated as R's dbinom (Loader 2000).
/// Throws std::invalid_argument if trials == 0 or trials > 2^53 (handled as a double),
/// successes > trials, null_probability is outside [0, 1] (or NaN), or confidence is
/// outside (0, 1).
BinomialTestResult binomial_test(std::uint64_t successes, std::uint64_t trials,
                                 double null_probability = 0.5,
                                 Alternative alternative = Alternative::two_sided,
                                 double confidence = 0.95);

// ---------------------------------------------------------------------------------------
// Regression
// ---------------------------------------------------------------------------------------

/// Ordinary least squares fit of y = a + b x (one predictor, with intercept).
///   b = S_xy / S_xx, a = ybar - b xbar, with centred sums S_xx = sum (x - xbar)^2 etc.;
///   residual_sd s = sqrt(RSS / (n - 2)), RSS = sum (y - a - b x)^2;
///   se(b) = s / sqrt(S_xx), se(a) = s sqrt(1/n + xbar^2 / S_xx);
///   R^2 = b^2 S_xx / (b^2 S_xx + RSS) (as R's summary.lm);
///   t = b / se(b) ~ t_{n-2} under H0: b = 0; interval b -+ t_{n-2, (1+level)/2} se(b).
/// (Normal-theory results for the Gauss-Markov model with normal errors; e.g. Weisberg
/// 2014, "Applied linear regression", 4th ed., ch. 2.) The same numbers as R's
/// summary(lm(y ~ x)) and confint().
struct LinearRegressionResult {
  std::size_t n;
  std::size_t df;  ///< n - 2
  double intercept, slope;
  double se_intercept, se_slope;
  double residual_sd;
  /// Empty when y is constant (0/0); 1 for an exact fit.
  std::optional<double> r_squared;
  /// b / se(b); +-infinity for an exact non-flat fit (RSS = 0); empty when y is constant.
  std::optional<double> slope_t;
  /// Two-sided p-value of slope_t; 0 for an exact non-flat fit; empty when y is constant.
  std::optional<double> slope_p_value;
  ConfidenceInterval slope_ci;
};

/// OLS fit of y on x, computed from compensated two-pass centred sums (no normal
/// equations), so a large common offset in x or y costs no accuracy.
/// Throws std::invalid_argument if x.size() != y.size(), n < 3, a value is not finite, x is
/// constant, or confidence is outside (0, 1).
LinearRegressionResult linear_regression(std::span<const double> x, std::span<const double> y,
                                         double confidence = 0.95);

/// Weighted least squares fit of y = a + b x: minimises sum w_i (y_i - a - b x_i)^2. With
/// weighted means xbar = sum w x / sum w (ybar likewise) and S_xx = sum w (x - xbar)^2, the
/// formulas of linear_regression() hold with every sum weighted and 1/n replaced by
/// 1/sum w in se(a); the residual sd is sqrt(sum w e^2 / (n - 2)), so the weights need only
/// be proportional to 1/var(y_i). The same numbers as R's summary(lm(y ~ x, weights = w))
/// and confint(). Throws std::invalid_argument as linear_regression(), and if weights is
/// empty, has another length or a weight that is not positive and finite.
LinearRegressionResult weighted_linear_regression(std::span<const double> x,
                                                  std::span<const double> y,
                                                  std::span<const double> weights,
                                                  double confidence = 0.95);

/// Result of power_law_fit(): y ~ C n^(-gamma).
struct PowerLawFit {
  double gamma;      ///< exponent, -slope of the log-log fit
  double prefactor;  ///< C = exp(intercept of the log-log fit)
  double se_gamma;   ///< standard error of gamma (= se of the log-log slope)
  /// t interval for gamma: -(slope interval), i.e. gamma -+ t_{n-2, (1+level)/2} se_gamma.
  ConfidenceInterval gamma_ci;
  LinearRegressionResult log_fit;  ///< OLS of log y on log n
};

/// Power-law fit y ~ C n^(-gamma) by OLS of log y on log n (linear_regression()), i.e.
/// multiplicative log-normal errors, log y = log C - gamma log n + e. C = exp(intercept) is
/// the fitted median of y at n = 1 (not its mean, which carries the factor E exp(e)).
/// Throws std::invalid_argument if an n or y is not positive and finite, and for the
/// conditions of linear_regression() (at least 3 points, n not all equal, 0 < confidence < 1).
PowerLawFit power_law_fit(std::span<const double> n, std::span<const double> y,
                          double confidence = 0.95);

/// Power-law fit y ~ C n^(-gamma) for estimates y_i with standard errors y_se_i: weighted
/// least squares of log y on log n with weights 1/(y_se/y)^2 (the delta-method variance of
/// log y), through weighted_linear_regression(), so the interval on gamma is scaled by the
/// residual sd as in R's lm (it widens when the points scatter more than their standard
/// errors allow, e.g. when the power law does not hold exactly). Throws
/// std::invalid_argument as power_law_fit(), and if a y_se is not positive and finite.
PowerLawFit weighted_power_law_fit(std::span<const double> n, std::span<const double> y,
                                   std::span<const double> y_se, double confidence = 0.95);

// ---------------------------------------------------------------------------------------
// Equivalence tests: two one-sided tests (TOST)
// ---------------------------------------------------------------------------------------

/// Result of a TOST equivalence test of H0: theta <= L or theta >= U against
/// H1: L < theta < U (Schuirmann 1987, "A comparison of the two one-sided tests procedure
/// and the power approach for assessing the equivalence of average bioavailability",
/// J. Pharmacokin. Biopharm. 15, 657-680; Wellek 2010, "Testing statistical hypotheses of
/// equivalence and noninferiority", 2nd ed.). With T ~ t_df (or N(0, 1) without df):
///   statistic_lower = (theta_hat - L)/se, p_lower = P(T >= statistic_lower)  (H0: theta <= L)
///   statistic_upper = (theta_hat - U)/se, p_upper = P(T <= statistic_upper)  (H0: theta >= U)
///   p_value = max(p_lower, p_upper); equivalent iff p_value < alpha, which is the same as
///   the (1 - 2 alpha) interval theta_hat -+ q_{1-alpha} se lying inside (L, U).
/// For tost_mean_ratio() the test is done on the log scale (theta = log ratio): estimate,
/// margins and ci are reported on the ratio scale, standard_error and the two statistics
/// on the log scale.
struct EquivalenceTestResult {
  double estimate;        ///< theta_hat (a difference, or a ratio for tost_mean_ratio)
  double standard_error;  ///< of theta_hat (of log ratio for tost_mean_ratio)
  std::optional<double> df;  ///< degrees of freedom of the t reference; empty: normal
  double lower_margin, upper_margin;  ///< L < U, on the scale of estimate
  double statistic_lower, statistic_upper;
  double p_lower, p_upper;
  double p_value;  ///< max(p_lower, p_upper)
  double alpha;
  bool equivalent;        ///< p_value < alpha
  ConfidenceInterval ci;  ///< (1 - 2 alpha) interval, ci.level = 1 - 2 alpha
};

/// Upper-tail probability P(T >= x) of Student's t with `df` degrees of freedom, or of the
/// standard normal when `df` is empty (Boost's complements, so small values keep their
/// relative accuracy).
double t_or_normal_sf(double x, std::optional<double> df = std::nullopt);

/// TOST for an estimate with known standard error: Student t reference with `df` degrees of
/// freedom if given, normal otherwise. Throws std::invalid_argument unless estimate is
/// finite, standard_error > 0 and finite, lower_margin < upper_margin (both finite), df
/// (if given) > 0 and finite, and 0 < alpha < 0.5.
EquivalenceTestResult tost_difference(double estimate, double standard_error,
                                      double lower_margin, double upper_margin,
                                      std::optional<double> df = std::nullopt,
                                      double alpha = 0.05);

/// TOST for the difference of means theta = mean(x) - mean(y) of two independent samples,
/// without assuming equal variances: se^2 = v_x/n_x + v_y/n_y (sample variances v), and
/// the Welch (1947) - Satterthwaite (1946) degrees of freedom
/// df = se^4 / ((v_x/n_x)^2/(n_x-1) + (v_y/n_y)^2/(n_y-1)), as R's t.test(x, y).
/// Throws std::invalid_argument if a sample has fewer than 2 values or a non-finite value,
/// if both samples are constant (se = 0), or on the conditions of tost_difference().
EquivalenceTestResult tost_mean_difference(std::span<const double> x,
                                           std::span<const double> y, double lower_margin,
                                           double upper_margin, double alpha = 0.05);

/// TOST for the ratio of means theta = mean(x)/mean(y) of two independent samples with
/// equivalence bounds lower_ratio < theta < upper_ratio (e.g. 0.95 and 1.05), done on the
/// log scale: log(mean x / mean y) against (log lower_ratio, log upper_ratio), with the
/// delta-method standard error se^2 = a + b, a = v_x/(n_x mean_x^2), b = v_y/(n_y mean_y^2),
/// and Welch-type degrees of freedom df = (a + b)^2 / (a^2/(n_x-1) + b^2/(n_y-1)). The
/// interval is exp of the log-scale one. Large-sample method: it needs means well away from
/// 0 relative to their standard errors.
/// Throws std::invalid_argument if a sample has fewer than 2 values or a non-finite value,
/// if a mean is not positive, if both samples are constant, unless
/// 0 < lower_ratio < upper_ratio < infinity, and unless 0 < alpha < 0.5.
EquivalenceTestResult tost_mean_ratio(std::span<const double> x, std::span<const double> y,
                                      double lower_ratio, double upper_ratio,
                                      double alpha = 0.05);

// ---------------------------------------------------------------------------------------
// Quantiles and the bootstrap
// ---------------------------------------------------------------------------------------

/// Sample quantile of type 7 (Hyndman & Fan 1996, "Sample quantiles in statistical
/// packages", Amer. Statist. 50, 361-365; the default of R's quantile() and of numpy):
/// with the sorted sample x_(1) <= ... <= x_(n), h = 1 + (n-1) p, j = floor(h),
/// Q(p) = (1 - (h-j)) x_(j) + (h-j) x_(j+1) (Q = x_(j) when h = j), evaluated as R does.
/// Throws std::invalid_argument if the sample is empty or has a NaN, or p is outside [0, 1].
double sample_quantile(std::span<const double> sample, double probability);

struct BootstrapResult {
  double estimate;  ///< statistic(data)
  /// Percentile interval [Q((1-level)/2), Q((1+level)/2)] of the replicates, Q the type-7
  /// quantile (sample_quantile()).
  ConfidenceInterval ci;
  double standard_error;  ///< SD of the replicates (denominator resamples - 1)
  std::size_t resamples;
  std::uint64_t seed;
  std::vector<double> replicates;  ///< statistic of resample b at index b
};

/// Nonparametric bootstrap (Efron 1979; Efron & Tibshirani 1993, "An introduction to the
/// bootstrap", ch. 13) with the percentile interval. Resample b (0 <= b < resamples) draws
/// data.size() indices uniformly with replacement from
/// jacstab::stream(seed, "bootstrap", b) (Engine::uniform_int, unbiased), so the result
/// depends only on (data, statistic, resamples, seed) and resample b does not depend on
/// how many resamples are drawn. The percentile interval is first-order accurate only;
/// for small n or skewed statistics prefer more resamples and treat it as approximate.
/// Throws std::invalid_argument if data is empty or has a non-finite value, statistic is
/// empty, resamples < 2, confidence is outside (0, 1), or statistic returns a non-finite
/// value (on the data or on a resample; the message gives the resample index).
BootstrapResult bootstrap_percentile(
    std::span<const double> data,
    const std::function<double(std::span<const double>)>& statistic, std::size_t resamples,
    double confidence, std::uint64_t seed);

// ---------------------------------------------------------------------------------------
// Multiple testing
// ---------------------------------------------------------------------------------------

/// Holm (1979, "A simple sequentially rejective multiple test procedure", Scand. J.
/// Statist. 6, 65-70) step-down adjusted p-values, in the input order: with
/// p_(1) <= ... <= p_(m), adj_(i) = min(1, max_{j <= i} (m - j + 1) p_(j)). Same as R's
/// p.adjust(p, "holm"). Controls the family-wise error rate under any dependence.
/// Throws std::invalid_argument if a p-value is NaN or outside [0, 1]; empty in, empty out.
std::vector<double> p_adjust_holm(std::span<const double> p_values);

/// Benjamini & Hochberg (1995, "Controlling the false discovery rate", JRSS B 57, 289-300)
/// step-up adjusted p-values ("q-values"), in the input order: with p_(1) <= ... <= p_(m),
/// adj_(i) = min(1, min_{j >= i} (m / j) p_(j)). Same as R's p.adjust(p, "BH"). Controls
/// the false discovery rate for independent or positively dependent (PRDS) tests.
/// Throws std::invalid_argument if a p-value is NaN or outside [0, 1]; empty in, empty out.
std::vector<double> p_adjust_bh(std::span<const double> p_values);

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
