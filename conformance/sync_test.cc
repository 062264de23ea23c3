// MS-ASCMD Sync: initial key, the server's items in windows, the device's
// Add/Change/Delete/Fetch, ghosting, invalid keys, lost responses.
#include <map>
#include <set>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

#include "conformance/harness.h"
#include "reference/backend/outage_watch.h"
#include "reference/devices/device_quirks.h"
#include "gmock/gmock.h"

namespace eas::conformance {
namespace {

class Sync : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    ASSERT_FALSE(Provision(phone_).empty());
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(backend_->AddItem(miguel_, "contacts", "Contacts", Contact("Person" + std::to_string(i))).ok());
    }
  }
  static std::string Contact(const std::string& name) {
    return "<ApplicationData xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\" "
           "xmlns:airsyncbase=\"AirSyncBase:\"><contacts:FileAs>" + name +
           "</contacts:FileAs><contacts:FirstName>" + name + "</contacts:FirstName>"
           "<contacts:JobTitle>Engineer</contacts:JobTitle>"
           "<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type><airsyncbase:Data>"
           "A rather long note about " + name + " that a small TruncationSize cuts."
           "</airsyncbase:Data></airsyncbase:Body></ApplicationData>";
  }
  Reply SyncRequest(const std::string& key, const std::string& extra = "",
                    const std::string& collection = "contacts") {
    return Post(phone_, "Sync",
                "<Sync xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\" xmlns:airsyncbase=\"AirSyncBase:\">"
                "<Collections><Collection><SyncKey>" + key + "</SyncKey><CollectionId>" + collection +
                "</CollectionId>" + extra + "</Collection></Collections></Sync>");
  }
  static std::vector<pugi::xml_node> Commands(const Reply& r, const char* kind) {
    std::vector<pugi::xml_node> out;
    for (pugi::xml_node n : r.doc.first_child().child("Collections").child("Collection").child("Commands").children(kind)) {
      out.push_back(n);
    }
    return out;
  }
  std::string Key(const Reply& r) { return r.Text("Collections/Collection/SyncKey"); }
  // A Change that carries only FileAs, as a client sends it when the user
  // edited the name and emptied the rest; the item as stored afterwards.
  std::string ChangeFileAsOnly(const std::string& key, const std::string& id, const std::string& file_as) {
    SyncRequest(key, "<Commands><Change><ServerId>" + id + "</ServerId><ApplicationData><contacts:FileAs>" +
                         file_as + "</contacts:FileAs></ApplicationData></Change></Commands>");
    auto stored = backend_->GetItem(miguel_, id);
    EXPECT_TRUE(stored.ok()) << id;
    return stored.ok() ? stored->data : "";
  }
  std::string Status(const Reply& r) { return r.Text("Collections/Collection/Status"); }
  Phone phone_;
};

TEST_F(Sync, InitialKeyThenAllItemsInWindows) {
  Verifies({"MS-ASCMD 2.2.1.21", "MS-ASCMD 2.2.3.110 (MoreAvailable)", "MS-ASCMD 2.2.3.199 (WindowSize)"});
  Reply first = SyncRequest("0");
  EXPECT_EQ(Status(first), "1") << first.xml;
  EXPECT_EQ(Key(first), "1");
  EXPECT_TRUE(Commands(first, "Add").empty());
  Reply page1 = SyncRequest("1", "<WindowSize>3</WindowSize>");
  EXPECT_EQ(Key(page1), "2");
  EXPECT_EQ(Commands(page1, "Add").size(), 3u);
  EXPECT_TRUE(page1.Has("Collections/Collection/MoreAvailable")) << page1.xml;
  Reply page2 = SyncRequest("2", "<WindowSize>3</WindowSize>");
  EXPECT_EQ(Commands(page2, "Add").size(), 2u);
  EXPECT_FALSE(page2.Has("Collections/Collection/MoreAvailable"));
  Reply quiet = SyncRequest(Key(page2));
  EXPECT_EQ(Status(quiet), "1");
  EXPECT_EQ(Key(quiet), Key(page2));  // nothing new: the key stays
  EXPECT_FALSE(quiet.Has("Collections/Collection/Commands"));
}

TEST_F(Sync, ServerChangesAndDeletesReachTheDevice) {
  Verifies({"MS-ASCMD 2.2.3.24 (Change)", "MS-ASCMD 2.2.3.42 (Delete)"});
  SyncRequest("0");
  Reply all = SyncRequest("1");
  ASSERT_EQ(Commands(all, "Add").size(), 5u);
  const std::string first_id = Commands(all, "Add")[0].child("ServerId").text().get();
  const std::string second_id = Commands(all, "Add")[1].child("ServerId").text().get();
  ASSERT_TRUE(backend_->UpdateItem(miguel_, first_id, Contact("Renamed")).ok());
  ASSERT_TRUE(backend_->DeleteItem(miguel_, second_id).ok());
  Reply changes = SyncRequest(Key(all));
  ASSERT_EQ(Commands(changes, "Change").size(), 1u) << changes.xml;
  EXPECT_EQ(std::string(Commands(changes, "Change")[0].child("ServerId").text().get()), first_id);
  EXPECT_STREQ(Commands(changes, "Change")[0].child("ApplicationData").child("contacts:FileAs").text().get(),
               "Renamed");
  ASSERT_EQ(Commands(changes, "Delete").size(), 1u);
  EXPECT_EQ(std::string(Commands(changes, "Delete")[0].child("ServerId").text().get()), second_id);
}

TEST_F(Sync, ClientAddGetsAServerIdAndIsNotEchoed) {
  Verifies({"MS-ASCMD 2.2.3.7.2 (Add)", "MS-ASCMD 2.2.3.28 (ClientId)"});
  SyncRequest("0");
  Reply all = SyncRequest("1");
  Reply add = SyncRequest(Key(all),
                          "<Commands><Add><ClientId>c-1</ClientId><ApplicationData>"
                          "<contacts:FileAs>New, Person</contacts:FileAs></ApplicationData></Add></Commands>");
  EXPECT_EQ(add.Text("Collections/Collection/Responses/Add/ClientId"), "c-1") << add.xml;
  EXPECT_EQ(add.Text("Collections/Collection/Responses/Add/Status"), "1");
  const std::string id = add.Text("Collections/Collection/Responses/Add/ServerId");
  EXPECT_FALSE(id.empty());
  auto stored = backend_->GetItem(miguel_, id);
  ASSERT_TRUE(stored.ok());
  EXPECT_THAT(stored->data, ::testing::HasSubstr("New, Person"));
  Reply next = SyncRequest(Key(add));
  EXPECT_TRUE(Commands(next, "Add").empty()) << next.xml;  // not sent back
}

TEST_F(Sync, LostResponseResentAddCreatesNoDuplicate) {
  Verifies({"MS-ASCMD 2.2.3.181.4 (SyncKey)"});
  SyncRequest("0");
  Reply all = SyncRequest("1");
  const std::string body = "<Commands><Add><ClientId>c-9</ClientId><ApplicationData>"
                           "<contacts:FileAs>Once</contacts:FileAs></ApplicationData></Add></Commands>";
  Reply first = SyncRequest(Key(all), body);   // this answer is lost
  Reply again = SyncRequest(Key(all), body);   // the phone sends it again
  EXPECT_EQ(again.Text("Collections/Collection/Responses/Add/ServerId"),
            first.Text("Collections/Collection/Responses/Add/ServerId"));
  EXPECT_EQ(Key(again), Key(first));
  auto changes = backend_->ChangesSince(miguel_, "contacts", 0);
  int named_once = 0;
  for (const auto& c : *changes) named_once += absl::StrContains(c.data, ">Once<");
  EXPECT_EQ(named_once, 1);
}

TEST_F(Sync, WithoutSupportedAChangeClearsTheGhostableElementsItLeavesOut) {
  // MS-ASCMD 2.2.3.179 rule 1: no Supported in the initial Sync, nothing is
  // ghosted; a left-out element that can be ghosted (MS-ASCNTC) is deleted.
  // Body cannot be ghosted for a contact and is kept.
  Verifies({"MS-ASCMD 2.2.3.179 (Supported)", "MS-ASCNTC 2.2.2.30 (JobTitle)"});
  SyncRequest("0");
  Reply all = SyncRequest("1");
  const std::string id = Commands(all, "Add")[0].child("ServerId").text().get();
  Reply change = SyncRequest(Key(all), "<Commands><Change><ServerId>" + id +
                                           "</ServerId><ApplicationData><contacts:FileAs>Edited"
                                           "</contacts:FileAs></ApplicationData></Change></Commands>");
  EXPECT_EQ(Status(change), "1") << change.xml;
  EXPECT_FALSE(change.Has("Collections/Collection/Responses"));  // only errors are answered
  auto stored = backend_->GetItem(miguel_, id);
  ASSERT_TRUE(stored.ok());
  EXPECT_THAT(stored->data, ::testing::HasSubstr("Edited"));
  EXPECT_THAT(stored->data, ::testing::Not(::testing::HasSubstr("JobTitle")));
  EXPECT_THAT(stored->data, ::testing::Not(::testing::HasSubstr("FirstName")));
  EXPECT_THAT(stored->data, ::testing::HasSubstr("A rather long note"));
  EXPECT_TRUE(Commands(SyncRequest(Key(change)), "Change").empty());  // not echoed
}

TEST_F(Sync, SupportedNamesWhatAChangeClearsAndGhostsTheRest) {
  // Rule 2: the named elements are not ghosted (left out: cleared), all
  // others are ghosted (left out: kept). Rule 3: an empty Supported ghosts
  // everything.
  Verifies({"MS-ASCMD 2.2.3.179 (Supported)"});
  SyncRequest("0", "<Supported><contacts:FileAs/><contacts:JobTitle/></Supported>");
  Reply all = SyncRequest("1");
  const std::string id = Commands(all, "Add")[0].child("ServerId").text().get();
  const std::string stored = ChangeFileAsOnly(Key(all), id, "Edited");
  EXPECT_THAT(stored, ::testing::Not(::testing::HasSubstr("JobTitle")));
  EXPECT_THAT(stored, ::testing::HasSubstr("<contacts:FirstName>"));

  SyncRequest("0", "<Supported/>", "contacts");  // a new initial Sync: everything ghosted
  Reply again = SyncRequest("1");
  const std::string kept =
      ChangeFileAsOnly(Key(again), Commands(again, "Add")[1].child("ServerId").text().get(), "Edited too");
  EXPECT_THAT(kept, ::testing::HasSubstr("<contacts:JobTitle>Engineer"));
  EXPECT_THAT(kept, ::testing::HasSubstr("<contacts:FirstName>"));
}

TEST_F(Sync, Ios4WithoutSupportedKeepsWhatItLeavesOut) {
  // ../shared/device-notes.md quirk 7: iOS 4 omits Supported yet leaves out
  // fields it never shows (quirk ghost-without-supported).
  Verifies({"MS-ASCMD 2.2.3.179 (Supported)"});
  phone_.user_agent = "Apple-iPhone3C1/803.148";
  SyncRequest("0");
  Reply all = SyncRequest("1");
  EXPECT_THAT(ChangeFileAsOnly(Key(all), Commands(all, "Add")[0].child("ServerId").text().get(), "Edited"),
              ::testing::HasSubstr("<contacts:JobTitle>Engineer"));
}

TEST_F(Sync, WithoutSupportedACalendarChangeClearsGhostableElementsOnly) {
  // MS-ASCAL: Attendees can be ghosted (cleared when left out without
  // Supported); Location cannot (kept).
  Verifies({"MS-ASCMD 2.2.3.179 (Supported)", "MS-ASCAL 2.2.2.4 (Attendees)", "MS-ASCAL 2.2.2.27 (Location)"});
  auto id = backend_->AddItem(miguel_, "calendar", "Calendar",
                              "<ApplicationData xmlns=\"AirSync:\" xmlns:calendar=\"Calendar:\">"
                              "<calendar:Subject>Review</calendar:Subject><calendar:Location>Room 1</calendar:Location>"
                              "<calendar:StartTime>20261210T100000Z</calendar:StartTime>"
                              "<calendar:EndTime>20261210T110000Z</calendar:EndTime><calendar:Attendees>"
                              "<calendar:Attendee><calendar:Email>ana@ox.io</calendar:Email><calendar:Name>Ana"
                              "</calendar:Name></calendar:Attendee></calendar:Attendees></ApplicationData>");
  ASSERT_TRUE(id.ok());
  SyncRequest("0", "", "calendar");
  Reply all = SyncRequest("1", "", "calendar");
  Reply change = Post(phone_, "Sync",
                      "<Sync xmlns=\"AirSync:\" xmlns:calendar=\"Calendar:\"><Collections><Collection><SyncKey>" +
                          Key(all) + "</SyncKey><CollectionId>calendar</CollectionId><Commands><Change><ServerId>" +
                          *id + "</ServerId><ApplicationData><calendar:Subject>Review, moved</calendar:Subject>"
                          "<calendar:StartTime>20261210T120000Z</calendar:StartTime>"
                          "<calendar:EndTime>20261210T130000Z</calendar:EndTime></ApplicationData></Change>"
                          "</Commands></Collection></Collections></Sync>");
  EXPECT_EQ(Status(change), "1") << change.xml;
  auto stored = backend_->GetItem(miguel_, *id);
  ASSERT_TRUE(stored.ok());
  EXPECT_THAT(stored->data, ::testing::HasSubstr("Review, moved"));
  EXPECT_THAT(stored->data, ::testing::HasSubstr("Room 1"));
  EXPECT_THAT(stored->data, ::testing::Not(::testing::HasSubstr("Attendee")));
}

TEST_F(Sync, ClientDeleteAndUnknownItems) {
  Verifies({"MS-ASCMD 2.2.3.177.17 (Sync Status 8)"});
  SyncRequest("0");
  Reply all = SyncRequest("1");
  const std::string id = Commands(all, "Add")[0].child("ServerId").text().get();
  Reply del = SyncRequest(Key(all), "<Commands><Delete><ServerId>" + id + "</ServerId></Delete>"
                                    "<Change><ServerId>contacts:999</ServerId><ApplicationData>"
                                    "<contacts:FileAs>x</contacts:FileAs></ApplicationData></Change></Commands>");
  EXPECT_EQ(del.Text("Collections/Collection/Responses/Change/Status"), "8") << del.xml;
  EXPECT_FALSE(backend_->GetItem(miguel_, id).ok());
  EXPECT_TRUE(Commands(SyncRequest(Key(del)), "Delete").empty());  // the device knows
}

TEST_F(Sync, FetchAndBodyTruncation) {
  Verifies({"MS-ASCMD 2.2.3.67 (Fetch)", "MS-ASAIRS 2.2.2.40 (TruncationSize)"});
  SyncRequest("0");
  Reply all = SyncRequest("1", "<Options><airsyncbase:BodyPreference><airsyncbase:Type>1</airsyncbase:Type>"
                               "<airsyncbase:TruncationSize>10</airsyncbase:TruncationSize>"
                               "</airsyncbase:BodyPreference></Options>");
  pugi::xml_node body = Commands(all, "Add")[0].child("ApplicationData").child("airsyncbase:Body");
  EXPECT_EQ(std::string(body.child("airsyncbase:Data").text().get()).size(), 10u) << all.xml;
  EXPECT_STREQ(body.child("airsyncbase:Truncated").text().get(), "1");
  const std::string id = Commands(all, "Add")[0].child("ServerId").text().get();
  Reply fetch = SyncRequest(Key(all), "<Commands><Fetch><ServerId>" + id + "</ServerId></Fetch></Commands>");
  EXPECT_EQ(fetch.Text("Collections/Collection/Responses/Fetch/Status"), "1") << fetch.xml;
  EXPECT_TRUE(fetch.Has("Collections/Collection/Responses/Fetch/ApplicationData/contacts:FileAs"));
}

TEST_F(Sync, OlderVersionsGetOnlyTheirElements) {
  Verifies({"MS-ASWBXML 2.1.2.1 (protocol versions per tag)"});
  ASSERT_TRUE(backend_->AddItem(miguel_, "contacts", "Contacts",
                              "<ApplicationData xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\">"
                              "<contacts:FileAs>Alias</contacts:FileAs><contacts:Alias>al</contacts:Alias>"
                              "</ApplicationData>").ok());
  Phone old = phone_;
  old.version = "12.1";
  old.device_id = "OldClient1";
  ASSERT_FALSE(Provision(old).empty());
  auto sync = [&](const std::string& key) {
    return Post(old, "Sync",
                "<Sync xmlns=\"AirSync:\"><Collections><Collection><Class>Contacts</Class><SyncKey>" + key +
                "</SyncKey><CollectionId>contacts</CollectionId>" + (key == "0" ? "" : "<GetChanges/>") +
                "</Collection></Collections></Sync>");
  };
  sync("0");
  Reply r = sync("1");
  bool alias_seen = false;
  for (auto add : Commands(r, "Add")) alias_seen |= static_cast<bool>(add.child("ApplicationData").child("contacts:Alias"));
  EXPECT_FALSE(alias_seen) << r.xml;  // Alias is 14.0+
  EXPECT_EQ(Commands(r, "Add").size(), 6u);
}

TEST_F(Sync, GetChangesAbsentIsTrueWithAKeyInEveryVersionAndStatus4WithKey0) {
  // MS-ASCMD 2.2.3.84: absent with a non-zero SyncKey is TRUE (a 12.0 or
  // 2.5 client gets what GetItemEstimate counts); empty or 1 with SyncKey 0
  // is Status 4; absent or 0 with SyncKey 0 is no error.
  Verifies({"MS-ASCMD_R5555", "MS-ASCMD_R5556", "MS-ASCMD_R3128", "MS-ASCMD 2.2.3.84 (GetChanges)"});
  for (const char* version : {"2.5", "12.0", "12.1", "14.1"}) {
    const std::string id = absl::StrCat("GetChanges", absl::StrReplaceAll(version, {{".", ""}}));
    Phone p = std::string(version) < "12.1" ? WindowsMobilePhone(id, version) : phone_;
    p.version = version;
    p.device_id = id;
    ASSERT_FALSE(Provision(p).empty()) << version;
    const std::string cls = std::string(version) < "12.1" ? "<Class>Contacts</Class>" : "";
    auto sync = [&](const std::string& key, const std::string& extra) {
      return Post(p, "Sync", "<Sync xmlns=\"AirSync:\"><Collections><Collection>" + cls + "<SyncKey>" + key +
                                 "</SyncKey><CollectionId>contacts</CollectionId>" + extra +
                                 "</Collection></Collections></Sync>");
    };
    EXPECT_EQ(Status(sync("0", "<GetChanges/>")), "4") << version;
    EXPECT_EQ(Status(sync("0", "<GetChanges>1</GetChanges>")), "4") << version;
    EXPECT_EQ(Status(sync("0", "<GetChanges>0</GetChanges>")), "1") << version;
    Reply primed = sync("0", "");
    ASSERT_EQ(Status(primed), "1") << version << primed.xml;
    Reply estimate = Post(p, "GetItemEstimate",
                          "<GetItemEstimate xmlns=\"GetItemEstimate:\" xmlns:airsync=\"AirSync:\"><Collections>"
                          "<Collection>" + std::string(std::string(version) < "12.1" ? "<airsync:Class>Contacts</airsync:Class>" : "") +
                          "<airsync:SyncKey>" + Key(primed) + "</airsync:SyncKey><CollectionId>contacts</CollectionId>"
                          "</Collection></Collections></GetItemEstimate>");
    Reply all = sync(Key(primed), "");
    EXPECT_EQ(Commands(all, "Add").size(), 5u) << version << all.xml;
    if (std::string(version) != "2.5") {  // 2.5 names the collection otherwise (MS-ASCMD 2.2.3.166.2)
      EXPECT_EQ(estimate.Text("Response/Collection/Estimate"), "5") << version << estimate.xml;
    }
    Reply none = sync(Key(all), "<GetChanges>0</GetChanges>");
    EXPECT_TRUE(Commands(none, "Add").empty()) << version;
  }
}

TEST_F(Sync, AnItemWithAFieldNoClientCouldReadIsStatus6AndTheRestGoesOn) {
  // Typed fields checked on input (MS-ASCAL 2.2.2.42 Timezone: base64 of 172
  // bytes; BusyStatus 0-4; MS-ASDTYPE date-times); Status 6 for that item.
  Verifies({"MS-ASCMD 2.2.3.177.17 (Sync Status 6)", "MS-ASCAL 2.2.2.42 (Timezone)", "MS-ASCAL 2.2.2.8 (BusyStatus)"});
  std::string good_zone;
  absl::Base64Escape(std::string(172, '\0'), &good_zone);
  auto calendar = [&](const std::string& key, const std::string& commands) {
    return Post(phone_, "Sync", "<Sync xmlns=\"AirSync:\" xmlns:calendar=\"Calendar:\"><Collections><Collection>"
                                "<SyncKey>" + key + "</SyncKey><CollectionId>calendar</CollectionId>" + commands +
                                "</Collection></Collections></Sync>");
  };
  auto event = [&](const std::string& id, const std::string& subject, const std::string& extra) {
    return "<Add><ClientId>" + id + "</ClientId><ApplicationData><calendar:Subject>" + subject +
           "</calendar:Subject><calendar:StartTime>20261210T100000Z</calendar:StartTime>"
           "<calendar:EndTime>20261210T110000Z</calendar:EndTime>" + extra + "</ApplicationData></Add>";
  };
  calendar("0", "");
  Reply all = calendar("1", "");
  std::string bad_zone = good_zone.substr(0, 228);  // 171 bytes
  Reply r = calendar(Key(all), "<Commands>" +
                                   event("z1", "Bad zone", "<calendar:Timezone>" + bad_zone + "</calendar:Timezone>") +
                                   event("z2", "Good zone", "<calendar:Timezone>" + good_zone + "</calendar:Timezone>") +
                                   event("z3", "Dashed stamp",
                                         "<calendar:DtStamp>2026-12-01T10:00:00.000Z</calendar:DtStamp>") +
                                   event("z4", "Empty recurrence", "<calendar:Recurrence/>") +
                                   event("z5", "Recurrence without type",
                                         "<calendar:Recurrence><calendar:Interval>1</calendar:Interval>"
                                         "</calendar:Recurrence>") +
                                   event("z6", "Busy 9", "<calendar:BusyStatus>9</calendar:BusyStatus>") +
                                   "</Commands>");
  std::map<std::string, std::string> status, server_id;
  for (pugi::xml_node add : r.doc.first_child().child("Collections").child("Collection").child("Responses").children("Add")) {
    status[add.child("ClientId").text().get()] = add.child("Status").text().get();
    server_id[add.child("ClientId").text().get()] = add.child("ServerId").text().get();
  }
  EXPECT_EQ(status["z1"], "6") << r.xml;
  EXPECT_EQ(status["z2"], "1");
  EXPECT_EQ(status["z3"], "1");
  EXPECT_EQ(status["z4"], "1");
  EXPECT_EQ(status["z5"], "6");
  EXPECT_EQ(status["z6"], "6");
  EXPECT_TRUE(server_id["z1"].empty());
  auto empty_recurrence = backend_->GetItem(miguel_, server_id["z4"]);
  ASSERT_TRUE(empty_recurrence.ok());
  EXPECT_THAT(empty_recurrence->data, ::testing::Not(::testing::HasSubstr("Recurrence")));  // never passed on
  // A Change with a malformed date: Status 6, the item as it was.
  Reply change = calendar(Key(r), "<Commands><Change><ServerId>" + server_id["z2"] +
                                      "</ServerId><ApplicationData><calendar:Subject>Moved</calendar:Subject>"
                                      "<calendar:StartTime>2026-13-45T99:00:00.000Z</calendar:StartTime>"
                                      "</ApplicationData></Change></Commands>");
  EXPECT_EQ(change.Text("Collections/Collection/Responses/Change/Status"), "6") << change.xml;
  auto kept = backend_->GetItem(miguel_, server_id["z2"]);
  ASSERT_TRUE(kept.ok());
  EXPECT_THAT(kept->data, ::testing::HasSubstr("Good zone"));
}

TEST_F(Sync, InvalidKeyIsStatus3UnknownFolderIs12EmptyIs13) {
  Verifies({"MS-ASCMD 2.2.3.177.17 (Sync Status 3, 12, 13)"});
  Phone fresh = phone_;
  fresh.device_id = "NeverSynced1";
  ASSERT_FALSE(Provision(fresh).empty());
  EXPECT_EQ(Post(fresh, "Sync", "").Text("Status"), "13");  // nothing cached to repeat
  EXPECT_EQ(Status(SyncRequest("99")), "3");
  // The specification's answer; iPhones get 3 instead (quirks_test.cc).
  ASSERT_TRUE(state_->SetQuirkOverride(devices::kUnknownCollectionAsInvalidKey, false).ok());
  EXPECT_EQ(Status(SyncRequest("0", "", "no-such-folder")), "12");
}

// The Nokia manual's "resync total": after its state is gone (here the admin
// drops it, as after a server error), the device's old keys get Status 9 and
// 3, and a full resync brings the same folders and items under the same
// ServerIds: nothing twice, nothing lost.
TEST_F(Sync, AfterLostStateAFullResyncBringsTheSameServerIdsOnce) {
  Verifies({"MS-ASCMD 3.1.5.3 (resynchronizing; ServerIds unchanged)", "MS-ASCMD 2.2.3.177.17 (Sync Status 3)",
            "MS-ASCMD 2.2.3.177.5 (FolderSync Status 9)"});
  auto ids_of = [](const std::vector<pugi::xml_node>& adds) {
    std::multiset<std::string> ids;
    for (pugi::xml_node a : adds) ids.insert(a.child("ServerId").text().get());
    return ids;
  };
  auto folders_of = [](const Reply& r) {
    std::set<std::string> ids;
    for (pugi::xml_node a : r.doc.first_child().child("Changes").children("Add")) ids.insert(a.child("ServerId").text().get());
    return ids;
  };
  const std::string kFolderSync0 = "<FolderSync xmlns=\"FolderHierarchy:\"><SyncKey>0</SyncKey></FolderSync>";
  Reply hierarchy = Post(phone_, "FolderSync", kFolderSync0);
  const std::string hierarchy_key = hierarchy.Text("SyncKey");
  SyncRequest("0");
  Reply all = SyncRequest("1");
  const auto before = ids_of(Commands(all, "Add"));
  ASSERT_EQ(before.size(), 5u);

  ASSERT_TRUE(state_->ForgetSyncState("ox.io/miguel", phone_.device_id).ok());
  EXPECT_EQ(Post(phone_, "Sync", "").Text("Status"), "13");  // the cached request went too
  EXPECT_EQ(Status(SyncRequest(Key(all))), "3");
  EXPECT_EQ(Post(phone_, "FolderSync", "<FolderSync xmlns=\"FolderHierarchy:\"><SyncKey>" + hierarchy_key +
                                       "</SyncKey></FolderSync>").Text("Status"), "9");

  Reply again = Post(phone_, "FolderSync", kFolderSync0);
  EXPECT_EQ(again.Text("Status"), "1");
  EXPECT_EQ(folders_of(again), folders_of(hierarchy));
  EXPECT_EQ(Key(SyncRequest("0")), "1");
  Reply resynced = SyncRequest("1", "<WindowSize>100</WindowSize>");
  EXPECT_EQ(ids_of(Commands(resynced, "Add")), before) << resynced.xml;
  EXPECT_FALSE(resynced.Has("Collections/Collection/MoreAvailable"));
  auto stored = backend_->ChangesSince(miguel_, "contacts", 0);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), 5u);
  EXPECT_TRUE(absl::IsNotFound(state_->ForgetSyncState("ox.io/miguel", "NoSuchDevice")));
}

TEST_F(Sync, EmptySyncRepeatsTheLastRequestAtTheCurrentKey) {
  Verifies({"MS-ASCMD 3.1.5.3 (empty Sync, cached request)"});
  SyncRequest("0");
  Reply all = SyncRequest("1", "<WindowSize>100</WindowSize>");
  ASSERT_EQ(Commands(all, "Add").size(), 5u);
  ASSERT_TRUE(backend_->AddItem(miguel_, "contacts", "Contacts", Contact("Later")).ok());
  Reply empty = Post(phone_, "Sync", "");
  EXPECT_EQ(Commands(empty, "Add").size(), 1u) << empty.xml;
  EXPECT_EQ(Key(empty), std::to_string(std::stoi(Key(all)) + 1));
  Reply again = Post(phone_, "Sync", "<Sync xmlns=\"AirSync:\"/>");  // no collections: the same
  EXPECT_EQ(Status(again), "1");
  EXPECT_TRUE(Commands(again, "Add").empty());
}

TEST_F(Sync, PartialSyncAddsToTheCachedCollections) {
  Verifies({"MS-ASCMD 2.2.3.125 (Partial)"});
  SyncRequest("0");
  SyncRequest("1");
  ASSERT_TRUE(backend_->AddItem(miguel_, "tasks", "Tasks",
                              "<ApplicationData xmlns=\"AirSync:\" xmlns:tasks=\"Tasks:\">"
                              "<tasks:Subject>t</tasks:Subject></ApplicationData>").ok());
  Reply partial = Post(phone_, "Sync",
                       "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>0</SyncKey>"
                       "<CollectionId>tasks</CollectionId></Collection></Collections><Partial/></Sync>");
  std::set<std::string> ids;
  for (pugi::xml_node c : partial.doc.first_child().child("Collections").children("Collection")) {
    ids.insert(c.child("CollectionId").text().get());
  }
  EXPECT_EQ(ids, (std::set<std::string>{"contacts", "tasks"})) << partial.xml;
}

TEST_F(Sync, GatedByProvisioning) {
  Verifies({"MS-ASPROV 3.2.5.1"});
  Phone stranger;
  stranger.device_id = "NotProvisioned1";
  stranger.policy_key = "0";
  Reply r = Post(stranger, "Sync", "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>0</SyncKey>"
                                   "<CollectionId>contacts</CollectionId></Collection></Collections></Sync>");
  EXPECT_EQ(r.Text("Status"), "142");
}

}  // namespace
}  // namespace eas::conformance

namespace eas::conformance {
namespace {

class GetItemEstimate : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    ASSERT_FALSE(Provision(phone_).empty());
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(backend_->AddItem(miguel_, "tasks", "Tasks",
                                  "<ApplicationData xmlns=\"AirSync:\" xmlns:tasks=\"Tasks:\">"
                                  "<tasks:Subject>t" + std::to_string(i) + "</tasks:Subject></ApplicationData>").ok());
    }
  }
  Reply Estimate(const std::string& key, const std::string& collection = "tasks") {
    return Post(phone_, "GetItemEstimate",
                "<GetItemEstimate xmlns=\"GetItemEstimate:\" xmlns:airsync=\"AirSync:\"><Collections>"
                "<Collection><airsync:SyncKey>" + key + "</airsync:SyncKey><CollectionId>" + collection +
                "</CollectionId></Collection></Collections></GetItemEstimate>");
  }
  Reply SyncTasks(const std::string& key, int window) {
    return Post(phone_, "Sync",
                "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>" + key +
                "</SyncKey><CollectionId>tasks</CollectionId><WindowSize>" + std::to_string(window) +
                "</WindowSize></Collection></Collections></Sync>");
  }
  Phone phone_;
};

TEST_F(GetItemEstimate, CountsWhatTheNextSyncsBring) {
  Verifies({"MS-ASCMD 2.2.1.9", "MS-ASCMD 2.2.3.66 (Estimate)"});
  EXPECT_EQ(Estimate("0").Text("Response/Status"), "3");  // not primed
  SyncTasks("0", 100);
  Reply before = Estimate("1");
  EXPECT_EQ(before.Text("Response/Status"), "1") << before.xml;
  EXPECT_EQ(before.Text("Response/Collection/Estimate"), "4");
  Reply partial = SyncTasks("1", 3);
  Reply after = Estimate(partial.Text("Collections/Collection/SyncKey"));
  EXPECT_EQ(after.Text("Response/Collection/Estimate"), "1");
}

TEST_F(GetItemEstimate, UnknownCollectionAndKey) {
  Verifies({"MS-ASCMD 2.2.3.177.7 (GetItemEstimate Status 2, 4)"});
  EXPECT_EQ(Estimate("1", "nope").Text("Response/Status"), "2");
  SyncTasks("0", 100);
  EXPECT_EQ(Estimate("42").Text("Response/Status"), "4");
}

}  // namespace
}  // namespace eas::conformance

namespace eas::conformance {
namespace {

class Sync25 : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    wm_ = WindowsMobilePhone("WM60Sync25", "2.5");
    ASSERT_FALSE(Provision(wm_).empty());
  }
  Reply Sync(const std::string& key, const std::string& extra) {
    return Post(wm_, "Sync",
                "<Sync xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\"><Collections><Collection>"
                "<Class>Contacts</Class><SyncKey>" + key + "</SyncKey><CollectionId>contacts</CollectionId>" +
                extra + "</Collection></Collections></Sync>");
  }
  Phone wm_;
};

TEST_F(Sync25, BodiesTravelInThe25FormBothWays) {
  Verifies({"MS-ASCMD 2.2.3.185 (Truncation, 2.5)", "MS-ASWBXML 2.1.2.1.2 (Contacts Body, 2.5)"});
  ASSERT_TRUE(backend_->AddItem(miguel_, "contacts", "Contacts",
                              "<ApplicationData xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\" "
                              "xmlns:airsyncbase=\"AirSyncBase:\"><contacts:FileAs>Body, Long</contacts:FileAs>"
                              "<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type><airsyncbase:Data>" +
                              std::string(5000, 'b') + "</airsyncbase:Data></airsyncbase:Body></ApplicationData>").ok());
  Sync("0", "");
  // Truncation 1: body text over 512 characters is cut (MS-ASCMD 2.2.3.185;
  // not MIMETruncation's table, where 1 is 4,096).
  Reply r = Sync("1", "<GetChanges/><Options><Truncation>1</Truncation></Options>");
  EXPECT_EQ(r.Text("Collections/Collection/Class"), "Contacts") << r.xml;
  pugi::xml_node data = r.doc.first_child().child("Collections").child("Collection").child("Commands")
                            .child("Add").child("ApplicationData");
  EXPECT_FALSE(data.child("airsyncbase:Body")) << r.xml;
  EXPECT_EQ(std::string(data.child("contacts:Body").text().get()).size(), 512u);
  EXPECT_STREQ(data.child("contacts:BodySize").text().get(), "5000");
  EXPECT_STREQ(data.child("contacts:BodyTruncated").text().get(), "1");
  // The device adds a contact with a 2.5 body; a 14.1 device reads it as AirSyncBase.
  Reply add = Sync(r.Text("Collections/Collection/SyncKey"),
                   "<Commands><Add><ClientId>9</ClientId><ApplicationData><contacts:FileAs>New</contacts:FileAs>"
                   "<contacts:Body>hello</contacts:Body></ApplicationData></Add></Commands>");
  const std::string id = add.Text("Collections/Collection/Responses/Add/ServerId");
  auto stored = backend_->GetItem(miguel_, id);
  ASSERT_TRUE(stored.ok()) << add.xml;
  EXPECT_NE(stored->data.find("<airsyncbase:Data>hello</airsyncbase:Data>"), std::string::npos) << stored->data;
  EXPECT_EQ(stored->data.find("contacts:Body"), std::string::npos);
}

TEST_F(Sync25, TruncationCountsCharactersNotBytes) {
  Verifies({"MS-ASCMD 2.2.3.185 (Truncation, 2.5)"});
  std::string umlauts;
  for (int i = 0; i < 600; ++i) umlauts += "\u00fc";  // two bytes each in UTF-8
  ASSERT_TRUE(backend_->AddItem(miguel_, "contacts", "Contacts",
                              "<ApplicationData xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\" "
                              "xmlns:airsyncbase=\"AirSyncBase:\"><contacts:FileAs>Umlauts</contacts:FileAs>"
                              "<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type><airsyncbase:Data>" + umlauts +
                              "</airsyncbase:Data></airsyncbase:Body></ApplicationData>").ok());
  Sync("0", "");
  Reply r = Sync("1", "<GetChanges/><Options><Truncation>1</Truncation></Options>");
  pugi::xml_node data = r.doc.first_child().child("Collections").child("Collection").child("Commands")
                            .child("Add").child("ApplicationData");
  // 512 characters (1,024 bytes), never half a character.
  EXPECT_EQ(std::string(data.child("contacts:Body").text().get()), umlauts.substr(0, 1024)) << r.xml;
  EXPECT_STREQ(data.child("contacts:BodySize").text().get(), "1200");
  EXPECT_STREQ(data.child("contacts:BodyTruncated").text().get(), "1");
}

}  // namespace
}  // namespace eas::conformance

namespace eas::conformance {
namespace {

class DeletesAsMoves : public ConformanceTest {};

TEST_F(DeletesAsMoves, DeletedMailLandsInDeletedItemsUnlessTheDeviceSaysNo) {
  Verifies({"MS-ASCMD 2.2.3.43 (DeletesAsMoves)"});
  Phone phone;
  ASSERT_FALSE(Provision(phone).empty());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(backend_->AddMail(miguel_, "inbox", MailReceived("m" + std::to_string(i), 1794900000), false,
                                  1794900000).ok());
  }
  auto sync = [&](const std::string& key, const std::string& extra) {
    return Post(phone, "Sync", "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>" + key +
                                   "</SyncKey><CollectionId>inbox</CollectionId>" + extra +
                                   "</Collection></Collections></Sync>");
  };
  sync("0", "");
  Reply all = sync("1", "");
  std::vector<std::string> ids;
  for (pugi::xml_node a : all.doc.first_child().child("Collections").child("Collection").child("Commands").children("Add")) {
    ids.push_back(a.child("ServerId").text().get());
  }
  ASSERT_EQ(ids.size(), 2u);
  Reply moved = sync(all.Text("Collections/Collection/SyncKey"),
                     "<DeletesAsMoves/><Commands><Delete><ServerId>" + ids[0] + "</ServerId></Delete></Commands>");
  Reply gone = sync(moved.Text("Collections/Collection/SyncKey"),
                    "<DeletesAsMoves>0</DeletesAsMoves><Commands><Delete><ServerId>" + ids[1] +
                    "</ServerId></Delete></Commands>");
  EXPECT_EQ(gone.Text("Collections/Collection/Status"), "1");
  auto trash = backend_->ChangesSince(miguel_, "trash", 0);
  ASSERT_TRUE(trash.ok());
  ASSERT_EQ(trash->size(), 1u);
  EXPECT_NE((*trash)[0].data.find(">m0<"), std::string::npos);
  EXPECT_FALSE(backend_->GetItem(miguel_, ids[0]).ok());
  EXPECT_FALSE(backend_->GetItem(miguel_, ids[1]).ok());
}

}  // namespace
}  // namespace eas::conformance

namespace eas::conformance {
namespace {

class FilterType : public ConformanceTest {};

TEST_F(FilterType, OnlyMailInsideTheWindowAndSoftDeleteWhenAnItemLeavesIt) {
  Verifies({"MS-ASCMD 2.2.3.69.2 (FilterType)", "MS-ASCMD 2.2.3.163 (SoftDelete)"});
  Phone phone;
  ASSERT_FALSE(Provision(phone).empty());
  // now_ is 2026-11-18 (harness); one week back is 2026-11-11.
  auto recent = backend_->AddMail(miguel_, "inbox", MailReceived("s", 1794909600), false, 1794909600);  // 11-17
  ASSERT_TRUE(backend_->AddMail(miguel_, "inbox", MailReceived("s", 1790848800), false, 1790848800).ok());  // 10-01
  ASSERT_TRUE(recent.ok());
  auto sync = [&](const std::string& key) {
    return Post(phone, "Sync", "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>" + key +
                                   "</SyncKey><CollectionId>inbox</CollectionId><Options><FilterType>3"
                                   "</FilterType></Options></Collection></Collections></Sync>");
  };
  sync("0");
  Reply r = sync("1");
  pugi::xml_node commands = r.doc.first_child().child("Collections").child("Collection").child("Commands");
  int adds = 0;
  for (pugi::xml_node a : commands.children("Add")) {
    ++adds;
    EXPECT_EQ(std::string(a.child("ServerId").text().get()), *recent);
  }
  EXPECT_EQ(adds, 1) << r.xml;
  // The recent message is redated into the past: the device drops it.
  // (OX changes only the flags of a message: the test below covers
  // leaving the window there.)
  if (OnOx()) GTEST_SKIP() << "messages in OX cannot be redated";
  ASSERT_TRUE(backend_->UpdateItem(miguel_, *recent,
                                   "<ApplicationData xmlns=\"AirSync:\" xmlns:email=\"Email:\"><email:Subject>s"
                                   "</email:Subject><email:DateReceived>2026-09-01T10:00:00.000Z</email:DateReceived>"
                                   "</ApplicationData>").ok());
  Reply soft = sync(r.Text("Collections/Collection/SyncKey"));
  EXPECT_EQ(soft.Text("Collections/Collection/Commands/SoftDelete/ServerId"), *recent) << soft.xml;
}

TEST_F(FilterType, AnUnchangedItemThatAgesOutIsSoftDeletedToo) {
  Verifies({"MS-ASCMD 2.2.3.163 (SoftDelete)", "MS-ASCMD 2.2.3.69.2 (FilterType)"});
  Phone phone;
  ASSERT_FALSE(Provision(phone).empty());
  auto item = backend_->AddMail(miguel_, "inbox", MailReceived("s", 1794736800), false, 1794736800);  // 11-15
  ASSERT_TRUE(item.ok());
  auto sync = [&](const std::string& key) {
    return Post(phone, "Sync", "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>" + key +
                                   "</SyncKey><CollectionId>inbox</CollectionId><Options><FilterType>3"
                                   "</FilterType></Options></Collection></Collections></Sync>");
  };
  sync("0");
  Reply held = sync("1");
  ASSERT_EQ(held.Text("Collections/Collection/Commands/Add/ServerId"), *item) << held.xml;
  // Nobody touches it; a week and a day later it is older than the window.
  now_ += 8 * 86400;
  Reply aged = sync(held.Text("Collections/Collection/SyncKey"));
  EXPECT_EQ(aged.Text("Collections/Collection/Commands/SoftDelete/ServerId"), *item) << aged.xml;
  // And only once.
  now_ += 7200;
  Reply again = sync(aged.Text("Collections/Collection/SyncKey"));
  EXPECT_FALSE(again.Has("Collections/Collection/Commands")) << again.xml;
}

}  // namespace
}  // namespace eas::conformance

namespace eas::conformance {
namespace {

class Conflict : public ConformanceTest {
 protected:
  Reply Sync(Phone& phone, const std::string& key, const std::string& extra) {
    return Post(phone, "Sync",
                "<Sync xmlns=\"AirSync:\" xmlns:tasks=\"Tasks:\"><Collections><Collection><SyncKey>" + key +
                "</SyncKey><CollectionId>tasks</CollectionId>" + extra + "</Collection></Collections></Sync>");
  }
  static std::string Task(const std::string& subject) {
    return "<ApplicationData xmlns=\"AirSync:\" xmlns:tasks=\"Tasks:\"><tasks:Subject>" + subject +
           "</tasks:Subject></ApplicationData>";
  }
};

TEST_F(Conflict, ServerWinsByDefaultClientWinsWhenAsked) {
  Verifies({"MS-ASCMD 2.2.3.34 (Conflict)", "MS-ASCMD 2.2.3.177.17 (Sync Status 7)"});
  Phone phone;
  ASSERT_FALSE(Provision(phone).empty());
  auto id = backend_->AddItem(miguel_, "tasks", "Tasks", Task("original"));
  ASSERT_TRUE(id.ok());
  Sync(phone, "0", "");
  Reply all = Sync(phone, "1", "");
  ASSERT_TRUE(backend_->UpdateItem(miguel_, *id, Task("server edit")).ok());
  const std::string change = "<Commands><Change><ServerId>" + *id +
                             "</ServerId><ApplicationData><tasks:Subject>device edit</tasks:Subject>"
                             "</ApplicationData></Change></Commands>";
  Reply lost = Sync(phone, all.Text("Collections/Collection/SyncKey"), change);
  EXPECT_EQ(lost.Text("Collections/Collection/Responses/Change/Status"), "7") << lost.xml;
  EXPECT_EQ(lost.Text("Collections/Collection/Commands/Change/ApplicationData/tasks:Subject"), "server edit");
  EXPECT_NE(backend_->GetItem(miguel_, *id)->data.find("server edit"), std::string::npos);
  // Again, now asking for the client to win.
  ASSERT_TRUE(backend_->UpdateItem(miguel_, *id, Task("server edit 2")).ok());
  Reply won = Sync(phone, lost.Text("Collections/Collection/SyncKey"),
                   "<Options><Conflict>0</Conflict></Options>" + change);
  EXPECT_FALSE(won.Has("Collections/Collection/Responses")) << won.xml;
  EXPECT_NE(backend_->GetItem(miguel_, *id)->data.find("device edit"), std::string::npos);
}

}  // namespace
}  // namespace eas::conformance

namespace eas::conformance {
namespace {

class SyncOptions : public Sync {};

TEST_F(SyncOptions, TheOptionsOfTheFoldersOwnClassApplyNotTheSmsOnes) {
  Verifies({"MS-ASCMD 2.2.3.125 (several Options)", "MS-ASCMD 2.2.3.27.1 (Class in Options)"});
  const std::string key = Key(SyncRequest("0"));
  Reply r = SyncRequest(key,
                        "<Options><Class>SMS</Class><airsyncbase:BodyPreference><airsyncbase:Type>1</airsyncbase:Type>"
                        "<airsyncbase:TruncationSize>2</airsyncbase:TruncationSize></airsyncbase:BodyPreference>"
                        "</Options><Options><airsyncbase:BodyPreference><airsyncbase:Type>1</airsyncbase:Type>"
                        "<airsyncbase:TruncationSize>9</airsyncbase:TruncationSize></airsyncbase:BodyPreference>"
                        "</Options>");
  auto adds = Commands(r, "Add");
  ASSERT_EQ(adds.size(), 5u) << r.xml;
  EXPECT_STREQ(adds[0].child("ApplicationData").child("airsyncbase:Body").child("airsyncbase:Data").text().get(),
               "A rather ");
}

}  // namespace
}  // namespace eas::conformance

namespace eas::conformance {
namespace {

class SyncSupported : public Sync {};

TEST_F(SyncSupported, PropertiesDeclaredSupportedAndLeftOutAreCleared) {
  Verifies({"MS-ASCMD 2.2.3.168 (Supported)", "MS-ASCMD 2.2.3.24 (Change)"});
  // The client handles FileAs and JobTitle; it knows nothing of FirstName.
  const std::string key = Key(SyncRequest("0", "<Supported><contacts:FileAs/><contacts:JobTitle/></Supported>"));
  Reply all = SyncRequest(key);
  const std::string id = Commands(all, "Add")[0].child("ServerId").text().get();
  Reply changed = SyncRequest(Key(all), "<Commands><Change><ServerId>" + id +
                                            "</ServerId><ApplicationData><contacts:FileAs>Renamed</contacts:FileAs>"
                                            "</ApplicationData></Change></Commands>");
  ASSERT_EQ(Status(changed), "1") << changed.xml;
  auto item = backend_->GetItem(miguel_, id);
  ASSERT_TRUE(item.ok());
  EXPECT_NE(item->data.find("<contacts:FileAs>Renamed</contacts:FileAs>"), std::string::npos);
  EXPECT_EQ(item->data.find("contacts:JobTitle"), std::string::npos);   // supported, not sent: cleared
  EXPECT_NE(item->data.find("<contacts:FirstName>"), std::string::npos);  // not supported: kept
}

}  // namespace
}  // namespace eas::conformance

namespace eas::conformance {
namespace {

// The store, with adds slow enough that two requests overlap.
class SlowAdds : public backend::OutageWatch {
 public:
  using OutageWatch::OutageWatch;
  absl::StatusOr<std::string> AddItem(const backend::Account& a, const std::string& f, const std::string& c,
                                      const std::string& x) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    return OutageWatch::AddItem(a, f, c, x);
  }
};

class SyncTwice : public Sync {
 protected:
  void SetUp() override {
    Sync::SetUp();
    slow_ = std::make_unique<SlowAdds>(*backend_);
    DispatchTo(*slow_);
  }
  std::unique_ptr<SlowAdds> slow_;
};

TEST_F(SyncTwice, TheSameAddSentTwiceAtOnceCreatesOneItem) {
  Verifies({"device-notes quirk 11 (duplicate concurrent requests)", "MS-ASCMD 2.2.3.27 (ClientId)"});
  const std::string key1 = Key(SyncRequest("0"));
  const std::string key2 = Key(SyncRequest(key1));
  const std::string add = "<Commands><Add><ClientId>twice</ClientId><ApplicationData><contacts:FileAs>Twin"
                          "</contacts:FileAs></ApplicationData></Add></Commands>";
  for (int round = 0; round < 5; ++round) {
    std::vector<std::string> ids(4);
    std::vector<std::thread> senders;
    for (int i = 0; i < 4; ++i) {
      senders.emplace_back([&, i] {
        Reply r = SyncRequest(key2, add);
        ids[i] = r.Text("Collections/Collection/Responses/Add/ServerId");
      });
    }
    for (auto& t : senders) t.join();
    for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
  }
  int twins = 0;
  auto all = backend_->ChangesSince(miguel_, "contacts", 0);
  ASSERT_TRUE(all.ok());
  for (const auto& c : *all) twins += !c.deleted && c.data.find(">Twin<") != std::string::npos;
  EXPECT_EQ(twins, 1);
}

}  // namespace
}  // namespace eas::conformance

namespace eas::conformance {
namespace {

// A groupware that takes an Add and then fails (unreachable) at the next
// call of the same Sync: the request cannot finish, so its new key is never
// saved and the phone, told 503, sends the same request again.
class FailsAfterAdd : public backend::OutageWatch {
 public:
  using OutageWatch::OutageWatch;
  absl::StatusOr<std::string> AddItemOnce(const backend::Account& a, const std::string& f, const std::string& c,
                                          const std::string& x, const std::string& k) override {
    return Took(OutageWatch::AddItemOnce(a, f, c, x, k));
  }
  absl::StatusOr<std::string> AddItem(const backend::Account& a, const std::string& f, const std::string& c,
                                      const std::string& x) override {
    return Took(OutageWatch::AddItem(a, f, c, x));
  }
  absl::StatusOr<std::string> Took(absl::StatusOr<std::string> id) {
    if (id.ok() && failures_left_ > 0) fail_next_ = true;
    return id;
  }
  absl::StatusOr<int64_t> FolderChangeCounter(const backend::Account& a, const std::string& f) override {
    if (fail_next_) {
      fail_next_ = false;
      --failures_left_;
      return absl::UnavailableError("connection reset by the groupware");
    }
    return OutageWatch::FolderChangeCounter(a, f);
  }
  int failures_left_ = 2;
  bool fail_next_ = false;
};

class SyncResend : public Sync {
 protected:
  void SetUp() override {
    Sync::SetUp();
    failing_ = std::make_unique<FailsAfterAdd>(*backend_);
    DispatchTo(*failing_);
  }
  std::unique_ptr<FailsAfterAdd> failing_;
};

TEST_F(SyncResend, AGroupwareFailureAfterTheAddThenTheResendMakesExactlyOneItem) {
  Verifies({"MS-ASCMD 2.2.3.28 (ClientId)", "MS-ASHTTP 3.2.5.1 (503, retry)",
            "MS-ASCMD 2.2.3.181.4 (SyncKey)"});
  const std::string key1 = Key(SyncRequest("0"));
  const std::string key2 = Key(SyncRequest(key1));
  const std::string add = "<Commands><Add><ClientId>resent-1</ClientId><ApplicationData><contacts:FileAs>Once"
                          "</contacts:FileAs></ApplicationData></Add></Commands>";
  // Twice the groupware fails after taking the item; the third try goes through.
  EXPECT_EQ(SyncRequest(key2, add).status(), 503);
  EXPECT_EQ(SyncRequest(key2, add).status(), 503);
  Reply done = SyncRequest(key2, add);
  ASSERT_EQ(done.status(), 200);
  EXPECT_EQ(done.Text("Collections/Collection/Responses/Add/Status"), "1") << done.xml;
  const std::string server_id = done.Text("Collections/Collection/Responses/Add/ServerId");
  int copies = 0;
  std::string stored_id;
  auto all = backend_->ChangesSince(miguel_, "contacts", 0);
  ASSERT_TRUE(all.ok());
  for (const auto& c : *all) {
    if (!c.deleted && c.data.find(">Once<") != std::string::npos) {
      ++copies;
      stored_id = c.server_id;
    }
  }
  EXPECT_EQ(copies, 1);
  EXPECT_EQ(stored_id, server_id);
  // The same ClientId at the new key is a new Add (clients count ClientIds
  // per key).
  Reply again = SyncRequest(Key(done), "<Commands><Add><ClientId>resent-1</ClientId><ApplicationData>"
                                       "<contacts:FileAs>Twice</contacts:FileAs></ApplicationData></Add></Commands>");
  EXPECT_NE(again.Text("Collections/Collection/Responses/Add/ServerId"), server_id) << again.xml;
}

// A groupware slow to hand over message bodies (50 ms each).
class SlowMime : public backend::OutageWatch {
 public:
  using OutageWatch::OutageWatch;
  absl::StatusOr<std::string> GetMime(const backend::Account& a, const std::string& id) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return OutageWatch::GetMime(a, id);
  }
};

// Budgets scaled down 50 times (20 s becomes 0.2 s of gathering) so the
// test runs in a second.
class SyncDeadline : public Sync {
 protected:
  void SetUp() override {
    Sync::SetUp();
    for (int i = 0; i < 12; ++i) {
      const std::string mime = "From: a@example.com\r\nTo: miguel@ox.io\r\nSubject: m" + std::to_string(i) +
                               "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody\r\n";
      ASSERT_TRUE(backend_->AddMail(miguel_, "inbox", mime, false, 1700000000 + i).ok());
    }
    slow_ = std::make_unique<SlowMime>(*backend_);
    http::DispatcherOptions options;
    options.deadline_share = 0.02;
    DispatchTo(*slow_, options);
  }
  // Syncs the Inbox with MIME bodies to the end; the number of items in
  // each answer.
  std::vector<size_t> SyncAll(Phone& phone, std::multiset<std::string>* ids) {
    std::vector<size_t> pages;
    auto sync = [&](const std::string& key, const std::string& extra) {
      return Post(phone, "Sync",
                  "<Sync xmlns=\"AirSync:\" xmlns:airsyncbase=\"AirSyncBase:\"><Collections><Collection><SyncKey>" +
                      key + "</SyncKey><CollectionId>inbox</CollectionId>" + extra + "</Collection></Collections></Sync>");
    };
    std::string key = Key(sync("0", ""));
    for (int round = 0; round < 30; ++round) {
      Reply r = sync(key, "<WindowSize>100</WindowSize><Options><MIMESupport>2</MIMESupport><airsyncbase:BodyPreference>"
                          "<airsyncbase:Type>4</airsyncbase:Type></airsyncbase:BodyPreference></Options>");
      EXPECT_EQ(Status(r), "1") << r.xml;
      pages.push_back(Commands(r, "Add").size());
      for (pugi::xml_node a : Commands(r, "Add")) ids->insert(a.child("ServerId").text().get());
      key = Key(r);
      if (!r.Has("Collections/Collection/MoreAvailable")) break;
    }
    return pages;
  }
  std::unique_ptr<SlowMime> slow_;
};

TEST_F(SyncDeadline, AClientThatGivesUpEarlyGetsWhatIsReadyWithMoreAvailable) {
  Verifies({"device-notes quirk 4 (per-client deadlines)", "MS-ASCMD 2.2.3.110 (MoreAvailable)"});
  Phone android = AndroidPhone("androidc0ffee01");
  ASSERT_FALSE(Provision(android).empty());
  std::multiset<std::string> ids;
  const std::vector<size_t> pages = SyncAll(android, &ids);
  // 0.4 s of a 20 s deadline at 50 ms a message: more than one answer,
  // each short of the window, and every message exactly once.
  EXPECT_GE(pages.size(), 2u);
  for (size_t n : pages) EXPECT_LE(n, 10u);
  EXPECT_EQ(ids.size(), 12u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 12u);

  // A client with no deadline in the table: 60 s (1.2 s here), so the
  // whole window at once.
  Phone wm = WindowsMobilePhone("WMDeadline1", "12.1");
  ASSERT_FALSE(Provision(wm).empty());
  std::multiset<std::string> wm_ids;
  EXPECT_EQ(SyncAll(wm, &wm_ids), std::vector<size_t>{12u});
  // Switched off by the admin, the Android client gets the same.
  ASSERT_TRUE(state_->SetQuirkOverride(devices::kAnswerWithin20s, false).ok());
  android.device_id = "androidc0ffee02";
  ASSERT_FALSE(Provision(android).empty());
  std::multiset<std::string> again;
  EXPECT_EQ(SyncAll(android, &again), std::vector<size_t>{12u});
}

}  // namespace
}  // namespace eas::conformance
