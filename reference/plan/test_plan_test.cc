// The test plan's runner on its own: what it does to a request and how it
// judges what the client does next (the whole server: tools/e2e's
// test_plan_e2e_test).
#include "reference/plan/test_plan.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "reference/backend/sqlite_store.h"
#include "reference/server/demo.h"
#include "reference/testing/temp_files.h"

namespace eas::plan {
namespace {

PlanRequest At(const char* command, int64_t now_ms, bool gated = true) {
  PlanRequest r;
  r.command = command;
  r.gated = gated;
  r.now_ms = now_ms;
  return r;
}

pugi::xml_document SyncOf(const std::string& collection, const std::string& key) {
  pugi::xml_document doc;
  doc.load_string(("<Sync><Collections><Collection><SyncKey>" + key + "</SyncKey><CollectionId>" + collection +
                   "</CollectionId></Collection></Collections></Sync>")
                      .c_str());
  return doc;
}

// A plan whose earlier situations are done, so that `name` is next.
Runner At(const std::string& name) {
  auto p = NewPlan("standard", false);
  EXPECT_TRUE(p.ok());
  for (auto& s : p->situations) {
    if (s.name == name) break;
    s.outcome = "recovered";
  }
  return Runner(*p);
}

const SituationResult& Of(const Runner& r, const std::string& name) {
  for (const auto& s : r.progress().situations) {
    if (s.name == name) return s;
  }
  static SituationResult none;
  return none;
}

TEST(TestPlan, TheStandardPlanAndItsWipe) {
  auto plain = NewPlan("standard", false);
  auto wipe = NewPlan("standard", true);
  ASSERT_TRUE(plain.ok() && wipe.ok());
  EXPECT_EQ(plain->situations.size() + 1, wipe->situations.size());
  EXPECT_EQ(wipe->situations.back().name, "remote-wipe");
  for (const auto& s : plain->situations) EXPECT_NE(s.name, "remote-wipe");
  EXPECT_EQ(NewPlan("everything", false).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TestPlan, ProgressSurvivesItsText) {
  Runner r = At("invalid-sync-key");
  PlanEnv env;
  auto body = SyncOf("inbox", "7");
  r.BeforeHandler(At("Sync", 1000), body, env);
  auto again = Parse(Serialize(r.progress()));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Serialize(*again), Serialize(r.progress()));
  EXPECT_EQ(Parse("{not json").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Parse("[1,2]").status().code(), absl::StatusCode::kDataLoss);
}

TEST(TestPlan, A503AndTheWaitAfterIt) {
  for (const int64_t waited_ms : {int64_t{1000}, int64_t{kRetryAfterSeconds} * 1000}) {
    Runner r = At("retry-after");
    PlanEnv env;
    bool changed = false;
    EXPECT_FALSE(r.BeforeGate(At("Ping", 0), env, &changed));  // a Ping is not refused
    auto answer = r.BeforeGate(At("FolderSync", 0), env, &changed);
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->http_status, 503);
    EXPECT_EQ(answer->retry_after_seconds, kRetryAfterSeconds);
    EXPECT_FALSE(r.BeforeGate(At("FolderSync", waited_ms), env, &changed));
    EXPECT_EQ(Of(r, "retry-after").outcome, waited_ms >= kRetryAfterSeconds * 1000 ? "recovered" : "failed");
  }
}

TEST(TestPlan, AnInvalidKeyIsRecoveredByKeyZeroAndFailedByTheSameKeyAgain) {
  for (const char* next : {"0", "7"}) {
    Runner r = At("invalid-sync-key");
    PlanEnv env;
    auto zero = SyncOf("inbox", "0");
    r.BeforeHandler(At("Sync", 0), zero, env);  // key 0: nothing to reject
    EXPECT_EQ(Of(r, "invalid-sync-key").outcome, "pending");
    auto body = SyncOf("inbox", "7");
    EXPECT_FALSE(r.BeforeHandler(At("Sync", 0), body, env));
    EXPECT_STRNE(body.child("Sync").child("Collections").child("Collection").child("SyncKey").text().get(), "7");
    bool changed = false;
    auto following = SyncOf("inbox", next);
    r.BeforeGate(At("Sync", 10), env, &changed);
    r.BeforeHandler(At("Sync", 10), following, env);
    EXPECT_EQ(Of(r, "invalid-sync-key").outcome, std::string(next) == "0" ? "recovered" : "failed");
  }
}

TEST(TestPlan, Status12IsAnsweredForEachCollectionAndWantsAFolderSync) {
  Runner r = At("sync-status-12");
  PlanEnv env;
  pugi::xml_document body;
  body.load_string("<Sync><Collections><Collection><SyncKey>3</SyncKey><CollectionId>a</CollectionId></Collection>"
                   "<Collection><SyncKey>4</SyncKey><CollectionId>b</CollectionId></Collection></Collections></Sync>");
  auto answer = r.BeforeHandler(At("Sync", 0), body, env);
  ASSERT_TRUE(answer.has_value());
  int twelves = 0;
  for (pugi::xml_node c : answer->body->child("Sync").child("Collections").children("Collection")) {
    twelves += std::string(c.child("Status").text().get()) == "12";
  }
  EXPECT_EQ(twelves, 2);
  bool changed = false;
  r.BeforeGate(At("Sync", 1), env, &changed);
  auto again = SyncOf("a", "3");
  r.BeforeHandler(At("Sync", 1), again, env);
  EXPECT_EQ(Of(r, "sync-status-12").outcome, "failed");
}

TEST(TestPlan, MoreAvailablePutsMessagesInTheInboxAndNarrowsTheWindow) {
  auto store = backend::SqliteStore::Open(eas::testing::FreshTempPath("plan-store.db"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(server::SeedDemo(**store).ok());
  auto miguel = (*store)->FindUser("ox.io", "miguel");
  ASSERT_TRUE(miguel.ok());
  std::string inbox;
  auto folders = (*store)->ListFolders(*miguel);
  ASSERT_TRUE(folders.ok());
  for (const auto& f : *folders) {
    if (f.type == backend::kInbox) inbox = f.server_id;
  }
  auto before = (*store)->ChangesSince(*miguel, inbox, 0);
  ASSERT_TRUE(before.ok());
  Runner r = At("more-available");
  PlanEnv env;
  env.backend = store->get();
  env.account = *miguel;
  auto body = SyncOf(inbox, "2");
  EXPECT_FALSE(r.BeforeHandler(At("Sync", 0), body, env));
  EXPECT_STREQ(body.child("Sync").child("Collections").child("Collection").child("WindowSize").text().get(), "1");
  auto after = (*store)->ChangesSince(*miguel, inbox, 0);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), before->size() + kPagingMessages);
  bool changed = false;
  r.BeforeGate(At("Ping", 5), env, &changed);
  pugi::xml_document ping;
  r.BeforeHandler(At("Ping", 5, false), ping, env);
  EXPECT_EQ(Of(r, "more-available").outcome, "failed");
  EXPECT_TRUE(absl::StrContains(Of(r, "more-available").detail, "Ping"));
}

TEST(TestPlan, ANewFolderEndsThePingWithStatus7AndWantsAFolderSync) {
  auto store = backend::SqliteStore::Open(eas::testing::FreshTempPath("plan-folder.db"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(server::SeedDemo(**store).ok());
  auto miguel = (*store)->FindUser("ox.io", "miguel");
  ASSERT_TRUE(miguel.ok());
  const size_t folders = (*store)->ListFolders(*miguel)->size();
  for (const char* next : {"FolderSync", "Sync"}) {
    Runner r = At("new-folder");
    PlanEnv env;
    env.backend = store->get();
    env.account = *miguel;
    pugi::xml_document none;
    EXPECT_FALSE(r.BeforeHandler(At("Sync", 0), none, env));  // only a Ping
    auto answer = r.BeforeHandler(At("Ping", 1000), none, env);
    ASSERT_TRUE(answer.has_value());
    EXPECT_STREQ(answer->body->child("Ping").child("Status").text().get(), "7");
    bool changed = false;
    r.BeforeGate(At(next, 2000), env, &changed);
    r.BeforeHandler(At(next, 2000), none, env);
    EXPECT_EQ(Of(r, "new-folder").outcome, std::string(next) == "FolderSync" ? "recovered" : "failed");
  }
  // Two folders, though both plans made theirs in the same second.
  EXPECT_EQ((*store)->ListFolders(*miguel)->size(), folders + 2);
}

TEST(TestPlan, AWipeOnlyWhenAskedAndItsAcknowledgementIsTheRecovery) {
  auto store = backend::SqliteStore::Open(eas::testing::FreshTempPath("plan-wipe-store.db"));
  auto state = state::DeviceState::Open(eas::testing::FreshTempPath("plan-wipe-state.db"));
  ASSERT_TRUE(store.ok() && state.ok());
  auto device = (*state)->Touch("ox.io/miguel", "WIPE1", "iPhone", "", "14.1", 0);
  ASSERT_TRUE(device.ok());
  auto p = NewPlan("standard", true);
  ASSERT_TRUE(p.ok());
  for (auto& s : p->situations) {
    if (s.name != "remote-wipe") s.outcome = "recovered";
  }
  Runner r(*p);
  PlanEnv env;
  env.state = state->get();
  env.device = *device;
  bool changed = false;
  r.BeforeGate(At("Sync", 0), env, &changed);
  EXPECT_TRUE(changed);
  auto after = (*state)->Find("ox.io/miguel", "WIPE1");
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->wipe, state::WipeStatus::kRequested);
  pugi::xml_document ack;
  ack.load_string("<Provision><RemoteWipe><Status>1</Status></RemoteWipe></Provision>");
  r.BeforeGate(At("Provision", 1, false), env, &changed);
  r.BeforeHandler(At("Provision", 1, false), ack, env);
  EXPECT_EQ(Of(r, "remote-wipe").outcome, "recovered");
}

TEST(TestPlan, APolicyChangeIsNotApplicableWithoutProvisioningAndAClientThatNeverRecoversFails) {
  Runner off = At("policy-change");
  PlanEnv env;
  env.policy.required = false;
  bool changed = false;
  off.BeforeGate(At("Sync", 0), env, &changed);
  EXPECT_EQ(Of(off, "policy-change").outcome, "not applicable");

  Runner r = At("invalid-sync-key");
  auto body = SyncOf("inbox", "7");
  r.BeforeHandler(At("Sync", 0), body, env);
  for (int i = 0; i < kMaxWatchedRequests; ++i) r.BeforeGate(At("FolderSync", i), env, &changed);
  EXPECT_EQ(Of(r, "invalid-sync-key").outcome, "watching");
  r.BeforeGate(At("FolderSync", 99), env, &changed);
  EXPECT_EQ(Of(r, "invalid-sync-key").outcome, "failed");
  EXPECT_TRUE(absl::StrContains(Of(r, "invalid-sync-key").detail, "no recovery"));
}

}  // namespace
}  // namespace eas::plan
