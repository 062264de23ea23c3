// MS-ASCMD Ping: Direct Push with the push hub behind the dispatcher.
#include <chrono>
#include <thread>

#include "conformance/harness.h"

namespace eas::conformance {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class Ping : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    ASSERT_FALSE(Provision(phone_).empty());
    // The phone has synced its Inbox (so changes are relative to that).
    Post(phone_, "Sync", SyncXml("0"));
    key_ = Post(phone_, "Sync", SyncXml("1")).Text("Collections/Collection/SyncKey");
  }
  static std::string SyncXml(const std::string& key) {
    return "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>" + key +
           "</SyncKey><CollectionId>inbox</CollectionId></Collection></Collections></Sync>";
  }
  static std::string PingXml(int heartbeat, std::vector<std::string> folders = {"inbox"}) {
    std::string xml = "<Ping xmlns=\"Ping:\"><HeartbeatInterval>" + std::to_string(heartbeat) +
                      "</HeartbeatInterval><Folders>";
    for (const auto& f : folders) xml += "<Folder><Id>" + f + "</Id><Class>Email</Class></Folder>";
    return xml + "</Folders></Ping>";
  }
  void NewMail() {
    ASSERT_TRUE(backend_->AddMail(miguel_, "inbox", MailReceived("hi", now_), false, now_).ok());
  }
  Phone phone_;
  std::string key_;
};

TEST_F(Ping, AChangeEndsTheParkedPingAtOnce) {
  Verifies({"MS-ASCMD 2.2.1.13", "MS-ASCMD 2.2.3.177.11 (Ping Status 2)"});
  http::HttpResponse parked = Start(phone_, "Ping", PingXml(300));
  ASSERT_TRUE(parked.later);
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(hub_->parked(), 1u);  // still waiting
  const auto start = std::chrono::steady_clock::now();
  NewMail();
  Reply r = Await(parked, seconds(5));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));
  EXPECT_EQ(r.Text("Status"), "2") << r.xml;
  EXPECT_EQ(r.Text("Folders/Folder"), "inbox");
  EXPECT_EQ(hub_->parked(), 0u);
}

TEST_F(Ping, PendingChangesAnswerWithoutParking) {
  Verifies({"MS-ASCMD 2.2.3.177.11 (Ping Status 2)"});
  NewMail();
  Reply r = Post(phone_, "Ping", PingXml(300));
  EXPECT_EQ(r.Text("Status"), "2");
  EXPECT_EQ(hub_->parked(), 0u);
}

TEST_F(Ping, HeartbeatExpiryIsStatus1) {
  Verifies({"MS-ASCMD 2.2.3.177.11 (Ping Status 1)"});
  const auto start = std::chrono::steady_clock::now();
  Reply r = Post(phone_, "Ping", PingXml(1));
  EXPECT_EQ(r.Text("Status"), "1") << r.xml;
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(900));
}

TEST_F(Ping, EmptyPingReusesTheLastParameters) {
  Verifies({"MS-ASCMD 2.2.3.177.11 (Ping Status 3)"});
  Phone fresh = phone_;
  fresh.device_id = "FreshPinger1";
  ASSERT_FALSE(Provision(fresh).empty());
  EXPECT_EQ(Post(fresh, "Ping", "").Text("Status"), "3");  // nothing stored yet
  EXPECT_EQ(Post(phone_, "Ping", PingXml(1)).Text("Status"), "1");
  http::HttpResponse parked = Start(phone_, "Ping", "");
  ASSERT_TRUE(parked.later);
  NewMail();
  EXPECT_EQ(Await(parked, seconds(5)).Text("Folders/Folder"), "inbox");
}

TEST_F(Ping, BoundsAndUnknownFolders) {
  Verifies({"MS-ASCMD 2.2.3.177.11 (Ping Status 5, 6, 7)", "MS-ASCMD 2.2.3.84", "MS-ASCMD 2.2.3.100"});
  Reply too_long = Post(phone_, "Ping", PingXml(4000));
  EXPECT_EQ(too_long.Text("Status"), "5");
  EXPECT_EQ(too_long.Text("HeartbeatInterval"), "3540");
  Reply too_many = Post(phone_, "Ping", PingXml(60, {"inbox", "drafts", "trash", "sent", "outbox", "tasks"}));
  EXPECT_EQ(too_many.Text("Status"), "6");
  EXPECT_EQ(too_many.Text("MaxFolders"), "5");
  EXPECT_EQ(Post(phone_, "Ping", PingXml(60, {"gone"})).Text("Status"), "7");
}

TEST_F(Ping, ANewerPingFromTheDeviceEndsTheOlder) {
  Verifies({"MS-ASCMD 3.2.5.1 (Ping)"});
  http::HttpResponse first = Start(phone_, "Ping", PingXml(300));
  http::HttpResponse second = Start(phone_, "Ping", PingXml(300));
  EXPECT_EQ(Await(first, seconds(2)).Text("Status"), "1");
  NewMail();
  EXPECT_EQ(Await(second, seconds(2)).Text("Status"), "2");
}

TEST_F(Ping, AChangeByAnotherDeviceOfTheAccountIsPushed) {
  Verifies({"MS-ASCMD 2.2.1.13"});
  auto contacts = [&](const Phone& p, const std::string& key, const std::string& commands) {
    return Post(p, "Sync", "<Sync xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\"><Collections><Collection><SyncKey>" +
                               key + "</SyncKey><CollectionId>contacts</CollectionId>" + commands +
                               "</Collection></Collections></Sync>");
  };
  contacts(phone_, "0", "");
  contacts(phone_, "1", "");
  http::HttpResponse parked = Start(phone_, "Ping", PingXml(300, {"contacts"}));
  Phone tablet = phone_;
  tablet.device_id = "TabletOfMiguel1";
  ASSERT_FALSE(Provision(tablet).empty());
  contacts(tablet, "0", "");
  Reply added = contacts(tablet, "1", "<Commands><Add><ClientId>1</ClientId><ApplicationData><contacts:FileAs>"
                                      "New, Colleague</contacts:FileAs></ApplicationData></Add></Commands>");
  ASSERT_EQ(added.Text("Collections/Collection/Responses/Add/Status"), "1") << added.xml;
  Reply r = Await(parked, seconds(5));
  EXPECT_EQ(r.Text("Status"), "2");
  EXPECT_EQ(r.Text("Folders/Folder"), "contacts");
}

TEST_F(Ping, AChangeInAFolderTheDeviceNeverSyncedWakesIt) {
  // Nothing to tell the change against: it counts (the check of issue 16
  // must not swallow it; ping_load's devices Ping folders they never synced).
  Verifies({"MS-ASCMD 2.2.3.177.11 (Ping Status 2)"});
  http::HttpResponse parked = Start(phone_, "Ping", PingXml(300, {"tasks"}));
  ASSERT_TRUE(parked.later);
  std::this_thread::sleep_for(milliseconds(100));
  ASSERT_TRUE(backend_->AddItem(miguel_, "tasks", "Tasks",
                                "<ApplicationData xmlns=\"AirSync:\" xmlns:tasks=\"Tasks:\"><tasks:Subject>New"
                                "</tasks:Subject></ApplicationData>").ok());
  Reply r = Await(parked, seconds(5));
  EXPECT_EQ(r.Text("Status"), "2") << r.xml;
  EXPECT_EQ(r.Text("Folders/Folder"), "tasks");
}

TEST_F(Ping, ChangesTheDeviceMadeOrHasAlreadyDoNotWakeIt) {
  // A Ping ends for changes the device has not been given (issue 16): the
  // store's watcher of other processes' writes reports every folder whose
  // counter moved, the device's own Add among them; that notice, and
  // another account's mail, leave the Ping parked.
  Verifies({"MS-ASCMD 2.2.3.177.11 (Ping Status 2)"});
  auto contacts = [&](const Phone& p, const std::string& key, const std::string& commands) {
    return Post(p, "Sync", "<Sync xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\"><Collections><Collection><SyncKey>" +
                               key + "</SyncKey><CollectionId>contacts</CollectionId>" + commands +
                               "</Collection></Collections></Sync>");
  };
  contacts(phone_, "0", "");
  const std::string key = contacts(phone_, "1", "").Text("Collections/Collection/SyncKey");
  Reply added = contacts(phone_, key, "<Commands><Add><ClientId>own-1</ClientId><ApplicationData>"
                                      "<contacts:FileAs>Mine</contacts:FileAs></ApplicationData></Add></Commands>");
  ASSERT_EQ(added.Text("Collections/Collection/Responses/Add/Status"), "1") << added.xml;
  http::HttpResponse parked = Start(phone_, "Ping", PingXml(300, {"contacts", "inbox"}));
  ASSERT_TRUE(parked.later);
  std::this_thread::sleep_for(milliseconds(100));
  ASSERT_EQ(hub_->parked(), 1u);
  hub_->Notify(miguel_.key(), "contacts");  // the watcher, a second after the Add
  ASSERT_TRUE(backend_->AddMail(Colleague(), "inbox", MailReceived("for ana", now_), false, now_).ok());
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(hub_->parked(), 1u);
  // A change it has not been given ends it, with that folder only.
  NewMail();
  Reply r = Await(parked, seconds(5));
  EXPECT_EQ(r.Text("Status"), "2") << r.xml;
  EXPECT_EQ(r.Text("Folders/Folder"), "inbox");
}

}  // namespace
}  // namespace eas::conformance

namespace eas::conformance {
namespace {

class SyncWait : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    ASSERT_FALSE(Provision(phone_).empty());
    Post(phone_, "Sync", Xml("0", ""));
    key_ = Post(phone_, "Sync", Xml("1", "")).Text("Collections/Collection/SyncKey");
  }
  static std::string Xml(const std::string& key, const std::string& wait) {
    return "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>" + key +
           "</SyncKey><CollectionId>inbox</CollectionId></Collection></Collections>" + wait + "</Sync>";
  }
  // A Sync of the Contacts folder with `commands`, waiting 300 s if `wait`.
  static std::string Contacts(const std::string& key, const std::string& commands, bool wait) {
    return "<Sync xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\"><Collections><Collection><SyncKey>" + key +
           "</SyncKey><CollectionId>contacts</CollectionId>" + commands + "</Collection></Collections>" +
           (wait ? "<HeartbeatInterval>300</HeartbeatInterval>" : "") + "</Sync>";
  }
  Phone phone_;
  std::string key_;
};

TEST_F(SyncWait, AQuietSyncWaitsForAChangeAndThenAnswersWithIt) {
  Verifies({"MS-ASCMD 2.2.3.84 (HeartbeatInterval in Sync)"});
  http::HttpResponse parked = Start(phone_, "Sync", Xml(key_, "<HeartbeatInterval>300</HeartbeatInterval>"));
  ASSERT_TRUE(parked.later);
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(hub_->parked(), 1u);
  ASSERT_TRUE(backend_->AddMail(miguel_, "inbox", MailReceived("arrived", now_), false, now_).ok());
  Reply r = Await(parked, seconds(5));
  EXPECT_EQ(r.Text("Collections/Collection/Commands/Add/ApplicationData/email:Subject"), "arrived") << r.xml;
}

// The deadlock of issue 14: a phone with a parked Sync+HeartbeatInterval
// changes an item on a second connection. The change must not run the
// woken Sync inside the request that made it (it would take that device's
// turn twice): the newer request ends the parked one, and both answer.
TEST_F(SyncWait, AChangeFromTheSamePhoneOnASecondConnectionAnswersBoth) {
  Verifies({"MS-ASCMD 2.2.3.84 (HeartbeatInterval in Sync)", "MS-ASCMD 3.2.5.1 (Ping)"});
  Post(phone_, "Sync", Contacts("0", "", false));
  const std::string key = Post(phone_, "Sync", Contacts("1", "", false)).Text("Collections/Collection/SyncKey");
  http::HttpResponse parked = Start(phone_, "Sync", Contacts(key, "", true));
  ASSERT_TRUE(parked.later);
  std::this_thread::sleep_for(milliseconds(100));
  ASSERT_EQ(hub_->parked(), 1u);
  Reply changed;
  std::thread second([&] {
    changed = Post(phone_, "Sync", Contacts(key, "<Commands><Add><ClientId>c1</ClientId><ApplicationData>"
                                                 "<contacts:FileAs>Second, Connection</contacts:FileAs>"
                                                 "</ApplicationData></Add></Commands>", false));
  });
  Reply first = Await(parked, seconds(5));
  second.join();
  EXPECT_NE(first.status(), 0) << "the parked Sync never answered";
  EXPECT_EQ(first.status(), 200);
  EXPECT_EQ(changed.status(), 200);
  EXPECT_EQ(changed.Text("Collections/Collection/Responses/Add/Status"), "1") << changed.xml;
  EXPECT_EQ(hub_->parked(), 0u);
}

// Two devices of one account, each with a parked Sync; one of them adds an
// item. Its own parked Sync ends (it sent something new); the other's is
// woken by the change, runs again on its own strand and brings the item.
TEST_F(SyncWait, TwoDevicesEachParkedAndAChangeInFlight) {
  Verifies({"MS-ASCMD 2.2.3.84 (HeartbeatInterval in Sync)"});
  Phone tablet = phone_;
  tablet.device_id = "TabletOfMiguel1";
  ASSERT_FALSE(Provision(tablet).empty());
  std::string phone_key, tablet_key;
  for (auto [p, k] : {std::pair<Phone*, std::string*>{&phone_, &phone_key}, {&tablet, &tablet_key}}) {
    Post(*p, "Sync", Contacts("0", "", false));
    *k = Post(*p, "Sync", Contacts("1", "", false)).Text("Collections/Collection/SyncKey");
  }
  http::HttpResponse phone_parked = Start(phone_, "Sync", Contacts(phone_key, "", true));
  http::HttpResponse tablet_parked = Start(tablet, "Sync", Contacts(tablet_key, "", true));
  ASSERT_TRUE(phone_parked.later);
  ASSERT_TRUE(tablet_parked.later);
  std::this_thread::sleep_for(milliseconds(100));
  ASSERT_EQ(hub_->parked(), 2u);
  Reply added = Post(phone_, "Sync", Contacts(phone_key, "<Commands><Add><ClientId>t1</ClientId><ApplicationData>"
                                                          "<contacts:FileAs>In, Flight</contacts:FileAs>"
                                                          "</ApplicationData></Add></Commands>", false));
  EXPECT_EQ(added.Text("Collections/Collection/Responses/Add/Status"), "1") << added.xml;
  Reply phone_answer = Await(phone_parked, seconds(5));
  EXPECT_EQ(phone_answer.status(), 200);
  EXPECT_TRUE(phone_answer.http.body.empty()) << "ended by its own newer request: " << phone_answer.xml;
  Reply tablet_answer = Await(tablet_parked, seconds(5));
  EXPECT_EQ(tablet_answer.Text("Collections/Collection/Commands/Add/ApplicationData/contacts:FileAs"), "In, Flight")
      << tablet_answer.xml;
  EXPECT_EQ(hub_->parked(), 0u);
}

TEST_F(SyncWait, TheIntervalEndsWithAnEmptyBody) {
  Verifies({"MS-ASCMD 2.2.1.21 (empty Sync response)"});
  Reply r = Post(phone_, "Sync", Xml(key_, "<HeartbeatInterval>1</HeartbeatInterval>"));
  EXPECT_EQ(r.status(), 200);
  EXPECT_TRUE(r.http.body.empty());
}

TEST_F(SyncWait, OutOfRangeIsStatus14WithTheLimit) {
  Verifies({"MS-ASCMD 2.2.3.177.17 (Sync Status 14)", "MS-ASCMD 2.2.3.195 (Wait)"});
  Reply r = Post(phone_, "Sync", Xml(key_, "<Wait>90</Wait>"));
  EXPECT_EQ(r.Text("Status"), "14");
  EXPECT_EQ(r.Text("Limit"), "59");
  // A Sync that has something to say answers at once, Wait or not.
  ASSERT_TRUE(backend_->AddMail(miguel_, "inbox", MailReceived("new", now_), false, now_).ok());
  EXPECT_EQ(Post(phone_, "Sync", Xml(key_, "<Wait>5</Wait>")).Text("Collections/Collection/Status"), "1");
}

}  // namespace
}  // namespace eas::conformance
