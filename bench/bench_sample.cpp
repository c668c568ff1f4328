// One Monte-Carlo sample of ||J_1|| and its two floors (sampling the weights; the chain of L
// dense GEMMs), at (n = 256, L = 100) and (n = 1024, L = 20). Single-threaded BLAS, as in the
// replicate-parallel runs.
//
//   build/bench_sample --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

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
