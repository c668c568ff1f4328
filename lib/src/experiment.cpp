#include "jacstab/experiment.hpp"

#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>

#include "jacstab/format.hpp"
#include "jacstab/parallel.hpp"
#include "jacstab/report.hpp"

namespace jacstab {

std::string_view to_string(Profile profile) noexcept {
  switch (profile) {
    case Profile::quick: return "quick";
    case Profile::paper: return "paper";
    case Profile::extended: return "extended";
  }
  return "?";
}

Profile parse_profile(std::string_view text, std::string_view parameter) {
  if (text == "quick") return Profile::quick;
  if (text == "paper") return Profile::paper;
  if (text == "extended") return Profile::extended;
  throw std::invalid_argument(str_cat(parameter, " must be quick, paper or extended, got '", text, "'"));
}

const std::vector<ClaimInfo>& claim_catalogue() {
  static const std::vector<ClaimInfo> claims = {
      {"a21-marginal", "Approx. 2.1", "diagonal entries of D_l are Bernoulli(1/2)"},
      {"a21-chi2", "Approx. 2.1, sec. 6.1",
       "chi-squared independence of entries of D_l; uniformity of p-values across seeds"},
      {"a21-tw-td", "Approx. 2.1, sec. 6.1", "correlation of T_W and T_D (Fig. 6); iid vs dependent weights"},
      {"a21-surrogate", "Approx. 2.1", "||J|| of the real network vs the surrogate with independent Bernoulli masks"},
      {"t22-depth", "Thm 2.2, Fig. 1", "||J_1|| against depth for sigma_w^2 in {0.5, 2, 4}: growth rate and depth law"},
      {"t31-hypotheses", "Thm 3.1", "conditions (i)-(iii) and (i')-(ii') for every ensemble as n grows"},
      {"t31-free-limit", "Thm 3.1", "finite-width ||J_k|| against free-probability limits, and its convergence in n"},
      {"t41-random-pruning", "Thm 4.1, Fig. 2", "scaled and unscaled random pruning against iid"},
      {"t41-edge", "sec. 4.1", "edge of stability: the sparsity at which stability breaks, as a function of n"},
      {"t42-magnitude-threshold", "Thm 4.2", "magnitude pruning with a deterministic threshold and its printed factor"},
      {"t43-magnitude-topr", "Thm 4.3, Fig. 3", "top-r magnitude pruning with its scaling factors"},
      {"t51-dependent", "Thm 5.1, Fig. 4", "correlated weights W_ind + eta w: ||J|| against iid, and the eta threshold"},
  };
  return claims;
}

const ClaimInfo& claim_info(std::string_view id, std::string_view parameter) {
  for (const auto& c : claim_catalogue()) {
    if (c.id == id) return c;
  }
  std::string valid;
  for (const auto& c : claim_catalogue()) {
    if (!valid.empty()) valid += ", ";
    valid += c.id;
  }
  throw std::invalid_argument(str_cat(parameter, ": unknown claim '", id, "' (valid: ", valid, ")"));
}

ExperimentContext::ExperimentContext(std::string claim_id, Profile profile, std::uint64_t seed,
                                     unsigned threads, bool progress)
    : claim_id_(std::move(claim_id)), profile_(profile), seed_(seed), threads_(threads), progress_(progress) {
  if (threads_ < 1) throw std::invalid_argument("ExperimentContext(): threads must be >= 1, got 0");
}

Engine ExperimentContext::engine(std::string_view part, std::uint64_t replicate) const {
  return stream(seed_, str_cat(claim_id_, "/", part), replicate);
}

void ExperimentContext::note(std::string_view text) const {
  if (progress_) std::cerr << "[" << claim_id_ << "] " << text << std::endl;
}

void ExperimentContext::for_each_replicate(std::string_view label, std::size_t count,
                                           const std::function<void(std::size_t)>& fn) const {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto last = start;
  std::function<void(std::size_t)> on_done;
  if (progress_) {
    on_done = [&](std::size_t done) {
      const auto now = clock::now();
      if (done == count || now - last >= std::chrono::seconds(2)) {
        if (done == count && now - start < std::chrono::seconds(2)) return;
        last = now;
        const double s = std::chrono::duration<double>(now - start).count();
        std::cerr << "[" << claim_id_ << "] " << label << ": " << done << "/" << count << " ("
                  << format_sig(s, 3) << " s)" << std::endl;
      }
    };
  }
  parallel_for(count, threads_, fn, on_done);
}

namespace {
std::map<std::string, ClaimProgram, std::less<>>& registry() {
  static std::map<std::string, ClaimProgram, std::less<>> r;
  return r;
}
}  // namespace

bool register_claim(std::string_view id, ClaimProgram program) {
  bool known = false;
  for (const auto& c : claim_catalogue()) known = known || c.id == id;
  if (!known) throw std::logic_error(str_cat("register_claim(): '", id, "' is not in the claim catalogue"));
  auto [it, inserted] = registry().emplace(std::string(id), std::move(program));
  if (!inserted) throw std::logic_error(str_cat("register_claim(): '", id, "' registered twice"));
  return true;
}

std::vector<std::pair<std::string, ClaimProgram>> registered_claims() {
  std::vector<std::pair<std::string, ClaimProgram>> out;
  for (const auto& c : claim_catalogue()) {
    auto it = registry().find(c.id);
    if (it != registry().end()) out.emplace_back(it->first, it->second);
  }
  return out;
}

}  // namespace jacstab
