#include "reference/log/log.h"

#include <cstdio>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace eas::log {
namespace {

constexpr size_t kMaxValue = 200;

struct Sink {
  std::string path;  // "" for stderr
  FILE* file = nullptr;
  FILE* Stream() const { return file != nullptr ? file : stderr; }
};

struct Logger {
  absl::Mutex mutex;
  Sink access ABSL_GUARDED_BY(mutex);
  Sink errors ABSL_GUARDED_BY(mutex);
  std::function<void(Kind, const std::string&)> test_sink ABSL_GUARDED_BY(mutex);
};

Logger& Get() {
  static Logger* logger = new Logger();
  return *logger;
}

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kAccess:
      return "access";
    case Kind::kError:
      return "error";
    case Kind::kSecurity:
      return "security";
    case Kind::kInfo:
      return "info";
  }
  return "info";
}

// A value as logfmt writes it: bare if it is plain, else quoted with \" and
// \\; control characters (CR, LF: forged lines) become '?'.
void AppendValue(std::string* out, absl::string_view value) {
  if (value.size() > kMaxValue) value = value.substr(0, kMaxValue);
  bool plain = !value.empty();
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      plain = false;
    }
  }
  if (plain) {
    out->append(value.data(), value.size());
    return;
  }
  out->push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out->push_back('?');
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

absl::Status Open(Sink& sink, const std::string& path) {
  FILE* file = nullptr;
  if (!path.empty() && path != "-") {
    file = std::fopen(path.c_str(), "a");
    if (file == nullptr) return absl::FailedPreconditionError(absl::StrCat("cannot open the log ", path));
  }
  if (sink.file != nullptr) std::fclose(sink.file);
  sink.file = file;
  sink.path = path == "-" ? "" : path;
  return absl::OkStatus();
}

std::string FormatAll(Kind kind, const std::vector<Field>& fields) {
  std::string out = KindName(kind);
  for (const Field& f : fields) {
    out.push_back(' ');
    out.append(f.key.data(), f.key.size());
    out.push_back('=');
    AppendValue(&out, f.value);
  }
  return out;
}

void Write(Kind kind, const std::vector<Field>& fields) {
  std::string line = absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), " ",
                                  FormatAll(kind, fields), "\n");
  Logger& logger = Get();
  absl::MutexLock lock(&logger.mutex);
  if (logger.test_sink) {
    logger.test_sink(kind, line);
    return;
  }
  FILE* out = (kind == Kind::kAccess ? logger.access : logger.errors).Stream();
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

std::vector<Field> Join(std::vector<Field> head, std::initializer_list<Field> tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

}  // namespace

Field::Field(absl::string_view k, double v) : key(k), value(absl::StrFormat("%.1f", v)) {}

std::string Format(Kind kind, std::initializer_list<Field> fields) { return FormatAll(kind, fields); }

absl::Status SetAccessLog(const std::string& path) {
  Logger& logger = Get();
  absl::MutexLock lock(&logger.mutex);
  return Open(logger.access, path);
}

absl::Status SetErrorLog(const std::string& path) {
  Logger& logger = Get();
  absl::MutexLock lock(&logger.mutex);
  return Open(logger.errors, path);
}

void Reopen() {
  Logger& logger = Get();
  absl::MutexLock lock(&logger.mutex);
  for (Sink* sink : {&logger.access, &logger.errors}) {
    if (!sink->path.empty()) Open(*sink, sink->path).IgnoreError();  // keeps writing to stderr if it fails
  }
}

void Access(std::initializer_list<Field> fields) { Write(Kind::kAccess, fields); }

void Error(absl::string_view where, const absl::Status& status, std::initializer_list<Field> fields) {
  Write(Kind::kError, Join({{"where", where},
                            {"code", absl::StatusCodeToString(status.code())},
                            {"status", status.message()}},
                           fields));
}

void IfError(const absl::Status& status, absl::string_view where, std::initializer_list<Field> fields) {
  if (!status.ok()) Error(where, status, fields);
}

void Security(absl::string_view event, std::initializer_list<Field> fields) {
  Write(Kind::kSecurity, Join({{"event", event}}, fields));
}

void Info(absl::string_view message, std::initializer_list<Field> fields) {
  Write(Kind::kInfo, Join({{"message", message}}, fields));
}

void SetSinkForTest(std::function<void(Kind, const std::string&)> sink) {
  Logger& logger = Get();
  absl::MutexLock lock(&logger.mutex);
  logger.test_sink = std::move(sink);
}

}  // namespace eas::log
