// `jacstab validate`: runs claim programs and writes their reports. The per-claim programs
// built from validation/<claim-id>.cpp use the same entry point.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "commands.hpp"
#include "jacstab/experiment.hpp"
#include "jacstab/format.hpp"
#include "jacstab/parallel.hpp"
#include "jacstab/report.hpp"
#include "options.hpp"

namespace jacstab::cli {
namespace {

constexpr const char* kHelp = R"(Usage: jacstab validate [claim-id ...] [options]

Runs the validation programs of the given claims (all of them when none is given) and writes,
for each, <out>/<claim-id>.{md,json,csv,svg} with a verdict (confirmed, refuted or
inconclusive), then the verdict index <out>/README.md. Each program also runs a positive
control and a planted violation; a run is valid when both behave as expected. A refuted claim
is a valid result.

Claims:
  a21-marginal a21-chi2 a21-tw-td a21-surrogate t22-depth t31-hypotheses t31-free-limit
  t41-random-pruning t41-edge t42-magnitude-threshold t43-magnitude-topr t51-dependent

Options:
  --profile P    quick (seconds per claim; tests and CI), paper (the paper's widths and
                 depths; default) or extended (larger widths, more replicates)
  --out DIR      report directory (default: the source tree's reports/ for the paper profile,
                 ./reports-<profile> otherwise)
  --seed S       master seed, integer (default 20240531); replicate r of part P of claim C
                 draws from the stream (S, "C/P", r)
  --threads T    worker threads, 1..1024 (default: the hardware concurrency); results do not
                 depend on it
  --quiet        no progress lines on stderr
  --index-only   only rewrite <out>/README.md from the reports present
  --list         list the claims and exit
  --help         show this help

Reports are rendered completely before they are written, and each file is replaced
atomically, so a failed or interrupted run leaves the previous reports in place.

Exit status: 0 when every program ran and its controls behaved, 1 when a program failed or a
control did not behave, 2 on bad input.
)";

std::string join_args(const std::string& program, const std::vector<std::string>& args) {
  std::string s = program;
  for (const auto& a : args) s += " " + a;
  return s;
}

}  // namespace

std::vector<std::pair<std::string, ClaimProgram>> select_claim_programs(const std::vector<std::string>& ids,
                                                                       const std::string& command,
                                                                       const std::string& program_name) {
  const auto registered = registered_claims();
  std::vector<std::pair<std::string, ClaimProgram>> selected;
  std::set<std::string> seen;
  for (const auto& id : ids) {
    try {
      claim_info(id, "claim");
    } catch (const std::invalid_argument& e) {
      throw UsageError(str_cat(command, ": ", e.what()));
    }
    if (!seen.insert(id).second) continue;
    bool found = false;
    for (const auto& r : registered) {
      if (r.first == id) {
        selected.push_back(r);
        found = true;
      }
    }
    if (!found) throw UsageError(str_cat(command, ": claim '", id, "' is not built into ", program_name));
  }
  if (ids.empty()) selected = registered;
  if (selected.empty()) throw UsageError(str_cat(command, ": no claim programs are built into ", program_name));
  return selected;
}

int run_validate(const std::vector<std::string>& args, const std::string& program_name) {
  if (print_help_if_asked(args, kHelp)) return 0;
  static const std::set<std::string> valued = {"profile", "out", "seed", "threads"};
  static const std::set<std::string> flags = {"quiet", "index-only", "list"};
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
  const Options o("validate", options, valued, flags);
  if (o.flag("list")) {
    const auto registered = registered_claims();
    for (const auto& c : claim_catalogue()) {
      bool built = false;
      for (const auto& r : registered) built = built || r.first == c.id;
      std::cout << c.id << "\t" << c.paper << "\t" << c.measured << (built ? "" : "\t(not built into this program)")
                << "\n";
    }
    return 0;
  }
  Profile profile = Profile::paper;
  if (auto p = o.text("profile")) {
    try {
      profile = parse_profile(*p, "--profile");
    } catch (const std::invalid_argument& e) {
      o.fail(e.what());
    }
  }
  const std::uint64_t seed = o.integer("seed", 0, UINT64_MAX).value_or(kDefaultValidationSeed);
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
  if (o.flag("index-only")) {
    if (!ids.empty()) o.fail("--index-only takes no claim IDs");
    write_report_index(out);
    std::cout << "index written: " << (out / "README.md").string() << "\n";
    return 0;
  }

  const auto selected = select_claim_programs(ids, "jacstab validate", program_name);

  const bool progress = !o.flag("quiet");
  int status = 0;
  for (const auto& [id, run] : selected) {
    ExperimentContext ctx(id, profile, seed, threads, progress);
    const auto start = std::chrono::steady_clock::now();
    try {
      const Report report = run(ctx);
      RunInfo info;
      info.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      info.command_line = join_args(program_name, args);
      write_report(report, ctx, info, out);
      const bool ok = report.controls_behaved();
      std::cout << id << ": " << to_string(report.final_verdict()) << (ok ? "" : " (INVALID: a control misbehaved)")
                << " - " << report.summary << " [" << format_sig(info.wall_seconds, 3) << " s, "
                << (out / (id + ".md")).string() << "]" << std::endl;
      if (!ok) status = 1;
    } catch (const std::exception& e) {
      std::cerr << id << ": error: " << e.what() << " (previous report left in place)" << std::endl;
      status = 1;
    }
  }
  write_report_index(out);
  return status;
}

}  // namespace jacstab::cli
