#include "jacstab/provenance.hpp"

#include <unistd.h>

#include <ctime>

#include "jacstab/build_info.hpp"
#include "jacstab/io.hpp"
#include "jacstab/parallel.hpp"

namespace jacstab {

Provenance collect_provenance() {
  Provenance p;
  p.version = build_info::version;
  p.git_hash = build_info::git_hash;
  p.source_commit = build_info::source_commit;
  p.compiler = build_info::compiler;
  p.build_type = build_info::build_type;
  p.blas = blas_config();
  p.boost = build_info::boost_version;
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) == 0) p.host = host;
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  p.date_utc = buf;
  return p;
}

void write_json(JsonWriter& w, const Provenance& p) {
  w.begin_object();
  w.key("version"); w.value(p.version);
  w.key("git_hash"); w.value(p.git_hash);
  w.key("source_commit"); w.value(p.source_commit);
  w.key("compiler"); w.value(p.compiler);
  w.key("build_type"); w.value(p.build_type);
  w.key("blas"); w.value(p.blas);
  w.key("boost"); w.value(p.boost);
  w.key("host"); w.value(p.host);
  w.key("date_utc"); w.value(p.date_utc);
  w.end_object();
}

}  // namespace jacstab
