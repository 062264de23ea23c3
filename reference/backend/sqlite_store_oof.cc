// SqliteStore: out-of-office settings (sqlite_store.h).
#include "reference/backend/sqlite_store.h"

namespace eas::backend {

absl::StatusOr<OofSettings> SqliteStore::GetOof(const Account& account) {
  auto stmt = db_->Prepare(
      "SELECT state, start_time, end_time, internal_message, external_known_enabled, "
      "external_known_message, external_unknown_enabled, external_unknown_message, body_type "
      "FROM oof WHERE user_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, account.id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  OofSettings o;
  if (!*row) return o;  // never set: disabled
  o.state = static_cast<int>(stmt->Int(0));
  o.start_time = stmt->Int(1);
  o.end_time = stmt->Int(2);
  o.internal_message = stmt->Text(3);
  o.external_known_enabled = stmt->Int(4) != 0;
  o.external_known_message = stmt->Text(5);
  o.external_unknown_enabled = stmt->Int(6) != 0;
  o.external_unknown_message = stmt->Text(7);
  o.body_type = stmt->Text(8);
  return o;
}

absl::Status SqliteStore::SetOof(const Account& account, const OofSettings& o) {
  auto stmt = db_->Prepare(
      "INSERT OR REPLACE INTO oof(user_id, state, start_time, end_time, internal_message, "
      "external_known_enabled, external_known_message, external_unknown_enabled, "
      "external_unknown_message, body_type) VALUES(?,?,?,?,?,?,?,?,?,?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, account.id).Bind(2, o.state).Bind(3, o.start_time).Bind(4, o.end_time)
      .Bind(5, o.internal_message).Bind(6, o.external_known_enabled ? 1 : 0)
      .Bind(7, o.external_known_message).Bind(8, o.external_unknown_enabled ? 1 : 0)
      .Bind(9, o.external_unknown_message).Bind(10, o.body_type);
  return stmt->Run();
}

}  // namespace eas::backend
