// Free-probability limits: closed forms (Marchenko-Pastur, Fuss-Catalan), an independent
// root computation for the density, and Monte Carlo at n = 2000.
#include <algorithm>
#include <cmath>
#include <complex>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <armadillo>
#include <boost/math/quadrature/tanh_sinh.hpp>
#include <gtest/gtest.h>

#include "jacstab/freeprob.hpp"
#include "jacstab/rng.hpp"
#include "test_support.hpp"

namespace jacstab {
namespace {

constexpr double kPi = 3.14159265358979323846;

double binomial(int n, int k) {
  double b = 1.0;
  for (int j = 1; j <= k; ++j) b = b * (n - k + j) / j;
  return b;
}

// Marchenko-Pastur: J J^T = W D W^T with W n x n of variance sigma2/n and D of rank alpha n is
// sigma2 alpha (1/m) X X^T with X n x m, m = alpha n, i.e. sigma2 alpha times MP with ratio
// c = 1/alpha: support sigma2 alpha [(1 - sqrt c)^2, (1 + sqrt c)^2], density
// sqrt((b-u)(u-a)) / (2 pi c u) in u = x / (sigma2 alpha), atom 1 - alpha at 0.
struct MarchenkoPastur {
  double sigma2, alpha;
  double c() const { return 1.0 / alpha; }
  double lower() const { return sigma2 * alpha * std::pow(1.0 - std::sqrt(c()), 2); }
  double upper() const { return sigma2 * alpha * std::pow(1.0 + std::sqrt(c()), 2); }
  double density(double x) const {
    const double s = sigma2 * alpha, u = x / s;
    const double a = lower() / s, b = upper() / s;
    if (u <= a || u >= b) return 0.0;
    return std::sqrt((b - u) * (u - a)) / (2.0 * kPi * c() * u) / s;
  }
  // Moments of sigma2 alpha MP_c: (sigma2 alpha)^k sum_{r=0}^{k-1} c^r N(k, r+1),
  // N(k, j) = binom(k, j) binom(k, j-1) / k (Narayana numbers).
  double moment(int k) const {
    double s = 0.0;
    for (int r = 0; r < k; ++r) {
      s += std::pow(c(), r) * binomial(k, r + 1) * binomial(k, r) / k;
    }
    return std::pow(sigma2 * alpha, k) * s;
  }
};

TEST(JacobianLimit, MarchenkoPastur) {
  for (double sigma2 : {1.0, 2.0, 0.5}) {
    const auto lim = JacobianLimit::constant(1, sigma2, 1.0);
    EXPECT_NEAR(lim.edge(), 4.0 * sigma2, 1e-13 * sigma2);
    EXPECT_NEAR(lim.norm_limit(), 2.0 * std::sqrt(sigma2), 1e-13);
    EXPECT_DOUBLE_EQ(lim.atom_at_zero(), 0.0);
    const auto m = lim.moments(10);
    const double catalan[] = {1, 2, 5, 14, 42, 132, 429, 1430, 4862, 16796};
    for (int k = 0; k < 10; ++k) EXPECT_NEAR(m[k], catalan[k] * std::pow(sigma2, k + 1), 1e-13 * m[k]);
  }
  for (double alpha : {0.5, 0.25, 0.9}) {
    const MarchenkoPastur mp{2.0, alpha};
    const auto lim = JacobianLimit::constant(1, 2.0, alpha);
    EXPECT_NEAR(lim.edge(), mp.upper(), 1e-13 * mp.upper());
    EXPECT_DOUBLE_EQ(lim.atom_at_zero(), 1.0 - alpha);
    const auto m = lim.moments(8);
    for (int k = 1; k <= 8; ++k) EXPECT_NEAR(m[k - 1], mp.moment(k), 1e-12 * mp.moment(k)) << alpha << " " << k;
  }
}

TEST(JacobianLimit, EdgeOfChaosSingleLayerIsOnePlusSqrtTwo) {
  // sigma2 = 2, alpha = 1/2: ||W D_0|| -> 1 + sqrt 2, not the semicircular ||s|| = 2.
  const auto lim = JacobianLimit::constant(1, 2.0, 0.5);
  EXPECT_NEAR(lim.norm_limit(), 1.0 + std::sqrt(2.0), 1e-14);
  EXPECT_NEAR(*lim.critical_point(), 1.0 / std::sqrt(2.0), 1e-15);
  EXPECT_DOUBLE_EQ(semicircular_product_norm(1), 2.0);
}

TEST(JacobianLimit, FussCatalan) {
  for (std::size_t L : {2u, 3u, 5u, 10u, 50u}) {
    const auto lim = JacobianLimit::constant(L, 1.0, 1.0);
    const double Ld = static_cast<double>(L);
    const double edge = std::pow(Ld + 1.0, Ld + 1.0) / std::pow(Ld, Ld);
    EXPECT_NEAR(lim.edge(), edge, 1e-13 * edge) << L;
    EXPECT_NEAR(*lim.critical_point(), 1.0 / Ld, 1e-15) << L;
    const auto m = lim.moments(8);
    const auto fc = semicircular_product_moments(L, 8);
    for (int k = 1; k <= 8; ++k) {
      const double expected = binomial(static_cast<int>((L + 1) * k), k) / (Ld * k + 1.0);
      EXPECT_NEAR(m[k - 1], expected, 1e-12 * expected) << L << " " << k;
      EXPECT_NEAR(fc[k - 1], expected, 1e-13 * expected) << L << " " << k;
    }
    // Thm 3.1's limit is the same law: ||s_1...s_L||^2 = (L+1)^{L+1} / L^L.
    EXPECT_NEAR(semicircular_product_norm(L), std::sqrt(edge), 1e-13 * std::sqrt(edge));
  }
  // Exact small values: FC_2 = 1, 3, 12, 55, 273; FC_3 = 1, 4, 22, 140.
  const auto f2 = semicircular_product_moments(2, 5);
  EXPECT_EQ(f2, (std::vector<double>{1, 3, 12, 55, 273}));
  const auto f3 = semicircular_product_moments(3, 4);
  EXPECT_EQ(f3, (std::vector<double>{1, 4, 22, 140}));
}

TEST(JacobianLimit, SemicircularProductNormMatchesItsMoments) {
  // ||s_1...s_m||^2 = lim_k m_k^{1/k} of the Fuss-Catalan moments; m_{k+1}/m_k increases
  // to the edge. Check monotone convergence from below.
  for (std::size_t m : {1u, 2u, 4u}) {
    const auto mom = semicircular_product_moments(m, 64);
    const double edge = std::pow(semicircular_product_norm(m), 2);
    double previous = 0.0;
    for (std::size_t k = 1; k < mom.size(); ++k) {
      const double ratio = mom[k] / mom[k - 1];
      EXPECT_GT(ratio, previous);
      EXPECT_LT(ratio, edge);
      previous = ratio;
    }
    EXPECT_NEAR(previous, edge, 0.05 * edge);
  }
  EXPECT_NEAR(log_semicircular_product_norm(1000000),
              0.5 * (1000001.0 * std::log(1000001.0) - 1e6 * std::log(1e6)), 1e-9);
}

TEST(JacobianLimit, EdgeIsTheGrowthRateOfTheMoments) {
  // Per-layer parameters: the ratio m_{k+1}/m_k increases to lambda_+.
  const JacobianLimit lim({1.5, 3.0, 2.0}, {0.3, 0.7, 1.0});
  const auto lm = lim.log_moments(64);
  double previous = -1.0;
  for (std::size_t k = 1; k < lm.size(); ++k) {
    const double log_ratio = lm[k] - lm[k - 1];
    EXPECT_GT(log_ratio, previous);
    EXPECT_LT(log_ratio, lim.log_edge());
    previous = log_ratio;
  }
  EXPECT_NEAR(previous, lim.log_edge(), 0.05);
}

TEST(JacobianLimit, LayerOrderDoesNotMatter) {
  const JacobianLimit a({1.5, 3.0, 2.0}, {0.3, 0.7, 1.0});
  const JacobianLimit b({2.0, 1.5, 3.0}, {1.0, 0.3, 0.7});
  EXPECT_NEAR(a.log_edge(), b.log_edge(), 1e-14);
  const auto ma = a.moments(6), mb = b.moments(6);
  for (int k = 0; k < 6; ++k) EXPECT_NEAR(ma[k], mb[k], 1e-13 * ma[k]);
}

TEST(JacobianLimit, FirstMomentIsProductOfVariances) {
  // m_1 = lim (1/n) tr J J^T = prod sigma_l^2 alpha_{l-1}.
  const JacobianLimit lim({1.5, 3.0, 2.0}, {0.3, 0.7, 1.0});
  EXPECT_NEAR(lim.moments(1)[0], 1.5 * 0.3 * 3.0 * 0.7 * 2.0, 1e-14);
}

TEST(JacobianLimit, DeepNetworksStayFinite) {
  // Depth 1000 at sigma2 = 4 or 0.5: the log edge is finite and grows linearly with slope
  // log(sigma2 alpha) + O(log L / L).
  for (double sigma2 : {4.0, 0.5, 2.0}) {
    const auto lim = JacobianLimit::constant(1000, sigma2, 0.5);
    ASSERT_TRUE(std::isfinite(lim.log_edge()));
    const auto lm = lim.log_moments(20);
    for (double v : lm) EXPECT_TRUE(std::isfinite(v));
    // lambda_+ = (sigma2/2)^L phi~(w*)/w* with w* ~ 1/(2L): phi~/w* ~ 2 e L.
    const double reduced = lim.log_edge() - 1000.0 * std::log(sigma2 / 2.0);
    EXPECT_NEAR(reduced, std::log(2.0 * std::exp(1.0) * 1000.0), 0.01) << sigma2;
  }
  const auto big = JacobianLimit::constant(1100, 4.0, 0.5);
  EXPECT_TRUE(std::isinf(big.edge()));  // 2^1100 * 5980 > DBL_MAX: use log_edge()
  EXPECT_TRUE(std::isfinite(big.log_edge()));
  EXPECT_THROW(big.density(10), std::domain_error);
}

TEST(JacobianLimit, DeadNetwork) {
  const JacobianLimit lim({2.0, 2.0}, {0.5, 0.0});
  EXPECT_TRUE(lim.is_dead());
  EXPECT_EQ(lim.norm_limit(), 0.0);
  EXPECT_TRUE(std::isinf(lim.log_norm_limit()) && lim.log_norm_limit() < 0);
  for (double m : lim.moments(4)) EXPECT_EQ(m, 0.0);
  EXPECT_DOUBLE_EQ(lim.atom_at_zero(), 1.0);
  EXPECT_FALSE(lim.critical_point().has_value());
  EXPECT_THROW(lim.density(10), std::domain_error);
}

TEST(JacobianLimit, Suffix) {
  const JacobianLimit lim({1.5, 3.0, 2.0}, {0.3, 0.7, 1.0});
  const auto s = lim.suffix(2);
  EXPECT_EQ(s.sigma2(), (std::vector<double>{3.0, 2.0}));
  EXPECT_EQ(s.alpha(), (std::vector<double>{0.7, 1.0}));
  EXPECT_NEAR(lim.suffix(1).log_edge(), lim.log_edge(), 0.0);
  EXPECT_THROW_WITH(lim.suffix(0), std::invalid_argument, "k must be in [1, 3], got 0");
  EXPECT_THROW_WITH(lim.suffix(4), std::invalid_argument, "got 4");
}

TEST(JacobianLimit, DensityMatchesMarchenkoPastur) {
  for (double alpha : {1.0, 0.5, 0.2}) {
    const MarchenkoPastur mp{2.0, alpha};
    const auto lim = JacobianLimit::constant(1, 2.0, alpha);
    const auto d = lim.density(400);
    ASSERT_EQ(d.size(), 400u);
    double worst = 0.0;
    for (const auto& p : d) {
      EXPECT_NEAR(p.x / lim.edge(), (&p - d.data() + 0.5) / 400.0, 1e-15);
      const double expected = mp.density(p.x);
      worst = std::max(worst, std::abs(p.density - expected) / std::max(expected, 1e-3));
      EXPECT_GE(p.density, 0.0);
    }
    EXPECT_LT(worst, 1e-7) << alpha;
  }
}

// Independent check of the density: every root of the polynomial phi(w) - x w from the
// eigenvalues of its companion matrix (LAPACK), keeping the one in the lower half-plane.
// For L = 2 the cubic has at most one conjugate pair, so that root is unique.
double density_by_companion(const JacobianLimit& lim, double x) {
  // phi(w) = (1 + w) prod (sigma2 alpha + sigma2 w), coefficients in increasing degree.
  std::vector<double> p{1.0, 1.0};
  for (std::size_t l = 0; l < lim.depth(); ++l) {
    const double c0 = lim.sigma2()[l] * lim.alpha()[l], c1 = lim.sigma2()[l];
    std::vector<double> q(p.size() + 1, 0.0);
    for (std::size_t i = 0; i < p.size(); ++i) {
      q[i] += p[i] * c0;
      q[i + 1] += p[i] * c1;
    }
    p = q;
  }
  p[1] -= x;
  const std::size_t deg = p.size() - 1;
  arma::mat companion(deg, deg, arma::fill::zeros);
  for (std::size_t i = 1; i < deg; ++i) companion(i, i - 1) = 1.0;
  for (std::size_t i = 0; i < deg; ++i) companion(i, deg - 1) = -p[i] / p[deg];
  const arma::cx_vec roots = arma::eig_gen(companion);
  double best = 0.0;
  for (const auto& r : roots) best = std::max(best, -r.imag());
  return best / (kPi * x);
}

TEST(JacobianLimit, DensityMatchesCompanionRoots) {
  for (const auto& lim : {JacobianLimit::constant(2, 1.0, 1.0), JacobianLimit({2.0, 2.0}, {0.5, 0.5}),
                          JacobianLimit({1.5, 3.0}, {0.3, 0.7})}) {
    const auto d = lim.density(200);
    for (const auto& p : d) {
      const double expected = density_by_companion(lim, p.x);
      EXPECT_NEAR(p.density, expected, 1e-8 * std::max(expected, 1e-2 / lim.edge()))
          << lim.describe() << " x = " << p.x;
    }
  }
}


// The distribution function against an independent integral of the closed-form (MP) or
// companion-root density with Boost's tanh-sinh quadrature (which handles the square-root
// edges and the x^{-2/3} singularity at 0 of the unmasked two-layer product).
TEST(SpectralCdf, MatchesQuadratureOfTheDensity) {
  {
    const MarchenkoPastur mp{2.0, 0.5};
    const auto lim = JacobianLimit::constant(1, 2.0, 0.5);
    const SpectralCdf cdf(lim);
    EXPECT_NEAR(cdf.tabulated_mass(), 0.5, 1e-5);
    boost::math::quadrature::tanh_sinh<double> integrator;
    for (double frac : {0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 0.999}) {
      const double x = frac * lim.edge();
      const double above = integrator.integrate([&](double u) { return mp.density(u); },
                                                std::max(x, mp.lower()), mp.upper());
      EXPECT_NEAR(cdf(x), 1.0 - above, 1e-5) << x;  // the kink at the lower edge limits it
    }
  }
  for (const auto& lim : {JacobianLimit::constant(2, 1.0, 1.0), JacobianLimit({2.0, 2.0}, {0.5, 0.5})}) {
    const SpectralCdf cdf(lim);
    boost::math::quadrature::tanh_sinh<double> integrator;
    for (double frac : {1e-6, 1e-3, 0.05, 0.3, 0.7, 0.99}) {
      const double x = frac * lim.edge();
      const double above = integrator.integrate([&](double u) { return density_by_companion(lim, u); },
                                                x, lim.edge());
      EXPECT_NEAR(cdf(x), 1.0 - above, 2e-5) << lim.describe() << " x = " << x;
    }
    // The part of the x^{-2/3} singularity below 1e-15 lambda_+ is ~3 (1e-15)^{1/3} small.
    EXPECT_NEAR(cdf.tabulated_mass(), 1.0 - lim.atom_at_zero(), 1e-4) << lim.describe();
  }
}

// The unmasked one-layer law: W W^T with W n x n of variance sigma2/n, the Marchenko-Pastur law
// of ratio 1 scaled by sigma2, with density sqrt((4 sigma2 - x)/x) / (2 pi sigma2) on
// (0, 4 sigma2). With x = 4 sigma2 sin^2(theta): F(x) = (2 theta + sin 2 theta) / pi. Its
// x^{-1/2} singularity stops the continuation near 1e-15 lambda_+, so the grid ends higher.
TEST(SpectralCdf, UnmaskedOneLayerLawIsMarchenkoPasturOfRatioOne) {
  const double sigma2 = 2.0;
  const auto lim = JacobianLimit::constant(1, sigma2, 1.0);
  const SpectralCdf cdf(lim);
  for (double x : {1e-6, 1e-3, 0.1, 1.0, 4.0, 7.0, 7.99}) {
    const double theta = std::asin(std::sqrt(x / (4.0 * sigma2)));
    EXPECT_NEAR(cdf(x), (2.0 * theta + std::sin(2.0 * theta)) / M_PI, 2e-5) << x;
  }
  EXPECT_NEAR(cdf.tabulated_mass(), 1.0, 1e-4);
}

TEST(SpectralCdf, IsADistributionFunction) {
  for (const auto& lim : {JacobianLimit::constant(10, 2.0, 0.5), JacobianLimit({1.5, 3.0, 2.0}, {0.3, 0.7, 1.0}),
                          JacobianLimit::constant(5, 1.0, 1.0)}) {
    const SpectralCdf cdf(lim);
    EXPECT_EQ(cdf(-1.0), 0.0);
    EXPECT_EQ(cdf(lim.edge()), 1.0);
    EXPECT_NEAR(cdf(0.0), lim.atom_at_zero(), 1e-15);
    double previous = cdf(0.0);
    for (int i = 1; i <= 2000; ++i) {
      const double x = lim.edge() * std::pow(static_cast<double>(i) / 2000.0, 3.0);
      const double f = cdf(x);
      EXPECT_GE(f, previous) << x;
      previous = f;
    }
    EXPECT_LE(cdf.tabulated_mass(), 1.0 - lim.atom_at_zero() + 1e-6) << lim.describe();
  }
  EXPECT_THROW_WITH(SpectralCdf(JacobianLimit::constant(2, 2.0, 0.5), 3), std::invalid_argument,
                    "points_per_decade must be in [4, 100000], got 3");
  EXPECT_THROW(SpectralCdf(JacobianLimit::constant(2, 2.0, 0.0)), std::domain_error);
  EXPECT_THROW((SpectralCdf(JacobianLimit::constant(2, 2.0, 0.5))(NAN)), std::invalid_argument);
}

// The density integrates to the continuous mass 1 - atom and has first moment m_1. Trapezoid
// rule on a descending grid: square-root refined on t = x/lambda_+ in [0.9, 1) (square-root
// edges, and the narrow bump of mass alpha that a tiny alpha makes near the edge), then
// log-spaced down to t = 1e-14 (the integrable x^{-L/(L+1)}-type singularity at 0 of products
// of square blocks). The tolerances are what this rule attains at 8000 + 8000 points; the
// mass below the grid is ~3e-5 of the total for the two-block products.
TEST(JacobianLimit, DensityIntegratesToTheContinuousMass) {
  for (const auto& lim : {JacobianLimit::constant(1, 2.0, 0.5), JacobianLimit::constant(3, 2.0, 0.5),
                          JacobianLimit({1.5, 3.0, 2.0}, {0.3, 0.7, 1.0}), JacobianLimit::constant(2, 1.0, 1.0),
                          JacobianLimit({2.0, 2.0, 2.0}, {1e-9, 1.0, 1.0}),
                          JacobianLimit({2.0, 2.0, 2.0, 2.0}, {1.0, 1e-12, 1.0, 0.5}),
                          JacobianLimit({2.0, 2.0, 2.0}, {1e-4, 1.0, 1.0}), JacobianLimit::constant(3, 2.0, 1e-9),
                          JacobianLimit::constant(10, 2.0, 0.5)}) {
    const int points = 8000;
    std::vector<double> x;
    for (int i = 1; i <= points; ++i) x.push_back(lim.edge() * (1.0 - 0.1 * std::pow(double(i) / points, 2.0)));
    for (int i = 1; i <= points; ++i) x.push_back(lim.edge() * 0.9 * std::pow(1e-14, double(i) / points));
    const auto d = lim.density_at(x);
    double mass = 0.0, first = 0.0;
    for (std::size_t i = 0; i + 1 < x.size(); ++i) {
      ASSERT_TRUE(std::isfinite(d[i]) && d[i] >= 0.0) << lim.describe();
      mass += 0.5 * (d[i] + d[i + 1]) * (x[i] - x[i + 1]);
      first += 0.5 * (x[i] * d[i] + x[i + 1] * d[i + 1]) * (x[i] - x[i + 1]);
    }
    const double continuous = 1.0 - lim.atom_at_zero(), m1 = lim.moments(1)[0];
    EXPECT_NEAR(first, m1, 1e-4 * m1) << lim.describe();
    if (lim.depth() == 10) {
      // Ten square blocks: ~6% of the mass lies below 1e-14 lambda_+ (see SpectralCdf).
      EXPECT_LT(mass, continuous) << lim.describe();
      EXPECT_GT(mass, 0.9 * continuous) << lim.describe();
    } else {
      EXPECT_NEAR(mass, continuous, 1e-4 * continuous) << lim.describe();
    }
  }
}

TEST(JacobianLimit, DensityAtArbitraryPoints) {
  const JacobianLimit lim({2.0, 2.0}, {0.5, 0.5});
  const std::vector<double> x{3.0, -1.0, 0.5, 100.0, 3.0, 0.5 * lim.edge(), lim.edge()};
  const auto d = lim.density_at(x);
  EXPECT_EQ(d[1], 0.0);
  EXPECT_EQ(d[3], 0.0);
  EXPECT_EQ(d[6], 0.0);
  EXPECT_EQ(d[0], d[4]);
  for (std::size_t i : {0u, 2u, 5u}) EXPECT_NEAR(d[i], density_by_companion(lim, x[i]), 1e-9 * d[i]);
  const std::vector<double> bad{1.0, NAN};
  EXPECT_THROW_WITH(lim.density_at(bad), std::invalid_argument, "x[1] is NaN");
}

// Monte Carlo at n = 2000: (1/n) tr (J J^T)^k with exact-rank projections, against the
// limit, within 4 standard errors of the replicate mean plus the O(1/n) finite-n bias.
// J = W_2 D_1 W_1 D_0 is formed from the kept rows and columns only: with S_l the kept
// coordinates of D_l, J = W_2[:, S_1] W_1[S_1, S_0] (zero columns outside S_0 dropped, which
// leaves the nonzero spectrum of J J^T unchanged).
TEST(JacobianLimit, MonteCarloAtWidth2000) {
  const std::size_t n = 2000, reps = 3;
  const JacobianLimit lim({2.0, 2.0}, {0.5, 0.5});
  const auto exact = lim.moments(3);
  std::vector<std::vector<double>> values(3);
  std::vector<double> norms;
  for (std::size_t r = 0; r < reps; ++r) {
    Engine engine = stream(20261123, "test-freeprob", r);
    auto draw_weights = [&](std::size_t l) {
      arma::mat w(n, n);
      engine.fill_normal(w.memptr(), w.n_elem);
      return arma::mat(w * std::sqrt(lim.sigma2()[l] / static_cast<double>(n)));
    };
    auto draw_kept = [&](std::size_t l) {  // round(alpha n) coordinates, uniformly at random
      std::vector<arma::uword> idx(n);
      std::iota(idx.begin(), idx.end(), arma::uword{0});
      for (std::size_t i = n - 1; i > 0; --i) std::swap(idx[i], idx[engine.uniform_int(i + 1)]);
      idx.resize(static_cast<std::size_t>(std::lround(lim.alpha()[l] * static_cast<double>(n))));
      return arma::uvec(idx);
    };
    const arma::uvec s0 = draw_kept(0), s1 = draw_kept(1);
    const arma::mat w1 = draw_weights(0), w2 = draw_weights(1);
    const arma::mat j = w2.cols(s1) * w1.submat(s1, s0);
    const arma::mat b = j.t() * j;  // same nonzero spectrum as J J^T
    values[0].push_back(arma::trace(b) / static_cast<double>(n));
    values[1].push_back(arma::accu(b % b) / static_cast<double>(n));
    values[2].push_back(arma::accu(b % (b * b)) / static_cast<double>(n));
    const arma::vec eigenvalues = arma::eig_sym(b);
    norms.push_back(std::sqrt(eigenvalues.max()));
    if (r == 0) {
      // Kolmogorov-Smirnov distance between the spectrum of J J^T (n - |S_0| zeros and the
      // eigenvalues of J^T J) and the limiting law. Eigenvalues are rigid, so the distance is
      // O(log n / n), far below the 1.36/sqrt(n) of iid samples.
      std::vector<double> spectrum(n - eigenvalues.n_elem, 0.0);
      for (double v : eigenvalues) spectrum.push_back(std::max(v, 0.0));
      std::sort(spectrum.begin(), spectrum.end());
      const SpectralCdf cdf(lim);
      // sup_x |F_n(x) - F(x)| over the jumps of F_n, with F's own jump at 0 (the atom):
      // just below x_i, F_n = i/n and F = F(x_i-) (0 at x = 0, F(x_i) elsewhere).
      double distance = 0.0;
      for (std::size_t i = 0; i < spectrum.size();) {
        std::size_t last = i;  // tied values (the zeros) form one jump of F_n
        while (last + 1 < spectrum.size() && spectrum[last + 1] == spectrum[i]) ++last;
        const double f = cdf(spectrum[i]);
        const double f_below = spectrum[i] > 0.0 ? f : 0.0;
        distance = std::max({distance, std::abs(f_below - static_cast<double>(i) / n),
                             std::abs(static_cast<double>(last + 1) / n - f)});
        i = last + 1;
      }
      EXPECT_LT(distance, 0.01);
    }
  }
  for (int k = 0; k < 3; ++k) {
    const double mean = std::accumulate(values[k].begin(), values[k].end(), 0.0) / reps;
    double var = 0.0;
    for (double v : values[k]) var += (v - mean) * (v - mean);
    const double se = std::sqrt(var / (reps - 1) / reps);
    EXPECT_NEAR(mean, exact[k], 4.0 * se + 5.0 * exact[k] / n) << "moment " << k + 1;
  }
  // The largest singular value approaches the edge from below at rate ~ n^{-2/3}.
  for (double v : norms) {
    EXPECT_LT(v, lim.norm_limit() * 1.01);
    EXPECT_GT(v, lim.norm_limit() * 0.97);
  }
}

TEST(JacobianLimit, RejectsBadInput) {
  EXPECT_THROW_WITH(JacobianLimit({}, {}), std::invalid_argument, "depth must be >= 1");
  EXPECT_THROW_WITH(JacobianLimit({2.0}, {0.5, 0.5}), std::invalid_argument,
                    "alpha has 2 entries but sigma2 has 1");
  EXPECT_THROW_WITH(JacobianLimit({2.0, -1.0}, {0.5, 0.5}), std::invalid_argument,
                    "sigma2[1] must be finite and > 0, got -1");
  EXPECT_THROW_WITH(JacobianLimit({2.0, NAN}, {0.5, 0.5}), std::invalid_argument, "sigma2[1]");
  EXPECT_THROW_WITH(JacobianLimit({2.0, 2.0}, {0.5, 1.5}), std::invalid_argument,
                    "alpha[1] must be in [0, 1], got 1.5");
  EXPECT_THROW_WITH(JacobianLimit({2.0}, {NAN}), std::invalid_argument, "alpha[0]");
  EXPECT_THROW_WITH(JacobianLimit::constant(0, 2.0, 0.5), std::invalid_argument, "depth must be >= 1, got 0");
  const auto lim = JacobianLimit::constant(2, 2.0, 0.5);
  EXPECT_THROW_WITH(lim.moments(0), std::invalid_argument, "count must be in [1, 64], got 0");
  EXPECT_THROW_WITH(lim.moments(65), std::invalid_argument, "got 65");
  EXPECT_THROW_WITH(lim.density(0), std::invalid_argument, "points must be >= 1, got 0");
  EXPECT_THROW_WITH(semicircular_product_norm(0), std::invalid_argument, "m must be >= 1, got 0");
  EXPECT_THROW_WITH(semicircular_product_moments(2, 0), std::invalid_argument, "count");
}

}  // namespace
}  // namespace jacstab
