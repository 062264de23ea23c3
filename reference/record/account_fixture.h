// One account's groupware state in the fixture form the OX mock reads
// (tools/oxmock, docs/captures.md "Recorded captures"): the state a recorded
// session started from, written beside its capture, and read back into a
// fresh store (embedded backend) or a fresh OX mock (OX backend) when the
// capture is replayed.
#ifndef EAS_REFERENCE_RECORD_ACCOUNT_FIXTURE_H_
#define EAS_REFERENCE_RECORD_ACCOUNT_FIXTURE_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "reference/backend/backend.h"
#include "reference/backend/sqlite_store.h"
#include "reference/state/device_state.h"

namespace eas::record {

// The password a fixture gives its account: a replay logs in with it
// (never the account's real password, which the server does not know).
inline constexpr char kFixturePassword[] = "secret";

// An export reads at most this much; what is left out makes the fixture
// "partial" (its note says what was left out).
struct ExportLimits {
  size_t max_items = 5000;
  size_t max_bytes = 64 << 20;
};

// The account's folders (mail, calendar, contacts, tasks) and their items,
// read through the Backend, so from either backend.
absl::StatusOr<nlohmann::json> ExportAccount(backend::Backend& backend, const backend::Account& account,
                                             const ExportLimits& limits = {});

// Writes a fixture's users, folders and items into `store` (the embedded
// backend): each user gets the default folders, the fixture's own folders
// under their OX ids, and the items converted as the OX connector converts
// them. AlreadyExists if a user of the fixture is there already.
absl::Status ImportFixture(backend::SqliteStore& store, const nlohmann::json& fixture);

// The server's provisioning policy as a fixture's "eas_policy" (whether
// devices must provision, the EASProvisionDoc settings, the exempt device
// types), so that a session recorded under a policy replays under it. The
// OX mock ignores the key; the policy lives in the EAS server, not in OX.
inline constexpr char kPolicyKey[] = "eas_policy";
nlohmann::json PolicyToFixture(const state::Policy& policy);
// InvalidArgument when it is no such object.
absl::StatusOr<state::Policy> PolicyFromFixture(const nlohmann::json& value);

// A message kept as properties only (demo items, items a phone added) as a
// simple text/plain MIME message.
std::string MimeOfProperties(const std::string& application_data_xml);

}  // namespace eas::record

#endif  // EAS_REFERENCE_RECORD_ACCOUNT_FIXTURE_H_
