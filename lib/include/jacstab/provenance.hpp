#pragma once
// Where and how a result was produced: recorded in every JSON output and report.
#include <string>

namespace jacstab {

class JsonWriter;

struct Provenance {
  std::string version;
  std::string git_hash;    ///< of the source tree at build time
  std::string source_commit;  ///< the last commit touching lib/, validation/ or CMakeLists.txt
  std::string compiler;
  std::string build_type;
  std::string blas;        ///< OpenBLAS build description
  std::string boost;
  std::string host;
  std::string date_utc;    ///< ISO 8601, when collected
};

Provenance collect_provenance();

/// Writes the provenance as a JSON object value (the caller writes the key).
void write_json(JsonWriter& w, const Provenance& p);

}  // namespace jacstab
