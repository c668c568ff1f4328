#pragma once
// Free-probability limits of the input-output Jacobian.
//
// The model (Pennington, Schoenholz & Ganguli 2017, 2018): J = W_L D_{L-1} ... W_1 D_0, where
// W_l is n x n with iid entries of variance sigma_l^2 / n, D_l is a diagonal projection
// that keeps a fraction alpha_l of the coordinates, and all factors are asymptotically free.
// As n -> infinity the empirical spectral distribution of J J^T converges to a deterministic
// law mu, and ||J|| converges to the square root of the upper edge of mu's support.
//
// S-transforms. For W^T W (Marchenko-Pastur, ratio 1, scale sigma^2):
// S(z) = 1 / (sigma^2 (1 + z)); for a projection of rank fraction alpha: S(z) = (1 + z) /
// (alpha + z). Freeness makes S multiplicative, so
//
//     S_{J J^T}(z) = prod_l 1 / (sigma_l^2 (alpha_{l-1} + z)).
//
// With psi(z) = sum_{k>=1} m_k z^k the moment series of mu and chi its inverse,
// chi(w) = w S(w) / (1 + w) = w / phi(w), where
//
//     phi(w) = (1 + w) prod_l sigma_l^2 (alpha_{l-1} + w)
//
// is a polynomial of degree L + 1 with positive coefficients. Consequences:
//  * moments, by Lagrange inversion: m_k = (1/k) [w^{k-1}] phi(w)^k. All terms are positive,
//    so the coefficient arithmetic is exact up to rounding (no cancellation);
//  * upper edge: psi has radius of convergence 1/lambda_+, reached at the critical point of
//    chi on (0, inf): w* solves w/(1+w) + sum_l w/(alpha_{l-1} + w) = 1 (the left side
//    increases from 0 to L + 1), and lambda_+ = phi(w*) / w*;
//  * density: with G the Stieltjes transform, w = x G(x) - 1 solves phi(w) = x w; on the
//    support the relevant root is complex, and the density is -Im w / (pi x).
// Known cases: one layer without masks is Marchenko-Pastur (moments: Catalan numbers,
// lambda_+ = 4 sigma^2); L layers without masks give the Fuss-Catalan law,
// m_k = binom((L+1)k, k) / (Lk + 1), lambda_+ = (L+1)^{L+1} / L^L.
//
// Everything is evaluated in scaled form, phi(w) = c phi~(w) with c = prod sigma_l^2
// alpha_{l-1}, so that depth 1000 at sigma^2 = 4 or 0.5 neither overflows nor underflows;
// the log-domain accessors are the primary ones.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace jacstab {

/// One point of the limiting density of J J^T (absolutely continuous part).
struct DensityPoint {
  double x;        ///< eigenvalue of J J^T
  double density;  ///< density of mu at x (0 outside the support)
};

/// The limiting spectral distribution of J J^T for per-layer parameters.
class JacobianLimit {
 public:
  /// sigma2[l] is the variance scale of W_{l+1} (entries N(0, sigma2[l] / n)) and alpha[l] the
  /// active fraction of D_l, l = 0..L-1. Both must have the same length L >= 1; sigma2 > 0 and
  /// alpha in [0, 1], all finite. Throws std::invalid_argument naming the parameter, the index
  /// and the value ("JacobianLimit(): alpha[3] must be in [0, 1], got 1.5").
  JacobianLimit(std::vector<double> sigma2, std::vector<double> alpha);
  /// Depth L with the same sigma2 and alpha in every layer.
  static JacobianLimit constant(std::size_t depth, double sigma2, double alpha);

  std::size_t depth() const noexcept { return sigma2_.size(); }
  const std::vector<double>& sigma2() const noexcept { return sigma2_; }
  const std::vector<double>& alpha() const noexcept { return alpha_; }
  /// The limit for J_k = W_L D_{L-1} ... W_k D_{k-1} (1 <= k <= L): layers k..L only.
  JacobianLimit suffix(std::size_t k) const;

  /// True when some alpha_l = 0: then J = 0, mu is the point mass at 0.
  bool is_dead() const noexcept { return dead_; }

  /// log lambda_+, the log of the upper edge of mu's support (-inf when dead).
  double log_edge() const noexcept { return log_edge_; }
  /// lambda_+ (may overflow to +inf for very deep networks; use log_edge()).
  double edge() const;
  /// lim ||J_1|| = sqrt(lambda_+); 0 when dead.
  double norm_limit() const;
  /// log lim ||J_1|| = log_edge() / 2.
  double log_norm_limit() const noexcept { return 0.5 * log_edge_; }
  /// The critical point w* (lambda_+ = phi(w*) / w*); empty when dead.
  std::optional<double> critical_point() const noexcept { return w_star_; }

  /// log m_k for k = 1..count, m_k = integral lambda^k dmu = lim (1/n) tr (J J^T)^k.
  /// -inf for every k when dead. Throws std::invalid_argument if count is 0 or > 64.
  std::vector<double> log_moments(std::size_t count) const;
  /// m_1..m_count (as log_moments, exponentiated; +inf where a moment overflows a double).
  std::vector<double> moments(std::size_t count) const;

  /// Mass of mu at 0: 1 - min_l alpha_l (the rank of J is at most n min alpha).
  double atom_at_zero() const noexcept;

  /// The density of mu at `points` evenly spaced x in (0, lambda_+), x_i = lambda_+ (i + 1/2) /
  /// points, found by continuation of the root of phi(w) = x w from the upper edge down with
  /// Boost.Math's complex Newton solver. The density integrates to 1 - atom_at_zero().
  /// Throws std::invalid_argument if points == 0, std::domain_error when dead or when
  /// lambda_+ overflows, and std::runtime_error if the continuation fails to converge.
  std::vector<DensityPoint> density(std::size_t points) const;
  /// The density of mu at arbitrary points x (any order; 0 for x <= 0 or x >= lambda_+; the
  /// atom at 0 is not included). One continuation serves all points. Throws as density(),
  /// and std::invalid_argument for a NaN x.
  std::vector<double> density_at(std::span<const double> x) const;

  /// "sigma2=[2, 2], alpha=[0.5, 0.5]" (constant lists are shortened to "sigma2=2 x L").
  std::string describe() const;

 private:
  friend class SpectralCdf;
  void check_density_available(const char* who) const;
  /// Density at x = t lambda_+ for strictly decreasing t in (0, 1).
  std::vector<double> density_descending(std::span<const double> t) const;

  std::vector<double> sigma2_;
  std::vector<double> alpha_;
  bool dead_ = false;
  double log_scale_ = 0.0;  ///< log c = sum_l log(sigma_l^2 alpha_{l-1})
  double log_edge_ = 0.0;
  std::optional<double> w_star_;
  /// Positive critical values of x(w) = phi(w)/w below lambda_+, over lambda_+, descending:
  /// the only places where the support can have a lower edge.
  std::vector<double> critical_t_;
};

/// The distribution function F(x) = mu([0, x]) of the limiting law of J J^T (atom at 0
/// included), for Kolmogorov-Smirnov comparisons with finite-width spectra.
///
/// The density is tabulated on t = x / lambda_+ in (1e-15, 1) (the lower end raised by
/// factors of 1000, up to 1e-6, where the continuation cannot reach 1e-15): t = 1 - u^2 with u uniform
/// near the edge (where the density vanishes like a square root), then log-spaced (where the
/// density of unmasked products has an integrable singularity x^{-L/(L+1)} at 0). The mass
/// above each grid point is integrated by the trapezoid rule in u and in log t, and
/// F(x) = 1 - (mass above x), so that the mass the grid cannot reach near 0 does not bias F
/// on the grid; below the grid F is interpolated linearly from the atom. F is piecewise
/// linear between grid points. Accuracy at the default 128 points per decade (checked against
/// tanh-sinh quadrature in the unit tests): ~1e-6 where the support reaches 0, ~1e-5 when it
/// has a lower edge inside the grid (the trapezoid rule meets the square-root kink there).
class SpectralCdf {
 public:
  /// Tabulates `limit`'s law with `points_per_decade` points per decade of t (and 4 times as
  /// many on the edge part). Throws std::invalid_argument for points_per_decade outside
  /// [4, 100000], std::domain_error when the law is the point mass at 0 or its edge
  /// overflows, std::runtime_error if the continuation fails.
  explicit SpectralCdf(const JacobianLimit& limit, std::size_t points_per_decade = 128);
  /// F(x); 0 for x < 0, 1 for x >= lambda_+. Throws std::invalid_argument for NaN.
  double operator()(double x) const;
  /// The mass of the density on the grid, (1 - atom) minus the mass below x = 1e-15 lambda_+;
  /// a check of the tabulation.
  double tabulated_mass() const noexcept { return tabulated_mass_; }
  double atom() const noexcept { return atom_; }
  double edge() const noexcept { return edge_; }

 private:
  std::vector<double> x_, f_;
  double atom_ = 0.0, edge_ = 0.0, tabulated_mass_ = 0.0;
};

/// ||s_1 ... s_m|| for free standard semicircular elements s_i (the limit quoted in
/// Thm 3.1): (s_1...s_m)(s_1...s_m)* has the Fuss-Catalan law of order m, whose upper edge
/// is (m+1)^{m+1} / m^m, so ||s_1 ... s_m|| = sqrt((m+1)^{m+1} / m^m) (~ sqrt(e (m+1)) for
/// large m). Throws std::invalid_argument if m == 0.
double semicircular_product_norm(std::size_t m);
/// log ||s_1 ... s_m||, finite for every m >= 1.
double log_semicircular_product_norm(std::size_t m);
/// The first `count` moments of (s_1...s_m)(s_1...s_m)*: Fuss-Catalan numbers
/// binom((m+1)k, k) / (mk + 1), k = 1..count (as doubles; exact while below 2^53).
std::vector<double> semicircular_product_moments(std::size_t m, std::size_t count);

}  // namespace jacstab
