#pragma once
// Weight ensembles for the hidden layers W_1..W_L of the MLP of eq. (1).
//
// An Ensemble is a small value type, validated at construction. sample(rows, cols, engine)
// draws one weight matrix of shape rows x cols (fan-in = cols) from the caller's engine and,
// for pruned ensembles, returns the pruning mask B (1 = kept). All variances are relative to
// the fan-in: the unpruned weights are N(0, sigma2 / cols).
//
// Random draws: one matrix advances the caller's engine by exactly two words; column c is
// drawn from its own child stream, so that a caller needing only some columns (the fast
// Monte-Carlo path needs only the columns of active units) can draw just those and still get
// the values of the full matrix.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <armadillo>

#include "jacstab/rng.hpp"

namespace jacstab {

enum class EnsembleKind {
  iid,                  ///< a. iid N(0, sigma2/n)
  random_prune,         ///< b. Bernoulli(1-s) mask (Thm 4.1)
  magnitude_threshold,  ///< c. keep |w| > t (Thm 4.2)
  magnitude_topr,       ///< d. keep the r largest |w| of each matrix (Thm 4.3)
  dependent,            ///< e. W_ind + eta * w^k, one N(0, sigma2/n) scalar w^k per layer (sec. 5)
  equicorrelated,       ///< e'. variance-preserving, exact pairwise correlation rho
  surrogate,            ///< f. iid weights; the network's masks are replaced by Bernoulli(alpha)
};

enum class ScaleRule {
  none,              ///< b = 1
  inverse_sqrt,      ///< b = (1-s)^(-1/2), s the (expected) sparsity
  theorem,           ///< the factor printed in the paper (Thm 4.1, 4.2 or 4.3)
  variance_matched,  ///< b with E[(b w)^2 1{kept}] = sigma2/n exactly
};

std::string_view to_string(EnsembleKind kind) noexcept;
std::string_view to_string(ScaleRule rule) noexcept;
/// Parses the CLI spelling ("iid", "random-prune", ...); throws std::invalid_argument naming
/// `parameter` and the value.
EnsembleKind parse_ensemble_kind(std::string_view text, std::string_view parameter = "ensemble");
ScaleRule parse_scale_rule(std::string_view text, std::string_view parameter = "scale");

struct EnsembleParams {
  EnsembleKind kind = EnsembleKind::iid;
  double sigma2 = 2.0;        ///< weight variance times fan-in; 2 is the edge of chaos
  double sparsity = 0.0;      ///< s in [0, 1): random_prune, and magnitude_topr without topr_c
  ScaleRule scale = ScaleRule::none;
  double threshold = 0.0;     ///< t > 0: magnitude_threshold
  std::optional<double> topr_c;  ///< c > 0: magnitude_topr keeps r = floor(n log^c n)
  double eta = 0.0;           ///< eta >= 0: dependent
  double rho = 0.0;           ///< rho in [0, 1): equicorrelated
  double alpha = 0.5;         ///< alpha in [0, 1]: surrogate mask probability
};

/// Named constructors for the ensembles of the paper; sigma2 = 2 (the edge of chaos) unless
/// given. The result is validated only when an Ensemble is built from it.
inline EnsembleParams iid_ensemble(double sigma2 = 2.0) {
  EnsembleParams p;
  p.sigma2 = sigma2;
  return p;
}
/// Approx. 2.1's surrogate: iid weights, masks iid Bernoulli(alpha).
inline EnsembleParams surrogate_ensemble(double alpha, double sigma2 = 2.0) {
  EnsembleParams p = iid_ensemble(sigma2);
  p.kind = EnsembleKind::surrogate;
  p.alpha = alpha;
  return p;
}
inline EnsembleParams random_prune_ensemble(double sparsity, ScaleRule scale = ScaleRule::none,
                                            double sigma2 = 2.0) {
  EnsembleParams p = iid_ensemble(sigma2);
  p.kind = EnsembleKind::random_prune;
  p.sparsity = sparsity;
  p.scale = scale;
  return p;
}
inline EnsembleParams threshold_ensemble(double t, ScaleRule scale = ScaleRule::none, double sigma2 = 2.0) {
  EnsembleParams p = iid_ensemble(sigma2);
  p.kind = EnsembleKind::magnitude_threshold;
  p.threshold = t;
  p.scale = scale;
  return p;
}
/// Top-r pruning keeping r = floor(n log^c n) entries.
inline EnsembleParams topr_ensemble(double c, ScaleRule scale = ScaleRule::none, double sigma2 = 2.0) {
  EnsembleParams p = iid_ensemble(sigma2);
  p.kind = EnsembleKind::magnitude_topr;
  p.topr_c = c;
  p.scale = scale;
  return p;
}
/// Top-r pruning at sparsity s.
inline EnsembleParams topr_sparsity_ensemble(double sparsity, ScaleRule scale = ScaleRule::none,
                                             double sigma2 = 2.0) {
  EnsembleParams p = iid_ensemble(sigma2);
  p.kind = EnsembleKind::magnitude_topr;
  p.sparsity = sparsity;
  p.scale = scale;
  return p;
}
inline EnsembleParams dependent_ensemble(double eta, double sigma2 = 2.0) {
  EnsembleParams p = iid_ensemble(sigma2);
  p.kind = EnsembleKind::dependent;
  p.eta = eta;
  return p;
}
inline EnsembleParams equicorrelated_ensemble(double rho, double sigma2 = 2.0) {
  EnsembleParams p = iid_ensemble(sigma2);
  p.kind = EnsembleKind::equicorrelated;
  p.rho = rho;
  return p;
}

/// One sampled weight matrix.
struct LayerSample {
  arma::mat weights;                          ///< after pruning and scaling
  std::optional<arma::Mat<std::uint8_t>> mask;  ///< pruning mask B (1 = kept), pruned kinds only
  std::size_t kept = 0;                       ///< number of kept (non-pruned) entries
  double scale = 1.0;                         ///< the factor b applied to kept entries
};

class Ensemble {
 public:
  /// Validates every parameter the kind uses; throws std::invalid_argument naming the
  /// parameter and the value ("Ensemble(): sparsity must be in [0, 1), got 1.5").
  explicit Ensemble(EnsembleParams params);
  /// The critical iid ensemble, N(0, 2/n).
  Ensemble() : Ensemble(EnsembleParams{}) {}

  const EnsembleParams& params() const noexcept { return p_; }
  EnsembleKind kind() const noexcept { return p_.kind; }
  bool is_pruned() const noexcept;
  /// True for the surrogate of Approx. 2.1: the network's ReLU masks are replaced by
  /// independent Bernoulli(alpha) masks.
  bool replaces_masks() const noexcept { return p_.kind == EnsembleKind::surrogate; }

  /// The deterministic scale factor b applied to kept weights of a rows x cols matrix.
  /// Throws std::domain_error if it is not finite (e.g. a threshold that keeps nothing).
  double scale_factor(std::size_t rows, std::size_t cols) const;
  /// Expected fraction of kept entries (1 for unpruned kinds; exact r/(rows cols) for top-r).
  double expected_kept_fraction(std::size_t rows, std::size_t cols) const;
  /// Number of entries kept by top-r pruning of a rows x cols matrix.
  std::size_t topr_count(std::size_t rows, std::size_t cols) const;
  /// The threshold t of Thm 4.3's proof, t = sigma sqrt(2/n) erfc^{-1}(r/(rows cols + 1));
  /// equal to the paper's (2/sqrt(n)) erf^{-1}(1 - r/(n^2+1)) at sigma2 = 2.
  double topr_threshold(std::size_t rows, std::size_t cols) const;

  /// Draws one rows x cols matrix from `engine`.
  LayerSample sample(std::size_t rows, std::size_t cols, Engine& engine) const;
  /// As sample(), into a caller-owned buffer (no allocation when the shape is unchanged);
  /// the mask is written only if `mask` is non-null (all ones for unpruned kinds). Returns
  /// the kept count. Throws std::invalid_argument if `weights` has no rows or no columns.
  std::size_t sample_into(arma::mat& weights, Engine& engine,
                          arma::Mat<std::uint8_t>* mask = nullptr) const;

  /// True when each column can be drawn on its own (every kind but magnitude_topr, which
  /// ranks the whole matrix).
  bool column_separable() const noexcept;
  /// Draws only the listed columns of `weights` (the others are left as they are), with
  /// exactly the values sample_into() would give them, and advances `engine` exactly as
  /// sample_into() does. Returns the kept count among those columns. Throws
  /// std::logic_error for a kind that is not column_separable().
  std::size_t sample_columns_into(arma::mat& weights, Engine& engine,
                                  const arma::uvec& columns) const;

  /// A one-line description, e.g. "magnitude-topr(sigma2=2, sparsity=0.9, scale=theorem)".
  std::string describe() const;

 private:
  std::size_t fill_columns(arma::mat& weights, const Engine& layer, const arma::uvec& columns,
                           arma::Mat<std::uint8_t>* mask) const;
  EnsembleParams p_;
};

/// Closed-form helpers (exposed for tests and the hypotheses module).
/// E[N^2 1{|N| > a}] for N ~ N(0,1): 2 a phi(a) + erfc(a / sqrt 2) (integration by parts).
double truncated_second_moment(double a);
/// The factor printed in Thm 4.2 / 4.3: (sqrt(2 pi) e^{n t^2 / 2} / (t n^{3/2}))^{1/2}.
double paper_magnitude_scale(double t, double n);

}  // namespace jacstab
