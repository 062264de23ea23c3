// The folders every new mailbox starts with (MS-ASCMD 2.2.3.186.3 default
// types): Inbox, Drafts, Deleted Items, Sent Items, Outbox, Tasks, Calendar,
// Contacts. Nokia's Mail for Exchange needs Outbox, Sent, Deleted and Drafts
// to be there (../shared/device-notes.md quirk 9).
#ifndef EAS_REFERENCE_BACKEND_DEFAULT_FOLDERS_H_
#define EAS_REFERENCE_BACKEND_DEFAULT_FOLDERS_H_

#include <vector>

#include "absl/status/status.h"
#include "reference/backend/sqlite_store.h"

namespace eas::backend {

const std::vector<Folder>& DefaultFolders();

// Adds those of DefaultFolders() the account lacks.
absl::Status AddDefaultFolders(SqliteStore& store, const Account& account);

}  // namespace eas::backend

#endif  // EAS_REFERENCE_BACKEND_DEFAULT_FOLDERS_H_
