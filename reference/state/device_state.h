// Per-device state, crash-safe in SQLite (state.db in the data directory):
// the devices that have connected, their provisioning and wipe status, what
// they said about themselves (Settings DeviceInformation), the security
// policy, and the folder hierarchy each FolderSync key stands for.
#ifndef EAS_REFERENCE_STATE_DEVICE_STATE_H_
#define EAS_REFERENCE_STATE_DEVICE_STATE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reference/backend/backend.h"
#include "reference/storage/sqlite.h"

namespace eas::state {

// A remote wipe (MS-ASPROV 3.2.5.1.2) and, from 16.1, an account-only one:
// the device removes this account's data and credentials, not itself
// (2.2.2.1 AccountOnlyRemoteWipe). Stored as the number.
enum class WipeStatus {
  kNone = 0,
  kRequested = 1,
  kAcknowledged = 2,
  kAccountOnlyRequested = 3,
  kAccountOnlyAcknowledged = 4,
};
inline bool WipeRequested(WipeStatus w) {
  return w == WipeStatus::kRequested || w == WipeStatus::kAccountOnlyRequested;
}

struct DeviceInformation {
  std::string model, imei, friendly_name, os, os_language, phone_number, user_agent,
      mobile_operator;
};

struct Device {
  std::string user_key;  // backend::Account::key()
  std::string device_id;
  std::string device_type;
  std::string user_agent;
  std::string protocol_version;
  int64_t first_seen = 0;  // Unix seconds
  int64_t last_seen = 0;
  uint32_t policy_key = 0;          // the acknowledged key; 0: not provisioned
  // The temporary key of the last phase 1; kept after phase 2 so that a
  // device that lost the phase-2 response and asks again gets the same key.
  uint32_t pending_policy_key = 0;
  int64_t policy_generation = 0;    // the policy version the key was issued for
  bool blocked = false;
  WipeStatus wipe = WipeStatus::kNone;
  DeviceInformation info;
};

// The security policy (MS-ASPROV EASProvisionDoc settings, by element name)
// and whether devices must provision at all.
struct Policy {
  bool stored = false;  // read from the database (false: nothing set yet)
  bool required = true;
  int64_t generation = 1;  // bumped on every change: devices must reprovision
  std::map<std::string, std::string> settings;
  // Device types that cannot provision (Windows Mobile 5, HTC's Android Mail:
  // ../shared/device-notes.md quirk 3) and are let in without a policy key.
  std::vector<std::string> exempt_device_types;
};

// What a device holds of one collection under one Sync key: each item with
// the change stamp (mod_seq) it last received, the folder counter up to
// which every change has been delivered, and the ClientId -> ServerId map of
// the Adds that produced this key (a resent request gets the same ids).
struct CollectionState {
  int64_t counter = 0;
  std::map<std::string, int64_t> items;
  std::map<std::string, std::string> client_ids;
};

class DeviceState {
 public:
  // For /readyz: the file takes writes.
  absl::Status CheckWritable() { return db_->CheckWritable(); }
  absl::Status IntegrityCheck() { return db_->IntegrityCheck(); }
  static constexpr int64_t kLastSeenResolution = 60;  // seconds
  void set_max_devices_per_account(int64_t n) { max_devices_per_account_ = n; }
  static absl::StatusOr<std::unique_ptr<DeviceState>> Open(const std::string& path);

  // Records a request from the device (creating it on first sight) and
  // returns its state. `last_seen` is written at most once a minute (and a
  // failed write of it is ignored); a new DeviceId of an account that has
  // `max_devices_per_account` already is ResourceExhausted.
  absl::StatusOr<Device> Touch(const std::string& user_key, const std::string& device_id,
                               const std::string& device_type, const std::string& user_agent,
                               const std::string& protocol_version, int64_t now);
  absl::StatusOr<std::optional<Device>> Find(const std::string& user_key,
                                             const std::string& device_id);
  absl::StatusOr<std::vector<Device>> List();

  absl::Status SetPendingPolicyKey(const Device& device, uint32_t key);
  absl::Status ConfirmPolicyKey(const Device& device, uint32_t key, int64_t generation);
  absl::Status SetDeviceInformation(const Device& device, const DeviceInformation& info);
  // Settings DevicePassword: the recovery password an admin can read out.
  absl::Status SetRecoveryPassword(const Device& device, const std::string& password);
  absl::Status SetBlocked(const std::string& user_key, const std::string& device_id, bool blocked);
  // Drops every sync key the device holds (hierarchy, collections, the
  // cached Sync request, Supported declarations): its next FolderSync gets
  // Status 9 and its next Sync Status 3, the way back being a full resync
  // ("resync total") with unchanged ServerIds. What an admin does when a
  // device's state is suspect; NotFound for an unknown device.
  absl::Status ForgetSyncState(const std::string& user_key, const std::string& device_id);
  absl::Status SetWipe(const std::string& user_key, const std::string& device_id, WipeStatus wipe);
  // Whether the device's sessions are recorded as captures (eas-admin
  // devices record; reference/record/session_recorder.h). May be set before
  // the device first connects.
  absl::Status SetRecording(const std::string& user_key, const std::string& device_id, bool on);
  absl::StatusOr<bool> IsRecording(const std::string& user_key, const std::string& device_id);
  // The test plan the server plays with the device (eas-admin devices plan;
  // reference/plan/test_plan.h), as the plan's progress text. May be set
  // before the device first connects.
  absl::Status SetPlan(const std::string& user_key, const std::string& device_id, const std::string& progress);
  absl::Status RemovePlan(const std::string& user_key, const std::string& device_id);
  absl::StatusOr<std::optional<std::string>> Plan(const std::string& user_key, const std::string& device_id);

  absl::StatusOr<Policy> GetPolicy();
  absl::Status SetPolicy(const Policy& policy);  // bumps the generation

  // Folder hierarchy snapshots: what the device holds under a FolderSync key.
  // The last two keys are kept, so a device that lost a response and resends
  // its previous key gets the same answer.
  absl::StatusOr<std::optional<std::vector<backend::Folder>>> HierarchySnapshot(
      const Device& device, const std::string& sync_key);
  // Stores `folders` under `new_key`, keeping only `keep_key` besides it.
  absl::Status SaveHierarchySnapshot(const Device& device, const std::string& new_key,
                                     const std::vector<backend::Folder>& folders,
                                     const std::string& keep_key);
  // The highest key number issued to the device so far (0 if none).
  absl::StatusOr<int64_t> LastHierarchyKey(const Device& device);
  // SyncKey 0: the device starts over; every snapshot goes.
  absl::Status ResetHierarchy(const Device& device);

  // Collection snapshots, as for the hierarchy: the last two keys are kept.
  absl::StatusOr<std::optional<CollectionState>> CollectionSnapshot(
      const Device& device, const std::string& collection_id, const std::string& sync_key);
  // Only the counter of a snapshot (cheap: a quiet Sync needs no more).
  absl::StatusOr<std::optional<int64_t>> CollectionSnapshotCounter(
      const Device& device, const std::string& collection_id, const std::string& sync_key);
  absl::Status SaveCollectionSnapshot(const Device& device, const std::string& collection_id,
                                      const std::string& new_key, const CollectionState& state,
                                      const std::string& keep_key);
  absl::Status ResetCollection(const Device& device, const std::string& collection_id);
  // Edits what the device's newest key of the collection says it holds (a
  // no-op for a collection it never synced): MoveItems and ItemOperations
  // Move tell the device the new ids themselves, so Sync must not send them
  // again as adds and deletes.
  absl::Status EditLatestCollection(const Device& device, const std::string& collection_id,
                                    const std::function<void(CollectionState&)>& edit);
  // The parameters of the device's last Ping, for a Ping with an empty body.
  absl::Status SavePingParameters(const Device& device, int heartbeat,
                                  const std::vector<std::string>& folders);
  absl::StatusOr<std::optional<std::pair<int, std::vector<std::string>>>> PingParameters(
      const Device& device);

  // The device's last full Sync request (MS-ASCMD 3.1.5.3: an empty or
  // partial Sync from 12.1 on builds on it), as XML text; "" if none.
  absl::Status SaveSyncRequest(const Device& device, const std::string& xml);
  absl::StatusOr<std::string> SyncRequest(const Device& device);

  // Admin switches for the device-quirk table: name -> true (on for every
  // device) or false (off for every device); absent: as the table says.
  absl::StatusOr<std::map<std::string, bool>> QuirkOverrides();
  absl::Status SetQuirkOverride(const std::string& name, std::optional<bool> on);

  // Supported (MS-ASCMD 2.2.3.179): the properties a client said it handles
  // for a collection, sent with its SyncKey 0 Sync; nullopt when that Sync
  // had no Supported element (then nothing is ghosted). A collection
  // primed before this was recorded reads as an empty declaration.
  absl::Status SaveSupported(const Device& device, const std::string& collection_id,
                             const std::optional<std::vector<std::string>>& names);
  absl::StatusOr<std::optional<std::vector<std::string>>> Supported(const Device& device,
                                                                    const std::string& collection_id);

  // The Timezone value (base64) of the last calendar item the device sent;
  // "" when it sent none.
  absl::Status SaveDeviceZone(const Device& device, const std::string& timezone);
  absl::StatusOr<std::string> DeviceZone(const Device& device);

  // Mail sent for an account, by the id that identifies a resend.
  absl::StatusOr<bool> WasSubmitted(const std::string& user_key, const std::string& id);
  absl::Status RecordSubmission(const std::string& user_key, const std::string& id);

  // The newest key of a collection ("" if the device never synced it).
  absl::StatusOr<std::string> LatestCollectionKey(const Device& device,
                                                  const std::string& collection_id);

 private:
  explicit DeviceState(std::unique_ptr<storage::Database> db) : db_(std::move(db)) {}
  absl::StatusOr<std::optional<Device>> ReadOne(storage::Statement& stmt);
  std::unique_ptr<storage::Database> db_;
  int64_t max_devices_per_account_ = 100;
};

}  // namespace eas::state

#endif  // EAS_REFERENCE_STATE_DEVICE_STATE_H_
