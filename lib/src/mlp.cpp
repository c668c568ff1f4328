#include "jacstab/mlp.hpp"

#include <cmath>
#include <stdexcept>

#include "jacstab/detail/layer_ops.hpp"
#include "jacstab/format.hpp"
#include "jacstab/io.hpp"

namespace jacstab {

std::string_view to_string(InputKind kind) noexcept {
  switch (kind) {
    case InputKind::gaussian: return "gaussian";
    case InputKind::fashion_mnist: return "fashion-mnist";
  }
  return "?";
}

InputKind parse_input_kind(std::string_view text, std::string_view parameter) {
  if (text == "gaussian") return InputKind::gaussian;
  if (text == "fashion-mnist") return InputKind::fashion_mnist;
  throw std::invalid_argument(
      str_cat("unknown ", parameter, " '", text, "' (expected gaussian or fashion-mnist)"));
}

void MlpConfig::validate() const {
  auto need = [](std::string_view name, std::size_t value) {
    if (value < 1) throw std::invalid_argument(str_cat("MlpConfig: ", name, " must be >= 1, got ", value));
  };
  need("width", width);
  need("depth", depth);
  need("input_dim", input_dim);
  need("output_dim", output_dim);
  if (input == InputKind::fashion_mnist && input_dim != 784) {
    throw std::invalid_argument(
        str_cat("MlpConfig: input_dim must be 784 for fashion-mnist inputs, got ", input_dim));
  }
}

namespace detail {

int renormalise(arma::mat& m) {
  const double big = m.n_elem ? arma::abs(m).max() : 0.0;
  if (!(big > 0.0) || !std::isfinite(big)) return 0;
  if (big > 0x1.0p100 || big < 0x1.0p-100) {
    const int e = std::ilogb(big);
    m *= std::ldexp(1.0, -e);
    return e;
  }
  return 0;
}

arma::mat gather_columns(const arma::mat& w, const arma::uvec& active) {
  arma::mat out(w.n_rows, active.n_elem);
  for (arma::uword j = 0; j < active.n_elem; ++j) {
    std::copy(w.colptr(active[j]), w.colptr(active[j]) + w.n_rows, out.colptr(j));
  }
  return out;
}

void layer_forward(const arma::mat& w_active, const arma::uvec& active, const double* prev,
                   double* out) {
  const std::size_t n = w_active.n_rows;
  if (active.n_elem == 0) {
    std::fill(out, out + n, 0.0);
    return;
  }
  arma::vec a(active.n_elem);
  for (arma::uword i = 0; i < active.n_elem; ++i) a[i] = prev[active[i]];
  const arma::vec y = w_active * a;
  std::copy(y.begin(), y.end(), out);
}

int chain_step(const arma::mat& w_active, const arma::uvec& active, arma::mat& p) {
  if (active.n_elem == 0) {
    p.zeros(w_active.n_rows, p.n_cols);
    return 0;
  }
  arma::mat pa(active.n_elem, p.n_cols);
  for (arma::uword c = 0; c < p.n_cols; ++c) {
    const double* src = p.colptr(c);
    double* dst = pa.colptr(c);
    for (arma::uword i = 0; i < active.n_elem; ++i) dst[i] = src[active[i]];
  }
  p = w_active * pa;
  return renormalise(p);
}

int compact_chain_step(const arma::mat& w_active, const arma::uvec* rows, arma::mat& p,
                       bool first) {
  arma::mat w_rows;
  const arma::mat* w = &w_active;
  if (rows) {
    w_rows.set_size(rows->n_elem, w_active.n_cols);
    for (arma::uword c = 0; c < w_active.n_cols; ++c) {
      const double* src = w_active.colptr(c);
      double* dst = w_rows.colptr(c);
      for (arma::uword i = 0; i < rows->n_elem; ++i) dst[i] = src[(*rows)[i]];
    }
    w = &w_rows;
  }
  if (first) {
    p = *w;
  } else if (w->n_cols == 0 || p.n_rows == 0) {
    p.zeros(w->n_rows, p.n_cols);
  } else {
    p = (*w) * p;
  }
  return renormalise(p);
}

void draw_surrogate_masks(Engine& engine, double alpha, std::size_t n, std::size_t batch,
                          std::vector<Mask>& masks) {
  for (auto& d : masks) {
    d.set_size(n, batch);
    for (std::size_t j = 0; j < batch; ++j)
      for (std::size_t i = 0; i < n; ++i) d(i, j) = engine.bernoulli(alpha);
  }
}

arma::uvec active_indices(const Mask& d, std::size_t column) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < d.n_rows; ++i) count += d(i, column) != 0;
  arma::uvec idx(count);
  std::size_t p = 0;
  for (std::size_t i = 0; i < d.n_rows; ++i)
    if (d(i, column)) idx[p++] = i;
  return idx;
}

}  // namespace detail

arma::mat sample_input(const MlpConfig& config, Engine& engine,
                       std::optional<std::size_t>* image_index) {
  arma::mat x(config.input_dim, 1);
  if (config.input == InputKind::gaussian) {
    engine.fill_normal(x.memptr(), x.n_elem);
    if (image_index) image_index->reset();
  } else {
    const IdxImages& images = load_fashion_mnist_images(true);
    const std::size_t index = engine.uniform_int(images.count);
    x.col(0) = fashion_mnist_image(images, index);
    if (image_index) *image_index = index;
  }
  return x;
}

Network sample_network(const MlpConfig& config, Engine& engine) {
  config.validate();
  Network net;
  net.config = config;
  const std::size_t n = config.width, d = config.input_dim;
  const double sigma2 = config.hidden.params().sigma2;
  if (config.hidden.replaces_masks()) net.mask_engine = engine.derive(stream_id_of("surrogate-masks"));
  net.input = sample_input(config, engine, &net.image_index);
  net.W_in.set_size(n, d);
  engine.fill_normal(net.W_in.memptr(), net.W_in.n_elem, std::sqrt(sigma2 / static_cast<double>(d)));
  net.W.resize(config.depth);
  net.kept.resize(config.depth);
  for (std::size_t k = 0; k < config.depth; ++k) {
    net.W[k].set_size(n, n);
    net.kept[k] = config.hidden.sample_into(net.W[k], engine);
  }
  net.W_out.set_size(config.output_dim, n);
  engine.fill_normal(net.W_out.memptr(), net.W_out.n_elem, std::sqrt(sigma2 / static_cast<double>(n)));
  return net;
}

ForwardPass forward(const Network& net, const arma::mat& inputs) {
  const MlpConfig& c = net.config;
  if (inputs.n_rows != c.input_dim) {
    throw std::invalid_argument(str_cat("forward(): inputs must have ", c.input_dim, " rows, got ",
                                        inputs.n_rows));
  }
  const std::size_t n = c.width, L = c.depth, batch = inputs.n_cols;
  ForwardPass fp;
  fp.Y.resize(L + 1);
  fp.log2_scale.assign(L + 1, 0);
  fp.D.resize(L + 1);
  const bool surrogate = net.mask_engine.has_value();
  if (surrogate) {
    Engine masks = *net.mask_engine;
    detail::draw_surrogate_masks(masks, c.hidden.params().alpha, n, batch, fp.D);
  }
  auto set_mask = [&](std::size_t k) {
    if (surrogate) return;
    fp.D[k].set_size(n, batch);
    const double* y = fp.Y[k].memptr();
    std::uint8_t* dm = fp.D[k].memptr();
    for (std::size_t i = 0; i < n * batch; ++i) dm[i] = y[i] > 0.0;
  };
  fp.Y[0] = net.W_in * inputs;
  fp.log2_scale[0] = detail::renormalise(fp.Y[0]);
  set_mask(0);
  for (std::size_t k = 1; k <= L; ++k) {
    fp.Y[k].set_size(n, batch);
    for (std::size_t j = 0; j < batch; ++j) {
      const arma::uvec act = detail::active_indices(fp.D[k - 1], j);
      const arma::mat w_active = detail::gather_columns(net.W[k - 1], act);
      detail::layer_forward(w_active, act, fp.Y[k - 1].colptr(j), fp.Y[k].colptr(j));
    }
    fp.log2_scale[k] = fp.log2_scale[k - 1] + detail::renormalise(fp.Y[k]);
    set_mask(k);
  }
  arma::mat act_last = fp.Y[L] % arma::conv_to<arma::mat>::from(fp.D[L]);
  fp.Y_out = net.W_out * act_last;
  fp.log2_scale_out = fp.log2_scale[L] + detail::renormalise(fp.Y_out);
  return fp;
}

std::vector<double> active_fractions(const ForwardPass& pass, std::size_t column) {
  std::vector<double> out;
  out.reserve(pass.D.size());
  for (const Mask& d : pass.D) {
    if (column >= d.n_cols) {
      throw std::invalid_argument(str_cat("active_fractions(): column must be < ", d.n_cols,
                                          ", got ", column));
    }
    std::size_t on = 0;
    for (std::size_t i = 0; i < d.n_rows; ++i) on += d(i, column) != 0;
    out.push_back(d.n_rows ? static_cast<double>(on) / static_cast<double>(d.n_rows) : 0.0);
  }
  return out;
}

}  // namespace jacstab
