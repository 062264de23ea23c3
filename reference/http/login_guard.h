// Password guessing protection: failed logins counted per target account
// and per source address. Past a few failures a key is locked out for a
// while (doubling); while locked out a login is refused without checking
// the password, so guessing goes no faster than the lockouts allow, whatever
// the DeviceId, connection or parallelism. Only the account's own success
// clears its count; a source address's count only ages out (a valid
// account of the attacker's cannot clear it). Bounded: at most
// `max_entries` keys, the idle ones dropped first.
#ifndef EAS_REFERENCE_HTTP_LOGIN_GUARD_H_
#define EAS_REFERENCE_HTTP_LOGIN_GUARD_H_

#include <cstddef>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace eas::http {

struct LockoutPolicy {
  int free_failures = 3;  // within `window`, before lockouts start
  absl::Duration first_lockout = absl::Seconds(1);
  absl::Duration max_lockout = absl::Seconds(30);
  absl::Duration window = absl::Minutes(15);
};

class LoginGuard {
 public:
  explicit LoginGuard(size_t max_entries = 100000) : max_entries_(max_entries) {}

  // A bounded key for `kind` ("account", "peer") and a value a client sent.
  static std::string Key(absl::string_view kind, absl::string_view value);

  // How much longer `key` is locked out at `now` (zero: not locked).
  absl::Duration LockedFor(const std::string& key, absl::Time now);
  // Before a password check of `key` with `credential` (a digest of the
  // password tried): false (refuse it unchecked, as if locked out for a
  // second) when a check of `key` with another credential is under way, or
  // when `key` has failures and any check of it is under way. So guesses of
  // one account are checked one at a time from the first: parallel
  // guessers cannot slip past the lockout while hashes are computed, nor
  // fill the workers with hashes. A phone's parallel requests carry the
  // same password and are checked side by side. Every true is followed by
  // EndCheck with the same key, after Failed or Succeeded for the check's
  // outcome (so no other guess slips in between the two).
  bool BeginCheck(const std::string& key, const std::string& credential, absl::Time now);
  void EndCheck(const std::string& key);
  // A failed login for `key`; returns the lockout it now has (zero if none).
  absl::Duration Failed(const std::string& key, absl::Time now, const LockoutPolicy& policy);
  void Succeeded(const std::string& key);

  size_t size() const;

 private:
  struct Entry {
    int failures = 0;
    absl::Time first = absl::InfinitePast();  // the window's start
    absl::Time locked_until = absl::InfinitePast();
    absl::Time last = absl::InfinitePast();
    int checking = 0;             // password checks under way
    std::string checking_credential;  // what they check (while checking > 0)
  };
  void MakeRoom(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const size_t max_entries_;
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace eas::http

#endif  // EAS_REFERENCE_HTTP_LOGIN_GUARD_H_
