#include "reference/backend/default_folders.h"

namespace eas::backend {

const std::vector<Folder>& DefaultFolders() {
  static const auto* folders = new std::vector<Folder>{
      {"inbox", "0", "Inbox", kInbox},
      {"drafts", "0", "Drafts", kDrafts},
      {"trash", "0", "Deleted Items", kDeletedItems},
      {"sent", "0", "Sent Items", kSentItems},
      {"outbox", "0", "Outbox", kOutbox},
      {"tasks", "0", "Tasks", kTasks},
      {"calendar", "0", "Calendar", kCalendar},
      {"contacts", "0", "Contacts", kContacts},
  };
  return *folders;
}

absl::Status AddDefaultFolders(SqliteStore& store, const Account& account) {
  for (const Folder& f : DefaultFolders()) {
    absl::Status s = store.AddFolder(account, f);
    if (!s.ok() && s.code() != absl::StatusCode::kAlreadyExists) return s;
  }
  return absl::OkStatus();
}

}  // namespace eas::backend
