// t41-edge: the edge of stability of randomly pruned, scaled networks as a function of the
// width n (sec. 4.1).
//
// For each width n and each kept fraction q = 1 - s on a logarithmic grid, the scaled network
// (Bernoulli(q) mask, kept weights times q^{-1/2}) is compared with the iid network at a fixed
// depth L = 10 through Delta(n, q) = E log||J_1^B|| - E log||J_1^iid||. The network is "in the iid
// band" while |Delta| <= log(1.1). Going from dense to sparse, the edge 1 - s_edge(n) is where
// |Delta| first leaves the band, found by linear interpolation of Delta in log q between the
// last grid point inside and the first one outside. Its uncertainty comes from a bootstrap
// over the networks of every cell (the iid baseline resampled too). A second edge, the
// collapse edge, is where Delta first falls below -log(1.1) (the norm vanishing, as Fig. 2
// shows at 99%). The edges are compared with the theorem's hypothesis log^4(n)/n, with the
// paper's reading log10(n)/n of Fig. 2, and with 1/n and log(n)/n, and a power law
// q_edge ~ C n^{-gamma} is fitted. At the paper's width n = 256 the chains are 20 layers deep
// with prefix norms, which gives the edge at depths 5, 10 and 20 from the same networks.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "jacstab/ensembles.hpp"
#include "jacstab/experiment.hpp"
#include "jacstab/format.hpp"
#include "jacstab/hypotheses.hpp"
#include "jacstab/jacobian.hpp"
#include "jacstab/mlp.hpp"
#include "jacstab/report.hpp"
#include "jacstab/stats.hpp"
#include "random_pruning.hpp"

namespace jacstab {
namespace {

using namespace random_pruning;  // kAlpha, kSigma2, Chain, sample_chain, the interval rule

// The iid band: |E log||J^B|| - E log||J^iid||| <= log(1.1) at depth L = 10 (typical norm within
// 10% of the iid one). The same band as t41-random-pruning's fixed-depth test.
constexpr double kMarginLog = 0.09531017980432486;  // log(1.1)
constexpr std::size_t kDepth = 10;
// "Of order": the paper places the edge at n = 256 at 1 - s ~ log10(256)/256 ~ 0.0094; a
// measured edge within a factor 3 of it counts as that order.
constexpr double kOrderFactor = 3.0;
// "1 - s_n ~ n^{-1} up to a logarithmic factor": the exponent gamma of q_edge ~ n^{-gamma} lies
// between the local exponents of log^4(n)/n and 1/(n log^4 n) over the tested widths (the
// largest log power the paper uses, on either side).
constexpr double kLogPower = 4.0;
// Candidate laws: the slope of log(q_edge / f(n)) against log n within +-0.15 counts as
// proportional to f over the tested widths.
constexpr double kLawMargin = 0.15;
// Depth dependence at n = 256: the edge at L = 20 within a factor 2 of the edge at L = 5
// counts as depth-independent.
constexpr double kDepthFactor = 2.0;
// The grid of kept fractions stops once a row keeps fewer than 0.5 weights on average.
constexpr double kMinKeptPerRow = 0.5;
constexpr std::size_t kFigWidth = 256;
constexpr std::size_t kDepthStudyMax = 20;
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------
// Statistics helpers
// ---------------------------------------------------------------------------------------

// Mean that is -inf as soon as one value is -inf (a dead network).
double mean_log(const std::vector<double>& x) {
  double s = 0.0;
  for (double v : x) {
    if (!std::isfinite(v)) return -kInf;
    s += v;
  }
  return s / static_cast<double>(x.size());
}

std::size_t count_dead(const std::vector<double>& x) {
  return static_cast<std::size_t>(std::count_if(x.begin(), x.end(), [](double v) { return !std::isfinite(v); }));
}

enum class EdgeKind { departure, collapse };

struct Edge {
  double q = 1.0;          // the interpolated kept fraction at the crossing
  bool censored = false;   // no grid point leaves the band: the edge lies below the grid
  std::size_t exit = 0;    // index of the first grid point outside
};

bool outside(double delta, EdgeKind kind) {
  return kind == EdgeKind::departure ? !(std::abs(delta) <= kMarginLog) : delta < -kMarginLog;
}

// The edge from Delta on the grid q[0] > q[1] > ... (q = 1 with Delta = 0 is implicit before
// q[0]: random pruning with s = 0 is the iid ensemble). Linear interpolation of Delta in log q
// between the last point inside and the first outside; when the first outside point has
// Delta = -inf (a dead network), the interpolation is undefined and the crossing is placed at
// the geometric midpoint of the two grid points.
Edge find_edge(const std::vector<double>& q, const std::vector<double>& delta, EdgeKind kind) {
  double x_prev = 0.0, d_prev = 0.0;  // log q = 0, Delta = 0 at s = 0
  for (std::size_t k = 0; k < q.size(); ++k) {
    const double x = std::log(q[k]), d = delta[k];
    if (outside(d, kind)) {
      Edge e;
      e.exit = k;
      if (!std::isfinite(d)) {
        e.q = std::exp(0.5 * (x_prev + x));
      } else {
        const double target = kind == EdgeKind::departure ? (d > 0 ? kMarginLog : -kMarginLog) : -kMarginLog;
        const double f = (target - d_prev) / (d - d_prev);
        e.q = std::exp(x_prev + std::clamp(f, 0.0, 1.0) * (x - x_prev));
      }
      return e;
    }
    x_prev = x;
    d_prev = d;
  }
  Edge e;
  e.q = q.back();
  e.censored = true;
  e.exit = q.size();
  return e;
}

// The interval rule of `judge` (random_pruning.hpp, as in t41-random-pruning) with a bootstrap
// distribution of theta: the 90% percentile interval, and p-values as bootstrap tail
// fractions, (count + 1) / (B + 1).
Check judge_bootstrap(const std::string& name, CheckRole role, double estimate, std::vector<double> boot, double lo,
                      double hi, Assert asserts, Judgement& j, const std::string& detail) {
  std::sort(boot.begin(), boot.end());
  const double B = static_cast<double>(boot.size());
  const double ci_lo = sample_quantile(boot, kAlpha), ci_hi = sample_quantile(boot, 1.0 - kAlpha);
  auto frac_le = [&](double v) {
    return static_cast<double>(std::upper_bound(boot.begin(), boot.end(), v) - boot.begin());
  };
  auto frac_ge = [&](double v) {
    return static_cast<double>(boot.end() - std::lower_bound(boot.begin(), boot.end(), v));
  };
  Check c;
  c.name = name;
  c.role = role;
  c.estimate = estimate;
  c.ci_low = ci_lo;
  c.ci_high = ci_hi;
  c.margin = hi;
  c.kind = kind_of(asserts);
  j.estimate_inside = estimate > lo && estimate < hi;
  j.asserts = asserts;
  if (j.estimate_inside) {
    c.p_value = std::max((frac_le(lo) + 1.0) / (B + 1.0), (frac_ge(hi) + 1.0) / (B + 1.0));
  } else if (estimate >= hi) {
    c.p_value = (frac_le(hi) + 1.0) / (B + 1.0);
  } else {
    c.p_value = (frac_ge(lo) + 1.0) / (B + 1.0);
  }
  c.p_value = std::min(1.0, *c.p_value);
  c.verdict = verdict_from(j.estimate_inside, asserts, *c.p_value);
  c.detail = str_cat(detail, "; band ", interval_text(lo, hi), ", bootstrap ", j.estimate_inside ? "TOST p" : "p(beyond the band)",
                     " = ", format_sig(*c.p_value, 3), " from ", boot.size(), " resamples, 90% percentile interval ",
                     interval_text(ci_lo, ci_hi));
  return c;
}

// Local power-law exponent of f over the widths: minus the OLS slope of log f on log n.
double local_exponent(const std::vector<double>& widths, double (*f)(double)) {
  std::vector<double> y;
  for (double n : widths) y.push_back(f(n));
  return power_law_fit(widths, y).gamma;
}
double law_inv_n(double n) { return 1.0 / n; }
double law_log_n(double n) { return std::log(n) / n; }
double law_log10_n(double n) { return std::log10(n) / n; }
double law_log4_n(double n) { return log4_over_n(n); }
double law_inv_log4_n(double n) { return 1.0 / (n * std::pow(std::log(n), kLogPower)); }

// ---------------------------------------------------------------------------------------
// The experiment
// ---------------------------------------------------------------------------------------

struct WidthData {
  std::size_t n = 0;
  std::vector<std::size_t> depths;  // depth of each layer of the data below (kDepth at index main)
  std::size_t main = 0;
  std::vector<double> q;            // kept fractions on the grid, descending
  // logs[d][c][r]: depth index d, cell c (grid point), replicate r; iid[d][r].
  std::vector<std::vector<std::vector<double>>> logs;
  std::vector<std::vector<double>> iid;
  std::vector<double> active;       // mean active fraction per cell
  double iid_active = 0.0;
  std::size_t reps_cell = 0, reps_iid = 0;
};

std::vector<double> delta_of(const WidthData& w, std::size_t d) {
  const double base = mean_log(w.iid[d]);
  std::vector<double> out;
  for (const auto& cell : w.logs[d]) out.push_back(mean_log(cell) - base);
  return out;
}

Report run(const ExperimentContext& ctx) {
  const std::vector<std::size_t> widths =
      ctx.pick<std::vector<std::size_t>>({64, 128, 256}, {64, 128, 256, 512, 1024, 2048}, {64, 128, 256, 512, 1024, 2048, 4096});
  const std::vector<std::size_t> reps_cell =
      ctx.pick<std::vector<std::size_t>>({48, 24, 12}, {96, 48, 24, 12, 6, 3}, {384, 192, 96, 48, 24, 12, 6});
  // The iid baseline at n = 256 (at least this many networks; the claims' data).
  const std::size_t iid_reps_256 = ctx.pick<std::size_t>(96, 128, 256);
  // The s = 0 control at n = 256, sized by the power analysis of rule 4 (validation/README.md):
  // this many s = 0 networks against as many iid networks, the baseline's plus further
  // replicates of the same iid stream (so that the claim checks are unchanged).
  const std::size_t control_reps = ctx.pick<std::size_t>(128, 128, 256);
  const std::size_t planted_reps = 8;
  const std::size_t boot_count = ctx.pick<std::size_t>(500, 1000, 2000);
  const std::vector<double> grid = {0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005, 0.0002};

  // ----- simulate -----
  std::vector<WidthData> data;
  for (std::size_t wi = 0; wi < widths.size(); ++wi) {
    WidthData w;
    w.n = widths[wi];
    const double nd = static_cast<double>(w.n);
    const bool depth_study = w.n == kFigWidth;
    w.depths = depth_study ? std::vector<std::size_t>{5, 10, 20} : std::vector<std::size_t>{kDepth};
    w.main = depth_study ? 1 : 0;
    const std::size_t chain_depth = depth_study ? kDepthStudyMax : kDepth;
    for (double q : grid) {
      if (nd * q >= kMinKeptPerRow) w.q.push_back(q);
    }
    w.reps_cell = reps_cell[wi];
    w.reps_iid = depth_study ? std::max(iid_reps_256, 2 * w.reps_cell) : 2 * w.reps_cell;
    w.logs.assign(w.depths.size(), {});
    w.iid.assign(w.depths.size(), {});
    auto store = [&](const std::vector<Chain>& chains, std::vector<double>* per_depth_targets[]) {
      for (std::size_t d = 0; d < w.depths.size(); ++d) {
        for (const auto& c : chains) {
          per_depth_targets[d]->push_back(depth_study ? c.log_norm[w.depths[d] - 1] : c.log_norm.back());
        }
      }
    };
    {
      const auto chains = ctx.map_replicates<Chain>(str_cat("n=", w.n, " iid"), w.reps_iid, [&](std::size_t r) {
        return sample_chain(ctx, str_cat("n=", w.n, "/iid"), r, w.n, chain_depth, iid_params(), depth_study);
      });
      std::vector<double>* targets[3];
      for (std::size_t d = 0; d < w.depths.size(); ++d) targets[d] = &w.iid[d];
      store(chains, targets);
      for (const auto& c : chains) w.iid_active += c.active / static_cast<double>(chains.size());
    }
    for (double q : w.q) {
      const auto chains = ctx.map_replicates<Chain>(str_cat("n=", w.n, " 1-s=", format_number(q)), w.reps_cell,
                                                    [&](std::size_t r) {
                                                      return sample_chain(ctx, str_cat("n=", w.n, "/q=", format_number(q)),
                                                                          r, w.n, chain_depth,
                                                                          prune_params(1.0 - q, ScaleRule::inverse_sqrt),
                                                                          depth_study);
                                                    });
      std::vector<double>* targets[3];
      for (std::size_t d = 0; d < w.depths.size(); ++d) {
        w.logs[d].emplace_back();
        targets[d] = &w.logs[d].back();
      }
      store(chains, targets);
      double a = 0;
      for (const auto& c : chains) a += c.active / static_cast<double>(chains.size());
      w.active.push_back(a);
    }
    data.push_back(std::move(w));
  }
  const WidthData* fig = nullptr;
  for (const auto& w : data) {
    if (w.n == kFigWidth) fig = &w;
  }
  if (!fig) throw std::logic_error("t41-edge: the grid must contain n = 256");

  // Controls at n = 256, depth 10: s = 0 (in band), unscaled s = 0.5 (out of band).
  auto control_logs = [&](const std::string& part, const EnsembleParams& p, std::size_t reps) {
    const auto chains = ctx.map_replicates<Chain>(part, reps, [&](std::size_t r) {
      return sample_chain(ctx, part, r, kFigWidth, kDepth, p, false);
    });
    std::vector<double> v;
    for (const auto& c : chains) v.push_back(c.log_norm.back());
    return v;
  };
  const std::vector<double> ctrl_s0 = control_logs("control/s=0", prune_params(0.0, ScaleRule::inverse_sqrt), control_reps);
  // The control's further iid networks: replicates reps_iid .. control_reps - 1 of the n = 256
  // iid stream, drawn as the baseline's (chains of depth 20 with prefix norms), at L = 10.
  std::vector<double> ctrl_iid_extra;
  if (control_reps > fig->reps_iid) {
    const auto chains = ctx.map_replicates<Chain>("n=256 iid (control)", control_reps - fig->reps_iid, [&](std::size_t r) {
      return sample_chain(ctx, "n=256/iid", fig->reps_iid + r, kFigWidth, kDepthStudyMax, iid_params(), true);
    });
    for (const auto& c : chains) ctrl_iid_extra.push_back(c.log_norm[kDepth - 1]);
  }
  const std::vector<double> planted_unscaled =
      control_logs("planted/unscaled s=0.5", prune_params(0.5, ScaleRule::none), planted_reps);

  // ----- point estimates -----
  struct Edges {
    Edge departure, collapse;
  };
  std::vector<std::vector<Edges>> point(data.size());  // [width][depth index]
  for (std::size_t i = 0; i < data.size(); ++i) {
    for (std::size_t d = 0; d < data[i].depths.size(); ++d) {
      const auto delta = delta_of(data[i], d);
      point[i].push_back({find_edge(data[i].q, delta, EdgeKind::departure), find_edge(data[i].q, delta, EdgeKind::collapse)});
    }
  }

  // ----- bootstrap: every cell and every iid baseline resampled, all widths jointly -----
  // boot[i][d][b]: edges of width i, depth index d, resample b.
  std::vector<std::vector<std::vector<Edges>>> boot(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) boot[i].assign(data[i].depths.size(), std::vector<Edges>(boot_count));
  for (std::size_t b = 0; b < boot_count; ++b) {
    Engine engine = ctx.engine("bootstrap", b);
    for (std::size_t i = 0; i < data.size(); ++i) {
      const WidthData& w = data[i];
      // One index draw per sample, shared by all depths of a chain (the depths are one network).
      auto resample = [&](std::size_t m) {
        std::vector<std::size_t> idx(m);
        for (auto& k : idx) k = static_cast<std::size_t>(engine.uniform_int(m));
        return idx;
      };
      const auto iid_idx = resample(w.reps_iid);
      std::vector<std::vector<std::size_t>> cell_idx;
      for (std::size_t c = 0; c < w.q.size(); ++c) cell_idx.push_back(resample(w.reps_cell));
      for (std::size_t d = 0; d < w.depths.size(); ++d) {
        std::vector<double> y;
        for (auto k : iid_idx) y.push_back(w.iid[d][k]);
        const double base = mean_log(y);
        std::vector<double> delta;
        for (std::size_t c = 0; c < w.q.size(); ++c) {
          std::vector<double> x;
          for (auto k : cell_idx[c]) x.push_back(w.logs[d][c][k]);
          delta.push_back(mean_log(x) - base);
        }
        boot[i][d][b] = {find_edge(w.q, delta, EdgeKind::departure), find_edge(w.q, delta, EdgeKind::collapse)};
      }
    }
  }
  auto boot_values = [&](std::size_t i, std::size_t d, EdgeKind kind) {
    std::vector<double> v;
    for (const auto& e : boot[i][d]) v.push_back(std::log(kind == EdgeKind::departure ? e.departure.q : e.collapse.q));
    return v;
  };
  auto edge_of = [&](const Edges& e, EdgeKind kind) -> const Edge& {
    return kind == EdgeKind::departure ? e.departure : e.collapse;
  };

  // ----- power laws (main depth) -----
  std::vector<double> nd;
  for (auto n : widths) nd.push_back(static_cast<double>(n));
  struct LawFit {
    std::optional<PowerLawFit> fit;
    std::vector<double> boot_gamma;
    std::size_t censored = 0;
  };
  auto fit_edges = [&](EdgeKind kind) {
    LawFit lf;
    std::vector<double> y;
    for (std::size_t i = 0; i < data.size(); ++i) {
      const Edge& e = edge_of(point[i][data[i].main], kind);
      y.push_back(e.q);
      if (e.censored) ++lf.censored;
    }
    lf.fit = power_law_fit(nd, y, 1.0 - 2.0 * kAlpha);
    for (std::size_t b = 0; b < boot_count; ++b) {
      std::vector<double> yb;
      for (std::size_t i = 0; i < data.size(); ++i) yb.push_back(edge_of(boot[i][data[i].main][b], kind).q);
      lf.boot_gamma.push_back(power_law_fit(nd, yb).gamma);
    }
    return lf;
  };
  const LawFit dep_fit = fit_edges(EdgeKind::departure);
  const LawFit col_fit = fit_edges(EdgeKind::collapse);
  const double gamma_log4 = local_exponent(nd, law_log4_n);
  const double gamma_inv_log4 = local_exponent(nd, law_inv_log4_n);

  // =====================================================================================
  // Checks
  // =====================================================================================
  Report report(ctx.claim_id());
  ClaimChecks claims(report);
  const std::size_t fi = static_cast<std::size_t>(fig - data.data());
  const double paper_edge_256 = std::log10(256.0) / 256.0;
  const std::string band_text = str_cat("|Delta| <= log(1.1) at L=", kDepth);

  // C1: the scaling of the departure edge with n.
  {
    Judgement j;
    const auto& f = *dep_fit.fit;
    const auto t = tost_difference(f.gamma, f.se_gamma, gamma_log4, gamma_inv_log4,
                                   static_cast<double>(f.log_fit.df), kAlpha);
    claims.add(judge("sec. 4.1: 1 - s_edge ~ n^{-1} up to a logarithmic factor", CheckRole::claim, t, Assert::inside, j,
                     str_cat("gamma of the OLS fit q_edge ~ C n^{-gamma} over n = ", widths.front(), "..",
                             widths.back(), " (departure edge, ", band_text, "), t reference with ", f.log_fit.df,
                             " df; band: the local exponents of log^4(n)/n (", format_fixed(gamma_log4, 3),
                             ") and 1/(n log^4 n) (", format_fixed(gamma_inv_log4, 3), ")")),
               j);
  }
  // C2: the edge at n = 256 against the paper's log10(256)/256.
  {
    Judgement j;
    std::vector<double> b = boot_values(fi, fig->main, EdgeKind::departure);
    for (auto& v : b) v -= std::log(paper_edge_256);
    claims.add(judge_bootstrap(
                   str_cat("sec. 4.1: at n=256 the edge is of order log10(n)/n = ", format_fixed(paper_edge_256, 4)),
                   CheckRole::claim, std::log(point[fi][fig->main].departure.q / paper_edge_256), b,
                   -std::log(kOrderFactor), std::log(kOrderFactor), Assert::inside, j,
                   str_cat("log(q_edge / 0.0094) for the departure edge (", band_text,
                           "), q_edge = ", format_sig(point[fi][fig->main].departure.q, 3), "; within a factor ",
                           kOrderFactor, " counts as the same order")),
               j);
  }
  // Supporting: the collapse edge, the same two statements.
  {
    Judgement j;
    const auto& f = *col_fit.fit;
    const auto t = tost_difference(f.gamma, f.se_gamma, gamma_log4, gamma_inv_log4,
                                   static_cast<double>(f.log_fit.df), kAlpha);
    claims.add(
        judge("collapse edge: 1 - s ~ n^{-1} up to a logarithmic factor", CheckRole::supporting, t, Assert::inside, j,
              str_cat("as the claim above, for the collapse edge (Delta < -log(1.1) at L=", kDepth, ")",
                      col_fit.censored ? str_cat("; ", col_fit.censored, " width(s) censored at the end of the grid")
                                       : std::string())),
        j);
    Judgement j2;
    std::vector<double> b = boot_values(fi, fig->main, EdgeKind::collapse);
    for (auto& v : b) v -= std::log(paper_edge_256);
    claims.add(judge_bootstrap(
                   "collapse edge at n=256 of order log10(n)/n", CheckRole::supporting,
                   std::log(point[fi][fig->main].collapse.q / paper_edge_256), b, -std::log(kOrderFactor),
                   std::log(kOrderFactor), Assert::inside, j2,
                   str_cat("log(q_collapse / 0.0094), q_collapse = ", format_sig(point[fi][fig->main].collapse.q, 3))),
               j2);
  }
  // Supporting: candidate laws for the departure edge.
  struct Law {
    std::string name;
    double (*f)(double);
  };
  const std::vector<Law> laws = {{"1/n", law_inv_n},
                                 {"log(n)/n", law_log_n},
                                 {"log10(n)/n", law_log10_n},
                                 {"log^4(n)/n", law_log4_n}};
  struct LawRow {
    std::string name;
    double exponent, beta, lo, hi, mean_ratio;
  };
  std::vector<LawRow> law_rows;
  for (const auto& law : laws) {
    std::vector<double> ratio;
    for (std::size_t i = 0; i < data.size(); ++i) ratio.push_back(point[i][data[i].main].departure.q / law.f(nd[i]));
    const auto fit = power_law_fit(nd, ratio, 1.0 - 2.0 * kAlpha);
    const double beta = -fit.gamma;  // slope of log ratio on log n
    double gm = 0;
    for (double r : ratio) gm += std::log(r);
    gm = std::exp(gm / static_cast<double>(ratio.size()));
    law_rows.push_back({law.name, local_exponent(nd, law.f), beta, -fit.gamma_ci.high, -fit.gamma_ci.low, gm});
    if (law.name == "log10(n)/n") continue;  // the same exponent as log(n)/n
    Judgement j;
    const auto t = tost_difference(beta, fit.se_gamma, -kLawMargin, kLawMargin, static_cast<double>(fit.log_fit.df), kAlpha);
    claims.add(judge(str_cat("departure edge proportional to ", law.name), CheckRole::supporting, t, Assert::inside, j,
                     str_cat("slope of log(q_edge / f(n)) on log n, band ±", kLawMargin,
                             "; geometric mean of q_edge / f(n) = ", format_sig(gm, 3))),
               j);
  }
  // Supporting: the theorem's hypothesis lies above every measured edge.
  {
    double worst = 0.0;
    for (std::size_t i = 0; i < data.size(); ++i) {
      auto b = boot_values(i, data[i].main, EdgeKind::departure);
      std::sort(b.begin(), b.end());
      worst = std::max(worst, std::exp(sample_quantile(b, 1.0 - kAlpha)) / log4_over_n(nd[i]));
    }
    Check c;
    c.name = "Thm 4.1's sufficient condition 1 - s >= log^4(n)/n lies above the measured edge";
    c.role = CheckRole::supporting;
    c.estimate = worst;
    c.verdict = worst < 1.0 ? Verdict::confirmed : Verdict::refuted;
    c.kind = ClaimKind::direction;  // a one-sided bound: q_edge below log^4(n)/n
    c.detail = str_cat("largest ratio of the upper 90% bootstrap bound of q_edge to log^4(n)/n over the widths; "
                       "log^4(n)/n = ", format_fixed(log4_over_n(nd.front()), 2), " .. ",
                       format_fixed(log4_over_n(nd.back()), 2),
                       " (> 1 for 5 <= n <= 5503): the condition excludes every sparsity at these widths, so it is "
                       "trivially above the edge");
    report.add_check(c);
  }
  // Supporting: depth dependence at n = 256.
  {
    Judgement j;
    const auto b5 = boot_values(fi, 0, EdgeKind::departure), b20 = boot_values(fi, 2, EdgeKind::departure);
    std::vector<double> b(boot_count);
    for (std::size_t k = 0; k < boot_count; ++k) b[k] = b20[k] - b5[k];
    claims.add(
        judge_bootstrap(
            "departure edge at n=256 independent of depth (L=20 vs L=5)", CheckRole::supporting,
            std::log(point[fi][2].departure.q / point[fi][0].departure.q), b, -std::log(kDepthFactor),
            std::log(kDepthFactor), Assert::inside, j,
            str_cat("log(q_edge(L=20) / q_edge(L=5)) from the same chains; q_edge = ",
                    format_sig(point[fi][0].departure.q, 3), " (L=5), ", format_sig(point[fi][1].departure.q, 3),
                    " (L=10), ", format_sig(point[fi][2].departure.q, 3), " (L=20); the paper's edge has no depth")),
        j);
    Judgement j2;
    const auto c5 = boot_values(fi, 0, EdgeKind::collapse), c20 = boot_values(fi, 2, EdgeKind::collapse);
    for (std::size_t k = 0; k < boot_count; ++k) b[k] = c20[k] - c5[k];
    claims.add(judge_bootstrap("collapse edge at n=256 independent of depth (L=20 vs L=5)", CheckRole::supporting,
                               std::log(point[fi][2].collapse.q / point[fi][0].collapse.q), b, -std::log(kDepthFactor),
                               std::log(kDepthFactor), Assert::inside, j2,
                               str_cat("q_collapse = ", format_sig(point[fi][0].collapse.q, 3), " (L=5), ",
                                       format_sig(point[fi][1].collapse.q, 3), " (L=10), ",
                                       format_sig(point[fi][2].collapse.q, 3), " (L=20)")),
               j2);
  }
  // Controls, judged by the cell rule (Welch TOST on Delta against +-log(1.1)).
  const std::vector<double>& iid256 = fig->iid[fig->main];
  std::vector<double> ctrl_iid = iid256;
  ctrl_iid.insert(ctrl_iid.end(), ctrl_iid_extra.begin(), ctrl_iid_extra.end());
  {
    Judgement j;
    const auto t = tost_mean_difference(ctrl_s0, ctrl_iid, -kMarginLog, kMarginLog, kAlpha);
    Check c = judge("control: s=0 (every weight kept) is in the iid band at n=256", CheckRole::positive_control, t,
                    Assert::inside, j,
                    str_cat("Delta at L=", kDepth, ", ", ctrl_s0.size(), " pruned and ", ctrl_iid.size(), " iid networks"));
    // True Delta = 0 (s = 0 is the iid ensemble in distribution).
    c.misbehave_rate = margin_test_miss_rate(0.0, t.standard_error, kMarginLog, Verdict::confirmed, kAlpha);
    claims.add(c, j);
  }
  {
    // Fewer than one weight per row on average: the grid point n q < 1 closest to 0.5 weights.
    std::size_t c = fig->q.size() - 1;
    const auto& cell = fig->logs[fig->main][c];
    const double d = 256.0 * fig->q[c];
    const std::string name = str_cat("planted: n(1-s) = ", format_fixed(d, 2), " < 1 weight per row is in the iid band");
    Judgement j;
    const std::size_t dead = count_dead(cell);
    // Predicted miss rate: the check is refuted with certainty as soon as one of its networks is
    // dead (J = 0), so it can only misbehave when all are alive. J_1 = prod (B_l o W_l) D_{l-1}
    // is non-zero only through a live path i_0 -> ... -> i_L: L kept weights (probability q
    // each) and L active units (probability at most 1/2 each, by the sign symmetry of each row
    // given everything before it), over n^{L+1} paths; so P(alive) <= n (n q / 2)^L (Markov),
    // and P(all alive) <= that to the power of the number of networks.
    const double alive_bound = std::min(1.0, 256.0 * std::pow(256.0 * fig->q[c] / 2.0, static_cast<double>(kDepth)));
    const double planted_rate = std::pow(alive_bound, static_cast<double>(cell.size()));
    if (dead > 0) {
      Check ck;
      ck.name = name;
      ck.role = CheckRole::planted_violation;
      ck.margin = kMarginLog;
      ck.verdict = Verdict::refuted;
      ck.detail = str_cat("1-s = ", format_number(fig->q[c]), " at n=256, L=", kDepth, ": ", dead, " of ", cell.size(),
                          " networks dead (J = 0), so E log||J|| = -inf: outside the band with certainty (no p); "
                          "P(a network alive) <= n (n q/2)^L = ", format_sig(alive_bound, 3));
      ck.kind = ClaimKind::approximate;
      ck.misbehave_rate = planted_rate;
      report.add_check(ck);
    } else {
      const auto t = tost_mean_difference(cell, iid256, -kMarginLog, kMarginLog, kAlpha);
      Check ck = judge(name, CheckRole::planted_violation, t, Assert::inside, j,
                       str_cat("1-s = ", format_number(fig->q[c]), " at n=256, L=", kDepth,
                               "; P(a network alive) <= n (n q/2)^L = ", format_sig(alive_bound, 3)));
      ck.misbehave_rate = planted_rate;
      claims.add(ck, j);
    }
  }
  {
    Judgement j;
    const auto t = tost_mean_difference(planted_unscaled, iid256, -kMarginLog, kMarginLog, kAlpha);
    const double planted = 0.5 * static_cast<double>(kDepth) * std::log(0.5);
    Check ck = judge("planted: unscaled s=0.5 is in the iid band at n=256", CheckRole::planted_violation, t,
                     Assert::inside, j,
                     str_cat("Delta at L=", kDepth, ", ", planted_unscaled.size(),
                             " networks; (L/2) log(0.5) = ", format_fixed(planted, 3)));
    // The planted effect (L/2) log(0.5) by ReLU homogeneity (the scaled s = 0.5 network is in
    // the band), with this test's standard error.
    ck.misbehave_rate = margin_test_miss_rate(planted, t.standard_error, kMarginLog, Verdict::refuted, kAlpha);
    claims.add(ck, j);
  }

  // Holm over the claim checks; verdicts from the adjusted p.
  claims.holm();

  // =====================================================================================
  // Report
  // =====================================================================================
  report.title = "the edge of stability of randomly pruned networks";
  report.claim =
      "> *In Theorem 4.1, the sparsity s_n can depend on n. We provide an upper bound on the sparsity in terms of "
      "the width, in order for the stability result to hold. This result allows us to identify an edge of "
      "stability, defined as a maximal sparsity (in terms of n) so that the stability holds. This result highlights "
      "an interesting phase transition phenomenon with respect to the sparsity. When the sparsity is of order "
      "1 − s_n ∼ n^{−1} up to a logarithmic factor, the result of Theorem 4.1 no longer holds, and the spectral "
      "norm of the Jacobian is significantly different from that of a non-pruned critically initialed network, "
      "see e.g. [BGBK19, TY21]. In Fig. 2, We observe this behavior when the sparsity hits the level 99%, which is "
      "of order log_10(256)/256 ≈ 0.009. It is worth noting that the condition 1 − s_n ≫ n^{−1} log⁴ n is a "
      "sufficient condition, and it is likely that phase transition occurs at a smaller threshold.* (Sec. 4.1)";
  auto rate_of = [&](const std::string& prefix) -> std::string {
    for (const auto& c : report.checks) {
      if (c.name.rfind(prefix, 0) == 0 && c.misbehave_rate) return format_sig(*c.misbehave_rate, 2);
    }
    return "–";
  };
  report.operationalisation = str_cat(
      "- Networks: ReLU MLP of eq. (1) without biases, σ_w² = 2; hidden weights iid N(0, 2/n) times a Bernoulli(q) "
      "mask, q = 1 − s, kept weights scaled by q^{−1/2} (Thm 4.1's mask); input a Fashion-MNIST training image per "
      "network.\n"
      "- Grid: n ∈ {",
      [&] {
        std::string t;
        for (std::size_t i = 0; i < widths.size(); ++i) t += str_cat(i ? ", " : "", widths[i], " (", reps_cell[i], ")");
        return t;
      }(),
      "} (pruned networks per cell in brackets; the iid baseline has twice as many, ", fig->reps_iid,
      " at n = 256), q ∈ {0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005, 0.0002} down to the first "
      "q with n q ≥ ",
      kMinKeptPerRow, " (half a weight per row). Depth L = ", kDepth,
      "; at n = 256 the chains are 20 deep with prefix norms (depths 5, 10, 20 from the same networks).\n"
      "- Statistic: Δ(n, q) = E log‖J_1^B‖ − E log‖J_1^iid‖ (a dead network, J = 0, makes Δ = −∞). In the band while "
      "|Δ| ≤ log(1.1) = ",
      format_fixed(kMarginLog, 4),
      ". **Departure edge** (the paper's definition: the norm significantly different from the iid one): scanning "
      "from dense to sparse (q = 1 has Δ = 0 exactly), the first q with |Δ| > log(1.1), interpolated linearly in log q "
      "with the last q inside (the geometric midpoint when Δ = −∞). **Collapse edge**: the same with Δ < −log(1.1) "
      "(the vanishing Fig. 2 shows).\n"
      "- Uncertainty: ",
      boot_count,
      " bootstrap resamples of every cell and every iid baseline, all widths jointly; 90% percentile intervals.\n"
      "- Claim checks (Holm over the two): (C1) the power law q_edge ~ C n^{−γ} fitted by OLS on log-log (t "
      "interval, n−2 df): γ between the local exponents of log⁴(n)/n and 1/(n log⁴ n) over the tested widths "
      "(\"n^{−1} up to a logarithmic factor\", log powers up to the paper's 4): [",
      format_fixed(gamma_log4, 3), ", ", format_fixed(gamma_inv_log4, 3),
      "]; (C2) at n = 256 the departure edge within a factor ", kOrderFactor,
      " of log₁₀(256)/256 = 0.0094 (bootstrap interval).\n"
      "- Decision rule (version 2, validation/README.md): both claim checks are *approximate* claims (rule 1). The "
      "text of sec. 4.1 states orders of magnitude, not a side: \"of order 1 − s_n ∼ n^{−1} up to a logarithmic "
      "factor\" and \"99%, which is of order log₁₀(256)/256 ≈ 0.009\"; each is a two-sided statement \"behaves as\" "
      "with a declared multiplicative margin (log powers up to 4 for C1, a factor ",
      kOrderFactor,
      " for C2), not \"the edge lies above (or below) s*\". So a check is confirmed when its 90% interval lies inside "
      "the band (TOST at α = ",
      kAlpha,
      " after Holm), refuted only when the interval lies wholly outside the band (the one-sided test of \"beyond the "
      "band\" rejects), inconclusive otherwise; no point null is tested. The one-sided statement of the same "
      "paragraph, that Thm 4.1's sufficient condition lies above the edge (\"phase transition occurs at a smaller "
      "threshold\"), is a direction statement and is the supporting check against log⁴(n)/n; the direction claim "
      "\"the norm is significantly different at 99%\" is tested in t41-random-pruning (rule 3 there).\n"
      "- Supporting: the same for the collapse edge; proportionality to 1/n, log(n)/n and log⁴(n)/n (slope of "
      "log(q_edge/f(n)) on log n within ±",
      kLawMargin, "); depth dependence at n = 256 (edge at L = 20 within a factor ", kDepthFactor,
      " of L = 5); Thm 4.1's bound log⁴(n)/n against the edges.\n"
      "- Controls (same Welch TOST on Δ at n = 256, L = 10, approximate rule, each judged at α), each with its "
      "predicted probability of misbehaving on one master seed (rule 4, target ≤ 10⁻⁴; column \"predicted miss "
      "rate\"). **s = 0** must be in the band: ", control_reps, " s = 0 networks against ", ctrl_iid.size(),
      " iid networks (the baseline's ", fig->reps_iid,
      " plus further replicates of the same iid stream, so that the claim checks are unchanged); true Δ = 0, so it "
      "misses with probability about 2 Φ(z₀.₉₅ − log(1.1)/SE), which needs SE ≤ log(1.1)/5.5; predicted ",
      rate_of("control: s=0"),
      " (at the quick profile it had 96 against 96 networks before, predicted about 5·10⁻⁴). **n q < 1** (the last grid "
      "point, ", format_sig(256.0 * fig->q.back(), 2),
      " weights per row) must be out of the band: it is refuted with certainty as soon as one of its ",
      fig->reps_cell,
      " networks is dead (J = 0). J_1 = ∏ (B_l ⊙ W_l) D_{l−1} is non-zero only through a live path of L kept weights "
      "(probability q each) and L active units (probability at most 1/2 each, by the sign symmetry of each row of "
      "W_l given the layers before it) among n^{L+1} paths, so P(a network alive) ≤ n (n q/2)^L = ",
      format_sig(std::min(1.0, 256.0 * std::pow(256.0 * fig->q.back() / 2.0, static_cast<double>(kDepth))), 2),
      " (Markov) and the check misses with probability at most that to the power ", fig->reps_cell, ": predicted ",
      rate_of("planted: n(1-s)"), ". **Unscaled s = 0.5** must be out of the band: planted Δ = (L/2) log 0.5 = ",
      format_fixed(0.5 * static_cast<double>(kDepth) * std::log(0.5), 2),
      " by ReLU homogeneity, dozens of standard errors beyond the band; predicted ", rate_of("planted: unscaled"), ".");

  // Table: cells.
  {
    Table t;
    t.caption = str_cat("Δ(n, q) = E log‖J^B‖ − E log‖J^iid‖ at L=", kDepth,
                        " with its Welch 90% interval; cell class by the decision rule (in: TOST equivalent within "
                        "±log 1.1; out: beyond it; ?: undecided)");
    t.header = {"n", "1−s", "n(1−s)", "networks", "dead", "active fraction", "E log‖J^B‖", "Δ", "90% interval", "class"};
    for (const auto& w : data) {
      const double base = mean_log(w.iid[w.main]);
      t.rows.push_back({std::to_string(w.n), "1 (iid)", "–", std::to_string(w.reps_iid),
                        std::to_string(count_dead(w.iid[w.main])), format_fixed(w.iid_active, 3),
                        format_fixed(base, 3), "0", "–", "–"});
      for (std::size_t c = 0; c < w.q.size(); ++c) {
        const auto& cell = w.logs[w.main][c];
        const std::size_t dead = count_dead(cell);
        std::string delta = "−∞", interval = "–", cls = "out";
        if (dead == 0) {
          const auto tt = tost_mean_difference(cell, w.iid[w.main], -kMarginLog, kMarginLog, kAlpha);
          delta = format_fixed(tt.estimate, 3);
          interval = interval_text(tt.ci.low, tt.ci.high);
          const bool inside = tt.estimate > -kMarginLog && tt.estimate < kMarginLog;
          const double p = inside ? tt.p_value : p_outside(tt);
          cls = p < kAlpha ? (inside ? "in" : "out") : "?";
        }
        t.rows.push_back({std::to_string(w.n), format_number(w.q[c]), format_sig(static_cast<double>(w.n) * w.q[c], 3),
                          std::to_string(cell.size()), std::to_string(dead), format_fixed(w.active[c], 3),
                          dead == 0 ? format_fixed(mean_log(cell), 3) : "−∞", delta, interval, cls});
      }
    }
    report.tables.push_back(t);
  }
  // Table: edges.
  {
    Table t;
    t.caption = str_cat("Edges at L=", kDepth,
                        " (point estimate and 90% bootstrap interval) against the candidate laws; \"censored\": no "
                        "grid point left the band");
    t.header = {"n", "departure edge 1−s", "90% interval", "n(1−s)", "collapse edge 1−s", "90% interval",
                "1/n", "log(n)/n", "log₁₀(n)/n", "log⁴(n)/n"};
    for (std::size_t i = 0; i < data.size(); ++i) {
      auto bd = boot_values(i, data[i].main, EdgeKind::departure), bc = boot_values(i, data[i].main, EdgeKind::collapse);
      std::sort(bd.begin(), bd.end());
      std::sort(bc.begin(), bc.end());
      const Edge& d = point[i][data[i].main].departure;
      const Edge& c = point[i][data[i].main].collapse;
      t.rows.push_back({std::to_string(widths[i]), format_sig(d.q, 3) + (d.censored ? " (censored)" : ""),
                        interval_text(std::exp(sample_quantile(bd, kAlpha)), std::exp(sample_quantile(bd, 1 - kAlpha))),
                        format_sig(nd[i] * d.q, 3), format_sig(c.q, 3) + (c.censored ? " (censored)" : ""),
                        interval_text(std::exp(sample_quantile(bc, kAlpha)), std::exp(sample_quantile(bc, 1 - kAlpha))),
                        format_sig(law_inv_n(nd[i]), 3), format_sig(law_log_n(nd[i]), 3),
                        format_sig(law_log10_n(nd[i]), 3), format_sig(law_log4_n(nd[i]), 3)});
    }
    report.tables.push_back(t);
  }
  auto log_power_fit = [&](EdgeKind kind) {
    std::vector<double> x, y;
    for (std::size_t i = 0; i < data.size(); ++i) {
      x.push_back(std::log(std::log(nd[i])));
      y.push_back(std::log(nd[i] * edge_of(point[i][data[i].main], kind).q));
    }
    return linear_regression(x, y, 1.0 - 2.0 * kAlpha);
  };
  // Table: laws and fits.
  {
    Table t;
    t.caption = "Power laws over the tested widths: fitted γ of q_edge ~ C n^{−γ} (OLS, 90% t interval; bootstrap "
                "percentile interval alongside), and each candidate law's local exponent and the slope of "
                "log(q_edge / f(n)) on log n (0 for a law proportional to the edge)";
    t.header = {"quantity", "exponent γ", "90% interval", "bootstrap 90% interval", "slope of log(q_edge/f)",
                "90% interval", "geometric mean q_edge/f"};
    auto boot_ci = [&](std::vector<double> g) {
      std::sort(g.begin(), g.end());
      return interval_text(sample_quantile(g, kAlpha), sample_quantile(g, 1 - kAlpha));
    };
    t.rows.push_back({"departure edge", format_fixed(dep_fit.fit->gamma, 3),
                      interval_text(dep_fit.fit->gamma_ci.low, dep_fit.fit->gamma_ci.high), boot_ci(dep_fit.boot_gamma),
                      "–", "–", "–"});
    t.rows.push_back({"collapse edge", format_fixed(col_fit.fit->gamma, 3),
                      interval_text(col_fit.fit->gamma_ci.low, col_fit.fit->gamma_ci.high), boot_ci(col_fit.boot_gamma),
                      "–", "–", "–"});
    for (const auto& r : law_rows) {
      t.rows.push_back({str_cat("law ", r.name, " (departure edge)"), format_fixed(r.exponent, 3), "–", "–",
                        format_fixed(r.beta, 3), interval_text(r.lo, r.hi), format_sig(r.mean_ratio, 3)});
    }
    t.rows.push_back({"law 1/(n log⁴ n)", format_fixed(gamma_inv_log4, 3), "–", "–", "–", "–", "–"});
    // "1/n up to a logarithmic factor" parametrised directly: q_edge = C log^k(n) / n, k from the
    // OLS slope of log(n q_edge) on log log n (k = 0: 1/n; 1: log n/n; 4: Thm 4.1's bound).
    for (EdgeKind kind : {EdgeKind::departure, EdgeKind::collapse}) {
      const auto fit = log_power_fit(kind);
      t.rows.push_back({str_cat("log power k in 1 − s = C logᵏ(n)/n (", kind == EdgeKind::departure ? "departure" : "collapse",
                                " edge)"),
                        format_fixed(fit.slope, 2), interval_text(fit.slope_ci.low, fit.slope_ci.high), "–", "–", "–",
                        str_cat("C = ", format_sig(std::exp(fit.intercept), 3))});
    }
    report.tables.push_back(t);
  }
  // Table: depth study at n = 256.
  {
    Table t;
    t.caption = "Depth dependence at n = 256 (same networks, prefix norms): edges by depth";
    t.header = {"L", "departure edge", "90% interval", "collapse edge", "90% interval"};
    for (std::size_t d = 0; d < fig->depths.size(); ++d) {
      auto bd = boot_values(fi, d, EdgeKind::departure), bc = boot_values(fi, d, EdgeKind::collapse);
      std::sort(bd.begin(), bd.end());
      std::sort(bc.begin(), bc.end());
      t.rows.push_back({std::to_string(fig->depths[d]), format_sig(point[fi][d].departure.q, 3),
                        interval_text(std::exp(sample_quantile(bd, kAlpha)), std::exp(sample_quantile(bd, 1 - kAlpha))),
                        format_sig(point[fi][d].collapse.q, 3),
                        interval_text(std::exp(sample_quantile(bc, kAlpha)), std::exp(sample_quantile(bc, 1 - kAlpha)))});
    }
    report.tables.push_back(t);
    Table u;
    u.caption = "Δ(q) at n = 256 by depth (same networks; −∞: some network dead)";
    u.header = {"1−s", "n(1−s)"};
    for (auto L : fig->depths) u.header.push_back(str_cat("Δ at L=", L));
    std::vector<std::vector<double>> deltas;
    for (std::size_t d = 0; d < fig->depths.size(); ++d) deltas.push_back(delta_of(*fig, d));
    for (std::size_t c = 0; c < fig->q.size(); ++c) {
      std::vector<std::string> row = {format_number(fig->q[c]), format_sig(256.0 * fig->q[c], 3)};
      for (std::size_t d = 0; d < fig->depths.size(); ++d) {
        row.push_back(std::isfinite(deltas[d][c]) ? format_fixed(deltas[d][c], 3) : "−∞");
      }
      u.rows.push_back(row);
    }
    report.tables.push_back(u);
  }

  // CSV.
  report.csv.header = {"width", "kept_fraction", "sparsity", "depth", "replicate", "log_norm"};
  for (const auto& w : data) {
    for (std::size_t d = 0; d < w.depths.size(); ++d) {
      for (std::size_t r = 0; r < w.iid[d].size(); ++r) {
        report.csv.add_row({std::to_string(w.n), "iid", "", std::to_string(w.depths[d]), std::to_string(r),
                            csv_cell(w.iid[d][r])});
      }
      for (std::size_t c = 0; c < w.q.size(); ++c) {
        for (std::size_t r = 0; r < w.logs[d][c].size(); ++r) {
          report.csv.add_row({std::to_string(w.n), csv_cell(w.q[c]), csv_cell(1.0 - w.q[c]), std::to_string(w.depths[d]),
                              std::to_string(r), csv_cell(w.logs[d][c][r])});
        }
      }
    }
  }
  for (std::size_t r = 0; r < ctrl_s0.size(); ++r) {
    report.csv.add_row({"256", "1 (control s=0)", "0", std::to_string(kDepth), std::to_string(r), csv_cell(ctrl_s0[r])});
  }
  for (std::size_t r = 0; r < ctrl_iid_extra.size(); ++r) {
    report.csv.add_row({"256", "iid (control)", "", std::to_string(kDepth), std::to_string(fig->reps_iid + r),
                        csv_cell(ctrl_iid_extra[r])});
  }
  for (std::size_t r = 0; r < planted_unscaled.size(); ++r) {
    report.csv.add_row({"256", "unscaled s=0.5", "0.5", std::to_string(kDepth), std::to_string(r),
                        csv_cell(planted_unscaled[r])});
  }

  // Figure: left, Delta against 1 - s per width with the band; right, the edges against n.
  {
    Figure f;
    f.width_px = 1200;
    f.height_px = 540;
    f.caption = str_cat("Left: Δ = E log‖J^B‖ − E log‖J^iid‖ at L=", kDepth,
                        " against 1 − s for each width, with the band ±log(1.1) (points below the frame: Δ < −0.6 or −∞). "
                        "Right: the departure and collapse edges 1 − s_edge against n (90% bootstrap intervals, log-log) "
                        "with the candidate laws 1/n, log(n)/n, log₁₀(n)/n and log⁴(n)/n (Thm 4.1's bound).");
    std::string left = "plot ";
    for (std::size_t i = 0; i < data.size(); ++i) {
      auto& rows = f.block(str_cat("d", i));
      const auto delta = delta_of(data[i], data[i].main);
      for (std::size_t c = 0; c < data[i].q.size(); ++c) {
        rows.push_back({data[i].q[c], std::isfinite(delta[c]) ? std::max(delta[c], -0.58) : -0.58});
      }
      left += str_cat(i ? ", " : "", "$d", i, " using 1:2 with linespoints lt ", i + 1, " title 'n=", widths[i], "'");
    }
    left += str_cat(", ", kMarginLog, " with lines dt 2 lc rgb 'gray' notitle, ", -kMarginLog,
                    " with lines dt 2 lc rgb 'gray' notitle");
    // Filled one block at a time: block() may reallocate the list of blocks.
    for (EdgeKind kind : {EdgeKind::departure, EdgeKind::collapse}) {
      auto& rows = f.block(kind == EdgeKind::departure ? "dep" : "col");
      for (std::size_t i = 0; i < data.size(); ++i) {
        auto b = boot_values(i, data[i].main, kind);
        std::sort(b.begin(), b.end());
        const double x = kind == EdgeKind::departure ? nd[i] : nd[i] * 1.04;
        rows.push_back({x, edge_of(point[i][data[i].main], kind).q, std::exp(sample_quantile(b, kAlpha)),
                        std::exp(sample_quantile(b, 1 - kAlpha))});
      }
    }
    const double gm = std::exp(std::log(nd.front()) - 0.2), gM = std::exp(std::log(nd.back()) + 0.2);
    f.script = str_cat(
        "set multiplot layout 1,2\n"
        "set logscale x\nset xlabel '1 - s (kept fraction)'\nset ylabel 'Δ at L=", kDepth,
        "'\nset yrange [-0.6:0.6]\nset xrange [0.0001:1]\nset key top right\nset grid\nset format x '10^{%L}'\n", left,
        "\n"
        "set logscale xy\nset xlabel 'width n'\nset ylabel '1 - s_{edge}'\nset xrange [",
        gm, ":", gM,
        "]\nset yrange [0.0002:10]\nset format y '10^{%L}'\nset format x '%g'\nset xtics (64, 128, 256, 512, 1024, 2048, 4096)\n"
        "set key bottom left\n"
        "plot $dep using 1:2:3:4 with yerrorbars lt 1 pt 7 title 'departure edge', "
        "$dep using 1:2 with lines lt 1 notitle, "
        "$col using 1:2:3:4 with yerrorbars lt 2 pt 5 title 'collapse edge', $col using 1:2 with lines lt 2 notitle, "
        "1/x with lines dt 2 lc rgb 'black' title '1/n', log(x)/x with lines dt 3 lc rgb 'black' title 'log(n)/n', "
        "log10(x)/x with lines dt 4 lc rgb '#555555' title 'log_{10}(n)/n', "
        "log(x)**4/x with lines dt 5 lc rgb '#8C564B' title 'log^4(n)/n (Thm 4.1)', "
        "1 with lines lc rgb 'gray' notitle\n"
        "unset multiplot");
    report.figure = f;
  }

  // Summary, discrepancies, discussion.
  const Edge& e256 = point[fi][fig->main].departure;
  const Edge& c256 = point[fi][fig->main].collapse;
  auto boot_interval = [&](std::size_t i, std::size_t d, EdgeKind kind) {
    auto b = boot_values(i, d, kind);
    std::sort(b.begin(), b.end());
    return interval_text(std::exp(sample_quantile(b, kAlpha)), std::exp(sample_quantile(b, 1 - kAlpha)));
  };
  const Verdict v = report.final_verdict();
  report.summary = str_cat("departure edge 1−s at n=256: ", format_sig(e256.q, 3), " ", boot_interval(fi, fig->main, EdgeKind::departure),
                           " (paper: 0.0094); collapse edge ", format_sig(c256.q, 3), "; γ = ",
                           format_fixed(dep_fit.fit->gamma, 2), " ",
                           interval_text(dep_fit.fit->gamma_ci.low, dep_fit.fit->gamma_ci.high), " over n=",
                           widths.front(), "..", widths.back(), "; log⁴n/n > 1 at every n");
  report.discrepancies.push_back(str_cat(
      "**Thm 4.1's bound is vacuous at every tested width.** log⁴(n)/n = ", format_fixed(log4_over_n(nd.front()), 2),
      " at n = ", widths.front(), ", ", format_fixed(log4_over_n(256.0), 2), " at n = 256 and ",
      format_fixed(log4_over_n(nd.back()), 2), " at n = ", widths.back(),
      "; it exceeds 1 for 5 ≤ n ≤ 5503, so the sufficient condition 1 − s ≫ log⁴(n)/n admits no sparsity at all "
      "there, and the paper's remark that the transition \"occurs at a smaller threshold\" holds trivially. The "
      "value the text compares Fig. 2 with, log₁₀(256)/256 ≈ 0.0094, is a different quantity, ",
      format_fixed(log4_over_n(256.0) / paper_edge_256, 0), " times smaller than log⁴(256)/256."));
  report.discrepancies.push_back(str_cat(
      "**Where the scaled network leaves the iid band at n = 256.** The departure edge (|Δ| > log 1.1 at L = ", kDepth,
      ") is at 1 − s = ", format_sig(e256.q, 3), " ", boot_interval(fi, fig->main, EdgeKind::departure), ", i.e. s = ",
      format_sig(1.0 - e256.q, 3), ", that is ", format_sig(e256.q / paper_edge_256, 3),
      " times the paper's log₁₀(256)/256 = 0.0094; the collapse edge (Δ < −log 1.1 at L = ", kDepth,
      ", the vanishing seen in Fig. 2) is at 1 − s = ",
      format_sig(c256.q, 3), " ", boot_interval(fi, fig->main, EdgeKind::collapse), " (", format_sig(c256.q / paper_edge_256, 3),
      " times 0.0094). ",
      e256.q > c256.q * 1.5
          ? "Before it collapses, the scaled network's norm rises above the iid one (Δ > 0; plausibly because the "
            "sparse weights are heavier-tailed, kurtosis 3/(1 − s), which raises the top singular values at finite "
            "width); on the log "
            "scale of Fig. 2 this excess is invisible, but by the paper's own criterion (\"significantly different "
            "from a non-pruned network\") the edge lies at a lower sparsity than 99%."
          : "The two edges coincide within their resolution."));
  for (const auto& c : report.checks) {
    if (c.role != CheckRole::claim || c.verdict == Verdict::confirmed) continue;
    report.discrepancies.push_back(str_cat("**", c.name, "** is ", to_string(c.verdict), ": estimate ",
                                           c.estimate ? format_sig(*c.estimate, 3) : "–", ", 90% interval ",
                                           c.ci_low ? interval_text(*c.ci_low, *c.ci_high) : "–",
                                           c.p_adjusted ? str_cat(", Holm-adjusted p = ", format_sig(*c.p_adjusted, 3))
                                                        : "",
                                           ". ", c.detail, "."));
  }
  auto kept_per_row = [&](EdgeKind kind) {
    std::string t;
    for (std::size_t i = 0; i < data.size(); ++i) {
      t += str_cat(i ? ", " : "", format_sig(nd[i] * edge_of(point[i][data[i].main], kind).q, 3), " (n=", widths[i], ")");
    }
    return t;
  };
  const auto k_dep = log_power_fit(EdgeKind::departure);
  auto sorted_gamma = dep_fit.boot_gamma;
  std::sort(sorted_gamma.begin(), sorted_gamma.end());
  const double boot_g_lo = sample_quantile(sorted_gamma, kAlpha), boot_g_hi = sample_quantile(sorted_gamma, 1 - kAlpha);
  if (boot_g_lo <= gamma_log4 || boot_g_hi >= gamma_inv_log4) {
    report.discrepancies.push_back(str_cat(
        "**The exponent check rests on the OLS interval.** γ = ", format_fixed(dep_fit.fit->gamma, 2), " with the OLS "
        "(t, ", dep_fit.fit->log_fit.df, " df) interval ", interval_text(dep_fit.fit->gamma_ci.low, dep_fit.fit->gamma_ci.high),
        ", the declared statistic; the bootstrap percentile interval, which propagates the noise of every cell but "
        "not the misfit of a pure power law, is ", interval_text(boot_g_lo, boot_g_hi), " and reaches past the band [",
        format_fixed(gamma_log4, 2), ", ", format_fixed(gamma_inv_log4, 2),
        "]; by that interval the check would be inconclusive. The widest edge intervals are at the largest widths, "
        "which have the fewest networks per cell."));
  }
  report.discussion = str_cat(
      "Verdict **", to_string(v),
      "** (derived from the two claim checks).\n\n"
      "**Two mechanisms.** With d = n(1 − s) kept weights per row, the scaled network departs from iid in two ways "
      "(cell table). At moderate d its norm is *larger* than iid (Δ > 0), plausibly because the entries b·w are "
      "Bernoulli–Gaussian with kurtosis 3/(1 − s) and a sparse random matrix has larger top singular values than a "
      "dense one of the same variance unless d is large compared with log n (the regime of [BGBK19, TY21] that the "
      "paper cites). At small d, rows and columns of B ⊙ W are empty with probability about e^{−d}, the active "
      "fraction of D_l falls below 1/2 and the Jacobian vanishes (collapse; J = 0 once a layer is entirely dead). "
      "The departure edge is the first of the two to occur.\n\n"
      "**Departure edge.** Weights kept per row at the edge: ", kept_per_row(EdgeKind::departure),
      ". They grow with n, slower than any power: with 1 − s = C logᵏ(n)/n the fitted log power is k = ",
      format_fixed(k_dep.slope, 2), " ", interval_text(k_dep.slope_ci.low, k_dep.slope_ci.high),
      " (90%), between the 1/n of the text's \"n^{−1} up to a logarithmic factor\" (k = 0), its log₁₀(n)/n (k = 1) "
      "and Thm 4.1's log⁴(n)/n (k = 4); the law table gives the same picture as slopes of log(q_edge/f(n)).\n\n"
      "**Collapse edge.** It is resolved only to the grid: the first cell with Δ < −log 1.1 is almost always the first "
      "cell with a dead network (Δ = −∞), and the estimate is then the geometric midpoint of two grid points (hence "
      "interval ends equal to the estimate). Kept weights per row at the collapse: ",
      kept_per_row(EdgeKind::collapse),
      ". At the larger widths it settles near 1.5 per row, about where half of a unit's inputs, the active ones, "
      "number fewer than one and active paths stop multiplying, so the collapse edge tends to a constant times 1/n "
      "at fixed depth; the fitted γ is pulled above 1 by the small widths, where the norm decays before any network "
      "dies.\n\n"
      "**Depth.** The edges are defined at L = ", kDepth,
      "; the paper's edge carries no depth. At n = 256 the same networks give the edges at L = 5, 10 and 20 (depth "
      "tables): the collapse edge moves to denser networks as depth grows (1 − s = ",
      format_sig(point[fi][0].collapse.q, 3), ", ", format_sig(point[fi][1].collapse.q, 3), ", ",
      format_sig(point[fi][2].collapse.q, 3),
      "), because a per-layer deficit accumulates; over the 100 layers of Fig. 2 the scaled network collapses at "
      "s = 0.99 but not at s = 0.9 (t41-random-pruning), which is the paper's observation. The departure edge is "
      "dominated by the positive excess, which does not grow with depth, and by the first-exit rule, which makes it "
      "jump between grid cells when a cell sits near the band (its bootstrap intervals are wide, and at L = 20 the "
      "point estimate lies at the edge of its own interval).\n\n"
      "**Resolution and cost.** The grid steps are factors 2 to 2.5 in 1 − s and the crossing is interpolated "
      "linearly in log(1 − s); the bootstrap intervals include the cell noise but not a bias of the interpolation. "
      "Over n = ",
      widths.front(), "..", widths.back(), " the local exponents of the candidate laws are 1 (1/n), ",
      format_fixed(law_rows[1].exponent, 2), " (log n/n and log₁₀ n/n) and ", format_fixed(law_rows[3].exponent, 2),
      " (log⁴ n/n). n = ", widths.back(), " uses ", reps_cell.back(),
      " networks per cell (sampling the n × n masks dominates the cost); its cells are the noisiest.");

  report.parameters = {{"alpha", format_number(kAlpha)},
                       {"margin_log", format_number(kMarginLog)},
                       {"depth", std::to_string(kDepth)},
                       {"order_factor", format_number(kOrderFactor)},
                       {"log_power", format_number(kLogPower)},
                       {"law_margin", format_number(kLawMargin)},
                       {"depth_factor", format_number(kDepthFactor)},
                       {"min_kept_per_row", format_number(kMinKeptPerRow)},
                       {"bootstrap_resamples", std::to_string(boot_count)},
                       {"sigma2", format_number(kSigma2)},
                       {"input", "fashion-mnist"}};
  return report;
}

}  // namespace

JACSTAB_REGISTER_CLAIM("t41-edge", run);

}  // namespace jacstab
