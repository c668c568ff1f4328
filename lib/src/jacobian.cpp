#include "jacstab/jacobian.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "jacstab/detail/layer_ops.hpp"
#include "jacstab/format.hpp"

namespace jacstab {
namespace {

void check_k(const Network& net, const ForwardPass& pass, std::size_t k, std::size_t column,
             const char* fn) {
  const std::size_t L = net.depth();
  if (k < 1 || k > L) throw std::invalid_argument(str_cat(fn, "(): k must be in [1, ", L, "], got ", k));
  if (pass.D.size() != L + 1) {
    throw std::invalid_argument(str_cat(fn, "(): forward pass has ", pass.D.size(),
                                        " masks, expected ", L + 1));
  }
  if (column >= pass.D[0].n_cols) {
    throw std::invalid_argument(str_cat(fn, "(): column must be < ", pass.D[0].n_cols, ", got ", column));
  }
}

// The compact chain P = W_L D_{L-1} ... W_k D_{k-1} restricted to the active columns of
// D_{k-1}: an n x |act_{k-1}| matrix, value * 2^log2.
struct Chain {
  arma::mat p;
  int log2 = 0;
  arma::uvec first_active;  // active units of D_{k-1}: the columns of p
};

constexpr double kLn2 = std::numbers::ln2;

void add_scale(NormResult& r, int log2_scale) {
  r.log2_scale += log2_scale;
  if (r.norm > 0.0) r.log_norm = std::log(r.norm) + kLn2 * r.log2_scale;
}

}  // namespace

ScaledMatrix jacobian_dense(const Network& net, const ForwardPass& pass, std::size_t k,
                            std::size_t column) {
  check_k(net, pass, k, column, "jacobian_dense");
  const std::size_t n = net.width(), L = net.depth();
  const arma::uvec first = detail::active_indices(pass.D[k - 1], column);
  arma::mat p = detail::gather_columns(net.W[k - 1], first);
  int log2 = detail::renormalise(p);
  for (std::size_t l = k + 1; l <= L; ++l) {
    const arma::uvec act = detail::active_indices(pass.D[l - 1], column);
    log2 += detail::chain_step(detail::gather_columns(net.W[l - 1], act), act, p);
  }
  ScaledMatrix out;
  out.value.zeros(n, n);
  for (arma::uword j = 0; j < first.n_elem; ++j) out.value.col(first[j]) = p.col(j);
  out.log2_scale = log2;
  return out;
}

arma::mat jacobian_reference(const Network& net, const ForwardPass& pass, std::size_t k,
                             std::size_t column) {
  check_k(net, pass, k, column, "jacobian_reference");
  const std::size_t n = net.width(), L = net.depth();
  arma::mat j = arma::eye(n, n);
  for (std::size_t l = k; l <= L; ++l) {
    arma::mat d = arma::diagmat(arma::conv_to<arma::vec>::from(pass.D[l - 1].col(column)));
    j = net.W[l - 1] * d * j;
  }
  return j;
}

JacobianOperator::JacobianOperator(const Network& net, const ForwardPass& pass, std::size_t k,
                                   std::size_t column)
    : n_(net.width()) {
  check_k(net, pass, k, column, "JacobianOperator");
  const std::size_t L = net.depth();
  // Probe: the all-ones direction, renormalised to [1, 2) after each factor; the exponent
  // taken out at layer l is folded into that factor, which keeps every application near unit
  // scale. A dead probe (all zero) leaves the remaining exponents at 0.
  arma::vec probe(n_, arma::fill::ones);
  probe /= std::sqrt(static_cast<double>(n_));
  for (std::size_t l = k; l <= L; ++l) {
    Factor f;
    f.active = detail::active_indices(pass.D[l - 1], column);
    f.w_active = detail::gather_columns(net.W[l - 1], f.active);
    arma::vec next(n_, arma::fill::zeros);
    if (f.active.n_elem > 0) next = f.w_active * probe.elem(f.active);
    const double nn = arma::norm(next);
    int e = 0;
    if (nn > 0.0 && std::isfinite(nn)) e = std::ilogb(nn);
    if (e != 0) {
      const double s = std::ldexp(1.0, -e);
      f.w_active *= s;
      next *= s;
    }
    total_log2_ += e;
    probe = std::move(next);
    factors_.push_back(std::move(f));
  }
}

void JacobianOperator::perform_op(const arma::vec& x, arma::vec& y) const {
  arma::vec v = x;
  for (const Factor& f : factors_) {
    if (f.active.n_elem == 0) {
      v.zeros(n_);
      continue;
    }
    v = f.w_active * v.elem(f.active);
  }
  y = std::move(v);
}

void JacobianOperator::perform_op_transpose(const arma::vec& y, arma::vec& x) const {
  arma::vec v = y;
  for (auto it = factors_.rbegin(); it != factors_.rend(); ++it) {
    arma::vec next(n_, arma::fill::zeros);
    if (it->active.n_elem > 0) next.elem(it->active) = it->w_active.t() * v;
    v = std::move(next);
  }
  x = std::move(v);
}

void JacobianOperator::perform_op_block(const arma::mat& X, arma::mat& Y) const {
  arma::mat v = X;
  for (const Factor& f : factors_) {
    if (f.active.n_elem == 0) {
      v.zeros(n_, X.n_cols);
      continue;
    }
    v = f.w_active * v.rows(f.active);
  }
  Y = std::move(v);
}

void JacobianOperator::perform_op_transpose_block(const arma::mat& Yin, arma::mat& X) const {
  arma::mat v = Yin;
  for (auto it = factors_.rbegin(); it != factors_.rend(); ++it) {
    arma::mat next(n_, Yin.n_cols, arma::fill::zeros);
    if (it->active.n_elem > 0) next.rows(it->active) = it->w_active.t() * v;
    v = std::move(next);
  }
  X = std::move(v);
}

namespace {

// Flop and byte model behind NormMethod::automatic for J_k (see jacobian_norm()).
// `active` holds |a_{l-1}| for l = k..L. Dense: the compact chain, whose step l multiplies
// the rows the next layer reads (|a_l|, or all n at l = L) by |a_{l-1}| columns and m = |a_{k-1}|
// right-hand columns, at GEMM speed; then the best norm of the n x m result. Operator: ~40
// Lanczos steps, each streaming every active W_l twice (memory-bound: 8 bytes per entry at
// ~8x fewer bytes/s than GEMM flops/s).
double dense_chain_cost(std::size_t n, const std::vector<std::size_t>& active) {
  double flops = 0.0;
  const double m = static_cast<double>(active.front());
  for (std::size_t i = 1; i < active.size(); ++i) {
    const double rows = i + 1 < active.size() ? static_cast<double>(active[i + 1]) : static_cast<double>(n);
    flops += 2.0 * rows * static_cast<double>(active[i]) * m;
  }
  const double norm = std::min(exact_norm_cost(n, active.front()), iterative_norm_cost(n, active.front()));
  return flops + norm;
}

double operator_cost(std::size_t n, const std::vector<std::size_t>& active) {
  double bytes = 0.0;
  for (std::size_t a : active) bytes += 8.0 * static_cast<double>(n) * static_cast<double>(a);
  return 40.0 * 2.0 * bytes * 8.0;
}

}  // namespace

bool jacobian_norm_prefers_operator(const Network& net, const ForwardPass& pass, std::size_t k,
                                    std::size_t column) {
  check_k(net, pass, k, column, "jacobian_norm_prefers_operator");
  std::vector<std::size_t> active;
  for (std::size_t l = k; l <= net.depth(); ++l) {
    std::size_t on = 0;
    for (std::size_t i = 0; i < net.width(); ++i) on += pass.D[l - 1](i, column) != 0;
    active.push_back(on);
  }
  return operator_cost(net.width(), active) < dense_chain_cost(net.width(), active);
}

NormResult jacobian_norm(const Network& net, const ForwardPass& pass, std::size_t k,
                         std::size_t column, NormMethod method) {
  check_k(net, pass, k, column, "jacobian_norm");
  bool use_operator = method == NormMethod::iterative;
  if (method == NormMethod::automatic) use_operator = jacobian_norm_prefers_operator(net, pass, k, column);
  if (use_operator) {
    JacobianOperator op(net, pass, k, column);
    NormResult r = spectral_norm_iterative(op);
    if (r.status == SolverStatus::converged || method == NormMethod::iterative) {
      add_scale(r, op.log2_scale());
      return r;
    }
  }
  return jacobian_norm_chain(net, pass, k, column,
                             method == NormMethod::iterative ? NormMethod::automatic : method);
}

NormResult jacobian_norm_chain(const Network& net, const ForwardPass& pass, std::size_t k,
                               std::size_t column, NormMethod product_method) {
  check_k(net, pass, k, column, "jacobian_norm_chain");
  // Compact chain: J_k restricted to the active columns of D_{k-1} (the same singular
  // values), keeping at each layer only the rows the next layer reads.
  int log2 = 0;
  arma::mat p;
  for (std::size_t l = k; l <= net.depth(); ++l) {
    const arma::uvec act = detail::active_indices(pass.D[l - 1], column);
    const arma::mat w_active = detail::gather_columns(net.W[l - 1], act);
    if (l < net.depth()) {
      const arma::uvec rows = detail::active_indices(pass.D[l], column);
      log2 += detail::compact_chain_step(w_active, &rows, p, l == k);
    } else {
      log2 += detail::compact_chain_step(w_active, nullptr, p, l == k);
    }
  }
  NormResult r = spectral_norm(p, product_method);
  add_scale(r, log2);
  return r;
}

std::vector<NormResult> prefix_norms(const Network& net, const ForwardPass& pass,
                                     std::size_t column, NormMethod method) {
  check_k(net, pass, 1, column, "prefix_norms");
  std::vector<NormResult> out;
  out.reserve(net.depth());
  const arma::uvec first = detail::active_indices(pass.D[0], column);
  arma::mat p = detail::gather_columns(net.W[0], first);
  int log2 = detail::renormalise(p);
  LanczosOptions opts;
  arma::vec warm;
  for (std::size_t l = 1; l <= net.depth(); ++l) {
    if (l > 1) {
      const arma::uvec act = detail::active_indices(pass.D[l - 1], column);
      log2 += detail::chain_step(detail::gather_columns(net.W[l - 1], act), act, p);
    }
    opts.start = warm.n_elem ? &warm : nullptr;
    NormResult r = spectral_norm(p, method, opts);
    add_scale(r, log2);
    if (r.right_vector.n_elem == p.n_cols) warm = r.right_vector;
    out.push_back(std::move(r));
  }
  return out;
}

SampleRecord sample_jacobian_norm(const MlpConfig& config, Engine& engine,
                                  const SampleOptions& options) {
  config.validate();
  const std::size_t n = config.width, L = config.depth, d = config.input_dim;
  const double sigma2 = config.hidden.params().sigma2;
  const bool surrogate = config.hidden.replaces_masks();
  std::vector<Mask> masks;
  if (surrogate) {
    Engine mask_engine = engine.derive(stream_id_of("surrogate-masks"));
    masks.resize(L + 1);
    detail::draw_surrogate_masks(mask_engine, config.hidden.params().alpha, n, 1, masks);
  }

  SampleRecord rec;
  rec.kept.reserve(L);
  rec.active_fraction.reserve(L + 1);
  const arma::mat x = sample_input(config, engine);
  arma::mat w(n, d);
  engine.fill_normal(w.memptr(), w.n_elem, std::sqrt(sigma2 / static_cast<double>(d)));
  arma::mat y = w * x;  // Y_0, n x 1
  detail::renormalise(y);

  auto mask_of = [&](std::size_t layer, const arma::mat& yk) {
    if (surrogate) return detail::active_indices(masks[layer], 0);
    Mask m(n, 1);
    for (std::size_t i = 0; i < n; ++i) m[i] = yk[i] > 0.0;
    return detail::active_indices(m, 0);
  };
  arma::uvec act = mask_of(0, y);
  rec.active_fraction.push_back(static_cast<double>(act.n_elem) / static_cast<double>(n));

  arma::mat p;
  int log2 = 0;
  LanczosOptions opts = options.lanczos;
  arma::vec warm;
  w.set_size(n, n);
  arma::mat y_next(n, 1);
  const bool draw_active_only = !config.hidden.is_pruned() && config.hidden.column_separable();
  // Without prefix norms the chain is compact: each product keeps only the rows that the
  // next layer reads (its active units), exactly as jacobian_norm() computes it. With prefix
  // norms every product keeps all n rows (each prefix's norm needs them) and the next step
  // reads the active ones, as prefix_norms() does.
  const std::vector<std::size_t>& depths = options.norm_depths;
  if (!options.prefix_norms) {
    for (std::size_t i = 0; i < depths.size(); ++i) {
      if (depths[i] < 1 || depths[i] > L || (i > 0 && depths[i] <= depths[i - 1])) {
        throw std::invalid_argument(str_cat("sample_jacobian_norm(): norm_depths must be strictly increasing "
                                            "depths in 1..", L, ", got ", depths[i], " at index ", i));
      }
    }
    rec.at_depths.reserve(depths.size());
  }
  std::size_t next_depth = 0;  // index into depths
  for (std::size_t l = 1; l <= L; ++l) {
    // Only the columns of active units enter the forward pass and J_1. Unpruned ensembles
    // draw just those (the same values the full matrix would have); pruned ones draw all,
    // so that the kept count is exact.
    if (draw_active_only) {
      config.hidden.sample_columns_into(w, engine, act);
      rec.kept.push_back(n * n);
    } else {
      rec.kept.push_back(config.hidden.sample_into(w, engine));
    }
    const arma::mat w_active = detail::gather_columns(w, act);
    detail::layer_forward(w_active, act, y.memptr(), y_next.memptr());
    std::swap(y, y_next);
    detail::renormalise(y);
    const arma::uvec next_act = mask_of(l, y);
    if (options.prefix_norms) {
      if (l == 1) {
        p = w_active;
        log2 = detail::renormalise(p);
      } else {
        log2 += detail::chain_step(w_active, act, p);
      }
    }
    // A listed depth below L needs all n rows of this product for its norm; the chain then
    // continues from the rows of the active units, as the compact step would have kept.
    const bool listed = !options.prefix_norms && next_depth < depths.size() && depths[next_depth] == l;
    if (!options.prefix_norms) {
      const bool all_rows = l == L || listed;
      log2 += detail::compact_chain_step(w_active, all_rows ? nullptr : &next_act, p, l == 1);
    }
    if (options.prefix_norms || listed || l == L) {
      opts.start = warm.n_elem ? &warm : nullptr;
      NormResult r = spectral_norm(p, options.method, opts);
      add_scale(r, log2);
      if (r.right_vector.n_elem == p.n_cols) warm = r.right_vector;
      if (options.on_depth) options.on_depth(l, p, log2);
      if (options.prefix_norms) rec.prefix.push_back(r);
      if (listed) {
        rec.at_depths.push_back(r);
        ++next_depth;
      }
      if (l == L) rec.norm = std::move(r);
    }
    if (listed && l < L) p = arma::mat(p.rows(next_act));
    act = next_act;
    rec.active_fraction.push_back(static_cast<double>(act.n_elem) / static_cast<double>(n));
  }
  // W_out does not enter J_1, but sample_network() draws it last; drawing it here too leaves
  // the engine in the same state as sample_network(), so that both paths stay in step when
  // a caller draws several networks from one engine.
  arma::mat w_out(config.output_dim, n);
  engine.fill_normal(w_out.memptr(), w_out.n_elem, std::sqrt(sigma2 / static_cast<double>(n)));
  return rec;
}

}  // namespace jacstab
