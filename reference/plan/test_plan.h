// A test plan the server plays with one device (issue 13, part 3; eas-admin
// devices plan): during the device's next requests the server puts it
// through situations clients get wrong, one after another, and watches
// what the client does next: whether it recovers the way the
// specification says. Like a fuzzing server for WebSocket clients, but
// for the EAS situations of docs/vendor-guide.md "Drive your client".
//
// The plan lives in state.db (DeviceState::SetPlan) as its progress, a
// JSON text this file reads and writes; the Dispatcher calls the runner on
// the device's strand, so one device's plan is never run twice at once.
#ifndef EAS_REFERENCE_PLAN_TEST_PLAN_H_
#define EAS_REFERENCE_PLAN_TEST_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pugixml.hpp"
#include "reference/backend/backend.h"
#include "reference/commands/command.h"
#include "reference/eas/protocol_version.h"
#include "reference/state/device_state.h"

namespace eas::plan {

// How long the plan's 503 asks the client to wait (MS-ASHTTP 3.1.5.2.3).
inline constexpr int kRetryAfterSeconds = 5;
// A situation the client has not recovered from within this many requests
// has failed.
inline constexpr int kMaxWatchedRequests = 20;
// Messages the MoreAvailable situation puts in the Inbox.
inline constexpr int kPagingMessages = 3;
// The truncated-body situation: the body's size, and the truncation the
// plan asks for in that one Sync (bytes; 2.5's Truncation code 1 is 512,
// MIMETruncation code 1 is 4096: MS-ASCMD 2.2.3.185, 2.2.3.111).
inline constexpr int kLongBodyBytes = 8192;
inline constexpr int kPlanTruncationBytes = 512;

struct SituationResult {
  std::string name;
  // pending, watching, recovered, failed, not applicable, or not exercised
  // (a situation that needs the user's hand on the device, who did not act).
  std::string outcome = "pending";
  std::string detail;               // what the server did and what the client did
  int64_t injected_ms = 0;          // when the server did it (Unix ms)
  int watched = 0;                  // requests since
  std::string collection;           // the collection it concerns, where one does
  std::string original;             // what it replaced (a SyncKey), where it did
  std::string item;                 // the item it concerns (a ServerId), where one does
};

struct Progress {
  std::string plan;  // "standard"
  bool wipe = false;  // a full remote wipe is part of it (only when asked for)
  std::vector<SituationResult> situations;
};

// The situations of a plan, in order: "standard", with the remote wipe
// last when `wipe`. InvalidArgument for an unknown plan.
absl::StatusOr<Progress> NewPlan(const std::string& name, bool wipe);
std::string Serialize(const Progress& progress);
absl::StatusOr<Progress> Parse(const std::string& text);
// One line a situation: number, name, outcome, detail.
std::string Report(const Progress& progress);
// The situation names of a plan with their specification sections, for
// eas-admin's help and docs/vendor-guide.md.
std::vector<std::pair<std::string, std::string>> Situations();

// One request as the runner sees it.
struct PlanRequest {
  std::string command;  // "Sync", "Ping", ...
  ProtocolVersion version = ProtocolVersion::k14_1;
  bool gated = false;  // the command needs a policy key (it passed the gate when it reaches BeforeHandler)
  int64_t now_ms = 0;
};

struct PlanEnv {
  backend::Backend* backend = nullptr;
  state::DeviceState* state = nullptr;
  backend::Account account;
  state::Device device;
  state::Policy policy;
};

class Runner {
 public:
  explicit Runner(Progress progress) : progress_(std::move(progress)) {}

  // Before the provisioning gate: what changes device state (a policy the
  // device must fetch again, a wipe), and the watching of situations whose
  // recovery shows in any request (the wait after a 503). `device_changed`
  // is set when the caller must read the device again.
  std::optional<commands::CommandResult> BeforeGate(const PlanRequest& request, PlanEnv& env, bool* device_changed);
  // After the gate, with the decoded body (which it may rewrite): the
  // situations that act on a command's content, and the watching of the
  // rest. An answer, when set, goes to the client instead of the handler's.
  std::optional<commands::CommandResult> BeforeHandler(const PlanRequest& request, pugi::xml_document& body,
                                                       PlanEnv& env);

  // Whether the progress changed since it was read or last saved.
  bool changed() const { return changed_; }
  void Saved() { changed_ = false; }
  const Progress& progress() const { return progress_; }

 private:
  SituationResult* Current();
  void Watch(const PlanRequest& request, const pugi::xml_document* body, PlanEnv& env);
  // The server did its part of `s` for `request`; now the client's turn.
  void Start(SituationResult& s, const PlanRequest& request, std::string what);
  void Finish(SituationResult& s, bool recovered, std::string what);
  std::optional<commands::CommandResult> NewFolder(SituationResult& s, const PlanRequest& request, PlanEnv& env);
  std::optional<commands::CommandResult> Inject(SituationResult& s, const PlanRequest& request,
                                                pugi::xml_document& body, PlanEnv& env);
  void Conflict(SituationResult& s, const PlanRequest& request, pugi::xml_node collections, PlanEnv& env);
  void TruncatedBody(SituationResult& s, const PlanRequest& request, pugi::xml_node collections, PlanEnv& env);

  Progress progress_;
  bool changed_ = false;
};

}  // namespace eas::plan

#endif  // EAS_REFERENCE_PLAN_TEST_PLAN_H_
