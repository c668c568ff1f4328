#include "ensemble_options.hpp"

#include <initializer_list>
#include <stdexcept>
#include <utility>

namespace jacstab::cli {

const std::set<std::string>& ensemble_option_names() {
  static const std::set<std::string> names = {"ensemble", "sigma2", "sparsity", "scale", "threshold",
                                              "topr-c",   "eta",    "rho",      "alpha"};
  return names;
}

std::set<std::string> with_ensemble_options(std::set<std::string> names) {
  names.insert(ensemble_option_names().begin(), ensemble_option_names().end());
  return names;
}

void ensemble_parameter_error(const Options& o, const std::exception& e) {
  std::string msg = e.what();
  // "Ensemble(): sparsity must be ..." -> "--sparsity must be ..."
  for (const char* name : {"sigma2", "sparsity", "threshold", "topr_c", "eta", "rho", "alpha"}) {
    const std::string from = std::string("Ensemble(): ") + name;
    if (msg.rfind(from, 0) == 0) {
      std::string opt = name;
      if (opt == "topr_c") opt = "topr-c";
      msg = "--" + opt + msg.substr(from.size());
      break;
    }
  }
  o.fail(msg);
}

Ensemble parse_ensemble(const Options& o, std::optional<std::size_t> scale_width,
                        EnsembleKind default_kind) {
  EnsembleParams p;
  p.kind = default_kind;
  if (auto t = o.text("ensemble")) {
    try {
      p.kind = parse_ensemble_kind(*t, "--ensemble");
    } catch (const std::invalid_argument& e) {
      o.fail(e.what());
    }
  }
  if (auto v = o.real("sigma2")) p.sigma2 = *v;
  if (auto v = o.real("sparsity")) p.sparsity = *v;
  if (auto t = o.text("scale")) {
    try {
      p.scale = parse_scale_rule(*t, "--scale");
    } catch (const std::invalid_argument& e) {
      o.fail(e.what());
    }
  }
  if (auto v = o.real("threshold")) p.threshold = *v;
  if (auto v = o.real("topr-c")) p.topr_c = *v;
  if (auto v = o.real("eta")) p.eta = *v;
  if (auto v = o.real("rho")) p.rho = *v;
  if (auto v = o.real("alpha")) p.alpha = *v;

  // Options that the chosen ensemble would silently ignore are errors.
  const std::string kind(to_string(p.kind));
  auto only_for = [&](const std::string& opt, std::initializer_list<EnsembleKind> kinds) {
    if (!o.has(opt)) return;
    for (auto k : kinds)
      if (k == p.kind) return;
    o.fail("--" + opt + " is not used by --ensemble " + kind + ", got --" + opt + " " + *o.text(opt));
  };
  only_for("sparsity", {EnsembleKind::random_prune, EnsembleKind::magnitude_topr});
  only_for("scale", {EnsembleKind::random_prune, EnsembleKind::magnitude_threshold,
                     EnsembleKind::magnitude_topr});
  only_for("threshold", {EnsembleKind::magnitude_threshold});
  only_for("topr-c", {EnsembleKind::magnitude_topr});
  only_for("eta", {EnsembleKind::dependent});
  only_for("rho", {EnsembleKind::equicorrelated});
  only_for("alpha", {EnsembleKind::surrogate});
  if (p.kind == EnsembleKind::magnitude_threshold && !o.has("threshold")) {
    o.fail("--threshold is required for --ensemble magnitude-threshold");
  }
  if (p.kind == EnsembleKind::magnitude_topr && o.has("topr-c") && o.has("sparsity")) {
    o.fail("give either --topr-c or --sparsity for --ensemble magnitude-topr, not both");
  }
  try {
    Ensemble e(p);
    if (scale_width && e.is_pruned() && e.params().scale != ScaleRule::none)
      (void)e.scale_factor(*scale_width, *scale_width);
    return e;
  } catch (const std::invalid_argument& e) {
    ensemble_parameter_error(o, e);
  } catch (const std::domain_error& e) {
    ensemble_parameter_error(o, e);
  }
}

}  // namespace jacstab::cli
