#include "reference/state/device_state.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace eas::state {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS devices(
  user_key TEXT NOT NULL,
  device_id TEXT NOT NULL,
  device_type TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  protocol_version TEXT NOT NULL DEFAULT '',
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  policy_key INTEGER NOT NULL DEFAULT 0,
  pending_policy_key INTEGER NOT NULL DEFAULT 0,
  policy_generation INTEGER NOT NULL DEFAULT 0,
  blocked INTEGER NOT NULL DEFAULT 0,
  wipe INTEGER NOT NULL DEFAULT 0,
  model TEXT NOT NULL DEFAULT '', imei TEXT NOT NULL DEFAULT '',
  friendly_name TEXT NOT NULL DEFAULT '', os TEXT NOT NULL DEFAULT '',
  os_language TEXT NOT NULL DEFAULT '', phone_number TEXT NOT NULL DEFAULT '',
  info_user_agent TEXT NOT NULL DEFAULT '', mobile_operator TEXT NOT NULL DEFAULT '',
  recovery_password TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(user_key, device_id));
CREATE TABLE IF NOT EXISTS hierarchy_snapshots(
  user_key TEXT NOT NULL,
  device_id TEXT NOT NULL,
  sync_key TEXT NOT NULL,
  key_number INTEGER NOT NULL,
  folders TEXT NOT NULL,
  PRIMARY KEY(user_key, device_id, sync_key));
CREATE TABLE IF NOT EXISTS collection_snapshots(
  user_key TEXT NOT NULL,
  device_id TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  sync_key TEXT NOT NULL,
  counter INTEGER NOT NULL,
  items TEXT NOT NULL,
  client_ids TEXT NOT NULL,
  PRIMARY KEY(user_key, device_id, collection_id, sync_key));
CREATE TABLE IF NOT EXISTS ping_parameters(
  user_key TEXT NOT NULL,
  device_id TEXT NOT NULL,
  heartbeat INTEGER NOT NULL,
  folders TEXT NOT NULL,
  PRIMARY KEY(user_key, device_id));
CREATE TABLE IF NOT EXISTS sync_requests(
  user_key TEXT NOT NULL,
  device_id TEXT NOT NULL,
  xml TEXT NOT NULL,
  PRIMARY KEY(user_key, device_id));
CREATE TABLE IF NOT EXISTS quirk_overrides(
  name TEXT PRIMARY KEY,
  enabled INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS policy(
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL);
-- The properties a client declared with Supported on its first Sync of a
-- collection (MS-ASCMD 2.2.3.168), space-separated element names.
CREATE TABLE IF NOT EXISTS supported(
  user_key TEXT NOT NULL,
  device_id TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  names TEXT NOT NULL,
  PRIMARY KEY(user_key, device_id, collection_id));
-- The time zone a device last described in a calendar item it sent (its
-- base64 Timezone value): where its local midnight is (iOS birthdays).
CREATE TABLE IF NOT EXISTS device_zones(
  user_key TEXT NOT NULL,
  device_id TEXT NOT NULL,
  timezone TEXT NOT NULL,
  PRIMARY KEY(user_key, device_id));
-- Mail already handed on (SendMail ClientId, or the message's Message-ID
-- below 14.0): a resent request is not delivered twice.
CREATE TABLE IF NOT EXISTS submissions(
  user_key TEXT NOT NULL,
  submission_id TEXT NOT NULL,
  PRIMARY KEY(user_key, submission_id));
)sql";

constexpr char kDeviceColumns[] =
    "user_key, device_id, device_type, user_agent, protocol_version, first_seen, last_seen, "
    "policy_key, pending_policy_key, policy_generation, blocked, wipe, model, imei, "
    "friendly_name, os, os_language, phone_number, info_user_agent, mobile_operator";

// One folder a line: tab-separated, C-escaped fields.
std::string SerializeFolders(const std::vector<backend::Folder>& folders) {
  std::string out;
  for (const auto& f : folders) {
    absl::StrAppend(&out, absl::CEscape(f.server_id), "\t", absl::CEscape(f.parent_id), "\t",
                    f.type, "\t", absl::CEscape(f.display_name), "\n");
  }
  return out;
}

absl::StatusOr<std::vector<backend::Folder>> ParseFolders(const std::string& text) {
  std::vector<backend::Folder> folders;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, '\t');
    backend::Folder folder;
    if (f.size() != 4 || !absl::CUnescape(f[0], &folder.server_id) ||
        !absl::CUnescape(f[1], &folder.parent_id) || !absl::SimpleAtoi(f[2], &folder.type) ||
        !absl::CUnescape(f[3], &folder.display_name)) {
      return absl::DataLossError("corrupt hierarchy snapshot");
    }
    folders.push_back(std::move(folder));
  }
  return folders;
}

// "<escaped key>\t<escaped value>" lines.
template <typename Map>
std::string SerializeMap(const Map& map) {
  std::string out;
  for (const auto& [k, v] : map) {
    absl::StrAppend(&out, absl::CEscape(k), "\t", absl::CEscape(absl::StrCat(v)), "\n");
  }
  return out;
}

bool ParseMapLine(absl::string_view line, std::string* key, std::string* value) {
  std::vector<absl::string_view> f = absl::StrSplit(line, '\t');
  return f.size() == 2 && absl::CUnescape(f[0], key) && absl::CUnescape(f[1], value);
}

}  // namespace

// state.db's versions (PRAGMA user_version), oldest first, each in a
// transaction of its own. Version 1 is the schema as it stood before
// versions were recorded (IF NOT EXISTS: it adopts such a file as it is).
// Never edit a step that has shipped: add one.
const storage::Schema& StateSchema() {
  static const storage::Schema* schema = new storage::Schema{
      0x45415354,  // "EAST"
      "devices",
      {[](storage::Database& db) { return db.Execute(kSchema); },
       // 2: whether the first Sync sent Supported at all (before, a Sync
       // without one was stored as an empty list).
       [](storage::Database& db) {
         return db.Execute("ALTER TABLE supported ADD COLUMN declared INTEGER NOT NULL DEFAULT 1");
       },
       // 3: the devices whose sessions are recorded.
       [](storage::Database& db) {
         return db.Execute(
             "CREATE TABLE recording(user_key TEXT NOT NULL, device_id TEXT NOT NULL, "
             "PRIMARY KEY(user_key, device_id))");
       },
       // 4: the test plans the server plays (reference/plan/test_plan.h):
       // the plan's progress as its own JSON text.
       [](storage::Database& db) {
         return db.Execute(
             "CREATE TABLE plans(user_key TEXT NOT NULL, device_id TEXT NOT NULL, progress TEXT NOT NULL, "
             "PRIMARY KEY(user_key, device_id))");
       }}};
  return *schema;
}

absl::StatusOr<std::unique_ptr<DeviceState>> DeviceState::Open(const std::string& path) {
  auto db = storage::Database::Open(path, StateSchema());
  if (!db.ok()) return db.status();
  return std::unique_ptr<DeviceState>(new DeviceState(std::move(*db)));
}

absl::StatusOr<std::optional<Device>> DeviceState::ReadOne(storage::Statement& stmt) {
  auto row = stmt.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Device>();
  Device d;
  d.user_key = stmt.Text(0);
  d.device_id = stmt.Text(1);
  d.device_type = stmt.Text(2);
  d.user_agent = stmt.Text(3);
  d.protocol_version = stmt.Text(4);
  d.first_seen = stmt.Int(5);
  d.last_seen = stmt.Int(6);
  d.policy_key = static_cast<uint32_t>(stmt.Int(7));
  d.pending_policy_key = static_cast<uint32_t>(stmt.Int(8));
  d.policy_generation = stmt.Int(9);
  d.blocked = stmt.Int(10) != 0;
  d.wipe = static_cast<WipeStatus>(stmt.Int(11));
  d.info = {stmt.Text(12), stmt.Text(13), stmt.Text(14), stmt.Text(15),
            stmt.Text(16), stmt.Text(17), stmt.Text(18), stmt.Text(19)};
  return std::optional<Device>(std::move(d));
}

absl::StatusOr<Device> DeviceState::Touch(const std::string& user_key, const std::string& device_id,
                                          const std::string& device_type,
                                          const std::string& user_agent,
                                          const std::string& protocol_version, int64_t now) {
  auto known = Find(user_key, device_id);
  if (!known.ok()) return known.status();
  if (known->has_value()) {
    Device& d = **known;
    const bool same = (device_type.empty() || device_type == d.device_type) &&
                      (user_agent.empty() || user_agent == d.user_agent) &&
                      (protocol_version.empty() || protocol_version == d.protocol_version);
    // A device seen a moment ago is not written again: most requests then
    // write nothing here, and reads go on when the disk is full.
    if (same && now - d.last_seen < kLastSeenResolution) return d;
  } else {
    // Every new DeviceId is a row: an account has a bounded number.
    auto count = db_->Prepare("SELECT count(*) FROM devices WHERE user_key = ?");
    if (!count.ok()) return count.status();
    count->Bind(1, user_key);
    if (auto row = count->Step(); !row.ok()) return row.status();
    if (count->Int(0) >= max_devices_per_account_) {
      return absl::ResourceExhaustedError(absl::StrCat("the account has ", count->Int(0),
                                                       " devices, the most it may have"));
    }
  }
  // Keep what is known when a request leaves a field out (Windows Mobile
  // sends no User-Agent on base64 requests).
  auto stmt = db_->Prepare(
      "INSERT INTO devices(user_key, device_id, device_type, user_agent, protocol_version, "
      "first_seen, last_seen) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6) "
      "ON CONFLICT(user_key, device_id) DO UPDATE SET last_seen = ?6, "
      "device_type = CASE WHEN ?3 = '' THEN device_type ELSE ?3 END, "
      "user_agent = CASE WHEN ?4 = '' THEN user_agent ELSE ?4 END, "
      "protocol_version = CASE WHEN ?5 = '' THEN protocol_version ELSE ?5 END");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_key).Bind(2, device_id).Bind(3, device_type).Bind(4, user_agent)
      .Bind(5, protocol_version).Bind(6, now);
  absl::Status written;
  {
    // A known device's bookkeeping may be lost: it never makes a request 503.
    std::optional<storage::LosableWrites> losable;
    if (known->has_value()) losable.emplace();
    written = stmt->Run();
  }
  if (const absl::Status& s = written; !s.ok()) {
    // Bookkeeping of a known device: a failed write (disk full) must not
    // fail the request.
    if (known->has_value()) return **known;
    return s;
  }
  stmt = absl::InternalError("done");
  auto found = Find(user_key, device_id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::InternalError("device vanished");
  return **found;
}

absl::StatusOr<std::optional<Device>> DeviceState::Find(const std::string& user_key,
                                                        const std::string& device_id) {
  auto stmt = db_->Prepare(absl::StrCat("SELECT ", kDeviceColumns,
                                        " FROM devices WHERE user_key = ? AND device_id = ?"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_key).Bind(2, device_id);
  return ReadOne(*stmt);
}

absl::StatusOr<std::vector<Device>> DeviceState::List() {
  auto stmt = db_->Prepare(
      absl::StrCat("SELECT ", kDeviceColumns, " FROM devices ORDER BY user_key, device_id"));
  if (!stmt.ok()) return stmt.status();
  std::vector<Device> devices;
  for (;;) {
    auto d = ReadOne(*stmt);
    if (!d.ok()) return d.status();
    if (!d->has_value()) return devices;
    devices.push_back(std::move(**d));
  }
}

absl::Status DeviceState::SetPendingPolicyKey(const Device& device, uint32_t key) {
  auto stmt = db_->Prepare(
      "UPDATE devices SET pending_policy_key = ? WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, static_cast<int64_t>(key)).Bind(2, device.user_key).Bind(3, device.device_id);
  return stmt->Run();
}

absl::Status DeviceState::ConfirmPolicyKey(const Device& device, uint32_t key, int64_t generation) {
  auto stmt = db_->Prepare(
      "UPDATE devices SET policy_key = ?, policy_generation = ? "
      "WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, static_cast<int64_t>(key)).Bind(2, generation).Bind(3, device.user_key)
      .Bind(4, device.device_id);
  return stmt->Run();
}

absl::Status DeviceState::SetDeviceInformation(const Device& device, const DeviceInformation& i) {
  auto stmt = db_->Prepare(
      "UPDATE devices SET model = ?, imei = ?, friendly_name = ?, os = ?, os_language = ?, "
      "phone_number = ?, info_user_agent = ?, mobile_operator = ? "
      "WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, i.model).Bind(2, i.imei).Bind(3, i.friendly_name).Bind(4, i.os)
      .Bind(5, i.os_language).Bind(6, i.phone_number).Bind(7, i.user_agent)
      .Bind(8, i.mobile_operator).Bind(9, device.user_key).Bind(10, device.device_id);
  return stmt->Run();
}

absl::Status DeviceState::SetRecoveryPassword(const Device& device, const std::string& password) {
  auto stmt = db_->Prepare(
      "UPDATE devices SET recovery_password = ? WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, password).Bind(2, device.user_key).Bind(3, device.device_id);
  return stmt->Run();
}

absl::Status DeviceState::SetBlocked(const std::string& user_key, const std::string& device_id,
                                     bool blocked) {
  auto stmt = db_->Prepare("UPDATE devices SET blocked = ? WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, blocked ? 1 : 0).Bind(2, user_key).Bind(3, device_id);
  if (auto s = stmt->Run(); !s.ok()) return s;
  if (stmt->Changes() == 0) return absl::NotFoundError("no device " + device_id + " of " + user_key);
  return absl::OkStatus();
}

absl::Status DeviceState::SetRecording(const std::string& user_key, const std::string& device_id, bool on) {
  auto stmt = db_->Prepare(on ? "INSERT OR IGNORE INTO recording(user_key, device_id) VALUES(?, ?)"
                              : "DELETE FROM recording WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_key).Bind(2, device_id);
  return stmt->Run();
}

absl::StatusOr<bool> DeviceState::IsRecording(const std::string& user_key, const std::string& device_id) {
  auto stmt = db_->Prepare("SELECT 1 FROM recording WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_key).Bind(2, device_id);
  return stmt->Step();
}

absl::Status DeviceState::SetPlan(const std::string& user_key, const std::string& device_id,
                                  const std::string& progress) {
  auto stmt = db_->Prepare("INSERT OR REPLACE INTO plans(user_key, device_id, progress) VALUES(?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_key).Bind(2, device_id).Bind(3, progress);
  return stmt->Run();
}

absl::Status DeviceState::RemovePlan(const std::string& user_key, const std::string& device_id) {
  auto stmt = db_->Prepare("DELETE FROM plans WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_key).Bind(2, device_id);
  return stmt->Run();
}

absl::StatusOr<std::optional<std::string>> DeviceState::Plan(const std::string& user_key,
                                                             const std::string& device_id) {
  auto stmt = db_->Prepare("SELECT progress FROM plans WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_key).Bind(2, device_id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->Text(0));
}

absl::Status DeviceState::ForgetSyncState(const std::string& user_key,
                                          const std::string& device_id) {
  auto known = Find(user_key, device_id);
  if (!known.ok()) return known.status();
  if (!known->has_value()) return absl::NotFoundError("no device " + device_id + " of " + user_key);
  return db_->Transaction([&]() -> absl::Status {
    for (const char* table : {"hierarchy_snapshots", "collection_snapshots", "sync_requests", "supported"}) {
      auto stmt = db_->Prepare(absl::StrCat("DELETE FROM ", table, " WHERE user_key = ? AND device_id = ?"));
      if (!stmt.ok()) return stmt.status();
      stmt->Bind(1, user_key).Bind(2, device_id);
      if (auto s = stmt->Run(); !s.ok()) return s;
    }
    return absl::OkStatus();
  });
}

absl::Status DeviceState::SetWipe(const std::string& user_key, const std::string& device_id,
                                  WipeStatus wipe) {
  auto stmt = db_->Prepare("UPDATE devices SET wipe = ? WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, static_cast<int64_t>(wipe)).Bind(2, user_key).Bind(3, device_id);
  if (auto s = stmt->Run(); !s.ok()) return s;
  if (stmt->Changes() == 0) return absl::NotFoundError("no device " + device_id + " of " + user_key);
  return absl::OkStatus();
}

absl::StatusOr<Policy> DeviceState::GetPolicy() {
  auto stmt = db_->Prepare("SELECT name, value FROM policy");
  if (!stmt.ok()) return stmt.status();
  Policy policy;
  absl::Status read = stmt->ForEachRow([&] {
    const std::string name = stmt->Text(0);
    const std::string value = stmt->Text(1);
    policy.stored = true;
    if (name == ":required") {
      policy.required = value == "1";
    } else if (name == ":generation") {
      absl::SimpleAtoi(value, &policy.generation);
    } else if (name == ":exempt_device_types") {
      policy.exempt_device_types = absl::StrSplit(value, ',', absl::SkipEmpty());
    } else {
      policy.settings[name] = value;
    }
  });
  if (!read.ok()) return read;
  return policy;
}

absl::Status DeviceState::SetPolicy(const Policy& policy) {
  auto current = GetPolicy();
  if (!current.ok()) return current.status();
  return db_->Transaction([&]() -> absl::Status {
    if (auto s = db_->Execute("DELETE FROM policy"); !s.ok()) return s;
    auto put = [&](const std::string& name, const std::string& value) -> absl::Status {
      auto stmt = db_->Prepare("INSERT INTO policy(name, value) VALUES(?, ?)");
      if (!stmt.ok()) return stmt.status();
      stmt->Bind(1, name).Bind(2, value);
      return stmt->Run();
    };
    if (auto s = put(":required", policy.required ? "1" : "0"); !s.ok()) return s;
    if (auto s = put(":generation", absl::StrCat(current->generation + 1)); !s.ok()) return s;
    if (auto s = put(":exempt_device_types", absl::StrJoin(policy.exempt_device_types, ","));
        !s.ok()) {
      return s;
    }
    for (const auto& [name, value] : policy.settings) {
      if (auto s = put(name, value); !s.ok()) return s;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<std::vector<backend::Folder>>> DeviceState::HierarchySnapshot(
    const Device& device, const std::string& sync_key) {
  auto stmt = db_->Prepare(
      "SELECT folders FROM hierarchy_snapshots WHERE user_key = ? AND device_id = ? AND sync_key = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, sync_key);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::vector<backend::Folder>>();
  auto folders = ParseFolders(stmt->Text(0));
  if (!folders.ok()) return folders.status();
  return std::optional<std::vector<backend::Folder>>(std::move(*folders));
}

absl::Status DeviceState::SaveHierarchySnapshot(const Device& device, const std::string& new_key,
                                                const std::vector<backend::Folder>& folders,
                                                const std::string& keep_key) {
  int64_t number = 0;
  absl::SimpleAtoi(new_key, &number);
  return db_->Transaction([&]() -> absl::Status {
    auto drop = db_->Prepare(
        "DELETE FROM hierarchy_snapshots WHERE user_key = ? AND device_id = ? "
        "AND sync_key NOT IN (?, ?)");
    if (!drop.ok()) return drop.status();
    drop->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, new_key).Bind(4, keep_key);
    if (auto s = drop->Run(); !s.ok()) return s;
    auto put = db_->Prepare(
        "INSERT OR REPLACE INTO hierarchy_snapshots(user_key, device_id, sync_key, key_number, "
        "folders) VALUES(?, ?, ?, ?, ?)");
    if (!put.ok()) return put.status();
    put->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, new_key).Bind(4, number)
        .Bind(5, SerializeFolders(folders));
    return put->Run();
  });
}

absl::StatusOr<int64_t> DeviceState::LastHierarchyKey(const Device& device) {
  auto stmt = db_->Prepare(
      "SELECT COALESCE(MAX(key_number), 0) FROM hierarchy_snapshots WHERE user_key = ? "
      "AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  return stmt->Int(0);
}

absl::Status DeviceState::ResetHierarchy(const Device& device) {
  auto stmt = db_->Prepare("DELETE FROM hierarchy_snapshots WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id);
  return stmt->Run();
}

}  // namespace eas::state

namespace eas::state {

absl::StatusOr<std::optional<CollectionState>> DeviceState::CollectionSnapshot(
    const Device& device, const std::string& collection_id, const std::string& sync_key) {
  auto stmt = db_->Prepare(
      "SELECT counter, items, client_ids FROM collection_snapshots WHERE user_key = ? AND "
      "device_id = ? AND collection_id = ? AND sync_key = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, collection_id).Bind(4, sync_key);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<CollectionState>();
  CollectionState state;
  state.counter = stmt->Int(0);
  std::string key, value;
  for (absl::string_view line : absl::StrSplit(stmt->Text(1), '\n', absl::SkipEmpty())) {
    int64_t seq = 0;
    if (!ParseMapLine(line, &key, &value) || !absl::SimpleAtoi(value, &seq)) {
      return absl::DataLossError("corrupt collection snapshot");
    }
    state.items[key] = seq;
  }
  for (absl::string_view line : absl::StrSplit(stmt->Text(2), '\n', absl::SkipEmpty())) {
    if (!ParseMapLine(line, &key, &value)) return absl::DataLossError("corrupt collection snapshot");
    state.client_ids[key] = value;
  }
  return std::optional<CollectionState>(std::move(state));
}

absl::Status DeviceState::SaveCollectionSnapshot(const Device& device,
                                                 const std::string& collection_id,
                                                 const std::string& new_key,
                                                 const CollectionState& state,
                                                 const std::string& keep_key) {
  return db_->Transaction([&]() -> absl::Status {
    auto drop = db_->Prepare(
        "DELETE FROM collection_snapshots WHERE user_key = ? AND device_id = ? AND "
        "collection_id = ? AND sync_key NOT IN (?, ?)");
    if (!drop.ok()) return drop.status();
    drop->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, collection_id)
        .Bind(4, new_key).Bind(5, keep_key);
    if (auto s = drop->Run(); !s.ok()) return s;
    auto put = db_->Prepare(
        "INSERT OR REPLACE INTO collection_snapshots(user_key, device_id, collection_id, sync_key, "
        "counter, items, client_ids) VALUES(?, ?, ?, ?, ?, ?, ?)");
    if (!put.ok()) return put.status();
    put->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, collection_id)
        .Bind(4, new_key).Bind(5, state.counter).Bind(6, SerializeMap(state.items))
        .Bind(7, SerializeMap(state.client_ids));
    return put->Run();
  });
}

absl::Status DeviceState::EditLatestCollection(const Device& device, const std::string& collection_id,
                                              const std::function<void(CollectionState&)>& edit) {
  return db_->Transaction([&]() -> absl::Status {
    auto key = LatestCollectionKey(device, collection_id);
    if (!key.ok()) return key.status();
    if (key->empty()) return absl::OkStatus();
    auto snapshot = CollectionSnapshot(device, collection_id, *key);
    if (!snapshot.ok()) return snapshot.status();
    if (!snapshot->has_value()) return absl::OkStatus();
    edit(**snapshot);
    auto put = db_->Prepare(
        "UPDATE collection_snapshots SET items = ?, client_ids = ? WHERE user_key = ? AND "
        "device_id = ? AND collection_id = ? AND sync_key = ?");
    if (!put.ok()) return put.status();
    put->Bind(1, SerializeMap((*snapshot)->items)).Bind(2, SerializeMap((*snapshot)->client_ids))
        .Bind(3, device.user_key).Bind(4, device.device_id).Bind(5, collection_id).Bind(6, *key);
    return put->Run();
  });
}

absl::Status DeviceState::SaveSupported(const Device& device, const std::string& collection_id,
                                        const std::optional<std::vector<std::string>>& names) {
  std::string joined;
  if (names) {
    for (const auto& n : *names) joined += (joined.empty() ? "" : " ") + n;
  }
  auto stmt = db_->Prepare(
      "INSERT OR REPLACE INTO supported(user_key, device_id, collection_id, names, declared) "
      "VALUES(?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, collection_id).Bind(4, joined)
      .Bind(5, names ? 1 : 0);
  return stmt->Run();
}

absl::Status DeviceState::SaveDeviceZone(const Device& device, const std::string& timezone) {
  auto stmt = db_->Prepare("INSERT OR REPLACE INTO device_zones(user_key, device_id, timezone) VALUES(?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, timezone);
  return stmt->Run();
}

absl::StatusOr<std::string> DeviceState::DeviceZone(const Device& device) {
  auto stmt = db_->Prepare("SELECT timezone FROM device_zones WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  return *row ? stmt->Text(0) : std::string();
}

absl::StatusOr<std::optional<std::vector<std::string>>> DeviceState::Supported(
    const Device& device, const std::string& collection_id) {
  auto stmt = db_->Prepare(
      "SELECT names, declared FROM supported WHERE user_key = ? AND device_id = ? AND collection_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, collection_id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  std::vector<std::string> names;
  if (!*row) return std::optional<std::vector<std::string>>(names);
  if (stmt->Int(1) == 0) return std::optional<std::vector<std::string>>();
  const std::string joined = stmt->Text(0);
  for (size_t at = 0; at < joined.size();) {
    size_t space = joined.find(' ', at);
    if (space == std::string::npos) space = joined.size();
    if (space > at) names.push_back(joined.substr(at, space - at));
    at = space + 1;
  }
  return names;
}

absl::StatusOr<bool> DeviceState::WasSubmitted(const std::string& user_key, const std::string& id) {
  auto stmt = db_->Prepare("SELECT 1 FROM submissions WHERE user_key = ? AND submission_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_key).Bind(2, id);
  return stmt->Step();
}

absl::Status DeviceState::RecordSubmission(const std::string& user_key, const std::string& id) {
  auto stmt = db_->Prepare("INSERT OR IGNORE INTO submissions(user_key, submission_id) VALUES(?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_key).Bind(2, id);
  return stmt->Run();
}

absl::Status DeviceState::ResetCollection(const Device& device, const std::string& collection_id) {
  auto stmt = db_->Prepare(
      "DELETE FROM collection_snapshots WHERE user_key = ? AND device_id = ? AND collection_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, collection_id);
  return stmt->Run();
}

absl::StatusOr<std::string> DeviceState::LatestCollectionKey(const Device& device,
                                                             const std::string& collection_id) {
  auto stmt = db_->Prepare(
      "SELECT sync_key FROM collection_snapshots WHERE user_key = ? AND device_id = ? AND "
      "collection_id = ? ORDER BY CAST(sync_key AS INTEGER) DESC LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, collection_id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  return *row ? stmt->Text(0) : std::string();
}

absl::Status DeviceState::SavePingParameters(const Device& device, int heartbeat,
                                             const std::vector<std::string>& folders) {
  std::string list;
  for (const auto& f : folders) absl::StrAppend(&list, absl::CEscape(f), "\n");
  auto stmt = db_->Prepare(
      "INSERT OR REPLACE INTO ping_parameters(user_key, device_id, heartbeat, folders) "
      "VALUES(?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, heartbeat).Bind(4, list);
  return stmt->Run();
}

absl::StatusOr<std::optional<std::pair<int, std::vector<std::string>>>> DeviceState::PingParameters(
    const Device& device) {
  auto stmt = db_->Prepare(
      "SELECT heartbeat, folders FROM ping_parameters WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  using Result = std::optional<std::pair<int, std::vector<std::string>>>;
  if (!*row) return Result();
  std::vector<std::string> folders;
  for (absl::string_view line : absl::StrSplit(stmt->Text(1), '\n', absl::SkipEmpty())) {
    std::string f;
    if (!absl::CUnescape(line, &f)) return absl::DataLossError("corrupt ping parameters");
    folders.push_back(std::move(f));
  }
  return Result(std::make_pair(static_cast<int>(stmt->Int(0)), std::move(folders)));
}

absl::Status DeviceState::SaveSyncRequest(const Device& device, const std::string& xml) {
  auto stmt = db_->Prepare(
      "INSERT OR REPLACE INTO sync_requests(user_key, device_id, xml) VALUES(?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, xml);
  return stmt->Run();
}

absl::StatusOr<std::string> DeviceState::SyncRequest(const Device& device) {
  auto stmt = db_->Prepare("SELECT xml FROM sync_requests WHERE user_key = ? AND device_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  return *row ? stmt->Text(0) : std::string();
}

absl::StatusOr<std::map<std::string, bool>> DeviceState::QuirkOverrides() {
  auto stmt = db_->Prepare("SELECT name, enabled FROM quirk_overrides");
  if (!stmt.ok()) return stmt.status();
  std::map<std::string, bool> overrides;
  if (auto s = stmt->ForEachRow([&] { overrides[stmt->Text(0)] = stmt->Int(1) != 0; }); !s.ok()) {
    return s;
  }
  return overrides;
}

absl::Status DeviceState::SetQuirkOverride(const std::string& name, std::optional<bool> on) {
  auto stmt = on ? db_->Prepare("INSERT OR REPLACE INTO quirk_overrides(name, enabled) VALUES(?, ?)")
                 : db_->Prepare("DELETE FROM quirk_overrides WHERE name = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, name);
  if (on) stmt->Bind(2, *on ? 1 : 0);
  return stmt->Run();
}

absl::StatusOr<std::optional<int64_t>> DeviceState::CollectionSnapshotCounter(
    const Device& device, const std::string& collection_id, const std::string& sync_key) {
  auto stmt = db_->Prepare(
      "SELECT counter FROM collection_snapshots WHERE user_key = ? AND device_id = ? AND "
      "collection_id = ? AND sync_key = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, device.user_key).Bind(2, device.device_id).Bind(3, collection_id).Bind(4, sync_key);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt->Int(0));
}

}  // namespace eas::state
