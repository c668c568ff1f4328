#pragma once
// Spectral norm ||A|| = sigma_max(A): exact (LAPACK SVD through Armadillo) or iterative
// (Golub-Kahan-Lanczos bidiagonalisation with full reorthogonalisation) on an operator that
// applies A and A^T, so that A never has to exist (cf. Spectra's operator interface).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <vector>

#include <armadillo>

namespace jacstab {

/// A linear map R^cols -> R^rows given by its action and its transpose's action.
class LinearOperator {
 public:
  virtual ~LinearOperator() = default;
  virtual std::size_t rows() const = 0;
  virtual std::size_t cols() const = 0;
  /// y = A x, with x of length cols() and y of length rows().
  virtual void perform_op(const arma::vec& x, arma::vec& y) const = 0;
  /// x = A^T y.
  virtual void perform_op_transpose(const arma::vec& y, arma::vec& x) const = 0;
  /// Y = A X for a block of vectors (default: column by column).
  virtual void perform_op_block(const arma::mat& X, arma::mat& Y) const;
  /// X = A^T Y for a block of vectors (default: column by column).
  virtual void perform_op_transpose_block(const arma::mat& Y, arma::mat& X) const;
};

/// A dense matrix viewed as an operator (holds a reference; the matrix must outlive it).
class DenseOperator final : public LinearOperator {
 public:
  explicit DenseOperator(const arma::mat& a) : a_(a) {}
  std::size_t rows() const override { return a_.n_rows; }
  std::size_t cols() const override { return a_.n_cols; }
  void perform_op(const arma::vec& x, arma::vec& y) const override { y = a_ * x; }
  void perform_op_transpose(const arma::vec& y, arma::vec& x) const override { x = a_.t() * y; }
  void perform_op_block(const arma::mat& X, arma::mat& Y) const override { Y = a_ * X; }
  void perform_op_transpose_block(const arma::mat& Y, arma::mat& X) const override {
    X = a_.t() * Y;
  }

 private:
  const arma::mat& a_;
};

enum class NormMethod { exact, iterative, automatic };
enum class SolverStatus { converged, not_converged, numerical_issue };

std::string_view to_string(NormMethod method) noexcept;
std::string_view to_string(SolverStatus status) noexcept;
/// Parses "exact", "iterative" or "auto"; throws std::invalid_argument naming `parameter`.
NormMethod parse_norm_method(std::string_view text, std::string_view parameter = "norm-method");

struct LanczosOptions {
  std::size_t max_iter = 300;   ///< maximal Krylov dimension
  double rel_tol = 1e-10;       ///< stop when error_bound <= rel_tol * norm
  std::uint64_t seed = 0x5eedULL;  ///< seeds the starting vector's own engine
  /// Optional starting vector (length cols(), else invalid_argument); a warm start from a
  /// nearby problem. A zero or non-finite start is replaced by a random one.
  const arma::vec* start = nullptr;
};

struct NormResult {
  double norm = 0.0;          ///< sigma_max, possibly scaled: the norm is norm * 2^log2_scale
  double log_norm = 0.0;      ///< natural log of the true norm; -inf when the matrix is zero
  double error_bound = 0.0;   ///< |true sigma_max - norm| <= error_bound (same scale as norm)
  std::size_t iterations = 0;
  SolverStatus status = SolverStatus::converged;
  NormMethod method = NormMethod::exact;  ///< the method actually used
  int log2_scale = 0;         ///< the caller's power-of-two scale folded into log_norm
  arma::vec right_vector;     ///< approximate top right singular vector (iterative only)

  bool is_zero() const noexcept { return norm == 0.0; }
};

/// Exact: the largest singular value from LAPACK's SVD. error_bound is a rounding bound,
/// 4 eps max(rows, cols) sigma_max.
NormResult spectral_norm_exact(const arma::mat& a);

/// Iterative: Golub-Kahan-Lanczos. The Ritz value theta satisfies theta <= sigma_max.
/// converged: some singular value lies within error_bound = beta_k |x_k| / sqrt(2) of theta
/// (residual bound for the augmented symmetric matrix [[0, A], [A^T, 0]]; Golub & Van Loan,
/// 4th ed., sec. 10.4); with a random start this is the top singular value with probability
/// one. An exhausted Krylov space (k = min(rows, cols)) is exact: error_bound is rounding only.
/// not_converged (max_iter reached): error_bound is also at least the Kuczynski-Wozniakowski
/// probabilistic bound on sigma_max - theta, which fails for at most a 1e-6 fraction of random
/// starts; it is infinite when a caller's start was used or too few iterations were run.
/// Throws std::invalid_argument for max_iter = 0, rel_tol <= 0 or a start of the wrong length.
NormResult spectral_norm_iterative(const LinearOperator& op, const LanczosOptions& options = {});

/// Picks exact or iterative by estimated flop count; falls back to exact if the iteration
/// does not converge.
NormResult spectral_norm(const arma::mat& a, NormMethod method = NormMethod::automatic,
                         const LanczosOptions& options = {});

/// tr((A A^T)^k) for k = 1..count (1 <= count <= 4), from the Gram matrix G of the smaller
/// side (A^T A or A A^T: the same nonzero spectrum): tr G, ||G||_F^2, sum(G o G^2) and
/// ||G^2||_F^2. The spectral moments of J J^T are these over n. Throws
/// std::invalid_argument for count outside [1, 4].
std::vector<double> gram_trace_powers(const arma::mat& a, std::size_t count);

/// Estimated flops of the two paths for a rows x cols dense matrix (used by `automatic`).
double exact_norm_cost(std::size_t rows, std::size_t cols) noexcept;
double iterative_norm_cost(std::size_t rows, std::size_t cols) noexcept;

}  // namespace jacstab
