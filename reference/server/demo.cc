#include "reference/server/demo.h"

#include "reference/backend/default_folders.h"
#include "reference/server/demo_content.h"

#include <vector>

namespace eas::server {
namespace {

constexpr DemoUser kUsers[] = {
    {"ox.io", "miguel", "Miguel Ortega", "miguel@ox.io"},
    {"ox.io", "ana", "Ana Souza", "ana@ox.io"},
    {"defaultcontext", "juan", "Juan Pérez", "juan@example.org"},
};

bool Fine(const absl::Status& s) {
  return s.ok() || s.code() == absl::StatusCode::kAlreadyExists;
}

}  // namespace

std::vector<DemoUser> DemoUsers() { return {std::begin(kUsers), std::end(kUsers)}; }

backend::GalEntry AccountGalEntry(const DemoUser& u) {
  backend::GalEntry e;
  e.alias = u.login;
  e.display_name = u.display_name;
  const std::string name = u.display_name;
  e.first_name = name.substr(0, name.find(' '));
  e.last_name = name.find(' ') == std::string::npos ? "" : name.substr(name.find(' ') + 1);
  e.email = u.email;
  e.company = "OX";
  return e;
}

const std::vector<backend::Folder>& DemoFolders() {
  static const auto* folders = [] {
    auto* all = new std::vector<backend::Folder>(backend::DefaultFolders());
    all->insert(all->end(), {
      {"inbox/projects", "inbox", "Projects", backend::kUserMail},
      {"inbox/newsletters", "inbox", "Newsletters", backend::kUserMail},
      {"calendar/team", "0", "Team calendar", backend::kUserCalendar},
      {"contacts/customers", "0", "Customers", backend::kUserContacts},
    });
    return all;
  }();
  return *folders;
}

absl::Status SeedDemo(backend::SqliteStore& store) {
  for (const DemoUser& u : kUsers) {
    auto account = store.FindUser(u.context, u.login);
    if (!account.ok()) {
      account = store.AddUser(u.context, u.login, kDemoPassword, u.display_name, u.email);
      if (!account.ok()) return account.status();
    }
    for (const backend::Folder& f : DemoFolders()) {
      if (auto s = store.AddFolder(*account, f); !Fine(s)) return s;
    }
    // Items only into folders that never held any: a second --demo run adds
    // nothing, and the user's own changes stay.
    std::vector<DemoItem> items = DemoItems(account->display_name, account->email);
    for (const backend::Folder& f : DemoFolders()) {
      auto counter = store.FolderChangeCounter(*account, f.server_id);
      if (!counter.ok()) return counter.status();
      if (*counter != 0) continue;
      for (const DemoItem& item : items) {
        if (item.folder_id != f.server_id) continue;
        auto id = item.mime.empty() ? store.AddItem(*account, item.folder_id, item.item_class, item.xml)
                                    : store.AddMail(*account, item.folder_id, item.mime, false, item.received);
        if (!id.ok()) return id.status();
      }
    }
  }
  for (const char* context : {"ox.io", "defaultcontext"}) {
    const std::string domain = std::string(context) == "ox.io" ? "ox.io" : "example.org";
    for (const backend::GalEntry& entry : DemoGal(domain)) {
      if (auto s = store.AddGalEntry(context, entry); !s.ok()) return s;
    }
  }
  // The accounts are people of the directory too.
  for (const DemoUser& u : kUsers) {
    if (auto s = store.AddGalEntry(u.context, AccountGalEntry(u)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace eas::server
