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
  // OX's own hierarchy differs: Sent, Trash and Drafts inside INBOX.
  if (OnOx()) GTEST_SKIP() << "the embedded store's default hierarchy";
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

  // Made on the server (the groupware's own interface), not by the phone.
  auto projects = backend_->CreateFolder(miguel_, "inbox", "Projects", backend::kUserMail);
  auto team = backend_->CreateFolder(miguel_, "0", "Team", backend::kUserCalendar);
  ASSERT_TRUE(projects.ok() && team.ok()) << projects.status() << team.status();
  Reply added = Sync("1");
  EXPECT_EQ(added.Text("SyncKey"), "2");
  EXPECT_EQ(Ids(added, "Add"), (std::set<std::string>{*projects, *team}));
  EXPECT_EQ(added.Text("Changes/Count"), "2");

  ASSERT_TRUE(backend_->RenameFolder(miguel_, *team, "0", "Team calendar").ok());
  ASSERT_TRUE(backend_->RemoveFolder(miguel_, *projects).ok());
  Reply changed = Sync("2");
  EXPECT_EQ(changed.Text("SyncKey"), "3");
  EXPECT_EQ(Ids(changed, "Update"), (std::set<std::string>{*team}));
  EXPECT_EQ(Ids(changed, "Delete"), (std::set<std::string>{*projects}));
  EXPECT_EQ(changed.Text("Changes/Update/DisplayName"), "Team calendar");
}

TEST_F(FolderSync, DeletingAParentReportsOnlyTheParent) {
  Verifies({"MS-ASCMD 2.2.3.45 (Delete)"});
  auto parent = backend_->CreateFolder(miguel_, "inbox", "P", backend::kUserMail);
  ASSERT_TRUE(parent.ok()) << parent.status();
  ASSERT_TRUE(backend_->CreateFolder(miguel_, *parent, "C", backend::kUserMail).ok());
  ASSERT_EQ(Sync("0").Text("SyncKey"), "1");
  ASSERT_TRUE(backend_->RemoveFolder(miguel_, *parent).ok());
  EXPECT_EQ(Ids(Sync("1"), "Delete"), (std::set<std::string>{*parent}));
}

TEST_F(FolderSync, UnknownKeyIsStatus9AndKey0StartsOver) {
  Verifies({"MS-ASCMD 2.2.3.177.5 (FolderSync Status 9)"});
  Reply unknown = Sync("77");
  EXPECT_EQ(unknown.Text("Status"), "9");
  EXPECT_FALSE(unknown.Has("SyncKey"));
  Reply restart = Sync("0");
  EXPECT_EQ(restart.Text("Status"), "1");
  auto folders = backend_->ListFolders(miguel_);
  ASSERT_TRUE(folders.ok());
  EXPECT_EQ(restart.Text("Changes/Count"), std::to_string(folders->size()));
}

TEST_F(FolderSync, LostResponseResentKeyGetsTheSameAnswer) {
  Verifies({"MS-ASCMD 2.2.3.181.2 (SyncKey)"});
  ASSERT_EQ(Sync("0").Text("SyncKey"), "1");
  ASSERT_TRUE(backend_->CreateFolder(miguel_, "0", "X", backend::kUserMail).ok());
  Reply first = Sync("1");   // this answer is "lost"
  Reply again = Sync("1");   // the phone asks again with its old key
  EXPECT_EQ(again.Text("SyncKey"), first.Text("SyncKey"));
  EXPECT_EQ(Ids(again, "Add"), Ids(first, "Add"));
  // Then it moves on with the new key; nothing is sent twice.
  Reply next = Sync(again.Text("SyncKey"));
  EXPECT_EQ(next.Text("Changes/Count"), "0");
  // The key before the previous one is gone.
  ASSERT_TRUE(backend_->CreateFolder(miguel_, "0", "Y", backend::kUserMail).ok());
  ASSERT_EQ(Sync("2").Text("SyncKey"), "3");
  EXPECT_EQ(Sync("1").Text("Status"), "9");
}

TEST_F(FolderSync, MissingSyncKeyIsStatus10) {
  Verifies({"MS-ASCMD 2.2.3.177.5 (FolderSync Status 10)"});
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
  auto folders = backend_->ListFolders(miguel_);
  ASSERT_TRUE(folders.ok());
  EXPECT_EQ(reply.Text("Changes/Count"), std::to_string(folders->size()));
}

}  // namespace
}  // namespace eas::conformance
