// `jacstab calibrate`: runs claim programs on many master seeds and measures how often each
// check comes out confirmed, refuted or inconclusive. The records live in
// <out>/calibration-<profile>.csv and are rewritten atomically after every finished run, so a
// rerun resumes where an interrupted one stopped; the reports are rendered from the records.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "commands.hpp"
#include "jacstab/calibration.hpp"
#include "jacstab/experiment.hpp"
#include "jacstab/format.hpp"
#include "jacstab/io.hpp"
#include "jacstab/parallel.hpp"
#include "jacstab/provenance.hpp"
#include "jacstab/report.hpp"
#include "options.hpp"

namespace jacstab::cli {
namespace {

constexpr const char* kHelp = R"(Usage: jacstab calibrate [claim-id ...] [options]

Runs the validation program of each given claim (all of them, in catalogue order, when none is
given) on K master seeds S, S+1, ..., S+K-1 and measures how often each of its checks comes out
confirmed, refuted or inconclusive. The per-claim reports are not written; each finished
(claim, seed) leaves a compact record of its checks instead.

Claims:
  a21-marginal a21-chi2 a21-tw-td a21-surrogate t22-depth t31-hypotheses t31-free-limit
  t41-random-pruning t41-edge t42-magnitude-threshold t43-magnitude-topr t51-dependent

Options:
  --profile P      quick (default), paper or extended; as for jacstab validate
  --seeds K        number of master seeds, 1..1000000 (default 100)
  --first-seed S   the first master seed, integer (default 1)
  --out DIR        output directory (default: as jacstab validate: the source tree's reports/
                   for the paper profile, ./reports-<profile> otherwise)
  --threads T      worker threads, 1..1024 (default: the hardware concurrency); the records do
                   not depend on it, except for their wall time
  --quiet          no progress lines on stderr
  --help           show this help

Outputs, in DIR:
  calibration-<profile>.csv   the records: one row per check of each finished (claim, seed):
                              profile, claim, seed, source commit, the claim's verdict,
                              whether its controls behaved, wall seconds, and the check's
                              index, name, role, rule kind, verdict, estimate, p-value
                              (adjusted where the program adjusted it) and predicted
                              misbehave rate
  calibration-<profile>.md    per check the counts of each verdict with Clopper-Pearson 95%
  calibration-<profile>.json  intervals; the controls' false-alarm, miss and power rates beside
                              their predicted misbehave rates; each claim's verdict over the
                              seeds (seed-dependent when not unanimous); the run-level INVALID
                              rate (a seed on which any control misbehaved) and the pooled
                              false-alarm rate of each rule kind (targets <= 1%); flags on
                              everything that misses its target; provenance and run times
  calibration-<profile>.svg   per claim, the fraction of seeds with each verdict
  calibration.md              an index of the calibration-<profile>.md present

Resume: an existing calibration-<profile>.csv is read first. Every (claim, seed) already
recorded with the same source commit (the last commit touching lib/, validation/ or
CMakeLists.txt) is skipped; records of another source commit are rerun and replaced (said on
stderr). The CSV is rewritten atomically after every finished run, so an interrupted run,
resumed later (on any machine), loses at most the run in progress. The reports are rendered
from all the records in the CSV at the end (and every 10 minutes).

Exit status: 0 when every run completed (an INVALID seed is data, not a failure), 1 when a
program or the rendering failed, 2 on bad input.
)";

std::string join_args(const std::string& program, const std::vector<std::string>& args) {
  std::string s = program;
  for (const auto& a : args) s += " " + a;
  return s;
}

std::string hms(double seconds) {
  if (seconds < 0) seconds = 0;
  const long t = std::lround(seconds);
  if (t < 60) return str_cat(t, "s");
  if (t < 3600) return str_cat(t / 60, "m", t % 60, "s");
  return str_cat(t / 3600, "h", (t % 3600) / 60, "m");
}

}  // namespace

int run_calibrate(const std::vector<std::string>& args, const std::string& program_name) {
  if (print_help_if_asked(args, kHelp)) return 0;
  static const std::set<std::string> valued = {"profile", "out", "seeds", "first-seed", "threads"};
  static const std::set<std::string> flags = {"quiet"};
  std::vector<std::string> ids, options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) == 0) {
      options.push_back(a);
      const std::string name = a.substr(2);
      if (valued.count(name) && i + 1 < args.size()) options.push_back(args[++i]);
    } else {
      ids.push_back(a);
    }
  }
  const Options o("calibrate", options, valued, flags);
  Profile profile = Profile::quick;
  if (auto p = o.text("profile")) {
    try {
      profile = parse_profile(*p, "--profile");
    } catch (const std::invalid_argument& e) {
      o.fail(e.what());
    }
  }
  const std::uint64_t seeds = o.integer("seeds", 1, 1000000).value_or(100);
  const std::uint64_t first = o.integer("first-seed", 0, UINT64_MAX).value_or(1);
  if (first > UINT64_MAX - (seeds - 1))
    o.fail(str_cat("--first-seed ", first, " with --seeds ", seeds, " runs past the largest seed"));
  const unsigned threads = static_cast<unsigned>(o.integer("threads", 1, 1024).value_or(default_thread_count()));
  std::filesystem::path out;
  if (auto d = o.text("out")) {
    if (d->empty()) o.fail("--out must not be empty");
    out = *d;
  } else if (profile == Profile::paper) {
    out = std::filesystem::path(JACSTAB_SOURCE_DIR) / "reports";
  } else {
    out = str_cat("reports-", to_string(profile));
  }

  const auto selected = select_claim_programs(ids, "jacstab calibrate", program_name);

  const bool progress = !o.flag("quiet");
  const auto session_start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start).count();
  };
  std::filesystem::create_directories(out);
  const auto csv_path = calibration_csv_path(out, profile);
  std::vector<CalibrationRecord> records = read_calibration_records(out, profile);
  const std::string commit = collect_provenance().source_commit;
  const std::string profile_name(to_string(profile));

  // What is already done, and what is stale.
  std::map<std::pair<std::string, std::uint64_t>, std::size_t> at;
  for (std::size_t i = 0; i < records.size(); ++i) at[{records[i].claim_id, records[i].seed}] = i;
  std::vector<std::pair<std::uint64_t, std::size_t>> todo;  // (seed, index into selected), seed-major
  std::size_t done_before = 0;
  std::map<std::string, std::size_t> stale;  // source commit -> records to rerun
  for (std::uint64_t k = 0; k < seeds; ++k) {
    for (std::size_t c = 0; c < selected.size(); ++c) {
      const auto it = at.find({selected[c].first, first + k});
      if (it != at.end()) {
        const auto& r = records[it->second];
        if (r.source_commit == commit && r.profile == profile_name) {
          ++done_before;
          continue;
        }
        ++stale[r.source_commit];
      }
      todo.emplace_back(first + k, c);
    }
  }
  if (progress) {
    std::cerr << "[calibrate] " << profile_name << " profile, " << selected.size() << " claim"
              << (selected.size() == 1 ? "" : "s") << " x " << seeds << " seed" << (seeds == 1 ? "" : "s") << " ("
              << first << "-" << first + seeds - 1 << ") = " << done_before + todo.size() << " runs; " << done_before
              << " already recorded for source " << commit << " in " << csv_path.string() << ", " << todo.size()
              << " to run" << std::endl;
  }
  for (const auto& [c, n] : stale) {
    std::cerr << "[calibrate] " << n << " record" << (n == 1 ? "" : "s") << " of source commit "
              << (c.empty() ? "(none)" : c) << " (not " << commit << ") will be rerun and replaced" << std::endl;
  }

  const CalibrationRunInfo run_info_base{threads, 0.0, join_args(program_name, args)};
  const auto render = [&] {
    CalibrationRunInfo info = run_info_base;
    info.session_seconds = elapsed();
    write_calibration_reports(summarize_calibration(records), info, out);
  };

  int status = 0;
  double last_render = 0.0;
  std::size_t finished = 0;
  for (std::size_t t = 0; t < todo.size(); ++t) {
    const auto [seed, c] = todo[t];
    const auto& [id, program] = selected[c];
    const auto start = std::chrono::steady_clock::now();
    try {
      ExperimentContext ctx(id, profile, seed, threads, false);
      const Report report = program(ctx);
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      CalibrationRecord rec = make_calibration_record(report, profile, seed, commit, wall);
      if (auto it = at.find({id, seed}); it != at.end()) {
        records[it->second] = std::move(rec);
      } else {
        at[{id, seed}] = records.size();
        records.push_back(std::move(rec));
      }
      write_file_atomic(csv_path, render_calibration_csv(records));
      ++finished;
      if (progress) {
        const double e = elapsed();
        const double eta = e / static_cast<double>(t + 1) * static_cast<double>(todo.size() - t - 1);
        std::cerr << "[calibrate] " << done_before + t + 1 << "/" << done_before + todo.size() << " runs (" << id
                  << " seed " << seed << ", " << format_sig(wall, 2) << " s"
                  << (report.controls_behaved() ? "" : ", INVALID: a control misbehaved") << ") elapsed " << hms(e)
                  << ", ETA " << hms(eta) << std::endl;
      }
    } catch (const std::exception& e) {
      std::cerr << "[calibrate] " << id << " seed " << seed << ": error: " << e.what() << " (not recorded)"
                << std::endl;
      status = 1;
    }
    if (elapsed() - last_render > 600.0 && t + 1 < todo.size()) {
      last_render = elapsed();
      try {
        render();
      } catch (const std::exception& e) {
        std::cerr << "[calibrate] interim reports not written: " << e.what() << std::endl;
      }
    }
  }
  if (records.empty()) {
    std::cerr << "[calibrate] no records; nothing to report" << std::endl;
    return 1;
  }
  if (!std::filesystem::exists(csv_path)) write_file_atomic(csv_path, render_calibration_csv(records));
  render();
  const CalibrationSummary s = summarize_calibration(records);
  std::cout << "calibration (" << profile_name << "): " << finished << " runs now, " << s.records
            << " records over " << s.seeds.size() << " seeds; INVALID seeds " << s.invalid.count << "/"
            << s.invalid.trials << "; " << s.flags().size() << " flag" << (s.flags().size() == 1 ? "" : "s") << " ["
            << (out / str_cat("calibration-", profile_name, ".md")).string() << "]" << std::endl;
  return status;
}

}  // namespace jacstab::cli
