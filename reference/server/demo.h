// --demo: the accounts and folders the README promises, created once
// (running it again changes nothing).
#ifndef EAS_REFERENCE_SERVER_DEMO_H_
#define EAS_REFERENCE_SERVER_DEMO_H_

#include <vector>

#include "absl/status/status.h"
#include "reference/backend/sqlite_store.h"

namespace eas::server {

inline constexpr char kDemoPassword[] = "secret";

struct DemoUser {
  const char* context;
  const char* login;
  const char* display_name;
  const char* email;
};

std::vector<DemoUser> DemoUsers();
// A demo account as its directory (GAL) entry.
backend::GalEntry AccountGalEntry(const DemoUser& u);
// Every demo user's folders: the defaults, two Inbox subfolders, a second
// calendar and a second contacts folder.
const std::vector<backend::Folder>& DemoFolders();

// Context ox.io with miguel and ana, context defaultcontext with juan, all
// with password "secret"; each with the default folders, two Inbox
// subfolders, a second calendar and a second contacts folder, and the items
// of demo_content.h in them; a global address list of 60 people per context.
absl::Status SeedDemo(backend::SqliteStore& store);

}  // namespace eas::server

#endif  // EAS_REFERENCE_SERVER_DEMO_H_
