// A Backend that passes every call on and remembers whether the groupware
// was unreachable (Unavailable, DeadlineExceeded) during a request. The
// Dispatcher wraps the backend in one per request: a command that met an
// outage is answered HTTP 503 with Retry-After (MS-ASHTTP 3.2.5.1), which
// makes a phone try again later, never wipe or resync; the request's sync
// state stays resendable (the previous key is kept).
#ifndef EAS_REFERENCE_BACKEND_OUTAGE_WATCH_H_
#define EAS_REFERENCE_BACKEND_OUTAGE_WATCH_H_

#include <atomic>
#include <type_traits>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "reference/backend/backend.h"
#include "reference/metrics/metrics.h"

namespace eas::backend {

class OutageWatch : public Backend {
 public:
  explicit OutageWatch(Backend& inner) : inner_(inner) {}
  bool outage() const { return outage_.load(); }
  // The first outage's status (for the error log), and the calls made.
  absl::Status first_outage() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return first_outage_;
  }
  int calls() const { return calls_.load(); }

  absl::StatusOr<Account> Authenticate(const std::string& c, const std::string& l, const std::string& p) override {
    return Timed("Authenticate", [&] { return inner_.Authenticate(c, l, p); });
  }
  absl::StatusOr<std::vector<Folder>> ListFolders(const Account& a) override { return Timed("ListFolders", [&] { return inner_.ListFolders(a); }); }
  absl::StatusOr<std::string> AddItem(const Account& a, const std::string& f, const std::string& c,
                                      const std::string& x) override {
    return Timed("AddItem", [&] { return inner_.AddItem(a, f, c, x); });
  }
  absl::StatusOr<std::string> AddItemOnce(const Account& a, const std::string& f, const std::string& c,
                                          const std::string& x, const std::string& k) override {
    return Timed("AddItemOnce", [&] { return inner_.AddItemOnce(a, f, c, x, k); });
  }
  absl::Status UpdateItem(const Account& a, const std::string& id, const std::string& x) override {
    return Timed("UpdateItem", [&] { return inner_.UpdateItem(a, id, x); });
  }
  absl::Status DeleteItem(const Account& a, const std::string& id) override { return Timed("DeleteItem", [&] { return inner_.DeleteItem(a, id); }); }
  absl::StatusOr<ItemChange> GetItem(const Account& a, const std::string& id) override {
    return Timed("GetItem", [&] { return inner_.GetItem(a, id); });
  }
  absl::StatusOr<int64_t> FolderChangeCounter(const Account& a, const std::string& f) override {
    return Timed("FolderChangeCounter", [&] { return inner_.FolderChangeCounter(a, f); });
  }
  absl::StatusOr<std::vector<ItemChange>> ChangesSince(const Account& a, const std::string& f, int64_t n) override {
    return Timed("ChangesSince", [&] { return inner_.ChangesSince(a, f, n); });
  }
  bool MoreToCome(const Account& a, const std::string& f) override { return inner_.MoreToCome(a, f); }
  absl::StatusOr<std::string> MoveItem(const Account& a, const std::string& id, const std::string& d) override {
    return Timed("MoveItem", [&] { return inner_.MoveItem(a, id, d); });
  }
  absl::Status EmptyFolder(const Account& a, const std::string& f, bool sub) override {
    return Timed("EmptyFolder", [&] { return inner_.EmptyFolder(a, f, sub); });
  }
  absl::StatusOr<std::string> CreateFolder(const Account& a, const std::string& p, const std::string& n,
                                           int t) override {
    return Timed("CreateFolder", [&] { return inner_.CreateFolder(a, p, n, t); });
  }
  absl::Status RenameFolder(const Account& a, const std::string& id, const std::string& p,
                            const std::string& n) override {
    return Timed("RenameFolder", [&] { return inner_.RenameFolder(a, id, p, n); });
  }
  absl::Status RemoveFolder(const Account& a, const std::string& id) override { return Timed("RemoveFolder", [&] { return inner_.RemoveFolder(a, id); }); }
  absl::StatusOr<std::string> AddMail(const Account& a, const std::string& f, const std::string& m, bool r,
                                      int64_t t) override {
    return Timed("AddMail", [&] { return inner_.AddMail(a, f, m, r, t); });
  }
  absl::StatusOr<std::string> GetMime(const Account& a, const std::string& id) override {
    return Timed("GetMime", [&] { return inner_.GetMime(a, id); });
  }
  absl::StatusOr<Attachment> GetAttachment(const Account& a, const std::string& r) override {
    return Timed("GetAttachment", [&] { return inner_.GetAttachment(a, r); });
  }
  absl::StatusOr<Account> FindAccountByEmail(const std::string& c, const std::string& e) override {
    return Timed("FindAccountByEmail", [&] { return inner_.FindAccountByEmail(c, e); });
  }
  absl::StatusOr<std::vector<GalEntry>> SearchGal(const Account& a, const std::string& q, int n) override {
    return Timed("SearchGal", [&] { return inner_.SearchGal(a, q, n); });
  }
  absl::StatusOr<OofSettings> GetOof(const Account& a) override { return Timed("GetOof", [&] { return inner_.GetOof(a); }); }
  absl::Status SetOof(const Account& a, const OofSettings& o) override { return Timed("SetOof", [&] { return inner_.SetOof(a, o); }); }
  absl::StatusOr<std::vector<BusySpan>> FreeBusy(const Account& a, const std::string& e, int64_t s,
                                                 int64_t t) override {
    return Timed("FreeBusy", [&] { return inner_.FreeBusy(a, e, s, t); });
  }
  absl::Status SubmitMail(const Account& a, const std::string& m, bool s) override {
    return Timed("SubmitMail", [&] { return inner_.SubmitMail(a, m, s); });
  }

 private:
  // Runs one call of the groupware, timed (eas_backend_call_duration_seconds).
  template <typename Call>
  std::invoke_result_t<Call> Timed(const char* name, Call&& call) {
    const absl::Time start = absl::Now();
    auto result = call();
    metrics::Registry::Default().Observe("eas_backend_call_duration_seconds",
                                         absl::StrCat("call=\"", name, "\""),
                                         absl::ToDoubleSeconds(absl::Now() - start));
    return Seen(std::move(result));
  }
  template <typename T>
  T Seen(T result) {
    ++calls_;
    const absl::StatusCode code = StatusOf(result).code();
    if (code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!outage_.exchange(true)) first_outage_ = StatusOf(result);
    }
    return result;
  }
  static const absl::Status& StatusOf(const absl::Status& s) { return s; }
  template <typename V>
  static const absl::Status& StatusOf(const absl::StatusOr<V>& s) {
    return s.status();
  }

  Backend& inner_;
  std::atomic<bool> outage_{false};
  std::atomic<int> calls_{0};
  mutable std::mutex mutex_;
  absl::Status first_outage_;  // guarded by mutex_
};

}  // namespace eas::backend

#endif  // EAS_REFERENCE_BACKEND_OUTAGE_WATCH_H_
