// Unit tests for the inference part of lib/src/stats.cpp: contingency tables (chi-squared,
// Fisher), Spearman correlation, the exact binomial test, simple linear regression and
// power-law fits, TOST equivalence tests, sample quantiles and the bootstrap, and the Holm
// and Benjamini-Hochberg adjustments.
//
// Reference values come from tests/data/stats_reference_inference.r.txt, written by
// tests/data/stats_reference_inference.R (R 4.2.2, base R: chisq.test, fisher.test,
// cor.test, binom.test, lm, quantile, p.adjust, and pt/qt/pnorm/qnorm for the TOST
// formulas); tests/data/README.md records how it was produced. The fixed samples are in the
// same file, so both sides see the same data.
//
// Tolerances (relative unless stated; the "[ accuracy ]" lines printed by the tests give the
// largest errors observed, and each failing check prints expected, computed, distance and
// tolerance):
//  * exact algorithms evaluated in double precision on both sides (chi-squared, Fisher
//    p-values, binomial test, Clopper-Pearson, OLS, TOST, quantiles, p.adjust): 1e-10 to
//    1e-12 for p-values and interval limits, 1e-12 or tighter for statistics and estimates
//    (observed: 1.2e-13 or better); the exception is R's lm on x ~ 1e6 +- 10 (offset40),
//    whose QR on the uncentred design is good to ~1e-11 only (1e-10, p 1e-8; our
//    coefficients agree with centred sums in R to 5e-16);
//  * Fisher conditional MLE and limits: 1e-10 against R's equations solved to 1e-13 on
//    log(psi) (fisher.test itself stops at 1.2e-4);
//  * bootstrap against the t interval: Monte Carlo, tolerances from the Monte Carlo
//    standard error (see the test).
#include "jacstab/stats.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "reference_records.hpp"

namespace {

using jacstab::Alternative;
constexpr double kInf = std::numeric_limits<double>::infinity();

using jacstab_test::load_records;
using jacstab_test::Records;

const Records& ref() {
  static const Records rec = load_records("stats_reference_inference.r.txt");
  return rec;
}

/// The single record stored under `key`.
const std::vector<double>& single(const std::string& key) { return jacstab_test::single(ref(), key); }
/// All records stored under `key` (at least one).
const std::vector<std::vector<double>>& all(const std::string& key) { return jacstab_test::all(ref(), key); }

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

/// Largest relative error seen per quantity, printed at the end of each test that uses it.
class Accuracy {
 public:
  explicit Accuracy(std::string what) : what_(std::move(what)) {}
  ~Accuracy() {
    std::printf("[ accuracy ] %s: %zu values, max relative error %.3g\n", what_.c_str(), count_,
                max_);
  }
  void add(double computed, double expected) {
    ++count_;
    if (computed == expected) return;
    const double d = std::abs(computed - expected);
    max_ = std::max(max_, expected != 0 ? d / std::abs(expected) : d);
  }

 private:
  std::string what_;
  std::size_t count_ = 0;
  double max_ = 0.0;
};

/// |computed - expected| <= max(abs_tol, rel_tol |expected|), reporting all four numbers;
/// infinite expected values must be matched exactly. Records the error in `acc` if given.
::testing::AssertionResult near(double computed, double expected, double rel_tol,
                                double abs_tol = 0.0, Accuracy* acc = nullptr) {
  if (std::isinf(expected) || std::isinf(computed)) {
    if (computed == expected) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "expected " << fmt(expected) << ", computed " << fmt(computed);
  }
  if (acc) acc->add(computed, expected);
  const double dist = std::abs(computed - expected);
  const double tol = std::max(abs_tol, rel_tol * std::abs(expected));
  if (dist <= tol) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected " << fmt(expected) << ", computed " << fmt(computed) << ", distance "
         << fmt(dist) << " (relative " << fmt(expected != 0 ? dist / std::abs(expected) : dist)
         << "), tolerance " << fmt(tol);
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

Alternative alternative_of(double code) {
  return code == 0 ? Alternative::two_sided : code == 1 ? Alternative::less : Alternative::greater;
}

const std::vector<std::string> kTables{"t2x2_a",     "t2x2_tea", "t2x2_extreme",
                                       "t2x2_zero",  "t2x2_close", "t2x2_big",
                                       "t2x3",       "t3x4",     "t5x2"};

/// rows, cols and the row-major counts of table.<name>.
struct Table {
  std::size_t rows, cols;
  std::vector<double> counts;
};
Table table(const std::string& name) {
  const auto& t = single("table." + name);
  Table tb{static_cast<std::size_t>(t[0]), static_cast<std::size_t>(t[1]),
           std::vector<double>(t.begin() + 2, t.end())};
  EXPECT_EQ(tb.counts.size(), tb.rows * tb.cols);
  return tb;
}

// =======================================================================================
// Chi-squared test of independence
// =======================================================================================

TEST(ChiSquared, MatchesRChisqTest) {
  Accuracy acc_stat("chi-squared statistic vs chisq.test"), acc_p("chi-squared p vs chisq.test"),
      acc_e("expected counts vs chisq.test");
  for (const auto& name : kTables) {
    SCOPED_TRACE(name);
    const Table tb = table(name);
    const auto& e = single("chisq." + name);
    const auto res = jacstab::chi_squared_independence(tb.counts, tb.rows, tb.cols);
    EXPECT_TRUE(near(res.statistic, e[0], 1e-13, 0.0, &acc_stat));
    EXPECT_EQ(static_cast<double>(res.df), e[1]);
    EXPECT_TRUE(near(res.p_value, e[2], 1e-12, 0.0, &acc_p));
    EXPECT_EQ(res.correction, 0.0);
    EXPECT_EQ(res.rows, tb.rows);
    EXPECT_EQ(res.cols, tb.cols);
    EXPECT_EQ(res.total, std::accumulate(tb.counts.begin(), tb.counts.end(), 0.0));
    ASSERT_EQ(res.expected.size(), tb.counts.size());
    for (std::size_t k = 0; k < res.expected.size(); ++k) {
      EXPECT_TRUE(near(res.expected[k], e[3 + k], 1e-15, 0.0, &acc_e)) << "cell " << k;
    }
  }
}

TEST(ChiSquared, TwoByTwoWithAndWithoutYates) {
  Accuracy acc_stat("Yates statistic vs chisq.test"), acc_p("Yates p vs chisq.test");
  for (const auto& name : kTables) {
    const Table tb = table(name);
    if (tb.rows != 2 || tb.cols != 2) continue;
    SCOPED_TRACE(name);
    const auto& c = tb.counts;
    const auto plain = jacstab::chi_squared_2x2(c[0], c[1], c[2], c[3], false);
    const auto general = jacstab::chi_squared_independence(c, 2, 2);
    EXPECT_EQ(plain.statistic, general.statistic);
    EXPECT_EQ(plain.p_value, general.p_value);
    const auto& e = single("chisq_yates." + name);
    const auto yates = jacstab::chi_squared_2x2(c[0], c[1], c[2], c[3]);  // default: Yates
    EXPECT_TRUE(near(yates.statistic, e[0], 1e-13, 1e-300, &acc_stat));
    EXPECT_EQ(static_cast<double>(yates.df), e[1]);
    EXPECT_TRUE(near(yates.p_value, e[2], 1e-12, 0.0, &acc_p));
    EXPECT_GT(yates.correction, 0.0);
    EXPECT_LE(yates.correction, 0.5);
  }
}

TEST(ChiSquared, YatesCorrectionIsCappedByTheDeviation) {
  // [[5, 5], [5, 6]]: |O - E| = 5 - 100/21 = 5/21 < 0.5, so the correction is 5/21 and the
  // corrected statistic is exactly 0 (R gives X^2 = 0, p = 1).
  const auto res = jacstab::chi_squared_2x2(5, 5, 5, 6);
  EXPECT_NEAR(res.correction, 5.0 / 21.0, 1e-15);
  EXPECT_NEAR(res.statistic, 0.0, 1e-30);
  EXPECT_NEAR(res.p_value, 1.0, 1e-15);
}

TEST(ChiSquared, InvariantUnderTransposition) {
  const Table tb = table("t3x4");
  std::vector<double> tr(tb.counts.size());
  for (std::size_t i = 0; i < tb.rows; ++i) {
    for (std::size_t j = 0; j < tb.cols; ++j) tr[j * tb.rows + i] = tb.counts[i * tb.cols + j];
  }
  const auto a = jacstab::chi_squared_independence(tb.counts, tb.rows, tb.cols);
  const auto b = jacstab::chi_squared_independence(tr, tb.cols, tb.rows);
  EXPECT_TRUE(near(b.statistic, a.statistic, 1e-14));
  EXPECT_TRUE(near(b.p_value, a.p_value, 1e-13));
  EXPECT_EQ(a.df, b.df);
}

TEST(ChiSquared, RejectsBadInput) {
  const std::vector<double> ok{1, 2, 3, 4, 5, 6};
  expect_invalid([&] { jacstab::chi_squared_independence(ok, 1, 6); },
                 "chi_squared_independence(): the table needs at least 2 rows and 2 columns "
                 "(rows = 1, cols = 6)");
  expect_invalid([&] { jacstab::chi_squared_independence(ok, 2, 2); },
                 "chi_squared_independence(): counts.size() = 6 does not equal rows * cols = "
                 "2 * 2");
  expect_invalid(
      [] { jacstab::chi_squared_independence(std::vector<double>{1, -2, 3, 4}, 2, 2); },
      "chi_squared_independence(): count in row 0, column 1 must be finite and >= 0 "
      "(counts[1] = -2)");
  expect_invalid(
      [] { jacstab::chi_squared_independence(std::vector<double>{1, 2, NAN, 4}, 2, 2); },
      "chi_squared_independence(): count in row 1, column 0 must be finite and >= 0 "
      "(counts[2] = nan)");
  expect_invalid(
      [] { jacstab::chi_squared_independence(std::vector<double>{1, 2, 3, 0, 0, 0}, 2, 3); },
      "chi_squared_independence(): row 1 of the 2 x 3 table sums to 0");
  expect_invalid(
      [] { jacstab::chi_squared_independence(std::vector<double>{1, 0, 3, 4, 0, 6}, 2, 3); },
      "chi_squared_independence(): column 1 of the 2 x 3 table sums to 0");
  expect_invalid([] { jacstab::chi_squared_2x2(0, 0, 3, 4); },
                 "chi_squared_2x2(): row 0 of the 2 x 2 table sums to 0");
  expect_invalid([] { jacstab::chi_squared_2x2(1, 2, INFINITY, 4, false); },
                 "chi_squared_2x2(): count in row 1, column 0 must be finite and >= 0 "
                 "(counts[2] = inf)");
}

// =======================================================================================
// Fisher's exact test
// =======================================================================================

TEST(FisherExact, MatchesRFisherTest) {
  Accuracy acc_p("Fisher p-values vs fisher.test"), acc_or("sample odds ratio"),
      acc_mle("Fisher conditional MLE and limits vs R equations (tight)");
  for (const auto& name : kTables) {
    const Table tb = table(name);
    if (tb.rows != 2 || tb.cols != 2) continue;
    SCOPED_TRACE(name);
    const auto n = [&](int k) { return static_cast<std::uint64_t>(tb.counts[k]); };
    const auto& e = single("fisher." + name);
    const auto& m = single("fisher_mle." + name);
    const auto two = jacstab::fisher_exact_2x2(n(0), n(1), n(2), n(3));
    const auto less = jacstab::fisher_exact_2x2(n(0), n(1), n(2), n(3), Alternative::less, 0.9);
    const auto greater =
        jacstab::fisher_exact_2x2(n(0), n(1), n(2), n(3), Alternative::greater, 0.9);
    EXPECT_TRUE(near(two.p_value, e[0], 1e-12, 0.0, &acc_p));
    EXPECT_TRUE(near(less.p_value, e[1], 1e-12, 0.0, &acc_p));
    EXPECT_TRUE(near(greater.p_value, e[2], 1e-12, 0.0, &acc_p));
    EXPECT_EQ(two.alternative, Alternative::two_sided);
    ASSERT_TRUE(two.sample_odds_ratio.has_value());
    EXPECT_TRUE(near(*two.sample_odds_ratio, e[3], 1e-15, 0.0, &acc_or));
    ASSERT_TRUE(two.conditional_mle.has_value());
    EXPECT_TRUE(near(*two.conditional_mle, m[0], 1e-10, 0.0, &acc_mle));
    EXPECT_TRUE(near(two.ci.low, m[1], 1e-10, 0.0, &acc_mle));
    EXPECT_TRUE(near(two.ci.high, m[2], 1e-10, 0.0, &acc_mle));
    EXPECT_EQ(two.ci.level, 0.95);
    EXPECT_TRUE(near(less.ci.low, m[3], 0.0));
    EXPECT_TRUE(near(less.ci.high, m[4], 1e-10, 0.0, &acc_mle));
    EXPECT_TRUE(near(greater.ci.low, m[5], 1e-10, 0.0, &acc_mle));
    EXPECT_TRUE(near(greater.ci.high, m[6], 0.0));
    EXPECT_EQ(less.ci.level, 0.9);
  }
}

TEST(FisherExact, SmallTablesByHand) {
  // Fisher's tea-tasting table [[3, 1], [1, 3]]: P(X = 0..4) = (1, 16, 36, 16, 1)/70, so the
  // two-sided p-value is (1 + 16 + 16 + 1)/70 and the one-sided ones 17/70 and 69/70.
  const auto two = jacstab::fisher_exact_2x2(3, 1, 1, 3);
  EXPECT_TRUE(near(two.p_value, 34.0 / 70.0, 1e-15));
  EXPECT_TRUE(near(jacstab::fisher_exact_2x2(3, 1, 1, 3, Alternative::greater).p_value,
                   17.0 / 70.0, 1e-15));
  EXPECT_TRUE(near(jacstab::fisher_exact_2x2(3, 1, 1, 3, Alternative::less).p_value,
                   69.0 / 70.0, 1e-15));
  // A symmetric table has conditional MLE 1 and p = 1.
  const auto sym = jacstab::fisher_exact_2x2(4, 4, 4, 4);
  EXPECT_TRUE(near(sym.p_value, 1.0, 1e-15));
  EXPECT_TRUE(near(*sym.conditional_mle, 1.0, 1e-13));
  EXPECT_TRUE(near(sym.ci.low * sym.ci.high, 1.0, 1e-12));  // limits symmetric in log psi
}

TEST(FisherExact, ExtremeCellsGiveZeroOrInfiniteEstimates) {
  // n11 = 0 with all margins positive: the smallest value the margins allow.
  const auto lo = jacstab::fisher_exact_2x2(0, 5, 6, 4);
  EXPECT_EQ(*lo.sample_odds_ratio, 0.0);
  EXPECT_EQ(*lo.conditional_mle, 0.0);
  EXPECT_EQ(lo.ci.low, 0.0);
  EXPECT_TRUE(std::isfinite(lo.ci.high));
  // n12 = 0: the largest value; sample odds ratio and MLE are +infinity.
  const auto hi = jacstab::fisher_exact_2x2(5, 0, 4, 6);
  EXPECT_EQ(*hi.sample_odds_ratio, kInf);
  EXPECT_EQ(*hi.conditional_mle, kInf);
  EXPECT_EQ(hi.ci.high, kInf);
  EXPECT_GT(hi.ci.low, 0.0);
  EXPECT_TRUE(std::isfinite(hi.ci.low));
}

TEST(FisherExact, ZeroMarginAllowsOneTable) {
  for (const auto& res : {jacstab::fisher_exact_2x2(0, 0, 3, 4), jacstab::fisher_exact_2x2(0, 3, 0, 4),
                          jacstab::fisher_exact_2x2(0, 0, 0, 0)}) {
    EXPECT_EQ(res.p_value, 1.0);
    EXPECT_FALSE(res.conditional_mle.has_value());
    EXPECT_FALSE(res.sample_odds_ratio.has_value());  // 0/0
    EXPECT_EQ(res.ci.low, 0.0);
    EXPECT_EQ(res.ci.high, kInf);
  }
}

TEST(FisherExact, RejectsBadInput) {
  expect_invalid([] { jacstab::fisher_exact_2x2(1, 2, 3, 4, Alternative::two_sided, 1.0); },
                 "fisher_exact_2x2(): confidence must lie in (0, 1) (confidence = 1)");
  expect_invalid([] { jacstab::fisher_exact_2x2(1, 2, 3, 4, Alternative::less, NAN); },
                 "fisher_exact_2x2(): confidence must lie in (0, 1) (confidence = nan)");
  expect_invalid([] { jacstab::fisher_exact_2x2(1, 2, 3, std::uint64_t{1} << 53); },
                 "fisher_exact_2x2(): the total count must not exceed 2^53 (n11 = 1, n12 = 2, "
                 "n21 = 3, n22 = 9007199254740992)");
}

// =======================================================================================
// Spearman rank correlation
// =======================================================================================

TEST(SpearmanCorrelation, MatchesRCorTest) {
  Accuracy acc_r("Spearman rho vs cor.test"), acc_p("Spearman p vs cor.test(exact = FALSE)"),
      acc_ci("Spearman interval vs formula in R");
  for (const std::string name : {"sp30", "ties25", "sp4", "sp300", "mono12"}) {
    for (const int level : {95, 90}) {
      SCOPED_TRACE(name + " at " + std::to_string(level) + "%");
      const auto& x = single("sample." + name + "_x");
      const auto& y = single("sample." + name + "_y");
      const auto& e = single("spearman." + name + "." + std::to_string(level));
      const auto res = jacstab::spearman_correlation(x, y, level / 100.0);
      EXPECT_EQ(res.n, x.size());
      EXPECT_TRUE(near(res.r, e[0], 1e-14, 0.0, &acc_r));
      // R recovers rho from q = (n^3 - n)(1 - rho)/6 before its t approximation, which
      // costs a few ulps of rho.
      EXPECT_TRUE(near(res.p_value, e[1], 1e-11, 0.0, &acc_p));
      ASSERT_TRUE(res.ci.has_value());
      EXPECT_TRUE(near(res.ci->low, e[2], 1e-13, 1e-15, &acc_ci));
      EXPECT_TRUE(near(res.ci->high, e[3], 1e-13, 1e-15, &acc_ci));
      EXPECT_EQ(res.ci->level, level / 100.0);
    }
  }
}

TEST(SpearmanCorrelation, RanksWithTiesAndInvariance) {
  // x ranks (1, 2.5, 2.5, 4), y ranks (1, 2, 3, 4): rho = Pearson of the ranks.
  const std::vector<double> x{1, 2, 2, 3}, y{10, 20, 30, 40};
  const std::vector<double> rx{1, 2.5, 2.5, 4}, ry{1, 2, 3, 4};
  const auto s = jacstab::spearman_correlation(x, y);
  const auto p = jacstab::pearson_correlation(rx, ry);
  EXPECT_TRUE(near(s.r, p.r, 1e-15));
  EXPECT_TRUE(near(s.r, 4.5 / std::sqrt(4.5 * 5.0), 1e-15));
  // Invariant under strictly increasing transformations of either variable.
  const auto& a = single("sample.sp30_x");
  const auto& b = single("sample.sp30_y");
  std::vector<double> ea(a.size()), cb(b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ea[i] = std::exp(a[i]);
    cb[i] = b[i] * b[i] * b[i] + 7.0;
  }
  EXPECT_EQ(jacstab::spearman_correlation(a, b).r, jacstab::spearman_correlation(ea, cb).r);
  // Three pairs: no interval.
  EXPECT_FALSE(jacstab::spearman_correlation(std::vector<double>{1, 3, 2},
                                             std::vector<double>{1, 2, 3})
                   .ci.has_value());
}

TEST(SpearmanCorrelation, RejectsBadInput) {
  const std::vector<double> a{1, 2, 3, 4}, c{5, 5, 5, 5};
  expect_invalid([&] { jacstab::spearman_correlation(a, std::vector<double>{1, 2, 3}); },
                 "spearman_correlation(): x and y differ in length (x.size() = 4, y.size() = 3)");
  expect_invalid(
      [] { jacstab::spearman_correlation(std::vector<double>{1, 2}, std::vector<double>{2, 1}); },
      "spearman_correlation(): need at least 3 pairs (n = 2)");
  expect_invalid([&] { jacstab::spearman_correlation(a, c); },
                 "spearman_correlation(): y is constant (all n = 4 values equal 5)");
  expect_invalid([&] { jacstab::spearman_correlation(a, a, 0.0); },
                 "spearman_correlation(): confidence must lie in (0, 1) (confidence = 0)");
  expect_invalid(
      [&] { jacstab::spearman_correlation(std::vector<double>{1, INFINITY, 2, 3}, a); },
      "spearman_correlation(): x[1] is not finite (x[1] = inf)");
}

// =======================================================================================
// Exact binomial test
// =======================================================================================

TEST(BinomialTest, MatchesRBinomTest) {
  Accuracy acc_p("binomial p vs binom.test"), acc_ci("Clopper-Pearson vs binom.test");
  for (const auto& e : all("binom")) {
    const auto x = static_cast<std::uint64_t>(e[0]), n = static_cast<std::uint64_t>(e[1]);
    SCOPED_TRACE("x = " + fmt(e[0]) + ", n = " + fmt(e[1]) + ", p0 = " + fmt(e[2]) +
                 ", alternative " + fmt(e[3]) + ", level " + fmt(e[4]));
    const auto res = jacstab::binomial_test(x, n, e[2], alternative_of(e[3]), e[4]);
    EXPECT_EQ(res.successes, x);
    EXPECT_EQ(res.trials, n);
    EXPECT_EQ(res.null_probability, e[2]);
    EXPECT_EQ(res.estimate, e[5]);
    EXPECT_TRUE(near(res.p_value, e[6], 1e-12, 0.0, &acc_p));
    EXPECT_TRUE(near(res.ci.low, e[7], 1e-12, 0.0, &acc_ci));
    EXPECT_TRUE(near(res.ci.high, e[8], 1e-12, 0.0, &acc_ci));
    EXPECT_EQ(res.ci.level, e[4]);
  }
}

TEST(BinomialTest, ClosedForms) {
  // n = 1, x = 0, p0 = 1/2: two-sided p = 1; Clopper-Pearson upper limit 1 - a = 0.975.
  const auto one = jacstab::binomial_test(0, 1, 0.5);
  EXPECT_EQ(one.p_value, 1.0);
  EXPECT_TRUE(near(one.ci.high, 0.975, 1e-15));
  // x = n = 10, p0 = 1/2: two-sided p = 2 / 2^10; lower limit (a)^(1/n).
  const auto all_succ = jacstab::binomial_test(10, 10, 0.5);
  EXPECT_TRUE(near(all_succ.p_value, 2.0 / 1024.0, 1e-15));
  EXPECT_TRUE(near(all_succ.ci.low, std::pow(0.025, 0.1), 1e-14));
  EXPECT_EQ(all_succ.ci.high, 1.0);
  // Large n: the bisection gives the same p as a direct sum would, fast.
  const auto big = jacstab::binomial_test(500'400'000, 1'000'000'000, 0.5);
  EXPECT_GT(big.p_value, 0.0);
  EXPECT_LT(big.p_value, 1e-100);
}

TEST(BinomialTest, RejectsBadInput) {
  expect_invalid([] { jacstab::binomial_test(0, 0); },
                 "binomial_test(): trials must be positive (trials = 0)");
  expect_invalid([] { jacstab::binomial_test(1, (std::uint64_t{1} << 53) + 1); },
                 "binomial_test(): trials must not exceed 2^53 (trials = 9007199254740993)");
  expect_invalid([] { jacstab::binomial_test(6, 5); },
                 "binomial_test(): successes must not exceed trials (successes = 6, trials = 5)");
  expect_invalid([] { jacstab::binomial_test(2, 5, 1.5); },
                 "binomial_test(): null_probability must lie in [0, 1] (null_probability = 1.5)");
  expect_invalid([] { jacstab::binomial_test(2, 5, NAN); },
                 "binomial_test(): null_probability must lie in [0, 1] (null_probability = nan)");
  expect_invalid([] { jacstab::binomial_test(2, 5, 0.5, Alternative::less, 1.0); },
                 "binomial_test(): confidence must lie in (0, 1) (confidence = 1)");
}

// =======================================================================================
// Simple linear regression and power-law fits
// =======================================================================================

TEST(LinearRegression, MatchesRLm) {
  Accuracy acc_est("OLS coefficients, SEs, sigma, R^2, t vs lm"), acc_p("OLS slope p vs lm"),
      acc_ci("OLS slope interval vs confint");
  for (const std::string name : {"lin20", "lin3", "offset40", "flat100"}) {
    for (const int level : {95, 90}) {
      SCOPED_TRACE(name + " at " + std::to_string(level) + "%");
      const auto& x = single("sample." + name + "_x");
      const auto& y = single("sample." + name + "_y");
      const auto& e = single("lm." + name + "." + std::to_string(level));
      const auto res = jacstab::linear_regression(x, y, level / 100.0);
      // offset40 has x ~ 1e6 +- 10: R's QR on the uncentred design is accurate to ~1e-11
      // only there (checked against centred sums below).
      const double tol = name == "offset40" ? 1e-10 : 1e-13;
      EXPECT_EQ(res.n, x.size());
      EXPECT_TRUE(near(res.intercept, e[0], tol, 0.0, &acc_est));
      EXPECT_TRUE(near(res.slope, e[1], tol, 0.0, &acc_est));
      EXPECT_TRUE(near(res.se_intercept, e[2], tol, 0.0, &acc_est));
      EXPECT_TRUE(near(res.se_slope, e[3], tol, 0.0, &acc_est));
      EXPECT_TRUE(near(res.residual_sd, e[4], tol, 0.0, &acc_est));
      EXPECT_EQ(static_cast<double>(res.df), e[5]);
      ASSERT_TRUE(res.r_squared && res.slope_t && res.slope_p_value);
      EXPECT_TRUE(near(*res.r_squared, e[6], tol, 0.0, &acc_est));
      EXPECT_TRUE(near(*res.slope_t, e[7], tol, 0.0, &acc_est));
      EXPECT_TRUE(near(*res.slope_p_value, e[8], name == "offset40" ? 1e-8 : 1e-12, 0.0, &acc_p));
      EXPECT_TRUE(near(res.slope_ci.low, e[9], tol, 0.0, &acc_ci));
      EXPECT_TRUE(near(res.slope_ci.high, e[10], tol, 0.0, &acc_ci));
      EXPECT_EQ(res.slope_ci.level, level / 100.0);
    }
  }
}

// Reference values from R 4.2.2:
//   x <- c(1, 2, 3, 4, 5, 6); y <- c(1.2, 1.9, 3.2, 3.8, 5.3, 5.9); w <- c(1, 4, 0.5, 2, 3, 0.25)
//   fit <- lm(y ~ x, weights = w); s <- summary(fit)
//   sprintf("%.17g", c(coef(fit), s$coefficients[, 2], s$sigma, s$r.squared, confint(fit, "x", 0.95)))
//   n <- c(64, 128, 256, 512, 1024); e <- c(0.101, 0.0652, 0.0398, 0.0261, 0.0160)
//   se <- c(0.004, 0.003, 0.002, 0.0025, 0.003)
//   fit <- lm(log(e) ~ log(n), weights = 1 / (se / e)^2)
//   sprintf("%.17g", c(-coef(fit)[2], exp(coef(fit)[1]), summary(fit)$coefficients[2, 2],
//                      -rev(confint(fit, 2, 0.9))))
TEST(WeightedLinearRegression, MatchesRLmWithWeights) {
  const std::vector<double> x{1, 2, 3, 4, 5, 6}, y{1.2, 1.9, 3.2, 3.8, 5.3, 5.9},
      w{1, 4, 0.5, 2, 3, 0.25};
  const auto res = jacstab::weighted_linear_regression(x, y, w);
  const double tol = 1e-13;
  EXPECT_TRUE(near(res.intercept, -0.13506172839506048, tol));
  EXPECT_TRUE(near(res.slope, 1.0521975308641973, tol));
  EXPECT_TRUE(near(res.se_intercept, 0.22574721394284575, tol));
  EXPECT_TRUE(near(res.se_slope, 0.063121205166613584, tol));
  EXPECT_TRUE(near(res.residual_sd, 0.30629405704766166, tol));
  ASSERT_TRUE(res.r_squared);
  EXPECT_TRUE(near(*res.r_squared, 0.98580913600549891, tol));
  EXPECT_TRUE(near(res.slope_ci.low, 0.87694496974516734, tol));
  EXPECT_TRUE(near(res.slope_ci.high, 1.2274500919832272, tol));
  // Unit weights give exactly the unweighted fit.
  const auto plain = jacstab::linear_regression(x, y);
  const auto ones = jacstab::weighted_linear_regression(x, y, std::vector<double>(6, 1.0));
  EXPECT_EQ(plain.slope, ones.slope);
  EXPECT_EQ(plain.se_slope, ones.se_slope);
  // Scaling every weight by a constant changes nothing but rounding.
  std::vector<double> w7 = w;
  for (double& v : w7) v *= 7.0;
  EXPECT_TRUE(near(jacstab::weighted_linear_regression(x, y, w7).se_slope, res.se_slope, 1e-14));

  const std::vector<double> n{64, 128, 256, 512, 1024}, e{0.101, 0.0652, 0.0398, 0.0261, 0.0160},
      se{0.004, 0.003, 0.002, 0.0025, 0.003};
  const auto fit = jacstab::weighted_power_law_fit(n, e, se, 0.90);
  EXPECT_TRUE(near(fit.gamma, 0.66293942919472326, tol));
  EXPECT_TRUE(near(fit.prefactor, 1.5990228074628958, tol));
  EXPECT_TRUE(near(fit.se_gamma, 0.011267141483321412, tol));
  EXPECT_TRUE(near(fit.gamma_ci.low, 0.63642375041313581, tol));
  EXPECT_TRUE(near(fit.gamma_ci.high, 0.68945510797631071, tol));

  expect_invalid([&] { jacstab::weighted_linear_regression(x, y, std::vector<double>{1, 2}); },
                 "weighted_linear_regression(): weights and x differ in length (weights.size() = 2, x.size() = 6)");
  expect_invalid([&] { jacstab::weighted_linear_regression(x, y, std::vector<double>{1, 1, 0, 1, 1, 1}); },
                 "weighted_linear_regression(): weights[2] must be positive and finite (weights[2] = 0)");
  expect_invalid([&] { jacstab::weighted_power_law_fit(n, e, std::vector<double>{1, 1, -1, 1, 1}); },
                 "weighted_power_law_fit(): y_se[2] must be positive and finite (y_se[2] = -1)");
}

TEST(LinearRegression, CoefficientsMatchCentredSums) {
  Accuracy acc("OLS coefficients vs twice-centred sums in R");
  for (const std::string name : {"lin20", "lin3", "offset40", "flat100"}) {
    SCOPED_TRACE(name);
    const auto& e = single("ols_centred." + name);
    const auto res =
        jacstab::linear_regression(single("sample." + name + "_x"), single("sample." + name + "_y"));
    EXPECT_TRUE(near(res.intercept, e[0], 1e-13, 0.0, &acc));
    EXPECT_TRUE(near(res.slope, e[1], 1e-14, 0.0, &acc));
  }
}

TEST(LinearRegression, ExactAndFlatFits) {
  const std::vector<double> x{0, 1, 2, 3, 4};
  // Exact line y = 2 + 3x: zero residuals, infinite t, p = 0, R^2 = 1.
  const auto exact = jacstab::linear_regression(x, std::vector<double>{2, 5, 8, 11, 14});
  EXPECT_TRUE(near(exact.slope, 3.0, 1e-15));
  EXPECT_TRUE(near(exact.intercept, 2.0, 1e-15));
  EXPECT_EQ(exact.residual_sd, 0.0);
  EXPECT_EQ(*exact.r_squared, 1.0);
  EXPECT_EQ(*exact.slope_t, kInf);
  EXPECT_EQ(*exact.slope_p_value, 0.0);
  // Constant y: slope 0 exactly; R^2, t and p are 0/0 and therefore empty.
  const auto flat = jacstab::linear_regression(x, std::vector<double>{0.1, 0.1, 0.1, 0.1, 0.1});
  EXPECT_EQ(flat.slope, 0.0);
  EXPECT_EQ(flat.intercept, 0.1);
  EXPECT_EQ(flat.se_slope, 0.0);
  EXPECT_FALSE(flat.r_squared.has_value());
  EXPECT_FALSE(flat.slope_t.has_value());
  EXPECT_FALSE(flat.slope_p_value.has_value());
  EXPECT_EQ(flat.slope_ci.low, 0.0);
  EXPECT_EQ(flat.slope_ci.high, 0.0);
}

TEST(LinearRegression, RejectsBadInput) {
  const std::vector<double> a{1, 2, 3, 4}, c{5, 5, 5, 5};
  expect_invalid([&] { jacstab::linear_regression(a, std::vector<double>{1, 2, 3}); },
                 "linear_regression(): x and y differ in length (x.size() = 4, y.size() = 3)");
  expect_invalid(
      [] { jacstab::linear_regression(std::vector<double>{1, 2}, std::vector<double>{2, 1}); },
      "linear_regression(): need at least 3 points (n = 2)");
  expect_invalid([&] { jacstab::linear_regression(c, a); },
                 "linear_regression(): x is constant (all n = 4 values equal 5)");
  expect_invalid([&] { jacstab::linear_regression(a, std::vector<double>{1, 2, NAN, 4}); },
                 "linear_regression(): y[2] is not finite (y[2] = nan)");
  expect_invalid([&] { jacstab::linear_regression(a, a, 1.5); },
                 "linear_regression(): confidence must lie in (0, 1) (confidence = 1.5)");
}

TEST(PowerLawFit, MatchesRLmOnLogs) {
  Accuracy acc("power-law fit vs lm(log y ~ log n)");
  for (const std::string name : {"pl9", "pl5"}) {
    for (const int level : {95, 90}) {
      SCOPED_TRACE(name + " at " + std::to_string(level) + "%");
      const auto& n = single("sample." + name + "_n");
      const auto& y = single("sample." + name + "_y");
      const auto& e = single("powerlaw." + name + "." + std::to_string(level));
      const auto res = jacstab::power_law_fit(n, y, level / 100.0);
      EXPECT_TRUE(near(res.gamma, e[0], 1e-12, 0.0, &acc));
      EXPECT_TRUE(near(res.prefactor, e[1], 1e-12, 0.0, &acc));
      EXPECT_TRUE(near(res.gamma_ci.low, e[2], 1e-12, 0.0, &acc));
      EXPECT_TRUE(near(res.gamma_ci.high, e[3], 1e-12, 0.0, &acc));
      EXPECT_TRUE(near(res.se_gamma, e[4], 1e-12, 0.0, &acc));
      EXPECT_EQ(res.gamma_ci.level, level / 100.0);
      EXPECT_EQ(res.log_fit.slope, -res.gamma);
    }
  }
}

TEST(PowerLawFit, RecoversAnExactPowerLaw) {
  std::vector<double> n, y;
  for (double v = 10; v <= 1e5; v *= 10) {
    n.push_back(v);
    y.push_back(2.5 * std::pow(v, -0.75));
  }
  const auto res = jacstab::power_law_fit(n, y);
  EXPECT_TRUE(near(res.gamma, 0.75, 1e-14));
  EXPECT_TRUE(near(res.prefactor, 2.5, 1e-13));
  EXPECT_TRUE(near(res.gamma_ci.low, 0.75, 1e-12));
  EXPECT_TRUE(near(res.gamma_ci.high, 0.75, 1e-12));
}

TEST(PowerLawFit, RejectsBadInput) {
  const std::vector<double> n{1, 2, 4, 8}, y{1, 0.5, 0.25, 0.125};
  expect_invalid([&] { jacstab::power_law_fit(n, std::vector<double>{1, 0.5, 0, 0.1}); },
                 "power_law_fit(): y[2] must be positive and finite (y[2] = 0)");
  expect_invalid([&] { jacstab::power_law_fit(std::vector<double>{1, -2, 4, 8}, y); },
                 "power_law_fit(): n[1] must be positive and finite (n[1] = -2)");
  expect_invalid([&] { jacstab::power_law_fit(n, std::vector<double>{1, 0.5}); },
                 "power_law_fit(): n and y differ in length (n.size() = 4, y.size() = 2)");
  expect_invalid([&] { jacstab::power_law_fit(std::vector<double>{3, 3, 3, 3}, y); },
                 "power_law_fit(): x is constant");
  expect_invalid([] { jacstab::power_law_fit(std::vector<double>{1, 2}, std::vector<double>{1, 2}); },
                 "power_law_fit(): need at least 3 points (n = 2)");
}

// =======================================================================================
// Equivalence tests (TOST)
// =======================================================================================

void expect_tost(const jacstab::EquivalenceTestResult& res, const double* e, Accuracy& acc) {
  // e: p_lower p_upper p ci_low ci_high
  EXPECT_TRUE(near(res.p_lower, e[0], 1e-10, 0.0, &acc));
  EXPECT_TRUE(near(res.p_upper, e[1], 1e-10, 0.0, &acc));
  EXPECT_TRUE(near(res.p_value, e[2], 1e-10, 0.0, &acc));
  EXPECT_TRUE(near(res.ci.low, e[3], 1e-12, 1e-16, &acc));
  EXPECT_TRUE(near(res.ci.high, e[4], 1e-12, 1e-16, &acc));
  EXPECT_EQ(res.p_value, std::max(res.p_lower, res.p_upper));
  EXPECT_EQ(res.equivalent, res.p_value < res.alpha);
  EXPECT_EQ(res.ci.level, 1.0 - 2.0 * res.alpha);
  // Duality: equivalent iff the (1 - 2 alpha) interval lies inside the margins.
  EXPECT_EQ(res.equivalent,
            res.ci.low > res.lower_margin && res.ci.high < res.upper_margin);
}

TEST(Tost, DifferenceMatchesFormulasInR) {
  Accuracy acc("TOST (t and normal) vs pt/pnorm in R");
  for (const auto& e : all("tost_t")) {
    SCOPED_TRACE("t: estimate " + fmt(e[0]) + ", se " + fmt(e[1]) + ", df " + fmt(e[4]));
    const auto res = jacstab::tost_difference(e[0], e[1], e[2], e[3], e[4], e[5]);
    EXPECT_EQ(*res.df, e[4]);
    EXPECT_EQ(res.statistic_lower, (e[0] - e[2]) / e[1]);
    EXPECT_EQ(res.statistic_upper, (e[0] - e[3]) / e[1]);
    expect_tost(res, &e[6], acc);
  }
  for (const auto& e : all("tost_z")) {
    SCOPED_TRACE("z: estimate " + fmt(e[0]) + ", se " + fmt(e[1]));
    const auto res = jacstab::tost_difference(e[0], e[1], e[2], e[3], std::nullopt, e[4]);
    EXPECT_FALSE(res.df.has_value());
    expect_tost(res, &e[5], acc);
  }
}

TEST(Tost, WelchMatchesR) {
  Accuracy acc("TOST Welch vs R (t.test df and se)");
  for (const std::string name : {"w1", "w2"}) {
    SCOPED_TRACE(name);
    const auto& x = single("sample." + name + "_x");
    const auto& y = single("sample." + name + "_y");
    const auto& e = single("tost_welch." + name);
    const auto res = jacstab::tost_mean_difference(x, y, e[0], e[1], e[2]);
    EXPECT_TRUE(near(res.estimate, e[3], 1e-13, 1e-16, &acc));
    EXPECT_TRUE(near(res.standard_error, e[4], 1e-13, 0.0, &acc));
    EXPECT_TRUE(near(*res.df, e[5], 1e-12, 0.0, &acc));
    expect_tost(res, &e[6], acc);
  }
}

TEST(Tost, RatioMatchesR) {
  Accuracy acc("TOST ratio vs R (log scale, delta method)");
  for (const std::string name : {"r1", "r2"}) {
    SCOPED_TRACE(name);
    const auto& x = single("sample." + name + "_x");
    const auto& y = single("sample." + name + "_y");
    const auto& e = single("tost_ratio." + name);
    const auto res = jacstab::tost_mean_ratio(x, y, e[0], e[1], e[2]);
    EXPECT_TRUE(near(res.estimate, e[3], 1e-14, 0.0, &acc));
    EXPECT_TRUE(near(res.standard_error, e[4], 1e-13, 0.0, &acc));
    EXPECT_TRUE(near(*res.df, e[5], 1e-12, 0.0, &acc));
    EXPECT_EQ(res.lower_margin, e[0]);
    EXPECT_EQ(res.upper_margin, e[1]);
    expect_tost(res, &e[6], acc);
  }
}

TEST(Tost, RatioIsInvariantUnderCommonScaling) {
  const auto& x = single("sample.r1_x");
  const auto& y = single("sample.r1_y");
  std::vector<double> sx(x), sy(y);
  for (double& v : sx) v *= 1e6;
  for (double& v : sy) v *= 1e6;
  const auto a = jacstab::tost_mean_ratio(x, y, 0.95, 1.05);
  const auto b = jacstab::tost_mean_ratio(sx, sy, 0.95, 1.05);
  EXPECT_TRUE(near(b.estimate, a.estimate, 1e-14));
  EXPECT_TRUE(near(b.p_value, a.p_value, 1e-11));
  EXPECT_TRUE(near(b.ci.low, a.ci.low, 1e-14));
}

TEST(Tost, RejectsBadInput) {
  expect_invalid([] { jacstab::tost_difference(0.1, 0.0, -1, 1); },
                 "tost_difference(): standard_error must be positive and finite "
                 "(standard_error = 0)");
  expect_invalid([] { jacstab::tost_difference(NAN, 0.1, -1, 1); },
                 "tost_difference(): estimate must be finite (estimate = nan)");
  expect_invalid([] { jacstab::tost_difference(0.1, 0.1, 1, -1); },
                 "tost_difference(): need finite margins with lower_margin < upper_margin "
                 "(lower_margin = 1, upper_margin = -1)");
  expect_invalid([] { jacstab::tost_difference(0.1, 0.1, -1, 1, 0.0); },
                 "tost_difference(): df must be positive and finite, or std::nullopt for the "
                 "normal reference (df = 0)");
  expect_invalid([] { jacstab::tost_difference(0.1, 0.1, -1, 1, std::nullopt, 0.5); },
                 "tost_difference(): alpha must lie in (0, 0.5) (alpha = 0.5)");
  const std::vector<double> a{1, 2, 3}, c{4, 4, 4}, neg{-1, -2, -3};
  expect_invalid([&] { jacstab::tost_mean_difference(std::vector<double>{1}, a, -1, 1); },
                 "tost_mean_difference(): x needs at least 2 values (x.size() = 1)");
  expect_invalid([&] { jacstab::tost_mean_difference(c, c, -1, 1); },
                 "tost_mean_difference(): x and y are both constant (x.size() = 3, y.size() = "
                 "3); the standard error is 0");
  expect_invalid([&] { jacstab::tost_mean_difference(a, std::vector<double>{1, INFINITY}, -1, 1); },
                 "tost_mean_difference(): y[1] is not finite (y[1] = inf)");
  expect_invalid([&] { jacstab::tost_mean_ratio(a, neg, 0.9, 1.1); },
                 "tost_mean_ratio(): mean(y) must be positive for a ratio on the log scale "
                 "(mean(y) = -2)");
  expect_invalid([&] { jacstab::tost_mean_ratio(a, a, 0.0, 1.1); },
                 "tost_mean_ratio(): need 0 < lower_ratio < upper_ratio < infinity "
                 "(lower_ratio = 0, upper_ratio = 1.1)");
  expect_invalid([&] { jacstab::tost_mean_ratio(a, a, 0.9, 1.1, 0.0); },
                 "tost_mean_ratio(): alpha must lie in (0, 0.5) (alpha = 0)");
}

// =======================================================================================
// Sample quantiles and the bootstrap
// =======================================================================================

TEST(SampleQuantile, MatchesRType7) {
  Accuracy acc("type-7 quantiles vs quantile()");
  for (const std::string name : {"tiny8", "two", "one"}) {
    SCOPED_TRACE(name);
    const auto& x = single("sample." + name);
    for (const auto& e : all("quantile." + name)) {
      EXPECT_TRUE(near(jacstab::sample_quantile(x, e[0]), e[1], 1e-15, 1e-15, &acc))
          << "p = " << e[0];
    }
  }
}

TEST(SampleQuantile, RejectsBadInput) {
  expect_invalid([] { jacstab::sample_quantile(std::vector<double>{}, 0.5); },
                 "sample_quantile(): sample is empty (n = 0)");
  expect_invalid([] { jacstab::sample_quantile(std::vector<double>{1, NAN}, 0.5); },
                 "sample_quantile(): sample[1] is NaN (n = 2)");
  expect_invalid([] { jacstab::sample_quantile(std::vector<double>{1, 2}, 1.5); },
                 "sample_quantile(): probability must lie in [0, 1] (probability = 1.5)");
}

double mean_of(std::span<const double> v) {
  double s = 0.0;
  for (double a : v) s += a;
  return s / static_cast<double>(v.size());
}

TEST(Bootstrap, DeterministicForAGivenSeed) {
  const auto& x = single("sample.normal200");
  const auto a = jacstab::bootstrap_percentile(x, mean_of, 500, 0.95, 42);
  const auto b = jacstab::bootstrap_percentile(x, mean_of, 500, 0.95, 42);
  EXPECT_EQ(a.replicates, b.replicates);
  EXPECT_EQ(a.ci.low, b.ci.low);
  EXPECT_EQ(a.ci.high, b.ci.high);
  EXPECT_EQ(a.standard_error, b.standard_error);
  EXPECT_EQ(a.seed, 42u);
  EXPECT_EQ(a.resamples, 500u);
  EXPECT_EQ(a.estimate, mean_of(x));
  // Another seed gives other resamples.
  const auto c = jacstab::bootstrap_percentile(x, mean_of, 500, 0.95, 43);
  EXPECT_NE(a.replicates, c.replicates);
  // Resample b depends only on (seed, b): fewer resamples give a prefix of the replicates.
  const auto d = jacstab::bootstrap_percentile(x, mean_of, 100, 0.95, 42);
  EXPECT_TRUE(std::equal(d.replicates.begin(), d.replicates.end(), a.replicates.begin()));
}

TEST(Bootstrap, IntervalIsType7QuantilesOfReplicates) {
  // Tiny data set: 3 values, so the replicates take few distinct values and the
  // interpolation of the type-7 quantile matters.
  const std::vector<double> x{1.0, 2.0, 4.0};
  for (const double level : {0.95, 0.8, 0.5}) {
    const auto res = jacstab::bootstrap_percentile(x, mean_of, 37, level, 7);
    EXPECT_EQ(res.ci.low, jacstab::sample_quantile(res.replicates, (1 - level) / 2));
    EXPECT_EQ(res.ci.high, jacstab::sample_quantile(res.replicates, (1 + level) / 2));
    EXPECT_EQ(res.ci.level, level);
    // Standard error: SD of the replicates with denominator B - 1.
    const double m = mean_of(res.replicates);
    double ss = 0.0;
    for (double v : res.replicates) ss += (v - m) * (v - m);
    EXPECT_TRUE(near(res.standard_error, std::sqrt(ss / 36.0), 1e-13));
  }
}

TEST(Bootstrap, MeanOfNormalSampleIsCloseToTInterval) {
  // Percentile bootstrap of the mean of n = 200 normal values against R's t interval
  // (t.test(x)$conf.int) and standard error sd/sqrt(n). Expected differences: the
  // bootstrap uses the plug-in SD (factor sqrt((n-1)/n) = 0.9975) and normal rather than
  // t_199 quantiles, together 0.017 se at each limit; the Monte Carlo SD of a 2.5% sample
  // quantile from B = 20000 resamples is sqrt(0.025 * 0.975 / B) / phi(1.96) se = 0.019 se,
  // and that of the bootstrap SE is se / sqrt(2(B-1)) = 0.5%. Tolerances 0.1 se (about 5
  // Monte Carlo SDs on top of the systematic part) and 3% (6 SDs): for a random seed the
  // false-failure rate would be below 1e-5 per check; with the fixed seed the test is
  // deterministic.
  const auto& x = single("sample.normal200");
  const auto& e = single("tinterval.normal200.95");
  const double se = e[3];
  const auto res = jacstab::bootstrap_percentile(x, mean_of, 20000, 0.95, 20240522);
  EXPECT_TRUE(near(res.estimate, e[0], 1e-14));
  EXPECT_TRUE(near(res.ci.low, e[1], 0.0, 0.1 * se));
  EXPECT_TRUE(near(res.ci.high, e[2], 0.0, 0.1 * se));
  EXPECT_TRUE(near(res.standard_error, se, 0.03));
  std::printf("[ bootstrap ] limits %.6f %.6f vs t %.6f %.6f (se %.6f); boot se %.6f\n",
              res.ci.low, res.ci.high, e[1], e[2], se, res.standard_error);
}

TEST(Bootstrap, RejectsBadInput) {
  const std::vector<double> x{1, 2, 3};
  expect_invalid([] { jacstab::bootstrap_percentile(std::vector<double>{}, mean_of, 10, 0.9, 1); },
                 "bootstrap_percentile(): data is empty (n = 0)");
  expect_invalid([] { jacstab::bootstrap_percentile(std::vector<double>{1, NAN}, mean_of, 10, 0.9, 1); },
                 "bootstrap_percentile(): data[1] is not finite (data[1] = nan)");
  expect_invalid([&] { jacstab::bootstrap_percentile(x, {}, 10, 0.9, 1); },
                 "bootstrap_percentile(): statistic is an empty std::function");
  expect_invalid([&] { jacstab::bootstrap_percentile(x, mean_of, 1, 0.9, 1); },
                 "bootstrap_percentile(): resamples must be at least 2 (resamples = 1)");
  expect_invalid([&] { jacstab::bootstrap_percentile(x, mean_of, 10, 1.0, 1); },
                 "bootstrap_percentile(): confidence must lie in (0, 1) (confidence = 1)");
  // A statistic that is infinite on some resamples: 1/(first - last) when a resample of
  // {0, 1} repeats one value (probability 1/2 per resample).
  const std::vector<double> z{0.0, 1.0};
  const auto bad = [](std::span<const double> v) { return 1.0 / (v.front() - v.back()); };
  expect_invalid([&] { jacstab::bootstrap_percentile(z, bad, 100, 0.9, 1); },
                 "bootstrap_percentile(): statistic returned a non-finite value on resample ");
  expect_invalid([&] { jacstab::bootstrap_percentile(std::vector<double>{1, 1}, bad, 10, 0.9, 1); },
                 "bootstrap_percentile(): statistic(data) is not finite (statistic(data) = inf)");
}

// =======================================================================================
// Multiple testing
// =======================================================================================

TEST(PAdjust, MatchesRPAdjust) {
  Accuracy acc("Holm and BH vs p.adjust");
  for (const std::string name : {"ties", "random50", "single", "zeros", "ones"}) {
    SCOPED_TRACE(name);
    const auto& p = single("padjust." + name);
    const auto& holm = single("holm." + name);
    const auto& bh = single("bh." + name);
    const auto h = jacstab::p_adjust_holm(p);
    const auto b = jacstab::p_adjust_bh(p);
    ASSERT_EQ(h.size(), p.size());
    ASSERT_EQ(b.size(), p.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
      EXPECT_TRUE(near(h[i], holm[i], 1e-15, 0.0, &acc)) << "Holm, index " << i;
      EXPECT_TRUE(near(b[i], bh[i], 1e-15, 0.0, &acc)) << "BH, index " << i;
    }
  }
  EXPECT_TRUE(jacstab::p_adjust_holm(std::vector<double>{}).empty());
  EXPECT_TRUE(jacstab::p_adjust_bh(std::vector<double>{}).empty());
}

TEST(PAdjust, RejectsBadInput) {
  expect_invalid([] { jacstab::p_adjust_holm(std::vector<double>{0.1, 1.5}); },
                 "p_adjust_holm(): p_values[1] must lie in [0, 1] (p_values[1] = 1.5)");
  expect_invalid([] { jacstab::p_adjust_bh(std::vector<double>{NAN}); },
                 "p_adjust_bh(): p_values[0] must lie in [0, 1] (p_values[0] = nan)");
  expect_invalid([] { jacstab::p_adjust_bh(std::vector<double>{-0.0, -1e-300}); },
                 "p_adjust_bh(): p_values[1] must lie in [0, 1] (p_values[1] = -1e-300)");
}

}  // namespace
