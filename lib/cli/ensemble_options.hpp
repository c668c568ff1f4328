#pragma once
// The hidden-layer ensemble options shared by the subcommands (--ensemble, --sigma2,
// --sparsity, --scale, --threshold, --topr-c, --eta, --rho, --alpha).
#include <cstddef>
#include <exception>
#include <optional>
#include <set>
#include <string>

#include "jacstab/ensembles.hpp"
#include "options.hpp"

namespace jacstab::cli {

/// The option names (without "--") that parse_ensemble() reads.
const std::set<std::string>& ensemble_option_names();

/// `names` with ensemble_option_names() added, for the Options constructor.
std::set<std::string> with_ensemble_options(std::set<std::string> names);

/// Builds the Ensemble of the hidden layers from the ensemble options of `o`.
///  * --ensemble defaults to `default_kind`;
///  * an option the chosen kind would silently ignore is an error ("--eta is not used by
///    --ensemble iid, got --eta 0.1"); magnitude-threshold requires --threshold, and
///    magnitude-topr takes --topr-c or --sparsity, not both;
///  * Ensemble() errors are reported naming the option ("--sparsity must be in [0, 1), got 1");
///  * if `scale_width` is given and the ensemble is pruned with a scale rule other than none,
///    scale_factor(width, width) is evaluated, so that a factor that is not finite is bad input.
/// Every error is thrown as a UsageError (exit status 2).
Ensemble parse_ensemble(const Options& o, std::optional<std::size_t> scale_width,
                        EnsembleKind default_kind = EnsembleKind::iid);

/// Rethrows an Ensemble() or Ensemble::scale_factor() error as a UsageError, with the
/// "Ensemble(): <parameter>" prefix rewritten to the option name ("--<parameter>").
[[noreturn]] void ensemble_parameter_error(const Options& o, const std::exception& e);

}  // namespace jacstab::cli
