// Files of a test in its own temporary directory (TEST_TMPDIR under Bazel).
#ifndef EAS_REFERENCE_TESTING_TEMP_FILES_H_
#define EAS_REFERENCE_TESTING_TEMP_FILES_H_

#include <string>

namespace eas::testing {

// TEST_TMPDIR/name (else /tmp/name) with no such file there, nor the
// SQLite journal files beside it (-wal, -shm): a fresh database each run.
std::string FreshTempPath(const std::string& name);

}  // namespace eas::testing

#endif  // EAS_REFERENCE_TESTING_TEMP_FILES_H_
