#pragma once
// The validation experiments: profiles, the claim catalogue, the per-run context that every
// claim program receives, and the registry that maps claim IDs to programs.
//
// A claim program is a function `Report run(const ExperimentContext&)` defined in
// validation/<claim-id>.cpp and registered there with JACSTAB_REGISTER_CLAIM. It draws every
// random quantity from ctx.engine(part, r) = stream(seed, "<claim-id>/<part>", r), so its
// results do not depend on the thread count, and runs its replicates with
// ctx.for_each_replicate() / ctx.map_replicates().
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "jacstab/rng.hpp"

namespace jacstab {

class Report;

/// How much work a validation run does (see validation/README.md).
enum class Profile {
  quick,     ///< tests and CI: the whole set in a few minutes
  paper,     ///< the paper's widths and depths, with figures; the committed reports
  extended,  ///< larger widths and more replicates, for convergence studies
};
std::string_view to_string(Profile profile) noexcept;
/// Parses "quick", "paper" or "extended"; throws std::invalid_argument naming `parameter`.
Profile parse_profile(std::string_view text, std::string_view parameter = "profile");

/// The seed every claim uses unless one is given on the command line.
inline constexpr std::uint64_t kDefaultValidationSeed = 20240531;

/// One claim of the paper, as listed in the design document.
struct ClaimInfo {
  std::string_view id;       ///< "a21-chi2"
  std::string_view paper;    ///< "Approx. 2.1, sec. 6.1"
  std::string_view measured; ///< what is measured, one line
};
/// The twelve claims, in the order of the design document.
const std::vector<ClaimInfo>& claim_catalogue();
/// The catalogue entry for `id`; throws std::invalid_argument naming `parameter` and listing
/// the valid IDs when `id` is not a claim.
const ClaimInfo& claim_info(std::string_view id, std::string_view parameter = "claim");

/// Everything a claim program may depend on besides its own code.
class ExperimentContext {
 public:
  ExperimentContext(std::string claim_id, Profile profile, std::uint64_t seed, unsigned threads,
                    bool progress = true);

  const std::string& claim_id() const noexcept { return claim_id_; }
  Profile profile() const noexcept { return profile_; }
  std::uint64_t seed() const noexcept { return seed_; }
  unsigned threads() const noexcept { return threads_; }

  /// The engine of replicate `replicate` of component `part` of this claim:
  /// stream(seed, "<claim-id>/<part>", replicate).
  Engine engine(std::string_view part, std::uint64_t replicate) const;

  /// The value for the current profile.
  template <class T>
  T pick(T quick, T paper, T extended) const {
    switch (profile_) {
      case Profile::quick: return quick;
      case Profile::paper: return paper;
      case Profile::extended: return extended;
    }
    return paper;
  }

  /// Calls fn(r) for r in [0, count) on threads() threads, printing progress lines
  /// "[claim] label: k/count" to stderr (at most about every 2 s) when progress is on.
  void for_each_replicate(std::string_view label, std::size_t count,
                          const std::function<void(std::size_t)>& fn) const;

  /// Runs fn(r) for every replicate and returns the results in replicate order.
  template <class T, class F>
  std::vector<T> map_replicates(std::string_view label, std::size_t count, F&& fn) const {
    std::vector<T> out(count);
    for_each_replicate(label, count, [&](std::size_t r) { out[r] = fn(r); });
    return out;
  }

  /// A progress note on stderr ("[claim] text") when progress is on.
  void note(std::string_view text) const;

 private:
  std::string claim_id_;
  Profile profile_;
  std::uint64_t seed_;
  unsigned threads_;
  bool progress_;
};

/// A claim program.
using ClaimProgram = std::function<Report(const ExperimentContext&)>;

/// Registers `program` under `id` (which must be in the catalogue); returns true so that it
/// can initialise a static. Throws std::logic_error on a duplicate or unknown ID.
bool register_claim(std::string_view id, ClaimProgram program);
/// The registered programs, in catalogue order, as (id, program) pairs.
std::vector<std::pair<std::string, ClaimProgram>> registered_claims();

}  // namespace jacstab

#define JACSTAB_CONCAT_INNER(a, b) a##b
#define JACSTAB_CONCAT(a, b) JACSTAB_CONCAT_INNER(a, b)
/// Registers a claim program: JACSTAB_REGISTER_CLAIM("a21-chi2", run_a21_chi2);
#define JACSTAB_REGISTER_CLAIM(id, fn) \
  static const bool JACSTAB_CONCAT(jacstab_claim_registered_, __LINE__) = \
      ::jacstab::register_claim(id, fn)
