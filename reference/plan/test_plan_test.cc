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

// A demo store and miguel's Inbox, for the situations that act on data.
struct DemoInbox {
  std::unique_ptr<backend::SqliteStore> store;
  backend::Account miguel;
  std::string inbox;
  std::string first_mail;  // a message already in it
  PlanEnv Env() const {
    PlanEnv env;
    env.backend = store.get();
    env.account = miguel;
    return env;
  }
};

DemoInbox OpenDemo(const char* name) {
  DemoInbox d;
  auto store = backend::SqliteStore::Open(eas::testing::FreshTempPath(name));
  EXPECT_TRUE(store.ok());
  d.store = std::move(*store);
  EXPECT_TRUE(server::SeedDemo(*d.store).ok());
  d.miguel = *d.store->FindUser("ox.io", "miguel");
  auto folders = d.store->ListFolders(d.miguel);  // (kept: a range-for would not keep the StatusOr alive)
  EXPECT_TRUE(folders.ok());
  for (const auto& f : *folders) {
    if (f.type == backend::kInbox) d.inbox = f.server_id;
  }
  auto items = d.store->ChangesSince(d.miguel, d.inbox, 0);
  EXPECT_TRUE(items.ok() && !items->empty());
  d.first_mail = items->front().server_id;
  return d;
}

TEST(TestPlan, MoreAvailablePutsMessagesInTheInboxAndNarrowsTheWindow) {
  DemoInbox d = OpenDemo("plan-store.db");
  auto before = d.store->ChangesSince(d.miguel, d.inbox, 0);
  ASSERT_TRUE(before.ok());
  Runner r = At("more-available");
  PlanEnv env = d.Env();
  auto body = SyncOf(d.inbox, "2");
  EXPECT_FALSE(r.BeforeHandler(At("Sync", 0), body, env));
  EXPECT_STREQ(body.child("Sync").child("Collections").child("Collection").child("WindowSize").text().get(), "1");
  auto after = d.store->ChangesSince(d.miguel, d.inbox, 0);
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
  DemoInbox d = OpenDemo("plan-folder.db");
  const size_t folders = d.store->ListFolders(d.miguel)->size();
  for (const char* next : {"FolderSync", "Sync"}) {
    Runner r = At("new-folder");
    PlanEnv env = d.Env();
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
  EXPECT_EQ(d.store->ListFolders(d.miguel)->size(), folders + 2);
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

pugi::xml_document SyncChanging(const std::string& collection, const std::string& key, const std::string& item,
                                const std::string& options = "") {
  pugi::xml_document doc;
  doc.load_string(("<Sync><Collections><Collection><SyncKey>" + key + "</SyncKey><CollectionId>" + collection +
                   "</CollectionId>" + options + "<Commands><Change><ServerId>" + item +
                   "</ServerId><ApplicationData><email:Read>1</email:Read></ApplicationData></Change></Commands>"
                   "</Collection></Collections></Sync>")
                      .c_str());
  return doc;
}

TEST(TestPlan, AConflictMovesTheItemsVersionAndWantsTheChangeNotSentAgain) {
  DemoInbox d = OpenDemo("plan-conflict.db");
  for (const bool resend : {false, true}) {
    Runner r = At("conflict");
    PlanEnv env = d.Env();
    bool changed = false;
    auto plain = SyncOf(d.inbox, "4");
    r.BeforeGate(At("Sync", 0), env, &changed);
    r.BeforeHandler(At("Sync", 0), plain, env);  // no Change: nothing to collide with
    EXPECT_EQ(Of(r, "conflict").outcome, "pending");
    const int64_t before = d.store->GetItem(d.miguel, d.first_mail)->mod_seq;
    auto changing = SyncChanging(d.inbox, "4", d.first_mail);
    EXPECT_FALSE(r.BeforeHandler(At("Sync", 1), changing, env));
    EXPECT_GT(d.store->GetItem(d.miguel, d.first_mail)->mod_seq, before);  // the server's change
    EXPECT_EQ(Of(r, "conflict").outcome, "watching");
    // The same request again (its answer lost): still watching.
    r.BeforeGate(At("Sync", 2), env, &changed);
    auto again = SyncChanging(d.inbox, "4", d.first_mail);
    r.BeforeHandler(At("Sync", 2), again, env);
    EXPECT_EQ(Of(r, "conflict").outcome, "watching");
    r.BeforeGate(At("Sync", 3), env, &changed);
    auto next = resend ? SyncChanging(d.inbox, "5", d.first_mail) : SyncOf(d.inbox, "5");
    r.BeforeHandler(At("Sync", 3), next, env);
    EXPECT_EQ(Of(r, "conflict").outcome, resend ? "failed" : "recovered") << Of(r, "conflict").detail;
  }
}

TEST(TestPlan, AConflictIsNotApplicableWhenTheClientWinsAndNotExercisedWithoutAChange) {
  DemoInbox d = OpenDemo("plan-conflict-0.db");
  Runner wins = At("conflict");
  PlanEnv env = d.Env();
  const int64_t before = d.store->GetItem(d.miguel, d.first_mail)->mod_seq;
  auto body = SyncChanging(d.inbox, "4", d.first_mail, "<Options><Conflict>0</Conflict></Options>");
  wins.BeforeHandler(At("Sync", 0), body, env);
  EXPECT_EQ(Of(wins, "conflict").outcome, "not applicable");
  EXPECT_EQ(d.store->GetItem(d.miguel, d.first_mail)->mod_seq, before);  // nothing changed on the server

  Runner idle = At("conflict");
  bool changed = false;
  for (int i = 0; i <= kMaxWatchedRequests; ++i) idle.BeforeGate(At("Ping", i), env, &changed);
  EXPECT_EQ(Of(idle, "conflict").outcome, "not exercised");
  EXPECT_TRUE(absl::StrContains(Of(idle, "conflict").detail, "no Sync changed an item"));
}

TEST(TestPlan, ALongMessageIsSentTruncatedAndItsFetchIsTheRecovery) {
  DemoInbox d = OpenDemo("plan-truncated.db");
  for (const char* how : {"ItemOperations", "Sync", "nothing"}) {
    Runner r = At("truncated-body");
    PlanEnv env = d.Env();
    bool changed = false;
    auto without_options = SyncOf(d.inbox, "6");
    r.BeforeHandler(At("Sync", 0), without_options, env);
    EXPECT_EQ(Of(r, "truncated-body").outcome, "pending");
    pugi::xml_document body;
    body.load_string(("<Sync><Collections><Collection><SyncKey>6</SyncKey><CollectionId>" + d.inbox +
                      "</CollectionId><Options><airsyncbase:BodyPreference><airsyncbase:Type>2</airsyncbase:Type>"
                      "<airsyncbase:TruncationSize>200000</airsyncbase:TruncationSize></airsyncbase:BodyPreference>"
                      "</Options></Collection></Collections></Sync>")
                         .c_str());
    r.BeforeHandler(At("Sync", 1), body, env);
    ASSERT_EQ(Of(r, "truncated-body").outcome, "watching");
    EXPECT_STREQ(body.select_node("//airsyncbase:TruncationSize").node().text().get(), "512");
    const std::string item = Of(r, "truncated-body").item;
    auto mime = d.store->GetMime(d.miguel, item);
    ASSERT_TRUE(mime.ok());
    EXPECT_GT(mime->size(), static_cast<size_t>(kLongBodyBytes));
    pugi::xml_document fetch;
    if (std::string(how) == "ItemOperations") {
      fetch.load_string(("<ItemOperations><Fetch><Store>Mailbox</Store><airsync:CollectionId>" + d.inbox +
                         "</airsync:CollectionId><airsync:ServerId>" + item + "</airsync:ServerId></Fetch>"
                         "</ItemOperations>").c_str());
    } else {
      fetch.load_string(("<Sync><Collections><Collection><SyncKey>7</SyncKey><CollectionId>" + d.inbox +
                         "</CollectionId><Commands><Fetch><ServerId>" + item + "</ServerId></Fetch></Commands>"
                         "</Collection></Collections></Sync>").c_str());
    }
    const int requests = std::string(how) == "nothing" ? kMaxWatchedRequests + 1 : 1;
    for (int i = 0; i < requests; ++i) {
      r.BeforeGate(At(std::string(how) == "ItemOperations" ? "ItemOperations" : "Sync", 2 + i), env, &changed);
    }
    if (std::string(how) != "nothing") r.BeforeHandler(At(how, 2), fetch, env);
    EXPECT_EQ(Of(r, "truncated-body").outcome, std::string(how) == "nothing" ? "not exercised" : "recovered")
        << how << ": " << Of(r, "truncated-body").detail;
  }
}

TEST(TestPlan, At25TheLongMessageIsAskedForWithTruncationCodes) {
  DemoInbox d = OpenDemo("plan-truncated-25.db");
  Runner r = At("truncated-body");
  PlanEnv env = d.Env();
  pugi::xml_document body;
  body.load_string(("<Sync><Collections><Collection><SyncKey>6</SyncKey><CollectionId>" + d.inbox +
                    "</CollectionId><Options><FilterType>3</FilterType><Truncation>8</Truncation>"
                    "<MIMESupport>0</MIMESupport></Options></Collection></Collections></Sync>")
                       .c_str());
  PlanRequest sync = At("Sync", 0);
  sync.version = ProtocolVersion::k2_5;
  r.BeforeHandler(sync, body, env);
  EXPECT_EQ(Of(r, "truncated-body").outcome, "watching");
  pugi::xml_node options = body.select_node("//Options").node();
  EXPECT_STREQ(options.child("Truncation").text().get(), "1");
  EXPECT_STREQ(options.child("MIMETruncation").text().get(), "1");
}

TEST(TestPlan, AnAccountOnlyWipeIs161sAndItsAcknowledgementIsTheRecovery) {
  auto state = state::DeviceState::Open(eas::testing::FreshTempPath("plan-account-wipe.db"));
  ASSERT_TRUE(state.ok());
  for (const ProtocolVersion version : {ProtocolVersion::k14_1, ProtocolVersion::k16_1}) {
    const std::string id = version == ProtocolVersion::k16_1 ? "AOW161" : "AOW141";
    auto device = (*state)->Touch("ox.io/miguel", id, "iPhone", "", ToString(version), 0);
    ASSERT_TRUE(device.ok());
    Runner r = At("account-only-wipe");
    PlanEnv env;
    env.state = state->get();
    env.device = *device;
    bool changed = false;
    PlanRequest sync = At("Sync", 0);
    sync.version = version;
    r.BeforeGate(sync, env, &changed);
    auto after = (*state)->Find("ox.io/miguel", id);
    ASSERT_TRUE(after.ok() && after->has_value());
    if (version == ProtocolVersion::k14_1) {
      EXPECT_EQ(Of(r, "account-only-wipe").outcome, "not applicable");
      EXPECT_EQ((*after)->wipe, state::WipeStatus::kNone);
      continue;
    }
    EXPECT_EQ((*after)->wipe, state::WipeStatus::kAccountOnlyRequested);
    pugi::xml_document ack;
    ack.load_string("<Provision><AccountOnlyRemoteWipe><Status>1</Status></AccountOnlyRemoteWipe></Provision>");
    PlanRequest provision = At("Provision", 1, false);
    provision.version = version;
    r.BeforeGate(provision, env, &changed);
    r.BeforeHandler(provision, ack, env);
    EXPECT_EQ(Of(r, "account-only-wipe").outcome, "recovered") << Of(r, "account-only-wipe").detail;
  }
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
