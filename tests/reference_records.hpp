#pragma once
// Reference files in tests/data: one record per line, "key v1 v2 ...", lines starting with
// '#' are comments. Numbers are read with strtod, which also reads R's "Inf".
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef JACSTAB_TEST_DATA
#define JACSTAB_TEST_DATA "tests/data"
#endif

namespace jacstab_test {

using Records = std::map<std::string, std::vector<std::vector<double>>>;

inline Records load_records(const std::string& name) {
  const std::string path = std::string(JACSTAB_TEST_DATA) + "/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open reference file " + path);
  Records rec;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string key;
    if (!(ss >> key)) continue;
    std::vector<double> values;
    std::string tok;
    while (ss >> tok) values.push_back(std::stod(tok));
    rec[key].push_back(std::move(values));
  }
  return rec;
}

/// The single record stored under `key`.
inline const std::vector<double>& single(const Records& rec, const std::string& key) {
  const auto it = rec.find(key);
  if (it == rec.end() || it->second.size() != 1) {
    throw std::runtime_error("reference record '" + key + "' missing or repeated");
  }
  return it->second.front();
}

/// All records stored under `key` (at least one).
inline const std::vector<std::vector<double>>& all(const Records& rec, const std::string& key) {
  const auto it = rec.find(key);
  if (it == rec.end() || it->second.empty()) {
    throw std::runtime_error("reference records '" + key + "' missing");
  }
  return it->second;
}

}  // namespace jacstab_test
