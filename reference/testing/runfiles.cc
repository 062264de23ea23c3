#include "reference/testing/runfiles.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "gtest/gtest.h"

namespace eas::testing {
namespace {

constexpr char kWorkspace[] = "eas_reference";

std::vector<std::string> Candidates(const std::string& path) {
  std::vector<std::string> roots;
  if (const char* srcdir = std::getenv("TEST_SRCDIR")) roots.push_back(srcdir);
  if (const char* dir = std::getenv("RUNFILES_DIR")) roots.push_back(dir);
  std::vector<std::string> result;
  for (const auto& root : roots) {
    result.push_back(root + "/" + kWorkspace + "/" + path);
    result.push_back(root + "/" + path);  // external repositories
    result.push_back(root + "/" + kWorkspace + "/external/" + path);
  }
  // `bazel run` starts binaries in <runfiles>/<workspace> without TEST_SRCDIR.
  result.push_back(path);
  result.push_back("../" + path);
  return result;
}

}  // namespace

std::string Runfile(const std::string& path) {
  for (const auto& candidate : Candidates(path)) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return "";
}

std::vector<std::string> ListRunfiles(const std::string& dir) {
  std::vector<std::string> names;
  std::string found = Runfile(dir);
  if (found.empty()) return names;
  for (const auto& entry : std::filesystem::directory_iterator(found)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace eas::testing
