// SqliteStore: mail items with their MIME (sqlite_store.h).
#include "absl/strings/str_cat.h"
#include "reference/backend/sqlite_store.h"
#include "reference/mail/mail_item.h"
#include "reference/mail/mime_message.h"

namespace eas::backend {

absl::StatusOr<std::string> SqliteStore::AddMail(const Account& account, const std::string& folder_id,
                                                 const std::string& mime, bool read, int64_t received) {
  auto message = mail::ParseMessage(mime);
  if (!message.ok()) return message.status();
  std::string server_id;
  absl::Status status = db_->Transaction([&]() -> absl::Status {
    auto insert = db_->Prepare("INSERT INTO mime(user_id, content) VALUES(?, ?)");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, account.id).Bind(2, mime);
    if (auto s = insert->Run(); !s.ok()) return s;
    const int64_t mime_id = insert->LastInsertId();
    auto added = InsertItem(
        account, folder_id, "Email",
        [&](const std::string&) { return mail::ToApplicationData(*message, mime_id, received, read); },
        mime_id);
    if (!added.ok()) return added.status();
    server_id = *added;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  Changed(account, folder_id);
  return server_id;
}

absl::StatusOr<std::string> SqliteStore::GetMime(const Account& account, const std::string& server_id) {
  auto stmt = db_->Prepare(
      "SELECT m.content FROM items i JOIN mime m ON m.id = i.mime_id AND m.user_id = i.user_id "
      "WHERE i.user_id = ? AND i.server_id = ? AND i.deleted = 0");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, account.id).Bind(2, server_id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError("no MIME for item " + server_id);
  return stmt->Text(0);
}

absl::StatusOr<Attachment> SqliteStore::GetAttachment(const Account& account,
                                                      const std::string& file_reference) {
  auto ref = mail::ParseFileReference(file_reference);
  if (!ref) return absl::NotFoundError("not a file reference: " + file_reference);
  auto stmt = db_->Prepare("SELECT content FROM mime WHERE id = ? AND user_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, ref->first).Bind(2, account.id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError("no attachment " + file_reference);
  auto message = mail::ParseMessage(stmt->Text(0));
  if (!message.ok()) return absl::DataLossError("stored MIME does not parse");
  if (ref->second >= message->attachments.size()) {
    return absl::NotFoundError("no attachment " + file_reference);
  }
  mail::MailAttachment& a = message->attachments[ref->second];
  return Attachment{a.file_name, a.content_type, std::move(a.data)};
}

absl::StatusOr<Account> SqliteStore::FindAccountByEmail(const std::string& context, const std::string& email) {
  auto stmt = db_->Prepare(
      "SELECT id, context, login, display_name, email FROM users WHERE context = ? AND email = ? COLLATE NOCASE "
      "ORDER BY id LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, context).Bind(2, email);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError("no local account for " + email);
  return ReadAccount(*stmt);
}

}  // namespace eas::backend
