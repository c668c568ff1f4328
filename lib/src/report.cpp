#include "jacstab/report.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <limits>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "jacstab/calibration.hpp"
#include "jacstab/format.hpp"
#include "jacstab/io.hpp"
#include "jacstab/parallel.hpp"
#include "jacstab/provenance.hpp"
#include "jacstab/stats.hpp"

namespace jacstab {

std::string_view to_string(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::confirmed: return "confirmed";
    case Verdict::refuted: return "refuted";
    case Verdict::inconclusive: return "inconclusive";
  }
  return "?";
}

std::string_view to_string(CheckRole role) noexcept {
  switch (role) {
    case CheckRole::claim: return "claim";
    case CheckRole::positive_control: return "positive control";
    case CheckRole::planted_violation: return "planted violation";
    case CheckRole::supporting: return "supporting";
  }
  return "?";
}

std::string_view to_string(ClaimKind kind) noexcept {
  switch (kind) {
    case ClaimKind::approximate: return "approximate";
    case ClaimKind::exact: return "exact";
    case ClaimKind::direction: return "direction";
  }
  return "?";
}

std::optional<Verdict> Check::expected() const noexcept {
  if (role == CheckRole::positive_control) return Verdict::confirmed;
  if (role == CheckRole::planted_violation) return Verdict::refuted;
  return std::nullopt;
}

bool Check::behaved() const noexcept {
  const auto e = expected();
  return !e || *e == verdict;
}

std::vector<std::vector<double>>& Figure::block(std::string name) {
  data.push_back(DataBlock{std::move(name), {}});
  return data.back().rows;
}

std::string csv_cell(double value) { return format_number(value); }
std::string csv_cell(std::optional<double> value) { return value ? csv_cell(*value) : std::string(); }

void Csv::add_row(std::vector<std::string> cells) {
  if (!header.empty() && cells.size() != header.size()) {
    throw std::invalid_argument(str_cat("Csv::add_row(): row has ", cells.size(), " cells, header has ",
                                        header.size()));
  }
  rows.push_back(std::move(cells));
}

Report::Report(std::string claim_id) : claim_id_(std::move(claim_id)) {}

Verdict Report::final_verdict() const {
  if (verdict) return *verdict;
  bool any = false, all_confirmed = true;
  for (const auto& c : checks) {
    if (c.role != CheckRole::claim) continue;
    any = true;
    if (c.verdict == Verdict::refuted) return Verdict::refuted;
    all_confirmed = all_confirmed && c.verdict == Verdict::confirmed;
  }
  return any && all_confirmed ? Verdict::confirmed : Verdict::inconclusive;
}

bool Report::controls_behaved() const {
  for (const auto& c : checks) {
    if (!c.behaved()) return false;
  }
  return true;
}

Check& Report::add_check(Check check) {
  checks.push_back(std::move(check));
  return checks.back();
}

std::size_t holm_adjust(std::vector<Check*> checks) {
  std::vector<Check*> with_p;
  std::vector<double> p;
  for (Check* c : checks) {
    if (c && c->p_value) {
      with_p.push_back(c);
      p.push_back(*c->p_value);
    }
  }
  if (p.empty()) return 0;
  const auto adj = p_adjust_holm(p);
  for (std::size_t i = 0; i < with_p.size(); ++i) with_p[i]->p_adjusted = adj[i];
  return p.size();
}

Verdict margin_verdict(double p, bool inside, double alpha) {
  if (!(p < alpha)) return Verdict::inconclusive;
  return inside ? Verdict::confirmed : Verdict::refuted;
}

MarginTest margin_test(double d, double se, std::optional<double> df, double margin, double alpha) {
  MarginTest m;
  m.d = d;
  m.se = se;
  m.df = df;
  m.margin = margin;
  m.inside = std::abs(d) <= margin;
  const EquivalenceTestResult t = tost_difference(d, se, -margin, margin, df, alpha);
  m.ci_low = t.ci.low;
  m.ci_high = t.ci.high;
  m.p = m.inside ? t.p_value : t_or_normal_sf((std::abs(d) - margin) / se, df);
  m.verdict = margin_verdict(m.p, m.inside, alpha);
  return m;
}

namespace {
double phi_cdf(double x) {
  if (x == std::numeric_limits<double>::infinity()) return 1.0;
  if (x == -std::numeric_limits<double>::infinity()) return 0.0;
  return boost::math::cdf(boost::math::normal(), x);
}
double z_upper(double level) { return boost::math::quantile(boost::math::complement(boost::math::normal(), level)); }
void check_level(const char* fn, double alpha) {
  if (!(alpha > 0.0 && alpha < 0.5)) throw std::invalid_argument(str_cat(fn, "(): alpha must be in (0, 0.5), got ", alpha));
}
double clamp01(double p) { return std::clamp(p, 0.0, 1.0); }
}  // namespace

// Normal approximation of margin_test(): confirmed iff |d^| + z se <= margin, refuted iff
// |d^| - z se > margin, with d^ ~ N(true_d, se^2) and z the upper alpha quantile.
double margin_test_miss_rate(double true_d, double se, double margin, Verdict expected, double alpha) {
  check_level("margin_test_miss_rate", alpha);
  if (!(se > 0.0) || !(margin > 0.0) || !std::isfinite(true_d)) {
    throw std::invalid_argument(str_cat("margin_test_miss_rate(): need se > 0, margin > 0 and finite true_d, got se = ",
                                        se, ", margin = ", margin, ", true_d = ", true_d));
  }
  const double z = z_upper(alpha);
  double p_expected = 0.0;
  if (expected == Verdict::confirmed) {
    if (margin > z * se) {
      p_expected = phi_cdf((margin - z * se - true_d) / se) - phi_cdf((-margin + z * se - true_d) / se);
    }
  } else if (expected == Verdict::refuted) {
    p_expected = phi_cdf((true_d - margin - z * se) / se) + phi_cdf((-margin - z * se - true_d) / se);
  } else {
    throw std::invalid_argument("margin_test_miss_rate(): expected must be confirmed or refuted");
  }
  return clamp01(1.0 - p_expected);
}

double corrected_level(double p_raw, double p_adjusted, double alpha) {
  if (!(p_raw > 0.0) || !(p_adjusted > p_raw)) return alpha;
  return alpha * p_raw / p_adjusted;
}

bool replicated_rejection(double p_first_raw, double p_first_adjusted, std::optional<double> p_replication,
                          double alpha) {
  if (!(p_first_adjusted < alpha) || !p_replication) return false;
  return *p_replication < corrected_level(p_first_raw, p_first_adjusted, alpha);
}

Verdict exact_verdict(bool replicated, bool equivalent) noexcept {
  if (replicated) return Verdict::refuted;
  return equivalent ? Verdict::confirmed : Verdict::inconclusive;
}

double z_test_power(double z, double level, bool two_sided) {
  check_level("z_test_power", two_sided ? level / 2.0 : level);
  if (two_sided) {
    const double q = z_upper(level / 2.0);
    return clamp01(phi_cdf(std::abs(z) - q) + phi_cdf(-std::abs(z) - q));
  }
  return clamp01(phi_cdf(z - z_upper(level)));
}

double exact_miss_rate(Verdict expected, double z, double level, double p_not_equivalent) {
  if (expected == Verdict::confirmed) return clamp01(level * level + p_not_equivalent);
  if (expected == Verdict::refuted) {
    const double power = z_test_power(z, level, true);
    return clamp01(1.0 - power * power);
  }
  throw std::invalid_argument("exact_miss_rate(): expected must be confirmed or refuted");
}

DirectionTest direction_test(double d, double se, std::optional<double> df, double minimal_effect, bool greater,
                             double alpha) {
  check_level("direction_test", alpha);
  if (!(se > 0.0) || !std::isfinite(d) || !std::isfinite(minimal_effect)) {
    throw std::invalid_argument(str_cat("direction_test(): need se > 0 and finite d and minimal_effect, got se = ", se,
                                        ", d = ", d, ", minimal_effect = ", minimal_effect));
  }
  DirectionTest t;
  t.d = d;
  t.se = se;
  t.df = df;
  t.minimal_effect = minimal_effect;
  t.greater = greater;
  const double signed_gap = greater ? (d - minimal_effect) : (minimal_effect - d);
  t.p_confirm = t_or_normal_sf(signed_gap / se, df);
  t.p_refute = t_or_normal_sf(-signed_gap / se, df);
  const double q = df ? boost::math::quantile(boost::math::complement(boost::math::students_t(*df), alpha))
                      : z_upper(alpha);
  t.ci_low = d - q * se;
  t.ci_high = d + q * se;
  t.verdict = t.p_confirm < alpha ? Verdict::confirmed : (t.p_refute < alpha ? Verdict::refuted : Verdict::inconclusive);
  return t;
}

double direction_test_miss_rate(double true_d, double se, double minimal_effect, bool greater, Verdict expected,
                                double alpha) {
  check_level("direction_test_miss_rate", alpha);
  if (!(se > 0.0) || !std::isfinite(true_d)) {
    throw std::invalid_argument(str_cat("direction_test_miss_rate(): need se > 0 and finite true_d, got se = ", se));
  }
  const double gap = (greater ? (true_d - minimal_effect) : (minimal_effect - true_d)) / se;
  const double z = z_upper(alpha);
  if (expected == Verdict::confirmed) return clamp01(1.0 - phi_cdf(gap - z));
  if (expected == Verdict::refuted) {
    const double once = phi_cdf(-gap - z);
    return clamp01(1.0 - once * once);
  }
  throw std::invalid_argument("direction_test_miss_rate(): expected must be confirmed or refuted");
}

// ---------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------

namespace {

std::string temp_name(std::string_view stem, std::string_view ext) {
  static std::atomic<unsigned> counter{0};
  return str_cat(stem, ".", ::getpid(), ".", counter.fetch_add(1), ext);
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string gnuplot_number(double x) {
  if (!std::isfinite(x)) return "NaN";
  return format_number(x);
}

std::string md_cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string opt_sig(const std::optional<double>& x, int digits = 4) {
  return x ? format_sig(*x, digits) : std::string("–");
}

}  // namespace

std::string render_markdown_table(const Table& t) {
  std::ostringstream md;
  if (!t.caption.empty()) md << "**" << t.caption << "**\n\n";
  md << "|";
  for (const auto& h : t.header) md << " " << md_cell(h) << " |";
  md << "\n|";
  for (std::size_t i = 0; i < t.header.size(); ++i) md << "---|";
  md << "\n";
  for (const auto& row : t.rows) {
    md << "|";
    for (const auto& cell : row) md << " " << md_cell(cell) << " |";
    md << "\n";
  }
  md << "\n";
  return md.str();
}

namespace {

void render_table(std::ostringstream& md, const Table& t) { md << render_markdown_table(t); }

// A p-value for the Markdown table: below the smallest normal double it has underflowed, and
// "0" would claim more than is known.
std::string p_text(const std::optional<double>& p) {
  if (p && *p < 2.2250738585072014e-308) return "< 1e-307";
  return opt_sig(p, 3);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string render_svg(const Figure& figure) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto script_path = dir / temp_name("jacstab-figure", ".gp");
  const auto svg_path = dir / temp_name("jacstab-figure", ".svg");
  const auto err_path = dir / temp_name("jacstab-figure", ".err");
  std::ostringstream gp;
  gp << "set encoding utf8\n";
  gp << "set terminal svg size " << figure.width_px << "," << figure.height_px
     << " dynamic enhanced font 'Helvetica,13' background rgb 'white'\n";
  gp << "set output " << shell_quote(svg_path.string()) << "\n";
  // The Okabe-Ito palette (distinguishable with the common colour-vision deficiencies).
  const char* colours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B"};
  const int points[] = {7, 5, 9, 11, 13, 3, 1, 2};
  for (int i = 0; i < 8; ++i) {
    gp << "set linetype " << i + 1 << " lc rgb '" << colours[i] << "' lw 1.5 pt " << points[i] << " ps 0.8\n";
  }
  gp << "set linetype cycle 8\nset grid lc rgb '#d0d0d0' lw 0.5\n";
  for (const auto& b : figure.data) {
    gp << "$" << b.name << " << EOD\n";
    for (const auto& row : b.rows) {
      for (std::size_t i = 0; i < row.size(); ++i) gp << (i ? " " : "") << gnuplot_number(row[i]);
      gp << "\n";
    }
    gp << "EOD\n";
  }
  gp << figure.script << "\nunset output\n";
  {
    std::ofstream out(script_path);
    out << gp.str();
    if (!out) throw std::runtime_error(str_cat("render_svg(): cannot write ", script_path.string()));
  }
  const char* env = std::getenv("JACSTAB_GNUPLOT");
  const std::string gnuplot = env && *env ? env : "gnuplot";
  const std::string cmd = str_cat(shell_quote(gnuplot), " ", shell_quote(script_path.string()), " 2> ",
                                  shell_quote(err_path.string()));
  const int rc = std::system(cmd.c_str());
  std::string svg = read_all(svg_path);
  const std::string err = read_all(err_path);
  std::error_code ec;
  std::filesystem::remove(script_path, ec);
  std::filesystem::remove(svg_path, ec);
  std::filesystem::remove(err_path, ec);
  if (rc != 0 || svg.find("</svg>") == std::string::npos) {
    throw std::runtime_error(str_cat("render_svg(): gnuplot failed (status ", rc, "): ", err.substr(0, 2000)));
  }
  return svg;
}

std::string render_markdown(const Report& report, const ExperimentContext& ctx, const RunInfo& run,
                            bool has_figure) {
  const auto& info = claim_info(report.claim_id());
  const Verdict v = report.final_verdict();
  std::ostringstream md;
  md << "# " << report.claim_id() << ": " << report.title << "\n\n";
  md << "*" << info.paper << ". Profile `" << to_string(ctx.profile()) << "`, verdict **" << to_string(v)
     << "**.*\n\n";
  md << "## 1. Claim\n\n" << report.claim << "\n\n";
  md << "## 2. Operationalisation\n\n" << report.operationalisation << "\n\n";
  md << "## 3. Results\n\n";
  for (const auto& t : report.tables) render_table(md, t);
  Table checks;
  checks.caption = "Checks";
  checks.header = {"check", "role", "rule", "verdict", "estimate", "interval", "p", "p (adjusted)", "p (replication)",
                   "margin", "predicted miss rate", "detail"};
  for (const auto& c : report.checks) {
    std::string interval = "–";
    if (c.ci_low || c.ci_high) interval = str_cat("[", opt_sig(c.ci_low), ", ", opt_sig(c.ci_high), "]");
    std::string verdict = std::string(to_string(c.verdict));
    if (!c.behaved()) verdict += str_cat(" (EXPECTED ", to_string(*c.expected()), ")");
    std::string miss = "–";
    if (c.misbehave_rate) {
      miss = format_sig(*c.misbehave_rate, 2);
      if (*c.misbehave_rate > kControlMisbehaveTarget) miss += str_cat(" (above the target ", format_sig(kControlMisbehaveTarget, 1), ")");
    }
    checks.rows.push_back({c.name, std::string(to_string(c.role)), c.kind ? std::string(to_string(*c.kind)) : "–",
                           verdict, opt_sig(c.estimate), interval, p_text(c.p_value), p_text(c.p_adjusted),
                           p_text(c.replication_p), opt_sig(c.margin, 3), miss, c.detail});
  }
  render_table(md, checks);
  md << "## 4. Figure\n\n";
  if (has_figure && report.figure) {
    md << "![" << md_cell(report.figure->caption) << "](" << report.claim_id() << ".svg)\n\n";
    md << "*" << report.figure->caption << "*\n\n";
  } else {
    md << "No figure for this claim.\n\n";
  }
  md << "## 5. Verdict\n\n";
  md << "**" << upper(to_string(v)) << "**: " << report.summary << "\n\n";
  std::size_t controls = 0, behaved = 0;
  for (const auto& c : report.checks) {
    if (c.expected()) {
      ++controls;
      if (c.behaved()) ++behaved;
    }
  }
  if (behaved == controls) {
    md << "Controls: " << behaved << " of " << controls
       << " behaved as expected (positive controls confirmed, planted violations refuted).\n\n";
  } else {
    md << "**INVALID EXPERIMENT: only " << behaved << " of " << controls
       << " controls behaved as expected; the verdict above cannot be relied on.**\n\n";
  }
  if (!report.discrepancies.empty()) {
    md << "### Where the paper and the data disagree\n\n";
    for (const auto& d : report.discrepancies) md << "- " << d << "\n";
    md << "\n";
  }
  md << "## 6. Discussion\n\n" << report.discussion << "\n\n";
  md << "## 7. Provenance\n\n";
  const Provenance p = collect_provenance();
  md << "| | |\n|---|---|\n";
  md << "| jacstab | " << p.version << " (git " << p.git_hash << ") |\n";
  md << "| compiler | " << md_cell(p.compiler) << ", " << p.build_type << " |\n";
  md << "| BLAS | " << md_cell(p.blas) << " |\n";
  md << "| Boost | " << p.boost << " |\n";
  md << "| threads | " << ctx.threads() << " (results do not depend on it) |\n";
  md << "| seed | " << ctx.seed() << "; replicate r of part P draws from stream (seed, \"" << report.claim_id()
     << "/P\", r) |\n";
  md << "| profile | " << to_string(ctx.profile()) << " |\n";
  md << "| decision rule | version " << kDecisionRuleVersion << " (validation/README.md): " << kDecisionRuleChange
     << " |\n";
  md << "| wall time | " << format_sig(run.wall_seconds, 3) << " s |\n";
  md << "| date (UTC) | " << p.date_utc << " |\n";
  if (!run.command_line.empty()) md << "| command | `" << md_cell(run.command_line) << "` |\n";
  md << "\nRaw per-replicate data: [`" << report.claim_id() << ".csv`](" << report.claim_id()
     << ".csv); machine-readable checks: [`" << report.claim_id() << ".json`](" << report.claim_id()
     << ".json).\n";
  return md.str();
}

std::string render_json(const Report& report, const ExperimentContext& ctx, const RunInfo& run) {
  JsonWriter w;
  w.begin_object();
  // The headline fields come first; read_report_headline() relies on it.
  w.key("claim_id"); w.value(report.claim_id());
  w.key("verdict"); w.value(to_string(report.final_verdict()));
  w.key("summary"); w.value(report.summary);
  w.key("profile"); w.value(to_string(ctx.profile()));
  w.key("seed"); w.value(ctx.seed());
  w.key("title"); w.value(report.title);
  w.key("paper"); w.value(claim_info(report.claim_id()).paper);
  w.key("controls_behaved"); w.value(report.controls_behaved());
  w.key("threads"); w.value(ctx.threads());
  w.key("wall_seconds"); w.value(run.wall_seconds);
  w.key("decision_rule"); w.value(kDecisionRuleVersion);
  w.key("parameters");
  w.begin_object();
  for (const auto& [k, v] : report.parameters) {
    w.key(k);
    w.value(v);
  }
  w.end_object();
  w.key("checks");
  w.begin_array();
  for (const auto& c : report.checks) {
    w.begin_object();
    w.key("name"); w.value(c.name);
    w.key("role"); w.value(to_string(c.role));
    w.key("verdict"); w.value(to_string(c.verdict));
    if (c.expected()) {
      w.key("expected"); w.value(to_string(*c.expected()));
    }
    w.key("estimate"); w.value(c.estimate);
    w.key("ci_low"); w.value(c.ci_low);
    w.key("ci_high"); w.value(c.ci_high);
    w.key("p_value"); w.value(c.p_value);
    w.key("p_adjusted"); w.value(c.p_adjusted);
    w.key("margin"); w.value(c.margin);
    w.key("kind");
    if (c.kind) w.value(to_string(*c.kind)); else w.null_value();
    w.key("replication_p"); w.value(c.replication_p);
    w.key("misbehave_rate"); w.value(c.misbehave_rate);
    w.key("detail"); w.value(c.detail);
    w.end_object();
  }
  w.end_array();
  w.key("discrepancies");
  w.begin_array();
  for (const auto& d : report.discrepancies) w.value(d);
  w.end_array();
  w.key("command_line"); w.value(run.command_line);
  w.key("provenance");
  write_json(w, collect_provenance());
  w.end_object();
  return w.str() + "\n";
}

std::string render_csv(const Csv& csv) {
  auto quote = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
      if (c == '"') out += "\"\"";
      else out += c;
    }
    return out + "\"";
  };
  std::ostringstream os;
  for (std::size_t i = 0; i < csv.header.size(); ++i) os << (i ? "," : "") << quote(csv.header[i]);
  os << "\n";
  for (const auto& row : csv.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) os << (i ? "," : "") << quote(row[i]);
    os << "\n";
  }
  return os.str();
}

void write_report(const Report& report, const ExperimentContext& ctx, const RunInfo& run,
                  const std::filesystem::path& dir) {
  if (report.claim_id() != ctx.claim_id()) {
    throw std::logic_error(str_cat("write_report(): report is for '", report.claim_id(), "', context for '",
                                   ctx.claim_id(), "'"));
  }
  std::string svg;
  if (report.figure) svg = render_svg(*report.figure);
  const std::string csv = render_csv(report.csv);
  const std::string json = render_json(report, ctx, run);
  const std::string md = render_markdown(report, ctx, run, report.figure.has_value());
  std::filesystem::create_directories(dir);
  const std::string id = report.claim_id();
  write_file_atomic(dir / (id + ".csv"), csv);
  if (report.figure) {
    write_file_atomic(dir / (id + ".svg"), svg);
  } else {
    std::error_code ec;
    std::filesystem::remove(dir / (id + ".svg"), ec);
  }
  write_file_atomic(dir / (id + ".json"), json);
  write_file_atomic(dir / (id + ".md"), md);
}

// ---------------------------------------------------------------------------------------
// Index
// ---------------------------------------------------------------------------------------

namespace {

// The string value of the first occurrence of "key": "..." in `json` (JSON escapes decoded;
// \uXXXX below U+0080 only, others kept as written).
std::optional<std::string> first_string_field(std::string_view json, std::string_view key) {
  const std::string needle = str_cat("\"", key, "\": \"");
  const auto pos = json.find(needle);
  if (pos == std::string_view::npos) return std::nullopt;
  std::string out;
  for (std::size_t i = pos + needle.size(); i < json.size(); ++i) {
    const char c = json[i];
    if (c == '"') return out;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= json.size()) break;
    switch (json[i]) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'u':
        if (i + 4 < json.size()) {
          const unsigned code = static_cast<unsigned>(std::stoul(std::string(json.substr(i + 1, 4)), nullptr, 16));
          if (code < 0x80) out += static_cast<char>(code);
          else out += str_cat("\\u", json.substr(i + 1, 4));
          i += 4;
        }
        break;
      default: out += json[i];
    }
  }
  return std::nullopt;
}

}  // namespace

ReportHeadline read_report_headline(std::string_view json) {
  ReportHeadline h;
  h.verdict = first_string_field(json, "verdict");
  h.summary = first_string_field(json, "summary");
  h.profile = first_string_field(json, "profile");
  h.git_hash = first_string_field(json, "git_hash");
  return h;
}

void write_report_index(const std::filesystem::path& dir) {
  std::ostringstream md;
  md << "# Reports\n\n";
  md << "One report per claim of the paper, each with its verdict (`confirmed`, `refuted` or "
        "`inconclusive`; see the design document for what they mean). A refuted claim is a "
        "result, not a failure of the suite: every program also runs a positive control and a "
        "planted violation, and those behaved as expected unless the row says otherwise.\n\n";
  md << "| claim | paper | verdict | over paper seeds | evidence | report |\n|---|---|---|---|---|---|\n";
  // The verdict's stability over master seeds, from `jacstab calibrate --profile paper`.
  std::map<std::string, ClaimCalibration> stability;
  try {
    stability = seed_verdicts(dir, Profile::paper);
  } catch (const std::exception&) {
    // unreadable calibration records: the column shows "–"
  }
  std::string profile, hash;
  for (const auto& c : claim_catalogue()) {
    const auto json_path = dir / (std::string(c.id) + ".json");
    std::string verdict = "not run", summary = "–", link = "–";
    if (std::filesystem::exists(json_path)) {
      const auto h = read_report_headline(read_all(json_path));
      verdict = h.verdict.value_or("?");
      summary = h.summary.value_or("");
      link = str_cat("[", c.id, ".md](", c.id, ".md)");
      if (h.profile) {
        if (profile.empty()) profile = *h.profile;
        else if (profile != *h.profile) profile = "mixed";
      }
      if (h.git_hash) {
        if (hash.empty()) hash = *h.git_hash;
        else if (hash != *h.git_hash) hash = "mixed";
      }
      if (json_path.string().size() && read_all(json_path).find("\"controls_behaved\": false") != std::string::npos) {
        verdict += " (controls failed)";
      }
    }
    std::string over_seeds = "–";
    if (auto it = stability.find(std::string(c.id)); it != stability.end()) {
      over_seeds = it->second.seed_dependent ? str_cat("**", it->second.distribution, "**") : it->second.distribution;
    }
    md << "| " << c.id << " | " << c.paper << " | **" << verdict << "** | " << over_seeds << " | " << md_cell(summary)
       << " | " << link << " |\n";
  }
  md << "\nProfile: " << (profile.empty() ? "–" : profile) << "; source: git " << (hash.empty() ? "–" : hash)
     << ".\n";
  if (!stability.empty()) {
    md << "\n\"Over paper seeds\" is the claim's verdict over the master seeds of "
          "[calibration-paper.md](calibration-paper.md); a **seed-dependent** verdict changes with the seed.\n";
  }
  std::filesystem::create_directories(dir);
  write_file_atomic(dir / "README.md", md.str());
}

}  // namespace jacstab
