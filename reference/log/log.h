// The server's log: one access line per request, error lines wherever an
// absl::Status becomes a protocol status or is dropped, security events
// (failed logins, lockouts, refused devices). Lines are logfmt: a UTC time,
// the kind, then key=value pairs; values a client controls are quoted,
// stripped of control characters and cut to 200 bytes, so no client can
// forge a line. To stderr unless --access-log / --error-log name files;
// Reopen() (on SIGHUP) opens them again after a rotation. Debian 12's
// Abseil has no absl/log; this is the one place that writes log lines.
#ifndef EAS_REFERENCE_LOG_LOG_H_
#define EAS_REFERENCE_LOG_LOG_H_

#include <functional>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace eas::log {

enum class Kind { kAccess, kError, kSecurity, kInfo };

struct Field {
  Field(absl::string_view k, absl::string_view v) : key(k), value(v) {}
  Field(absl::string_view k, const std::string& v) : key(k), value(v) {}
  Field(absl::string_view k, const char* v) : key(k), value(v) {}
  Field(absl::string_view k, long long v) : key(k), value(std::to_string(v)) {}
  Field(absl::string_view k, int v) : key(k), value(std::to_string(v)) {}
  Field(absl::string_view k, unsigned long v) : key(k), value(std::to_string(v)) {}
  Field(absl::string_view k, double v);
  absl::string_view key;
  std::string value;
};

// Files for the access lines and for the rest ("" or "-": stderr). Opened
// for appending; an error names the file.
absl::Status SetAccessLog(const std::string& path);
absl::Status SetErrorLog(const std::string& path);
// Opens the files again (after logrotate moved them).
void Reopen();

void Access(std::initializer_list<Field> fields);
// `where`: what was being done; the status's code and text follow.
void Error(absl::string_view where, const absl::Status& status, std::initializer_list<Field> fields = {});
// For a Status the code goes on without (what IgnoreError() would drop):
// an error line if it failed.
void IfError(const absl::Status& status, absl::string_view where, std::initializer_list<Field> fields = {});
void Security(absl::string_view event, std::initializer_list<Field> fields);
void Info(absl::string_view message, std::initializer_list<Field> fields = {});

// The line as written (without the time), for tests.
std::string Format(Kind kind, std::initializer_list<Field> fields);

// Tests: every line goes to `sink` instead of the files (null: back).
void SetSinkForTest(std::function<void(Kind, const std::string&)> sink);

}  // namespace eas::log

#endif  // EAS_REFERENCE_LOG_LOG_H_
