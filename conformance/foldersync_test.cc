// MS-ASCMD FolderSync: full hierarchy, incremental changes, restart with key
// 0, unknown keys, lost responses.
#include <set>

#include "conformance/harness.h"
#include "gmock/gmock.h"

namespace eas::conformance {
namespace {

class FolderSync : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    ASSERT_FALSE(Provision(phone_).empty());
  }
  Reply Sync(const std::string& key) {
    return Post(phone_, "FolderSync",
                "<FolderSync xmlns=\"FolderHierarchy:\"><SyncKey>" + key + "</SyncKey></FolderSync>");
  }
  static std::set<std::string> Ids(const Reply& r, const char* op) {
    std::set<std::string> ids;
    for (pugi::xml_node n : r.doc.first_child().child("Changes").children(op)) {
      ids.insert(n.child("ServerId").text().get());
    }
    return ids;
  }
  Phone phone_;
};

TEST_F(FolderSync, InitialSyncListsEveryDefaultFolderWithItsType) {
  Verifies({"MS-ASCMD 2.2.1.5", "MS-ASCMD 2.2.3.186.3 (folder Type)"});
  Reply r = Sync("0");
  ASSERT_EQ(r.Text("Status"), "1") << r.xml;
  EXPECT_EQ(r.Text("SyncKey"), "1");
  EXPECT_EQ(r.Text("Changes/Count"), "8");
  std::set<std::string> types;
  for (pugi::xml_node add : r.doc.first_child().child("Changes").children("Add")) {
    EXPECT_EQ(std::string(add.child("ParentId").text().get()), "0");
    EXPECT_FALSE(std::string(add.child("DisplayName").text().get()).empty());
    types.insert(add.child("Type").text().get());
  }
  // Inbox, Drafts, Deleted Items, Sent Items, Outbox, Tasks, Calendar, Contacts.
  EXPECT_EQ(types, (std::set<std::string>{"2", "3", "4", "5", "6", "7", "8", "9"}));
}

TEST_F(FolderSync, IncrementalAddUpdateDelete) {
  Verifies({"MS-ASCMD 2.2.3.24 (Changes)"});
  ASSERT_EQ(Sync("0").Text("SyncKey"), "1");
  Reply none = Sync("1");
  EXPECT_EQ(none.Text("Status"), "1");
  EXPECT_EQ(none.Text("SyncKey"), "1");  // nothing changed: the key stays
  EXPECT_EQ(none.Text("Changes/Count"), "0");

  ASSERT_TRUE(store_->AddFolder(miguel_, {"inbox/projects", "inbox", "Projects", backend::kUserMail}).ok());
  ASSERT_TRUE(store_->AddFolder(miguel_, {"cal2", "0", "Team", backend::kUserCalendar}).ok());
  Reply added = Sync("1");
  EXPECT_EQ(added.Text("SyncKey"), "2");
  EXPECT_EQ(Ids(added, "Add"), (std::set<std::string>{"inbox/projects", "cal2"}));
  EXPECT_EQ(added.Text("Changes/Count"), "2");

  ASSERT_TRUE(store_->UpdateFolder(miguel_, {"cal2", "0", "Team calendar", backend::kUserCalendar}).ok());
  ASSERT_TRUE(store_->DeleteFolder(miguel_, "inbox/projects").ok());
  Reply changed = Sync("2");
  EXPECT_EQ(changed.Text("SyncKey"), "3");
  EXPECT_EQ(Ids(changed, "Update"), (std::set<std::string>{"cal2"}));
  EXPECT_EQ(Ids(changed, "Delete"), (std::set<std::string>{"inbox/projects"}));
  EXPECT_EQ(changed.Text("Changes/Update/DisplayName"), "Team calendar");
}

TEST_F(FolderSync, DeletingAParentReportsOnlyTheParent) {
  Verifies({"MS-ASCMD 2.2.3.45 (Delete)"});
  ASSERT_TRUE(store_->AddFolder(miguel_, {"p", "inbox", "P", backend::kUserMail}).ok());
  ASSERT_TRUE(store_->AddFolder(miguel_, {"p/c", "p", "C", backend::kUserMail}).ok());
  ASSERT_EQ(Sync("0").Text("SyncKey"), "1");
  ASSERT_TRUE(store_->DeleteFolder(miguel_, "p").ok());
  EXPECT_EQ(Ids(Sync("1"), "Delete"), (std::set<std::string>{"p"}));
}

TEST_F(FolderSync, UnknownKeyIsStatus9AndKey0StartsOver) {
  Verifies({"MS-ASCMD 2.2.3.177.3 (FolderSync Status 9)"});
  Reply unknown = Sync("77");
  EXPECT_EQ(unknown.Text("Status"), "9");
  EXPECT_FALSE(unknown.Has("SyncKey"));
  Reply restart = Sync("0");
  EXPECT_EQ(restart.Text("Status"), "1");
  EXPECT_EQ(restart.Text("Changes/Count"), "8");
}

TEST_F(FolderSync, LostResponseResentKeyGetsTheSameAnswer) {
  Verifies({"MS-ASCMD 2.2.3.166.4 (SyncKey)"});
  ASSERT_EQ(Sync("0").Text("SyncKey"), "1");
  ASSERT_TRUE(store_->AddFolder(miguel_, {"x", "0", "X", backend::kUserMail}).ok());
  Reply first = Sync("1");   // this answer is "lost"
  Reply again = Sync("1");   // the phone asks again with its old key
  EXPECT_EQ(again.Text("SyncKey"), first.Text("SyncKey"));
  EXPECT_EQ(Ids(again, "Add"), Ids(first, "Add"));
  // Then it moves on with the new key; nothing is sent twice.
  Reply next = Sync(again.Text("SyncKey"));
  EXPECT_EQ(next.Text("Changes/Count"), "0");
  // The key before the previous one is gone.
  ASSERT_TRUE(store_->AddFolder(miguel_, {"y", "0", "Y", backend::kUserMail}).ok());
  ASSERT_EQ(Sync("2").Text("SyncKey"), "3");
  EXPECT_EQ(Sync("1").Text("Status"), "9");
}

TEST_F(FolderSync, MissingSyncKeyIsStatus10) {
  Verifies({"MS-ASCMD 2.2.3.177.3 (FolderSync Status 10)"});
  Reply r = Post(phone_, "FolderSync", "<FolderSync xmlns=\"FolderHierarchy:\"/>");
  EXPECT_EQ(r.Text("Status"), "10");
}

TEST_F(FolderSync, RealHordeFolderSyncRequestBytes) {
  Verifies({"MS-ASWBXML 2.1.2.1.8"});
  // ../shared/real-traces/07: FolderSync SyncKey 0, 13 bytes.
  http::HttpRequest r = Request(phone_, "POST", "FolderSync");
  r.body = std::string("\x03\x01\x6a\x00\x00\x07\x56\x52\x03\x30\x00\x01\x01", 13);
  Reply reply = Send(r);
  EXPECT_EQ(reply.Text("Status"), "1");
  EXPECT_EQ(reply.Text("Changes/Count"), "8");
}

}  // namespace
}  // namespace eas::conformance
