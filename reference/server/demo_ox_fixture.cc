#include "reference/server/demo_ox_fixture.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "pugixml.hpp"
#include "reference/backend/ox/ox_convert.h"
#include "reference/record/account_fixture.h"
#include "reference/server/demo.h"
#include "reference/server/demo_content.h"

namespace eas::server {
namespace {

using Json = nlohmann::json;

constexpr int64_t kClock = 1795000000000;  // the mock's first timestamp

// The OX side of a demo folder: its id, parent and module. Default mail
// folders sit under INBOX as on a Dovecot-backed OX; the account data
// (sent_fullname ...) of the mock names them.
struct OxFolder {
  std::string id, parent, module;
  int standard_type;  // OX standard_folder_type, 0 for others
};

std::map<std::string, OxFolder> FolderMap() {
  return {
      {"inbox", {"default0/INBOX", "1", "mail", 7}},
      {"drafts", {"default0/INBOX/Drafts", "default0/INBOX", "mail", 9}},
      {"sent", {"default0/INBOX/Sent", "default0/INBOX", "mail", 10}},
      {"trash", {"default0/INBOX/Trash", "default0/INBOX", "mail", 12}},
      {"contacts", {"contacts", "1", "contacts", 3}},
      {"calendar", {"calendar", "1", "calendar", 2}},
      {"tasks", {"tasks", "1", "tasks", 1}},
      {"inbox/projects", {"inbox/projects", "default0/INBOX", "mail", 0}},
      {"inbox/newsletters", {"inbox/newsletters", "default0/INBOX", "mail", 0}},
      {"calendar/team", {"calendar/team", "1", "calendar", 0}},
      {"contacts/customers", {"contacts/customers", "1", "contacts", 0}},
  };
}

}  // namespace

absl::StatusOr<std::string> DemoOxFixture() {
  Json fixture = {{"clock", kClock}, {"users", Json::array()}, {"folders", Json::array()},
                  {"contacts", Json::array()}, {"calendar", Json::array()}, {"tasks", Json::array()},
                  {"mail", Json::array()}};
  // The global address book: one shared folder, entries tagged by context.
  fixture["folders"].push_back({{"id", "6"}, {"folder_id", "1"}, {"title", "Global address book"},
                                {"module", "contacts"}, {"type", 2}, {"standard_folder", false},
                                {"standard_folder_type", 0}});
  int user_id = 3;
  const auto folder_map = FolderMap();
  for (const DemoUser& u : DemoUsers()) {
    fixture["users"].push_back({{"context", u.context}, {"login", u.login}, {"password", kDemoPassword},
                                {"display_name", u.display_name}, {"email", u.email}, {"user_id", user_id++}});
    for (const backend::Folder& f : DemoFolders()) {
      auto it = folder_map.find(f.server_id);
      if (it == folder_map.end()) continue;  // no Outbox in OX
      const OxFolder& ox = it->second;
      fixture["folders"].push_back({{"id", ox.id}, {"folder_id", ox.parent}, {"title", f.display_name},
                                    {"module", ox.module}, {"type", 1}, {"owner", u.login},
                                    {"standard_folder", ox.standard_type != 0},
                                    {"standard_folder_type", ox.standard_type}});
    }
    for (const DemoItem& item : DemoItems(u.display_name, u.email)) {
      auto it = folder_map.find(item.folder_id);
      if (it == folder_map.end()) continue;
      const OxFolder& ox = it->second;
      if (ox.module == "mail") {
        const std::string raw = item.mime.empty() ? record::MimeOfProperties(item.xml) : item.mime;
        const bool read = item.xml.find("<email:Read>1</email:Read>") != std::string::npos;
        fixture["mail"].push_back({{"owner", u.login}, {"folder", ox.id}, {"flags", read ? 32 : 0}, {"raw", raw}});
        continue;
      }
      auto object = backend::ox::FromApplicationData(ox.module, item.xml);
      if (!object.ok()) return object.status();
      (*object)["folder_id"] = ox.id;
      (*object)["owner"] = u.login;
      fixture[ox.module].push_back(*object);
    }
  }
  for (const char* context : {"ox.io", "defaultcontext"}) {
    const std::string domain = std::string(context) == "ox.io" ? "ox.io" : "example.org";
    std::vector<backend::GalEntry> entries = DemoGal(domain);
    for (const DemoUser& u : DemoUsers()) {
      if (std::string(u.context) == context) entries.push_back(AccountGalEntry(u));
    }
    for (const backend::GalEntry& e : entries) {
      fixture["contacts"].push_back({{"folder_id", "6"}, {"context", context}, {"display_name", e.display_name},
                                     {"first_name", e.first_name}, {"last_name", e.last_name}, {"email1", e.email},
                                     {"telephone_business1", e.phone}, {"cellular_telephone1", e.mobile_phone},
                                     {"company", e.company}, {"position", e.title}});
    }
  }
  return fixture.dump(1);
}

}  // namespace eas::server
