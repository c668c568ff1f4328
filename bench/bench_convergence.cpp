// Convergence in the width n: how fast finite-width quantities approach their infinite-width
// (free-probability) limits, and what one replicate costs.
//
// Quantities, each against JacobianLimit (sigma2_eff per layer, alpha = 1/2):
//   iid           ||J_1||, W iid N(0, 2/n)                                  sigma2_eff = 2
//   prune-0.5     ||J_1||, random pruning s = 0.5, kept weights x (1-s)^-1/2 sigma2_eff = 2
//   prune-0.9     ||J_1||, random pruning s = 0.9, same scaling             sigma2_eff = 2
//   magnitude-vm  ||J_1||, magnitude pruning keeping |w| > t_n, t_n = z sqrt(2/n) with
//                 P(|N| > z) = 0.1 (a fixed kept fraction 0.1), variance-matched factor
//                                                                           sigma2_eff = 2
//   dependent     ||J_1||, W = W_ind + eta_n w^k, with correlation eta^2/(1+eta^2) at half
//                 Thm 5.1's bound n^{-3/2}/log n                           sigma2_eff = 2(1+eta_n^2)
//   moments       m_k = (1/n) tr (J_1 J_1^T)^k, k = 1..4, iid (the iid chains themselves)
// Pruned and magnitude-pruned matrices have iid entries of variance sigma2_eff/n, and the
// rank-one part of the dependent ensemble has operator norm eta_n sqrt(2n) |N| -> 0 here, so
// all five norms share the masked free-probability limit of their sigma2_eff.
//
// Each benchmark is one (quantity, width) cell: replicate r draws from the stream
// (seed, "convergence/<quantity>/n<width>", r); one chain per replicate gives the norm at
// every depth of the cell (SampleOptions::norm_depths). Replicates run in batches of 4 on
// --threads threads until, at every depth, the standard error of E||J|| is at most half the
// distance to the limit (the bias is resolved), or until the profile's cap for that width.
// The batch rule and the merge order make the result independent of the thread count.
//
//   build/bench_convergence --profile paper --report-dir reports
//
// writes reports/convergence.md, convergence.svg, convergence-ln.svg and
// reports/bench/convergence.json (the Google Benchmark JSON); without --report-dir only the
// benchmark table is printed.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <numbers>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/math/distributions/normal.hpp>

#include "jacstab/build_info.hpp"
#include "jacstab/ensembles.hpp"
#include "jacstab/experiment.hpp"
#include "jacstab/format.hpp"
#include "jacstab/freeprob.hpp"
#include "jacstab/io.hpp"
#include "jacstab/jacobian.hpp"
#include "jacstab/mlp.hpp"
#include "jacstab/parallel.hpp"
#include "jacstab/provenance.hpp"
#include "jacstab/report.hpp"
#include "jacstab/rng.hpp"
#include "jacstab/spectral.hpp"
#include "jacstab/stats.hpp"
#include "options.hpp"

namespace {

using namespace jacstab;

constexpr std::size_t kMoments = 4;

// --- the grid ------------------------------------------------------------------------

struct Grid {
  std::vector<std::size_t> widths;
  std::vector<std::size_t> depths;     ///< the fixed-L grid
  std::vector<std::size_t> ln_inverse; ///< lines L/n = 1/c for these c (iid only)
  std::size_t max_ln_depth = 0;        ///< L/n-line depths above this are skipped
  std::size_t min_reps = 8;
  std::size_t batch = 4;
  std::map<std::size_t, std::size_t> cap;  ///< replicate cap per width
};

Grid grid_for(Profile profile) {
  Grid g;
  switch (profile) {
    case Profile::quick:
      g.widths = {32, 64, 128};
      g.depths = {1, 2, 5};
      g.ln_inverse = {32, 16};
      g.max_ln_depth = 8;
      g.cap = {{32, 16}, {64, 16}, {128, 16}};
      break;
    case Profile::paper:
      g.widths = {64, 128, 256, 512, 1024, 2048, 4096};
      g.depths = {1, 5, 10, 30};
      g.ln_inverse = {256, 64, 16};
      g.max_ln_depth = 128;
      g.cap = {{64, 256}, {128, 256}, {256, 256}, {512, 128}, {1024, 64}, {2048, 32}, {4096, 16}};
      break;
    case Profile::extended:
      g.widths = {64, 128, 256, 512, 1024, 2048, 4096, 8192};
      g.depths = {1, 5, 10, 30};
      g.ln_inverse = {256, 64, 16};
      g.max_ln_depth = 256;
      g.cap = {{64, 512},  {128, 512}, {256, 512}, {512, 256},
               {1024, 128}, {2048, 64}, {4096, 32}, {8192, 16}};
      break;
  }
  return g;
}

// --- the quantities --------------------------------------------------------------------

/// Thm 5.1's bound on the pairwise correlation, n^{-3/2} / log n; the dependent quantity
/// sits at half of it: eta^2 / (1 + eta^2) = bound / 2.
double dependent_eta(std::size_t n) {
  const double N = static_cast<double>(n);
  const double c = 0.5 * std::pow(N, -1.5) / std::log(N);
  return std::sqrt(c / (1.0 - c));
}

/// z with P(|N(0,1)| > z) = 0.1.
double magnitude_z() {
  static const double z = boost::math::quantile(boost::math::complement(boost::math::normal_distribution<double>(), 0.05));
  return z;
}

struct Quantity {
  std::string id;
  std::string label;
  std::function<EnsembleParams(std::size_t n)> params;
  std::function<double(std::size_t n)> sigma2_eff;
  bool iid_extras = false;  ///< moments and the L/n lines
};

std::vector<Quantity> quantities() {
  auto two = [](std::size_t) { return 2.0; };
  return {
      {"iid", "iid N(0, 2/n)", [](std::size_t) { return iid_ensemble(); }, two, true},
      {"prune-0.5", "random pruning s = 0.5, scaled (1-s)^-1/2",
       [](std::size_t) { return random_prune_ensemble(0.5, ScaleRule::inverse_sqrt); }, two},
      {"prune-0.9", "random pruning s = 0.9, scaled (1-s)^-1/2",
       [](std::size_t) { return random_prune_ensemble(0.9, ScaleRule::inverse_sqrt); }, two},
      {"magnitude-vm", "magnitude pruning, kept fraction 0.1, variance-matched",
       [](std::size_t n) {
         return threshold_ensemble(magnitude_z() * std::sqrt(2.0 / static_cast<double>(n)),
                                   ScaleRule::variance_matched);
       },
       two},
      {"dependent", "dependent, correlation at half Thm 5.1's bound",
       [](std::size_t n) { return dependent_ensemble(dependent_eta(n)); },
       [](std::size_t n) {
         const double eta = dependent_eta(n);
         return 2.0 * (1.0 + eta * eta);
       }},
  };
}

/// Depths of a cell: the fixed-L grid, plus the L/n lines for iid.
std::vector<std::size_t> cell_depths(const Grid& g, const Quantity& q, std::size_t n) {
  std::set<std::size_t> d(g.depths.begin(), g.depths.end());
  if (q.iid_extras) {
    for (std::size_t c : g.ln_inverse) {
      if (n % c == 0 && n / c >= 1 && n / c <= g.max_ln_depth) d.insert(n / c);
    }
  }
  return {d.begin(), d.end()};
}

// --- running one cell ------------------------------------------------------------------

struct Moments {
  double mean = 0, se = 0, limit = 0;
  /// With the control variate c = sum_{i<l} (2|a_i|/n - 1), whose mean is exactly 0 (each unit
  /// of an iid network with symmetric weights is active with probability exactly 1/2: flipping
  /// the sign of its row of W flips it): mean(m) - beta mean(c), beta the least-squares slope
  /// of m on c over the replicates, and its standard error from the residuals (R - 2 df).
  double cv_mean = 0, cv_se = 0;
};

struct DepthResult {
  std::size_t depth = 0;
  double limit = 0;   ///< lim ||J_1||
  double mean = 0, se = 0;
  std::array<Moments, kMoments> moments{};
  bool resolved() const { return se <= 0.5 * std::abs(mean - limit); }
};

struct Cell {
  const Quantity* quantity = nullptr;
  std::size_t width = 0;
  std::size_t reps = 0, cap = 0, dead = 0;
  double cpu_s_per_rep = 0;  ///< median processor time of one replicate (its whole chain)
  double wall_s = 0;
  std::vector<DepthResult> depths;
};

struct Settings {
  Profile profile = Profile::paper;
  std::uint64_t seed = kDefaultValidationSeed;
  unsigned threads = 1;
  bool quiet = false;
};

Settings g_settings;
std::vector<Cell> g_cells;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Replicate {
  std::vector<double> norm;                           ///< per depth
  std::vector<double> mask_cv;                        ///< per depth: sum_{i<l} (2|a_i|/n - 1)
  std::vector<std::array<double, kMoments>> moments;  ///< per depth (iid only)
  bool dead = false;
  double cpu_s = 0;
};

Replicate run_replicate(const Quantity& q, std::size_t n, const std::vector<std::size_t>& depths,
                        std::uint64_t r) {
  const double t0 = thread_cpu_seconds();
  const MlpConfig config = mlp_config(n, depths.back(), q.params(n));
  Engine engine = stream(g_settings.seed, str_cat("convergence/", q.id, "/n", n), r);
  SampleOptions options;
  options.norm_depths = depths;
  Replicate rep;
  if (q.iid_extras) {
    rep.moments.resize(depths.size());
    std::size_t i = 0;
    options.on_depth = [&](std::size_t, const arma::mat& p, int log2) {
      const std::vector<double> t = gram_trace_powers(p, kMoments);
      for (std::size_t k = 0; k < kMoments; ++k) {
        // m_k = tr (P P^T)^k 2^{2 k log2} / n, P P^T scaled by 2^{2 log2}.
        const double log_m = std::log(t[k]) + 2.0 * static_cast<double>(k + 1) * log2 * std::numbers::ln2 -
                             std::log(static_cast<double>(n));
        rep.moments[i][k] = t[k] > 0 ? std::exp(log_m) : 0.0;
      }
      ++i;
    };
  }
  const SampleRecord rec = sample_jacobian_norm(config, engine, options);
  for (const NormResult& nr : rec.at_depths) {
    rep.norm.push_back(nr.is_zero() ? 0.0 : std::exp(nr.log_norm));
  }
  rep.dead = rec.norm.is_zero();
  for (std::size_t l : depths) {
    double c = 0;
    for (std::size_t i = 0; i < l; ++i) c += 2.0 * rec.active_fraction[i] - 1.0;
    rep.mask_cv.push_back(c);
  }
  rep.cpu_s = thread_cpu_seconds() - t0;
  return rep;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}
double se_of(const std::vector<double>& v) {
  if (v.size() < 2) return std::numeric_limits<double>::infinity();
  const double m = mean_of(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()));
}

/// Control-variate estimate of E[y] with a covariate c of known mean 0: ybar - beta cbar, beta
/// = S_cy / S_cc, with standard error s_e sqrt(1/R + cbar^2 / S_cc), s_e^2 = RSS / (R - 2)
/// (the intercept of the least-squares line of y on c; e.g. Glasserman 2003, "Monte Carlo
/// methods in financial engineering", sec. 4.1). Falls back to the plain mean and SE when c
/// is constant or R < 3.
std::pair<double, double> control_variate_mean(const std::vector<double>& y, const std::vector<double>& c) {
  const std::size_t R = y.size();
  const double ybar = mean_of(y), cbar = mean_of(c);
  double scc = 0, scy = 0;
  for (std::size_t i = 0; i < R; ++i) {
    scc += (c[i] - cbar) * (c[i] - cbar);
    scy += (c[i] - cbar) * (y[i] - ybar);
  }
  if (R < 3 || !(scc > 0)) return {ybar, se_of(y)};
  const double beta = scy / scc;
  double rss = 0;
  for (std::size_t i = 0; i < R; ++i) {
    const double e = (y[i] - ybar) - beta * (c[i] - cbar);
    rss += e * e;
  }
  const double s2 = rss / static_cast<double>(R - 2);
  return {ybar - beta * cbar, std::sqrt(s2 * (1.0 / static_cast<double>(R) + cbar * cbar / scc))};
}

Cell run_cell(const Grid& g, const Quantity& q, std::size_t n) {
  Cell cell;
  cell.quantity = &q;
  cell.width = n;
  cell.cap = g.cap.at(n);
  const std::vector<std::size_t> depths = cell_depths(g, q, n);
  std::vector<double> moment_limits;
  cell.depths.resize(depths.size());
  for (std::size_t i = 0; i < depths.size(); ++i) {
    const JacobianLimit lim = JacobianLimit::constant(depths[i], q.sigma2_eff(n), 0.5);
    cell.depths[i].depth = depths[i];
    cell.depths[i].limit = lim.norm_limit();
    if (q.iid_extras) {
      const std::vector<double> m = lim.moments(kMoments);
      for (std::size_t k = 0; k < kMoments; ++k) cell.depths[i].moments[k].limit = m[k];
    }
  }
  std::vector<Replicate> reps;
  const auto start = std::chrono::steady_clock::now();
  double next_report = 10.0;  // progress at most every 10 s, and when the cell is done
  while (true) {
    const std::size_t first = reps.size();
    std::vector<Replicate> batch(g.batch);
    parallel_for(g.batch, g_settings.threads,
                 [&](std::size_t i) { batch[i] = run_replicate(q, n, depths, first + i); });
    for (auto& b : batch) reps.push_back(std::move(b));
    // Statistics over replicates 0..R-1 in index order.
    for (std::size_t i = 0; i < depths.size(); ++i) {
      std::vector<double> v;
      for (const auto& r : reps) v.push_back(r.norm[i]);
      cell.depths[i].mean = mean_of(v);
      cell.depths[i].se = se_of(v);
      if (q.iid_extras) {
        for (std::size_t k = 0; k < kMoments; ++k) {
          std::vector<double> m;
          for (const auto& r : reps) m.push_back(r.moments[i][k]);
          cell.depths[i].moments[k].mean = mean_of(m);
          cell.depths[i].moments[k].se = se_of(m);
          std::vector<double> c;
          for (const auto& r : reps) c.push_back(r.mask_cv[i]);
          const auto [cv_mean, cv_se] = control_variate_mean(m, c);
          cell.depths[i].moments[k].cv_mean = cv_mean;
          cell.depths[i].moments[k].cv_se = cv_se;
        }
      }
    }
    const std::size_t resolved = static_cast<std::size_t>(
        std::count_if(cell.depths.begin(), cell.depths.end(), [](const DepthResult& d) { return d.resolved(); }));
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool done = reps.size() >= cell.cap || (reps.size() >= g.min_reps && resolved == depths.size());
    if (!g_settings.quiet && (done || elapsed >= next_report)) {
      next_report = elapsed + 10.0;
      std::cerr << "[convergence] " << q.id << " n=" << n << ": " << reps.size() << " of at most " << cell.cap
                << " replicates, bias resolved at " << resolved << " of " << depths.size() << " depths, "
                << format_fixed(elapsed, 1) << " s\n";
    }
    if (done) break;
  }
  cell.reps = reps.size();
  std::vector<double> cpu;
  for (const auto& r : reps) {
    cpu.push_back(r.cpu_s);
    cell.dead += r.dead;
  }
  cell.cpu_s_per_rep = sample_quantile(cpu, 0.5);
  cell.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return cell;
}

void BM_ConvergeNorm(benchmark::State& state, const Grid* grid, const Quantity* q, std::size_t n) {
  Cell cell;
  for (auto _ : state) cell = run_cell(*grid, *q, n);
  state.counters["reps"] = static_cast<double>(cell.reps);
  state.counters["rep_cap"] = static_cast<double>(cell.cap);
  state.counters["cpu_s_per_rep"] = cell.cpu_s_per_rep;
  state.counters["dead"] = static_cast<double>(cell.dead);
  for (const DepthResult& d : cell.depths) {
    const std::string p = str_cat("L", d.depth, "_");
    state.counters[p + "mean"] = d.mean;
    state.counters[p + "se"] = d.se;
    state.counters[p + "limit"] = d.limit;
    state.counters[p + "err"] = d.mean - d.limit;
    if (q->iid_extras) {
      for (std::size_t k = 0; k < kMoments; ++k) {
        const std::string m = str_cat(p, "m", k + 1, "_");
        state.counters[m + "mean"] = d.moments[k].mean;
        state.counters[m + "se"] = d.moments[k].se;
        state.counters[m + "limit"] = d.moments[k].limit;
        state.counters[m + "cv_mean"] = d.moments[k].cv_mean;
        state.counters[m + "cv_se"] = d.moments[k].cv_se;
      }
    }
  }
  g_cells.push_back(std::move(cell));
}

// --- re-reading a benchmark JSON --------------------------------------------------------

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(str_cat("cannot read ", path.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// What the JSON context recorded about the measuring run.
struct MeasuredRun {
  std::map<std::string, std::string> context;
  double wall_s = 0;  ///< sum of the cells' real times
};

/// Rebuilds g_cells from a JSON file written by this program (--benchmark_out): each
/// "BM_ConvergeNorm/<quantity>/width:<n>" entry's counters give the cell back. Throws
/// std::runtime_error naming the file when it holds no such entry.
MeasuredRun read_cells(const std::filesystem::path& path) {
  const std::string text = read_text_file(path);
  MeasuredRun run;
  const std::regex pair_re("\"([^\"]+)\": (\"[^\"]*\"|[-+0-9.eE]+|true|false|null)");
  const std::size_t bench_at = text.find("\"benchmarks\"");
  if (bench_at == std::string::npos) throw std::runtime_error(str_cat(path.string(), ": no \"benchmarks\" array"));
  {
    const std::string ctx = text.substr(0, bench_at);
    for (auto it = std::sregex_iterator(ctx.begin(), ctx.end(), pair_re); it != std::sregex_iterator(); ++it) {
      std::string v = (*it)[2].str();
      if (!v.empty() && v.front() == '"') v = v.substr(1, v.size() - 2);
      run.context[(*it)[1].str()] = v;
    }
  }
  static const std::vector<Quantity> qs = quantities();
  std::size_t pos = bench_at;
  while ((pos = text.find('{', pos)) != std::string::npos) {
    const std::size_t end = text.find('}', pos);
    if (end == std::string::npos) break;
    const std::string block = text.substr(pos, end - pos);
    pos = end;
    std::map<std::string, std::string> kv;
    for (auto it = std::sregex_iterator(block.begin(), block.end(), pair_re); it != std::sregex_iterator(); ++it) {
      std::string v = (*it)[2].str();
      if (!v.empty() && v.front() == '"') v = v.substr(1, v.size() - 2);
      kv[(*it)[1].str()] = v;
    }
    std::smatch m;
    const std::string name = kv["name"];
    static const std::regex name_re("^BM_ConvergeNorm/([^/]+)/width:([0-9]+)/");
    if (!std::regex_search(name, m, name_re) || kv.count("error_occurred")) continue;
    const auto q = std::find_if(qs.begin(), qs.end(), [&](const Quantity& x) { return x.id == m[1].str(); });
    if (q == qs.end()) continue;
    auto num = [&](const std::string& k) { return kv.count(k) ? std::stod(kv[k]) : NAN; };
    Cell c;
    c.quantity = &*q;
    c.width = std::stoul(m[2].str());
    c.reps = static_cast<std::size_t>(num("reps"));
    c.cap = static_cast<std::size_t>(num("rep_cap"));
    c.dead = static_cast<std::size_t>(num("dead"));
    c.cpu_s_per_rep = num("cpu_s_per_rep");
    c.wall_s = num("real_time");
    run.wall_s += c.wall_s;
    std::set<std::size_t> depths;
    static const std::regex depth_re("^L([0-9]+)_mean$");
    for (const auto& [k, v] : kv) {
      std::smatch dm;
      if (std::regex_match(k, dm, depth_re)) depths.insert(std::stoul(dm[1].str()));
    }
    for (std::size_t L : depths) {
      DepthResult d;
      d.depth = L;
      const std::string p = str_cat("L", L, "_");
      d.mean = num(p + "mean");
      d.se = num(p + "se");
      d.limit = num(p + "limit");
      for (std::size_t k = 0; k < kMoments; ++k) {
        const std::string mk = str_cat(p, "m", k + 1, "_");
        d.moments[k] = {num(mk + "mean"), num(mk + "se"), num(mk + "limit"), num(mk + "cv_mean"), num(mk + "cv_se")};
      }
      c.depths.push_back(d);
    }
    g_cells.push_back(std::move(c));
  }
  if (g_cells.empty()) throw std::runtime_error(str_cat(path.string(), ": no BM_ConvergeNorm results"));
  return run;
}

// --- analysis --------------------------------------------------------------------------

/// One point of an error curve.
struct Point {
  double n, err, se, limit;  ///< err = estimate - limit
  std::size_t reps;
  bool resolved() const { return se <= 0.5 * std::abs(err); }
};

struct Fit {
  std::optional<PowerLawFit> fit;
  std::size_t used = 0, points = 0;
  bool mixed_signs = false;
  std::string note;
};

/// Weighted power-law fit of |err| over the resolved points (at least 3).
Fit fit_points(const std::vector<Point>& pts, bool relative) {
  Fit f;
  f.points = pts.size();
  std::vector<double> n, y, se;
  int pos = 0, neg = 0;
  for (const Point& p : pts) {
    if (!p.resolved() || !(p.se > 0)) continue;
    n.push_back(p.n);
    const double scale = relative ? p.limit : 1.0;
    y.push_back(std::abs(p.err) / scale);
    se.push_back(p.se / scale);
    (p.err > 0 ? pos : neg)++;
  }
  f.used = n.size();
  f.mixed_signs = pos > 0 && neg > 0;
  if (n.size() < 3) {
    f.note = str_cat("only ", n.size(), " width(s) with a resolved bias");
    return f;
  }
  f.fit = weighted_power_law_fit(n, y, se, 0.95);
  return f;
}

std::string gamma_text(const Fit& f) {
  if (!f.fit) return str_cat("— (", f.note, ")");
  return str_cat(format_fixed(f.fit->gamma, 3), " [", format_fixed(f.fit->gamma_ci.low, 3), ", ",
                 format_fixed(f.fit->gamma_ci.high, 3), "]", f.mixed_signs ? " (mixed signs)" : "");
}

/// The width at which the fitted relative error reaches `target` (empty without a fit with
/// gamma > 0).
std::optional<double> width_for(const Fit& relative_fit, double target) {
  if (!relative_fit.fit || !(relative_fit.fit->gamma > 0)) return std::nullopt;
  return std::pow(relative_fit.fit->prefactor / target, 1.0 / relative_fit.fit->gamma);
}

std::string sig(double x, int d = 4) { return std::isfinite(x) ? format_sig(x, d) : std::string("—"); }

struct Series {
  std::string quantity;  ///< quantity id, or "iid m_k"
  std::string label;
  std::size_t depth;
  std::vector<Point> points;
};

std::vector<Series> norm_series(const Grid& g) {
  std::vector<Series> out;
  for (const Quantity& q : quantities()) {
    for (std::size_t L : g.depths) {
      Series s{q.id, q.label, L, {}};
      for (const Cell& c : g_cells) {
        if (c.quantity->id != q.id) continue;
        for (const DepthResult& d : c.depths) {
          if (d.depth == L) s.points.push_back({double(c.width), d.mean - d.limit, d.se, d.limit, c.reps});
        }
      }
      if (!s.points.empty()) out.push_back(std::move(s));
    }
  }
  return out;
}

std::vector<Series> moment_series(const Grid& g) {
  std::vector<Series> out;
  for (std::size_t k = 0; k < kMoments; ++k) {
    for (std::size_t L : g.depths) {
      Series s{str_cat("m", k + 1), str_cat("m_", k + 1, " = (1/n) tr (J J^T)^", k + 1, ", iid"), L, {}};
      for (const Cell& c : g_cells) {
        if (!c.quantity->iid_extras) continue;
        for (const DepthResult& d : c.depths) {
          if (d.depth != L) continue;
          const Moments& m = d.moments[k];
          // The control-variate estimate (same expectation, smaller variance).
          s.points.push_back({double(c.width), m.cv_mean - m.limit, m.cv_se, m.limit, c.reps});
        }
      }
      if (!s.points.empty()) out.push_back(std::move(s));
    }
  }
  return out;
}

/// L/n lines of the iid quantity: points (n, L = n/c).
std::vector<Series> ln_series(const Grid& g) {
  std::vector<Series> out;
  for (std::size_t c : g.ln_inverse) {
    Series s{"iid", str_cat("L/n = 1/", c), c, {}};
    for (const Cell& cell : g_cells) {
      if (!cell.quantity->iid_extras) continue;
      for (const DepthResult& d : cell.depths) {
        if (d.depth * c == cell.width) {
          s.points.push_back({double(cell.width), d.mean - d.limit, d.se, d.limit, cell.reps});
        }
      }
    }
    if (!s.points.empty()) out.push_back(std::move(s));
  }
  return out;
}

std::string gnuplot_escape(std::string s) {
  std::string out;
  for (char ch : s) {
    if (ch == '_' || ch == '^' || ch == '{' || ch == '}' || ch == '@' || ch == '&' || ch == '~') out += "\\";
    if (ch == '\'') {
      out += "''";
      continue;
    }
    out += ch;
  }
  return out;
}

/// A multiplot of |error| against n, one panel per group of series.
std::string error_figure(const std::vector<std::vector<const Series*>>& panels,
                         const std::vector<std::string>& titles, bool relative, int cols, int rows,
                         int width_px, int height_px) {
  Figure fig;
  fig.width_px = width_px;
  fig.height_px = height_px;
  std::ostringstream script;
  script << "set multiplot layout " << rows << "," << cols << "\n"
         << "set logscale x 2\nset logscale y 10\nset format x '2^{%L}'\nset format y '10^{%L}'\n"
         << "set xlabel 'width n' font ',10'\nset key top right font ',8' samplen 1.5\n"
         << "set ylabel '" << (relative ? "|E||J|| / limit - 1|" : "|E - limit|") << "' font ',10'\n";
  int block = 0;
  for (std::size_t p = 0; p < panels.size(); ++p) {
    script << "set title '" << gnuplot_escape(titles[p]) << "' font ',10'\n";
    std::string plot;
    int lt = 1;
    for (const Series* s : panels[p]) {
      auto& rows_data = fig.block(str_cat("d", block));
      auto& fit_data = fig.block(str_cat("f", block));
      const Fit f = fit_points(s->points, relative);
      double nmin = 1e300, nmax = 0;
      for (const Point& pt : s->points) {
        const double scale = relative ? pt.limit : 1.0;
        const double y = std::abs(pt.err) / scale, e = pt.se / scale;
        if (!(y > 0)) continue;
        // An interval reaching 0 is drawn down to y/10 (the log axis has no 0).
        rows_data.push_back({pt.n, y, std::max(y - e, 0.1 * y), y + e, pt.resolved() ? y : NAN});
        nmin = std::min(nmin, pt.n);
        nmax = std::max(nmax, pt.n);
      }
      if (f.fit) {
        for (double n : {nmin, nmax}) fit_data.push_back({n, f.fit->prefactor * std::pow(n, -f.fit->gamma)});
      } else {
        fit_data.push_back({NAN, NAN});
      }
      const std::string title = s->quantity == "iid" && s->label.rfind("L/n", 0) == 0
                                    ? s->label
                                    : str_cat("L=", s->depth);
      plot += str_cat(plot.empty() ? "plot " : ", ", "$d", block, " using 1:2:3:4 with yerrorbars lt ", lt,
                      " pt 6 notitle, $d", block, " using 1:5 with points lt ", lt, " pt 7 ps 1.2 title '",
                      gnuplot_escape(title), f.fit ? str_cat(" γ=", format_fixed(f.fit->gamma, 2)) : std::string(),
                      "', $f", block, " using 1:2 with lines lt ", lt, " dt 2 notitle");
      ++block;
      ++lt;
    }
    script << plot << "\n";
  }
  script << "unset multiplot\n";
  fig.script = script.str();
  return render_svg(fig);
}

std::string write_analysis(const Grid& g, const std::filesystem::path& dir, double wall_s,
                           const std::string& command_line, const std::string& measured_by) {
  const std::vector<Series> norms = norm_series(g);
  const std::vector<Series> moments = moment_series(g);
  const std::vector<Series> lines = ln_series(g);
  const Provenance prov = collect_provenance();
  std::ostringstream md;
  md << "# Convergence in the width n\n\n"
     << "How large must n be before the infinite-width statement describes a network? For each "
        "quantity with an infinite-width limit in the free-probability module, the mean over "
        "replicates at widths n = "
     << g.widths.front() << ", …, " << g.widths.back()
     << " is compared with its limit, and |error| ≈ C·n^(−γ) is fitted.\n\n"
        "Generated by `bench_convergence --profile "
     << to_string(g_settings.profile) << "` (`bench/bench_convergence.cpp`); the raw Google Benchmark "
        "JSON is `bench/convergence.json` beside this file.\n\n";

  md << "## Method\n\n"
     << "- **Network.** Bias-free ReLU MLP, Gaussian input x ~ N(0, I₇₈₄), W_in iid N(0, 2/784), "
        "hidden W_1..W_L from the quantity's ensemble; ‖J₁‖ = ‖W_L D_{L−1} ⋯ W₁ D₀‖.\n"
     << "- **Quantities and limits.** The limit of ‖J₁‖ is √λ₊ of the masked free-probability law "
        "(S-transform ∏ 1/(σ²(½ + z)); `jacstab limit`), the same for all five ensembles at their "
        "effective σ²:\n"
     << "  - `iid`: W iid N(0, 2/n).\n"
     << "  - `prune-0.5`, `prune-0.9`: random pruning at sparsity s, kept weights × (1−s)^−½ "
        "(Thm 4.1's setting); entries iid with variance 2/n.\n"
     << "  - `magnitude-vm`: magnitude pruning keeping |w| > t_n = z·√(2/n), z = "
     << format_fixed(magnitude_z(), 4)
     << " (kept fraction 0.1 at every n), kept weights scaled by the variance-matching factor; "
        "entries iid with variance 2/n.\n"
     << "  - `dependent`: W = W_ind + η_n·wᵏ (§5) with pairwise correlation η²/(1+η²) at half of "
        "Thm 5.1's bound n^{−3/2}/log n (η = "
     << format_sig(dependent_eta(g.widths.front()), 3) << " at n = " << g.widths.front() << ", "
     << format_sig(dependent_eta(g.widths.back()), 3) << " at n = " << g.widths.back()
     << "); limit at σ² = 2(1+η²). The rank-one part has norm ≈ η√(2n)|N(0,1)| → 0.\n"
     << "  - `m_k` = (1/n) tr (J₁J₁ᵀ)^k, k = 1..4, of the iid networks, against the limit's moments "
        "(Lagrange inversion; m₁ = 1).\n"
     << "- **Depths.** L ∈ {";
  for (std::size_t i = 0; i < g.depths.size(); ++i) md << (i ? ", " : "") << g.depths[i];
  md << "}, all from one chain per replicate (the depth-l network is the first l layers). For iid the "
        "chain also gives the lines of constant L/n ∈ {";
  for (std::size_t i = 0; i < g.ln_inverse.size(); ++i) md << (i ? ", " : "") << "1/" << g.ln_inverse[i];
  md << "} (depths up to " << g.max_ln_depth << ").\n"
     << "- **Replicates.** Batches of " << g.batch << ", at least " << g.min_reps
     << ", until at every depth of the cell the standard error of the mean is at most half the "
        "distance to the limit (the bias is resolved), or until the cap for the width: ";
  {
    bool first = true;
    for (const auto& [n, c] : g.cap) {
      md << (first ? "" : ", ") << "n = " << n << ": " << c;
      first = false;
    }
  }
  md << ". Replicate r of a cell draws from the stream (seed, \"convergence/<quantity>/n<width>\", r); "
        "the result does not depend on the thread count.\n"
     << "- **Fit.** For each quantity and L: weighted least squares of log|error| on log n over the "
        "widths whose bias is resolved (at least 3), weights 1/(SE/|error|)² (delta method), interval "
        "from the t distribution with the residual scale (as R's `lm(weights=)`). A series whose resolved "
        "errors change sign is marked “mixed signs”: |error| then is not a power law.\n"
     << "- **L/n.** Along each line of constant L/n the fit is of the relative error |E‖J₁‖/limit − 1|. "
        "If L/n alone controlled the relative error (Hanin & Nica 2020), these lines would be flat: γ ≈ 0.\n\n";

  // --- gamma table: norms ---
  md << "## Exponents γ of |E‖J₁‖ − limit| ≈ C·n^(−γ)\n\n";
  md << "95% intervals; “widths” is the number of widths with a resolved bias used in the fit, out of "
        "those run.\n\n";
  Table gammas{"", {"quantity", "L", "γ [95% CI]", "C", "widths", "rel. error at largest n", "n for 1% (fit)"}, {}};
  for (const Series& s : norms) {
    const Fit f = fit_points(s.points, false);
    const Fit fr = fit_points(s.points, true);
    const Point& last = s.points.back();
    const auto n1 = width_for(fr, 0.01);
    gammas.rows.push_back({"`" + s.quantity + "`", std::to_string(s.depth), gamma_text(f),
                           f.fit ? sig(f.fit->prefactor, 3) : "—", str_cat(f.used, "/", f.points),
                           str_cat(format_sig(last.err / last.limit, 2), " ± ", format_sig(last.se / last.limit, 1),
                                   " (n=", static_cast<std::size_t>(last.n), ")"),
                           n1 ? sig(*n1, 2) : "—"});
  }
  md << render_markdown_table(gammas) << "![|E‖J₁‖ − limit| against n](convergence.svg)\n\n";
  {
    // Which known rates the intervals admit: n^{-2/3} is the Tracy-Widom scale of the edge of a
    // single Wishart-type matrix (its mean sits O(n^{-2/3}) below the edge), n^{-1} the
    // scale of smooth (linear) spectral statistics.
    std::size_t fits = 0, tw = 0, one = 0, both = 0, neither = 0;
    for (const Series& s : norms) {
      const Fit f = fit_points(s.points, false);
      if (!f.fit) continue;
      ++fits;
      const bool a = f.fit->gamma_ci.low <= 2.0 / 3.0 && 2.0 / 3.0 <= f.fit->gamma_ci.high;
      const bool b = f.fit->gamma_ci.low <= 1.0 && 1.0 <= f.fit->gamma_ci.high;
      tw += a && !b;
      one += b && !a;
      both += a && b;
      neither += !a && !b;
    }
    md << "**Reading.** " << fits << " of " << norms.size()
       << " (quantity, L) series have enough resolved widths to fit. Their intervals on γ contain 2/3 "
          "(the Tracy–Widom scale n^{−2/3} of the edge of one Gaussian matrix, whose mean norm sits "
          "O(n^{−2/3}) below the limit) but not 1 in "
       << tw << ", 1 but not 2/3 in " << one << ", both in " << both << ", and neither in " << neither
       << ". “n for 1%” is where the fitted relative error reaches 1%; it extrapolates beyond the "
          "widths run wherever it exceeds them.\n\n";
  }

  // --- gamma table: moments ---
  md << "## Exponents γ for the moments of J₁J₁ᵀ (iid)\n\n";
  md << "The plain mean of m_k inherits the fluctuation of the mask counts: at L = 1, m₁ = (1/n)‖J₁‖_F² "
        "is (1/n) Σ over the active units j of D₀ of ‖W₁e_j‖², about 2|a₀|/n, so its relative standard "
        "deviation is at least that of |a₀| ~ Binomial(n, ½), 1/√n, and every further layer adds its "
        "own count. A bias of order 1/n would then need R ≳ n replicates. The moments are therefore "
        "estimated with the control variate c = Σ_{i<L} (2|a_i|/n − 1), whose mean is exactly 0 (in "
        "an iid network with symmetric weights each unit is active with probability exactly ½: "
        "flipping the sign of its row of W_i flips it; up to the chance, below 2^−n, that a whole "
        "layer dies): the estimate is mean(m) − β̂·mean(c), β̂ the "
        "least-squares slope of m on c over the replicates, with the standard error of that "
        "regression's intercept. “SE ÷” is how many times smaller its standard error is than the "
        "plain mean's, at the largest n.\n\n";
  Table moment_table{"", {"moment", "L", "limit", "γ [95% CI]", "widths", "rel. error at largest n", "SE ÷"}, {}};
  for (const Series& s : moments) {
    const Fit f = fit_points(s.points, false);
    const Point& last = s.points.back();
    double raw_se = NAN;
    for (const Cell& c : g_cells) {
      if (!c.quantity->iid_extras || static_cast<double>(c.width) != last.n) continue;
      for (const DepthResult& d : c.depths) {
        if (d.depth == s.depth) raw_se = d.moments[static_cast<std::size_t>(s.quantity[1] - '1')].se;
      }
    }
    moment_table.rows.push_back({"`" + s.quantity + "`", std::to_string(s.depth), sig(last.limit, 6),
                                 gamma_text(f), str_cat(f.used, "/", f.points),
                                 str_cat(format_sig(last.err / last.limit, 2), " ± ",
                                         format_sig(last.se / last.limit, 1), " (n=",
                                         static_cast<std::size_t>(last.n), ")"),
                                 last.se > 0 ? format_sig(raw_se / last.se, 2) : "—"});
  }
  md << render_markdown_table(moment_table);
  {
    std::size_t within = 0, total = 0, resolved = 0;
    for (const Series& s : moments) {
      for (const Point& p : s.points) {
        ++total;
        within += std::abs(p.err) <= 2.0 * p.se;
        resolved += p.resolved();
      }
    }
    md << "Of the " << total << " (moment, L, n) estimates, " << resolved
       << " resolve their bias (SE ≤ |error|/2) and " << within
       << " lie within two standard errors of their limit.\n\n";
  }

  // --- L/n ---
  md << "## Along lines of constant L/n (iid)\n\n";
  Table ln_table{"", {"L/n", "widths (L)", "γ of relative error [95% CI]", "relative errors, smallest → largest n"}, {}};
  std::vector<Fit> ln_fits;
  for (const Series& s : lines) {
    const Fit f = fit_points(s.points, true);
    ln_fits.push_back(f);
    std::string widths, rels;
    for (const Point& p : s.points) {
      widths += str_cat(widths.empty() ? "" : ", ", static_cast<std::size_t>(p.n), " (",
                        static_cast<std::size_t>(p.n) / s.depth, ")");
      rels += str_cat(rels.empty() ? "" : ", ", format_sig(p.err / p.limit, 2));
    }
    ln_table.rows.push_back({s.label, widths, gamma_text(f), rels});
  }
  md << render_markdown_table(ln_table);
  // The fixed-L relative-error exponents, for comparison.
  Table fixed_l{"", {"L", "γ of relative error [95% CI]"}, {}};
  for (const Series& s : norms) {
    if (s.quantity == "iid") fixed_l.rows.push_back({std::to_string(s.depth), gamma_text(fit_points(s.points, true))});
  }
  md << "For comparison, the relative error at fixed L (iid):\n\n" << render_markdown_table(fixed_l) << "![relative error along lines of constant L/n](convergence-ln.svg)\n\n";
  {
    int flat = 0, decaying = 0, growing = 0, undecided = 0;
    for (const Fit& f : ln_fits) {
      if (!f.fit) {
        ++undecided;
      } else if (f.fit->gamma_ci.low > 0) {
        ++decaying;
      } else if (f.fit->gamma_ci.high < 0) {
        ++growing;
      } else {
        ++flat;
      }
    }
    md << "**Reading.** Of " << ln_fits.size() << " lines of constant L/n, " << flat
       << " have an interval on γ that contains 0 (consistent with the relative error being a function of "
          "L/n alone), "
       << decaying << " decay (γ > 0: at fixed L/n the error still shrinks with n, so L/n does not "
                      "control it alone), "
       << growing << " grow, and " << undecided << " have too few resolved widths to fit.\n\n";
  }

  // --- cells ---
  md << "## Every cell\n\n";
  md << "E‖J₁‖ ± SE against the limit; cost is the median processor time of one replicate (one chain "
        "to the cell's deepest L, all listed depths included), single-threaded BLAS.\n\n";
  Table cells{"", {"quantity", "n", "replicates (cap)", "CPU s / replicate", "L", "E‖J₁‖ ± SE", "limit", "error",
                    "resolved"}, {}};
  for (const Cell& c : g_cells) {
    bool first = true;
    for (const DepthResult& d : c.depths) {
      cells.rows.push_back({first ? "`" + c.quantity->id + "`" : "", first ? std::to_string(c.width) : "",
                            first ? str_cat(c.reps, " (", c.cap, ")") : "",
                            first ? format_sig(c.cpu_s_per_rep, 3) : "", std::to_string(d.depth),
                            str_cat(format_sig(d.mean, 5), " ± ", format_sig(d.se, 2)), format_sig(d.limit, 5),
                            format_sig(d.mean - d.limit, 3), d.resolved() ? "yes" : "no"});
      first = false;
    }
  }
  md << render_markdown_table(cells);
  std::size_t dead = 0;
  for (const Cell& c : g_cells) dead += c.dead;
  md << "Networks whose units all died (J = 0, counted as ‖J₁‖ = 0): " << dead << ".\n\n";

  md << "## Provenance\n\n"
     << "- jacstab " << prov.version << ", git " << prov.git_hash << ", " << prov.compiler << ", "
     << prov.build_type << "\n"
     << "- BLAS: " << prov.blas << " (single-threaded inside replicates)\n"
     << "- Boost " << prov.boost << "; host " << prov.host << "; " << default_thread_count()
     << " hardware threads\n"
     << "- profile " << to_string(g_settings.profile) << ", seed " << g_settings.seed << ", "
     << g_settings.threads << " worker thread(s)\n"
     << "- date " << prov.date_utc << ", wall time " << format_fixed(wall_s, 0) << " s\n"
     << "- command: `" << command_line << "`\n";
  if (!measured_by.empty()) md << "- " << measured_by << "\n";

  // --- figures ---
  std::vector<std::vector<const Series*>> panels;
  std::vector<std::string> titles;
  for (const Quantity& q : quantities()) {
    panels.emplace_back();
    titles.push_back(q.id);
    for (const Series& s : norms) {
      if (s.quantity == q.id) panels.back().push_back(&s);
    }
  }
  panels.emplace_back();
  titles.push_back("iid: m_2 = (1/n) tr (JJ^T)^2");
  for (const Series& s : moments) {
    if (s.quantity == "m2") panels.back().push_back(&s);
  }
  const std::string svg = error_figure(panels, titles, false, 3, 2, 1200, 760);
  std::vector<std::vector<const Series*>> ln_panels(2);
  for (const Series& s : lines) ln_panels[0].push_back(&s);
  for (const Series& s : norms) {
    if (s.quantity == "iid") ln_panels[1].push_back(&s);
  }
  const std::string svg_ln = error_figure(ln_panels, {"iid: constant L/n", "iid: constant L"}, true, 2, 1, 1000, 420);

  write_file_atomic(dir / "convergence.svg", svg);
  write_file_atomic(dir / "convergence-ln.svg", svg_ln);
  write_file_atomic(dir / "convergence.md", md.str());
  return md.str();
}

constexpr const char* kHelp = R"(Usage: bench_convergence [options] [--benchmark_* flags]

Convergence in the width n of E||J_1|| (iid, scaled random pruning s = 0.5 and 0.9,
variance-matched magnitude pruning, dependent weights below Thm 5.1's bound) and of the moments
of J J^T to their free-probability limits, with the cost per replicate; fits |error| ~ C n^-gamma.

Options:
  --profile P       quick (n = 32..128, seconds), paper (n = 64..4096, L = 1, 5, 10, 30;
                    about 20 minutes on 2 cores), extended (adds n = 8192; hours)   [paper]
  --report-dir DIR  write DIR/convergence.md, convergence.svg, convergence-ln.svg and the
                    benchmark JSON DIR/bench/convergence.json (all written at the end,
                    atomically: an interrupted run leaves the previous files)
  --seed S          master seed                                                  [20240531]
  --threads T       worker threads, each running whole replicates           [all cores]
  --from-json FILE  no run: rebuild the report in --report-dir from the JSON of an earlier
                    run (its profile, seed and threads are read from the file)
  --quiet           no progress lines on stderr
  --help            this text
Any --benchmark_* flag is passed to Google Benchmark (e.g. --benchmark_filter=iid).
Exit status: 0 success, 2 bad input (the message names the option), 1 failure.
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> ours;
  std::vector<char*> bench_args{argv[0]};
  std::string command_line = "bench_convergence";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    command_line += " " + a;
    if (a.rfind("--benchmark_", 0) == 0) {
      bench_args.push_back(argv[i]);
    } else {
      ours.push_back(a);
    }
  }
  std::optional<std::filesystem::path> report_dir, from_json;
  try {
    if (jacstab::cli::print_help_if_asked(ours, kHelp)) return 0;
    const jacstab::cli::Options o("bench_convergence", ours,
                                  {"profile", "report-dir", "seed", "threads", "from-json"}, {"quiet"});
    if (auto p = o.text("profile")) {
      try {
        g_settings.profile = parse_profile(*p, "--profile");
      } catch (const std::invalid_argument& e) {
        o.fail(e.what());
      }
    }
    if (auto s = o.integer("seed", 0, UINT64_MAX)) g_settings.seed = *s;
    g_settings.threads = static_cast<unsigned>(o.integer("threads", 1, 4096).value_or(default_thread_count()));
    g_settings.quiet = o.flag("quiet");
    if (auto d = o.text("report-dir")) {
      if (d->empty()) o.fail("--report-dir must not be empty");
      report_dir = *d;
    }
    if (auto f = o.text("from-json")) {
      if (!report_dir) o.fail("--from-json needs --report-dir (where to write the report)");
      if (!std::filesystem::is_regular_file(*f)) o.fail(str_cat("--from-json: no such file '", *f, "'"));
      if (o.has("profile") || o.has("seed") || o.has("threads")) {
        o.fail("--from-json takes the profile, seed and threads from the file; do not give them");
      }
      from_json = *f;
    }
  } catch (const jacstab::cli::UsageError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  for (char* a : bench_args) {
    if (report_dir && std::string(a).rfind("--benchmark_out", 0) == 0) {
      std::cerr << "bench_convergence: --report-dir writes the benchmark JSON itself; do not also give " << a << "\n";
      return 2;
    }
  }
  if (from_json) {
    try {
      const MeasuredRun run = read_cells(*from_json);
      auto ctx = [&](const char* k) { return run.context.count(k) ? run.context.at(k) : std::string("?"); };
      g_settings.profile = parse_profile(ctx("profile"));
      g_settings.seed = std::stoull(ctx("seed"));
      g_settings.threads = static_cast<unsigned>(std::stoul(ctx("worker_threads")));
      const Grid grid = grid_for(g_settings.profile);
      const std::filesystem::path json_out = *report_dir / "bench" / "convergence.json";
      std::filesystem::create_directories(json_out.parent_path());
      const std::string measured_by =
          str_cat("measured by jacstab ", ctx("jacstab_version"), " (git ", ctx("jacstab_git"), ") on ",
                  ctx("host_name"), ", ", ctx("date"), "; this report re-rendered from that run's JSON",
                  run.context.count("note") ? "; " + run.context.at("note") : std::string());
      write_analysis(grid, *report_dir, run.wall_s, command_line, measured_by);
      if (!std::filesystem::exists(json_out) || !std::filesystem::equivalent(*from_json, json_out)) {
        write_file_atomic(json_out, read_text_file(*from_json));
      }
      std::cerr << "bench_convergence: wrote " << (*report_dir / "convergence.md").string() << " from "
                << from_json->string() << "\n";
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "bench_convergence: " << e.what() << "\n";
      return 1;
    }
  }
  try {
    std::filesystem::path json_tmp;
    std::string out_flag, fmt_flag = "--benchmark_out_format=json";
    if (report_dir) {
      std::filesystem::create_directories(*report_dir / "bench");
      json_tmp = *report_dir / "bench" / ".convergence.json.partial";
      out_flag = "--benchmark_out=" + json_tmp.string();
      bench_args.push_back(out_flag.data());
      bench_args.push_back(fmt_flag.data());
    }
    set_blas_threads(1);
    const Grid grid = grid_for(g_settings.profile);
    static const std::vector<Quantity> qs = quantities();
    for (const Quantity& q : qs) {
      for (std::size_t n : grid.widths) {
        benchmark::RegisterBenchmark(str_cat("BM_ConvergeNorm/", q.id, "/width:", n).c_str(), BM_ConvergeNorm,
                                     &grid, &q, n)
            ->Iterations(1)
            ->UseRealTime()
            ->Unit(benchmark::kSecond);
      }
    }
    benchmark::AddCustomContext("jacstab_version", build_info::version);
    benchmark::AddCustomContext("jacstab_git", build_info::git_hash);
    benchmark::AddCustomContext("blas", blas_config());
    benchmark::AddCustomContext("blas_threads", "1");
    benchmark::AddCustomContext("worker_threads", std::to_string(g_settings.threads));
    benchmark::AddCustomContext("profile", std::string(to_string(g_settings.profile)));
    benchmark::AddCustomContext("seed", std::to_string(g_settings.seed));
    int bargc = static_cast<int>(bench_args.size());
    benchmark::Initialize(&bargc, bench_args.data());
    if (benchmark::ReportUnrecognizedArguments(bargc, bench_args.data())) return 2;
    const auto start = std::chrono::steady_clock::now();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (report_dir) {
      if (g_cells.empty()) {
        std::cerr << "bench_convergence: no benchmark ran (check --benchmark_filter); nothing written\n";
        std::filesystem::remove(json_tmp);
        return 1;
      }
      write_analysis(grid, *report_dir, wall, command_line, "");
      std::filesystem::rename(json_tmp, *report_dir / "bench" / "convergence.json");
      std::cerr << "bench_convergence: wrote " << (*report_dir / "convergence.md").string() << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_convergence: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
