// Unit tests for the MLP of eq. (1) (mlp.hpp), the Jacobian of eq. (2) in its three forms
// (jacobian.hpp) and replicate-level parallelism (parallel.hpp).
//
// The three kinds of check of STYLE.md ("Tests"):
//  * identities and residuals: J v against central differences of a forward pass written
//    here in plain Armadillo; the masked dense product, the plain full product and the
//    matrix-free operator against each other; prefix norms against separately built
//    shallower networks; the streaming fast path against the network path;
//  * invariances: thread count, repeated runs, the exact rescaling W -> c W (ReLU is
//    positively homogeneous, so the masks stay and log ||J|| moves by L log c);
//  * a closed form: the per-layer growth rate of log ||J_1|| at depth 1000 against the
//    finite-width Lyapunov exponent of Approximation 2.1 (derived above
//    LyapunovExponentUnderApprox21 below).
// Every Monte-Carlo check uses fixed seeds; its tolerance is a multiple of a standard error
// and the multiple, with its false-failure rate, is written next to it.
#include "jacstab/jacobian.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <numbers>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "jacstab/io.hpp"
#include "jacstab/mlp.hpp"
#include "jacstab/parallel.hpp"

namespace {

using namespace jacstab;

constexpr std::uint64_t kSeed = 20250611;
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

std::string num(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

EnsembleParams iid(double sigma2 = 2.0) {
  EnsembleParams p;
  p.kind = EnsembleKind::iid;
  p.sigma2 = sigma2;
  return p;
}

EnsembleParams surrogate(double alpha, double sigma2 = 2.0) {
  EnsembleParams p;
  p.kind = EnsembleKind::surrogate;
  p.sigma2 = sigma2;
  p.alpha = alpha;
  return p;
}

MlpConfig make_config(std::size_t n, std::size_t L, const EnsembleParams& params,
                      std::size_t d = 10) {
  MlpConfig c;
  c.width = n;
  c.depth = L;
  c.input_dim = d;
  c.output_dim = 10;
  c.hidden = Ensemble(params);
  c.input = InputKind::gaussian;
  return c;
}

arma::vec random_vec(Engine& e, std::size_t n) {
  arma::vec v(n);
  e.fill_normal(v.memptr(), n);
  return v;
}

arma::mat random_mat(Engine& e, std::size_t rows, std::size_t cols) {
  arma::mat m(rows, cols);
  e.fill_normal(m.memptr(), m.n_elem);
  return m;
}

/// The true Y_k (column `column`) of a forward pass: the stored value times 2^log2_scale.
arma::vec true_Y(const ForwardPass& pass, std::size_t k, std::size_t column = 0) {
  return pass.Y[k].col(column) * std::ldexp(1.0, pass.log2_scale[k]);
}

arma::mat unscaled(const ScaledMatrix& s) { return s.value * std::ldexp(1.0, s.log2_scale); }

/// Eq. (1) in plain Armadillo, with no library code: starting from Y_{k-1} = start,
/// Y_l = W_l max(Y_{l-1}, 0) for l = k..L. Y[i] holds Y_{k-1+i}.
struct PlainChain {
  std::vector<arma::vec> Y;
  /// 1{Y_{k-1+i} > 0}
  arma::uvec mask(std::size_t i) const { return arma::conv_to<arma::uvec>::from(Y[i] > 0.0); }
};

PlainChain plain_forward_from(const Network& net, const arma::vec& start, std::size_t k) {
  PlainChain c;
  c.Y.push_back(start);
  for (std::size_t l = k; l <= net.W.size(); ++l) {
    const arma::vec relu = arma::clamp(c.Y.back(), 0.0, arma::datum::inf);
    c.Y.push_back(net.W[l - 1] * relu);
  }
  return c;
}

arma::uvec library_mask(const ForwardPass& pass, std::size_t k, std::size_t column = 0) {
  return arma::conv_to<arma::uvec>::from(pass.D[k].col(column));
}

bool same_mask(const arma::uvec& a, const arma::uvec& b) {
  return a.n_elem == b.n_elem && arma::all(a == b);
}

/// Relative Frobenius closeness; a failure prints expected, computed, distance, tolerance
/// and the worst entry.
::testing::AssertionResult MatNear(const arma::mat& expected, const arma::mat& computed,
                                   double rel_tol) {
  if (expected.n_rows != computed.n_rows || expected.n_cols != computed.n_cols) {
    return ::testing::AssertionFailure()
           << "shape: expected " << expected.n_rows << "x" << expected.n_cols << ", computed "
           << computed.n_rows << "x" << computed.n_cols;
  }
  const arma::mat diff = expected - computed;
  const double dist = arma::norm(diff, "fro");
  const double scale = arma::norm(expected, "fro");
  const double tol = rel_tol * scale;
  if (dist <= tol) return ::testing::AssertionSuccess();
  const arma::uword w = diff.n_elem ? arma::index_max(arma::abs(arma::vectorise(diff))) : 0;
  auto r = ::testing::AssertionFailure();
  r << "expected ||.||_F = " << num(scale) << ", computed ||.||_F = "
    << num(arma::norm(computed, "fro")) << ", distance " << num(dist) << ", tolerance "
    << num(tol) << " (relative " << num(rel_tol) << ")";
  if (diff.n_elem) {
    r << "; worst entry " << w << ": expected " << num(expected(w)) << ", computed "
      << num(computed(w));
  }
  return r;
}

/// |expected - computed| <= abs_tol for log-norms; -inf matches only -inf.
::testing::AssertionResult LogNearAbs(double expected, double computed, double abs_tol) {
  const double tol = abs_tol;
  const double dist = std::abs(expected - computed);
  if (std::isfinite(expected) && std::isfinite(computed) && dist <= tol) {
    return ::testing::AssertionSuccess();
  }
  if (expected == computed) return ::testing::AssertionSuccess();  // both -inf
  return ::testing::AssertionFailure() << "expected " << num(expected) << ", computed "
                                       << num(computed) << ", distance " << num(dist)
                                       << ", tolerance " << num(tol);
}

/// |expected - computed| <= rel_tol * max(1, |expected|), for log-norms.
::testing::AssertionResult LogNear(double expected, double computed, double rel_tol) {
  return LogNearAbs(expected, computed, rel_tol * std::max(1.0, std::abs(expected)));
}

/// The result of an all-dead Jacobian: exactly zero, log-norm -inf, converged, no NaN.
::testing::AssertionResult IsDeadNorm(const NormResult& r) {
  const bool ok = r.norm == 0.0 && r.is_zero() && std::isinf(r.log_norm) && r.log_norm < 0.0 &&
                  r.status == SolverStatus::converged && !std::isnan(r.error_bound);
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected norm 0, log_norm -inf, status converged; computed norm " << num(r.norm)
         << ", log_norm " << num(r.log_norm) << ", status " << to_string(r.status)
         << ", error_bound " << num(r.error_bound) << ", method " << to_string(r.method);
}

template <class F>
::testing::AssertionResult ThrowsInvalidArgument(F&& f,
                                                 std::initializer_list<std::string_view> parts) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    const std::string_view what = e.what();
    for (std::string_view p : parts) {
      if (what.find(p) == std::string_view::npos) {
        return ::testing::AssertionFailure()
               << "message \"" << what << "\" does not contain \"" << p << "\"";
      }
    }
    return ::testing::AssertionSuccess() << what;
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw another type: " << e.what();
  }
  return ::testing::AssertionFailure() << "no exception thrown";
}

// ---------------------------------------------------------------------------------------
// Forward pass (eq. (1))
// ---------------------------------------------------------------------------------------

TEST(Forward, MatchesPlainArmadilloEq1) {
  struct Case {
    std::size_t n, L;
    double sigma2;
    bool expect_scaled;
  };
  // The last two reach |Y_L| ~ 2^-320 and 2^+140: the stored values are rescaled.
  const Case cases[] = {{16, 3, 2.0, false}, {40, 8, 2.0, false}, {16, 300, 0.5, true},
                        {16, 300, 4.0, true}};
  std::uint64_t r = 0;
  for (const Case& cs : cases) {
    SCOPED_TRACE("n=" + std::to_string(cs.n) + " L=" + std::to_string(cs.L) +
                 " sigma2=" + num(cs.sigma2));
    Engine e = stream(kSeed, "test_jacobian/forward", r++);
    const Network net = sample_network(make_config(cs.n, cs.L, iid(cs.sigma2)), e);
    ASSERT_EQ(net.W.size(), cs.L);
    ASSERT_EQ(net.W_in.n_rows, cs.n);
    ASSERT_EQ(net.W_in.n_cols, 10u);
    ASSERT_EQ(net.W_out.n_rows, 10u);
    ASSERT_FALSE(net.image_index.has_value());
    const ForwardPass pass = forward(net);
    ASSERT_EQ(pass.Y.size(), cs.L + 1);
    ASSERT_EQ(pass.D.size(), cs.L + 1);

    const arma::vec y0 = net.W_in * net.input.col(0);
    const PlainChain plain = plain_forward_from(net, y0, 1);
    bool scaled = false;
    for (std::size_t k = 0; k <= cs.L; ++k) {
      scaled = scaled || pass.log2_scale[k] != 0;
      EXPECT_TRUE(MatNear(plain.Y[k], true_Y(pass, k), 1e-10)) << "Y_" << k;
      EXPECT_TRUE(same_mask(plain.mask(k), library_mask(pass, k))) << "D_" << k;
      // Stored values stay within [2^-101, 2^101] in absolute value at the maximum.
      const double big = arma::abs(pass.Y[k]).max();
      EXPECT_LE(big, 0x1.0p101) << "Y_" << k;
      EXPECT_GE(big, 0x1.0p-101) << "Y_" << k;
    }
    EXPECT_EQ(scaled, cs.expect_scaled);
    const arma::vec out = net.W_out * arma::clamp(plain.Y.back(), 0.0, arma::datum::inf);
    EXPECT_TRUE(MatNear(out, pass.Y_out * std::ldexp(1.0, pass.log2_scale_out), 1e-10));

    // active_fractions() counts the masks.
    const std::vector<double> af = active_fractions(pass);
    ASSERT_EQ(af.size(), cs.L + 1);
    for (std::size_t k = 0; k <= cs.L; ++k) {
      EXPECT_DOUBLE_EQ(af[k], static_cast<double>(arma::accu(plain.mask(k))) / cs.n);
    }
  }
}

// mlp.hpp: "Random draws, in this order, all from the replicate's engine: the input, W_in
// (iid N(0, sigma2/d)), W_1..W_L (from the hidden-layer ensemble), W_out (iid N(0, sigma2/n))."
TEST(SampleNetwork, DrawsInTheDocumentedOrderWithTheDocumentedVariances) {
  EnsembleParams prune;
  prune.kind = EnsembleKind::random_prune;
  prune.sigma2 = 1.5;
  prune.sparsity = 0.4;
  prune.scale = ScaleRule::inverse_sqrt;
  const EnsembleParams cases[] = {iid(1.5), prune, surrogate(0.4, 3.0)};
  std::uint64_t r = 0;
  for (const EnsembleParams& p : cases) {
    const std::size_t n = 12, L = 4, d = 7, o = 3;
    MlpConfig c = make_config(n, L, p, d);
    c.output_dim = o;
    Engine e = stream(kSeed, "test_jacobian/draw-order", r++);
    Engine mine = e;
    const Network net = sample_network(c, e);
    SCOPED_TRACE(c.hidden.describe());
    arma::mat x(d, 1), w_in(n, d), w_out(o, n);
    mine.fill_normal(x.memptr(), x.n_elem);
    mine.fill_normal(w_in.memptr(), w_in.n_elem, std::sqrt(p.sigma2 / static_cast<double>(d)));
    EXPECT_TRUE(arma::approx_equal(x, net.input, "absdiff", 0.0));
    EXPECT_TRUE(arma::approx_equal(w_in, net.W_in, "absdiff", 0.0));
    ASSERT_EQ(net.W.size(), L);
    for (std::size_t k = 0; k < L; ++k) {
      arma::mat w(n, n);
      EXPECT_EQ(c.hidden.sample_into(w, mine), net.kept[k]);
      EXPECT_TRUE(arma::approx_equal(w, net.W[k], "absdiff", 0.0)) << "W_" << k + 1;
    }
    mine.fill_normal(w_out.memptr(), w_out.n_elem, std::sqrt(p.sigma2 / static_cast<double>(n)));
    EXPECT_TRUE(arma::approx_equal(w_out, net.W_out, "absdiff", 0.0));
    EXPECT_EQ(mine(), e());
  }
}

TEST(Forward, BatchColumnsEqualSingleInputPasses) {
  Engine e = stream(kSeed, "test_jacobian/batch", 0);
  const Network net = sample_network(make_config(24, 6, iid()), e);
  Engine ex = stream(kSeed, "test_jacobian/batch-inputs", 0);
  const arma::mat X = random_mat(ex, 10, 3);
  const ForwardPass batch = forward(net, X);
  for (std::size_t j = 0; j < X.n_cols; ++j) {
    const ForwardPass single = forward(net, arma::mat(X.col(j)));
    for (std::size_t k = 0; k <= 6; ++k) {
      EXPECT_TRUE(MatNear(true_Y(single, k), true_Y(batch, k, j), 1e-13)) << "column " << j;
      EXPECT_TRUE(same_mask(library_mask(single, k), library_mask(batch, k, j)));
    }
    EXPECT_EQ(active_fractions(single), active_fractions(batch, j));
    EXPECT_TRUE(LogNear(jacobian_norm(net, single).log_norm,
                        jacobian_norm(net, batch, 1, j).log_norm, 1e-12));
  }
  // forward(net) is forward(net, net.input).
  const ForwardPass a = forward(net), b = forward(net, net.input);
  for (std::size_t k = 0; k <= 6; ++k) {
    EXPECT_TRUE(arma::approx_equal(a.Y[k], b.Y[k], "absdiff", 0.0));
  }
}

// ---------------------------------------------------------------------------------------
// J v against central differences of the forward pass
// ---------------------------------------------------------------------------------------

// J_k = dY_L / dY_{k-1}. Y_L is piecewise linear in Y_{k-1}; within the region where no
// unit of Y_{k-1}..Y_{L-1} changes sign it is linear, so the central difference equals J v
// up to rounding, about eps * ||Y_L|| / (h ||v||) ~ 1e-10 relative for h ||v|| = 1e-6
// ||Y_{k-1}||. The tolerance 1e-6 leaves four orders of magnitude for the growth of
// rounding errors along the chain.
TEST(JacobianVectorProduct, MatchesCentralDifferencesOfTheForwardPass) {
  struct Case {
    std::size_t n, L;
    double sigma2;
  };
  const Case cases[] = {{16, 3, 2.0}, {40, 8, 2.0}, {24, 5, 4.0}, {32, 6, 0.5}, {20, 4, 2.0}};
  Engine dirs = stream(kSeed, "test_jacobian/fd-directions", 0);
  std::uint64_t r = 0;
  int shrinks = 0;
  for (const Case& cs : cases) {
    Engine e = stream(kSeed, "test_jacobian/fd", r++);
    const Network net = sample_network(make_config(cs.n, cs.L, iid(cs.sigma2)), e);
    const ForwardPass pass = forward(net);
    std::set<std::size_t> ks = {1, 2, cs.L / 2 + 1, cs.L};
    for (std::size_t k : ks) {
      SCOPED_TRACE("n=" + std::to_string(cs.n) + " L=" + std::to_string(cs.L) +
                   " sigma2=" + num(cs.sigma2) + " k=" + std::to_string(k));
      const arma::vec start = true_Y(pass, k - 1);
      const PlainChain base = plain_forward_from(net, start, k);
      // The plain chain reproduces the library's pass from Y_{k-1} on.
      for (std::size_t i = 0; i + k - 1 <= cs.L; ++i) {
        ASSERT_TRUE(same_mask(base.mask(i), library_mask(pass, k - 1 + i)));
      }
      ASSERT_TRUE(MatNear(true_Y(pass, cs.L), base.Y.back(), 1e-12));

      const arma::mat J = unscaled(jacobian_dense(net, pass, k));
      for (int t = 0; t < 3; ++t) {
        const arma::vec v = random_vec(dirs, cs.n);
        double h = 1e-6 * arma::norm(start) / arma::norm(v);
        PlainChain plus, minus;
        bool same_region = false;
        for (int attempt = 0; attempt < 30 && !same_region; ++attempt) {
          plus = plain_forward_from(net, start + h * v, k);
          minus = plain_forward_from(net, start - h * v, k);
          same_region = true;
          // D_{k-1}..D_{L-1} enter Y_L; D_L does not.
          for (std::size_t i = 0; i + k <= cs.L; ++i) {
            same_region = same_region && same_mask(plus.mask(i), base.mask(i)) &&
                          same_mask(minus.mask(i), base.mask(i));
          }
          if (!same_region) {
            h /= 8.0;
            ++shrinks;
          }
        }
        ASSERT_TRUE(same_region) << "no step keeps every unit's sign";
        const arma::vec fd = (plus.Y.back() - minus.Y.back()) / (2.0 * h);
        EXPECT_TRUE(MatNear(J * v, fd, 1e-6)) << "h = " << num(h);
      }
    }
  }
  RecordProperty("step_shrinks", shrinks);
}

// ---------------------------------------------------------------------------------------
// Dense product, plain reference and operator
// ---------------------------------------------------------------------------------------

struct FormCase {
  const char* name;
  std::size_t n, L;
  EnsembleParams params;
  int expect_scale_sign;  // sign of jacobian_dense(k = 1).log2_scale
};

std::vector<FormCase> form_cases() {
  EnsembleParams prune;
  prune.kind = EnsembleKind::random_prune;
  prune.sparsity = 0.7;
  prune.scale = ScaleRule::inverse_sqrt;
  EnsembleParams dep;
  dep.kind = EnsembleKind::dependent;
  dep.eta = 0.5;
  return {
      {"iid", 24, 6, iid(2.0), 0},
      // ||J_1|| ~ e^{-222} and e^{+90}: both outside [2^-100, 2^100], so the chain is
      // rescaled, while the plain product still fits in a double.
      {"iid-deep-vanishing", 16, 300, iid(0.5), -1},
      {"iid-deep-exploding", 16, 300, iid(4.0), +1},
      {"random-prune", 20, 5, prune, 0},
      {"dependent", 20, 5, dep, 0},
      {"surrogate", 20, 5, surrogate(0.5), 0},
  };
}

// The first network of the case's stream whose J_1 is non-zero: these checks compare
// non-trivial products (dead networks are tested separately), and whether a small network
// dies depends on the draws.
Network live_network(const FormCase& cs, std::uint64_t base) {
  for (std::uint64_t attempt = 0; attempt < 50; ++attempt) {
    Engine e = stream(kSeed, "test_jacobian/forms", base * 1000 + attempt);
    Network net = sample_network(make_config(cs.n, cs.L, cs.params), e);
    if (arma::norm(jacobian_reference(net, forward(net), 1), "fro") > 0.0) return net;
  }
  ADD_FAILURE() << cs.name << ": no live network in 50 draws";
  Engine e = stream(kSeed, "test_jacobian/forms", base * 1000);
  return sample_network(make_config(cs.n, cs.L, cs.params), e);
}

TEST(JacobianForms, DenseEqualsReferenceAndOperator) {
  Engine vecs = stream(kSeed, "test_jacobian/forms-vectors", 0);
  std::uint64_t r = 0;
  for (const FormCase& cs : form_cases()) {
    const Network net = live_network(cs, r++);
    const ForwardPass pass = forward(net);
    for (std::size_t k : std::set<std::size_t>{1, 2, cs.L}) {
      SCOPED_TRACE(std::string(cs.name) + " k=" + std::to_string(k));
      const arma::mat ref = jacobian_reference(net, pass, k);
      const ScaledMatrix dense = jacobian_dense(net, pass, k);
      if (k == 1) {
        const int sign = (dense.log2_scale > 0) - (dense.log2_scale < 0);
        EXPECT_EQ(sign, cs.expect_scale_sign) << "log2_scale " << dense.log2_scale;
      }
      ASSERT_TRUE(ref.is_finite());
      ASSERT_GT(arma::norm(ref, "fro"), 0.0);
      const arma::mat J = unscaled(dense);
      EXPECT_TRUE(MatNear(ref, J, 1e-10));
      // Columns of inactive units of D_{k-1} are exactly zero.
      for (std::size_t j = 0; j < cs.n; ++j) {
        if (!pass.D[k - 1](j, 0)) {
          EXPECT_TRUE(arma::all(dense.value.col(j) == 0.0)) << j;
        }
      }

      const JacobianOperator op(net, pass, k);
      ASSERT_EQ(op.rows(), cs.n);
      ASSERT_EQ(op.cols(), cs.n);
      const double s = std::ldexp(1.0, op.log2_scale());
      for (int t = 0; t < 3; ++t) {
        const arma::vec x = random_vec(vecs, cs.n);
        arma::vec y, xt;
        op.perform_op(x, y);
        EXPECT_TRUE(MatNear(J * x, y * s, 1e-10)) << "perform_op";
        op.perform_op_transpose(x, xt);
        EXPECT_TRUE(MatNear(J.t() * x, xt * s, 1e-10)) << "perform_op_transpose";
        // The operator is kept near unit scale: without its power-of-two factors the
        // deep cases would produce |y| ~ 2^-320 or 2^+130.
        const double ny = std::log2(arma::norm(y) / arma::norm(x));
        EXPECT_LT(std::abs(ny), 40.0) << "log2 ||op x|| / ||x|| = " << ny;
      }
      const arma::mat X = random_mat(vecs, cs.n, 4);
      arma::mat Y, XT;
      op.perform_op_block(X, Y);
      EXPECT_TRUE(MatNear(J * X, Y * s, 1e-10)) << "perform_op_block";
      op.perform_op_transpose_block(X, XT);
      EXPECT_TRUE(MatNear(J.t() * X, XT * s, 1e-10)) << "perform_op_transpose_block";
    }
  }
}

TEST(JacobianForms, EveryNormMethodMatchesTheExactNormOfTheReference) {
  std::uint64_t r = 0;
  for (const FormCase& cs : form_cases()) {
    const Network net = live_network(cs, r++);  // the same networks as above
    const ForwardPass pass = forward(net);
    for (std::size_t k : std::set<std::size_t>{1, 2, cs.L}) {
      SCOPED_TRACE(std::string(cs.name) + " k=" + std::to_string(k));
      const NormResult exact_ref = spectral_norm_exact(jacobian_reference(net, pass, k));
      ASSERT_GT(exact_ref.norm, 0.0);
      const double expected = std::log(exact_ref.norm);
      for (NormMethod m : {NormMethod::exact, NormMethod::iterative, NormMethod::automatic}) {
        const NormResult got = jacobian_norm(net, pass, k, 0, m);
        EXPECT_EQ(got.status, SolverStatus::converged) << to_string(m);
        if (m != NormMethod::automatic) {
          EXPECT_EQ(got.method, m);
        }
        // rel_tol of the Lanczos solver is 1e-10; 1e-9 in log leaves a factor 10.
        EXPECT_NEAR(expected, got.log_norm, 1e-9) << to_string(m);
        // norm * 2^log2_scale is the norm.
        EXPECT_NEAR(expected, std::log(got.norm) + std::numbers::ln2 * got.log2_scale, 1e-9);
        EXPECT_TRUE(std::isfinite(got.error_bound));
      }
      // The operator through the public solver, scale added back by hand.
      const JacobianOperator op(net, pass, k);
      const NormResult it = spectral_norm_iterative(op);
      EXPECT_EQ(it.status, SolverStatus::converged);
      EXPECT_NEAR(expected, it.log_norm + std::numbers::ln2 * op.log2_scale(), 1e-9);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Prefix depths
// ---------------------------------------------------------------------------------------

/// The depth-l network made of the first l layers of `net` (same input and weights).
Network truncated(const Network& net, std::size_t l) {
  Network t = net;
  t.config.depth = l;
  t.W.resize(l);
  t.kept.resize(l);
  return t;
}

TEST(PrefixNorms, EqualNormsOfSeparatelyBuiltShallowerNetworks) {
  struct Case {
    std::size_t n, L;
    double sigma2;
  };
  // The last two decay by ~115 bits over 100 layers, so the prefix chain is rescaled. At
  // n = 12 all units of a layer die together with probability 2^-12 per layer; at these
  // seeds the n = 12 network dies at depth 101, after which every prefix is 0 (-inf) and
  // must be reported as such by every path (counted in the property dead_prefixes).
  const Case cases[] = {{24, 8, 2.0}, {12, 150, 0.5}, {16, 150, 0.5}};
  std::uint64_t r = 0;
  int dead = 0;
  for (const Case& cs : cases) {
    const MlpConfig config = make_config(cs.n, cs.L, iid(cs.sigma2));
    Engine e = stream(kSeed, "test_jacobian/prefix", r++);
    Engine e_fast = e;
    const Network net = sample_network(config, e);
    const ForwardPass pass = forward(net);
    const std::vector<NormResult> pre_auto = prefix_norms(net, pass);
    const std::vector<NormResult> pre_exact = prefix_norms(net, pass, 0, NormMethod::exact);
    const std::vector<NormResult> pre_iter = prefix_norms(net, pass, 0, NormMethod::iterative);
    SampleOptions opt;
    opt.prefix_norms = true;
    const SampleRecord rec = sample_jacobian_norm(config, e_fast, opt);
    ASSERT_EQ(pre_auto.size(), cs.L);
    ASSERT_EQ(pre_exact.size(), cs.L);
    ASSERT_EQ(pre_iter.size(), cs.L);
    ASSERT_EQ(rec.prefix.size(), cs.L);
    for (std::size_t l = 1; l <= cs.L; ++l) {
      SCOPED_TRACE("n=" + std::to_string(cs.n) + " sigma2=" + num(cs.sigma2) +
                   " depth l=" + std::to_string(l));
      const Network shallow = truncated(net, l);
      const ForwardPass sp = forward(shallow);
      for (std::size_t i = 0; i <= l; ++i) {
        ASSERT_TRUE(same_mask(library_mask(sp, i), library_mask(pass, i))) << "D_" << i;
      }
      const double expected = std::log(spectral_norm_exact(jacobian_reference(shallow, sp)).norm);
      EXPECT_TRUE(LogNearAbs(expected, pre_exact[l - 1].log_norm, 1e-10));
      EXPECT_TRUE(LogNearAbs(expected, pre_auto[l - 1].log_norm, 1e-9));
      EXPECT_TRUE(LogNearAbs(expected, pre_iter[l - 1].log_norm, 1e-9));
      EXPECT_TRUE(LogNearAbs(expected, rec.prefix[l - 1].log_norm, 1e-9));
      EXPECT_EQ(pre_auto[l - 1].status, SolverStatus::converged);
      EXPECT_EQ(rec.prefix[l - 1].status, SolverStatus::converged);
      EXPECT_TRUE(LogNearAbs(expected, jacobian_norm(shallow, sp).log_norm, 1e-9));
      dead += std::isinf(expected);
    }
    EXPECT_EQ(rec.prefix.back().log_norm, rec.norm.log_norm);
  }
  RecordProperty("dead_prefixes", dead);
}

// The dense path on its own, with either norm of the product, against the dense reference;
// and the automatic choice is one of the two paths (same norm).
TEST(JacobianNormChain, MatchesTheReferenceWithEitherProductNorm) {
  for (std::uint64_t r = 0; r < 3; ++r) {
    const MlpConfig config = make_config(48, 6, iid(2.0));
    Engine e = stream(kSeed, "test_jacobian/chain", r);
    const Network net = sample_network(config, e);
    const ForwardPass pass = forward(net);
    for (std::size_t k : {1, 3}) {
      const double expected = std::log(spectral_norm_exact(jacobian_reference(net, pass, k)).norm);
      EXPECT_TRUE(LogNearAbs(expected, jacobian_norm_chain(net, pass, k, 0, NormMethod::exact).log_norm, 1e-10));
      EXPECT_TRUE(LogNearAbs(expected, jacobian_norm_chain(net, pass, k, 0, NormMethod::iterative).log_norm, 1e-9));
      EXPECT_TRUE(LogNearAbs(expected, jacobian_norm(net, pass, k).log_norm, 1e-9));
    }
    EXPECT_FALSE(jacobian_norm_prefers_operator(net, pass));  // tiny: the dense chain is cheaper
  }
}

// Norms at a few listed depths: each equals the norm of the separately built shallower
// network (dense reference), the full-depth norm equals a run without the list, the product
// handed to on_depth carries the norm (||P|| 2^log2 = ||J_l||), and invalid lists are refused.
TEST(NormDepths, EqualNormsOfShallowerNetworksAndLeaveTheFullDepthUnchanged) {
  const std::size_t n = 40, L = 12;
  const std::vector<std::size_t> depths = {1, 4, 5, 11, 12};
  for (std::uint64_t r = 0; r < 3; ++r) {
    const MlpConfig config = make_config(n, L, iid(2.0));
    Engine e = stream(kSeed, "test_jacobian/norm-depths", r);
    Engine e_fast = e, e_plain = e;
    const Network net = sample_network(config, e);
    const ForwardPass pass = forward(net);
    SampleOptions opt;
    opt.norm_depths = depths;
    std::vector<std::size_t> seen;
    std::vector<double> callback_log_norm;
    opt.on_depth = [&](std::size_t l, const arma::mat& p, int log2) {
      seen.push_back(l);
      EXPECT_EQ(p.n_rows, n);
      callback_log_norm.push_back(std::log(spectral_norm_exact(p).norm) + std::numbers::ln2 * log2);
    };
    const SampleRecord rec = sample_jacobian_norm(config, e_fast, opt);
    const SampleRecord plain = sample_jacobian_norm(config, e_plain);
    ASSERT_EQ(rec.at_depths.size(), depths.size());
    ASSERT_EQ(seen, depths);
    for (std::size_t i = 0; i < depths.size(); ++i) {
      SCOPED_TRACE("replicate " + std::to_string(r) + " depth " + std::to_string(depths[i]));
      const Network shallow = truncated(net, depths[i]);
      const ForwardPass sp = forward(shallow);
      const double expected = std::log(spectral_norm_exact(jacobian_reference(shallow, sp)).norm);
      EXPECT_TRUE(LogNearAbs(expected, rec.at_depths[i].log_norm, 1e-9));
      EXPECT_TRUE(LogNearAbs(expected, callback_log_norm[i], 1e-10));
    }
    EXPECT_EQ(rec.at_depths.back().log_norm, rec.norm.log_norm);
    EXPECT_TRUE(LogNearAbs(plain.norm.log_norm, rec.norm.log_norm, 1e-12));
    EXPECT_EQ(plain.active_fraction, rec.active_fraction);
  }
  const MlpConfig config = make_config(8, 3, iid(2.0));
  for (const std::vector<std::size_t>& bad : {std::vector<std::size_t>{0}, {4}, {2, 2}, {3, 1}}) {
    SampleOptions opt;
    opt.norm_depths = bad;
    Engine e = stream(kSeed, "test_jacobian/norm-depths-bad", 0);
    EXPECT_THROW(sample_jacobian_norm(config, e, opt), std::invalid_argument);
  }
}

// ---------------------------------------------------------------------------------------
// The streaming fast path against the network path
// ---------------------------------------------------------------------------------------

struct EnsembleCase {
  const char* name;
  EnsembleParams params;
  std::size_t n, L;
};

std::ostream& operator<<(std::ostream& os, const EnsembleCase& c) { return os << c.name; }

std::vector<EnsembleCase> ensemble_cases() {
  std::vector<EnsembleCase> out;
  out.push_back({"iid", iid(2.0), 48, 12});
  // n = 256: NormMethod::automatic picks the Lanczos solver for the 256 x ~128 chain.
  out.push_back({"iid_wide", iid(2.0), 256, 3});
  out.push_back({"iid_sigma2_4", iid(4.0), 40, 10});
  EnsembleParams p;
  p.kind = EnsembleKind::random_prune;
  p.sparsity = 0.5;
  p.scale = ScaleRule::inverse_sqrt;
  out.push_back({"random_prune_inverse_sqrt", p, 48, 12});
  p.sparsity = 0.9;
  p.scale = ScaleRule::none;
  out.push_back({"random_prune_unscaled", p, 48, 12});
  p = EnsembleParams{};
  p.kind = EnsembleKind::magnitude_threshold;
  p.threshold = 0.1;
  p.scale = ScaleRule::variance_matched;
  out.push_back({"magnitude_threshold", p, 48, 12});
  p = EnsembleParams{};
  p.kind = EnsembleKind::magnitude_topr;
  p.sparsity = 0.8;
  p.scale = ScaleRule::theorem;
  out.push_back({"magnitude_topr", p, 48, 12});
  p = EnsembleParams{};
  p.kind = EnsembleKind::dependent;
  p.eta = 1.0;
  out.push_back({"dependent", p, 48, 12});
  p = EnsembleParams{};
  p.kind = EnsembleKind::equicorrelated;
  p.rho = 0.1;
  out.push_back({"equicorrelated", p, 48, 12});
  out.push_back({"surrogate", surrogate(0.5), 48, 12});
  out.push_back({"surrogate_alpha_0_7", surrogate(0.7), 48, 12});
  return out;
}

class FastPath : public ::testing::TestWithParam<EnsembleCase> {};

// The fast path draws what sample_network() draws, in the same order, and performs the
// same floating-point operations, so the results agree to rounding (in practice exactly).
TEST_P(FastPath, EqualsTheNetworkPath) {
  const EnsembleCase& cs = GetParam();
  const MlpConfig config = make_config(cs.n, cs.L, cs.params);
  for (std::uint64_t r = 0; r < 2; ++r) {
    SCOPED_TRACE("replicate " + std::to_string(r));
    Engine e_fast = stream(kSeed, std::string("test_jacobian/fast/") + cs.name, r);
    Engine e_net = e_fast;
    const SampleRecord rec = sample_jacobian_norm(config, e_fast);
    const Network net = sample_network(config, e_net);
    const ForwardPass pass = forward(net);
    const NormResult ref = jacobian_norm(net, pass);
    EXPECT_TRUE(LogNear(ref.log_norm, rec.norm.log_norm, 1e-12));
    EXPECT_EQ(ref.method, rec.norm.method);
    EXPECT_EQ(ref.status, rec.norm.status);
    EXPECT_EQ(rec.active_fraction, active_fractions(pass));
    EXPECT_EQ(rec.kept, net.kept);
    EXPECT_TRUE(rec.prefix.empty());
    // Both leave the engine in the same state.
    EXPECT_EQ(e_fast(), e_net());

    // With an explicit method, and with every prefix depth.
    for (NormMethod m : {NormMethod::exact, NormMethod::iterative}) {
      Engine e2 = stream(kSeed, std::string("test_jacobian/fast/") + cs.name, r);
      SampleOptions opt;
      opt.method = m;
      opt.prefix_norms = true;
      const SampleRecord rp = sample_jacobian_norm(config, e2, opt);
      const std::vector<NormResult> pre = prefix_norms(net, pass, 0, m);
      ASSERT_EQ(rp.prefix.size(), pre.size());
      for (std::size_t l = 0; l < pre.size(); ++l) {
        EXPECT_TRUE(LogNear(pre[l].log_norm, rp.prefix[l].log_norm, 1e-12))
            << to_string(m) << " depth " << l + 1;
      }
      EXPECT_TRUE(LogNear(jacobian_norm(net, pass, 1, 0, NormMethod::exact).log_norm,
                          rp.norm.log_norm, m == NormMethod::exact ? 1e-12 : 1e-9));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ensembles, FastPath, ::testing::ValuesIn(ensemble_cases()),
                         [](const ::testing::TestParamInfo<EnsembleCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(FastPathEngine, ConsecutiveDrawsFromOneEngineStayInStep) {
  // Three networks drawn one after the other from one engine, by both paths.
  const MlpConfig config = make_config(20, 4, iid());
  Engine e_fast = stream(kSeed, "test_jacobian/consecutive", 0);
  Engine e_net = e_fast;
  for (int i = 0; i < 3; ++i) {
    const SampleRecord rec = sample_jacobian_norm(config, e_fast);
    const Network net = sample_network(config, e_net);
    EXPECT_TRUE(LogNear(jacobian_norm(net, forward(net)).log_norm, rec.norm.log_norm, 1e-12))
        << "network " << i;
  }
}

// ---------------------------------------------------------------------------------------
// The surrogate of Approximation 2.1
// ---------------------------------------------------------------------------------------

TEST(Surrogate, HasExactlyTheWeightsOfTheIidNetworkWithTheSameSeed) {
  for (std::uint64_t r = 0; r < 3; ++r) {
    Engine es = stream(kSeed, "test_jacobian/surrogate", r);
    Engine ei = es;
    const Network s = sample_network(make_config(32, 6, surrogate(0.3)), es);
    const Network w = sample_network(make_config(32, 6, iid()), ei);
    EXPECT_TRUE(s.mask_engine.has_value());
    EXPECT_FALSE(w.mask_engine.has_value());
    EXPECT_TRUE(arma::approx_equal(s.input, w.input, "absdiff", 0.0));
    EXPECT_TRUE(arma::approx_equal(s.W_in, w.W_in, "absdiff", 0.0));
    ASSERT_EQ(s.W.size(), w.W.size());
    for (std::size_t k = 0; k < s.W.size(); ++k) {
      EXPECT_TRUE(arma::approx_equal(s.W[k], w.W[k], "absdiff", 0.0)) << "W_" << k + 1;
    }
    EXPECT_TRUE(arma::approx_equal(s.W_out, w.W_out, "absdiff", 0.0));
    EXPECT_EQ(s.kept, w.kept);
    EXPECT_EQ(es(), ei());  // the mask engine was derived without advancing the engine
  }
}

TEST(Surrogate, MasksDoNotDependOnTheForwardPass) {
  const std::size_t n = 64, L = 20;
  Engine es = stream(kSeed, "test_jacobian/surrogate-masks", 0);
  Engine ei = es;
  const Network s = sample_network(make_config(n, L, surrogate(0.5)), es);
  const Network w = sample_network(make_config(n, L, iid()), ei);
  const ForwardPass base = forward(s);
  Engine ex = stream(kSeed, "test_jacobian/surrogate-inputs", 0);
  const arma::mat other = random_mat(ex, 10, 1);
  const ForwardPass inputs[] = {forward(s), forward(s, other), forward(s, -s.input),
                                forward(s, arma::mat(10, 1, arma::fill::zeros))};
  for (const ForwardPass& p : inputs) {
    for (std::size_t k = 0; k <= L; ++k) {
      EXPECT_TRUE(same_mask(library_mask(base, k), library_mask(p, k))) << "D_" << k;
    }
  }
  // The ReLU masks of the iid twin (same weights, same input) agree with the surrogate's
  // only by chance: each entry with probability 1/2 independently, so the disagreement
  // fraction over n (L + 1) = 1344 units has standard error 0.0136; the band 0.1 is 7 SE.
  const ForwardPass relu = forward(w);
  double differ = 0.0;
  for (std::size_t k = 0; k <= L; ++k) {
    differ += arma::accu(library_mask(base, k) != library_mask(relu, k));
  }
  differ /= static_cast<double>(n * (L + 1));
  EXPECT_NEAR(0.5, differ, 0.1);
  // The Jacobian uses the surrogate masks: the dense product equals the plain product
  // with those masks.
  EXPECT_TRUE(MatNear(jacobian_reference(s, base), unscaled(jacobian_dense(s, base)), 1e-12));
}

TEST(Surrogate, ActiveFractionIsNearAlpha) {
  const std::size_t n = 64, L = 40;
  for (double alpha : {0.3, 0.5, 0.8}) {
    const auto r = static_cast<std::uint64_t>(alpha * 10);
    Engine e = stream(kSeed, "test_jacobian/surrogate-alpha", r);
    Engine e_fast = e;
    const Network net = sample_network(make_config(n, L, surrogate(alpha)), e);
    const std::vector<double> af = active_fractions(forward(net));
    double mean = 0.0;
    for (double f : af) mean += f;
    mean /= static_cast<double>(af.size());
    // n (L + 1) = 2624 Bernoulli(alpha) draws: SE = sqrt(alpha (1 - alpha) / 2624) <= 0.0098.
    // Tolerance 5 SE: false-failure rate 6e-7 (normal approximation).
    const double se = std::sqrt(alpha * (1.0 - alpha) / static_cast<double>(n * (L + 1)));
    EXPECT_NEAR(alpha, mean, 5.0 * se) << "alpha " << alpha;
    const MlpConfig config = make_config(n, L, surrogate(alpha));
    EXPECT_EQ(sample_jacobian_norm(config, e_fast).active_fraction, af);
  }
  // Bernoulli(alpha) is 1{U < alpha} on one stream of uniforms: masks grow with alpha.
  Engine a = stream(kSeed, "test_jacobian/surrogate-nested", 0), b = a, c = a, d = a;
  const ForwardPass p3 = forward(sample_network(make_config(n, 8, surrogate(0.3)), a));
  const ForwardPass p7 = forward(sample_network(make_config(n, 8, surrogate(0.7)), b));
  const ForwardPass p0 = forward(sample_network(make_config(n, 8, surrogate(0.0)), c));
  const ForwardPass p1 = forward(sample_network(make_config(n, 8, surrogate(1.0)), d));
  for (std::size_t k = 0; k <= 8; ++k) {
    EXPECT_TRUE(arma::all(library_mask(p3, k) <= library_mask(p7, k))) << "D_" << k;
    EXPECT_EQ(arma::accu(library_mask(p0, k)), 0u);
    EXPECT_EQ(arma::accu(library_mask(p1, k)), n);
  }
}

// ---------------------------------------------------------------------------------------
// Reproducibility and parallel_for
// ---------------------------------------------------------------------------------------

std::vector<double> replicate_log_norms(std::uint64_t seed, unsigned threads,
                                        const MlpConfig& config, bool network_path) {
  constexpr std::size_t R = 8;
  std::vector<double> out(R, std::numeric_limits<double>::quiet_NaN());
  parallel_for(R, threads, [&](std::size_t r) {
    Engine e = stream(seed, "test", r);
    if (network_path) {
      const Network net = sample_network(config, e);
      out[r] = jacobian_norm(net, forward(net), 1, 0, NormMethod::iterative).log_norm;
    } else {
      SampleOptions opt;
      opt.prefix_norms = true;
      out[r] = sample_jacobian_norm(config, e, opt).norm.log_norm;
    }
  });
  return out;
}

TEST(Reproducibility, ThreadCountRepeatedRunsAndSeeds) {
  const MlpConfig configs[] = {make_config(96, 16, iid()), make_config(64, 12, surrogate(0.5))};
  for (const MlpConfig& config : configs) {
    for (bool network_path : {false, true}) {
      SCOPED_TRACE(std::string(to_string(config.hidden.kind())) +
                   (network_path ? " network path" : " fast path"));
      const std::vector<double> one = replicate_log_norms(kSeed, 1, config, network_path);
      const std::vector<double> two = replicate_log_norms(kSeed, 2, config, network_path);
      const std::vector<double> again = replicate_log_norms(kSeed, 2, config, network_path);
      const std::vector<double> other = replicate_log_norms(kSeed + 1, 2, config, network_path);
      for (std::size_t r = 0; r < one.size(); ++r) {
        ASSERT_TRUE(std::isfinite(one[r])) << r;
        EXPECT_EQ(one[r], two[r]) << "replicate " << r << ": 1 thread vs 2 threads";
        EXPECT_EQ(two[r], again[r]) << "replicate " << r << ": repeated run";
        EXPECT_NE(one[r], other[r]) << "replicate " << r << ": seeds " << kSeed << ", "
                                    << kSeed + 1;
        for (std::size_t q = 0; q < r; ++q) EXPECT_NE(one[r], one[q]) << r << " vs " << q;
      }
    }
  }
}

TEST(ParallelFor, CallsEveryIndexOnceAndCountsCompletions) {
  for (unsigned threads : {1u, 2u, 5u}) {
    for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{37}}) {
      std::vector<std::atomic<int>> calls(count);
      std::vector<std::size_t> done;
      parallel_for(
          count, threads, [&](std::size_t i) { calls[i].fetch_add(1); },
          [&](std::size_t completed) { done.push_back(completed); });
      for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(calls[i].load(), 1) << i;
      ASSERT_EQ(done.size(), count);
      for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(done[i], i + 1);
    }
  }
}

TEST(ParallelFor, RethrowsTheFirstExceptionAndRestoresBlasThreads) {
  // What the BLAS reports after being set to 2 (a single-threaded build reports 1).
  const int before = set_blas_threads(2);
  const int two = set_blas_threads(2);
  for (unsigned threads : {1u, 2u}) {
    std::atomic<int> calls{0};
    EXPECT_THROW(parallel_for(100, threads,
                              [&](std::size_t i) {
                                calls.fetch_add(1);
                                if (i == 5) throw std::runtime_error("replicate 5 failed");
                              }),
                 std::runtime_error);
    // One thread stops at the failing index. With two, the other worker may legitimately
    // finish every remaining index before it sees the failure, so only the bound holds.
    if (threads == 1) {
      EXPECT_EQ(calls.load(), 6) << "the worker stops after a failure";
    } else {
      EXPECT_LE(calls.load(), 100);
    }
    EXPECT_EQ(set_blas_threads(2), two) << "BLAS threads restored";
    // An exception from on_done is reported the same way (it used to escape the worker
    // thread and call std::terminate).
    EXPECT_THROW(parallel_for(
                     10, threads, [](std::size_t) {},
                     [](std::size_t completed) {
                       if (completed == 3) throw std::logic_error("progress sink failed");
                     }),
                 std::logic_error);
    EXPECT_EQ(set_blas_threads(2), two) << "BLAS threads restored";
  }
  set_blas_threads(std::max(before, 1));
  EXPECT_TRUE(ThrowsInvalidArgument([] { parallel_for(3, 0, [](std::size_t) {}); },
                                    {"parallel_for()", "threads", "0"}));
  EXPECT_TRUE(ThrowsInvalidArgument([] { set_blas_threads(0); },
                                    {"set_blas_threads()", "threads", "0"}));
  EXPECT_GE(default_thread_count(), 1u);
  EXPECT_FALSE(blas_config().empty());
}

// ---------------------------------------------------------------------------------------
// The log domain at depth 1000
// ---------------------------------------------------------------------------------------

// digamma and trigamma: recurrence to x >= 10, then the asymptotic series
// (Abramowitz & Stegun 6.3.18 and 6.4.12); the first omitted terms are below 1e-12 there.
double digamma(double x) {
  double r = 0.0;
  for (; x < 10.0; x += 1.0) r -= 1.0 / x;
  const double f = 1.0 / (x * x);
  return r + std::log(x) - 0.5 / x -
         f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

double trigamma(double x) {
  double r = 0.0;
  for (; x < 10.0; x += 1.0) r += 1.0 / (x * x);
  const double f = 1.0 / (x * x);
  return r + 1.0 / x + 0.5 * f + f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f / 30)));
}

// Growth rate of log ||J_1|| per layer under Approximation 2.1 at finite width n.
// For a unit vector u independent of (W, D), with W iid N(0, sigma2/n) and D iid
// Bernoulli(1/2): ||W D u||^2 = (sigma2/n) ||D u||^2 chi2_n, the chi2_n independent of D u,
// and the direction of W D u is uniform and independent of its length (W is orthogonally
// invariant). For u uniform on the sphere and k = tr D active units,
// ||D u||^2 ~ Beta(k/2, (n-k)/2), E log = psi(k/2) - psi(n/2), Var log = psi'(k/2) - psi'(n/2).
// So log ||J u|| is a random walk with iid increments X (conditioned on k >= 1) and
//   E X   = (1/2) [log(2 sigma2 / n) + E psi(k/2)],
//   Var X = (1/4) [E psi'(k/2) + Var psi(k/2)],   k ~ Bin(n, 1/2).
// E X is the top Lyapunov exponent (Furstenberg-Kesten), the slope of log ||J_1|| in L;
// as n -> infinity it tends to (1/2) log(sigma2 / 2).
struct Lyapunov {
  double mean, var;
};

Lyapunov LyapunovExponentUnderApprox21(std::size_t n, double sigma2) {
  double m_psi = 0.0, m_psi2 = 0.0, m_tri = 0.0, mass = 0.0;
  for (std::size_t k = 1; k <= n; ++k) {
    const double logp = std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0) -
                        static_cast<double>(n) * std::numbers::ln2;
    const double p = std::exp(logp);
    const double ps = digamma(0.5 * static_cast<double>(k));
    mass += p;
    m_psi += p * ps;
    m_psi2 += p * ps * ps;
    m_tri += p * trigamma(0.5 * static_cast<double>(k));
  }
  m_psi /= mass;
  m_psi2 /= mass;
  m_tri /= mass;
  return {0.5 * (std::log(2.0 * sigma2 / static_cast<double>(n)) + m_psi),
          0.25 * (m_tri + m_psi2 - m_psi * m_psi)};
}

/// Least-squares slope of log_norm against depth 1..L.
double fitted_slope(const std::vector<NormResult>& prefix) {
  const double L = static_cast<double>(prefix.size());
  const double xbar = (L + 1.0) / 2.0;
  double ybar = 0.0;
  for (const NormResult& r : prefix) ybar += r.log_norm;
  ybar /= L;
  double sxy = 0.0, sxx = 0.0;
  for (std::size_t l = 0; l < prefix.size(); ++l) {
    const double dx = static_cast<double>(l + 1) - xbar;
    sxy += dx * (prefix[l].log_norm - ybar);
    sxx += dx * dx;
  }
  return sxy / sxx;
}

/// Standard deviation of that slope when log-norms are a random walk with increment
/// variance var: slope = sum_i X_i sum_{l >= i} c_l, c_l = (l - xbar) / Sxx.
double slope_sd(std::size_t L, double var) {
  const double xbar = (static_cast<double>(L) + 1.0) / 2.0;
  double sxx = 0.0;
  for (std::size_t l = 1; l <= L; ++l) sxx += (l - xbar) * (l - xbar);
  double tail = 0.0, sum = 0.0;
  for (std::size_t l = L; l >= 1; --l) {
    tail += (static_cast<double>(l) - xbar) / sxx;
    sum += tail * tail;
  }
  return std::sqrt(var * sum);
}

TEST(LogDomain, SpecialFunctionsOfTheTheory) {
  EXPECT_NEAR(-0.57721566490153286, digamma(1.0), 1e-12);
  EXPECT_NEAR(11.0 / 6.0 - 0.57721566490153286, digamma(4.0), 1e-12);  // psi(4) = H_3 - gamma
  EXPECT_NEAR(std::numbers::pi * std::numbers::pi / 6.0, trigamma(1.0), 1e-12);
  EXPECT_NEAR(std::numbers::pi * std::numbers::pi / 2.0, trigamma(0.5), 1e-12);
}

class Depth1000 : public ::testing::TestWithParam<double> {};

// sigma2 = 0.5 gives ||J_1|| ~ e^-727 (below the smallest double), sigma2 = 16 gives
// ~ e^+1000 (above the largest): only the power-of-two scales keep them finite.
TEST_P(Depth1000, FiniteLogNormsAndThreeMethodsAgree) {
  const double sigma2 = GetParam();
  const std::size_t n = 32, L = 1000;
  const MlpConfig config = make_config(n, L, iid(sigma2));
  Engine e_fast = stream(kSeed, "test_jacobian/depth1000", 0);
  Engine e_net = e_fast;
  SampleOptions opt;
  opt.prefix_norms = true;
  const SampleRecord rec = sample_jacobian_norm(config, e_fast, opt);
  ASSERT_TRUE(std::isfinite(rec.norm.log_norm)) << rec.norm.log_norm;
  ASSERT_EQ(rec.prefix.size(), L);
  for (const NormResult& r : rec.prefix) ASSERT_TRUE(std::isfinite(r.log_norm));

  const Network net = sample_network(config, e_net);
  const ForwardPass pass = forward(net);
  for (std::size_t k = 0; k <= L; ++k) ASSERT_TRUE(pass.Y[k].is_finite()) << k;
  ASSERT_TRUE(pass.Y_out.is_finite());
  const NormResult by_net = jacobian_norm(net, pass);
  const NormResult by_net_exact = jacobian_norm(net, pass, 1, 0, NormMethod::exact);
  const NormResult by_net_iter = jacobian_norm(net, pass, 1, 0, NormMethod::iterative);
  const JacobianOperator op(net, pass);
  const NormResult by_op = spectral_norm_iterative(op);
  ASSERT_EQ(by_op.status, SolverStatus::converged);
  const double op_log = by_op.log_norm + std::numbers::ln2 * op.log2_scale();
  for (const NormResult* r : {&rec.norm, &by_net, &by_net_exact, &by_net_iter, &by_op}) {
    EXPECT_TRUE(std::isfinite(r->log_norm));
    EXPECT_TRUE(std::isfinite(r->norm));
    EXPECT_GT(r->norm, 0.0);
    EXPECT_EQ(r->status, SolverStatus::converged);
  }
  EXPECT_TRUE(LogNear(rec.norm.log_norm, by_net.log_norm, 1e-8)) << "fast path vs network";
  EXPECT_TRUE(LogNear(rec.norm.log_norm, by_net_exact.log_norm, 1e-8)) << "vs exact";
  EXPECT_TRUE(LogNear(rec.norm.log_norm, by_net_iter.log_norm, 1e-8)) << "vs iterative";
  EXPECT_TRUE(LogNear(rec.norm.log_norm, op_log, 1e-8)) << "vs operator + Lanczos";
  EXPECT_TRUE(LogNear(prefix_norms(net, pass).back().log_norm, rec.norm.log_norm, 1e-8));

  // A single chain's slope against the finite-width exponent; loose here (6 SD: false
  // failure rate 2e-9), the averaged test below is the sharp one.
  const Lyapunov th = LyapunovExponentUnderApprox21(n, sigma2);
  const double slope = fitted_slope(rec.prefix);
  EXPECT_NEAR(th.mean, slope, 6.0 * slope_sd(L, th.var));
  // The infinite-width value (1/2) log(sigma2/2) is off by the O(1/n) correction, -0.041
  // at n = 32; 0.1 covers it with room for 6 SD of chain noise.
  EXPECT_NEAR(0.5 * std::log(sigma2 / 2.0), slope, 0.1);
  RecordProperty("slope", num(slope));
}

INSTANTIATE_TEST_SUITE_P(Sigma2, Depth1000, ::testing::Values(0.5, 4.0, 16.0),
                         [](const ::testing::TestParamInfo<double>& param_info) {
                           const int tenths = static_cast<int>(param_info.param * 10);
                           return "sigma2_" + std::to_string(tenths);
                         });

// ReLU is positively homogeneous: multiplying every weight by c = sqrt(sigma2'/sigma2)
// leaves every mask unchanged and multiplies J_1 by c^L. With the same seed the
// sigma2 = 0.5 and sigma2 = 4 networks are such a pair (the normal deviates are scaled by
// the standard deviation), so their log-norms at depth 1000 differ by exactly
// (L/2) log 8 = 1039.72..., one underflowing and one large.
TEST(LogDomain, RescalingTheWeightsShiftsTheLogNormExactly) {
  const std::size_t n = 32, L = 1000;
  Engine a = stream(kSeed, "test_jacobian/rescale", 0), b = a;
  const SampleRecord lo = sample_jacobian_norm(make_config(n, L, iid(0.5)), a);
  const SampleRecord hi = sample_jacobian_norm(make_config(n, L, iid(4.0)), b);
  ASSERT_EQ(lo.active_fraction, hi.active_fraction) << "masks must be unchanged";
  EXPECT_NEAR(0.5 * L * std::log(8.0), hi.norm.log_norm - lo.norm.log_norm, 1e-8);
}

// The slope averaged over 8 independent chains per model, against the finite-width
// exponent of Approximation 2.1 (derivation above). Chains at sigma2 = 0.5 and 4 are
// pooled through their offsets slope - (1/2) log(sigma2/2), which do not depend on sigma2.
// SD of one chain's slope: sqrt(Var X) * 0.035 ~ 0.0071 at n = 32, L = 1000; SE of the mean
// of 8 is 0.0025. Tolerance 5 SE = 0.0126 (false-failure rate 6e-7). The surrogate follows
// the model exactly; the ReLU network follows it up to the dependence of its masks on the
// signal, which measured 0.002 +- 0.0013 over 64 chains (seed 11) -- inside the tolerance.
// The infinite-width value is 0.041 away: 16 SE, so this test sees the finite-n correction.
TEST(LogDomain, SlopeMatchesTheFiniteWidthLyapunovExponent) {
  const std::size_t n = 32, L = 1000, chains = 8;
  for (bool use_surrogate : {false, true}) {
    SCOPED_TRACE(use_surrogate ? "surrogate" : "iid ReLU");
    double sum = 0.0;
    for (std::size_t r = 0; r < chains; ++r) {
      const double sigma2 = r % 2 == 0 ? 0.5 : 4.0;
      const MlpConfig config =
          make_config(n, L, use_surrogate ? surrogate(0.5, sigma2) : iid(sigma2));
      Engine e = stream(kSeed, "test_jacobian/lyapunov", r);
      SampleOptions opt;
      opt.prefix_norms = true;
      opt.method = NormMethod::exact;
      const SampleRecord rec = sample_jacobian_norm(config, e, opt);
      ASSERT_TRUE(std::isfinite(rec.norm.log_norm));
      sum += fitted_slope(rec.prefix) - 0.5 * std::log(sigma2 / 2.0);
    }
    const double offset = sum / static_cast<double>(chains);
    const Lyapunov th = LyapunovExponentUnderApprox21(n, 2.0);  // sigma2 = 2: offset itself
    const double se = slope_sd(L, th.var) / std::sqrt(static_cast<double>(chains));
    EXPECT_NEAR(-0.041270104, th.mean, 1e-8);  // finite-n correction at n = 32
    EXPECT_NEAR(th.mean, offset, 5.0 * se);
    RecordProperty(use_surrogate ? "offset_surrogate" : "offset_iid", num(offset));
  }
}

// ---------------------------------------------------------------------------------------
// All units dead: J = 0
// ---------------------------------------------------------------------------------------

void expect_all_dead(const Network& net, const ForwardPass& pass) {
  const std::size_t L = net.depth(), n = net.width();
  for (std::size_t k : std::set<std::size_t>{1, 2, L}) {
    if (k > L) continue;
    SCOPED_TRACE("k=" + std::to_string(k));
    for (NormMethod m : {NormMethod::exact, NormMethod::iterative, NormMethod::automatic}) {
      EXPECT_TRUE(IsDeadNorm(jacobian_norm(net, pass, k, 0, m))) << to_string(m);
    }
    const ScaledMatrix dense = jacobian_dense(net, pass, k);
    EXPECT_TRUE(dense.value.is_finite());
    EXPECT_EQ(arma::norm(dense.value, "fro"), 0.0);
    EXPECT_EQ(arma::norm(jacobian_reference(net, pass, k), "fro"), 0.0);
    const JacobianOperator op(net, pass, k);
    arma::vec y, x;
    op.perform_op(arma::vec(n, arma::fill::ones), y);
    op.perform_op_transpose(arma::vec(n, arma::fill::ones), x);
    EXPECT_TRUE(y.is_finite() && x.is_finite());
    EXPECT_EQ(arma::norm(y), 0.0);
    EXPECT_EQ(arma::norm(x), 0.0);
    EXPECT_TRUE(IsDeadNorm(spectral_norm_iterative(op)));
  }
}

TEST(AllDead, ZeroInputKillsEveryUnit) {
  Engine e = stream(kSeed, "test_jacobian/dead", 0);
  const Network net = sample_network(make_config(24, 5, iid()), e);
  const ForwardPass pass = forward(net, arma::mat(10, 1, arma::fill::zeros));
  for (const Mask& d : pass.D) EXPECT_EQ(arma::accu(d), 0u);
  for (double f : active_fractions(pass)) EXPECT_EQ(f, 0.0);
  EXPECT_TRUE(pass.Y_out.is_finite());
  EXPECT_EQ(arma::norm(pass.Y_out), 0.0);
  expect_all_dead(net, pass);
  for (NormMethod m : {NormMethod::exact, NormMethod::iterative, NormMethod::automatic}) {
    for (const NormResult& r : prefix_norms(net, pass, 0, m)) EXPECT_TRUE(IsDeadNorm(r));
  }
}

TEST(AllDead, HandBuiltNetworkDiesAtLayerOne) {
  // Y_0 = W_in x = 1.5 (all active), W_1 = -1 (all entries) so Y_1 = -9 and D_1 = 0: the
  // depth-1 prefix is ||W_1 D_0|| = ||-1_{6x6}|| = 6; every deeper Jacobian is 0.
  const std::size_t n = 6, L = 4, d = 3;
  Network net;
  net.config = make_config(n, L, iid(), d);
  net.input = arma::mat(d, 1, arma::fill::ones);
  net.W_in = arma::mat(n, d, arma::fill::value(0.5));
  Engine e = stream(kSeed, "test_jacobian/hand", 0);
  net.W.push_back(arma::mat(n, n, arma::fill::value(-1.0)));
  for (std::size_t l = 2; l <= L; ++l) net.W.push_back(random_mat(e, n, n));
  net.kept.assign(L, n * n);
  net.W_out = random_mat(e, 10, n);
  const ForwardPass pass = forward(net);
  EXPECT_EQ(arma::accu(pass.D[0]), n);
  for (std::size_t k = 1; k <= L; ++k) EXPECT_EQ(arma::accu(pass.D[k]), 0u) << "D_" << k;
  expect_all_dead(net, pass);
  for (NormMethod m : {NormMethod::exact, NormMethod::iterative, NormMethod::automatic}) {
    const std::vector<NormResult> pre = prefix_norms(net, pass, 0, m);
    ASSERT_EQ(pre.size(), L);
    EXPECT_NEAR(std::log(6.0), pre[0].log_norm, 1e-12) << to_string(m);
    for (std::size_t l = 2; l <= L; ++l) EXPECT_TRUE(IsDeadNorm(pre[l - 1])) << l;
  }
}

// The fast path samples its own network, so a dead one must come from the draws.
// (a) The surrogate with alpha = 0 kills every unit for every seed.
// (b) At width 1 a unit dies with probability 1/2 per layer, so among 256 seeds there are
//     (with certainty for these fixed seeds) networks dead at D_0, networks dead at a later
//     layer and live ones; each is checked against the network path.
TEST(AllDead, FastPathReportsZeroNorm) {
  {
    Engine e = stream(kSeed, "test_jacobian/dead-surrogate", 0);
    SampleOptions opt;
    opt.prefix_norms = true;
    const SampleRecord rec = sample_jacobian_norm(make_config(16, 6, surrogate(0.0)), e, opt);
    EXPECT_TRUE(IsDeadNorm(rec.norm));
    for (const NormResult& r : rec.prefix) EXPECT_TRUE(IsDeadNorm(r));
    for (double f : rec.active_fraction) EXPECT_EQ(f, 0.0);
  }
  const std::size_t L = 4;
  const MlpConfig config = make_config(1, L, iid());
  int dead_at_input = 0, dead_later = 0, alive = 0;
  for (std::uint64_t r = 0; r < 256; ++r) {
    SCOPED_TRACE("seed replicate " + std::to_string(r));
    Engine e = stream(kSeed, "test_jacobian/dead-width1", r);
    Engine e_net = e;
    SampleOptions opt;
    opt.prefix_norms = true;
    const SampleRecord rec = sample_jacobian_norm(config, e, opt);
    const Network net = sample_network(config, e_net);
    const ForwardPass pass = forward(net);
    EXPECT_EQ(rec.active_fraction, active_fractions(pass));
    // J at depth l involves D_0..D_{l-1}.
    bool dead = false;
    for (std::size_t l = 1; l <= L; ++l) {
      dead = dead || rec.active_fraction[l - 1] == 0.0;
      if (dead) {
        EXPECT_TRUE(IsDeadNorm(rec.prefix[l - 1])) << "depth " << l;
      } else {
        EXPECT_TRUE(std::isfinite(rec.prefix[l - 1].log_norm)) << "depth " << l;
      }
    }
    if (dead) {
      EXPECT_TRUE(IsDeadNorm(rec.norm));
      EXPECT_TRUE(IsDeadNorm(jacobian_norm(net, pass)));
      (rec.active_fraction[0] == 0.0 ? dead_at_input : dead_later)++;
    } else {
      EXPECT_TRUE(LogNear(jacobian_norm(net, pass).log_norm, rec.norm.log_norm, 1e-12));
      // At width 1, J_1 is the product of the scalar weights.
      double prod = 1.0;
      for (const arma::mat& w : net.W) prod *= w(0, 0);
      EXPECT_NEAR(std::log(std::abs(prod)), rec.norm.log_norm, 1e-12);
      ++alive;
    }
  }
  EXPECT_GT(dead_at_input, 0);
  EXPECT_GT(dead_later, 0);
  EXPECT_GT(alive, 0);
}

// ---------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------

TEST(BadInput, ConfigErrorsNameTheParameterAndTheValue) {
  MlpConfig c = make_config(8, 3, iid());
  EXPECT_NO_THROW(c.validate());
  c.width = 0;
  EXPECT_TRUE(ThrowsInvalidArgument([&] { c.validate(); }, {"width", "got 0"}));
  EXPECT_TRUE(ThrowsInvalidArgument(
      [&] {
        Engine e = stream(kSeed, "x", 0);
        sample_network(c, e);
      },
      {"width", "got 0"}));
  EXPECT_TRUE(ThrowsInvalidArgument(
      [&] {
        Engine e = stream(kSeed, "x", 0);
        sample_jacobian_norm(c, e);
      },
      {"width", "got 0"}));
  c = make_config(8, 0, iid());
  EXPECT_TRUE(ThrowsInvalidArgument([&] { c.validate(); }, {"depth", "got 0"}));
  c = make_config(8, 3, iid(), 0);
  EXPECT_TRUE(ThrowsInvalidArgument([&] { c.validate(); }, {"input_dim", "got 0"}));
  c = make_config(8, 3, iid());
  c.output_dim = 0;
  EXPECT_TRUE(ThrowsInvalidArgument([&] { c.validate(); }, {"output_dim", "got 0"}));
  c = make_config(8, 3, iid(), 10);
  c.input = InputKind::fashion_mnist;
  EXPECT_TRUE(ThrowsInvalidArgument([&] { c.validate(); }, {"input_dim", "784", "got 10"}));
  c.input_dim = 784;
  EXPECT_NO_THROW(c.validate());
}

TEST(BadInput, ShapesAndIndicesAreChecked) {
  Engine e = stream(kSeed, "test_jacobian/bad", 0);
  const Network net = sample_network(make_config(8, 5, iid()), e);
  EXPECT_TRUE(ThrowsInvalidArgument([&] { forward(net, arma::mat(9, 1, arma::fill::ones)); },
                                    {"forward()", "10", "got 9"}));
  const ForwardPass pass = forward(net);
  EXPECT_TRUE(ThrowsInvalidArgument([&] { jacobian_dense(net, pass, 0); },
                                    {"jacobian_dense()", "k", "[1, 5]", "got 0"}));
  EXPECT_TRUE(ThrowsInvalidArgument([&] { jacobian_dense(net, pass, 6); },
                                    {"jacobian_dense()", "k", "[1, 5]", "got 6"}));
  EXPECT_TRUE(ThrowsInvalidArgument([&] { jacobian_reference(net, pass, 6); },
                                    {"jacobian_reference()", "got 6"}));
  EXPECT_TRUE(ThrowsInvalidArgument([&] { (void)JacobianOperator(net, pass, 0); },
                                    {"JacobianOperator()", "got 0"}));
  EXPECT_TRUE(ThrowsInvalidArgument([&] { jacobian_norm(net, pass, 7); },
                                    {"jacobian_norm()", "got 7"}));
  EXPECT_TRUE(ThrowsInvalidArgument([&] { jacobian_norm(net, pass, 1, 1); },
                                    {"jacobian_norm()", "column", "got 1"}));
  EXPECT_TRUE(ThrowsInvalidArgument([&] { prefix_norms(net, pass, 2); },
                                    {"prefix_norms()", "column", "got 2"}));
  EXPECT_TRUE(ThrowsInvalidArgument([&] { active_fractions(pass, 1); },
                                    {"active_fractions()", "column", "got 1"}));
  // A pass of another depth.
  const ForwardPass shallow = forward(truncated(net, 3));
  EXPECT_TRUE(ThrowsInvalidArgument([&] { jacobian_dense(net, shallow, 1); },
                                    {"jacobian_dense()", "4 masks", "expected 6"}));
}

TEST(BadInput, ParseInputKind) {
  EXPECT_EQ(parse_input_kind("gaussian"), InputKind::gaussian);
  EXPECT_EQ(parse_input_kind("fashion-mnist"), InputKind::fashion_mnist);
  for (InputKind k : {InputKind::gaussian, InputKind::fashion_mnist}) {
    EXPECT_EQ(parse_input_kind(to_string(k)), k);
  }
  EXPECT_TRUE(ThrowsInvalidArgument([] { parse_input_kind("mnist"); }, {"input", "'mnist'"}));
  EXPECT_TRUE(ThrowsInvalidArgument([] { parse_input_kind("", "--input"); }, {"--input", "''"}));
  EXPECT_TRUE(ThrowsInvalidArgument([] { parse_input_kind("Gaussian"); }, {"'Gaussian'"}));
}

// ---------------------------------------------------------------------------------------
// Fashion-MNIST input
// ---------------------------------------------------------------------------------------

TEST(FashionMnist, NetworkSamplesATrainingImageScaledToUnitInterval) {
  const std::filesystem::path dir = fashion_mnist_dir();
  std::error_code ec;
  if (!std::filesystem::exists(dir / "train-images-idx3-ubyte.gz", ec) &&
      !std::filesystem::exists(dir / "train-images-idx3-ubyte", ec)) {
    GTEST_SKIP() << "Fashion-MNIST not installed at " << dir;
  }
  const IdxImages& images = load_fashion_mnist_images(true);
  ASSERT_EQ(images.count, 60000u);
  MlpConfig config = make_config(16, 3, iid(), 784);
  config.input = InputKind::fashion_mnist;
  std::set<std::size_t> seen;
  for (std::uint64_t r = 0; r < 5; ++r) {
    Engine e = stream(kSeed, "test_jacobian/fashion", r);
    Engine e_index = e, e_fast = e;
    const Network net = sample_network(config, e);
    ASSERT_TRUE(net.image_index.has_value());
    const std::size_t idx = *net.image_index;
    EXPECT_LT(idx, 60000u);
    EXPECT_EQ(idx, e_index.uniform_int(60000));  // the network's first draw
    seen.insert(idx);
    ASSERT_EQ(net.input.n_rows, 784u);
    ASSERT_EQ(net.input.n_cols, 1u);
    for (std::size_t i = 0; i < 784; ++i) {
      ASSERT_EQ(net.input(i, 0), static_cast<double>(images.pixels[idx * 784 + i]) / 255.0)
          << "pixel " << i;
    }
    EXPECT_GT(arma::accu(net.input), 0.0);
    // The fast path draws the same image.
    const ForwardPass pass = forward(net);
    EXPECT_TRUE(LogNear(jacobian_norm(net, pass).log_norm,
                        sample_jacobian_norm(config, e_fast).norm.log_norm, 1e-12));
  }
  EXPECT_GT(seen.size(), 1u);
  // sample_input() reports the index; Gaussian inputs report none.
  Engine e = stream(kSeed, "test_jacobian/fashion", 0), e2 = e;
  std::optional<std::size_t> index;
  const arma::mat x = sample_input(config, e, &index);
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(x.n_rows, 784u);
  EXPECT_EQ(*index, sample_network(config, e2).image_index.value());
  std::optional<std::size_t> none = 3;
  Engine g = stream(kSeed, "test_jacobian/fashion", 0);
  sample_input(make_config(16, 3, iid()), g, &none);
  EXPECT_FALSE(none.has_value());
}

}  // namespace

// Known case, end to end: at depth 1, J_1 = W_1 D_0 is an n x m Gaussian matrix (m active
// inputs) with entry variance sigma2/n, whose norm tends to the Marchenko-Pastur edge
// sqrt(sigma2/n) (sqrt(n) + sqrt(m)) (Geman 1980). At n = 512 the Tracy-Widom fluctuations are
// O(n^{-2/3}) relative, about 1.6%, with a mean slightly below the edge; each replicate must lie
// within [0.94, 1.03] of its own edge and the mean ratio within [0.97, 1.005].
TEST(KnownCases, DepthOneNormIsAtTheMarchenkoPasturEdge) {
  jacstab::MlpConfig c;
  c.width = 512;
  c.depth = 1;
  double sum = 0.0;
  const int reps = 12;
  for (int r = 0; r < reps; ++r) {
    jacstab::Engine e = jacstab::stream(4, "test_jacobian/mp-edge", r);
    const jacstab::SampleRecord rec = jacstab::sample_jacobian_norm(c, e);
    const double m = rec.active_fraction[0] * 512.0;
    const double edge = std::sqrt(2.0 / 512.0) * (std::sqrt(512.0) + std::sqrt(m));
    const double ratio = std::exp(rec.norm.log_norm) / edge;
    EXPECT_GT(ratio, 0.94) << "replicate " << r;
    EXPECT_LT(ratio, 1.03) << "replicate " << r;
    sum += ratio;
  }
  EXPECT_GT(sum / reps, 0.97);
  EXPECT_LT(sum / reps, 1.005);
}
