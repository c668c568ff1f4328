// jacstab hypotheses: a theorem's hypotheses evaluated at finite width.
#include <chrono>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "ensemble_options.hpp"
#include "jacstab/ensembles.hpp"
#include "jacstab/format.hpp"
#include "jacstab/hypotheses.hpp"
#include "jacstab/io.hpp"
#include "jacstab/provenance.hpp"
#include "options.hpp"

namespace jacstab::cli {
namespace {

constexpr const char* kHelp = R"HELP(Usage: jacstab hypotheses --theorem T (--width N | --widths N1,N2,N3,...) [options]

Evaluates the hypotheses of one of the paper's theorems at finite width n, for the given
ensemble parameters. Each condition is printed with its name, value, bound and whether it
holds. Exact expectations are used where a closed form exists; the top-r mask (magnitude-topr)
has none, so its condition (ii) is a Monte-Carlo estimate with a confidence interval.
Conditions of the form "-> 0", "-> inf" or "O(1)" cannot be decided at one width: give
--widths to get a trend verdict per condition.

Theorem and widths:
  --theorem T        3.1  stability theorem: assumption sets (A1), (A'1), (A2) and conditions
                          (i)/(i'), (ii), (iii), (ii'), for every --ensemble
                     4.1  random pruning: 1 - s >> log^4(n)/n, and (i), (ii) for the scaled mask
                          (default --ensemble random-prune)
                     4.2  magnitude pruning, deterministic threshold: (a) t < t_max(n),
                          (b) n t^2 -> inf, (c) (ii) and (d) (i) for the printed and the
                          variance-matching factors (default --ensemble magnitude-threshold)
                     4.3  top-r magnitude pruning, r = floor(n log^c n): c > 7/4, the implied t,
                          the proof's comparison with Thm 4.2, and a Monte-Carlo (ii) of the
                          top-r mask (default --ensemble magnitude-topr; needs --topr-c)
                     5.1  dependent weights: correlation against n^{-3/2}/log n and the other
                          bounds the paper's text uses (default --ensemble dependent;
                          equicorrelated also accepted)
  --width N          one width n, integer >= 2
  --widths LIST      several widths, comma-separated, strictly increasing, at least 3 (e.g.
                     256,1024,4096); adds a trend verdict per condition

Ensemble (as in jacstab sample; an option the ensemble does not use is an error):
  --ensemble KIND    iid, random-prune, magnitude-threshold, magnitude-topr, dependent,
                     equicorrelated or surrogate (default: the theorem's ensemble, iid for 3.1)
  --sigma2 X         weight variance times fan-in, > 0 (default 2)
  --sparsity S       pruned fraction in [0, 1) for random-prune and magnitude-topr (default 0)
  --scale RULE       none (default), inverse-sqrt, theorem or variance-matched: the factor b of
                     the kept weights; enters beta_n = b and (ii) of Thm 3.1. Thms 4.1 and 4.2
                     fix their own factors and also show this one when it differs
  --threshold T      magnitude-threshold's t > 0 (required for that ensemble)
  --topr-c C         magnitude-topr keeps r = floor(n log^C n) (required for Thm 4.3)
  --eta E            dependent ensemble's eta >= 0 (default 0)
  --rho R            equicorrelated ensemble's rho in [0, 1) (default 0)
  --alpha A          surrogate mask probability in [0, 1] (default 0.5)

Monte Carlo (magnitude-topr only):
  --seed S           master seed, integer >= 0 (default 1); replicate r uses stream
                     (S, "hypotheses", r)
  --reps R           replicates, integer >= 2 (default 8); the interval is a Student-t
                     interval across replicates
  --mc-max-width N   skip the Monte Carlo above this width (default 8192; one replicate holds
                     an n x n matrix)

Output:
  --json             print one JSON object: theorem, ensemble, "reports" (one per width, each
                     with "conditions": name, statement, relation, value, bound, holds, note,
                     monte_carlo, informational, value_ci), "trends" (with --widths) and
                     provenance. An undefined value is null and its note says why; no NaN.
  --help             show this help

Relations: <=, <, >=, >, == are decided at each width; -> 0, -> inf and O(1) are asymptotic
(holds is empty at one width; the trend verdict decides over --widths); info items are derived
quantities, not hypotheses.
Exit status: 0 success, 2 bad input (the message names the option and the value it got),
1 internal failure.
)HELP";

std::string num(double x) {
  if (!std::isfinite(x)) return format_number(x);
  std::ostringstream os;
  os << std::setprecision(6) << x;
  return os.str();
}

std::string value_text(const Condition& c) {
  if (!c.value) return c.relation == Relation::structural ? "-" : "undefined";
  std::string s = num(*c.value);
  if (c.value_ci) s += " [" + num(c.value_ci->low) + ", " + num(c.value_ci->high) + "]";
  return s;
}

std::string bound_text(const Condition& c) {
  const std::string sym(symbol(c.relation));
  if (c.relation == Relation::structural || c.relation == Relation::info) return "-";
  if (is_asymptotic(c.relation)) return sym;
  return c.bound ? sym + " " + num(*c.bound) : sym + " undefined";
}

std::string holds_text(const Condition& c) {
  if (c.holds) return *c.holds ? "yes" : "no";
  if (c.relation == Relation::info) return "info";
  if (is_asymptotic(c.relation)) return c.informational ? "trend, info" : "trend";
  if (c.relation == Relation::structural) return "not decided";
  return "undefined";
}

std::string holds_text(const Trend& t) {
  if (t.holds) return *t.holds ? "yes" : "no";
  if (t.relation == Relation::info) return "info";
  return "inconclusive";
}

void write_interval(JsonWriter& w, const std::optional<ConfidenceInterval>& ci) {
  if (!ci) {
    w.null_value();
    return;
  }
  w.begin_object();
  w.key("low"); w.value(ci->low);
  w.key("high"); w.value(ci->high);
  w.key("level"); w.value(ci->level);
  w.end_object();
}

void write_condition(JsonWriter& w, const Condition& c) {
  w.begin_object();
  w.key("name"); w.value(c.name);
  w.key("statement"); w.value(c.statement);
  w.key("relation"); w.value(to_string(c.relation));
  w.key("value"); w.value(c.value);
  w.key("bound"); w.value(c.bound);
  w.key("holds"); w.value(c.holds);
  w.key("note"); w.value(c.note);
  w.key("monte_carlo"); w.value(c.monte_carlo);
  w.key("informational"); w.value(c.informational);
  w.key("value_ci");
  write_interval(w, c.value_ci);
  w.end_object();
}

void write_trend(JsonWriter& w, const Trend& t) {
  w.begin_object();
  w.key("name"); w.value(t.name);
  w.key("relation"); w.value(to_string(t.relation));
  w.key("holds"); w.value(t.holds);
  w.key("slope"); w.value(t.slope);
  w.key("slope_points"); w.value(t.slope_points);
  w.key("slope_ci");
  write_interval(w, t.slope_ci);
  w.key("monte_carlo"); w.value(t.monte_carlo);
  w.key("verdict"); w.value(t.verdict);
  w.end_object();
}

std::vector<std::size_t> parse_widths(const Options& o, const std::string& text) {
  auto bad = [&]() {
    o.fail("--widths must be a comma-separated list of at least 3 strictly increasing integers in "
           "[2, 1073741824], got '" + text + "'");
  };
  std::vector<std::size_t> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    if (item.empty() || item.size() > 10 || item.find_first_not_of("0123456789") != std::string::npos) bad();
    const std::uint64_t v = std::stoull(item);
    if (v < 2 || v > (1u << 30)) bad();
    if (!out.empty() && v <= out.back()) bad();
    out.push_back(static_cast<std::size_t>(v));
    pos = comma + 1;
  }
  if (out.size() < 3) bad();
  return out;
}

EnsembleKind default_kind(Theorem t) {
  switch (t) {
    case Theorem::thm_4_1: return EnsembleKind::random_prune;
    case Theorem::thm_4_2: return EnsembleKind::magnitude_threshold;
    case Theorem::thm_4_3: return EnsembleKind::magnitude_topr;
    case Theorem::thm_5_1: return EnsembleKind::dependent;
    case Theorem::thm_3_1: break;
  }
  return EnsembleKind::iid;
}

void check_kind(const Options& o, Theorem t, const EnsembleParams& p) {
  const std::string th(to_string(t));
  const std::string got = "got --ensemble " + std::string(to_string(p.kind));
  switch (t) {
    case Theorem::thm_3_1: return;
    case Theorem::thm_4_1:
      if (p.kind != EnsembleKind::random_prune) o.fail("--theorem 4.1 needs --ensemble random-prune, " + got);
      return;
    case Theorem::thm_4_2:
      if (p.kind != EnsembleKind::magnitude_threshold) {
        o.fail("--theorem 4.2 needs --ensemble magnitude-threshold, " + got);
      }
      return;
    case Theorem::thm_4_3:
      if (p.kind != EnsembleKind::magnitude_topr) o.fail("--theorem 4.3 needs --ensemble magnitude-topr, " + got);
      if (!p.topr_c) {
        o.fail("--theorem 4.3 needs --topr-c C (r = floor(n log^C n)), got " +
               (o.has("sparsity") ? "--sparsity " + *o.text("sparsity") : std::string("no --topr-c")));
      }
      return;
    case Theorem::thm_5_1:
      if (p.kind != EnsembleKind::dependent && p.kind != EnsembleKind::equicorrelated) {
        o.fail("--theorem 5.1 needs --ensemble dependent or equicorrelated, " + got);
      }
      return;
  }
}

void print_text(std::ostream& os, Theorem theorem, const std::vector<HypothesisReport>& reports,
                const std::vector<Trend>& trends) {
  const HypothesisReport& last = reports.back();
  os << "jacstab hypotheses: Theorem " << to_string(theorem) << " (" << title(theorem) << ") at n = ";
  for (std::size_t i = 0; i < reports.size(); ++i) os << (i ? ", " : "") << reports[i].width;
  os << "\nensemble: " << last.ensemble << "\nassumptions: " << last.assumptions << "\n\n";
  if (reports.size() == 1) {
    os << std::left << std::setw(38) << "condition" << "  " << std::setw(34) << "value" << "  "
       << std::setw(16) << "bound" << "  holds\n";
    for (const Condition& c : last.conditions) {
      os << std::left << std::setw(38) << c.name << "  " << std::setw(34) << value_text(c) << "  "
         << std::setw(16) << bound_text(c) << "  " << holds_text(c) << "\n";
      os << "    " << c.statement << "\n";
      if (!c.note.empty()) os << "    note: " << c.note << "\n";
    }
  } else {
    for (std::size_t k = 0; k < last.conditions.size(); ++k) {
      const Condition& head = last.conditions[k];
      os << head.name << ": " << head.statement << "\n";
      os << "  " << std::right << std::setw(10) << "n" << "  " << std::left << std::setw(34) << "value"
         << "  " << std::setw(16) << "bound" << "  holds\n";
      for (const HypothesisReport& r : reports) {
        const Condition& c = r.conditions[k];
        os << "  " << std::right << std::setw(10) << r.width << "  " << std::left << std::setw(34)
           << value_text(c) << "  " << std::setw(16) << bound_text(c) << "  " << holds_text(c) << "\n";
      }
      if (k < trends.size()) {
        os << "  trend: " << holds_text(trends[k]) << ": " << trends[k].verdict << "\n";
      }
      if (!head.note.empty()) os << "  note (n = " << last.width << "): " << head.note << "\n";
      os << "\n";
    }
  }
  if (!last.notes.empty()) {
    os << (reports.size() == 1 ? "\n" : "") << "notes:\n";
    for (const std::string& n : last.notes) os << "  * " << n << "\n";
  }
}

}  // namespace

int run_hypotheses(const std::vector<std::string>& args) {
  if (print_help_if_asked(args, kHelp)) return 0;
  const Options o("hypotheses", args,
                  with_ensemble_options({"theorem", "width", "widths", "seed", "reps", "mc-max-width"}),
                  {"json"});
  if (!o.has("theorem")) o.fail("--theorem is required (3.1, 4.1, 4.2, 4.3 or 5.1; see --help)");
  Theorem theorem = Theorem::thm_3_1;
  try {
    theorem = parse_theorem(*o.text("theorem"), "--theorem");
  } catch (const std::invalid_argument& e) {
    o.fail(e.what());
  }
  if (!o.has("width") && !o.has("widths")) o.fail("--width N or --widths LIST is required (see --help)");
  if (o.has("width") && o.has("widths")) {
    o.fail("give either --width or --widths, not both, got --width " + *o.text("width") + " and --widths " +
           *o.text("widths"));
  }
  std::vector<std::size_t> widths;
  if (o.has("width")) widths.push_back(*o.integer("width", 2, 1u << 30));
  else widths = parse_widths(o, *o.text("widths"));

  const Ensemble ensemble = parse_ensemble(o, std::nullopt, default_kind(theorem));
  const EnsembleParams& p = ensemble.params();
  check_kind(o, theorem, p);

  HypothesesOptions hopts;
  hopts.seed = o.integer("seed", 0, UINT64_MAX).value_or(1);
  hopts.reps = o.integer("reps", 2, 1000000).value_or(8);
  hopts.max_monte_carlo_width = o.integer("mc-max-width", 2, 1u << 30).value_or(8192);
  const bool json = o.flag("json");

  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<HypothesisReport> reports = hypotheses_over_widths(theorem, p, widths, hopts);
  std::vector<Trend> trends;
  if (reports.size() > 1) trends = assess_trends(reports, hopts.confidence);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (json) {
    JsonWriter w;
    w.begin_object();
    w.key("command"); w.value("hypotheses");
    w.key("theorem"); w.value(to_string(theorem));
    w.key("theorem_title"); w.value(title(theorem));
    w.key("ensemble"); w.value(to_string(p.kind));
    w.key("ensemble_description"); w.value(ensemble.describe());
    w.key("sigma2"); w.value(p.sigma2);
    if (ensemble.is_pruned()) { w.key("scale"); w.value(to_string(p.scale)); }
    if (o.has("sparsity")) { w.key("sparsity"); w.value(p.sparsity); }
    if (o.has("threshold")) { w.key("threshold"); w.value(p.threshold); }
    if (p.topr_c) { w.key("topr_c"); w.value(*p.topr_c); }
    if (p.kind == EnsembleKind::dependent) { w.key("eta"); w.value(p.eta); }
    if (p.kind == EnsembleKind::equicorrelated) { w.key("rho"); w.value(p.rho); }
    if (p.kind == EnsembleKind::surrogate) { w.key("alpha"); w.value(p.alpha); }
    w.key("widths");
    w.begin_array();
    for (auto n : widths) w.value(n);
    w.end_array();
    w.key("seed"); w.value(hopts.seed);
    w.key("reps"); w.value(hopts.reps);
    w.key("mc_max_width"); w.value(hopts.max_monte_carlo_width);
    w.key("reports");
    w.begin_array();
    for (const HypothesisReport& r : reports) {
      w.begin_object();
      w.key("width"); w.value(r.width);
      w.key("assumptions"); w.value(r.assumptions);
      w.key("conditions");
      w.begin_array();
      for (const Condition& c : r.conditions) write_condition(w, c);
      w.end_array();
      w.key("notes");
      w.begin_array();
      for (const std::string& n : r.notes) w.value(n);
      w.end_array();
      w.end_object();
    }
    w.end_array();
    if (!trends.empty()) {
      w.key("trends");
      w.begin_array();
      for (const Trend& t : trends) write_trend(w, t);
      w.end_array();
    }
    w.key("wall_seconds"); w.value(wall);
    w.key("provenance"); write_json(w, collect_provenance());
    w.end_object();
    std::cout << w.str() << "\n";
    return 0;
  }
  std::ostringstream os;
  print_text(os, theorem, reports, trends);
  std::cout << os.str();
  return 0;
}

}  // namespace jacstab::cli
