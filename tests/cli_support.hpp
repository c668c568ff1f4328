#pragma once
// Running the jacstab executable from the end-to-end tests (tests/test_cli*.cpp).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#ifndef JACSTAB_CLI
#define JACSTAB_CLI "build/jacstab"
#endif

namespace jacstab_test {

namespace fs = std::filesystem;

struct CliRun {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

/// Runs `<program> <args>` with the environment assignments `env` ("NAME=value ...", passed
/// to the shell as written) in front.
inline CliRun run_program(const std::string& env, const std::string& program, const std::string& args) {
  // One file per call and process: ctest runs these tests in parallel processes.
  static int calls = 0;
  const fs::path err_file = fs::path(::testing::TempDir()) /
                            ("jacstab_cli_stderr." + std::to_string(::getpid()) + "." +
                             std::to_string(++calls) + ".txt");
  const std::string cmd = env + (env.empty() ? "" : " ") + program + " " + args + " 2>'" + err_file.string() + "'";
  CliRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  std::size_t got;
  while ((got = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), got);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream in(err_file);
  std::stringstream ss;
  ss << in.rdbuf();
  r.err = ss.str();
  in.close();
  fs::remove(err_file);
  return r;
}

/// Runs `jacstab <args>` with the environment assignments `env` in front.
inline CliRun run_with_env(const std::string& env, const std::string& args) {
  return run_program(env, JACSTAB_CLI, args);
}

inline CliRun run(const std::string& args) { return run_with_env("", args); }

// The numbers following "key": in a one-line JSON document, in order.
inline std::vector<std::string> json_values(const std::string& json, const std::string& key) {
  std::vector<std::string> out;
  const std::regex re("\"" + key + "\": ([^,}\\]]+)");
  for (auto it = std::sregex_iterator(json.begin(), json.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1].str());
  return out;
}

}  // namespace jacstab_test
