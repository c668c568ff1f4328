// One Monte-Carlo sample of ||J_1|| and its floors, at (n = 256, L = 100) and (n = 1024,
// L = 20); batches of samples on 1 and 2 threads (replicate parallelism, the way validation
// runs them); and the two norm paths at large width (n = 4096, 8192, L = 10).
//
// Floors: sampling the L full weight matrices; the chain of L dense n x n GEMMs; and the
// fast path's own floor, the least work its algorithm does (drawing the n x n/2 columns of
// the active units and one (n/2)^3 GEMM per layer).
//
// Single-threaded BLAS, as in the replicate-parallel runs, except for the large-width
// benchmarks, which use every core for one network.
//
//   build/bench_sample --benchmark_counters_tabular=true
//   build/bench_sample --benchmark_filter=LargeWidth     (about a minute per benchmark)
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>
#include <vector>

#include "jacstab/build_info.hpp"
#include "jacstab/ensembles.hpp"
#include "jacstab/jacobian.hpp"
#include "jacstab/mlp.hpp"
#include "jacstab/parallel.hpp"
#include "jacstab/rng.hpp"

namespace {

using namespace jacstab;

void BM_GenerateGaussian(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  std::vector<double> buf(count);
  Engine engine = stream(1, "bench", 0);
  for (auto _ : state) {
    engine.fill_normal(buf.data(), count);
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(count));
  // Seconds per double (kInvert of a rate); multiply by 1e9 for ns.
  state.counters["s_per_double"] = benchmark::Counter(
      static_cast<double>(count) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_GenerateGaussian)->ArgNames({"count"})->Arg(1 << 16)->Arg(1 << 20);

// Floor 1: sampling the L hidden weight matrices alone (iid critical ensemble).
void BM_SampleWeights(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto L = static_cast<std::size_t>(state.range(1));
  const Ensemble ens;
  arma::mat w(n, n);
  std::uint64_t rep = 0;
  for (auto _ : state) {
    Engine engine = stream(1, "bench", rep++);
    for (std::size_t l = 0; l < L; ++l) {
      ens.sample_into(w, engine);
      benchmark::DoNotOptimize(w.memptr());
    }
  }
}
BENCHMARK(BM_SampleWeights)->ArgNames({"width", "depth"})->Args({256, 100})->Args({1024, 20})
    ->Unit(benchmark::kMillisecond);

// Floor 2: the chain of L dense n x n GEMMs, P <- W_l P, on pre-sampled matrices.
void BM_GemmChain(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto L = static_cast<std::size_t>(state.range(1));
  const Ensemble ens;
  Engine engine = stream(1, "bench", 0);
  std::vector<arma::mat> ws(std::min<std::size_t>(L, 8), arma::mat(n, n));
  for (auto& w : ws) ens.sample_into(w, engine);
  arma::mat p(n, n), next(n, n);
  for (auto _ : state) {
    p = ws[0];
    for (std::size_t l = 1; l < L; ++l) {
      next = ws[l % ws.size()] * p;
      p.swap(next);
      p *= 0.7;  // keep magnitudes bounded; O(n^2), negligible
    }
    benchmark::DoNotOptimize(p.memptr());
  }
  state.counters["gflops"] = benchmark::Counter(
      2.0 * static_cast<double>(n) * n * n * static_cast<double>(L - 1) * state.iterations() / 1e9,
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_GemmChain)->ArgNames({"width", "depth"})->Args({256, 100})->Args({1024, 20})
    ->Unit(benchmark::kMillisecond);

// Floor 3, the fast path's own: per layer, n x n/2 Gaussian draws (the columns of the active
// units) and one (n/2) x (n/2) by (n/2) x (n/2) GEMM (the compact chain step). Everything else
// a sample does (forward pass, gathering columns, the final norm) comes on top.
void BM_FastPathFloor(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto L = static_cast<std::size_t>(state.range(1));
  const std::size_t h = n / 2;
  arma::mat w(n, h), p(h, h), next(h, h);
  Engine engine = stream(1, "bench-floor", 0);
  for (auto _ : state) {
    p.eye();
    for (std::size_t l = 0; l < L; ++l) {
      engine.fill_normal(w.memptr(), w.n_elem, std::sqrt(2.0 / static_cast<double>(n)));
      next = w.head_rows(h) * p;
      p.swap(next);
    }
    benchmark::DoNotOptimize(p.memptr());
  }
}
BENCHMARK(BM_FastPathFloor)->ArgNames({"width", "depth"})->Args({256, 100})->Args({1024, 20})
    ->Unit(benchmark::kMillisecond);

// One full Monte-Carlo sample: weights, forward pass, Jacobian chain, spectral norm.
void BM_SampleJacobianNorm(benchmark::State& state) {
  MlpConfig config;
  config.width = static_cast<std::size_t>(state.range(0));
  config.depth = static_cast<std::size_t>(state.range(1));
  std::uint64_t rep = 0;
  for (auto _ : state) {
    Engine engine = stream(1, "bench", rep++);
    SampleRecord rec = sample_jacobian_norm(config, engine);
    benchmark::DoNotOptimize(rec.norm.log_norm);
  }
}
BENCHMARK(BM_SampleJacobianNorm)->ArgNames({"width", "depth"})->Args({256, 100})->Args({1024, 20})
    ->Unit(benchmark::kMillisecond);

// Cost growth in the width at fixed depth L = 20: O(n^3) from the GEMM chain.
void BM_SampleJacobianNormWidth(benchmark::State& state) {
  MlpConfig config;
  config.width = static_cast<std::size_t>(state.range(0));
  config.depth = 20;
  std::uint64_t rep = 0;
  for (auto _ : state) {
    Engine engine = stream(2, "bench-width", rep++);
    SampleRecord rec = sample_jacobian_norm(config, engine);
    benchmark::DoNotOptimize(rec.norm.log_norm);
  }
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_SampleJacobianNormWidth)->ArgNames({"width"})->RangeMultiplier(2)->Range(64, 1024)
    ->Unit(benchmark::kMillisecond)->Complexity(benchmark::oNCubed);

// Throughput: a batch of 8 samples on `threads` worker threads (each sample single-threaded,
// as `jacstab sample --threads T` and the validation programs run them). s_per_sample is the
// wall time per sample.
void BM_SampleJacobianNormBatch(benchmark::State& state) {
  MlpConfig config;
  config.width = static_cast<std::size_t>(state.range(0));
  config.depth = static_cast<std::size_t>(state.range(1));
  const auto threads = static_cast<unsigned>(state.range(2));
  constexpr std::size_t kBatch = 8;
  std::uint64_t first = 0;
  for (auto _ : state) {
    parallel_for(kBatch, threads, [&](std::size_t i) {
      Engine engine = stream(1, "bench-batch", first + i);
      SampleRecord rec = sample_jacobian_norm(config, engine);
      benchmark::DoNotOptimize(rec.norm.log_norm);
    });
    first += kBatch;
  }
  state.counters["s_per_sample"] = benchmark::Counter(
      static_cast<double>(kBatch) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_SampleJacobianNormBatch)->ArgNames({"width", "depth", "threads"})
    ->Args({256, 100, 1})->Args({256, 100, 2})->Args({1024, 20, 1})->Args({1024, 20, 2})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// Peak resident memory since the last reset_peak_rss() (Linux: VmHWM), in bytes; 0 where
// /proc is not available.
double peak_rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "VmHWM:") {
      double kib = 0;
      in >> kib;
      return kib * 1024.0;
    }
    std::getline(in, key);
  }
  return 0.0;
}
void reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

// Large width, L = 10: ||J_1|| of one sampled network, with every core for BLAS, by
//   method 0: the compact dense chain and LAPACK's SVD of the product (NormMethod::exact);
//   method 1: the matrix-free operator and Lanczos (NormMethod::iterative);
//   method 2: the automatic choice between 1 and 3 (NormMethod::automatic);
//   method 3: the dense chain and the cheaper norm of the product (auto's dense candidate).
// Counters: the log-norm (the two paths must agree), the relative error bound, the Lanczos
// steps, whether the operator was used, the network's size and the peak resident memory
// during the norm (network included; run one benchmark per process for a clean figure).
void BM_JacobianNormLargeWidth(benchmark::State& state) {
  MlpConfig config;
  config.width = static_cast<std::size_t>(state.range(0));
  config.depth = 10;
  const std::int64_t path = state.range(1);
  const NormMethod method = path == 0   ? NormMethod::exact
                            : path == 1 ? NormMethod::iterative
                                        : NormMethod::automatic;
  Engine engine = stream(1, "bench-large", 0);
  const Network net = sample_network(config, engine);
  const ForwardPass pass = forward(net);
  const int previous = set_blas_threads(static_cast<int>(default_thread_count()));
  const bool operator_used = method == NormMethod::iterative ||
                             (method == NormMethod::automatic && jacobian_norm_prefers_operator(net, pass));
  reset_peak_rss();
  NormResult r;
  for (auto _ : state) {
    r = path == 3 ? jacobian_norm_chain(net, pass, 1, 0, NormMethod::automatic)
                  : jacobian_norm(net, pass, 1, 0, method);
    // Through a copy: DoNotOptimize's "+r" constraint may hand a double back through a
    // general-purpose register (seen with GCC 12), and r is read afterwards.
    double sink = r.log_norm;
    benchmark::DoNotOptimize(sink);
  }
  set_blas_threads(previous);
  double network_bytes = 0;
  for (const auto& w : net.W) network_bytes += 8.0 * static_cast<double>(w.n_elem);
  state.counters["log_norm"] = r.log_norm;
  state.counters["rel_error_bound"] = r.norm > 0 ? r.error_bound / r.norm : 0.0;
  state.counters["lanczos_steps"] = static_cast<double>(r.method == NormMethod::iterative ? r.iterations : 0);
  state.counters["used_operator"] = operator_used ? 1.0 : 0.0;
  state.counters["network_gib"] = network_bytes / (1024.0 * 1024.0 * 1024.0);
  state.counters["peak_rss_gib"] = peak_rss_bytes() / (1024.0 * 1024.0 * 1024.0);
  state.counters["threads"] = static_cast<double>(default_thread_count());
}
BENCHMARK(BM_JacobianNormLargeWidth)->ArgNames({"width", "method"})
    ->ArgsProduct({{4096, 8192}, {0, 1, 2, 3}})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  jacstab::set_blas_threads(1);
  benchmark::AddCustomContext("jacstab_version", jacstab::build_info::version);
  benchmark::AddCustomContext("jacstab_git", jacstab::build_info::git_hash);
  benchmark::AddCustomContext("blas", jacstab::blas_config());
  benchmark::AddCustomContext("blas_threads", "1");
  benchmark::AddCustomContext("boost", jacstab::build_info::boost_version);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
