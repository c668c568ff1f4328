// Free-probability limits of the Jacobian: see freeprob.hpp for the model and the formulas.
#include "jacstab/freeprob.hpp"

#include <algorithm>
#include <functional>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <span>
#include <utility>

#include <boost/math/tools/roots.hpp>
#include <boost/math/tools/toms748_solve.hpp>

#include "jacstab/format.hpp"

namespace jacstab {
namespace {

constexpr double kPi = 3.14159265358979323846;

// g(w) = w/(1+w) + sum_l w/(alpha_l + w) - 1; increasing on (0, inf), g(0) = -1, and
// g(1) >= 1/2 + L/2 - 1 >= 0 for alpha_l <= 1, so the root w* lies in (0, 1].
double edge_equation(double w, const std::vector<double>& alpha) {
  double s = w / (1.0 + w) - 1.0;
  for (double a : alpha) s += w / (a + w);
  return s;
}

// log phi~(w) = log(1+w) + sum_l log(1 + w/alpha_l) for real w > 0.
double log_phi_scaled(double w, const std::vector<double>& alpha) {
  double s = std::log1p(w);
  for (double a : alpha) s += std::log1p(w / a);
  return s;
}

// Second derivative of F(w) = log phi~(w) - log w - log y at the critical point w*.
// F'' = 1/w^2 - sum_i 1/(a_i + w)^2 over a_i in {1, alpha_l}; with p_i = w/(a_i + w) and
// sum_i p_i = 1 at w*, w^2 F'' = 1 - sum p_i^2 = sum_i p_i (1 - p_i) = sum_i w a_i/(a_i + w)^2,
// a sum of positive terms (the direct formula cancels badly when some alpha << w*).
double log_equation_curvature_at_critical_point(double w, const std::vector<double>& alpha) {
  double s = 1.0 / ((1.0 + w) * (1.0 + w));
  for (double a : alpha) s += a / ((a + w) * (a + w));
  return s / w;
}

void check_count(std::size_t count, const char* who) {
  if (count == 0 || count > 64) {
    throw std::invalid_argument(str_cat(who, ": count must be in [1, 64], got ", count));
  }
}

}  // namespace

JacobianLimit::JacobianLimit(std::vector<double> sigma2, std::vector<double> alpha)
    : sigma2_(std::move(sigma2)), alpha_(std::move(alpha)) {
  if (sigma2_.empty()) {
    throw std::invalid_argument("JacobianLimit(): depth must be >= 1, got 0 layers");
  }
  if (alpha_.size() != sigma2_.size()) {
    throw std::invalid_argument(str_cat("JacobianLimit(): alpha has ", alpha_.size(),
                                        " entries but sigma2 has ", sigma2_.size(),
                                        " (one of each per layer)"));
  }
  for (std::size_t l = 0; l < sigma2_.size(); ++l) {
    if (!std::isfinite(sigma2_[l]) || !(sigma2_[l] > 0.0)) {
      throw std::invalid_argument(str_cat("JacobianLimit(): sigma2[", l,
                                          "] must be finite and > 0, got ",
                                          format_number(sigma2_[l])));
    }
    if (!(alpha_[l] >= 0.0 && alpha_[l] <= 1.0)) {
      throw std::invalid_argument(str_cat("JacobianLimit(): alpha[", l, "] must be in [0, 1], got ",
                                          format_number(alpha_[l])));
    }
    if (alpha_[l] == 0.0) dead_ = true;
  }
  if (dead_) {
    log_scale_ = -std::numeric_limits<double>::infinity();
    log_edge_ = -std::numeric_limits<double>::infinity();
    return;
  }
  for (std::size_t l = 0; l < sigma2_.size(); ++l) log_scale_ += std::log(sigma2_[l] * alpha_[l]);

  std::uintmax_t iterations = 200;
  const auto root = boost::math::tools::toms748_solve(
      [this](double w) { return edge_equation(w, alpha_); }, 0.0, 1.0, -1.0,
      edge_equation(1.0, alpha_), boost::math::tools::eps_tolerance<double>(52), iterations);
  const double w = 0.5 * (root.first + root.second);
  w_star_ = w;
  const double log_q = log_phi_scaled(w, alpha_) - std::log(w);
  log_edge_ = log_scale_ + log_q;

  // The other real critical points of x(w) = phi(w)/w: g increases on every interval between
  // its poles -a (a in {1, alpha_l}), from -inf to +inf, so each gap between distinct poles
  // holds exactly one root; there is none on (-min a, 0) or below -max a. Their positive
  // critical values below lambda_+ are where the support can have a lower edge (where two
  // roots of phi(w) = x w meet on the real axis; whether one of them is the physical root
  // is decided by the continuation in density_descending()).
  std::vector<double> poles(alpha_);
  poles.push_back(1.0);
  std::sort(poles.begin(), poles.end(), std::greater<>());
  poles.erase(std::unique(poles.begin(), poles.end()), poles.end());
  for (std::size_t i = 0; i + 1 < poles.size(); ++i) {
    const double left = -poles[i], right = -poles[i + 1];
    const double margin = 1e-14 * (right - left);
    const double lo = left + margin, hi = right - margin;
    const double g_lo = edge_equation(lo, alpha_), g_hi = edge_equation(hi, alpha_);
    if (!(g_lo < 0.0 && g_hi > 0.0)) continue;  // the root is within rounding of a pole
    std::uintmax_t it = 200;
    const auto r = boost::math::tools::toms748_solve([this](double v) { return edge_equation(v, alpha_); }, lo,
                                                     hi, g_lo, g_hi,
                                                     boost::math::tools::eps_tolerance<double>(52), it);
    const double wc = 0.5 * (r.first + r.second);
    // phi~(wc)/wc with signs: (1 + wc) > 0 always here (wc > -1); wc < 0; each factor
    // (1 + wc/alpha) is negative exactly when alpha < -wc.
    int negative = 1;  // wc < 0
    double log_abs = std::log1p(wc) - std::log(-wc);
    for (double a : alpha_) {
      const double factor = 1.0 + wc / a;
      if (factor < 0.0) negative ^= 1;
      log_abs += std::log(std::abs(factor));
    }
    if (negative) continue;  // x < 0: not an edge of the law
    const double t = std::exp(log_abs - log_q);
    if (t < 1.0) critical_t_.push_back(t);
  }
  std::sort(critical_t_.begin(), critical_t_.end(), std::greater<>());
}

JacobianLimit JacobianLimit::constant(std::size_t depth, double sigma2, double alpha) {
  if (depth == 0) throw std::invalid_argument("JacobianLimit::constant(): depth must be >= 1, got 0");
  return JacobianLimit(std::vector<double>(depth, sigma2), std::vector<double>(depth, alpha));
}

JacobianLimit JacobianLimit::suffix(std::size_t k) const {
  if (k < 1 || k > depth()) {
    throw std::invalid_argument(
        str_cat("JacobianLimit::suffix(): k must be in [1, ", depth(), "], got ", k));
  }
  return JacobianLimit(std::vector<double>(sigma2_.begin() + static_cast<std::ptrdiff_t>(k - 1), sigma2_.end()),
                       std::vector<double>(alpha_.begin() + static_cast<std::ptrdiff_t>(k - 1), alpha_.end()));
}

double JacobianLimit::edge() const { return std::exp(log_edge_); }

double JacobianLimit::norm_limit() const { return std::exp(0.5 * log_edge_); }


double JacobianLimit::atom_at_zero() const noexcept {
  return 1.0 - *std::min_element(alpha_.begin(), alpha_.end());
}

namespace {

// [w^{k-1}] phi~(w)^k / k for k = 1..count, phi~(w) = (1+w) prod_l (1 + w/alpha_l), every
// coefficient positive; long double keeps deep, sparse-mask cases in range.
std::vector<long double> scaled_moments(const std::vector<double>& alpha, std::size_t count) {
  using Real = long double;
  const std::size_t deg = count;  // keep degrees 0..count-1
  std::vector<Real> phi(deg, 0.0L);
  phi[0] = 1.0L;
  auto multiply_linear = [&](Real slope) {  // phi *= (1 + slope w), truncated
    for (std::size_t j = deg - 1; j >= 1; --j) phi[j] += slope * phi[j - 1];
  };
  if (deg > 1) {
    multiply_linear(1.0L);
    for (double a : alpha) multiply_linear(1.0L / static_cast<Real>(a));
  }
  std::vector<Real> out(count), power(deg, 0.0L), next(deg);
  power[0] = 1.0L;
  for (std::size_t k = 1; k <= count; ++k) {
    std::fill(next.begin(), next.end(), 0.0L);
    for (std::size_t i = 0; i < deg; ++i) {
      if (power[i] == 0.0L) continue;
      for (std::size_t j = 0; i + j < deg; ++j) next[i + j] += power[i] * phi[j];
    }
    power.swap(next);
    out[k - 1] = power[k - 1] / static_cast<Real>(k);
  }
  return out;
}

}  // namespace

std::vector<double> JacobianLimit::log_moments(std::size_t count) const {
  check_count(count, "JacobianLimit::log_moments()");
  std::vector<double> out(count, -std::numeric_limits<double>::infinity());
  if (dead_) return out;
  const auto scaled = scaled_moments(alpha_, count);
  for (std::size_t k = 1; k <= count; ++k) {
    out[k - 1] = static_cast<double>(std::log(scaled[k - 1])) + static_cast<double>(k) * log_scale_;
  }
  return out;
}

std::vector<double> JacobianLimit::moments(std::size_t count) const {
  check_count(count, "JacobianLimit::moments()");
  std::vector<double> out(count, 0.0);
  if (dead_) return out;
  const auto scaled = scaled_moments(alpha_, count);
  // m_k = c^k scaled_k; c^k by repeated multiplication in long double where it stays in
  // range (full double accuracy), otherwise through the logs.
  long double c = 1.0L;
  for (std::size_t l = 0; l < alpha_.size(); ++l) {
    c *= static_cast<long double>(sigma2_[l]) * static_cast<long double>(alpha_[l]);
  }
  long double ck = 1.0L;
  for (std::size_t k = 1; k <= count; ++k) {
    ck *= c;
    const long double m = ck * scaled[k - 1];
    if (std::isfinite(m) && m > 0.0L) {
      out[k - 1] = static_cast<double>(m);
    } else {
      out[k - 1] = std::exp(static_cast<double>(std::log(scaled[k - 1])) + static_cast<double>(k) * log_scale_);
    }
  }
  return out;
}

void JacobianLimit::check_density_available(const char* who) const {
  if (dead_) {
    throw std::domain_error(str_cat(who, ": J = 0 (some alpha is 0); mu is the point mass at 0"));
  }
  if (!std::isfinite(edge())) {
    throw std::domain_error(str_cat(who, ": the upper edge exp(", format_number(log_edge_),
                                    ") overflows a double"));
  }
}

std::vector<double> JacobianLimit::density_descending(std::span<const double> t) const {
  using C = std::complex<double>;
  const double w_star = *w_star_;
  // In scaled form the equation is phi~(w) = t q w with q = phi~(w*)/w* and t = x / lambda_+.
  // Solve F(w) = log phi~(w) - log w - log q - log t = 0 by Newton's method. Along the
  // continuation from the edge (t = 1, w = w*, where every log is real) the principal logs
  // stay on the branch with Im F = 0, which is the branch of the Stieltjes transform.
  const double log_q = log_phi_scaled(w_star, alpha_) - std::log(w_star);
  const double curvature = log_equation_curvature_at_critical_point(w_star, alpha_);
  // Newton's method runs on v = w / w*, so that its convergence test (three iterates within
  // machine epsilon, absolute for |v| < 1) is relative to the scale of the root, which is
  // tiny when some alpha is.
  auto solve = [&](double tt, C guess) -> C {
    const double log_t = std::log(tt);
    auto f = [&](C v) {
      const C w = w_star * v;
      const C log_w = std::log(w), log_1w = std::log(1.0 + w);
      C value = log_1w - log_w - log_q - log_t;
      double magnitude = std::abs(log_1w) + std::abs(log_w) + std::abs(log_q) + std::abs(log_t);
      C slope = 1.0 / (1.0 + w) - 1.0 / w;
      double room = std::min(std::abs(w), std::abs(1.0 + w));
      for (double a : alpha_) {
        const C term = std::log(1.0 + w / a);
        value += term;
        magnitude += std::abs(term);
        slope += 1.0 / (a + w);
        room = std::min(room, std::abs(a + w));
      }
      // At the rounding level of the sum, report an exact zero: the step is then 0 and the
      // solver's test (three equal iterates) ends the iteration instead of letting rounding
      // noise run it to the iteration limit.
      if (std::abs(value) <= 8.0 * std::numeric_limits<double>::epsilon() * magnitude) value = 0.0;
      slope *= w_star;  // dF/dv
      room /= w_star;
      // Damping: a Newton step may move w by at most half its distance to the nearest zero
      // of a factor (w, 1 + w, alpha_l + w), so that no log crosses its branch point (near
      // the atom at 0, w approaches -min alpha). Scaling the derivative scales the step.
      const double step = std::abs(value / slope);
      if (step > 0.5 * room) slope *= step / (0.5 * room);
      return std::make_pair(value, slope);
    };
    return w_star * boost::math::tools::complex_newton(f, guess / w_star, 60);
  };
  // Real up to rounding: near a branch point (a double root) Newton's method only reaches
  // about sqrt(epsilon) relative accuracy, so Im w of a real root can be ~1e-9 |w|. Treating
  // |Im w| < 1e-7 |w| as real zeroes the density only within ~1e-14 (relative) of an edge.
  auto is_real = [](C w) { return w.imag() >= -1e-7 * std::abs(w); };
  // Inside the support the root is complex. It can only become real (a gap below a lower
  // edge, where Im w vanishes like a square root) below a critical value t_c of x(w): the
  // march stops at t_c (1 + 1e-8) and takes a real root only on a step from there across
  // t_c (or from a real root). A candidate must also be finite, stay in the lower half-plane
  // and move w by at most a quarter of |w|.
  auto acceptable = [&](C w, C previous, bool real_allowed) {
    if (!std::isfinite(w.real()) || !std::isfinite(w.imag())) return false;
    if (w.imag() > 1e-7 * std::abs(w)) return false;  // left the lower half-plane
    if (std::abs(w - previous) > 0.25 * std::abs(previous)) return false;
    return real_allowed || !is_real(w);
  };

  // Start just below the edge from the square-root expansion w = w* - i sqrt(-2 log t / F''),
  // closer to the edge if Newton's method does not land on the complex root from there.
  double t_now = 1.0;
  C w(w_star, 0.0);
  for (double gap : {1e-6, 1e-9, 1e-12}) {
    const double t_start = 1.0 - gap;
    const C candidate = solve(t_start, C(w_star, -std::sqrt(-2.0 * std::log(t_start) / curvature)));
    if (acceptable(candidate, C(w_star, 0.0), false)) {
      w = candidate;
      t_now = t_start;
      break;
    }
  }
  if (t_now == 1.0) {
    throw std::runtime_error(str_cat("JacobianLimit::density(): Newton's method failed at the upper edge for ",
                                     describe()));
  }
  std::vector<double> out(t.size(), 0.0);
  const double lambda = edge();
  for (std::size_t i = 0; i < t.size(); ++i) {
    const double target = t[i];
    if (target >= t_now) {  // only the first points can lie in [1 - 1e-6, 1): square-root law
      const double im = std::sqrt(std::max(0.0, -2.0 * std::log(target) / curvature));
      out[i] = im / (kPi * target * lambda);
      continue;
    }
    double step = std::min(t_now - target, 0.02 * t_now);
    while (t_now > target) {
      double t_next = std::max(target, t_now - step);
      // Stop just above the next critical value on the way.
      bool at_waypoint = false;
      for (double tc : critical_t_) {  // descending: the first one below t_now
        const double waypoint = tc * (1.0 + 1e-8);
        if (waypoint < t_now) {
          if (waypoint > t_next) {
            t_next = waypoint;
            at_waypoint = true;
          }
          break;
        }
      }
      // A real root may follow a real root (inside a gap), or come from a step that crosses a
      // critical value from within its waypoint band [t_c, t_c (1 + 1e-8)].
      const bool crossing = std::any_of(critical_t_.begin(), critical_t_.end(), [&](double tc) {
        return t_next < tc && t_now <= tc * (1.0 + 1e-8);
      });
      const bool real_allowed = is_real(w) || (crossing && !at_waypoint);
      // Keep the guess off the real axis so that the solver can leave a gap of the support.
      C guess = w;
      if (std::abs(guess.imag()) < 1e-8 * std::abs(guess)) guess -= C(0.0, 1e-6 * std::abs(guess));
      const C candidate = solve(t_next, guess);
      if (acceptable(candidate, w, real_allowed)) {
        w = candidate;
        t_now = t_next;
        step *= 1.5;
      } else {
        step *= 0.25;
        if (step < 1e-12 * t_now) {
          throw std::runtime_error(str_cat("JacobianLimit::density(): continuation failed at x = ",
                                           format_number(t_now * lambda), " for ", describe()));
        }
      }
    }
    const double x = target * lambda;
    // A root that converged onto the real axis (a gap of the support) keeps an imaginary
    // part at the rounding level.
    out[i] = is_real(w) ? 0.0 : -w.imag() / (kPi * x);
  }
  return out;
}

std::vector<DensityPoint> JacobianLimit::density(std::size_t points) const {
  if (points == 0) throw std::invalid_argument("JacobianLimit::density(): points must be >= 1, got 0");
  check_density_available("JacobianLimit::density()");
  std::vector<double> t(points);
  for (std::size_t i = 0; i < points; ++i) {
    t[i] = (static_cast<double>(points - 1 - i) + 0.5) / static_cast<double>(points);
  }
  const std::vector<double> d = density_descending(t);
  std::vector<DensityPoint> out(points);
  for (std::size_t i = 0; i < points; ++i) out[points - 1 - i] = DensityPoint{t[i] * edge(), d[i]};
  return out;
}

std::vector<double> JacobianLimit::density_at(std::span<const double> x) const {
  check_density_available("JacobianLimit::density_at()");
  const double lambda = edge();
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) {
      throw std::invalid_argument(str_cat("JacobianLimit::density_at(): x[", i, "] is NaN"));
    }
    if (x[i] > 0.0 && x[i] < lambda) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] > x[b]; });
  std::vector<double> t;
  std::vector<std::size_t> owner;
  for (std::size_t i : order) {
    const double ti = x[i] / lambda;
    if (t.empty() || ti < t.back()) {
      t.push_back(ti);
      owner.push_back(i);
    }
  }
  const std::vector<double> d = density_descending(t);
  std::vector<double> out(x.size(), 0.0);
  // Equal x share one evaluation.
  std::size_t k = 0;
  for (std::size_t i : order) {
    while (k + 1 < t.size() && x[i] / lambda <= t[k + 1]) ++k;
    out[i] = d[k];
  }
  return out;
}

SpectralCdf::SpectralCdf(const JacobianLimit& limit, std::size_t points_per_decade) {
  if (points_per_decade < 4 || points_per_decade > 100000) {
    throw std::invalid_argument(str_cat("SpectralCdf(): points_per_decade must be in [4, 100000], got ",
                                        points_per_decade));
  }
  limit.check_density_available("SpectralCdf()");
  atom_ = limit.atom_at_zero();
  edge_ = limit.edge();
  // Grid in t = x / lambda_+, descending: t = 1 - u^2 with u uniform on (0, 1/2] near the
  // edge (the density vanishes like sqrt(1 - t), so rho dx ~ u^2 du is smooth in u), then t
  // log-spaced from 3/4 down to kSmallest (rho x is smooth in log t, including the
  // x^{-a} singularities at 0 of unmasked products).
  // The grid reaches down to t = 1e-15; where the continuation cannot follow the root that
  // far into an integrable singularity at 0 (it fails near t = 1e-15 for the unmasked
  // one-layer law, the Marchenko-Pastur law of ratio 1), it stops 3 decades higher, up to
  // t = 1e-6. F on the grid is unaffected (it uses the exact total mass); below the grid F is
  // interpolated from the atom.
  const std::size_t edge_points = 4 * points_per_decade;
  std::vector<double> t;
  std::vector<double> d;
  for (double smallest = 1e-15;; smallest *= 1e3) {
    t.clear();
    for (std::size_t i = 1; i <= edge_points; ++i) {
      const double u = 0.5 * static_cast<double>(i) / static_cast<double>(edge_points);
      t.push_back(1.0 - u * u);
    }
    const double decades = -std::log10(smallest / 0.75);
    const auto log_points = static_cast<std::size_t>(std::ceil(decades * static_cast<double>(points_per_decade)));
    for (std::size_t i = 1; i <= log_points; ++i) {
      t.push_back(0.75 * std::pow(smallest / 0.75, static_cast<double>(i) / static_cast<double>(log_points)));
    }
    try {
      d = limit.density_descending(t);
      break;
    } catch (const std::runtime_error&) {
      if (smallest >= 1e-6) throw;
    }
  }
  // Trapezoid rule for the mass above each grid point, in u on the edge part and in log t on
  // the rest: tail[i] = integral_{t_i}^{1} rho(lambda t) lambda dt.
  std::vector<double> tail(t.size(), 0.0);
  double acc = 0.0, prev_integrand = 0.0, prev_var = 0.0;  // u = 0 at t = 1: integrand 0
  for (std::size_t i = 0; i < edge_points; ++i) {
    const double u = std::sqrt(1.0 - t[i]);
    const double integrand = d[i] * edge_ * 2.0 * u;  // rho dx = rho lambda 2u du
    acc += 0.5 * (integrand + prev_integrand) * (u - prev_var);
    tail[i] = acc;
    prev_integrand = integrand;
    prev_var = u;
  }
  // Switch to log t at t = 3/4 (the last edge point).
  prev_integrand = d[edge_points - 1] * edge_ * t[edge_points - 1];  // rho dx = rho lambda t dlog t
  prev_var = std::log(t[edge_points - 1]);
  for (std::size_t i = edge_points; i < t.size(); ++i) {
    const double s = std::log(t[i]);
    const double integrand = d[i] * edge_ * t[i];
    acc += 0.5 * (integrand + prev_integrand) * (prev_var - s);
    tail[i] = acc;
    prev_integrand = integrand;
    prev_var = s;
  }
  tabulated_mass_ = acc;
  // Ascending table of (x, F(x)); F(x) = 1 - mass above x, which uses the exact total mass
  // (so that the part of the singularity below the grid does not bias F anywhere on it).
  x_.reserve(t.size() + 2);
  f_.reserve(t.size() + 2);
  for (std::size_t i = t.size(); i-- > 0;) {
    x_.push_back(t[i] * edge_);
    f_.push_back(std::max(atom_, 1.0 - tail[i]));
  }
  x_.push_back(edge_);
  f_.push_back(1.0);
}

double SpectralCdf::operator()(double x) const {
  if (std::isnan(x)) throw std::invalid_argument("SpectralCdf: x is NaN");
  if (x < 0.0) return 0.0;
  if (x >= edge_) return 1.0;
  if (x <= x_.front()) {
    // Below the grid: interpolate linearly between the atom at 0 and the first grid point.
    return atom_ + (f_.front() - atom_) * (x / x_.front());
  }
  const auto it = std::upper_bound(x_.begin(), x_.end(), x);
  const std::size_t j = static_cast<std::size_t>(it - x_.begin());
  const double w = (x - x_[j - 1]) / (x_[j] - x_[j - 1]);
  return f_[j - 1] + w * (f_[j] - f_[j - 1]);
}

std::string JacobianLimit::describe() const {
  auto list = [](const std::vector<double>& v) {
    if (std::all_of(v.begin(), v.end(), [&](double x) { return x == v.front(); })) {
      return str_cat(format_number(v.front()), " x ", v.size());
    }
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + format_number(v[i]);
    return s + "]";
  };
  return str_cat("sigma2=", list(sigma2_), ", alpha=", list(alpha_));
}

double log_semicircular_product_norm(std::size_t m) {
  if (m == 0) throw std::invalid_argument("semicircular_product_norm(): m must be >= 1, got 0");
  const double md = static_cast<double>(m);
  return 0.5 * ((md + 1.0) * std::log(md + 1.0) - md * std::log(md));
}

double semicircular_product_norm(std::size_t m) { return std::exp(log_semicircular_product_norm(m)); }

std::vector<double> semicircular_product_moments(std::size_t m, std::size_t count) {
  if (m == 0) throw std::invalid_argument("semicircular_product_moments(): m must be >= 1, got 0");
  check_count(count, "semicircular_product_moments()");
  // binom((m+1)k, k) / (mk + 1) = prod_{j=1}^{k} ((m+1)k - k + j) / j / (mk + 1), in long double.
  std::vector<double> out(count);
  for (std::size_t k = 1; k <= count; ++k) {
    long double b = 1.0L;
    const long double top = static_cast<long double>(m) * static_cast<long double>(k);
    for (std::size_t j = 1; j <= k; ++j) b = b * (top + static_cast<long double>(j)) / static_cast<long double>(j);
    out[k - 1] = static_cast<double>(b / (top + 1.0L));
  }
  return out;
}

}  // namespace jacstab
