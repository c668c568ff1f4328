// jacstab sample: Monte-Carlo ||J_1|| for one configuration.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "ensemble_options.hpp"
#include "jacstab/ensembles.hpp"
#include "jacstab/format.hpp"
#include "jacstab/io.hpp"
#include "jacstab/jacobian.hpp"
#include "jacstab/mlp.hpp"
#include "jacstab/parallel.hpp"
#include "jacstab/provenance.hpp"
#include "jacstab/rng.hpp"
#include "options.hpp"

namespace jacstab::cli {
namespace {

constexpr const char* kHelp = R"(Usage: jacstab sample --width N --depth L [options]

Samples ReLU MLPs (paper eq. 1, no biases) and reports the spectral norm of the input-output
Jacobian J_1 = W_L D_{L-1} ... W_1 D_0 (eq. 2) for each replicate.

Network:
  --width N          hidden width n, integer >= 1 (required)
  --depth L          number of hidden layers L, integer >= 1 (required)
  --input KIND       gaussian (default; x ~ N(0, I_784)) or fashion-mnist (a training image
                     drawn uniformly per replicate, pixels / 255; needs the Debian package
                     dataset-fashion-mnist)

Weights of W_1..W_L (W_in and W_out are iid N(0, sigma2 / fan-in)):
  --ensemble KIND    iid (default)            N(0, sigma2/n)
                     random-prune             Bernoulli(1-s) mask, Thm 4.1
                     magnitude-threshold      keep |w| > t, Thm 4.2
                     magnitude-topr           keep the r largest |w| per matrix, Thm 4.3
                     dependent                W_ind + eta w^k, one N(0, sigma2/n) scalar per layer
                     equicorrelated           variance sigma2/n, pairwise correlation rho
                     surrogate                iid weights, ReLU masks replaced by independent
                                              Bernoulli(alpha) masks (Approx. 2.1)
  --sigma2 X         weight variance times fan-in, > 0 (default 2, the edge of chaos)
  --sparsity S       pruned fraction in [0, 1) for random-prune and magnitude-topr (default 0)
  --scale RULE       factor applied to kept weights of pruned ensembles:
                     none (default), inverse-sqrt ((1-s)^-1/2), theorem (as printed in
                     Thm 4.1/4.2/4.3), variance-matched (E[(b w)^2 1{kept}] = sigma2/n)
  --threshold T      magnitude-threshold's t > 0 (required for that ensemble)
  --topr-c C         magnitude-topr keeps r = floor(n log^C n) instead of using --sparsity
  --eta E            dependent ensemble's eta >= 0 (default 0)
  --rho R            equicorrelated ensemble's rho in [0, 1) (default 0)
  --alpha A          surrogate mask probability in [0, 1] (default 0.5)

Monte Carlo:
  --seed S           master seed, integer >= 0 (default 1); replicate r uses stream (S, "sample", r)
  --reps R           number of replicates, integer >= 1 (default 1)
  --threads T        worker threads, integer >= 1 (default: all cores); results do not
                     depend on T
  --norm-method M    auto (default), exact (LAPACK SVD) or iterative (Lanczos)
  --all-depths       also report log ||J_1|| of every prefix depth 1..L (one chain)

Output:
  --json             print one JSON object: configuration, per-replicate norm, log_norm,
                     active fraction of D_0..D_L, summary, provenance. A norm too large for
                     a double, and the log-norm of a dead network (J = 0), are null; see
                     "dead" and "log_norm".
  --export DIR       write replicate 0's network as NumPy .npy files into DIR (created if
                     needed): input.npy, W_in.npy, W_1.npy..W_L.npy (after pruning and
                     scaling), D_0.npy..D_{L-1}.npy (uint8 masks) and manifest.json listing
                     them under "input", "W_in", "layers", "masks" with "norm" =
                     ||W_L D_{L-1} ... W_1 D_0||. Files are written atomically.
  --help             show this help

Progress is shown on stderr when it is a terminal. A run whose estimated memory (about 4
n x n double matrices per replicate in flight, 5 with --norm-method exact, plus L + 2 with
--export) exceeds the memory available is refused before it starts, with exit status 2.
Exit status: 0 success, 2 bad input, 1 internal failure (e.g. a missing dataset).
)";

double mean_of(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

double se_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean_of(v);
  double ss = 0.0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()));
}

void export_network(const std::filesystem::path& dir, const MlpConfig& config, std::uint64_t seed,
                    const SampleOptions& sopts) {
  namespace fs = std::filesystem;
  Engine engine = stream(seed, "sample", 0);
  const Network net = sample_network(config, engine);
  const ForwardPass pass = forward(net);
  const NormResult nr = jacobian_norm(net, pass, 1, 0, sopts.method);

  // Build everything in a sibling temporary directory, then move the files in, manifest last.
  const fs::path target = fs::absolute(dir);
  const fs::path tmp =
      target.parent_path() / str_cat(".", target.filename().string(), ".tmp.", ::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  std::vector<std::string> names;
  try {
    write_npy(tmp / "input.npy", arma::vec(net.input.col(0)));
    names.push_back("input.npy");
    write_npy(tmp / "W_in.npy", net.W_in);
    names.push_back("W_in.npy");
    JsonWriter w;
    w.begin_object();
    w.key("input"); w.value("input.npy");
    w.key("W_in"); w.value("W_in.npy");
    w.key("layers");
    w.begin_array();
    for (std::size_t l = 1; l <= net.depth(); ++l) {
      const std::string name = "W_" + std::to_string(l) + ".npy";
      write_npy(tmp / name, net.W[l - 1]);
      names.push_back(name);
      w.value(name);
    }
    w.end_array();
    w.key("masks");
    w.begin_array();
    for (std::size_t l = 0; l < net.depth(); ++l) {
      const std::string name = "D_" + std::to_string(l) + ".npy";
      const Mask& d = pass.D[l];
      write_npy_u8(tmp / name, std::span<const std::uint8_t>(d.memptr(), d.n_rows));
      names.push_back(name);
      w.value(name);
    }
    w.end_array();
    const double norm = std::exp(nr.log_norm);
    w.key("norm"); if (std::isfinite(norm)) w.value(norm); else w.null_value();
    w.key("log_norm"); if (std::isfinite(nr.log_norm)) w.value(nr.log_norm); else w.null_value();
    w.key("dead"); w.value(nr.is_zero());
    w.key("convention");
    w.value("norm = ||W_L D_{L-1} ... W_1 D_0||, D_l = diag(mask l); float64 arrays, Fortran order");
    w.key("ensemble"); w.value(config.hidden.describe());
    w.key("width"); w.value(config.width);
    w.key("depth"); w.value(config.depth);
    w.key("seed"); w.value(seed);
    w.key("replicate"); w.value(0);
    w.key("provenance"); write_json(w, collect_provenance());
    w.end_object();
    write_file_atomic(tmp / "manifest.json", w.str() + "\n");
    fs::create_directories(target);
    for (const auto& name : names) fs::rename(tmp / name, target / name);
    fs::rename(tmp / "manifest.json", target / "manifest.json");
    fs::remove_all(tmp);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
}

// Peak memory of a run, estimated from measurements of this build (peak RSS at n = 2000 and
// 4000): each replicate in flight holds a few n x n double matrices (the running product, the
// active columns of the next layer, the GEMM output; 2.6-3.5 n^2 doubles measured, 4 assumed,
// 5 with the LAPACK SVD), an export keeps the whole network (L + 2 matrices), and the
// Fashion-MNIST images take about 100 MiB. A request above the memory still available is
// refused before anything is allocated, naming the option that sets the size.
void refuse_if_out_of_memory(const Options& o, const MlpConfig& config, std::size_t reps, unsigned threads,
                             bool exporting, bool exact_svd) {
  const double n = static_cast<double>(config.width);
  const double matrix = 8.0 * n * n;
  const double in_flight = static_cast<double>(std::min<std::size_t>(reps, threads));
  double bytes = 64.0 * 1024 * 1024 + in_flight * (exact_svd ? 5.0 : 4.0) * matrix;
  if (exporting) bytes += (static_cast<double>(config.depth) + 2.0) * matrix + 8.0 * 784.0 * n;
  if (config.input == InputKind::fashion_mnist) bytes += 100.0 * 1024 * 1024;
  const auto available = available_memory_bytes();
  if (!available || bytes <= static_cast<double>(*available)) return;
  std::string why = str_cat("--width ", config.width, ": the run needs an estimated ", format_bytes(bytes),
                            " of memory (", format_sig(in_flight, 3), " replicate(s) in flight, --threads ", threads,
                            ", each holding about ", exact_svd ? 5 : 4, " matrices of ", format_bytes(matrix));
  if (exporting) why += str_cat("; --export keeps all ", config.depth + 2, " weight matrices");
  why += str_cat("), but only ", format_bytes(static_cast<double>(*available)),
                 " are available; reduce --width", threads > 1 && reps > 1 ? " or --threads" : "",
                 exporting ? " or drop --export" : "");
  o.fail(why);
}

}  // namespace

int run_sample(const std::vector<std::string>& args) {
  if (print_help_if_asked(args, kHelp)) return 0;
  const Options o("sample", args,
                  with_ensemble_options({"width", "depth", "input", "seed", "reps", "threads",
                                         "norm-method", "export"}),
                  {"json", "all-depths"});
  if (!o.has("width")) o.fail("--width is required (see --help)");
  if (!o.has("depth")) o.fail("--depth is required (see --help)");

  MlpConfig config;
  config.width = *o.integer("width", 1, 1u << 20);
  config.depth = *o.integer("depth", 1, 1u << 20);
  config.hidden = parse_ensemble(o, config.width);
  const EnsembleParams& p = config.hidden.params();
  if (auto t = o.text("input")) {
    try {
      config.input = parse_input_kind(*t, "--input");
    } catch (const std::invalid_argument& e) {
      o.fail(e.what());
    }
  }
  const std::uint64_t seed = o.integer("seed", 0, UINT64_MAX).value_or(1);
  const std::size_t reps = o.integer("reps", 1, 100000000).value_or(1);
  const unsigned threads =
      static_cast<unsigned>(o.integer("threads", 1, 4096).value_or(default_thread_count()));
  SampleOptions sopts;
  if (auto t = o.text("norm-method")) {
    try {
      sopts.method = parse_norm_method(*t, "--norm-method");
    } catch (const std::invalid_argument& e) {
      o.fail(e.what());
    }
  }
  sopts.prefix_norms = o.flag("all-depths");
  const bool json = o.flag("json");
  std::optional<std::filesystem::path> export_dir;
  if (auto t = o.text("export")) {
    if (t->empty()) o.fail("--export needs a directory, got ''");
    export_dir = *t;
    std::error_code ec;
    if (std::filesystem::exists(*export_dir, ec) && !std::filesystem::is_directory(*export_dir, ec)) {
      o.fail("--export must name a directory, got '" + *t + "' (an existing file)");
    }
  }
  refuse_if_out_of_memory(o, config, reps, threads, export_dir.has_value(), sopts.method == NormMethod::exact);
  if (config.input == InputKind::fashion_mnist) (void)load_fashion_mnist_images(true);

  // Run.
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<SampleRecord> out(reps);
  const bool progress = reps > 1 && ::isatty(STDERR_FILENO);
  parallel_for(
      reps, threads,
      [&](std::size_t r) {
        Engine engine = stream(seed, "sample", r);
        out[r] = sample_jacobian_norm(config, engine, sopts);
      },
      [&](std::size_t done) {
        if (progress && (done == reps || done % std::max<std::size_t>(1, reps / 100) == 0)) {
          std::cerr << "\rjacstab sample: " << done << "/" << reps << " replicates" << std::flush;
          if (done == reps) std::cerr << "\n";
        }
      });
  for (std::size_t r = 0; r < reps; ++r) {
    if (out[r].norm.status == SolverStatus::numerical_issue) {
      throw std::runtime_error("replicate " + std::to_string(r) +
                               ": the spectral norm computation hit non-finite values");
    }
  }
  if (export_dir) export_network(*export_dir, config, seed, sopts);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::vector<double> norms, logs;
  std::size_t dead = 0;
  for (const SampleRecord& rec : out) {
    if (rec.norm.is_zero()) {
      ++dead;
      norms.push_back(0.0);
      continue;
    }
    logs.push_back(rec.norm.log_norm);
    norms.push_back(std::exp(rec.norm.log_norm));
  }

  if (json) {
    JsonWriter w;
    w.begin_object();
    w.key("command"); w.value("sample");
    w.key("config");
    w.begin_object();
    w.key("width"); w.value(config.width);
    w.key("depth"); w.value(config.depth);
    w.key("input_dim"); w.value(config.input_dim);
    w.key("input"); w.value(to_string(config.input));
    w.key("ensemble"); w.value(to_string(p.kind));
    w.key("ensemble_description"); w.value(config.hidden.describe());
    w.key("sigma2"); w.value(p.sigma2);
    if (config.hidden.is_pruned()) {
      w.key("scale"); w.value(to_string(p.scale));
      w.key("scale_factor"); w.value(config.hidden.scale_factor(config.width, config.width));
      w.key("expected_kept_fraction");
      w.value(config.hidden.expected_kept_fraction(config.width, config.width));
    }
    if (o.has("sparsity")) { w.key("sparsity"); w.value(p.sparsity); }
    if (o.has("threshold")) { w.key("threshold"); w.value(p.threshold); }
    if (p.topr_c) { w.key("topr_c"); w.value(*p.topr_c); }
    if (p.kind == EnsembleKind::magnitude_topr) {
      w.key("topr_r"); w.value(config.hidden.topr_count(config.width, config.width));
    }
    if (p.kind == EnsembleKind::dependent) { w.key("eta"); w.value(p.eta); }
    if (p.kind == EnsembleKind::equicorrelated) { w.key("rho"); w.value(p.rho); }
    if (p.kind == EnsembleKind::surrogate) { w.key("alpha"); w.value(p.alpha); }
    w.key("seed"); w.value(seed);
    w.key("reps"); w.value(reps);
    w.key("threads"); w.value(threads);
    w.key("norm_method"); w.value(to_string(sopts.method));
    w.end_object();
    w.key("replicates");
    w.begin_array();
    for (std::size_t r = 0; r < reps; ++r) {
      const SampleRecord& rec = out[r];
      w.begin_object();
      w.key("replicate"); w.value(r);
      const double nrm = rec.norm.is_zero() ? 0.0 : std::exp(rec.norm.log_norm);
      w.key("norm"); if (std::isfinite(nrm)) w.value(nrm); else w.null_value();
      w.key("log_norm");
      if (std::isfinite(rec.norm.log_norm)) w.value(rec.norm.log_norm); else w.null_value();
      w.key("dead"); w.value(rec.norm.is_zero());
      w.key("relative_error_bound");
      w.value(rec.norm.norm > 0.0 ? rec.norm.error_bound / rec.norm.norm : 0.0);
      w.key("norm_method"); w.value(to_string(rec.norm.method));
      w.key("status"); w.value(to_string(rec.norm.status));
      w.key("active_fraction");
      w.begin_array();
      for (double a : rec.active_fraction) w.value(a);
      w.end_array();
      if (config.hidden.is_pruned()) {
        w.key("kept");
        w.begin_array();
        for (auto k : rec.kept) w.value(k);
        w.end_array();
      }
      if (sopts.prefix_norms) {
        w.key("prefix_log_norm");
        w.begin_array();
        for (const auto& pr : rec.prefix) {
          if (std::isfinite(pr.log_norm)) w.value(pr.log_norm); else w.null_value();
        }
        w.end_array();
      }
      w.end_object();
    }
    w.end_array();
    w.key("summary");
    w.begin_object();
    w.key("dead_replicates"); w.value(dead);
    w.key("mean_norm"); w.value(mean_of(norms));
    w.key("se_norm"); w.value(se_of(norms));
    w.key("mean_log_norm_alive"); if (logs.empty()) w.null_value(); else w.value(mean_of(logs));
    w.key("se_log_norm_alive"); if (logs.empty()) w.null_value(); else w.value(se_of(logs));
    w.key("wall_seconds"); w.value(wall);
    w.end_object();
    if (export_dir) { w.key("export"); w.value(std::filesystem::absolute(*export_dir).string()); }
    w.key("provenance"); write_json(w, collect_provenance());
    w.end_object();
    std::cout << w.str() << "\n";
    return 0;
  }

  std::ostringstream os;
  os << "jacstab sample: n=" << config.width << " L=" << config.depth << " "
     << config.hidden.describe() << " input=" << to_string(config.input) << " seed=" << seed
     << " reps=" << reps << "\n";
  os << std::setw(9) << "replicate" << "  " << std::setw(22) << "norm" << "  " << std::setw(22)
     << "log_norm" << "  " << std::setw(11) << "mean_active" << "\n";
  const std::size_t shown = std::min<std::size_t>(reps, 20);
  for (std::size_t r = 0; r < shown; ++r) {
    const SampleRecord& rec = out[r];
    double act = 0.0;
    for (double a : rec.active_fraction) act += a;
    act /= static_cast<double>(rec.active_fraction.size());
    os << std::setw(9) << r << "  " << std::setw(22)
       << (rec.norm.is_zero() ? std::string("0 (dead)") : format_number(std::exp(rec.norm.log_norm)))
       << "  " << std::setw(22)
       << (rec.norm.is_zero() ? std::string("-inf") : format_number(rec.norm.log_norm)) << "  "
       << std::setw(11) << std::setprecision(4) << act << "\n";
  }
  if (reps > shown) os << "  ... (" << reps - shown << " more; use --json for all)\n";
  os << std::setprecision(6) << "mean norm = " << mean_of(norms) << " (SE " << se_of(norms) << ")";
  if (!logs.empty()) os << ", mean log-norm = " << mean_of(logs) << " (SE " << se_of(logs) << ")";
  if (dead) os << ", dead networks: " << dead;
  os << "\nwall time " << std::setprecision(3) << wall << " s on " << threads << " thread(s)\n";
  if (export_dir) os << "exported replicate 0 to " << export_dir->string() << "\n";
  std::cout << os.str();
  return 0;
}

}  // namespace jacstab::cli
