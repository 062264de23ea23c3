// Locating test data under Bazel: files of this workspace and of external
// repositories (such as @real_traces) as a test sees them in its runfiles.
#ifndef EAS_REFERENCE_TESTING_RUNFILES_H_
#define EAS_REFERENCE_TESTING_RUNFILES_H_

#include <string>
#include <vector>

namespace eas::testing {

// Path of a workspace file ("reference/wbxml/testdata/x.xml") or of an
// external repository's file ("real_traces/06_x.wbxml"); empty if absent.
std::string Runfile(const std::string& path);

// The names of the files in a runfiles directory (not recursive), sorted.
std::vector<std::string> ListRunfiles(const std::string& dir);

// The whole file, byte for byte; fails the current test if unreadable.
std::string ReadFileOrDie(const std::string& path);

}  // namespace eas::testing

#endif  // EAS_REFERENCE_TESTING_RUNFILES_H_
