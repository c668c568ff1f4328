// Shared by the sec. 6.1 programs on the masks D_l (a21-chi2, a21-tw-td): the paper's setting,
// the networks they sample and the ensembles they compare.
#pragma once

#include <cstddef>

#include "jacstab/ensembles.hpp"
#include "jacstab/mlp.hpp"
#include "jacstab/report.hpp"

namespace jacstab {
namespace mask_statistics {

inline constexpr std::size_t kWidth = 100;      // n of sec. 6.1
inline constexpr std::size_t kPaperDepth = 30;  // L of sec. 6.1
inline constexpr std::size_t kLayer = 10;       // l of sec. 6.1

// ReLU MLP of eq. (1), no biases, with a Fashion-MNIST training image as input.
inline MlpConfig config_for(std::size_t width, std::size_t depth, const EnsembleParams& p) {
  return mlp_config(width, depth, p, InputKind::fashion_mnist);
}

inline EnsembleParams iid() { return EnsembleParams{}; }

// Surrogate network: masks iid Bernoulli(alpha), drawn independently of the weights.
inline EnsembleParams surrogate(double alpha) { return surrogate_ensemble(alpha); }

// Dependent weights W_ind + eta w^k (one shared scalar per layer); eta = 0 gives iid().
inline EnsembleParams dependent(double eta) {
  EnsembleParams p;
  if (eta > 0.0) {
    p.kind = EnsembleKind::dependent;
    p.eta = eta;
  }
  return p;
}

// A check and whether its equivalence rule holds (used again after the Holm adjustment).
struct Judged {
  Check check;
  bool equivalent = false;
};

}  // namespace mask_statistics
}  // namespace jacstab
