#pragma once
// Internal building blocks shared by the forward pass, the Jacobian and the fast sampler, so
// that all of them perform the same floating-point operations in the same order.
#include <cstddef>
#include <vector>

#include <armadillo>

#include "jacstab/mlp.hpp"
#include "jacstab/rng.hpp"

namespace jacstab::detail {

/// If max|m| lies outside [2^-100, 2^100], multiplies m by the power of two 2^-e that brings
/// it to [1, 2) and returns e; otherwise returns 0 and leaves m alone. Exact.
int renormalise(arma::mat& m);

/// W[:, active] as a contiguous matrix.
arma::mat gather_columns(const arma::mat& w, const arma::uvec& active);

/// out = W_active * prev[active] (length W_active.n_rows), where W_active is
/// gather_columns(W, active); zero when nothing is active.
void layer_forward(const arma::mat& w_active, const arma::uvec& active, const double* prev,
                   double* out);

/// One step of the Jacobian chain: P <- W_active * P[active, :], then renormalise(P).
/// Returns the power of two taken out.
int chain_step(const arma::mat& w_active, const arma::uvec& active, arma::mat& p);

/// One step of the compact Jacobian chain. P holds the rows of the previous product that
/// feed this layer (the active units of D_{l-1}, in order, matching w_active's columns);
/// the new P = w_active[rows, :] * P keeps only `rows` (the active units of D_l, which are
/// all the next layer reads), or every row when `rows` is null (the last layer, or when
/// the norm of this prefix is wanted). Returns the power of two taken out by renormalise().
int compact_chain_step(const arma::mat& w_active, const arma::uvec* rows, arma::mat& p,
                       bool first);

/// Fills each mask (n x batch) with Bernoulli(alpha) draws: layer, then column, then unit.
void draw_surrogate_masks(Engine& engine, double alpha, std::size_t n, std::size_t batch,
                          std::vector<Mask>& masks);

/// Indices of the active units of column `column` of a mask.
arma::uvec active_indices(const Mask& d, std::size_t column);

}  // namespace jacstab::detail
