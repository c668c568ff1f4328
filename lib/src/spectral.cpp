#include "jacstab/spectral.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "jacstab/format.hpp"
#include "jacstab/rng.hpp"

namespace jacstab {

void LinearOperator::perform_op_block(const arma::mat& X, arma::mat& Y) const {
  Y.set_size(rows(), X.n_cols);
  arma::vec x, y;
  for (arma::uword j = 0; j < X.n_cols; ++j) {
    x = X.col(j);
    perform_op(x, y);
    Y.col(j) = y;
  }
}

void LinearOperator::perform_op_transpose_block(const arma::mat& Y, arma::mat& X) const {
  X.set_size(cols(), Y.n_cols);
  arma::vec x, y;
  for (arma::uword j = 0; j < Y.n_cols; ++j) {
    y = Y.col(j);
    perform_op_transpose(y, x);
    X.col(j) = x;
  }
}

std::string_view to_string(NormMethod method) noexcept {
  switch (method) {
    case NormMethod::exact: return "exact";
    case NormMethod::iterative: return "iterative";
    case NormMethod::automatic: return "auto";
  }
  return "?";
}

std::string_view to_string(SolverStatus status) noexcept {
  switch (status) {
    case SolverStatus::converged: return "converged";
    case SolverStatus::not_converged: return "not_converged";
    case SolverStatus::numerical_issue: return "numerical_issue";
  }
  return "?";
}

NormMethod parse_norm_method(std::string_view text, std::string_view parameter) {
  if (text == "exact") return NormMethod::exact;
  if (text == "iterative") return NormMethod::iterative;
  if (text == "auto") return NormMethod::automatic;
  throw std::invalid_argument(
      str_cat("unknown ", parameter, " '", text, "' (expected exact, iterative or auto)"));
}

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

NormResult zero_result(NormMethod method) {
  NormResult r;
  r.norm = 0.0;
  r.log_norm = -std::numeric_limits<double>::infinity();
  r.error_bound = 0.0;
  r.status = SolverStatus::converged;
  r.method = method;
  return r;
}

void finish_log(NormResult& r) {
  r.log_norm = r.norm > 0.0 ? std::log(r.norm) : -std::numeric_limits<double>::infinity();
}

}  // namespace

NormResult spectral_norm_exact(const arma::mat& a) {
  if (a.n_elem == 0) return zero_result(NormMethod::exact);
  if (!a.is_finite()) {
    NormResult r = zero_result(NormMethod::exact);
    r.status = SolverStatus::numerical_issue;
    r.log_norm = 0.0;
    return r;
  }
  arma::vec s;
  if (!arma::svd(s, a)) {
    NormResult r = zero_result(NormMethod::exact);
    r.status = SolverStatus::numerical_issue;
    r.log_norm = 0.0;
    return r;
  }
  NormResult r;
  r.method = NormMethod::exact;
  r.norm = s.n_elem ? s(0) : 0.0;
  r.error_bound = 4.0 * kEps * static_cast<double>(std::max(a.n_rows, a.n_cols)) * r.norm;
  r.status = SolverStatus::converged;
  finish_log(r);
  return r;
}

// Golub-Kahan-Lanczos bidiagonalisation (Golub & Van Loan, 4th ed., Alg. 10.4.1) with
// classical Gram-Schmidt applied twice for full reorthogonalisation.
//   A V_k = U_k B_k,   A^T U_k = V_k B_k^T + beta_k v_{k+1} e_k^T,
// with B_k upper bidiagonal (alpha on the diagonal, beta above it). If B_k = X S Y^T, the
// Ritz triplet (theta, U_k x_1, V_k y_1) has residual ||A^T u - theta v|| = beta_k |x_1(k)|.
NormResult spectral_norm_iterative(const LinearOperator& op, const LanczosOptions& options) {
  const std::size_t m = op.rows(), n = op.cols();
  if (m == 0 || n == 0) return zero_result(NormMethod::iterative);
  if (options.max_iter == 0) {
    throw std::invalid_argument("spectral_norm_iterative(): max_iter must be > 0, got 0");
  }
  if (!(options.rel_tol > 0.0) || !std::isfinite(options.rel_tol)) {
    throw std::invalid_argument(str_cat("spectral_norm_iterative(): rel_tol must be > 0, got ",
                                        format_number(options.rel_tol)));
  }
  const std::size_t kmax = std::min({options.max_iter, m, n});
  Engine eng(options.seed, stream_id_of("spectral_norm_iterative/start"), 0);

  if (options.start && options.start->n_elem != n) {
    throw std::invalid_argument(str_cat("spectral_norm_iterative(): start must have length cols() = ",
                                        n, ", got ", options.start->n_elem));
  }

  arma::vec v(n);
  bool have_start = false;
  if (options.start) {
    const double sn = arma::norm(*options.start);
    if (sn > 0.0 && std::isfinite(sn)) {
      v = *options.start / sn;
      have_start = true;
    }
  }
  if (!have_start) {
    eng.fill_normal(v.memptr(), n);
    v /= arma::norm(v);
  }

  arma::mat U(m, kmax), V(n, kmax);
  std::vector<double> alpha, beta;
  alpha.reserve(kmax);
  beta.reserve(kmax);

  arma::vec u;
  op.perform_op(v, u);
  double a0 = arma::norm(u);
  if (a0 == 0.0 && have_start) {  // the warm start may lie in the null space: retry at random
    eng.fill_normal(v.memptr(), n);
    v /= arma::norm(v);
    op.perform_op(v, u);
    a0 = arma::norm(u);
    have_start = false;
  }
  NormResult res;
  res.method = NormMethod::iterative;
  if (!std::isfinite(a0)) {
    res = zero_result(NormMethod::iterative);
    res.status = SolverStatus::numerical_issue;
    res.log_norm = 0.0;
    return res;
  }
  if (a0 == 0.0) {  // A v = 0 for a random v: A = 0 with probability one
    res = zero_result(NormMethod::iterative);
    res.iterations = 1;
    return res;
  }
  V.col(0) = v;
  alpha.push_back(a0);
  U.col(0) = u / a0;

  arma::vec r, p;
  arma::mat B, X, Y;
  arma::vec s;
  double theta = a0, bound = std::numeric_limits<double>::infinity();
  arma::vec right;
  SolverStatus status = SolverStatus::not_converged;
  // Appends v_{j+1} = r / beta_j and computes p = A v_{j+1} - beta_j u_j, reorthogonalised
  // against U_{0..j}; returns ||p|| (the next alpha).
  auto extend = [&](std::size_t jj, double bj) {
    beta.push_back(bj);
    V.col(jj + 1) = r / bj;
    op.perform_op(V.col(jj + 1), p);
    p -= bj * U.col(jj);
    for (int pass = 0; pass < 2; ++pass) {
      const auto Uj = U.cols(0, jj);
      p -= Uj * (Uj.t() * p);
    }
    return arma::norm(p);
  };
  std::size_t j = 0;
  for (;; ++j) {
    // r = A^T u_j - alpha_j v_j, reorthogonalised against V_{0..j}.
    op.perform_op_transpose(U.col(j), r);
    r -= alpha[j] * V.col(j);
    for (int pass = 0; pass < 2; ++pass) {
      const auto Vj = V.cols(0, j);
      r -= Vj * (Vj.t() * r);
    }
    const double bj = arma::norm(r);
    const std::size_t k = j + 1;
    // The small SVD costs O(k^3): check every step while k <= 32, then every ~k/8 steps
    // (overshooting convergence by at most that), and always on exhaustion or breakdown.
    const bool check = k <= 32 || k % std::max<std::size_t>(1, k / 8) == 0 || k == kmax ||
                       bj == 0.0 || !std::isfinite(bj);
    if (!check) {
      const double aj_skip = extend(j, bj);
      if (aj_skip > kEps * theta && std::isfinite(aj_skip)) {
        alpha.push_back(aj_skip);
        U.col(j + 1) = p / aj_skip;
        continue;
      }
      // Breakdown or non-finite: undo this step and check now.
      beta.pop_back();
    }
    // Small problem B_{j+1}.
    B.zeros(k, k);
    for (std::size_t i = 0; i < k; ++i) {
      B(i, i) = alpha[i];
      if (i + 1 < k) B(i, i + 1) = beta[i];
    }
    if (!arma::svd(X, s, Y, B) || !std::isfinite(bj)) {
      status = SolverStatus::numerical_issue;
      break;
    }
    theta = s(0);
    bound = bj * std::abs(X(k - 1, 0)) / std::numbers::sqrt2;
    right = V.cols(0, j) * Y.col(0);
    if (bound <= options.rel_tol * theta || bj == 0.0) {
      status = SolverStatus::converged;
      break;
    }
    if (k == kmax) {
      // Krylov space exhausted (k = min(m, n)) counts as converged; max_iter reached does not.
      if (k == m && k < n) {
        // U_k spans R^m, so A v_{k+1} = beta_k u_k: A V_{k+1} = U_k [B_k, beta_k e_k] and
        // A^T U_k = V_{k+1} [B_k, beta_k e_k]^T exactly. The singular values of that
        // k x (k+1) matrix are those of A; B_k alone would miss the last direction.
        arma::mat Bh(k, k + 1, arma::fill::zeros);
        Bh.cols(0, k - 1) = B;
        Bh(k - 1, k) = bj;
        arma::vec sh;
        arma::mat Xh, Yh;
        if (!arma::svd(Xh, sh, Yh, Bh)) {
          status = SolverStatus::numerical_issue;
          break;
        }
        theta = sh(0);
        right = V.cols(0, j) * Yh(arma::span(0, j), 0);
        if (bj > 0.0) right += (r / bj) * Yh(k, 0);
        bound = 0.0;
        status = SolverStatus::converged;
      } else if (k == n) {
        // V_k spans R^n: the singular values of B_k are those of A.
        bound = 0.0;
        status = SolverStatus::converged;
      } else {
        status = SolverStatus::not_converged;
      }
      break;
    }
    const double aj = extend(j, bj);
    if (!std::isfinite(aj)) {
      status = SolverStatus::numerical_issue;
      break;
    }
    if (aj <= kEps * theta) {
      // Invariant pair of subspaces: A V_{k+1} = U_k [B_k, beta_k e_k] exactly, so the
      // singular values of that k x (k+1) matrix are singular values of A.
      arma::mat Bh(k, k + 1, arma::fill::zeros);
      Bh.cols(0, k - 1) = B;
      Bh(k - 1, k) = bj;
      arma::vec sh;
      arma::mat Xh, Yh;
      if (arma::svd(Xh, sh, Yh, Bh)) {
        theta = sh(0);
        bound = aj;
        right = V.cols(0, j + 1) * Yh.col(0);
        status = SolverStatus::converged;
      } else {
        status = SolverStatus::numerical_issue;
      }
      ++j;
      break;
    }
    alpha.push_back(aj);
    U.col(j + 1) = p / aj;
  }
  if (status == SolverStatus::not_converged) {
    // The residual bound only says that *some* singular value lies near theta; before
    // convergence sigma_max may be much further away. theta^2 is the Lanczos Ritz value of
    // A^T A on the Krylov space K_k(A^T A, v_1), so for a start uniform on the unit sphere
    // P((sigma_max^2 - theta^2) / sigma_max^2 >= eps) <= 1.648 sqrt(n) e^{-sqrt(eps) (2k - 1)}
    // (Kuczynski & Wozniakowski, SIAM J. Matrix Anal. Appl. 13(4), 1992, Thm 4.2). Solving for
    // eps at failure probability kBoundFailure gives sigma_max <= theta / sqrt(1 - eps). No
    // such bound exists for a caller's start vector, or when eps >= 1: the bound is infinite.
    constexpr double kBoundFailure = 1e-6;
    double prob_bound = std::numeric_limits<double>::infinity();
    if (!have_start) {
      const double k = static_cast<double>(j + 1);
      const double root_eps =
          std::log(1.648 * std::sqrt(static_cast<double>(n)) / kBoundFailure) / (2.0 * k - 1.0);
      if (root_eps < 1.0) prob_bound = theta * (1.0 / std::sqrt(1.0 - root_eps * root_eps) - 1.0);
    }
    bound = std::max(bound, prob_bound);
  }
  res.norm = theta;
  res.error_bound = bound + 4.0 * kEps * static_cast<double>(std::max(m, n)) * theta;
  res.iterations = j + 1;
  res.status = status;
  res.right_vector = std::move(right);
  finish_log(res);
  return res;
}

double exact_norm_cost(std::size_t rows, std::size_t cols) noexcept {
  const double m = static_cast<double>(std::max(rows, cols));
  const double n = static_cast<double>(std::min(rows, cols));
  // Householder bidiagonalisation, 4 m n^2 - 4 n^3 / 3 flops, at about half GEMM speed.
  return 2.0 * (4.0 * m * n * n - 4.0 * n * n * n / 3.0);
}

double iterative_norm_cost(std::size_t rows, std::size_t cols) noexcept {
  const double m = static_cast<double>(rows), n = static_cast<double>(cols);
  const double k = std::min(40.0, std::min(m, n));  // typical Krylov dimension at 1e-10
  // Two matrix-vector products (memory-bound: counted double) and the reorthogonalisation.
  return k * (2.0 * 2.0 * 2.0 * m * n + 8.0 * (m + n) * k);
}

std::vector<double> gram_trace_powers(const arma::mat& a, std::size_t count) {
  if (count < 1 || count > 4) {
    throw std::invalid_argument(str_cat("gram_trace_powers(): count must be in [1, 4], got ", count));
  }
  std::vector<double> out;
  out.reserve(count);
  if (a.n_elem == 0) return std::vector<double>(count, 0.0);
  out.push_back(arma::accu(arma::square(a)));  // tr(A A^T) = ||A||_F^2, no Gram needed
  if (count == 1) return out;
  const arma::mat g = a.n_cols <= a.n_rows ? arma::mat(a.t() * a) : arma::mat(a * a.t());
  out.push_back(arma::accu(arma::square(g)));
  if (count == 2) return out;
  const arma::mat g2 = g * g;
  out.push_back(arma::accu(g % g2));
  if (count == 4) out.push_back(arma::accu(arma::square(g2)));
  return out;
}

NormResult spectral_norm(const arma::mat& a, NormMethod method, const LanczosOptions& options) {
  if (a.n_elem == 0) return zero_result(method == NormMethod::iterative ? NormMethod::iterative
                                                                          : NormMethod::exact);
  if (method == NormMethod::automatic) {
    method = iterative_norm_cost(a.n_rows, a.n_cols) < exact_norm_cost(a.n_rows, a.n_cols)
                 ? NormMethod::iterative
                 : NormMethod::exact;
    if (method == NormMethod::iterative) {
      NormResult r = spectral_norm_iterative(DenseOperator(a), options);
      if (r.status == SolverStatus::converged) return r;
      return spectral_norm_exact(a);
    }
  }
  if (method == NormMethod::iterative) return spectral_norm_iterative(DenseOperator(a), options);
  return spectral_norm_exact(a);
}

}  // namespace jacstab
