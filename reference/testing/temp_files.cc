#include "reference/testing/temp_files.h"

#include <cstdio>
#include <cstdlib>

namespace eas::testing {

std::string FreshTempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return path;
}

}  // namespace eas::testing
