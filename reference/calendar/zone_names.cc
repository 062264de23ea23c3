#include "reference/calendar/zone_names.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"

namespace eas::calendar {
namespace {

constexpr size_t kMaxNameLength = 64;

struct Zones {
  absl::flat_hash_set<std::string> names;  // written once, before any reader
  absl::Mutex mutex;
  absl::flat_hash_map<std::string, absl::TimeZone> loaded ABSL_GUARDED_BY(mutex);
};

// "Area/Location" of letters, digits, '_', '-', '+'; no "..", no leading
// '/': the form of IANA names, checked before the set is asked.
bool LooksLikeAName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || name.front() == '/' || name.back() == '/') return false;
  if (name.find("..") != absl::string_view::npos || name.find("//") != absl::string_view::npos) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
                    c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

Zones& Get() {
  static Zones* zones = [] {
    auto* z = new Zones();
    const char* dir = std::getenv("TZDIR");
    std::ifstream in(std::string(dir != nullptr ? dir : "/usr/share/zoneinfo") + "/tzdata.zi");
    // Lines "Z NAME ..." (a zone) and "L TARGET NAME" (a link).
    for (std::string line; std::getline(in, line);) {
      std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (f.size() >= 2 && f[0] == "Z" && LooksLikeAName(f[1])) z->names.emplace(f[1]);
      if (f.size() >= 3 && f[0] == "L" && LooksLikeAName(f[2])) z->names.emplace(f[2]);
    }
    z->names.emplace("UTC");
    return z;
  }();
  return *zones;
}

}  // namespace

bool IsZoneName(absl::string_view name) { return LooksLikeAName(name) && Get().names.contains(name); }

std::optional<absl::TimeZone> FindZone(absl::string_view name) {
  if (!IsZoneName(name)) return std::nullopt;
  Zones& z = Get();
  const std::string key(name);
  {
    absl::MutexLock lock(&z.mutex);
    if (auto it = z.loaded.find(key); it != z.loaded.end()) return it->second;
  }
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(key, &zone)) return std::nullopt;
  absl::MutexLock lock(&z.mutex);
  z.loaded.emplace(key, zone);  // at most one per name of the database
  return zone;
}

int PreloadZones() {
  int n = 0;
  for (const std::string& name : Get().names) n += FindZone(name).has_value();
  return n;
}

}  // namespace eas::calendar
