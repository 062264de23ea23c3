// MS-ASCMD FolderCreate, FolderUpdate, FolderDelete: statuses, the
// hierarchy key advancing, and FolderSync staying in step.
#include <string>

#include "conformance/harness.h"
#include "gmock/gmock.h"

namespace eas::conformance {
namespace {

class FolderCommands : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    ASSERT_FALSE(Provision(phone_).empty());
    ASSERT_EQ(FolderSync("0").Text("SyncKey"), "1");
  }
  Reply FolderSync(const std::string& key) {
    return Post(phone_, "FolderSync", "<FolderSync xmlns=\"FolderHierarchy:\"><SyncKey>" + key + "</SyncKey></FolderSync>");
  }
  Reply Create(const std::string& key, const std::string& parent, const std::string& name, const std::string& type) {
    return Post(phone_, "FolderCreate",
                "<FolderCreate xmlns=\"FolderHierarchy:\"><SyncKey>" + key + "</SyncKey><ParentId>" + parent +
                    "</ParentId><DisplayName>" + name + "</DisplayName><Type>" + type + "</Type></FolderCreate>");
  }
  Reply Update(const std::string& key, const std::string& id, const std::string& parent, const std::string& name) {
    return Post(phone_, "FolderUpdate",
                "<FolderUpdate xmlns=\"FolderHierarchy:\"><SyncKey>" + key + "</SyncKey><ServerId>" + id +
                    "</ServerId><ParentId>" + parent + "</ParentId><DisplayName>" + name + "</DisplayName></FolderUpdate>");
  }
  Reply Delete(const std::string& key, const std::string& id) {
    return Post(phone_, "FolderDelete",
                "<FolderDelete xmlns=\"FolderHierarchy:\"><SyncKey>" + key + "</SyncKey><ServerId>" + id +
                    "</ServerId></FolderDelete>");
  }
  Phone phone_;
};

TEST_F(FolderCommands, CreateRenameDeleteAdvanceTheKeyAndFolderSyncHasNothingToRepeat) {
  Verifies({"MS-ASCMD 2.2.1.2", "MS-ASCMD 2.2.1.4", "MS-ASCMD 2.2.1.3", "MS-ASCMD 2.2.3.181.1 (SyncKey)"});
  Reply created = Create("1", "inbox", "Projects", "12");
  ASSERT_EQ(created.Text("Status"), "1") << created.xml;
  EXPECT_EQ(created.Text("SyncKey"), "2");
  const std::string id = created.Text("ServerId");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(FolderSync("2").Text("Changes/Count"), "0");  // the device made that change itself

  Reply renamed = Update("2", id, "0", "Archive");
  ASSERT_EQ(renamed.Text("Status"), "1") << renamed.xml;
  EXPECT_EQ(renamed.Text("SyncKey"), "3");
  EXPECT_EQ(FolderSync("3").Text("Changes/Count"), "0");

  Reply deleted = Delete("3", id);
  ASSERT_EQ(deleted.Text("Status"), "1") << deleted.xml;
  EXPECT_EQ(deleted.Text("SyncKey"), "4");
  EXPECT_EQ(FolderSync("4").Text("Changes/Count"), "0");
}

TEST_F(FolderCommands, OtherChangesStillReachTheDevice) {
  Verifies({"MS-ASCMD 3.2.5.1 (FolderCreate and FolderSync)"});
  auto server_made = backend_->CreateFolder(miguel_, "0", "From the web", backend::kUserMail);
  ASSERT_TRUE(server_made.ok()) << server_made.status();
  ASSERT_EQ(Create("1", "0", "From the phone", "12").Text("SyncKey"), "2");
  Reply sync = FolderSync("2");
  EXPECT_EQ(sync.Text("Changes/Count"), "1") << sync.xml;
  EXPECT_EQ(sync.Text("Changes/Add/ServerId"), *server_made);
}

TEST_F(FolderCommands, Statuses) {
  Verifies({"MS-ASCMD 2.2.3.177.3 (FolderCreate Status)", "MS-ASCMD 2.2.3.177.4 (FolderDelete Status)",
            "MS-ASCMD 2.2.3.177.6 (FolderUpdate Status)"});
  EXPECT_EQ(Create("7", "0", "X", "12").Text("Status"), "9");       // a key never given
  EXPECT_EQ(Create("1", "nowhere", "X", "12").Text("Status"), "5");  // no parent
  EXPECT_EQ(Create("1", "0", "Inbox2", "2").Text("Status"), "3");    // a special type
  EXPECT_EQ(Create("1", "0", "Inbox", "12").Text("Status"), "2");    // the name is taken
  EXPECT_EQ(Post(phone_, "FolderCreate", "<FolderCreate xmlns=\"FolderHierarchy:\"><SyncKey>1</SyncKey></FolderCreate>")
                .Text("Status"),
            "10");
  EXPECT_EQ(Delete("1", "inbox").Text("Status"), "3");
  EXPECT_EQ(Delete("1", "gone").Text("Status"), "4");
  EXPECT_EQ(Update("1", "calendar", "0", "Cal").Text("Status"), "3");
  const std::string id = Create("1", "0", "A", "12").Text("ServerId");
  ASSERT_EQ(Create("2", "0", "B", "12").Text("Status"), "1");
  EXPECT_EQ(Update("3", id, "0", "B").Text("Status"), "2");
  EXPECT_EQ(Update("3", id, "nowhere", "C").Text("Status"), "5");
  EXPECT_EQ(Update("3", "gone", "0", "C").Text("Status"), "4");
}

}  // namespace
}  // namespace eas::conformance
