// t43-magnitude-topr: top-r magnitude pruning with the scaling factor printed in Thm 4.3, and
// the experiment of the paper's Fig. 3, against the iid network.
//
// Thm 4.3 keeps the r = floor(n log^c n) largest |w| of each n x n matrix (c > 7/4) and
// multiplies them by the factor of Thm 4.2 at the threshold t solving
// P(|w| <= t) = 1 - r/(n^2 + 1); it claims lim ||J_1^B'|| = lim ||J_1^iid||. Fig. 3 shows, at
// n = 256, that ||J_1|| is unstable without scaling and with (1 - s)^{-1/2}, and stable with
// "the scaling factor calculated based on Theorem 4.3". The program evaluates Thm 3.1's
// condition (ii) for every scale option (closed form for the threshold model at the implied t,
// Monte Carlo for the top-r mask), measures the proof's reduction to the threshold model, and
// compares ||J_1^B'|| with ||J_1^iid|| at n = 256 (depth curves) and over n = 128..1024 (fixed
// depth), with equivalence tests.
//
// One simulation serves all scale options: ReLU is positively homogeneous, so multiplying every
// kept weight by b > 0 leaves the masks D_l unchanged and multiplies J_1 of depth l by exactly
// b^l. The program simulates b = 1 and verifies the identity against the library's own scaled
// ensembles on a few replicates (a supporting check). Top-r ranks the whole matrix (it is not
// column-separable), so each network costs more than a threshold network; the cost is measured.
#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jacstab/ensembles.hpp"
#include "jacstab/experiment.hpp"
#include "jacstab/format.hpp"
#include "jacstab/hypotheses.hpp"
#include "jacstab/report.hpp"
#include "jacstab/spectral.hpp"
#include "jacstab/stats.hpp"
#include "magnitude_pruning.hpp"

namespace jacstab {
namespace {

// kAlpha, the margins kMarginRate and kMarginGap, kFixedDepth, kPaperWidth and the identity's
// tolerance are shared with t42-magnitude-threshold (magnitude_pruning.hpp), as are the scale
// options, the simulation, the paired tests and the check families.
using namespace magnitude_pruning;

// Declared before any result existed; never changed to move a verdict.
// Thm 4.3 needs c > 7/4; the paper fixes no value. c = 2 (sparsity 0.880 at n = 256) and c = 3
// (sparsity 0.335) are the two integers above 7/4 with r <= n^2 at n >= 128.
constexpr double kMainC = 2.0;
constexpr double kSecondC = 3.0;
// Fig. 3 plots ||J_1|| against depth for several sparsity levels at n = 256 without giving
// them; the paper profile adds s = 0.5 and s = 0.95 to the two settings of c.
constexpr double kExtraSparsities[] = {0.5, 0.95};
// Monte-Carlo S_n of the top-r mask with the variance-matching factor: |S_n - 1| < 0.01 counts as
// matched (the factor is computed at the implied t, while the mask keeps exactly r entries).
constexpr double kMarginS = 0.01;

// ---------------------------------------------------------------------------------------
// Settings and scale options
// ---------------------------------------------------------------------------------------

EnsembleParams topr_c(double c, ScaleRule scale = ScaleRule::none) { return topr_ensemble(c, scale); }
EnsembleParams topr_s(double s, ScaleRule scale = ScaleRule::none) { return topr_sparsity_ensemble(s, scale); }
std::string setting_name(const EnsembleParams& p, std::size_t n) {
  if (p.topr_c) {
    const Ensemble e(p);
    return str_cat("c=", format_number(*p.topr_c), " (s=", format_fixed(1.0 - static_cast<double>(e.topr_count(n, n)) /
                                                                                 (static_cast<double>(n) * static_cast<double>(n)), 3), ")");
  }
  return str_cat("s=", format_fixed(p.sparsity, 2));
}

const char* rule_name(Rule r) {
  switch (r) {
    case Rule::none: return "none (b = 1)";
    case Rule::inverse_sqrt: return "inverse-sqrt (b = (1-s)^{-1/2})";
    case Rule::printed: return "printed (Thm 4.3)";
    case Rule::matched: return "variance-matched";
    case Rule::corrected: return "corrected asymptotic";
  }
  return "";
}

// ---------------------------------------------------------------------------------------
// The proof's reduction: the top-r matrix against the threshold matrix at the implied t
// ---------------------------------------------------------------------------------------

struct ProofSample {
  double ratio = 0.0;          // ||W o B' - W o B|| / ||W o B||
  double norm_diff = 0.0;      // ||W o B' - W o B|| (unscaled)
  double diff_entries = 0.0;   // entries kept by exactly one of the two masks
  double max_row_diff = 0.0;   // max_i #J(i)
  double sum_sq = 0.0;         // sum over kept entries of w^2 (top-r, unscaled)
  bool same_values = true;     // both draws agree wherever both keep
  double cpu = 0.0;
};

ProofSample proof_sample(const ExperimentContext& ctx, std::size_t n, std::size_t r) {
  const double t0 = thread_cpu_seconds();
  Engine engine = ctx.engine(str_cat("proof-n", n), r);
  Engine e1 = engine, e2 = engine;
  const Ensemble topr(topr_c(kMainC));
  const Ensemble thr(threshold_params(implied_t(topr_c(kMainC), n)));
  arma::mat wt(n, n), wh(n, n);
  topr.sample_into(wt, e1);
  thr.sample_into(wh, e2);
  ProofSample s;
  arma::mat d = wt - wh;
  for (std::size_t i = 0; i < n; ++i) {
    double row = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      const bool a = wt(i, j) != 0.0, b = wh(i, j) != 0.0;
      if (a != b) row += 1.0;
      if (a && b && wt(i, j) != wh(i, j)) s.same_values = false;
    }
    s.diff_entries += row;
    s.max_row_diff = std::max(s.max_row_diff, row);
  }
  s.sum_sq = arma::accu(wt % wt);
  const NormResult nd = spectral_norm(d);
  const NormResult nh = spectral_norm(wh);
  s.norm_diff = std::exp(nd.log_norm);
  s.ratio = std::exp(nd.log_norm - nh.log_norm);
  s.cpu = thread_cpu_seconds() - t0;
  return s;
}

// ---------------------------------------------------------------------------------------
// The program
// ---------------------------------------------------------------------------------------

Report run(const ExperimentContext& ctx) {
  const std::size_t curve_depth = ctx.pick<std::size_t>(30, 100, 100);
  const std::size_t curve_reps = ctx.pick<std::size_t>(32, 40, 256);
  // The quick profile stops at n = 256: top-r networks at n = 512 cost too much for CI.
  const std::vector<std::size_t> widths = ctx.pick<std::vector<std::size_t>>(
      {128, 256}, {128, 256, 512, 1024}, {128, 256, 512, 1024, 2048});
  auto fixed_reps = [&](std::size_t n) -> std::size_t {
    switch (n) {
      case 128: return ctx.pick<std::size_t>(200, 320, 1600);
      case 256: return ctx.pick<std::size_t>(100, 160, 800);
      case 512: return ctx.pick<std::size_t>(32, 80, 400);
      case 1024: return ctx.pick<std::size_t>(16, 24, 200);
      default: return ctx.pick<std::size_t>(16, 16, 100);
    }
  };
  const std::size_t proof_reps = ctx.pick<std::size_t>(3, 12, 32);

  // The positive controls continue the claims' iid streams (control_curve_reps(),
  // control_fixed_reps() in magnitude_pruning.hpp), so that the claim checks are unchanged.
  const std::size_t ctrl_curve_reps = control_curve_reps(ctx, curve_reps);
  auto ctrl_fixed_reps = [&](std::size_t n) { return control_fixed_reps(ctx, n, fixed_reps(n)); };
  // --- depth curves at n = 256 ----------------------------------------------------------------
  std::vector<EnsembleParams> settings;
  if (ctx.profile() == Profile::quick) {
    settings = {topr_c(kMainC)};
  } else {
    settings = {topr_c(kSecondC), topr_s(kExtraSparsities[0]), topr_c(kMainC), topr_s(kExtraSparsities[1])};
  }
  const std::string curve_part = "curves-n256";
  const Run iid_curve = simulate(ctx, curve_part, "iid", kPaperWidth, curve_depth, EnsembleParams{}, curve_reps, true);
  const Run iid2_curve = simulate(ctx, "curves-n256-independent", "iid (independent)", kPaperWidth, curve_depth,
                                  EnsembleParams{}, ctrl_curve_reps, true);
  const Run iid_curve_ctrl = extend_run(ctx, iid_curve, ctrl_curve_reps);
  std::vector<Run> curves;
  for (const auto& p : settings) {
    curves.push_back(simulate(ctx, curve_part, setting_name(p, kPaperWidth), kPaperWidth, curve_depth, p, curve_reps, true));
  }
  const std::size_t main_idx = static_cast<std::size_t>(
      std::find_if(settings.begin(), settings.end(), [](const EnsembleParams& p) { return p.topr_c && *p.topr_c == kMainC; }) -
      settings.begin());

  // --- homogeneity identity on the c = 2 setting ---------------------------------------------------
  const double identity_worst_dev = identity_worst(ctx, curve_part, curves[main_idx], curve_depth,
                                                   [](ScaleRule sr) { return topr_c(kMainC, sr); });

  // --- fixed depth L = 10 over widths (c = 2), with the threshold model at the implied t -------------
  struct WidthRuns {
    std::size_t n;
    Run iid, iid2, topr, thr;
    Run iid_ctrl;  // iid continued to the control's size
  };
  std::vector<WidthRuns> fixed;
  for (std::size_t n : widths) {
    const std::string part = str_cat("fixed-n", n);
    const std::size_t reps = fixed_reps(n);
    const double t = implied_t(topr_c(kMainC), n);
    WidthRuns w{n, simulate(ctx, part, "iid", n, kFixedDepth, EnsembleParams{}, reps, false),
                simulate(ctx, str_cat(part, "-independent"), "iid (independent)", n, kFixedDepth, EnsembleParams{},
                         ctrl_fixed_reps(n), false),
                simulate(ctx, part, "top-r c=2", n, kFixedDepth, topr_c(kMainC), reps, false),
                simulate(ctx, part, str_cat("threshold t=", format_sig(t, 4)), n, kFixedDepth, threshold_params(t), reps,
                         false),
                {}};
    w.iid_ctrl = extend_run(ctx, w.iid, ctrl_fixed_reps(n));
    fixed.push_back(std::move(w));
  }
  const WidthRuns& fixed256 =
      *std::find_if(fixed.begin(), fixed.end(), [](const WidthRuns& w) { return w.n == kPaperWidth; });
  const Run fixed256_c3 =
      simulate(ctx, "fixed-n256", "top-r c=3", kPaperWidth, kFixedDepth, topr_c(kSecondC), fixed_reps(kPaperWidth), false);

  // --- the proof's comparison and Monte-Carlo S_n of the top-r mask ----------------------------------
  struct ProofWidth {
    std::size_t n;
    std::vector<ProofSample> samples;
  };
  std::vector<ProofWidth> proof;
  for (std::size_t n : widths) {
    ProofWidth pw{n, ctx.map_replicates<ProofSample>(str_cat("proof-n", n), proof_reps,
                                                     [&](std::size_t r) { return proof_sample(ctx, n, r); })};
    proof.push_back(std::move(pw));
  }
  // S_n of the top-r mask with rule r: b^2 sum w^2 / (2n), per replicate.
  auto topr_sn = [&](const ProofWidth& pw, Rule r) {
    std::vector<double> v;
    const double lb = log_factor(r, topr_c(kMainC), pw.n);
    for (const auto& s : pw.samples) v.push_back(std::exp(2.0 * lb) * s.sum_sq / (2.0 * static_cast<double>(pw.n)));
    return v;
  };
  auto mean_ci = [](const std::vector<double>& v) {
    double m = 0.0;
    for (double x : v) m += x;
    m /= static_cast<double>(v.size());
    double ss = 0.0;
    for (double x : v) ss += (x - m) * (x - m);
    const double se = std::sqrt(ss / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()));
    boost::math::students_t dist(static_cast<double>(v.size() - 1));
    const double q = boost::math::quantile(dist, 0.975);
    return std::vector<double>{m, m - q * se, m + q * se, se};
  };

  // --- checks ---------------------------------------------------------------------------------------
  Report report(ctx.claim_id());
  PendingChecks checks{report, {}};

  auto rate_of = [&](std::size_t i, Rule r) {
    return mean_test(rate_sample(curves[i], log_factor(r, settings[i], kPaperWidth), iid_curve), kMarginRate);
  };
  auto gap256_of = [&](const Run& run, Rule r) {
    return mean_test(gap_sample(run, log_factor(r, run.params, kPaperWidth), fixed256.iid, kFixedDepth), kMarginGap);
  };
  auto trend_of = [&](Rule r) {
    std::vector<MeanTest> gaps;
    for (const auto& w : fixed) {
      gaps.push_back(mean_test(gap_sample(w.topr, log_factor(r, w.topr.params, w.n), w.iid, kFixedDepth), kMarginGap));
    }
    return trend_test(widths, gaps);
  };
  std::vector<MeanTest> control_gaps, reduction_gaps;
  for (const auto& w : fixed) {
    control_gaps.push_back(mean_test(gap_sample(w.iid2, 0.0, w.iid_ctrl, kFixedDepth), kMarginGap));
    reduction_gaps.push_back(mean_test(gap_sample(w.topr, 0.0, w.thr, kFixedDepth), kMarginGap));
  }
  const WidthTrend control_trend = trend_test(widths, control_gaps);
  const WidthTrend reduction_trend = trend_test(widths, reduction_gaps);

  const std::string rate_detail = rate_detail_text(curve_depth);
  const std::string gap_detail = gap_detail_text();
  // Claims: Thm 4.3 as printed (c = 2 and c = 3), and the three statements the paper makes about Fig. 3.
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const std::string nm = setting_name(settings[i], kPaperWidth);
    const bool theorem_setting = settings[i].topr_c.has_value();
    checks.add_mean(theorem_setting ? str_cat("Thm 4.3 printed factor, ", nm, " (Fig. 3 lower left): same depth rate as iid")
                                    : str_cat("Fig. 3 lower left: Thm 4.3 factor stable, ", nm, ": same depth rate as iid"),
                    CheckRole::claim, Family::claim, rate_of(i, Rule::printed), kMarginRate, rate_detail);
  }
  checks.add_mean(str_cat("Thm 4.3 printed factor, c=2: same norm as iid at L=10"), CheckRole::claim, Family::claim,
                  gap256_of(fixed256.topr, Rule::printed), kMarginGap, gap_detail);
  checks.add_mean(str_cat("Thm 4.3 printed factor, c=3: same norm as iid at L=10"), CheckRole::claim, Family::claim,
                  gap256_of(fixed256_c3, Rule::printed), kMarginGap, gap_detail);
  const WidthTrend printed_trend = trend_of(Rule::printed);
  checks.add_trend("Thm 4.3 printed factor, c=2: gap -> 0 as n grows", CheckRole::claim, Family::claim, printed_trend,
                   "r = floor(n log^2 n) at each n");
  // The "not stable" statements are direction claims (|rate| beyond the minimal effect
  // kMarginRate); a refutation (equivalence established) counts only when it is replicated: the
  // same paired test on curve_reps fresh pairs, streams "curves-n256/replication", run only
  // when needed (one iid run and one run per setting, shared by its scale options).
  std::optional<Run> iid_replication;
  std::vector<std::optional<Run>> setting_replication(settings.size());
  auto replicate_rate = [&](std::size_t i, Rule r) {
    return [&, i, r]() {
      const std::string part = str_cat(curve_part, "/replication");
      if (!iid_replication) {
        iid_replication = simulate(ctx, part, "iid", kPaperWidth, curve_depth, EnsembleParams{}, curve_reps, true);
      }
      if (!setting_replication[i]) {
        setting_replication[i] = simulate(ctx, part, setting_name(settings[i], kPaperWidth), kPaperWidth, curve_depth,
                                          settings[i], curve_reps, true);
      }
      return mean_test(rate_sample(*setting_replication[i], log_factor(r, settings[i], kPaperWidth), *iid_replication),
                       kMarginRate);
    };
  };
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const std::string nm = setting_name(settings[i], kPaperWidth);
    checks.add_mean(str_cat("Fig. 3 upper left: no scaling is not stable, ", nm), CheckRole::claim, Family::claim,
                    rate_of(i, Rule::none), kMarginRate,
                    str_cat(rate_detail, "; the paper's statement is 'not the same rate' (a direction): confirmed when "
                                         "the rate lies beyond the margin, refuted only by a replicated equivalence"),
                    true, replicate_rate(i, Rule::none));
    checks.add_mean(str_cat("Fig. 3 upper right: (1-s)^{-1/2} is not stable, ", nm), CheckRole::claim, Family::claim,
                    rate_of(i, Rule::inverse_sqrt), kMarginRate,
                    str_cat(rate_detail, "; the paper's statement is 'not the same rate' (a direction): confirmed when "
                                         "the rate lies beyond the margin, refuted only by a replicated equivalence"),
                    true, replicate_rate(i, Rule::inverse_sqrt));
  }
  // The repair: the variance-matching factor at the implied t.
  for (std::size_t i = 0; i < settings.size(); ++i) {
    checks.add_mean(str_cat("repair (variance-matched), ", setting_name(settings[i], kPaperWidth), ": same depth rate as iid"),
                    CheckRole::supporting, Family::supporting, rate_of(i, Rule::matched), kMarginRate, rate_detail);
  }
  checks.add_mean("repair (variance-matched), c=2: same norm as iid at L=10", CheckRole::supporting, Family::supporting,
                  gap256_of(fixed256.topr, Rule::matched), kMarginGap, gap_detail);
  checks.add_mean("repair (variance-matched), c=3: same norm as iid at L=10", CheckRole::supporting, Family::supporting,
                  gap256_of(fixed256_c3, Rule::matched), kMarginGap, gap_detail);
  const WidthTrend matched_trend = trend_of(Rule::matched);
  checks.add_trend("repair (variance-matched), c=2: gap -> 0 as n grows", CheckRole::supporting, Family::supporting,
                   matched_trend, "r = floor(n log^2 n) at each n");
  checks.add_mean("c=2, corrected asymptotic factor: same depth rate as iid", CheckRole::supporting, Family::supporting,
                  rate_of(main_idx, Rule::corrected), kMarginRate, rate_detail);
  checks.add_mean("proof reduction, c=2: top-r network = threshold-model network at L=10", CheckRole::supporting,
                  Family::supporting, reduction_gaps[static_cast<std::size_t>(&fixed256 - fixed.data())], kMarginGap,
                  "log||J^{top-r}|| - log||J^{threshold at implied t}|| at L = 10, n = 256, same Gaussian weights; "
                  "any common factor b cancels");
  checks.add_trend("proof reduction, c=2: top-r = threshold model as n grows", CheckRole::supporting, Family::supporting,
                   reduction_trend, "top-r against the threshold model at the implied t, same Gaussian weights");
  // Controls.
  checks.add_iid_controls(iid_curve_ctrl, iid2_curve, fixed256.iid_ctrl, fixed256.iid2, control_trend, rate_detail, gap_detail);
  checks.add_mean("planted: c=2 without scaling, same norm at L=10", CheckRole::planted_violation, Family::control,
                  gap256_of(fixed256.topr, Rule::none), kMarginGap,
                  str_cat(gap_detail, "; S_n = ", format_sig(row_second_moment(Rule::none, topr_c(kMainC), kPaperWidth), 3)));
  const WidthTrend none_trend = trend_of(Rule::none);
  checks.add_trend("planted: c=2 without scaling, gap -> 0 as n grows", CheckRole::planted_violation, Family::control,
                   none_trend, "r = floor(n log^2 n), b = 1");

  // Monte-Carlo S_n of the top-r mask with the variance-matching factor: TOST of S_n - 1 against
  // +-kMarginS at n = 256 (supporting family).
  {
    const ProofWidth& pw = *std::find_if(proof.begin(), proof.end(), [](const ProofWidth& p) { return p.n == kPaperWidth; });
    Sample s;
    for (double x : topr_sn(pw, Rule::matched)) s.values.push_back(x - 1.0);
    const MeanTest m = mean_test(s, kMarginS);
    checks.add_mean("top-r mask, variance-matching factor: S_n = 1 (Monte Carlo, n=256)", CheckRole::supporting,
                    Family::supporting, m, kMarginS,
                    str_cat("S_n - 1 for S_n = b^2 sum_ij w_ij^2 1{kept} / (2n), ", pw.samples.size(),
                            " matrices (the factor is matched at the implied t, the mask keeps exactly r)"));
  }

  checks.decide();

  // Deterministic and regression checks.
  report.checks.push_back(identity_check(identity_worst_dev, curve_depth, ", c = 2"));
  const std::vector<std::size_t> hyp_widths = hypothesis_widths();
  std::vector<double> hyp_x;
  std::vector<std::optional<double>> dev_printed, i_printed, i_matched;
  for (std::size_t n : hyp_widths) {
    hyp_x.push_back(static_cast<double>(n));
    dev_printed.push_back(std::abs(row_second_moment(Rule::printed, topr_c(kMainC), n) - 1.0));
    i_printed.push_back(log4_over_n(static_cast<double>(n)) * std::exp(2.0 * log_factor(Rule::printed, topr_c(kMainC), n)));
    i_matched.push_back(log4_over_n(static_cast<double>(n)) * std::exp(2.0 * log_factor(Rule::matched, topr_c(kMainC), n)));
  }
  const auto tr_ii_printed = assess_trend("(ii) printed", Relation::to_zero, hyp_x, dev_printed, false);
  const auto tr_i_printed = assess_trend("(i) printed", Relation::to_zero, hyp_x, i_printed, false);
  const auto tr_i_matched = assess_trend("(i) matched", Relation::to_zero, hyp_x, i_matched, false);
  {
    Check c;
    c.name = "Thm 3.1 (ii) with the printed factor, c=2: |S_n - 1| -> 0 (threshold model)";
    c.role = CheckRole::supporting;
    c.estimate = row_second_moment(Rule::printed, topr_c(kMainC), kPaperWidth);
    c.verdict = trend_verdict(tr_ii_printed);
    c.detail = "estimate: S_n at n = 256 (closed form at the implied t); S_n at n = 128 .. 2^20: ";
    for (std::size_t k = 0; k < hyp_widths.size(); ++k) {
      c.detail += str_cat(k ? ", " : "", format_sig(row_second_moment(Rule::printed, topr_c(kMainC), hyp_widths[k]), 3));
    }
    c.detail += str_cat("; ", tr_ii_printed.verdict);
    report.checks.push_back(c);
  }
  {
    Check c;
    c.name = "Thm 3.1 (i) with the variance-matching factor, c=2: log^4(n)/n b^2 -> 0";
    c.role = CheckRole::supporting;
    c.estimate = *i_matched[1];
    c.verdict = trend_verdict(tr_i_matched);
    c.detail = "estimate: the value at n = 256 (closed form); values at n = 128 .. 2^20: ";
    for (std::size_t k = 0; k < hyp_widths.size(); ++k) c.detail += str_cat(k ? ", " : "", format_sig(*i_matched[k], 3));
    c.detail += str_cat("; ", tr_i_matched.verdict);
    report.checks.push_back(c);
  }
  // The proof's reduction at the matrix level: ||W o B' - W o B|| / ||W o B|| should decrease with n.
  std::optional<LinearRegressionResult> ratio_fit;
  {
    std::vector<double> x, y;
    for (const auto& pw : proof) {
      for (const auto& s : pw.samples) {
        x.push_back(std::log2(static_cast<double>(pw.n)));
        y.push_back(std::log(s.ratio));
      }
    }
    Check c;
    c.name = "Thm 4.3 proof: ||W o B' - W o B|| / ||W o B|| decreases with n";
    c.role = CheckRole::supporting;
    c.kind = ClaimKind::direction;  // a sign: the slope lies below 0
    bool all_positive = true;
    for (double v : y) all_positive = all_positive && std::isfinite(v);
    if (all_positive && x.size() >= 3) {
      ratio_fit = linear_regression(x, y, 0.95);
      c.estimate = ratio_fit->slope;
      c.ci_low = ratio_fit->slope_ci.low;
      c.ci_high = ratio_fit->slope_ci.high;
      c.p_value = ratio_fit->slope_p_value;
      c.verdict = ratio_fit->slope_ci.high < 0.0 ? Verdict::confirmed
                                                 : (ratio_fit->slope_ci.low > 0.0 ? Verdict::refuted : Verdict::inconclusive);
    }
    c.detail = str_cat("OLS slope of log(ratio) on log2 n over ", x.size(),
                       " matrices (95% interval; confirmed when it lies below 0); c = 2, unscaled masks from the same "
                       "Gaussian draws; see the proof table");
    report.checks.push_back(c);
  }
  bool draws_agree = true;
  for (const auto& pw : proof) {
    for (const auto& s : pw.samples) draws_agree = draws_agree && s.same_values;
  }

  // --- tables ---------------------------------------------------------------------------------------
  {
    Table t;
    t.caption = "Thm 4.3: r = floor(n log^c n), the implied threshold, and conditions (i)-(ii) of Thm 3.1 for the threshold "
                "model at the implied t (closed forms)";
    t.header = {"c", "n", "r", "r/n (kept per row)", "sparsity 1 - r/n^2", "implied t", "n t^2",
                "t'(n) = sqrt((4 log n - 4c' log log n)/n)", "b printed", "b variance-matched", "S_n printed",
                "S_n inverse-sqrt", "(i) printed", "(i) variance-matched"};
    for (double c : {kMainC, kSecondC}) {
      for (std::size_t n : hyp_widths) {
        const EnsembleParams p = topr_c(c);
        const Ensemble e(p);
        const double nd = static_cast<double>(n);
        const double r = static_cast<double>(e.topr_count(n, n));
        const double th = implied_t(p, n);
        const auto tp = magnitude_threshold_bound(nd, 4.0 * (c + 1.75) / 2.0);
        t.rows.push_back({format_number(c), std::to_string(n), format_sig(r, 6), format_sig(r / nd, 4),
                          format_sig(1.0 - r / (nd * nd), 4), format_sig(th, 4), format_sig(nd * th * th, 4),
                          tp ? str_cat(format_sig(*tp, 4), th <= *tp ? " (holds)" : " (fails)") : "-",
                          format_sig(std::exp(log_factor(Rule::printed, p, n)), 4),
                          format_sig(std::exp(log_factor(Rule::matched, p, n)), 4),
                          format_sig(row_second_moment(Rule::printed, p, n), 4),
                          format_sig(row_second_moment(Rule::inverse_sqrt, p, n), 4),
                          format_sig(log4_over_n(nd) * std::exp(2.0 * log_factor(Rule::printed, p, n)), 4),
                          format_sig(log4_over_n(nd) * std::exp(2.0 * log_factor(Rule::matched, p, n)), 4)});
      }
    }
    t.rows.push_back({"2", "trend", "", "", "", "", "", "", "", "", str_cat("|S_n - 1|: ", tr_ii_printed.verdict), "",
                      tr_i_printed.verdict, tr_i_matched.verdict});
    report.tables.push_back(t);
  }
  {
    Table t;
    t.caption = str_cat("Monte Carlo (", proof_reps, " matrices per width, c = 2): S_n = (1/2) sum_k (b w_ik)^2 of the top-r "
                        "mask itself, mean with 95% t-interval, against the threshold model at the implied t");
    t.header = {"n", "S_n printed (top-r)", "threshold model", "S_n variance-matched (top-r)", "threshold model",
                "S_n inverse-sqrt (top-r)", "threshold model"};
    for (const auto& pw : proof) {
      std::vector<std::string> row = {std::to_string(pw.n)};
      for (Rule r : {Rule::printed, Rule::matched, Rule::inverse_sqrt}) {
        const auto m = mean_ci(topr_sn(pw, r));
        row.push_back(str_cat(format_sig(m[0], 6), " ", interval(m[1], m[2], 6)));
        row.push_back(format_sig(row_second_moment(r, topr_c(kMainC), pw.n), 6));
      }
      t.rows.push_back(row);
    }
    report.tables.push_back(t);
  }
  std::vector<std::vector<MeanTest>> rates(settings.size());
  {
    Table t = curve_table({"setting", "rule", "b"}, curve_reps, curve_depth);
    add_iid_curve_rows(t, iid_curve, iid_curve_ctrl, iid2_curve, curve_depth, {"-"});
    for (std::size_t i = 0; i < settings.size(); ++i) {
      for (Rule r : kRules) {
        const double lb = log_factor(r, settings[i], kPaperWidth);
        const MeanTest m = rate_of(i, r);
        rates[i].push_back(m);
        t.rows.push_back(curve_row({setting_name(settings[i], kPaperWidth), rule_name(r), format_sig(std::exp(lb), 4)},
                                   curves[i], lb, curve_depth, format_sig(m.mean, 4), interval(m.ci_low, m.ci_high, 3)));
      }
    }
    report.tables.push_back(t);
  }
  {
    Table t;
    t.caption = str_cat("Fixed depth L = ", kFixedDepth, ", c = 2: log-norm gap to iid (paired replicates, 90% intervals), "
                        "and top-r against the threshold model at the implied t");
    t.header = {"n", "replicates", "printed", "variance-matched", "corrected asymptotic", "none", "inverse-sqrt",
                "independent iid (control)", "top-r - threshold model", "dead (top-r)"};
    for (std::size_t k = 0; k < fixed.size(); ++k) {
      const auto& w = fixed[k];
      auto cell = [&](Rule r) {
        return gap_cell(mean_test(gap_sample(w.topr, log_factor(r, w.topr.params, w.n), w.iid, kFixedDepth), kMarginGap));
      };
      t.rows.push_back({std::to_string(w.n), std::to_string(w.iid.log_norm.size()), cell(Rule::printed), cell(Rule::matched),
                        cell(Rule::corrected), cell(Rule::none), cell(Rule::inverse_sqrt), gap_cell(control_gaps[k]),
                        gap_cell(reduction_gaps[k]), std::to_string(w.topr.dead())});
    }
    {
      auto cell = [&](Rule r) { return gap_cell(gap256_of(fixed256_c3, r)); };
      t.rows.push_back({"256 (c=3)", std::to_string(fixed256_c3.log_norm.size()), cell(Rule::printed), cell(Rule::matched),
                        cell(Rule::corrected), cell(Rule::none), cell(Rule::inverse_sqrt), "-", "-",
                        std::to_string(fixed256_c3.dead())});
    }
    report.tables.push_back(t);
  }
  {
    Table t;
    t.caption = str_cat("The proof's reduction (c = 2, ", proof_reps, " matrices per width): the top-r matrix W o B' against "
                        "the threshold matrix W o B at the implied t, from the same Gaussian weights");
    t.header = {"n", "||W o B' - W o B|| / ||W o B||", "printed b x ||W o B' - W o B|| (the proof's E||M||)",
                "log^{-5/8} n (the proof's rate)", "entries kept by one mask only", "max_i #J(i)", "4r/n (the proof's bound)"};
    for (const auto& pw : proof) {
      std::vector<double> ratio, m, diff, maxrow;
      const double b = std::exp(log_factor(Rule::printed, topr_c(kMainC), pw.n));
      for (const auto& s : pw.samples) {
        ratio.push_back(s.ratio);
        m.push_back(b * s.norm_diff);
        diff.push_back(s.diff_entries);
        maxrow.push_back(s.max_row_diff);
      }
      const auto a = mean_ci(ratio), bm = mean_ci(m), c = mean_ci(diff), d = mean_ci(maxrow);
      const double r = static_cast<double>(Ensemble(topr_c(kMainC)).topr_count(pw.n, pw.n));
      t.rows.push_back({std::to_string(pw.n), str_cat(format_sig(a[0], 3), " ", interval(a[1], a[2], 3)),
                        str_cat(format_sig(bm[0], 3), " ", interval(bm[1], bm[2], 3)),
                        format_sig(std::pow(std::log(static_cast<double>(pw.n)), -0.625), 3), format_sig(c[0], 3),
                        format_sig(d[0], 3), format_sig(4.0 * r / static_cast<double>(pw.n), 4)});
    }
    report.tables.push_back(t);
  }
  {
    Table t;
    t.caption = "Cost: CPU time per network (one thread). Top-r ranks all n^2 weights of each layer and cannot draw only "
                "the columns of active units, unlike the threshold and iid ensembles";
    t.header = {"n", "L", "prefix norms", "iid (ms)", "threshold at implied t (ms)", "top-r c=2 (ms)", "top-r / threshold",
                "top-r / iid"};
    for (const auto& w : fixed) {
      t.rows.push_back({std::to_string(w.n), std::to_string(kFixedDepth), "no", format_sig(w.iid.mean_cpu_ms(), 3),
                        format_sig(w.thr.mean_cpu_ms(), 3), format_sig(w.topr.mean_cpu_ms(), 3),
                        format_sig(w.topr.mean_cpu_ms() / w.thr.mean_cpu_ms(), 3),
                        format_sig(w.topr.mean_cpu_ms() / w.iid.mean_cpu_ms(), 3)});
    }
    t.rows.push_back({"256", std::to_string(curve_depth), "yes", format_sig(iid_curve.mean_cpu_ms(), 3), "-",
                      format_sig(curves[main_idx].mean_cpu_ms(), 3), "-",
                      format_sig(curves[main_idx].mean_cpu_ms() / iid_curve.mean_cpu_ms(), 3)});
    report.tables.push_back(t);
  }

  // --- CSV (long format). CPU times are in the cost table only, so that the CSV is identical for any
  // thread count and machine load. ------------------------------------------------------------------
  report.csv.header = {"run", "ensemble", "width", "depth", "replicate", "quantity", "value"};
  auto csv_run = [&](const Run& r) {
    const std::string ens = Ensemble(r.params).describe();
    for_each_log_norm(r, [&](std::size_t rep, std::size_t depth, double v) {
      report.csv.add_row({r.part, ens, std::to_string(r.width), std::to_string(depth), std::to_string(rep),
                          "log_norm_unscaled", csv_cell(v)});
    });
  };
  csv_run(iid_curve_ctrl);  // the claims' iid replicates and the control's further ones
  csv_run(iid2_curve);
  for (const auto& r : curves) csv_run(r);
  for (const auto& w : fixed) {
    csv_run(w.iid_ctrl);
    csv_run(w.iid2);
    csv_run(w.topr);
    csv_run(w.thr);
  }
  csv_run(fixed256_c3);
  for (const auto& pw : proof) {
    const std::string ens = Ensemble(topr_c(kMainC)).describe();
    for (std::size_t rep = 0; rep < pw.samples.size(); ++rep) {
      const auto& s = pw.samples[rep];
      const std::pair<const char*, double> q[] = {{"proof_norm_ratio", s.ratio},
                                                  {"proof_norm_diff_unscaled", s.norm_diff},
                                                  {"proof_entries_one_mask_only", s.diff_entries},
                                                  {"proof_max_row_entries_one_mask_only", s.max_row_diff},
                                                  {"topr_sum_kept_w2_unscaled", s.sum_sq}};
      for (const auto& [name, value] : q) {
        report.csv.add_row({str_cat("proof-n", pw.n), ens, std::to_string(pw.n), "1", std::to_string(rep), name, csv_cell(value)});
      }
    }
  }

  // --- figure ---------------------------------------------------------------------------------------
  Figure fig = depth_panels_figure();
  fig.caption = str_cat(
      "As the paper's Fig. 3: geometric mean of ||J_1|| against depth at n = 256 (", curve_reps,
      " networks per curve), one panel per scale option, curves per sparsity (black: iid); lower middle: the scale "
      "factors against sparsity at n = 256 (Fig. 3 lower right); lower right: log-norm gap to iid at L = 10 along n "
      "(c = 2) for the variance-matched factor, the independent iid control and top-r against the threshold model, with "
      "90% intervals (dashed: the margin ±log 1.1; the printed factor's gaps are in the tables)");
  {
    add_iid_block(fig, iid_curve, curve_depth);
    for (std::size_t i = 0; i < settings.size(); ++i) {
      add_scaled_block(fig, str_cat("s", i), curves[i], curve_depth,
                       [&](Rule r) { return log_factor(r, settings[i], kPaperWidth); });
    }
    auto& fac = fig.block("factors");
    for (int k = 5; k <= 99; ++k) {
      const EnsembleParams p = topr_s(0.01 * k);
      fac.push_back({0.01 * k, std::exp(log_factor(Rule::inverse_sqrt, p, kPaperWidth)),
                     std::exp(log_factor(Rule::printed, p, kPaperWidth)), std::exp(log_factor(Rule::matched, p, kPaperWidth)),
                     std::exp(log_factor(Rule::corrected, p, kPaperWidth))});
    }
    auto& gaps = fig.block("gaps");
    for (std::size_t k = 0; k < fixed.size(); ++k) {
      const auto& w = fixed[k];
      const MeanTest m = mean_test(gap_sample(w.topr, log_factor(Rule::matched, w.topr.params, w.n), w.iid, kFixedDepth), kMarginGap);
      gaps.push_back({static_cast<double>(w.n), m.mean, m.ci_low, m.ci_high, control_gaps[k].mean, control_gaps[k].ci_low,
                      control_gaps[k].ci_high, reduction_gaps[k].mean, reduction_gaps[k].ci_low, reduction_gaps[k].ci_high});
    }
  }
  std::string script = kDepthPanelsPreamble;
  const char* panel_titles[] = {"no scaling (b = 1)", "b = (1 - s)^{-1/2}", "printed factor (Thm 4.3)", "variance-matched factor"};
  for (int col = 0; col < 4; ++col) {
    script += str_cat("set title '", panel_titles[col], "'\nplot $iid using 1:2 with lines lt 7 lw 2 title 'iid'");
    for (std::size_t i = 0; i < settings.size(); ++i) {
      script += str_cat(", $s", i, " using 1:", col + 2, " with lines lt ", i + 1, " title '",
                        setting_name(settings[i], kPaperWidth), "'");
    }
    script += "\n";
  }
  script +=
      "set title 'scale factors at n = 256'\nset xlabel 'sparsity s'\nset ylabel 'b'\nset key left top font ',10'\n"
      "plot 1 with lines lt 7 dt 2 notitle, $factors using 1:2 with lines lt 2 title '(1-s)^{-1/2}', "
      "$factors using 1:3 with lines lt 3 title 'printed (Thm 4.3)', $factors using 1:4 with lines lt 4 title "
      "'variance-matched', $factors using 1:5 with lines lt 5 title 'corrected asympt.'\n"
      "set title 'gap to iid at L = 10, c = 2'\nunset logscale y\nset format y '%g'\nset logscale x 2\nset format x '2^{%L}'\n"
      "set xlabel 'width n'\nset ylabel 'log-norm gap'\nset key right bottom font ',10'\n";
  script += kGapMarginPlot;
  script +=
      "$gaps using ($1*1.03):2:3:4 with yerrorlines lt 4 title 'variance-matched - iid', "
      "$gaps using 1:5:6:7 with yerrorlines lt 7 title 'iid - iid', "
      "$gaps using ($1/1.03):8:9:10 with yerrorlines lt 6 title 'top-r - threshold model'\n"
      "unset multiplot";
  fig.script = script;
  report.figure = fig;

  // --- text -------------------------------------------------------------------------------------------
  const EnsembleParams pc2 = topr_c(kMainC);
  const double s_pr = row_second_moment(Rule::printed, pc2, kPaperWidth);
  const double s_inv = row_second_moment(Rule::inverse_sqrt, pc2, kPaperWidth);
  const double t_c2 = implied_t(pc2, kPaperWidth);
  const double r_c2 = static_cast<double>(Ensemble(pc2).topr_count(kPaperWidth, kPaperWidth));
  const MeanTest pr = rates[main_idx][2], vm = rates[main_idx][3], none_r = rates[main_idx][0], inv = rates[main_idx][1];
  const MeanTest co = rates[main_idx][4];
  const MeanTest g_pr = gap256_of(fixed256.topr, Rule::printed), g_vm = gap256_of(fixed256.topr, Rule::matched);
  const Verdict repair = verdict_of(report, "repair (variance-matched)");
  const Verdict thm = verdict_of(report, "Thm 4.3 printed factor");
  const Verdict fig_ul = verdict_of(report, "Fig. 3 upper left");
  const Verdict fig_ur = verdict_of(report, "Fig. 3 upper right");
  const Verdict v = report.final_verdict();

  report.title = "top-r magnitude pruning with the printed factor (Thm 4.3, Fig. 3)";
  report.claim =
      "> **Theorem 4.3 (Magnitude-based pruning, random threshold).** *Suppose that the coefficients of the weight "
      "matrix W = (w_ij) are iid N(0, 2/n) variables, and consider magnitude-based pruning in which the "
      "r := ⌊n log^c n⌋ largest weight coefficients in absolute value are kept, for some c > 7/4. Specifically, let "
      "t := t(n) > 0 solve P(|w_ij| ≤ t) = 1 − r/(n² + 1) and choose the mask B' := (b'_ij) defined by "
      "b'_ij := (√(2π) e^{n t²/2} / (t n^{3/2}))^{1/2} 1{|w_ij| ≥ w^(r)}, where w^(1) ≥ w^(2) ≥ … ≥ w^(n²) is the "
      "non-increasing rearrangement of {|w_ij|}. Then, the Jacobian of the scaled sparse network … satisfies "
      "lim_{n→∞} ‖J_1^B‖ = lim_{n→∞} ‖J_1^iid‖.* (Sec. 4.2)\n>\n"
      "> On Fig. 3 (n = 256, input from MNIST): *The top two plots show that without scaling (scaling factor = 1), the "
      "Jacobian norm is not stable and remains so when using the same scaling factor as in the case of random pruning "
      "((1 − s_n)^{−1/2}). The stability is recovered with the correct scaling factor stated in Theorem 4.3 which is "
      "shown in the third plot.* (Sec. 4.2)\n\n"
      "The proof reduces the top-r mask to Thm 4.2's deterministic threshold at the implied t "
      "(lim E‖W ⊙ B' − W ⊙ B‖ = 0), so Thm 4.2's condition (ii) of Thm 3.1, S_n := (1/2) n E|bw|² → 1, is needed "
      "here too (see t42-magnitude-threshold).";
  auto miss_of = [&](const std::string& prefix) -> std::string {
    for (const auto& c : report.checks) {
      if (c.name.rfind(prefix, 0) == 0 && c.misbehave_rate) return format_sig(*c.misbehave_rate, 2);
    }
    return "–";
  };
  report.operationalisation = str_cat(
      "- Networks: ReLU MLP of eq. (1) without biases, input a Fashion-MNIST training image drawn per network, hidden "
      "weights iid N(0, 2/n); each layer keeps its r largest |w| (r = ⌊n log^c n⌋, or r = round((1 − s) n²) for a "
      "sparsity s) and multiplies them by b. ‖J_1‖ is the spectral norm, carried in the log domain.\n"
      "- Scale options: none (b = 1); inverse-sqrt (b = (1 − s)^{−1/2} = (r/n²)^{−1/2}); printed (Thm 4.3's b at the "
      "implied t); variance-matched (b = E[N² 1{|N| > t sqrt(n/2)}]^{−1/2} at the implied t); corrected asymptotic "
      "(b² = √π e^{n t²/4}/(t √n), the proof's asymptotics with x = n t²/2 and the factor 2/n kept). All options are "
      "evaluated on the same simulated networks (log‖J_1^{(b)}‖ = log‖J_1^{(1)}‖ + l log b at depth l, exact by "
      "homogeneity of ReLU; verified against the library's scaled ensembles).\n"
      "- Settings: c = 2 and c = 3 (the paper fixes no c; both exceed 7/4); the paper's Fig. 3 gives no sparsity levels",
      ctx.profile() == Profile::quick ? "; the quick profile runs the depth curves for c = 2 only.\n"
                                      : ", so the depth curves also use s = 0.5 and s = 0.95.\n",
      "- Condition (ii): S_n in closed form for the threshold model at the implied t over n = 128 … 2^20, and by Monte "
      "Carlo for the top-r mask itself (", proof_reps, " matrices per width).\n"
      "- Depth curves (Fig. 3): n = 256, depths 1..", curve_depth, ", ", curve_reps,
      " networks per setting, paired with iid networks that share the replicate's input, W_in and unpruned Gaussian "
      "weights.\n"
      "- Statistic R (rate): per network, the OLS slope over l = 1..", curve_depth,
      " of log‖J^B_l‖ − log‖J^iid_l‖, mean over networks; margin ±", kMarginRate, " per layer.\n"
      "- Statistic G (fixed depth): log‖J^B‖ − log‖J^iid‖ at L = ", kFixedDepth,
      "; margin ±log 1.1 = ±", format_sig(kMarginGap, 4), ". Separate runs of depth ", kFixedDepth, " at n ∈ {",
      widths_with_pairs(widths, fixed_reps),
      "}, c = 2, each also with the threshold model at the implied t on the same Gaussian weights.\n"
      "- Tests: TOST with a paired t reference (N − 1 df), α = ", kAlpha,
      ", and its complement (the mean lies beyond the margin on the side of the estimate); a check's p is the smaller "
      "of the two. Decision rule version 2 (validation/README.md): the paper's \"is stable\" statements (same rate, "
      "same norm, gap → 0) are *approximate* claims: confirmed = equivalent, refuted only when the 90% interval lies "
      "wholly beyond the margin. Its \"is not stable\" statements (Fig. 3 upper panels) are claims of a "
      "non-equivalence, i.e. of a *direction*: |rate| beyond the declared minimal effect ", kMarginRate,
      " per layer; confirmed = beyond the margin (one-sided test on the estimate's side); a refutation (equivalence "
      "established) counts only when the pre-declared replication, the same paired test on ", curve_reps,
      " fresh pairs (streams \"curves-n256/replication\", run only when the first test rejects), establishes it too "
      "at the level the first test was judged at (`replicated_rejection()`). Trend T: G equivalent at every n ≥ 256 "
      "(confirmed), or beyond the margin at the largest n with the gap growing in magnitude (refuted; weighted "
      "least-squares slope of G on log2 n, one-sided z test).\n"
      "- Multiplicity: Holm within the claim checks and, separately, within the supporting checks; each control is "
      "judged at α.\n"
      "- The proof's reduction: for each width, ", proof_reps, " matrices drawn once and masked both ways (top-r and "
      "threshold at the implied t); ‖W ⊙ B' − W ⊙ B‖ / ‖W ⊙ B‖ and the number of entries kept by one mask only; "
      "trend by OLS of the log ratio on log2 n.\n"
      "- Controls: positive: an independent iid sample against the first (R, G, T; true difference 0); planted "
      "violations: c = 2 without scaling (G and T). Each control's predicted probability of misbehaving on one master "
      "seed (rule 4, target ≤ 10⁻⁴, column \"predicted miss rate\") comes from its standard error: a positive control "
      "misses when its 90% interval reaches past the margin (about 2 Φ(z₀.₉₅ − margin/SE)), T when that happens at any "
      "width ≥ 256; a planted violation misses when its interval is not wholly beyond the margin (the estimate as "
      "plug-in for the planted effect) or, for T, when the gap is not shown to grow. Predicted: R ",
      miss_of("control: independent iid sample, same depth rate"), ", G ",
      miss_of("control: independent iid sample, same norm"), ", T ", miss_of("control: independent iid sample, gap"),
      "; planted ", miss_of("planted: c=2 without scaling, same norm"), ", ", miss_of("planted: c=2 without scaling, gap"),
      ". To reach the target at the quick profile the positive controls use ", ctrl_curve_reps,
      " depth-curve pairs and ", ctrl_fixed_reps(kPaperWidth),
      " fixed-depth pairs at n = 256 (with 64 depth-curve pairs, 2 of 13 master seeds gave predicted rates of 6·10⁻⁴ and 2·10⁻³ for R: the estimated SE of a slope over 30 layers spreads widely; before: 32 and 100, predicted 1.5·10⁻⁴ and 2.6·10⁻⁴): the independent iid "
      "sample is that large, and its partner continues the claims' iid streams with further replicates, so the claim "
      "checks are unchanged. At the paper profile T's widths 512 and 1024 get ", ctrl_fixed_reps(512), " and ",
      ctrl_fixed_reps(1024), " pairs (before: ", fixed_reps(512), " and ", fixed_reps(1024),
      "; with 24 pairs at n = 1024 one master seed of t43 gave a predicted rate of 1.6·10⁻³ for T).");

  report.summary = str_cat(
      "c=2, n=256: r = ", format_sig(r_c2, 6), ", t = ", format_sig(t_c2, 3), "; printed factor gives S_n = ",
      format_sig(s_pr, 3), " and ||J^B|| vs iid ", format_sig(pr.mean, 3), " per layer (collapse; Fig. 3's stability "
      "not reproduced); no scaling ", format_sig(none_r.mean, 2), ", (1-s)^{-1/2} ", format_sig(inv.mean, 2),
      " per layer (unstable, as the paper says); variance-matched ", format_sig(vm.mean, 2), " per layer, gap at L=10 ",
      format_sig(g_vm.mean, 2), " (", to_string(repair), ")");

  report.discrepancies.push_back(str_cat(
      "**Fig. 3 (lower left) and Thm 4.3: the printed factor does not stabilise the Jacobian; it makes it collapse.** "
      "For c = 2 at n = 256, r = ", format_sig(r_c2, 6), " (sparsity ", format_sig(1.0 - r_c2 / 65536.0, 3),
      "), the implied t = ", format_sig(t_c2, 4), ", and the printed b = ",
      format_sig(std::exp(log_factor(Rule::printed, pc2, kPaperWidth)), 3), " < 1 gives S_n = ", format_sig(s_pr, 3),
      " (closed form for the threshold model; the top-r mask's Monte-Carlo value is in table 2), not 1. Measured rate "
      "of ‖J^B‖ against iid: ", format_sig(pr.mean, 4), " ", interval(pr.ci_low, pr.ci_high), " per layer (predicted "
      "0.5 log S_n = ", format_sig(0.5 * std::log(s_pr), 4), "), i.e. ‖J^B‖ ≈ e^{", format_sig(pr.mean * curve_depth, 3),
      "} ‖J^iid‖ at depth ", curve_depth, "; at L = 10 the log-norm gap is ", format_sig(g_pr.mean, 3), " ",
      interval(g_pr.ci_low, g_pr.ci_high), " and it grows in magnitude with n (", format_sig(printed_trend.slope, 3),
      " per doubling). The paper's Fig. 3 lower-left panel, described as stable, cannot have been drawn with the "
      "factor as printed. The cause is Thm 4.2's proof (x := n t² where |w| > t iff N² > n t²/2, and a dropped factor "
      "2/n; see t42-magnitude-threshold): S_n ~ √2 e^{n t²/4}/n → 0. The factor that does give (ii) is the "
      "variance-matching one, b = ", format_sig(std::exp(log_factor(Rule::matched, pc2, kPaperWidth)), 4),
      " here; with it the rate is ", format_sig(vm.mean, 3), " ", interval(vm.ci_low, vm.ci_high, 3), " per layer."));
  report.discrepancies.push_back(str_cat(
      "**Condition (i) of Thm 3.1 fails for the factor that satisfies (ii) when c ≤ 3.** With the variance-matching "
      "factor, b² ≈ 1/(q (a² + 1)) with q = r/n² = log^c(n)/n and a² ≈ 2 log(n/log^c n), so log⁴(n)/n b² behaves like "
      "log^{3−c}(n)/2: it grows for c = 2 (", format_sig(*i_matched[1], 3), " at n = 256, ",
      format_sig(*i_matched.back(), 3), " at n = 2^20; trend: ", tr_i_matched.verdict,
      ") and stays bounded for c = 3. The printed factor meets (i) only because it is too small. A version of "
      "Thm 4.3 that goes through Thm 3.1 needs the variance-matching factor and c > 3, not c > 7/4."));

  // Fig. 3 upper left at low sparsity: the predicted rate without scaling against the minimal
  // effect, and what the data can decide at this budget.
  std::string margin_case;
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const double pred = 0.5 * std::log(row_second_moment(Rule::none, settings[i], kPaperWidth));
    const MeanTest& m = rates[i][0];
    if (!(m.se > 0.0) || std::abs(std::abs(pred) - kMarginRate) > 3.0 * m.se) continue;
    const std::string nm = setting_name(settings[i], kPaperWidth);
    const Check* ck = nullptr;
    for (const auto& c : report.checks) {
      if (c.name == str_cat("Fig. 3 upper left: no scaling is not stable, ", nm)) ck = &c;
    }
    if (!ck) continue;
    const double z = boost::math::quantile(boost::math::normal(), 1.0 - kAlpha);
    const double gap = (std::abs(pred) - kMarginRate) / m.se;  // the true effect beyond the margin, in SEs
    const double p_confirm = boost::math::cdf(boost::math::normal(), gap - z);
    const double p_refute_once = boost::math::cdf(boost::math::normal(), -gap - z);
    const double se_needed = std::abs(std::abs(pred) - kMarginRate) / (z + 1.6448536269514722);
    margin_case += str_cat(
        "**Fig. 3 upper left at ", nm, " sits on the minimal effect.** Without scaling the predicted rate is "
        "0.5 log S_n = ", format_sig(pred, 3), " per layer (S_n = ", format_sig(row_second_moment(Rule::none, settings[i], kPaperWidth), 4),
        ", the threshold model at the implied t), against the declared minimal effect ±", kMarginRate,
        "; the measured rate is ", format_sig(m.mean, 3), " ", interval(m.ci_low, m.ci_high, 3), " (SE ",
        format_sig(m.se, 2), "). The true effect lies ", format_sig(gap, 2),
        " standard errors beyond the minimal effect, so the data cannot decide the statement at this budget: by the "
        "normal approximation it comes out confirmed on about ", format_sig(100.0 * p_confirm, 2),
        "% of master seeds (estimate 1.65 SE beyond the margin; less after Holm) and refuted on about ",
        format_sig(100.0 * p_refute_once * p_refute_once, 1),
        "% (a replicated equivalence), inconclusive otherwise; here it is ", to_string(ck->verdict),
        ". Deciding it with 95% power would need an SE of about ", format_sig(se_needed, 2), ", i.e. about ",
        format_sig(std::pow(m.se / se_needed, 2.0), 2), " times the ", m.used,
        " pairs of this profile. Whatever its verdict, it does not move the report's verdict, which the printed-factor "
        "checks decide; and the statement itself is borne out in substance (the rate is negative, as predicted, and "
        "about the size of the margin).\n\n");
  }
  report.discussion = str_cat(
      margin_case,
      "**Verdicts.** Thm 4.3 as printed: ", to_string(thm), ". Fig. 3 upper left (no scaling is unstable): ",
      to_string(fig_ul), ". Fig. 3 upper right ((1 − s)^{−1/2} is unstable): ", to_string(fig_ur),
      ". The overall verdict is refuted as soon as one of the paper's statements is refuted, confirmed only if all are "
      "confirmed; here it is ", to_string(v), ".\n\n"
      "**What the paper's figure gets right.** Without scaling, the kept weights carry only a fraction "
      "E[N² 1{|N| > a}] of the variance, so the norm decays (", format_sig(none_r.mean, 3),
      " per layer at c = 2); with (1 − s)^{−1/2} it grows (", format_sig(inv.mean, 3), " per layer, S_n = ",
      format_sig(s_inv, 3), "), because magnitude pruning keeps the largest weights, whose mean square exceeds 2/n. "
      "Per-layer rates without scaling, by setting: ", [&] {
        std::string out;
        for (std::size_t i = 0; i < settings.size(); ++i) {
          out += str_cat(i ? "; " : "", setting_name(settings[i], kPaperWidth), ": ", format_sig(rates[i][0].mean, 3), " ",
                         interval(rates[i][0].ci_low, rates[i][0].ci_high, 3));
        }
        return out;
      }(),
      " (the rate is about 0.5 log E[N² 1{|N| > a}], small where little is pruned, so at low sparsity the \"not "
      "stable\" statement can sit at the margin). These agree with the paper's description of the upper panels, and "
      "the lower-right panel's message, that the "
      "right factor differs from (1 − s)^{−1/2}, is borne out: the variance-matching factor is ",
      format_sig(std::exp(log_factor(Rule::matched, pc2, kPaperWidth)), 3), " against (1 − s)^{−1/2} = ",
      format_sig(std::exp(log_factor(Rule::inverse_sqrt, pc2, kPaperWidth)), 3),
      " at c = 2 (lower middle panel). The printed factor, ", format_sig(std::exp(log_factor(Rule::printed, pc2, kPaperWidth)), 3),
      ", is below both and below 1.\n\n"
      "**The variance-matched repair: ", to_string(repair), ".** Rate against iid ", format_sig(vm.mean, 3), " ",
      interval(vm.ci_low, vm.ci_high, 3), " per layer (c = 2), gap at L = 10 ", format_sig(g_vm.mean, 3), " ",
      interval(g_vm.ci_low, g_vm.ci_high, 3), " at n = 256; along n the gap at L = 10 is ", trend_gaps_text(matched_trend),
      trend_change_text(matched_trend, "the gap grows with n, though it stays inside the margin"),
      ". The corrected asymptotic "
      "factor (leading term only) is not accurate enough at n = 256: rate ", format_sig(co.mean, 3), " ",
      interval(co.ci_low, co.ci_high, 3), " per layer.\n\n"
      "**The proof's reduction to a deterministic threshold.** ", [&] {
        const ProofWidth& pw = *std::find_if(proof.begin(), proof.end(), [](const ProofWidth& p) { return p.n == kPaperWidth; });
        std::vector<double> diff, maxrow, ratio;
        for (const auto& s : pw.samples) {
          diff.push_back(s.diff_entries);
          maxrow.push_back(s.max_row_diff);
          ratio.push_back(s.ratio);
        }
        const double r = static_cast<double>(Ensemble(pc2).topr_count(kPaperWidth, kPaperWidth));
        return str_cat("At n = 256 (c = 2) the top-r and threshold masks differ in ", format_sig(mean_ci(diff)[0], 3),
                       " of the ", format_sig(r, 5), " kept entries on average, at most ", format_sig(mean_ci(maxrow)[0], 2),
                       " per row (the proof's bound is 4r/n = ", format_sig(4.0 * r / 256.0, 4), "), and ‖W ⊙ B' − W ⊙ B‖ is ",
                       format_sig(mean_ci(ratio)[0], 2), " of ‖W ⊙ B‖ (table 5; its trend in n: ",
                       to_string(verdict_of(report, "Thm 4.3 proof")), "). The networks built from the two masks: ",
                       to_string(verdict_of(report, "proof reduction")), " as equivalent at L = 10 (checks \"proof reduction\"). ");
      }(),
      "The proof bounds E‖M‖ with the printed "
      "factor b; with the variance-matching factor (b² of order n/log^{c+1} n) the same chain of bounds gives O(1) "
      "rather than o(1), so the reduction would need the finer count of differing entries that the data show.\n\n"
      "**Cost.** Top-r must rank all n² weights of every layer and cannot draw only the columns of active units, so "
      "a network costs ", [&] {
        const auto& w = fixed.back();
        return str_cat(format_sig(w.topr.mean_cpu_ms() / w.thr.mean_cpu_ms(), 2), "× a threshold network at n = ", w.n,
                       " (", format_sig(w.topr.mean_cpu_ms(), 3), " ms against ", format_sig(w.thr.mean_cpu_ms(), 3),
                       " ms at L = ", kFixedDepth, ")");
      }(),
      "; see table 6.\n\n"
      "The paper's Fig. 3 uses MNIST inputs and does not state its sparsity levels, depth grid or number of runs; "
      "this report uses Fashion-MNIST inputs (the input enters only through D_0 and the first layers' masks) and the "
      "settings above.",
      draws_agree ? "" : " WARNING: the top-r and threshold draws disagreed on a commonly kept entry; the proof table "
                         "is not a same-weights comparison.");
  report.parameters = {{"alpha", format_number(kAlpha)},
                       {"margin_rate_per_layer", format_number(kMarginRate)},
                       {"margin_gap_log", format_number(kMarginGap)},
                       {"margin_sn", format_number(kMarginS)},
                       {"fixed_depth", std::to_string(kFixedDepth)},
                       {"curve_depth", std::to_string(curve_depth)},
                       {"curve_reps", std::to_string(curve_reps)},
                       {"topr_c", "2,3"},
                       {"proof_reps", std::to_string(proof_reps)},
                       {"widths", join_widths(widths)},
                       {"input", "fashion-mnist"}};
  return report;
}

}  // namespace

JACSTAB_REGISTER_CLAIM("t43-magnitude-topr", run);

}  // namespace jacstab
