// A Backend that passes every call on and remembers whether the groupware
// was unreachable (Unavailable, DeadlineExceeded) during a request. The
// Dispatcher wraps the backend in one per request: a command that met an
// outage is answered HTTP 503 with Retry-After (MS-ASHTTP 3.2.5.1), which
// makes a phone try again later, never wipe or resync; the request's sync
// state stays resendable (the previous key is kept).
#ifndef EAS_REFERENCE_BACKEND_OUTAGE_WATCH_H_
#define EAS_REFERENCE_BACKEND_OUTAGE_WATCH_H_

#include <atomic>
#include <string>
#include <vector>

#include "reference/backend/backend.h"

namespace eas::backend {

class OutageWatch : public Backend {
 public:
  explicit OutageWatch(Backend& inner) : inner_(inner) {}
  bool outage() const { return outage_.load(); }

  absl::StatusOr<Account> Authenticate(const std::string& c, const std::string& l, const std::string& p) override {
    return Seen(inner_.Authenticate(c, l, p));
  }
  absl::StatusOr<std::vector<Folder>> ListFolders(const Account& a) override { return Seen(inner_.ListFolders(a)); }
  absl::StatusOr<std::string> AddItem(const Account& a, const std::string& f, const std::string& c,
                                      const std::string& x) override {
    return Seen(inner_.AddItem(a, f, c, x));
  }
  absl::StatusOr<std::string> AddItemOnce(const Account& a, const std::string& f, const std::string& c,
                                          const std::string& x, const std::string& k) override {
    return Seen(inner_.AddItemOnce(a, f, c, x, k));
  }
  absl::Status UpdateItem(const Account& a, const std::string& id, const std::string& x) override {
    return Seen(inner_.UpdateItem(a, id, x));
  }
  absl::Status DeleteItem(const Account& a, const std::string& id) override { return Seen(inner_.DeleteItem(a, id)); }
  absl::StatusOr<ItemChange> GetItem(const Account& a, const std::string& id) override {
    return Seen(inner_.GetItem(a, id));
  }
  absl::StatusOr<int64_t> FolderChangeCounter(const Account& a, const std::string& f) override {
    return Seen(inner_.FolderChangeCounter(a, f));
  }
  absl::StatusOr<std::vector<ItemChange>> ChangesSince(const Account& a, const std::string& f, int64_t n) override {
    return Seen(inner_.ChangesSince(a, f, n));
  }
  bool MoreToCome(const Account& a, const std::string& f) override { return inner_.MoreToCome(a, f); }
  absl::StatusOr<std::string> MoveItem(const Account& a, const std::string& id, const std::string& d) override {
    return Seen(inner_.MoveItem(a, id, d));
  }
  absl::Status EmptyFolder(const Account& a, const std::string& f, bool sub) override {
    return Seen(inner_.EmptyFolder(a, f, sub));
  }
  absl::StatusOr<std::string> CreateFolder(const Account& a, const std::string& p, const std::string& n,
                                           int t) override {
    return Seen(inner_.CreateFolder(a, p, n, t));
  }
  absl::Status RenameFolder(const Account& a, const std::string& id, const std::string& p,
                            const std::string& n) override {
    return Seen(inner_.RenameFolder(a, id, p, n));
  }
  absl::Status RemoveFolder(const Account& a, const std::string& id) override { return Seen(inner_.RemoveFolder(a, id)); }
  absl::StatusOr<std::string> AddMail(const Account& a, const std::string& f, const std::string& m, bool r,
                                      int64_t t) override {
    return Seen(inner_.AddMail(a, f, m, r, t));
  }
  absl::StatusOr<std::string> GetMime(const Account& a, const std::string& id) override {
    return Seen(inner_.GetMime(a, id));
  }
  absl::StatusOr<Attachment> GetAttachment(const Account& a, const std::string& r) override {
    return Seen(inner_.GetAttachment(a, r));
  }
  absl::StatusOr<Account> FindAccountByEmail(const std::string& e) override { return Seen(inner_.FindAccountByEmail(e)); }
  absl::StatusOr<std::vector<GalEntry>> SearchGal(const Account& a, const std::string& q, int n) override {
    return Seen(inner_.SearchGal(a, q, n));
  }
  absl::StatusOr<OofSettings> GetOof(const Account& a) override { return Seen(inner_.GetOof(a)); }
  absl::Status SetOof(const Account& a, const OofSettings& o) override { return Seen(inner_.SetOof(a, o)); }
  absl::StatusOr<std::vector<BusySpan>> FreeBusy(const Account& a, const std::string& e, int64_t s,
                                                 int64_t t) override {
    return Seen(inner_.FreeBusy(a, e, s, t));
  }
  absl::Status SubmitMail(const Account& a, const std::string& m, bool s) override {
    return Seen(inner_.SubmitMail(a, m, s));
  }

 private:
  template <typename T>
  T Seen(T result) {
    const absl::StatusCode code = StatusOf(result).code();
    if (code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded) outage_ = true;
    return result;
  }
  static const absl::Status& StatusOf(const absl::Status& s) { return s; }
  template <typename V>
  static const absl::Status& StatusOf(const absl::StatusOr<V>& s) {
    return s.status();
  }

  Backend& inner_;
  std::atomic<bool> outage_{false};
};

}  // namespace eas::backend

#endif  // EAS_REFERENCE_BACKEND_OUTAGE_WATCH_H_
