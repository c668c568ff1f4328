#pragma once
// The input-output Jacobian of eq. (2): J_k = W_L D_{L-1} W_{L-1} ... W_k D_{k-1}, an n x n
// matrix (the derivative of Y_L with respect to Y_{k-1}).
//
// Three forms, all checked against each other in tests/test_jacobian.cpp:
//  * jacobian_dense(): the product, computed with only the active columns of each W_l;
//  * JacobianOperator: applies J_k and J_k^T to vectors and blocks without forming J_k;
//  * sample_jacobian_norm(): the fast path for Monte Carlo, which samples the network one
//    layer at a time and accumulates J_1 restricted to the active inputs of D_0, giving the
//    norm of every prefix depth from one chain.
// Magnitudes are carried with power-of-two scales (exact), so depth 1000 at sigma2 = 4 or
// 0.5 neither overflows nor underflows.
#include <cstddef>
#include <functional>
#include <vector>

#include <armadillo>

#include "jacstab/mlp.hpp"
#include "jacstab/spectral.hpp"

namespace jacstab {

/// value * 2^log2_scale.
struct ScaledMatrix {
  arma::mat value;
  int log2_scale = 0;
};

/// Dense J_k (1 <= k <= L) for batch column `column` of the forward pass.
ScaledMatrix jacobian_dense(const Network& net, const ForwardPass& pass, std::size_t k = 1,
                            std::size_t column = 0);

/// The plain product W_L D_{L-1} ... W_k D_{k-1} with full n x n matrices, no masking
/// shortcuts and no scaling: the reference the fast paths are checked against.
arma::mat jacobian_reference(const Network& net, const ForwardPass& pass, std::size_t k = 1,
                             std::size_t column = 0);

/// Matrix-free J_k. Each factor W_l D_{l-1} is applied with its own fixed power-of-two
/// scale 2^-e_l (calibrated once on a probe vector), so the operator represents
/// J_k * 2^-log2_scale() exactly; perform_op never overflows at large depth.
class JacobianOperator final : public LinearOperator {
 public:
  JacobianOperator(const Network& net, const ForwardPass& pass, std::size_t k = 1,
                   std::size_t column = 0);
  std::size_t rows() const override { return n_; }
  std::size_t cols() const override { return n_; }
  void perform_op(const arma::vec& x, arma::vec& y) const override;
  void perform_op_transpose(const arma::vec& y, arma::vec& x) const override;
  void perform_op_block(const arma::mat& X, arma::mat& Y) const override;
  void perform_op_transpose_block(const arma::mat& Y, arma::mat& X) const override;
  /// The operator applies J_k * 2^-log2_scale().
  int log2_scale() const noexcept { return total_log2_; }

 private:
  struct Factor {
    arma::mat w_active;      // W_l restricted to the active columns of D_{l-1}, times 2^-e_l
    arma::uvec active;       // indices of the active units of D_{l-1}
  };
  std::size_t n_;
  std::vector<Factor> factors_;  // in application order: l = k, ..., L
  int total_log2_ = 0;
};

/// ||J_k|| of a sampled network with the given method; the result's log_norm is the true
/// log-norm and `norm` is scaled by 2^log2_scale. exact: the compact dense chain and LAPACK's
/// SVD of the product; iterative: the matrix-free operator and Lanczos; automatic: whichever
/// of the operator and the dense chain (with the cheaper norm of the product) the cost model
/// of jacobian_norm_prefers_operator() estimates faster.
NormResult jacobian_norm(const Network& net, const ForwardPass& pass, std::size_t k = 1,
                         std::size_t column = 0, NormMethod method = NormMethod::automatic);

/// ||J_k|| by the compact dense chain alone (the dense path of jacobian_norm()): J_k
/// restricted to the active columns of D_{k-1}, then spectral_norm(product, product_method).
NormResult jacobian_norm_chain(const Network& net, const ForwardPass& pass, std::size_t k = 1,
                               std::size_t column = 0,
                               NormMethod product_method = NormMethod::automatic);

/// The choice NormMethod::automatic makes in jacobian_norm(): true when the matrix-free
/// operator (Lanczos, O(L n^2) per step, memory-bound) is estimated cheaper than the compact
/// dense chain (O(L n^3 / 4) at GEMM speed) followed by the best norm of the n x |a_{k-1}|
/// product.
bool jacobian_norm_prefers_operator(const Network& net, const ForwardPass& pass, std::size_t k = 1,
                                    std::size_t column = 0);

/// Norms of J_1 for every prefix depth 1..L of the network (the depth-l network is the
/// first l layers of this one), from one chain of products.
std::vector<NormResult> prefix_norms(const Network& net, const ForwardPass& pass,
                                     std::size_t column = 0,
                                     NormMethod method = NormMethod::automatic);

struct SampleOptions {
  NormMethod method = NormMethod::automatic;
  bool prefix_norms = false;   ///< also the norm of every prefix depth 1..L
  /// Also the norm at these prefix depths only (each in 1..L, strictly increasing; L may be
  /// included). Cheaper than prefix_norms for a few depths: the chain stays compact between
  /// them, and only at a listed depth does the product keep all n rows. Ignored when
  /// prefix_norms is set.
  std::vector<std::size_t> norm_depths;
  /// Called at each depth whose norm is computed (every depth with prefix_norms, the listed
  /// ones with norm_depths, and L), with the depth l, the product P (n x |a_0|: J_l
  /// restricted to the active inputs of D_0, so P P^T has the nonzero spectrum of J_l J_l^T)
  /// and its scale: J_l = P * 2^log2_scale.
  std::function<void(std::size_t depth, const arma::mat& p, int log2_scale)> on_depth;
  LanczosOptions lanczos{};
};

struct SampleRecord {
  NormResult norm;                     ///< ||J_1|| at full depth (log_norm is exact)
  std::vector<double> active_fraction; ///< D_0..D_L
  std::vector<std::size_t> kept;       ///< kept entries of W_1..W_L
  std::vector<NormResult> prefix;      ///< depths 1..L when requested
  std::vector<NormResult> at_depths;   ///< at options.norm_depths, in that order
};

/// One Monte-Carlo sample of ||J_1||: draws exactly what sample_network() draws (in the same
/// order, so the result equals jacobian_norm(sample_network(...))) but streams the layers,
/// holding O(n^2) memory whatever the depth.
SampleRecord sample_jacobian_norm(const MlpConfig& config, Engine& engine,
                                  const SampleOptions& options = {});

}  // namespace jacstab
