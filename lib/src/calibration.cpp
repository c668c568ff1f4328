#include "jacstab/calibration.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "jacstab/format.hpp"
#include "jacstab/io.hpp"
#include "jacstab/provenance.hpp"
#include "jacstab/stats.hpp"

namespace jacstab {

namespace {

constexpr const char* kCsvHeader =
    "profile,claim_id,seed,source_commit,claim_verdict,controls_behaved,wall_seconds,check_index,check_name,role,"
    "kind,verdict,estimate,p_value,misbehave_rate";
constexpr std::size_t kCsvColumns = 15;

std::string num6(std::optional<double> x) { return x ? format_sig(*x, 6) : std::string(); }

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += "\"\"";
    else out += c;
  }
  return out + "\"";
}

// Splits CSV text into rows of fields (RFC 4180 quoting); `lines` gets each row's first line.
std::vector<std::vector<std::string>> split_csv(std::string_view text, std::vector<std::size_t>& lines) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  std::size_t line = 1, row_line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\r') {
      // tolerated before '\n'
    } else if (c == '\n') {
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
        lines.push_back(row_line);
      }
      row.clear();
      field.clear();
      any = false;
      row_line = ++line;
    } else {
      field += c;
      any = true;
    }
  }
  if (quoted) throw std::runtime_error(str_cat("parse_calibration_csv(): unterminated quote in row at line ", row_line));
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
    lines.push_back(row_line);
  }
  return rows;
}

template <class E, std::size_t N>
E parse_enum(const std::string& s, const E (&values)[N], const char* what, std::size_t line) {
  for (E v : values)
    if (to_string(v) == s) return v;
  throw std::runtime_error(str_cat("parse_calibration_csv(): line ", line, ": bad ", what, " '", s, "'"));
}
constexpr Verdict kVerdicts[] = {Verdict::confirmed, Verdict::refuted, Verdict::inconclusive};
constexpr CheckRole kRoles[] = {CheckRole::claim, CheckRole::positive_control, CheckRole::planted_violation,
                                CheckRole::supporting};
constexpr ClaimKind kKinds[] = {ClaimKind::approximate, ClaimKind::exact, ClaimKind::direction};

std::optional<double> parse_opt_double(const std::string& s, const char* what, std::size_t line) {
  if (s.empty()) return std::nullopt;
  if (s == "nan") return std::nan("");
  if (s == "inf") return HUGE_VAL;
  if (s == "-inf") return -HUGE_VAL;
  // strtod, not stod: a p-value that underflowed to a subnormal ("9.88131e-324") is a valid
  // record (strtod flags it with ERANGE but returns it); only an overflow is refused.
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  const bool overflow = errno == ERANGE && std::abs(v) == HUGE_VAL;
  const std::size_t used = overflow ? 0 : static_cast<std::size_t>(end - s.c_str());
  if (used != s.size()) throw std::runtime_error(str_cat("parse_calibration_csv(): line ", line, ": bad ", what, " '", s, "'"));
  return v;
}

std::uint64_t parse_uint(const std::string& s, const char* what, std::size_t line) {
  std::uint64_t v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size())
    throw std::runtime_error(str_cat("parse_calibration_csv(): line ", line, ": bad ", what, " '", s, "'"));
  return v;
}

// Position of a claim in the catalogue (unknown ones after all known ones).
std::size_t catalogue_rank(const std::string& id) {
  const auto& cat = claim_catalogue();
  for (std::size_t i = 0; i < cat.size(); ++i)
    if (cat[i].id == id) return i;
  return cat.size();
}

bool record_less(const CalibrationRecord& a, const CalibrationRecord& b) {
  return std::forward_as_tuple(a.profile, catalogue_rank(a.claim_id), a.claim_id, a.seed) <
         std::forward_as_tuple(b.profile, catalogue_rank(b.claim_id), b.claim_id, b.seed);
}

std::string read_all_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(str_cat("read_calibration_records(): cannot read ", path.string()));
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string pct(double rate) { return str_cat(format_sig(100.0 * rate, 3), "%"); }

// "k/n (95% CI a–b%)"
std::string prop_text(const Proportion& p) {
  if (p.trials == 0) return "–";
  return str_cat(p.count, "/", p.trials, " (", pct(p.ci_low), "–", pct(p.ci_high), ")");
}

std::string duration_text(double s) {
  if (s < 60) return str_cat(format_sig(s, 3), " s");
  const long t = std::lround(s);
  if (t < 3600) return str_cat(t / 60, "m", t % 60, "s");
  return str_cat(t / 3600, "h", (t % 3600) / 60, "m");
}

void write_prop(JsonWriter& w, const Proportion& p) {
  w.begin_object();
  w.key("count"); w.value(p.count);
  w.key("trials"); w.value(p.trials);
  w.key("rate"); w.value(p.rate);
  w.key("ci_low"); w.value(p.ci_low);
  w.key("ci_high"); w.value(p.ci_high);
  w.end_object();
}

}  // namespace

std::filesystem::path calibration_csv_path(const std::filesystem::path& dir, Profile profile) {
  return dir / str_cat("calibration-", to_string(profile), ".csv");
}

CalibrationRecord make_calibration_record(const Report& report, Profile profile, std::uint64_t seed,
                                          std::string source_commit, double wall_seconds) {
  CalibrationRecord r;
  r.profile = std::string(to_string(profile));
  r.claim_id = report.claim_id();
  r.seed = seed;
  r.source_commit = std::move(source_commit);
  r.verdict = report.final_verdict();
  r.controls_behaved = report.controls_behaved();
  r.wall_seconds = wall_seconds;
  for (std::size_t i = 0; i < report.checks.size(); ++i) {
    const Check& c = report.checks[i];
    CalibrationCheck k;
    k.index = i;
    k.name = c.name;
    k.role = c.role;
    k.kind = c.kind;
    k.verdict = c.verdict;
    k.estimate = c.estimate;
    k.p_value = c.p_adjusted ? c.p_adjusted : c.p_value;
    k.misbehave_rate = c.misbehave_rate;
    r.checks.push_back(std::move(k));
  }
  return r;
}

std::string render_calibration_csv(std::vector<CalibrationRecord> records) {
  std::stable_sort(records.begin(), records.end(), record_less);
  std::string out = std::string(kCsvHeader) + "\n";
  for (auto& r : records) {
    std::stable_sort(r.checks.begin(), r.checks.end(),
                     [](const CalibrationCheck& a, const CalibrationCheck& b) { return a.index < b.index; });
    const std::string head =
        str_cat(r.profile, ",", r.claim_id, ",", r.seed, ",", r.source_commit, ",", to_string(r.verdict), ",",
                r.controls_behaved ? "true" : "false", ",", format_sig(r.wall_seconds, 4), ",");
    if (r.checks.empty()) {
      out += head + ",,,,,,,\n";
      continue;
    }
    for (const auto& c : r.checks) {
      out += str_cat(head, c.index, ",", csv_quote(c.name), ",", to_string(c.role), ",",
                     c.kind ? std::string(to_string(*c.kind)) : std::string(), ",", to_string(c.verdict), ",",
                     num6(c.estimate), ",", num6(c.p_value), ",", num6(c.misbehave_rate), "\n");
    }
  }
  return out;
}

std::vector<CalibrationRecord> parse_calibration_csv(std::string_view text) {
  std::vector<std::size_t> lines;
  const auto rows = split_csv(text, lines);
  std::vector<CalibrationRecord> out;
  if (rows.empty()) return out;
  {
    std::string header;
    for (std::size_t i = 0; i < rows[0].size(); ++i) header += (i ? "," : "") + rows[0][i];
    if (header != kCsvHeader)
      throw std::runtime_error(str_cat("parse_calibration_csv(): unexpected header '", header, "'"));
  }
  std::map<std::tuple<std::string, std::string, std::uint64_t>, std::size_t> where;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& f = rows[i];
    const std::size_t line = lines[i];
    if (f.size() != kCsvColumns)
      throw std::runtime_error(
          str_cat("parse_calibration_csv(): line ", line, ": ", f.size(), " fields, expected ", kCsvColumns));
    const std::uint64_t seed = parse_uint(f[2], "seed", line);
    const auto key = std::make_tuple(f[0], f[1], seed);
    auto it = where.find(key);
    if (it == where.end()) {
      CalibrationRecord r;
      r.profile = f[0];
      r.claim_id = f[1];
      r.seed = seed;
      r.source_commit = f[3];
      r.verdict = parse_enum(f[4], kVerdicts, "claim_verdict", line);
      if (f[5] != "true" && f[5] != "false")
        throw std::runtime_error(str_cat("parse_calibration_csv(): line ", line, ": bad controls_behaved '", f[5], "'"));
      r.controls_behaved = f[5] == "true";
      r.wall_seconds = parse_opt_double(f[6], "wall_seconds", line).value_or(0.0);
      it = where.emplace(key, out.size()).first;
      out.push_back(std::move(r));
    }
    if (f[7].empty()) continue;  // a record without checks
    CalibrationCheck c;
    c.index = parse_uint(f[7], "check_index", line);
    c.name = f[8];
    c.role = parse_enum(f[9], kRoles, "role", line);
    if (!f[10].empty()) c.kind = parse_enum(f[10], kKinds, "kind", line);
    c.verdict = parse_enum(f[11], kVerdicts, "verdict", line);
    c.estimate = parse_opt_double(f[12], "estimate", line);
    c.p_value = parse_opt_double(f[13], "p_value", line);
    c.misbehave_rate = parse_opt_double(f[14], "misbehave_rate", line);
    out[it->second].checks.push_back(std::move(c));
  }
  return out;
}

std::vector<CalibrationRecord> read_calibration_records(const std::filesystem::path& dir, Profile profile) {
  const auto path = calibration_csv_path(dir, profile);
  if (!std::filesystem::exists(path)) return {};
  try {
    return parse_calibration_csv(read_all_text(path));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(str_cat(path.string(), ": ", e.what()));
  }
}

Proportion proportion(std::uint64_t count, std::uint64_t trials) {
  Proportion p;
  p.count = count;
  p.trials = trials;
  if (trials == 0) return p;
  if (count > trials) throw std::invalid_argument("proportion(): count must be <= trials");
  const auto b = binomial_test(count, trials, 0.5, Alternative::two_sided, 0.95);
  p.rate = b.estimate;
  p.ci_low = b.ci.low;
  p.ci_high = b.ci.high;
  return p;
}

std::string verdict_distribution_text(std::uint64_t confirmed, std::uint64_t refuted, std::uint64_t inconclusive) {
  const std::uint64_t n = confirmed + refuted + inconclusive;
  if (n == 0) return "–";
  const std::pair<const char*, std::uint64_t> parts[] = {
      {"confirmed", confirmed}, {"refuted", refuted}, {"inconclusive", inconclusive}};
  for (const auto& [name, k] : parts)
    if (k == n) return str_cat(name, " (", n, "/", n, n == 1 ? " seed)" : " seeds)");
  std::string s = "seed-dependent:";
  bool first = true;
  for (const auto& [name, k] : parts) {
    if (k == 0) continue;
    s += str_cat(first ? " " : ", ", name, " ", k, "/", n);
    first = false;
  }
  return s + " seeds";
}

std::vector<std::string> CalibrationSummary::flags() const {
  std::vector<std::string> out;
  if (invalid_flagged)
    out.push_back(str_cat("run-level INVALID rate ", prop_text(invalid), " exceeds the target of ",
                          pct(kCalibrationRateTarget)));
  for (const auto& k : kinds)
    if (k.flagged)
      out.push_back(str_cat("pooled false-alarm rate of ", to_string(k.kind), " positive controls ",
                            prop_text(k.false_alarm), " exceeds ", pct(kCalibrationRateTarget)));
  for (const auto& c : claims)
    if (c.seed_dependent) out.push_back(str_cat(c.claim_id, ": verdict depends on the seed (", c.distribution, ")"));
  for (const auto& c : checks)
    for (const auto& f : c.flags) out.push_back(str_cat(c.claim_id, " / ", c.name, ": ", f));
  return out;
}

CalibrationSummary summarize_calibration(const std::vector<CalibrationRecord>& input) {
  CalibrationSummary s;
  std::vector<CalibrationRecord> records = input;
  std::stable_sort(records.begin(), records.end(), record_less);
  s.records = records.size();
  std::set<std::uint64_t> seeds, invalid_seeds;
  struct Acc {
    CheckCalibration cal;
    std::uint64_t n = 0, conf = 0, ref = 0, inc = 0, mis = 0;
    double predicted_sum = 0;
    std::size_t predicted_n = 0;
  };
  std::vector<Acc> accs;  // in order of first appearance (records are sorted by claim, seed)
  std::map<std::pair<std::string, std::string>, std::size_t> acc_at;
  std::map<std::string, std::size_t> claim_at;
  for (const auto& r : records) {
    if (s.profile.empty()) s.profile = r.profile;
    else if (s.profile != r.profile)
      throw std::invalid_argument(
          str_cat("summarize_calibration(): records of profiles '", s.profile, "' and '", r.profile, "' mixed"));
    seeds.insert(r.seed);
    if (std::find(s.source_commits.begin(), s.source_commits.end(), r.source_commit) == s.source_commits.end())
      s.source_commits.push_back(r.source_commit);
    s.wall_seconds += r.wall_seconds;
    if (!r.controls_behaved) invalid_seeds.insert(r.seed);
    auto ci = claim_at.find(r.claim_id);
    if (ci == claim_at.end()) {
      ci = claim_at.emplace(r.claim_id, s.claims.size()).first;
      s.claims.push_back(ClaimCalibration{});
      s.claims.back().claim_id = r.claim_id;
    }
    ClaimCalibration& cc = s.claims[ci->second];
    ++cc.seeds;
    cc.wall_seconds += r.wall_seconds;
    if (r.verdict == Verdict::confirmed) ++cc.confirmed;
    else if (r.verdict == Verdict::refuted) ++cc.refuted;
    else ++cc.inconclusive;
    if (!r.controls_behaved) ++cc.invalid;
    auto checks = r.checks;
    std::stable_sort(checks.begin(), checks.end(),
                     [](const CalibrationCheck& a, const CalibrationCheck& b) { return a.index < b.index; });
    for (const auto& c : checks) {
      const auto key = std::make_pair(r.claim_id, c.name);
      auto it = acc_at.find(key);
      if (it == acc_at.end()) {
        it = acc_at.emplace(key, accs.size()).first;
        accs.push_back(Acc{});
        auto& cal = accs.back().cal;
        cal.claim_id = r.claim_id;
        cal.name = c.name;
        cal.index = c.index;
        cal.role = c.role;
        cal.kind = c.kind;
      }
      Acc& a = accs[it->second];
      ++a.n;
      if (c.verdict == Verdict::confirmed) ++a.conf;
      else if (c.verdict == Verdict::refuted) ++a.ref;
      else ++a.inc;
      Check probe;
      probe.role = c.role;
      probe.verdict = c.verdict;
      if (!probe.behaved()) ++a.mis;
      if (c.misbehave_rate && std::isfinite(*c.misbehave_rate)) {
        a.predicted_sum += *c.misbehave_rate;
        ++a.predicted_n;
      }
    }
  }
  s.seeds.assign(seeds.begin(), seeds.end());
  s.invalid = proportion(invalid_seeds.size(), seeds.size());
  s.invalid_flagged = s.invalid.trials > 0 && s.invalid.rate > kCalibrationRateTarget;

  std::map<ClaimKind, std::pair<std::uint64_t, std::uint64_t>> pooled;  // (false alarms, trials)
  std::map<ClaimKind, std::size_t> pooled_controls;
  for (auto& a : accs) {
    CheckCalibration& c = a.cal;
    c.confirmed = proportion(a.conf, a.n);
    c.refuted = proportion(a.ref, a.n);
    c.inconclusive = proportion(a.inc, a.n);
    const bool control = c.role == CheckRole::positive_control || c.role == CheckRole::planted_violation;
    if (a.predicted_n) c.predicted_misbehave_rate = a.predicted_sum / static_cast<double>(a.predicted_n);
    if (control) {
      c.misbehaved = proportion(a.mis, a.n);
      if (a.mis > 0) c.flags.push_back(str_cat("misbehaved on ", a.mis, "/", a.n, " seeds"));
      if (c.predicted_misbehave_rate && *c.predicted_misbehave_rate > kControlMisbehaveTarget)
        c.flags.push_back(str_cat("predicted misbehave rate ", format_sig(*c.predicted_misbehave_rate, 3),
                                  " exceeds the target ", format_sig(kControlMisbehaveTarget, 3)));
    }
    if (c.role == CheckRole::positive_control && c.kind) {
      pooled[*c.kind].first += a.ref;
      pooled[*c.kind].second += a.n;
      ++pooled_controls[*c.kind];
    } else if (c.role == CheckRole::positive_control) {
      ++s.unkinded_controls;
    }
    s.checks.push_back(std::move(c));
  }
  for (ClaimKind k : kKinds) {
    KindCalibration kc;
    kc.kind = k;
    kc.controls = pooled_controls[k];
    kc.false_alarm = proportion(pooled[k].first, pooled[k].second);
    kc.flagged = kc.false_alarm.trials > 0 && kc.false_alarm.rate > kCalibrationRateTarget;
    s.kinds.push_back(kc);
  }
  for (auto& c : s.claims) {
    c.distribution = verdict_distribution_text(c.confirmed, c.refuted, c.inconclusive);
    c.seed_dependent = c.seeds > 0 && c.confirmed != c.seeds && c.refuted != c.seeds && c.inconclusive != c.seeds;
  }
  return s;
}

std::string render_calibration_markdown(const CalibrationSummary& s, const CalibrationRunInfo& run, bool has_figure) {
  const Provenance prov = collect_provenance();
  std::ostringstream md;
  md << "# Calibration at the " << s.profile << " profile\n\n";
  md << "Every claim program run on " << s.seeds.size() << " master seed" << (s.seeds.size() == 1 ? "" : "s");
  if (!s.seeds.empty()) md << " (" << s.seeds.front() << "–" << s.seeds.back() << ")";
  md << ", " << s.records << " runs in all, and how often each check came out confirmed, refuted or "
        "inconclusive (counts with Clopper–Pearson 95% intervals). The decision rule is version "
     << kDecisionRuleVersion
     << " (validation/README.md); targets: a control's predicted misbehave rate ≤ "
     << format_sig(kControlMisbehaveTarget, 3) << ", the run-level INVALID rate and the pooled false-alarm rate of "
        "each rule kind ≤ 1%. Generated by `jacstab calibrate` from `calibration-"
     << s.profile << ".csv` (the records).\n\n";

  md << "## Run-level validity\n\n";
  md << "A seed is INVALID when any program on it had a control misbehave: **" << prop_text(s.invalid)
     << "** seeds, rate " << pct(s.invalid.rate) << " (target ≤ 1%, at most 1 seed in 100)"
     << (s.invalid_flagged ? " — **flagged: above target**" : "") << ".\n\n";
  {
    Table t;
    t.caption = "False alarms of positive controls under true nulls, pooled by rule kind";
    t.header = {"rule", "positive controls", "false alarms (refuted) / observations (95% CI)", "rate", "flag"};
    for (const auto& k : s.kinds)
      t.rows.push_back({std::string(to_string(k.kind)), str_cat(k.controls), prop_text(k.false_alarm),
                        k.false_alarm.trials ? pct(k.false_alarm.rate) : "–", k.flagged ? "**above 1%**" : ""});
    md << render_markdown_table(t);
    if (s.unkinded_controls)
      md << s.unkinded_controls << " positive control" << (s.unkinded_controls == 1 ? " records" : "s record")
         << " no rule kind and " << (s.unkinded_controls == 1 ? "is" : "are") << " not pooled above.\n\n";
  }

  md << "## Claims over seeds\n\n";
  {
    Table t;
    t.caption = "Verdict of each claim over the seeds";
    t.header = {"claim", "seeds", "verdict over seeds", "INVALID seeds", "run time (total)", "per seed"};
    for (const auto& c : s.claims)
      t.rows.push_back({c.claim_id, str_cat(c.seeds),
                        c.seed_dependent ? str_cat("**", c.distribution, "**") : c.distribution,
                        str_cat(c.invalid, "/", c.seeds), duration_text(c.wall_seconds),
                        c.seeds ? duration_text(c.wall_seconds / static_cast<double>(c.seeds)) : "–"});
    md << render_markdown_table(t);
  }
  if (has_figure) md << "![Fraction of seeds with each verdict, per claim](calibration-" << s.profile << ".svg)\n\n";

  md << "## Controls\n\n";
  {
    Table t;
    t.caption = "Positive controls (must be confirmed) and planted violations (must be refuted)";
    t.header = {"claim", "#", "control", "role", "rule", "seeds", "false alarm (refuted)", "miss (inconclusive)",
                "power (refuted)", "misbehaved", "predicted misbehave rate", "flag"};
    for (const auto& c : s.checks) {
      if (!c.misbehaved) continue;
      const bool pos = c.role == CheckRole::positive_control;
      t.rows.push_back({c.claim_id, str_cat(c.index), c.name, std::string(to_string(c.role)),
                        c.kind ? std::string(to_string(*c.kind)) : "–", str_cat(c.confirmed.trials),
                        pos ? prop_text(c.refuted) : "–", pos ? prop_text(c.inconclusive) : "–",
                        pos ? "–" : prop_text(c.refuted), prop_text(*c.misbehaved),
                        c.predicted_misbehave_rate ? format_sig(*c.predicted_misbehave_rate, 3) : "–",
                        c.flags.empty() ? "" : "**flagged**"});
    }
    md << render_markdown_table(t);
  }
  md << "## Every check\n\n";
  {
    Table t;
    t.caption = "Counts over the seeds (95% Clopper–Pearson intervals of the rates)";
    t.header = {"claim", "#", "check", "role", "rule", "seeds", "confirmed", "refuted", "inconclusive"};
    for (const auto& c : s.checks)
      t.rows.push_back({c.claim_id, str_cat(c.index), c.name, std::string(to_string(c.role)),
                        c.kind ? std::string(to_string(*c.kind)) : "–", str_cat(c.confirmed.trials),
                        prop_text(c.confirmed), prop_text(c.refuted), prop_text(c.inconclusive)});
    md << render_markdown_table(t);
  }

  md << "## Summary\n\n";
  const auto flags = s.flags();
  if (flags.empty()) {
    md << "No check misses its target.\n\n";
  } else {
    md << "Flagged:\n\n";
    for (const auto& f : flags) md << "- " << f << "\n";
    md << "\nAll other checks met their targets.\n\n";
  }

  md << "## Provenance\n\n";
  md << "- version " << prov.version << ", git " << prov.git_hash << ", built from source commit "
     << prov.source_commit << " (" << prov.compiler << ", " << prov.build_type << ", " << prov.blas << ")\n";
  md << "- source commit(s) of the records: ";
  for (std::size_t i = 0; i < s.source_commits.size(); ++i) md << (i ? ", " : "") << "`" << s.source_commits[i] << "`";
  if (s.source_commits.empty()) md << "–";
  md << "\n- profile `" << s.profile << "`, " << s.seeds.size() << " seeds";
  if (!s.seeds.empty()) md << " (" << s.seeds.front() << "–" << s.seeds.back() << ")";
  md << ", threads " << run.threads << " (results do not depend on them)\n";
  md << "- total run time of the records " << duration_text(s.wall_seconds) << "; this invocation "
     << duration_text(run.session_seconds) << "\n";
  md << "- decision rule version " << kDecisionRuleVersion << "; host " << prov.host << ", " << prov.date_utc << "\n";
  if (!run.command_line.empty()) md << "- command: `" << run.command_line << "`\n";
  return md.str();
}

std::string render_calibration_json(const CalibrationSummary& s, const CalibrationRunInfo& run) {
  JsonWriter w;
  w.begin_object();
  w.key("profile"); w.value(s.profile);
  w.key("records"); w.value(s.records);
  w.key("seeds");
  w.begin_array();
  for (auto seed : s.seeds) w.value(seed);
  w.end_array();
  w.key("source_commits");
  w.begin_array();
  for (const auto& c : s.source_commits) w.value(c);
  w.end_array();
  w.key("decision_rule_version"); w.value(kDecisionRuleVersion);
  w.key("invalid"); write_prop(w, s.invalid);
  w.key("invalid_target"); w.value(kCalibrationRateTarget);
  w.key("invalid_flagged"); w.value(s.invalid_flagged);
  w.key("kinds");
  w.begin_array();
  for (const auto& k : s.kinds) {
    w.begin_object();
    w.key("kind"); w.value(to_string(k.kind));
    w.key("positive_controls"); w.value(k.controls);
    w.key("false_alarm"); write_prop(w, k.false_alarm);
    w.key("flagged"); w.value(k.flagged);
    w.end_object();
  }
  w.end_array();
  w.key("unkinded_positive_controls"); w.value(s.unkinded_controls);
  w.key("claims");
  w.begin_array();
  for (const auto& c : s.claims) {
    w.begin_object();
    w.key("claim_id"); w.value(c.claim_id);
    w.key("seeds"); w.value(c.seeds);
    w.key("confirmed"); w.value(c.confirmed);
    w.key("refuted"); w.value(c.refuted);
    w.key("inconclusive"); w.value(c.inconclusive);
    w.key("invalid"); w.value(c.invalid);
    w.key("seed_dependent"); w.value(c.seed_dependent);
    w.key("distribution"); w.value(c.distribution);
    w.key("wall_seconds"); w.value(c.wall_seconds);
    w.end_object();
  }
  w.end_array();
  w.key("checks");
  w.begin_array();
  for (const auto& c : s.checks) {
    w.begin_object();
    w.key("claim_id"); w.value(c.claim_id);
    w.key("index"); w.value(c.index);
    w.key("name"); w.value(c.name);
    w.key("role"); w.value(to_string(c.role));
    if (c.kind) { w.key("kind"); w.value(to_string(*c.kind)); }
    w.key("confirmed"); write_prop(w, c.confirmed);
    w.key("refuted"); write_prop(w, c.refuted);
    w.key("inconclusive"); write_prop(w, c.inconclusive);
    if (c.misbehaved) { w.key("misbehaved"); write_prop(w, *c.misbehaved); }
    if (c.predicted_misbehave_rate) { w.key("predicted_misbehave_rate"); w.value(*c.predicted_misbehave_rate); }
    w.key("flags");
    w.begin_array();
    for (const auto& f : c.flags) w.value(f);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.key("flags");
  w.begin_array();
  for (const auto& f : s.flags()) w.value(f);
  w.end_array();
  w.key("wall_seconds"); w.value(s.wall_seconds);
  w.key("threads"); w.value(run.threads);
  w.key("session_seconds"); w.value(run.session_seconds);
  w.key("provenance"); write_json(w, collect_provenance());
  w.end_object();
  return w.str() + "\n";
}

Figure calibration_figure(const CalibrationSummary& s) {
  Figure f;
  f.caption = "Fraction of seeds with each verdict, per claim";
  auto& rows = f.block("verdicts");
  std::string tics;
  for (std::size_t i = 0; i < s.claims.size(); ++i) {
    const auto& c = s.claims[i];
    const double n = c.seeds ? static_cast<double>(c.seeds) : 1.0;
    rows.push_back({static_cast<double>(i), c.confirmed / n, c.refuted / n, c.inconclusive / n});
    tics += str_cat(i ? ", " : "", "\"", c.claim_id, c.seed_dependent ? " *" : "", "\" ", i);
  }
  const std::size_t m = std::max<std::size_t>(s.claims.size(), 1);
  f.width_px = static_cast<int>(std::max<std::size_t>(700, 70 * m + 200));
  f.script = str_cat(
      "set title 'Verdicts over ", s.seeds.size(), " master seeds (", s.profile, " profile; * seed-dependent)'\n",
      "set ylabel 'fraction of seeds'\nset yrange [0:1.05]\nset xrange [-0.6:", m - 0.4, "]\n",
      "set xtics (", tics.empty() ? "\"\" 0" : tics, ") rotate by -35 nomirror\n",
      "set style fill solid 0.9 border rgb '#404040'\nset boxwidth 0.7\nset key outside right top\n",
      "set grid noxtics ytics\nset bmargin 7\n",
      "plot $verdicts using 1:($2+$3+$4) with boxes lc rgb '#999999' title 'inconclusive', \\\n",
      "     $verdicts using 1:($2+$3) with boxes lc rgb '#D55E00' title 'refuted', \\\n",
      "     $verdicts using 1:2 with boxes lc rgb '#009E73' title 'confirmed'\n");
  return f;
}

void write_calibration_reports(const CalibrationSummary& s, const CalibrationRunInfo& run,
                               const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::string stem = str_cat("calibration-", s.profile);
  std::string svg;
  if (!s.claims.empty()) svg = render_svg(calibration_figure(s));
  const std::string json = render_calibration_json(s, run);
  const std::string md = render_calibration_markdown(s, run, !svg.empty());
  if (!svg.empty()) write_file_atomic(dir / (stem + ".svg"), svg);
  write_file_atomic(dir / (stem + ".json"), json);
  write_file_atomic(dir / (stem + ".md"), md);
  write_calibration_index(dir);
}

void write_calibration_index(const std::filesystem::path& dir) {
  std::ostringstream md;
  md << "# Calibration\n\n";
  md << "How often each check of each claim program comes out confirmed, refuted or inconclusive over many "
        "master seeds (`jacstab calibrate`), one report per profile. The verdict index `README.md` shows the "
        "distribution of each claim's verdict over the paper-profile seeds.\n\n";
  bool any = false;
  for (Profile p : {Profile::quick, Profile::paper, Profile::extended}) {
    const std::string name = str_cat("calibration-", to_string(p), ".md");
    if (!std::filesystem::exists(dir / name)) continue;
    any = true;
    std::string line = str_cat("- [", to_string(p), " profile](", name, ")");
    try {
      const auto s = summarize_calibration(read_calibration_records(dir, p));
      line += str_cat(": ", s.seeds.size(), " seeds, ", s.records, " runs; INVALID seeds ", prop_text(s.invalid),
                      "; ", s.flags().size(), " flag", s.flags().size() == 1 ? "" : "s");
    } catch (const std::exception&) {
      // the report is linked even when its records cannot be read
    }
    md << line << "\n";
  }
  if (!any) md << "No calibration has been run in this directory.\n";
  std::filesystem::create_directories(dir);
  write_file_atomic(dir / "calibration.md", md.str());
}

std::map<std::string, ClaimCalibration> seed_verdicts(const std::filesystem::path& dir, Profile profile) {
  std::map<std::string, ClaimCalibration> out;
  const auto records = read_calibration_records(dir, profile);
  if (records.empty()) return out;
  for (auto& c : summarize_calibration(records).claims) out[c.claim_id] = c;
  return out;
}

}  // namespace jacstab
