// Unit tests for jacstab/spectral.hpp: the iterative (Golub-Kahan-Lanczos) spectral norm
// against LAPACK's SVD, its error bound and status, edge cases and option validation.
//
// The reference for every norm is arma::svd (LAPACK dgesdd), or a spectrum fixed by
// construction, A = U diag(s) V^T with random orthonormal U, V. "Within the bound" means
// |iterative - reference| <= iterative.error_bound + reference rounding allowance, the latter
// being spectral_norm_exact's own rounding bound 4 eps max(rows, cols) sigma_max.
#include "jacstab/spectral.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <string>
#include <vector>

#include <armadillo>

#include "jacstab/rng.hpp"

namespace {

using jacstab::DenseOperator;
using jacstab::LanczosOptions;
using jacstab::NormMethod;
using jacstab::NormResult;
using jacstab::SolverStatus;

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kInf = std::numeric_limits<double>::infinity();


arma::mat gaussian(std::size_t rows, std::size_t cols, std::uint64_t replicate,
                   const char* name = "test_spectral/gaussian") {
  jacstab::Engine eng = jacstab::stream(20240611, name, replicate);
  arma::mat a(rows, cols);
  eng.fill_normal(a.memptr(), a.n_elem);
  return a;
}

/// A rows x k matrix with orthonormal columns (Q of a Gaussian matrix).
arma::mat orthonormal(std::size_t rows, std::size_t k, std::uint64_t replicate) {
  arma::mat q, r;
  EXPECT_TRUE(arma::qr_econ(q, r, gaussian(rows, k, replicate, "test_spectral/orthonormal")));
  return q;
}

/// A = U diag(s) V^T with random orthonormal U (rows x k) and V (cols x k), k = s.n_elem.
arma::mat with_spectrum(std::size_t rows, std::size_t cols, const arma::vec& s,
                        std::uint64_t replicate) {
  const arma::mat u = orthonormal(rows, s.n_elem, 2 * replicate);
  const arma::mat v = orthonormal(cols, s.n_elem, 2 * replicate + 1);
  return u * arma::diagmat(s) * v.t();
}

double svd_top(const arma::mat& a) {
  arma::vec s;
  EXPECT_TRUE(arma::svd(s, a));
  return s.n_elem ? s(0) : 0.0;
}

/// Rounding allowance of a LAPACK singular value (spectral_norm_exact's own bound).
double rounding(const arma::mat& a, double sigma) {
  return 4.0 * kEps * static_cast<double>(std::max(a.n_rows, a.n_cols)) * sigma;
}

/// |result - sigma| <= result.error_bound + rounding allowance, and status converged.
void expect_matches(const NormResult& r, const arma::mat& a, double sigma, const char* what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(r.status, SolverStatus::converged) << jacstab::to_string(r.status);
  EXPECT_TRUE(std::isfinite(r.error_bound));
  EXPECT_GE(r.error_bound, 0.0);
  EXPECT_NEAR(r.norm, sigma, r.error_bound + rounding(a, sigma));
  EXPECT_NEAR(r.log_norm, std::log(sigma), (r.error_bound + rounding(a, sigma)) / sigma + 4 * kEps);
  EXPECT_LE(r.iterations, std::min(a.n_rows, a.n_cols) + 1);
}

/// Checks the iterative paths (operator, spectral_norm iterative and automatic) and the
/// exact path against the SVD of `a`.
void check_all_paths(const arma::mat& a, const char* what) {
  SCOPED_TRACE(what);
  const double sigma = svd_top(a);
  // spectral_norm_exact is the largest LAPACK singular value.
  const NormResult ex = jacstab::spectral_norm_exact(a);
  EXPECT_EQ(ex.method, NormMethod::exact);
  EXPECT_EQ(ex.status, SolverStatus::converged);
  EXPECT_DOUBLE_EQ(ex.norm, sigma);
  EXPECT_NEAR(ex.error_bound, rounding(a, sigma), 1e-300);
  EXPECT_DOUBLE_EQ(ex.log_norm, std::log(sigma));

  const NormResult it = jacstab::spectral_norm_iterative(DenseOperator(a));
  EXPECT_EQ(it.method, NormMethod::iterative);
  expect_matches(it, a, sigma, "spectral_norm_iterative");
  EXPECT_EQ(it.right_vector.n_elem, a.n_cols);
  EXPECT_NEAR(arma::norm(it.right_vector), 1.0, 1e-12);
  // The Ritz value never exceeds sigma_max (up to rounding).
  EXPECT_LE(it.norm, sigma + rounding(a, sigma));

  const NormResult vi = jacstab::spectral_norm(a, NormMethod::iterative);
  EXPECT_EQ(vi.method, NormMethod::iterative);
  expect_matches(vi, a, sigma, "spectral_norm(iterative)");
  EXPECT_EQ(vi.norm, it.norm);  // same default seed: the same computation

  const NormResult au = jacstab::spectral_norm(a, NormMethod::automatic);
  expect_matches(au, a, sigma, "spectral_norm(automatic)");
}

// ---------------------------------------------------------------------------------------
// Names

TEST(SpectralNames, ParseNormMethodRoundTrips) {
  for (NormMethod m : {NormMethod::exact, NormMethod::iterative, NormMethod::automatic}) {
    EXPECT_EQ(jacstab::parse_norm_method(jacstab::to_string(m)), m);
  }
  EXPECT_EQ(jacstab::to_string(NormMethod::automatic), "auto");
  EXPECT_EQ(jacstab::to_string(SolverStatus::converged), "converged");
  EXPECT_EQ(jacstab::to_string(SolverStatus::not_converged), "not_converged");
  EXPECT_EQ(jacstab::to_string(SolverStatus::numerical_issue), "numerical_issue");
}

TEST(SpectralNames, ParseNormMethodRejectsUnknownNamesWithNameAndParameter) {
  EXPECT_THROW_WITH(jacstab::parse_norm_method("automatic"), std::invalid_argument,
                    "norm-method", "'automatic'");
  EXPECT_THROW_WITH(jacstab::parse_norm_method("", "--method"), std::invalid_argument,
                    "--method", "''");
  EXPECT_THROW_WITH(jacstab::parse_norm_method("Exact"), std::invalid_argument, "Exact");
}

// ---------------------------------------------------------------------------------------
// Iterative against the SVD

TEST(SpectralIterative, GaussianSquareMatchesSvd) {
  check_all_paths(gaussian(200, 200, 1), "200x200");
  check_all_paths(gaussian(12, 12, 2), "12x12");
}

TEST(SpectralIterative, TallAndWideMatchSvd) {
  check_all_paths(gaussian(300, 40, 3), "tall 300x40");
  check_all_paths(gaussian(40, 300, 4), "wide 40x300");
  check_all_paths(gaussian(3, 50, 5), "wide 3x50");
  check_all_paths(gaussian(50, 3, 6), "tall 50x3");
}

// Regression: on a wide matrix whose row space is exhausted (k = rows < cols) the
// bidiagonal B_k alone misses the last direction; the iteration reported a norm below
// sigma_max (0.43 against 1.36 for a 1x5 row) as converged with a rounding-size bound.
TEST(SpectralIterative, WideMatrixExhaustingRowsIsExact) {
  for (std::size_t m : {1u, 2u, 3u, 7u}) {
    const arma::mat a = gaussian(m, 5 * m + 3, 10 + m);
    const double sigma = svd_top(a);
    const NormResult r = jacstab::spectral_norm_iterative(DenseOperator(a));
    SCOPED_TRACE(m);
    expect_matches(r, a, sigma, "wide, exhausted");
    EXPECT_LE(r.error_bound, 1e-12 * sigma);
    // The returned vector is the top right singular vector: ||A v|| = sigma.
    EXPECT_NEAR(arma::norm(a * r.right_vector), sigma, 1e-12 * sigma);
  }
}

TEST(SpectralIterative, LowRankMatchesSvd) {
  const arma::mat r1 = with_spectrum(150, 100, arma::vec{2.5}, 20);
  check_all_paths(r1, "rank 1");
  EXPECT_NEAR(svd_top(r1), 2.5, 1e-13);

  const arma::mat r3 = with_spectrum(120, 90, arma::vec{3.0, 2.0, 1.0}, 21);
  check_all_paths(r3, "rank 3, distinct");
  const arma::mat r3eq = with_spectrum(90, 120, arma::vec{1.5, 1.5, 1.5}, 22);
  check_all_paths(r3eq, "rank 3, equal");
}

TEST(SpectralIterative, IllConditionedMatchesSvd) {
  // Singular values log-spaced over [1e-12, 1].
  const arma::vec s = arma::reverse(arma::logspace(-12.0, 0.0, 120));
  const arma::mat a = with_spectrum(160, 120, s, 30);
  check_all_paths(a, "spread 1e-12..1");
  const NormResult r = jacstab::spectral_norm_iterative(DenseOperator(a));
  EXPECT_NEAR(r.norm, 1.0, r.error_bound + rounding(a, 1.0));
}

TEST(SpectralIterative, NearDegenerateTopMatchesSvd) {
  // sigma_1 = 1 and sigma_2 = 1 - 1e-3, the rest spread over [0, 0.9].
  for (std::uint64_t rep = 0; rep < 3; ++rep) {
    arma::vec s = arma::linspace(0.9, 0.0, 150);
    s(0) = 1.0;
    s(1) = 1.0 - 1e-3;
    const arma::mat a = with_spectrum(180, 150, s, 40 + rep);
    SCOPED_TRACE(rep);
    check_all_paths(a, "near-degenerate top");
    const NormResult r = jacstab::spectral_norm_iterative(DenseOperator(a));
    EXPECT_NEAR(r.norm, 1.0, r.error_bound + rounding(a, 1.0));
    EXPECT_GT(r.norm, 1.0 - 1e-3 / 2);  // resolved sigma_1, not sigma_2
  }
}

TEST(SpectralIterative, KnownSpectrumBoundIsHonest) {
  // The spectrum is known by construction, so this check does not rely on LAPACK at all.
  for (std::uint64_t rep = 0; rep < 8; ++rep) {
    jacstab::Engine eng = jacstab::stream(7, "test_spectral/known", rep);
    arma::vec s(60);
    for (double& x : s) x = eng.uniform();
    s = arma::sort(s, "descend");
    s(0) = 3.7;
    const arma::mat a = with_spectrum(100, 80, s, 50 + rep);
    LanczosOptions opt;
    opt.seed = 1000 + rep;
    const NormResult r = jacstab::spectral_norm_iterative(DenseOperator(a), opt);
    SCOPED_TRACE(rep);
    EXPECT_EQ(r.status, SolverStatus::converged);
    EXPECT_NEAR(r.norm, 3.7, r.error_bound + rounding(a, 3.7));
    EXPECT_LE(r.error_bound, 1e-9 * 3.7);  // rel_tol 1e-10 plus rounding
  }
}

TEST(SpectralIterative, ExactAgreesWithArmadilloNorm) {
  const arma::mat a = gaussian(70, 45, 60);
  EXPECT_NEAR(jacstab::spectral_norm_exact(a).norm, arma::norm(a, 2), 1e-12 * arma::norm(a, 2));
}

// ---------------------------------------------------------------------------------------
// Residuals and the returned vector

TEST(SpectralIterative, RightVectorIsTopSingularVector) {
  const arma::mat a = with_spectrum(120, 90, arma::vec{3.0, 2.0, 1.0, 0.5}, 70);
  arma::mat U, V;
  arma::vec s;
  ASSERT_TRUE(arma::svd(U, s, V, a));
  const NormResult r = jacstab::spectral_norm_iterative(DenseOperator(a));
  ASSERT_EQ(r.right_vector.n_elem, a.n_cols);
  const arma::vec& v = r.right_vector;
  // Sign-align with LAPACK's pair, then ||A v - sigma u|| and ||v - v_1|| are small: the
  // vector error is about residual / gap = 1e-10 * 3 / 1.
  const double sign = arma::dot(v, V.col(0)) >= 0 ? 1.0 : -1.0;
  EXPECT_NEAR(arma::norm(a * v - sign * s(0) * U.col(0)), 0.0, 1e-8 * s(0));
  EXPECT_NEAR(arma::norm(v - sign * V.col(0)), 0.0, 1e-8);
}

TEST(SpectralIterative, ResidualMatchesReportedBound) {
  // For the Ritz pair, A v = theta u exactly and ||A^T u - theta v|| = sqrt(2) * bound.
  for (const auto& [m, n] : std::vector<std::pair<std::size_t, std::size_t>>{
           {200, 200}, {250, 60}, {60, 250}}) {
    const arma::mat a = gaussian(m, n, 80 + m + n);
    const NormResult r = jacstab::spectral_norm_iterative(DenseOperator(a));
    SCOPED_TRACE(std::to_string(m) + "x" + std::to_string(n));
    ASSERT_EQ(r.status, SolverStatus::converged);
    const arma::vec av = a * r.right_vector;
    const double theta = r.norm;
    EXPECT_NEAR(arma::norm(av), theta, 1e-12 * theta);  // ||A v - theta u|| with u = Av/||Av||
    const arma::vec u = av / arma::norm(av);
    const double res = arma::norm(a.t() * u - theta * r.right_vector);
    EXPECT_LE(res, std::sqrt(2.0) * r.error_bound + 1e-12 * theta)
        << "residual " << res << ", error_bound " << r.error_bound;
  }
}

// ---------------------------------------------------------------------------------------
// Edge cases

TEST(SpectralEdge, ZeroMatrixIsZeroNotNan) {
  const arma::mat z(40, 30, arma::fill::zeros);
  std::vector<NormResult> rs = {jacstab::spectral_norm_exact(z),
                                jacstab::spectral_norm_iterative(DenseOperator(z)),
                                jacstab::spectral_norm(z, NormMethod::exact),
                                jacstab::spectral_norm(z, NormMethod::iterative),
                                jacstab::spectral_norm(z, NormMethod::automatic)};
  const arma::mat big(500, 500, arma::fill::zeros);  // automatic picks the iterative path
  rs.push_back(jacstab::spectral_norm(big, NormMethod::automatic));
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const NormResult& r = rs[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(r.norm, 0.0);
    EXPECT_TRUE(r.is_zero());
    EXPECT_EQ(r.log_norm, -kInf);
    EXPECT_EQ(r.status, SolverStatus::converged);
    EXPECT_FALSE(std::isnan(r.error_bound));
    EXPECT_EQ(r.error_bound, 0.0);
  }
}

TEST(SpectralEdge, EmptyMatrixIsZero) {
  for (const arma::mat& e : {arma::mat(0, 7), arma::mat(7, 0), arma::mat()}) {
    for (NormMethod m : {NormMethod::exact, NormMethod::iterative, NormMethod::automatic}) {
      const NormResult r = jacstab::spectral_norm(e, m);
      EXPECT_EQ(r.norm, 0.0);
      EXPECT_EQ(r.log_norm, -kInf);
      EXPECT_EQ(r.status, SolverStatus::converged);
    }
    EXPECT_EQ(jacstab::spectral_norm_exact(e).norm, 0.0);
    EXPECT_EQ(jacstab::spectral_norm_iterative(DenseOperator(e)).norm, 0.0);
  }
}

TEST(SpectralEdge, OneByOneAndVectors) {
  const arma::mat one(1, 1, arma::fill::value(-3.5));
  for (NormMethod m : {NormMethod::exact, NormMethod::iterative, NormMethod::automatic}) {
    const NormResult r = jacstab::spectral_norm(one, m);
    EXPECT_NEAR(r.norm, 3.5, r.error_bound + 4 * kEps * 3.5);
    EXPECT_NEAR(r.log_norm, std::log(3.5), 1e-15);
    EXPECT_EQ(r.status, SolverStatus::converged);
  }
  // A column (n x 1) and a row (1 x n): the norm is the Euclidean norm of the vector.
  const arma::mat col = gaussian(37, 1, 90);
  const arma::mat row = col.t();
  const double len = arma::norm(arma::vectorise(col));
  for (const arma::mat* a : {&col, &row}) {
    for (NormMethod m : {NormMethod::exact, NormMethod::iterative, NormMethod::automatic}) {
      const NormResult r = jacstab::spectral_norm(*a, m);
      SCOPED_TRACE(std::to_string(a->n_rows) + "x" + std::to_string(a->n_cols) + " " +
                   std::string(jacstab::to_string(m)));
      EXPECT_EQ(r.status, SolverStatus::converged);
      EXPECT_NEAR(r.norm, len, r.error_bound + rounding(*a, len));
    }
  }
}

TEST(SpectralEdge, NanOrInfInputIsANumericalIssueNotACrash) {
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), kInf}) {
    arma::mat a = gaussian(60, 50, 91);
    a(17, 23) = bad;
    arma::mat big = gaussian(400, 400, 92);
    big(3, 5) = bad;
    SCOPED_TRACE(bad);
    EXPECT_EQ(jacstab::spectral_norm_exact(a).status, SolverStatus::numerical_issue);
    EXPECT_EQ(jacstab::spectral_norm_iterative(DenseOperator(a)).status,
              SolverStatus::numerical_issue);
    EXPECT_EQ(jacstab::spectral_norm(a, NormMethod::iterative).status,
              SolverStatus::numerical_issue);
    EXPECT_EQ(jacstab::spectral_norm(big, NormMethod::automatic).status,
              SolverStatus::numerical_issue);
    EXPECT_FALSE(std::isnan(jacstab::spectral_norm_iterative(DenseOperator(a)).norm));
  }
}

// ---------------------------------------------------------------------------------------
// Options

TEST(SpectralOptions, BadOptionsThrowNamingThem) {
  const arma::mat a = gaussian(20, 20, 100);
  LanczosOptions o;
  o.max_iter = 0;
  EXPECT_THROW_WITH(jacstab::spectral_norm_iterative(DenseOperator(a), o), std::invalid_argument,
                    "spectral_norm_iterative()", "max_iter", "0");
  EXPECT_THROW_WITH(jacstab::spectral_norm(a, NormMethod::iterative, o), std::invalid_argument,
                    "max_iter");
  for (double tol : {0.0, -1e-3, std::numeric_limits<double>::quiet_NaN()}) {
    LanczosOptions t;
    t.rel_tol = tol;
    SCOPED_TRACE(tol);
    const std::string text = std::isnan(tol) ? "nan" : (tol == 0.0 ? "0" : "-0.001");
    EXPECT_THROW_WITH(jacstab::spectral_norm_iterative(DenseOperator(a), t),
                      std::invalid_argument, "rel_tol", text);
  }
  const arma::vec wrong(19, arma::fill::ones);
  LanczosOptions s;
  s.start = &wrong;
  EXPECT_THROW_WITH(jacstab::spectral_norm_iterative(DenseOperator(a), s), std::invalid_argument,
                    "start", "20", "19");
}

TEST(SpectralOptions, SmallMaxIterIsNotConvergedWithAnHonestBound) {
  // max_iter below the Krylov dimension needed for rel_tol: status not_converged, iterations
  // = max_iter, and |norm - sigma_max| <= error_bound still holds. Before convergence that
  // needs the Kuczynski-Wozniakowski probabilistic bound (failure rate <= 1e-6 per start);
  // the residual bound alone was violated in 377 of 1600 runs with max_iter 1..8 on
  // 200 x 200 Gaussian matrices.
  const arma::mat a = gaussian(300, 300, 110);
  const double sigma = svd_top(a);
  for (std::size_t max_iter : {1u, 2u, 5u, 10u, 20u, 40u}) {
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      LanczosOptions o;
      o.max_iter = max_iter;
      o.seed = seed;
      const NormResult r = jacstab::spectral_norm_iterative(DenseOperator(a), o);
      SCOPED_TRACE("max_iter " + std::to_string(max_iter) + " seed " + std::to_string(seed));
      EXPECT_EQ(r.status, SolverStatus::not_converged);
      EXPECT_EQ(r.iterations, max_iter);
      EXPECT_LE(r.norm, sigma + rounding(a, sigma));  // a Ritz value: a lower bound
      EXPECT_NEAR(r.norm, sigma, r.error_bound + rounding(a, sigma));
      if (max_iter >= 40) {
        EXPECT_TRUE(std::isfinite(r.error_bound));
        EXPECT_LT(r.error_bound, 0.05 * r.norm);
      }
    }
  }
  // `automatic` falls back to the exact SVD when the iteration stops early.
  LanczosOptions o;
  o.max_iter = 3;
  const NormResult au = jacstab::spectral_norm(a, NormMethod::automatic, o);
  EXPECT_EQ(au.status, SolverStatus::converged);
  EXPECT_EQ(au.method, NormMethod::exact);
  EXPECT_DOUBLE_EQ(au.norm, sigma);
  // `iterative` does not.
  const NormResult it = jacstab::spectral_norm(a, NormMethod::iterative, o);
  EXPECT_EQ(it.status, SolverStatus::not_converged);
  EXPECT_NEAR(it.norm, sigma, it.error_bound);
}

TEST(SpectralOptions, WarmStartGivesSameAnswerInFewerIterations) {
  const arma::mat a = gaussian(300, 300, 120);
  const NormResult cold = jacstab::spectral_norm_iterative(DenseOperator(a));
  ASSERT_EQ(cold.status, SolverStatus::converged);

  // A nearby problem: the previous answer's right vector is a good start.
  const arma::mat b = a + 1e-4 * gaussian(300, 300, 121);
  const double sigma_b = svd_top(b);
  const NormResult b_cold = jacstab::spectral_norm_iterative(DenseOperator(b));
  LanczosOptions warm;
  warm.start = &cold.right_vector;
  const NormResult b_warm = jacstab::spectral_norm_iterative(DenseOperator(b), warm);
  expect_matches(b_cold, b, sigma_b, "cold");
  expect_matches(b_warm, b, sigma_b, "warm");
  EXPECT_LT(b_warm.iterations, b_cold.iterations);

  // Through spectral_norm as well, and from the exact top vector in very few steps.
  const NormResult b_warm2 = jacstab::spectral_norm(b, NormMethod::iterative, warm);
  EXPECT_EQ(b_warm2.norm, b_warm.norm);
  arma::mat U, V;
  arma::vec s;
  ASSERT_TRUE(arma::svd(U, s, V, b));
  const arma::vec top = V.col(0);
  LanczosOptions exact_start;
  exact_start.start = &top;
  const NormResult b_top = jacstab::spectral_norm_iterative(DenseOperator(b), exact_start);
  expect_matches(b_top, b, sigma_b, "start at v_1");
  EXPECT_LE(b_top.iterations, 3u);
}

TEST(SpectralOptions, WarmStartInNullSpaceFallsBackToRandom) {
  // Rank one, A = 2 u v^T; a start orthogonal to v has A x = 0.
  const arma::mat uv = orthonormal(50, 2, 130);
  const arma::vec u = gaussian(40, 1, 131) / arma::norm(gaussian(40, 1, 131));
  const arma::mat a = 2.0 * u * uv.col(0).t();
  const arma::vec x = uv.col(1);
  LanczosOptions o;
  o.start = &x;
  const NormResult r = jacstab::spectral_norm_iterative(DenseOperator(a), o);
  expect_matches(r, a, 2.0, "null-space start");
  const arma::vec zero(50, arma::fill::zeros);
  o.start = &zero;
  expect_matches(jacstab::spectral_norm_iterative(DenseOperator(a), o), a, 2.0, "zero start");
}

TEST(SpectralOptions, SeedIsReproducibleAndDoesNotChangeTheAnswer) {
  const arma::mat a = gaussian(150, 120, 140);
  const double sigma = svd_top(a);
  LanczosOptions o1, o2;
  o1.seed = 11;
  o2.seed = 12;
  const NormResult r1 = jacstab::spectral_norm_iterative(DenseOperator(a), o1);
  const NormResult r1b = jacstab::spectral_norm_iterative(DenseOperator(a), o1);
  const NormResult r2 = jacstab::spectral_norm_iterative(DenseOperator(a), o2);
  EXPECT_EQ(r1.norm, r1b.norm);
  EXPECT_EQ(r1.iterations, r1b.iterations);
  EXPECT_TRUE(arma::approx_equal(r1.right_vector, r1b.right_vector, "absdiff", 0.0));
  EXPECT_FALSE(arma::approx_equal(r1.right_vector, r2.right_vector, "absdiff", 0.0));
  expect_matches(r1, a, sigma, "seed 11");
  expect_matches(r2, a, sigma, "seed 12");
}

// ---------------------------------------------------------------------------------------
// Method choice and invariances

TEST(SpectralAutomatic, PicksIterativeForBigSquareAndExactForTiny) {
  EXPECT_LT(jacstab::iterative_norm_cost(400, 400), jacstab::exact_norm_cost(400, 400));
  EXPECT_GT(jacstab::iterative_norm_cost(6, 6), jacstab::exact_norm_cost(6, 6));
  const arma::mat big = gaussian(400, 400, 150);
  const arma::mat tiny = gaussian(6, 6, 151);
  const NormResult rb = jacstab::spectral_norm(big);
  const NormResult rt = jacstab::spectral_norm(tiny);
  EXPECT_EQ(rb.method, NormMethod::iterative);
  EXPECT_EQ(rt.method, NormMethod::exact);
  expect_matches(rb, big, svd_top(big), "big");
  expect_matches(rt, tiny, svd_top(tiny), "tiny");
  // Costs grow with size and are symmetric in the exact case.
  EXPECT_LT(jacstab::exact_norm_cost(100, 100), jacstab::exact_norm_cost(200, 200));
  EXPECT_LT(jacstab::iterative_norm_cost(100, 100), jacstab::iterative_norm_cost(200, 200));
  EXPECT_EQ(jacstab::exact_norm_cost(300, 20), jacstab::exact_norm_cost(20, 300));
}

TEST(SpectralInvariance, ScalingAndTransposition) {
  const arma::mat a = gaussian(90, 70, 160);
  const NormResult r = jacstab::spectral_norm_iterative(DenseOperator(a));
  const arma::mat at = a.t();
  const NormResult rt = jacstab::spectral_norm_iterative(DenseOperator(at));
  EXPECT_NEAR(rt.norm, r.norm, r.error_bound + rt.error_bound);
  for (double c : {-3.0, 1e-150, 1e150}) {
    const arma::mat ca = c * a;
    const NormResult rc = jacstab::spectral_norm_iterative(DenseOperator(ca));
    SCOPED_TRACE(c);
    EXPECT_EQ(rc.status, SolverStatus::converged);
    EXPECT_NEAR(rc.norm / std::abs(c), r.norm, (rc.error_bound / std::abs(c) + r.error_bound));
    EXPECT_NEAR(rc.log_norm, std::log(std::abs(c)) + r.log_norm, 1e-9);
  }
}

/// A = B C, applied without forming the product.
class ProductOperator final : public jacstab::LinearOperator {
 public:
  ProductOperator(const arma::mat& b, const arma::mat& c) : b_(b), c_(c) {}
  std::size_t rows() const override { return b_.n_rows; }
  std::size_t cols() const override { return c_.n_cols; }
  void perform_op(const arma::vec& x, arma::vec& y) const override { y = b_ * (c_ * x); }
  void perform_op_transpose(const arma::vec& y, arma::vec& x) const override {
    x = c_.t() * (b_.t() * y);
  }

 private:
  const arma::mat& b_;
  const arma::mat& c_;
};

TEST(SpectralOperator, MatrixFreeProductMatchesDenseSvd) {
  const arma::mat b = gaussian(80, 50, 170), c = gaussian(50, 120, 171);
  const arma::mat bc = b * c;
  const ProductOperator op(b, c);
  const NormResult r = jacstab::spectral_norm_iterative(op);
  expect_matches(r, bc, svd_top(bc), "B C");
  // The default block actions agree with the dense product.
  const arma::mat x = gaussian(120, 4, 172);
  arma::mat y, z;
  op.perform_op_block(x, y);
  EXPECT_LT(arma::abs(y - bc * x).max(), 1e-10 * arma::abs(bc * x).max());
  op.perform_op_transpose_block(y, z);
  EXPECT_LT(arma::abs(z - bc.t() * y).max(), 1e-10 * arma::abs(bc.t() * y).max());
}

// The moments tr((A A^T)^k) from the Gram matrix against the eigenvalues of A A^T computed
// plainly, for tall, wide and square A; the Fuss-Catalan-free closed form of a diagonal case.
TEST(GramTracePowers, MatchEigenvaluesOfTheFullProduct) {
  for (const auto& [rows, cols, seed] : {std::tuple{30, 12, 180}, {12, 30, 181}, {25, 25, 182}}) {
    const arma::mat a = gaussian(rows, cols, seed);
    const arma::vec lambda = arma::eig_sym(arma::mat(a * a.t()));
    const std::vector<double> t = jacstab::gram_trace_powers(a, 4);
    ASSERT_EQ(t.size(), 4u);
    for (int k = 1; k <= 4; ++k) {
      const double expected = arma::accu(arma::pow(lambda, k));
      SCOPED_TRACE("rows " + std::to_string(rows) + " cols " + std::to_string(cols) + " k " + std::to_string(k));
      EXPECT_NEAR(t[k - 1], expected, 1e-11 * expected);
    }
    EXPECT_EQ(jacstab::gram_trace_powers(a, 2).size(), 2u);
    EXPECT_EQ(jacstab::gram_trace_powers(a, 2)[1], t[1]);
  }
  // diag(1, 2, 3): tr (A A^T)^k = 1 + 4^k + 9^k.
  const arma::mat d = arma::diagmat(arma::vec{1.0, 2.0, 3.0});
  const std::vector<double> t = jacstab::gram_trace_powers(d, 4);
  EXPECT_EQ(t, (std::vector<double>{14.0, 98.0, 794.0, 6818.0}));
  EXPECT_EQ(jacstab::gram_trace_powers(arma::mat(), 3), (std::vector<double>{0.0, 0.0, 0.0}));
  EXPECT_THROW(jacstab::gram_trace_powers(d, 0), std::invalid_argument);
  EXPECT_THROW(jacstab::gram_trace_powers(d, 5), std::invalid_argument);
}

}  // namespace
