#include "reference/http/login_guard.h"

#include <algorithm>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "openssl/sha.h"

namespace eas::http {

std::string LoginGuard::Key(absl::string_view kind, absl::string_view value) {
  // A 50 KB DeviceId or user name costs 40 bytes here.
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(value.data()), value.size(), digest);
  return absl::StrCat(kind, ":", absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), 16)));
}

absl::Duration LoginGuard::LockedFor(const std::string& key, absl::Time now) {
  absl::MutexLock lock(&mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.locked_until <= now) return absl::ZeroDuration();
  return it->second.locked_until - now;
}

absl::Duration LoginGuard::Failed(const std::string& key, absl::Time now, const LockoutPolicy& policy) {
  absl::MutexLock lock(&mutex_);
  if (!entries_.contains(key)) MakeRoom(now);
  Entry& e = entries_[key];
  if (e.failures == 0 || now - e.first > policy.window) {
    e.failures = 0;
    e.first = now;
  }
  ++e.failures;
  e.last = now;
  if (e.failures <= policy.free_failures) return absl::ZeroDuration();
  // 1 s, 2 s, 4 s, ... up to the limit.
  const int doublings = std::min(e.failures - policy.free_failures - 1, 20);
  const absl::Duration lockout = std::min(policy.first_lockout * (int64_t{1} << doublings), policy.max_lockout);
  e.locked_until = now + lockout;
  return lockout;
}

bool LoginGuard::BeginCheck(const std::string& key, const std::string& credential, absl::Time now) {
  absl::MutexLock lock(&mutex_);
  if (!entries_.contains(key)) MakeRoom(now);
  Entry& e = entries_[key];
  if (e.checking > 0 && (e.failures > 0 || e.checking_credential != credential)) return false;
  if (e.checking++ == 0) e.checking_credential = credential;
  e.last = now;
  return true;
}

void LoginGuard::EndCheck(const std::string& key) {
  absl::MutexLock lock(&mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.checking == 0) return;  // cleared by a success meanwhile
  Entry& e = it->second;
  if (--e.checking > 0) return;
  e.checking_credential.clear();
  if (e.failures == 0) entries_.erase(it);  // nothing left to remember
}

void LoginGuard::Succeeded(const std::string& key) {
  absl::MutexLock lock(&mutex_);
  entries_.erase(key);
}

size_t LoginGuard::size() const {
  absl::MutexLock lock(&mutex_);
  return entries_.size();
}

void LoginGuard::MakeRoom(absl::Time now) {
  if (entries_.size() < max_entries_) return;
  // First what is idle and unlocked for a quarter of an hour, then the
  // least recently seen quarter of the rest.
  absl::erase_if(entries_, [&](const auto& kv) {
    return kv.second.locked_until <= now && now - kv.second.last > absl::Minutes(15);
  });
  if (entries_.size() < max_entries_) return;
  std::vector<absl::Time> seen;
  seen.reserve(entries_.size());
  for (const auto& [k, e] : entries_) seen.push_back(e.last);
  auto cut = seen.begin() + static_cast<std::ptrdiff_t>(seen.size() / 4);
  std::nth_element(seen.begin(), cut, seen.end());
  const absl::Time oldest_kept = *cut;
  absl::erase_if(entries_, [&](const auto& kv) { return kv.second.last < oldest_kept; });
}

}  // namespace eas::http
