#include "jacstab/ensembles.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <boost/math/special_functions/erf.hpp>

#include "jacstab/format.hpp"

namespace jacstab {

std::string_view to_string(EnsembleKind kind) noexcept {
  switch (kind) {
    case EnsembleKind::iid: return "iid";
    case EnsembleKind::random_prune: return "random-prune";
    case EnsembleKind::magnitude_threshold: return "magnitude-threshold";
    case EnsembleKind::magnitude_topr: return "magnitude-topr";
    case EnsembleKind::dependent: return "dependent";
    case EnsembleKind::equicorrelated: return "equicorrelated";
    case EnsembleKind::surrogate: return "surrogate";
  }
  return "?";
}

std::string_view to_string(ScaleRule rule) noexcept {
  switch (rule) {
    case ScaleRule::none: return "none";
    case ScaleRule::inverse_sqrt: return "inverse-sqrt";
    case ScaleRule::theorem: return "theorem";
    case ScaleRule::variance_matched: return "variance-matched";
  }
  return "?";
}

EnsembleKind parse_ensemble_kind(std::string_view text, std::string_view parameter) {
  for (auto k : {EnsembleKind::iid, EnsembleKind::random_prune, EnsembleKind::magnitude_threshold,
                 EnsembleKind::magnitude_topr, EnsembleKind::dependent,
                 EnsembleKind::equicorrelated, EnsembleKind::surrogate}) {
    if (text == to_string(k)) return k;
  }
  throw std::invalid_argument(
      str_cat("unknown ", parameter, " '", text,
              "' (expected iid, random-prune, magnitude-threshold, magnitude-topr, dependent, "
              "equicorrelated or surrogate)"));
}

ScaleRule parse_scale_rule(std::string_view text, std::string_view parameter) {
  for (auto r : {ScaleRule::none, ScaleRule::inverse_sqrt, ScaleRule::theorem,
                 ScaleRule::variance_matched}) {
    if (text == to_string(r)) return r;
  }
  throw std::invalid_argument(str_cat("unknown ", parameter, " '", text,
                                      "' (expected none, inverse-sqrt, theorem or variance-matched)"));
}

namespace {

[[noreturn]] void bad(std::string_view what, double value) {
  throw std::invalid_argument(str_cat("Ensemble(): ", what, ", got ", format_number(value)));
}

void check_finite(std::string_view name, double value) {
  if (!std::isfinite(value)) bad(str_cat(name, " must be finite"), value);
}

}  // namespace

Ensemble::Ensemble(EnsembleParams params) : p_(params) {
  check_finite("sigma2", p_.sigma2);
  if (!(p_.sigma2 > 0.0)) bad("sigma2 must be > 0", p_.sigma2);
  switch (p_.kind) {
    case EnsembleKind::random_prune:
      check_finite("sparsity", p_.sparsity);
      if (!(p_.sparsity >= 0.0 && p_.sparsity < 1.0)) bad("sparsity must be in [0, 1)", p_.sparsity);
      break;
    case EnsembleKind::magnitude_threshold:
      check_finite("threshold", p_.threshold);
      if (!(p_.threshold > 0.0)) bad("threshold must be > 0", p_.threshold);
      break;
    case EnsembleKind::magnitude_topr:
      if (p_.topr_c) {
        check_finite("topr_c", *p_.topr_c);
        if (!(*p_.topr_c > 0.0)) bad("topr_c must be > 0", *p_.topr_c);
      } else {
        check_finite("sparsity", p_.sparsity);
        if (!(p_.sparsity >= 0.0 && p_.sparsity < 1.0)) bad("sparsity must be in [0, 1)", p_.sparsity);
      }
      break;
    case EnsembleKind::dependent:
      check_finite("eta", p_.eta);
      if (!(p_.eta >= 0.0)) bad("eta must be >= 0", p_.eta);
      break;
    case EnsembleKind::equicorrelated:
      check_finite("rho", p_.rho);
      if (!(p_.rho >= 0.0 && p_.rho < 1.0)) bad("rho must be in [0, 1)", p_.rho);
      break;
    case EnsembleKind::surrogate:
      check_finite("alpha", p_.alpha);
      if (!(p_.alpha >= 0.0 && p_.alpha <= 1.0)) bad("alpha must be in [0, 1]", p_.alpha);
      break;
    case EnsembleKind::iid:
      break;
  }
}

bool Ensemble::is_pruned() const noexcept {
  return p_.kind == EnsembleKind::random_prune || p_.kind == EnsembleKind::magnitude_threshold ||
         p_.kind == EnsembleKind::magnitude_topr;
}

// E[N^2 1{|N|>a}] = 2 a phi(a) + P(|N| > a): integrate x^2 phi(x) by parts on (a, inf), twice.
double truncated_second_moment(double a) {
  if (a <= 0.0) return 1.0;
  const double phi = std::exp(-0.5 * a * a) / std::sqrt(2.0 * std::numbers::pi);
  return 2.0 * a * phi + std::erfc(a / std::numbers::sqrt2);
}

// Thm 4.2 (and 4.3), as printed: b = (sqrt(2 pi) e^{n t^2/2} / (t n^{3/2}))^{1/2}.
// Evaluated in the log domain so that large n t^2 does not overflow before the square root.
double paper_magnitude_scale(double t, double n) {
  const double log_b2 = 0.5 * std::log(2.0 * std::numbers::pi) + 0.5 * n * t * t - std::log(t) -
                        1.5 * std::log(n);
  return std::exp(0.5 * log_b2);
}

std::size_t Ensemble::topr_count(std::size_t rows, std::size_t cols) const {
  const double total = static_cast<double>(rows) * static_cast<double>(cols);
  double r;
  if (p_.topr_c) {
    // Thm 4.3: r = floor(n log^c n), n the fan-in.
    const double n = static_cast<double>(cols);
    r = n > 1.0 ? std::floor(n * std::pow(std::log(n), *p_.topr_c)) : 0.0;
  } else {
    r = std::round((1.0 - p_.sparsity) * total);
  }
  r = std::clamp(r, 0.0, total);
  return static_cast<std::size_t>(r);
}

double Ensemble::topr_threshold(std::size_t rows, std::size_t cols) const {
  const double total = static_cast<double>(rows) * static_cast<double>(cols);
  const double q = static_cast<double>(topr_count(rows, cols)) / (total + 1.0);
  const double sd = std::sqrt(p_.sigma2 / static_cast<double>(cols));
  if (q <= 0.0) return std::numeric_limits<double>::infinity();
  // P(|w| <= t) = 1 - q  <=>  t = sd sqrt(2) erfc^{-1}(q).
  return sd * std::numbers::sqrt2 * boost::math::erfc_inv(q);
}

double Ensemble::expected_kept_fraction(std::size_t rows, std::size_t cols) const {
  switch (p_.kind) {
    case EnsembleKind::random_prune: return 1.0 - p_.sparsity;
    case EnsembleKind::magnitude_threshold: {
      const double a = p_.threshold / std::sqrt(p_.sigma2 / static_cast<double>(cols));
      return std::erfc(a / std::numbers::sqrt2);
    }
    case EnsembleKind::magnitude_topr:
      return static_cast<double>(topr_count(rows, cols)) /
             (static_cast<double>(rows) * static_cast<double>(cols));
    default: return 1.0;
  }
}

double Ensemble::scale_factor(std::size_t rows, std::size_t cols) const {
  if (!is_pruned() || p_.scale == ScaleRule::none) return 1.0;
  const double n = static_cast<double>(cols);
  const double sd = std::sqrt(p_.sigma2 / n);
  double b = 1.0;
  switch (p_.kind) {
    case EnsembleKind::random_prune:
      // Thm 4.1's factor; it is also the exact variance match for random pruning.
      b = 1.0 / std::sqrt(1.0 - p_.sparsity);
      break;
    case EnsembleKind::magnitude_threshold:
    case EnsembleKind::magnitude_topr: {
      const double t = p_.kind == EnsembleKind::magnitude_threshold ? p_.threshold
                                                                      : topr_threshold(rows, cols);
      switch (p_.scale) {
        case ScaleRule::inverse_sqrt: b = 1.0 / std::sqrt(expected_kept_fraction(rows, cols)); break;
        case ScaleRule::theorem: b = paper_magnitude_scale(t, n); break;
        case ScaleRule::variance_matched: b = 1.0 / std::sqrt(truncated_second_moment(t / sd)); break;
        case ScaleRule::none: break;
      }
      break;
    }
    default: break;
  }
  if (!std::isfinite(b) || !(b > 0.0)) {
    throw std::domain_error(str_cat("Ensemble::scale_factor(): scale '", to_string(p_.scale),
                                    "' is not finite for ", describe(), " at ", rows, "x", cols,
                                    " (the pruning keeps no weights in expectation)"));
  }
  return b;
}

namespace {

// Stream layout of one matrix: the caller's engine advances by exactly two words (split),
// whatever the shape and kind. Column c draws from layer.derive(c): its Gaussians first, then,
// for random pruning, its Bernoulli mask; a shared per-layer scalar (dependent,
// equicorrelated) comes from layer.derive(kSharedChild). Every column is thus reproducible on
// its own, so a caller that needs only some columns can draw only those.
constexpr std::uint64_t kSharedChild = ~std::uint64_t{0};

}  // namespace

bool Ensemble::column_separable() const noexcept { return p_.kind != EnsembleKind::magnitude_topr; }

std::size_t Ensemble::sample_into(arma::mat& W, Engine& engine, arma::Mat<std::uint8_t>* mask) const {
  const std::size_t rows = W.n_rows, cols = W.n_cols;
  if (rows == 0 || cols == 0) {
    throw std::invalid_argument(str_cat("Ensemble::sample(): shape must be at least 1x1, got ",
                                        rows, "x", cols));
  }
  if (mask) {
    // Unpruned kinds keep every entry; pruned kinds overwrite every entry below.
    mask->set_size(rows, cols);
    mask->ones();
  }
  Engine layer = engine.split(stream_id_of("Ensemble::sample"));
  if (p_.kind != EnsembleKind::magnitude_topr) {
    arma::uvec all = arma::regspace<arma::uvec>(0, cols - 1);
    return fill_columns(W, layer, all, mask);
  }
  // Top-r: iid columns, then the r largest |w| of the whole matrix survive.
  const double sd = std::sqrt(p_.sigma2 / static_cast<double>(cols));
  for (std::size_t c = 0; c < cols; ++c) {
    Engine ce = layer.derive(c);
    ce.fill_normal(W.colptr(c), rows, sd);
  }
  const std::size_t total = W.n_elem;
  double* w = W.memptr();
  const std::size_t r = topr_count(rows, cols);
  const double b = r > 0 ? scale_factor(rows, cols) : 1.0;
  // The r-th largest |w|; entries strictly above it are kept, then ties in index order,
  // so that exactly r entries survive.
  double cut = std::numeric_limits<double>::infinity();
  if (r > 0) {
    std::vector<double> mags(total);
    for (std::size_t k = 0; k < total; ++k) mags[k] = std::abs(w[k]);
    std::nth_element(mags.begin(), mags.begin() + static_cast<std::ptrdiff_t>(r - 1), mags.end(),
                     std::greater<>());
    cut = mags[r - 1];
  }
  std::size_t above = 0;
  for (std::size_t k = 0; k < total; ++k) above += std::abs(w[k]) > cut;
  std::size_t ties_left = r - above;
  std::size_t kept = 0;
  for (std::size_t k = 0; k < total; ++k) {
    const double m = std::abs(w[k]);
    bool on = m > cut;
    if (!on && m == cut && ties_left > 0) {
      on = true;
      --ties_left;
    }
    w[k] = on ? b * w[k] : 0.0;
    kept += on;
    if (mask) (*mask)[k] = on;
  }
  return kept;
}

std::size_t Ensemble::sample_columns_into(arma::mat& W, Engine& engine,
                                          const arma::uvec& columns) const {
  if (!column_separable()) {
    throw std::logic_error(str_cat("Ensemble::sample_columns_into(): ", describe(),
                                   " selects weights across the whole matrix"));
  }
  if (W.n_rows == 0 || W.n_cols == 0) {
    throw std::invalid_argument(str_cat("Ensemble::sample(): shape must be at least 1x1, got ",
                                        W.n_rows, "x", W.n_cols));
  }
  for (arma::uword c : columns) {
    if (c >= W.n_cols) {
      throw std::invalid_argument(str_cat("Ensemble::sample_columns_into(): column must be < ",
                                          W.n_cols, ", got ", c));
    }
  }
  Engine layer = engine.split(stream_id_of("Ensemble::sample"));
  return fill_columns(W, layer, columns, nullptr);
}

std::size_t Ensemble::fill_columns(arma::mat& W, const Engine& layer, const arma::uvec& columns,
                                   arma::Mat<std::uint8_t>* mask) const {
  const std::size_t rows = W.n_rows, cols = W.n_cols;
  const double sd = std::sqrt(p_.sigma2 / static_cast<double>(cols));
  double shared = 0.0, column_sd = sd;
  if (p_.kind == EnsembleKind::dependent) {
    shared = p_.eta * sd * layer.derive(kSharedChild).normal();
  } else if (p_.kind == EnsembleKind::equicorrelated) {
    // W = sqrt(1 - rho) Z + sqrt(rho) z: variance sd^2, pairwise correlation rho.
    column_sd = sd * std::sqrt(1.0 - p_.rho);
    shared = std::sqrt(p_.rho) * sd * layer.derive(kSharedChild).normal();
  }
  const double b = is_pruned() ? scale_factor(rows, cols) : 1.0;
  const double keep = 1.0 - p_.sparsity;
  std::size_t kept = 0;
  for (arma::uword c : columns) {
    Engine ce = layer.derive(c);
    double* w = W.colptr(c);
    ce.fill_normal(w, rows, column_sd);
    switch (p_.kind) {
      case EnsembleKind::iid:
      case EnsembleKind::surrogate:
        kept += rows;
        break;
      case EnsembleKind::dependent:
      case EnsembleKind::equicorrelated:
        for (std::size_t i = 0; i < rows; ++i) w[i] += shared;
        kept += rows;
        break;
      case EnsembleKind::random_prune:
        for (std::size_t i = 0; i < rows; ++i) {
          const bool on = ce.uniform() < keep;
          w[i] = on ? b * w[i] : 0.0;
          kept += on;
          if (mask) (*mask)(i, c) = on;
        }
        break;
      case EnsembleKind::magnitude_threshold:
        for (std::size_t i = 0; i < rows; ++i) {
          const bool on = std::abs(w[i]) > p_.threshold;
          w[i] = on ? b * w[i] : 0.0;
          kept += on;
          if (mask) (*mask)(i, c) = on;
        }
        break;
      case EnsembleKind::magnitude_topr:
        break;  // not column-separable; handled by sample_into()
    }
  }
  return kept;
}

LayerSample Ensemble::sample(std::size_t rows, std::size_t cols, Engine& engine) const {
  LayerSample out;
  out.weights.set_size(rows, cols);
  if (is_pruned()) {
    arma::Mat<std::uint8_t> m;
    out.kept = sample_into(out.weights, engine, &m);
    out.mask = std::move(m);
    out.scale = out.kept > 0 ? scale_factor(rows, cols) : 1.0;
  } else {
    out.kept = sample_into(out.weights, engine, nullptr);
  }
  return out;
}

std::string Ensemble::describe() const {
  std::ostringstream os;
  os << to_string(p_.kind) << "(sigma2=" << format_number(p_.sigma2);
  switch (p_.kind) {
    case EnsembleKind::random_prune: os << ", sparsity=" << format_number(p_.sparsity); break;
    case EnsembleKind::magnitude_threshold: os << ", threshold=" << format_number(p_.threshold); break;
    case EnsembleKind::magnitude_topr:
      if (p_.topr_c) os << ", topr_c=" << format_number(*p_.topr_c);
      else os << ", sparsity=" << format_number(p_.sparsity);
      break;
    case EnsembleKind::dependent: os << ", eta=" << format_number(p_.eta); break;
    case EnsembleKind::equicorrelated: os << ", rho=" << format_number(p_.rho); break;
    case EnsembleKind::surrogate: os << ", alpha=" << format_number(p_.alpha); break;
    case EnsembleKind::iid: break;
  }
  if (is_pruned()) os << ", scale=" << to_string(p_.scale);
  os << ")";
  return os.str();
}

}  // namespace jacstab
