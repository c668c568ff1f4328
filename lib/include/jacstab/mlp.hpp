#pragma once
// The MLP of the paper's eq. (1), without biases:
//   Y_0 = W_in x,   Y_k = W_k phi(Y_{k-1}) (k = 1..L),   Y_out = W_out phi(Y_L),
// with phi = ReLU and masks D_k = diag(1{Y_k > 0}).
//
// Random draws, in this order, all from the replicate's engine: the input (d Gaussian
// coordinates, or one Fashion-MNIST training image index), W_in (n x d, iid N(0, sigma2/d)),
// W_1..W_L (n x n, from the hidden-layer ensemble), W_out (o x n, iid N(0, sigma2/n)).
// Surrogate masks (ensemble `surrogate`) come from an engine derived from the replicate's
// engine without advancing it, so a surrogate network has exactly the weights of the iid
// network with the same seed.
//
// Pre-activations are carried with a power-of-two scale per layer: the true Y_k equals
// Y[k] * 2^log2_scale[k]. Scaling by a power of two is exact in floating point and leaves the
// signs, hence the masks, unchanged; it only happens when |Y_k| leaves [2^-100, 2^100], so at
// ordinary depths the stored values are the plain pre-activations.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <armadillo>

#include "jacstab/ensembles.hpp"
#include "jacstab/rng.hpp"

namespace jacstab {

enum class InputKind { gaussian, fashion_mnist };
std::string_view to_string(InputKind kind) noexcept;
InputKind parse_input_kind(std::string_view text, std::string_view parameter = "input");

struct MlpConfig {
  std::size_t width = 256;     ///< n >= 1
  std::size_t depth = 10;      ///< L >= 1
  std::size_t input_dim = 784; ///< d >= 1 (Fashion-MNIST forces 784)
  std::size_t output_dim = 10; ///< o >= 1
  Ensemble hidden;             ///< ensemble of W_1..W_L
  InputKind input = InputKind::gaussian;

  /// Throws std::invalid_argument naming the parameter ("MlpConfig: width must be >= 1, got 0").
  void validate() const;
};

/// The configuration of a network with the given width, depth, hidden-layer ensemble and input
/// (input_dim and output_dim keep their defaults).
inline MlpConfig mlp_config(std::size_t width, std::size_t depth, const EnsembleParams& hidden,
                            InputKind input = InputKind::gaussian) {
  MlpConfig c;
  c.width = width;
  c.depth = depth;
  c.hidden = Ensemble(hidden);
  c.input = input;
  return c;
}

using Mask = arma::Mat<std::uint8_t>;  ///< n x batch, 1 = active unit

struct Network {
  MlpConfig config;
  arma::mat input;               ///< d x 1: the sampled input x
  std::optional<std::size_t> image_index;  ///< Fashion-MNIST training image, when used
  arma::mat W_in;                ///< n x d
  std::vector<arma::mat> W;      ///< W[k-1] = W_k, n x n, after pruning and scaling
  std::vector<std::size_t> kept; ///< kept entries of each W_k
  arma::mat W_out;               ///< o x n
  std::optional<Engine> mask_engine;  ///< surrogate masks only

  std::size_t width() const noexcept { return config.width; }
  std::size_t depth() const noexcept { return config.depth; }
};

struct ForwardPass {
  std::vector<arma::mat> Y;      ///< Y_0..Y_L, n x batch (scaled, see log2_scale)
  std::vector<int> log2_scale;   ///< true Y_k = Y[k] * 2^log2_scale[k]
  std::vector<Mask> D;           ///< D_0..D_L
  arma::mat Y_out;               ///< o x batch, true value Y_out * 2^log2_scale_out
  int log2_scale_out = 0;
};

/// Draws the input (d x 1) as the first draws of a network; see the header comment.
arma::mat sample_input(const MlpConfig& config, Engine& engine,
                       std::optional<std::size_t>* image_index = nullptr);

/// Samples a whole network (input and all weights) from `engine`.
Network sample_network(const MlpConfig& config, Engine& engine);

/// Forward pass for a batch of inputs (d x batch). Surrogate networks draw their masks
/// from a copy of net.mask_engine, so repeated calls give the same masks.
ForwardPass forward(const Network& net, const arma::mat& inputs);
/// Forward pass on the network's own sampled input.
inline ForwardPass forward(const Network& net) { return forward(net, net.input); }

/// Active fraction of each mask D_0..D_L for batch column `column`.
std::vector<double> active_fractions(const ForwardPass& pass, std::size_t column = 0);

}  // namespace jacstab
