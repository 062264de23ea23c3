#include "reference/record/account_fixture.h"

#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "pugixml.hpp"
#include "reference/backend/default_folders.h"
#include "reference/backend/ox/ox_convert.h"

namespace eas::record {
namespace {

using Json = nlohmann::json;
using backend::Folder;

// The mock's clock starts after every timestamp a fixture holds.
constexpr int64_t kClock = 1795000000000;
// The global address book of the mock (tools/oxmock), as in the demo fixture.
constexpr char kGalFolder[] = "6";
// The names of the account's default mail folders below default0 (OX's
// "account" data: sent_fullname ...), at the top of the mailbox or below
// INBOX as the account has them, so both backends show its own tree.
constexpr char kSentName[] = "Sent";
constexpr char kTrashName[] = "Trash";
constexpr char kDraftsName[] = "Drafts";

struct OxPlace {
  std::string id, module;
  int standard_type = 0;  // OX standard_folder_type; 0 for others
  bool standard = false;
};

// The OX folder of an EAS folder; module "" for one the fixture leaves out
// (the Outbox, which both backends make themselves; notes, journal).
OxPlace PlaceOf(const Folder& f, const std::string& inbox) {
  const std::string mail_root = f.parent_id == inbox && !inbox.empty() ? "default0/INBOX/" : "default0/";
  switch (f.type) {
    case backend::kInbox: return {"default0/INBOX", "mail", 7, true};
    case backend::kDrafts: return {mail_root + kDraftsName, "mail", 9, true};
    case backend::kSentItems: return {mail_root + kSentName, "mail", 10, true};
    case backend::kDeletedItems: return {mail_root + kTrashName, "mail", 12, true};
    case backend::kUserMail: return {absl::StrCat("default0/", f.server_id), "mail", 0, false};
    case backend::kCalendar: return {"calendar", "calendar", 0, true};
    case backend::kContacts: return {"contacts", "contacts", 0, true};
    case backend::kTasks: return {"tasks", "tasks", 0, true};
    case backend::kUserCalendar: return {f.server_id, "calendar", 0, false};
    case backend::kUserContacts: return {f.server_id, "contacts", 0, false};
    case backend::kUserTasks: return {f.server_id, "tasks", 0, false};
    default: return {"", "", 0, false};
  }
}

bool IsRead(const std::string& xml) { return absl::StrContains(xml, "<email:Read>1</email:Read>"); }

// DateReceived of a mail item, Unix milliseconds (0 if it has none).
int64_t ReceivedMillis(const std::string& xml) {
  pugi::xml_document doc;
  if (!doc.load_string(xml.c_str())) return 0;
  absl::Time when;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, doc.first_child().child("email:DateReceived").text().get(), &when,
                       &error)) {
    return 0;
  }
  return absl::ToUnixMillis(when);
}

}  // namespace

std::string MimeOfProperties(const std::string& xml) {
  pugi::xml_document doc;
  doc.load_string(xml.c_str());
  pugi::xml_node d = doc.first_child();
  absl::Time when = absl::FromUnixMillis(ReceivedMillis(xml));
  return absl::StrCat("From: ", d.child("email:From").text().get(), "\r\nTo: ", d.child("email:To").text().get(),
                      "\r\nSubject: ", d.child("email:Subject").text().get(), "\r\nDate: ",
                      absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", when, absl::UTCTimeZone()),
                      "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
                      d.child("airsyncbase:Body").child("airsyncbase:Data").text().get());
}

absl::StatusOr<Json> ExportAccount(backend::Backend& backend, const backend::Account& account,
                                   const ExportLimits& limits) {
  Json fixture = {{"clock", kClock}, {"users", Json::array()}, {"folders", Json::array()},
                  {"contacts", Json::array()}, {"calendar", Json::array()}, {"tasks", Json::array()},
                  {"mail", Json::array()}};
  auto folders = backend.ListFolders(account);
  if (!folders.ok()) return folders.status();
  std::string inbox;
  for (const Folder& f : *folders) {
    if (f.type == backend::kInbox && inbox.empty()) inbox = f.server_id;
  }
  std::map<std::string, OxPlace> places;
  Json user = {{"context", account.context}, {"login", account.login}, {"password", kFixturePassword},
               {"display_name", account.display_name}, {"email", account.email}, {"user_id", 3},
               {"sent_fullname", kSentName}, {"trash_fullname", kTrashName}, {"drafts_fullname", kDraftsName}};
  for (const Folder& f : *folders) {
    places[f.server_id] = PlaceOf(f, inbox);
    const char* name = f.type == backend::kSentItems      ? "sent_fullname"
                       : f.type == backend::kDeletedItems ? "trash_fullname"
                       : f.type == backend::kDrafts       ? "drafts_fullname"
                                                          : nullptr;
    if (name != nullptr) user[name] = places[f.server_id].id.substr(std::strlen("default0/"));
  }
  fixture["users"].push_back(user);
  std::vector<std::string> left_out;
  size_t items = 0, bytes = 0;
  for (const Folder& f : *folders) {
    const OxPlace& place = places[f.server_id];
    if (place.module.empty()) continue;
    std::string parent = place.module == "mail" ? "default0" : "1";
    if (f.type == backend::kInbox) parent = "1";
    if (f.parent_id != "0") {
      auto it = places.find(f.parent_id);
      if (it == places.end() || it->second.module != place.module) {
        left_out.push_back(absl::StrCat("folder ", f.display_name, " (its parent is not exported)"));
        continue;
      }
      parent = it->second.id;
    }
    fixture["folders"].push_back({{"id", place.id}, {"folder_id", parent}, {"title", f.display_name},
                                  {"module", place.module}, {"type", 1}, {"owner", account.login},
                                  {"standard_folder", place.standard},
                                  {"standard_folder_type", place.standard_type}});
    auto changes = backend.ChangesSince(account, f.server_id, 0);
    if (!changes.ok()) return changes.status();
    for (const backend::ItemChange& item : *changes) {
      if (item.deleted) continue;
      if (items >= limits.max_items || bytes >= limits.max_bytes) {
        left_out.push_back(absl::StrCat("items of ", f.display_name, " beyond ", limits.max_items, " items or ",
                                        limits.max_bytes, " bytes"));
        break;
      }
      ++items;
      if (place.module == "mail") {
        auto raw = backend.GetMime(account, item.server_id);
        if (!raw.ok() && raw.status().code() != absl::StatusCode::kNotFound) return raw.status();
        const std::string mime = raw.ok() ? *raw : MimeOfProperties(item.data);
        bytes += mime.size();
        fixture["mail"].push_back({{"owner", account.login}, {"folder", place.id},
                                   {"flags", IsRead(item.data) ? 32 : 0},
                                   {"received_date", ReceivedMillis(item.data)}, {"raw", mime}});
        continue;
      }
      auto object = backend::ox::FromApplicationData(place.module, item.data);
      if (!object.ok()) {
        left_out.push_back(absl::StrCat("an item of ", f.display_name, ": ", object.status().message()));
        continue;
      }
      bytes += item.data.size();
      (*object)["folder_id"] = place.id;
      (*object)["owner"] = account.login;
      fixture[place.module].push_back(*object);
    }
  }
  if (!left_out.empty()) {
    fixture["partial"] = true;
    fixture["left_out"] = left_out;
  }
  return fixture;
}

namespace {

// The embedded store's id of a fixture folder: the default folders' own ids
// for OX's standard ones (as the OX connector maps them), OX's id otherwise.
struct Placed {
  Folder folder;
  bool is_default = false;
};

Placed EmbeddedFolder(const Json& user, const Json& f, std::set<int>& named) {
  const std::string id = f.value("id", std::string());
  const std::string module = f.value("module", std::string());
  const bool standard = f.value("standard_folder", false);
  auto full = [&](const char* key, const char* fallback) {
    return "default0/" + user.value(key, std::string(fallback));
  };
  int type = 0;
  if (module == "mail") {
    type = id == "default0/INBOX"                          ? backend::kInbox
           : id == full("sent_fullname", "INBOX/Sent")     ? backend::kSentItems
           : id == full("trash_fullname", "INBOX/Trash")   ? backend::kDeletedItems
           : id == full("drafts_fullname", "INBOX/Drafts") ? backend::kDrafts
                                                           : backend::kUserMail;
  } else if (module == "calendar") {
    type = standard ? backend::kCalendar : backend::kUserCalendar;
  } else if (module == "contacts") {
    type = standard ? backend::kContacts : backend::kUserContacts;
  } else if (module == "tasks") {
    type = standard ? backend::kTasks : backend::kUserTasks;
  }
  for (const Folder& d : backend::DefaultFolders()) {
    if (d.type == type && named.insert(type).second) {
      Folder folder = d;
      if (type != backend::kInbox) folder.display_name = f.value("title", d.display_name);
      return {folder, true};
    }
  }
  // A second standard folder of a kind keeps its type under OX's id, as the
  // OX connector shows it.
  return {{id, "0", f.value("title", id), type}, false};
}

}  // namespace

absl::Status ImportFixture(backend::SqliteStore& store, const Json& fixture) {
  if (!fixture.is_object() || !fixture.value("users", Json::array()).is_array()) {
    return absl::InvalidArgumentError("a fixture is an object with a users array");
  }
  for (const Json& user : fixture["users"]) {
    const std::string login = user.value("login", std::string());
    auto account = store.AddUser(user.value("context", std::string("defaultcontext")), login,
                                 user.value("password", std::string(kFixturePassword)),
                                 user.value("display_name", login), user.value("email", std::string()));
    if (!account.ok()) return account.status();
    if (auto s = backend::AddDefaultFolders(store, *account); !s.ok()) return s;
    // OX id -> embedded id, parents first as OX lists them.
    std::map<std::string, std::string> ids = {{"1", "0"}, {"default0", "0"}};
    std::set<int> named;
    for (const Json& f : fixture.value("folders", Json::array())) {
      if (f.value("owner", std::string()) != login) continue;
      Placed placed = EmbeddedFolder(user, f, named);
      auto parent = ids.find(f.value("folder_id", std::string("1")));
      if (parent == ids.end()) {
        return absl::InvalidArgumentError(absl::StrCat("fixture folder ", f.value("id", std::string()),
                                                       " comes before its parent"));
      }
      // A default folder keeps its place too (Sent below Inbox, as OX may have it).
      placed.folder.parent_id = placed.folder.type == backend::kInbox ? "0" : parent->second;
      absl::Status s = placed.is_default ? store.UpdateFolder(*account, placed.folder)
                                         : store.AddFolder(*account, placed.folder);
      if (!s.ok()) return s;
      ids[f.value("id", std::string())] = placed.folder.server_id;
    }
    auto folder_of = [&](const Json& object, const char* key) -> absl::StatusOr<std::string> {
      auto it = ids.find(object.value(key, std::string()));
      if (it == ids.end() || it->second == "0") {
        return absl::InvalidArgumentError(absl::StrCat("a fixture item in an unknown folder ",
                                                       object.value(key, std::string())));
      }
      return it->second;
    };
    for (const Json& m : fixture.value("mail", Json::array())) {
      if (m.value("owner", std::string()) != login) continue;
      auto folder = folder_of(m, "folder");
      if (!folder.ok()) return folder.status();
      const int64_t received = m.value("received_date", int64_t{0}) / 1000;
      auto id = store.AddMail(*account, *folder, m.value("raw", std::string()), (m.value("flags", 0) & 32) != 0,
                              received != 0 ? received : absl::ToUnixSeconds(absl::Now()));
      if (!id.ok()) return id.status();
    }
    for (const char* module : {"contacts", "calendar", "tasks"}) {
      for (const Json& object : fixture.value(module, Json::array())) {
        if (object.value("owner", std::string()) != login) continue;
        auto folder = folder_of(object, "folder_id");
        if (!folder.ok()) return folder.status();
        Json fields = object;
        fields.erase("owner");
        fields.erase("folder_id");
        auto id = store.AddItem(*account, *folder, backend::ox::ClassOfModule(module),
                                backend::ox::ToApplicationData(module, fields));
        if (!id.ok()) return id.status();
      }
    }
  }
  // The global address book: entries tagged with their context.
  for (const Json& c : fixture.value("contacts", Json::array())) {
    if (c.value("folder_id", std::string()) != kGalFolder || !c.contains("context")) continue;
    backend::GalEntry e;
    e.display_name = c.value("display_name", std::string());
    e.first_name = c.value("first_name", std::string());
    e.last_name = c.value("last_name", std::string());
    e.email = c.value("email1", std::string());
    e.phone = c.value("telephone_business1", std::string());
    e.mobile_phone = c.value("cellular_telephone1", std::string());
    e.company = c.value("company", std::string());
    e.title = c.value("position", std::string());
    if (auto s = store.AddGalEntry(c["context"].get<std::string>(), e); !s.ok()) return s;
  }
  return absl::OkStatus();
}

nlohmann::json PolicyToFixture(const state::Policy& policy) {
  return {{"required", policy.required}, {"settings", policy.settings},
          {"exempt_device_types", policy.exempt_device_types}};
}

absl::StatusOr<state::Policy> PolicyFromFixture(const nlohmann::json& value) {
  if (!value.is_object() || !value.value("settings", nlohmann::json::object()).is_object() ||
      !value.value("exempt_device_types", nlohmann::json::array()).is_array()) {
    return absl::InvalidArgumentError("eas_policy: an object of required, settings and exempt_device_types");
  }
  state::Policy policy;
  policy.required = value.value("required", true);
  // (Kept: a range-for over a temporary's items() would not keep it alive.)
  const nlohmann::json settings = value.value("settings", nlohmann::json::object());
  const nlohmann::json exempt = value.value("exempt_device_types", nlohmann::json::array());
  for (const auto& [name, setting] : settings.items()) {
    if (!setting.is_string()) return absl::InvalidArgumentError("eas_policy: setting " + name + " is no text");
    policy.settings[name] = setting.get<std::string>();
  }
  for (const auto& type : exempt) {
    if (!type.is_string()) return absl::InvalidArgumentError("eas_policy: an exempt device type that is no text");
    policy.exempt_device_types.push_back(type.get<std::string>());
  }
  return policy;
}

}  // namespace eas::record
