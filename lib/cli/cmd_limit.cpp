// `jacstab limit`: free-probability limits of ||J_1|| and of the spectrum of J J^T.
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "jacstab/format.hpp"
#include "jacstab/freeprob.hpp"
#include "jacstab/io.hpp"
#include "options.hpp"

namespace jacstab::cli {
namespace {

constexpr const char* kHelp = R"(Usage: jacstab limit --depth L [options]

Infinite-width limits for the Jacobian J_1 = W_L D_{L-1} ... W_1 D_0 in the free-probability
model: W_l has iid entries of variance sigma2_l / n, D_l is a diagonal projection that keeps a
fraction alpha_l of the units, and the layers are asymptotically free (Pennington, Schoenholz &
Ganguli 2017, 2018). The law of J J^T follows from the product of S-transforms
S(z) = prod_l 1 / (sigma2_l (alpha_{l-1} + z)).

Model:
  --depth L          number of layers L, integer >= 1 (required)
  --sigma2 X         sigma2 of every layer, > 0 (default 2, the edge of chaos)
  --sigma2-list LIST sigma2_1,...,sigma2_L (L comma-separated values), instead of --sigma2
  --alpha A          active fraction of every mask D_0..D_{L-1}, in [0, 1] (default 0.5, the
                     Bernoulli(1/2) masks of Approx. 2.1)
  --alpha-list LIST  alpha_0,...,alpha_{L-1} (L values), instead of --alpha

Output:
  --moments K        number of moments of J J^T to print, 1..64 (default 6)
  --all-depths       also print lim log ||J_1|| for every depth 1..L (the first l layers;
                     needs L <= 10000)
  --density P        also print the density of J J^T at P evenly spaced points of
                     (0, lambda_+) (P in 1..100000)
  --json             print one JSON object instead of text
  --help             show this help

Printed quantities:
  norm_limit                 lim ||J_1|| = sqrt(lambda_+), lambda_+ the upper edge of the law
                             of J J^T (0 when some alpha is 0); log_norm_limit is its log
  semicircular_product_norm  ||s_1 ... s_L|| for free standard semicircular elements, the
                             limit quoted in Thm 3.1: sqrt((L+1)^(L+1) / L^L)
  moments                    m_k = lim (1/n) tr (J J^T)^k, exact (Lagrange inversion)
  atom_at_zero               mass of the law at 0, 1 - min alpha

Exit status: 0 on success, 2 on bad input.
)";

std::vector<double> layer_values(const Options& o, const std::string& single, const std::string& list,
                                 double fallback, std::size_t depth) {
  if (o.has(single) && o.has(list)) o.fail("give either --" + single + " or --" + list + ", not both");
  if (auto v = o.real_list(list)) {
    if (v->size() != depth) {
      o.fail(str_cat("--", list, " must have --depth = ", depth, " entries, got ", v->size(), " ('",
                     *o.text(list), "')"));
    }
    return *v;
  }
  return std::vector<double>(depth, o.real(single).value_or(fallback));
}

// "JacobianLimit(): alpha[3] must be ..." -> "--alpha-list entry 4 must be ..." (or --alpha).
[[noreturn]] void model_error(const Options& o, const std::string& what) {
  for (const char* name : {"sigma2", "alpha"}) {
    const std::string prefix = std::string("JacobianLimit(): ") + name + "[";
    if (what.rfind(prefix, 0) != 0) continue;
    const std::size_t close = what.find(']', prefix.size());
    const std::string rest = close == std::string::npos ? what : what.substr(close + 1);
    const std::string list = std::string(name) + "-list";
    if (o.has(list)) {
      const std::size_t index = std::stoul(what.substr(prefix.size(), close - prefix.size()));
      o.fail(str_cat("--", list, " entry ", index + 1, rest));
    }
    o.fail(std::string("--") + name + rest);
  }
  o.fail(what);
}

}  // namespace

int run_limit(const std::vector<std::string>& args) {
  if (print_help_if_asked(args, kHelp)) return 0;
  const Options o("limit", args, {"depth", "sigma2", "sigma2-list", "alpha", "alpha-list", "moments", "density"},
                  {"json", "all-depths"});
  if (!o.has("depth")) o.fail("--depth is required (see --help)");
  const std::size_t depth = *o.integer("depth", 1, 1u << 20);
  const std::size_t n_moments = o.integer("moments", 1, 64).value_or(6);
  const std::size_t density_points = o.integer("density", 1, 100000).value_or(0);
  const std::vector<double> sigma2 = layer_values(o, "sigma2", "sigma2-list", 2.0, depth);
  const std::vector<double> alpha = layer_values(o, "alpha", "alpha-list", 0.5, depth);

  std::optional<JacobianLimit> built;
  try {
    built.emplace(sigma2, alpha);
  } catch (const std::invalid_argument& e) {
    model_error(o, e.what());
  }
  const JacobianLimit& lim = *built;
  const auto log_moments = lim.log_moments(n_moments);
  const auto moments = lim.moments(n_moments);
  std::vector<DensityPoint> density;
  if (density_points > 0) {
    if (lim.is_dead()) o.fail("--density: the law is the point mass at 0 (some alpha is 0)");
    if (!std::isfinite(lim.edge())) {
      o.fail(str_cat("--density: the upper edge exp(", format_number(lim.log_edge()),
                     ") overflows a double at this depth"));
    }
    density = lim.density(density_points);
  }
  std::vector<double> depth_logs;
  if (o.flag("all-depths")) {
    if (depth > 10000) o.fail(str_cat("--all-depths needs --depth <= 10000, got --depth ", depth));
    for (std::size_t l = 1; l <= depth; ++l) {
      depth_logs.push_back(JacobianLimit(std::vector<double>(sigma2.begin(), sigma2.begin() + static_cast<std::ptrdiff_t>(l)),
                                         std::vector<double>(alpha.begin(), alpha.begin() + static_cast<std::ptrdiff_t>(l)))
                               .log_norm_limit());
    }
  }

  if (o.flag("json")) {
    JsonWriter w;
    w.begin_object();
    w.key("command"); w.value("limit");
    w.key("depth"); w.value(depth);
    w.key("sigma2"); w.begin_array(); for (double v : sigma2) w.value(v); w.end_array();
    w.key("alpha"); w.begin_array(); for (double v : alpha) w.value(v); w.end_array();
    w.key("dead"); w.value(lim.is_dead());
    w.key("norm_limit"); w.value(lim.norm_limit());
    w.key("log_norm_limit");
    w.value(lim.log_norm_limit());  // -inf (dead) is written as null
    w.key("edge"); w.value(lim.edge());
    w.key("log_edge");
    w.value(lim.log_edge());
    w.key("critical_point");
    w.value(lim.critical_point());
    w.key("atom_at_zero"); w.value(lim.atom_at_zero());
    w.key("semicircular_product_norm"); w.value(semicircular_product_norm(depth));
    w.key("log_semicircular_product_norm"); w.value(log_semicircular_product_norm(depth));
    w.key("moments"); w.begin_array();
    for (double v : moments) w.value(v);
    w.end_array();
    w.key("log_moments"); w.begin_array();
    for (double v : log_moments) w.value(v);
    w.end_array();
    if (!depth_logs.empty()) {
      w.key("log_norm_limit_by_depth"); w.begin_array();
      for (double v : depth_logs) w.value(v);
      w.end_array();
    }
    if (!density.empty()) {
      w.key("density"); w.begin_array();
      for (const auto& p : density) {
        w.begin_object(); w.key("x"); w.value(p.x); w.key("density"); w.value(p.density); w.end_object();
      }
      w.end_array();
    }
    w.end_object();
    std::cout << w.str() << "\n";
    return 0;
  }

  std::ostringstream os;
  os << "free-probability limit of J_1 = W_L D_{L-1} ... W_1 D_0, L = " << depth << "\n";
  os << "model: " << lim.describe() << "\n";
  auto row = [&](const std::string& name, const std::string& value, const std::string& what) {
    os << "  " << std::left << std::setw(28) << name << std::setw(24) << value << what << "\n";
  };
  if (lim.is_dead()) {
    row("norm_limit", "0", "J = 0: some alpha is 0");
  } else {
    row("norm_limit", format_number(lim.norm_limit()), "lim ||J_1|| = sqrt(lambda_+)");
    row("log_norm_limit", format_number(lim.log_norm_limit()), "log lim ||J_1||");
    row("edge", format_number(lim.edge()), "lambda_+, upper edge of the law of J J^T");
  }
  row("atom_at_zero", format_number(lim.atom_at_zero()), "mass of the law at 0 (1 - min alpha)");
  row("semicircular_product_norm", format_number(semicircular_product_norm(depth)),
      "||s_1...s_L||, the limit quoted in Thm 3.1");
  os << "  moments of J J^T (m_k = lim (1/n) tr (J J^T)^k):\n";
  for (std::size_t k = 0; k < log_moments.size(); ++k) {
    const double m = moments[k];
    os << "    m_" << k + 1 << " = " << format_number(m);
    if (std::isinf(m)) os << " (log m = " << format_number(log_moments[k]) << ")";
    os << "\n";
  }
  if (!depth_logs.empty()) {
    os << "  lim log ||J_1|| by depth:\n";
    for (std::size_t l = 0; l < depth_logs.size(); ++l) {
      os << "    L = " << l + 1 << ": " << format_number(depth_logs[l]) << "\n";
    }
  }
  if (!density.empty()) {
    os << "  density of J J^T (x, density):\n";
    for (const auto& p : density) os << "    " << format_number(p.x) << " " << format_number(p.density) << "\n";
  }
  std::cout << os.str();
  return 0;
}

}  // namespace jacstab::cli
