// MS-ASCMD 3.1.5.10, "Limiting Size of Command Requests": a request past a
// limit of the table gets the status the table gives, and nothing of it is
// carried out. Also the bounds this server adds where the table has no row
// (Sync collections, the work of a mailbox Search).
#include <string>

#include "absl/strings/str_cat.h"
#include "conformance/harness.h"
#include "gmock/gmock.h"

namespace eas::conformance {
namespace {

std::string Repeat(int n, const std::string& what) {
  std::string out;
  for (int i = 0; i < n; ++i) out += what;
  return out;
}

class RequestLimits : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    ASSERT_FALSE(Provision(phone_).empty());
  }
  // The key of a primed contacts collection.
  std::string PrimedContacts() {
    Post(phone_, "Sync", SyncOf("0", ""));
    Reply primed = Post(phone_, "Sync", SyncOf("1", ""));
    return primed.Text("Collections/Collection/SyncKey");
  }
  static std::string SyncOf(const std::string& key, const std::string& commands,
                            const std::string& id = "contacts") {
    return "<Sync xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\"><Collections><Collection><SyncKey>" + key +
           "</SyncKey><CollectionId>" + id + "</CollectionId>" + commands + "</Collection></Collections></Sync>";
  }
  static std::string Adds(int n, const std::string& tag) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      out += absl::StrCat("<Add><ClientId>", tag, i, "</ClientId><ApplicationData><contacts:FileAs>", tag, i,
                          "</contacts:FileAs></ApplicationData></Add>");
    }
    return out;
  }
  int Contacts() {
    auto items = backend_->ChangesSince(miguel_, "contacts", 0);
    return items.ok() ? static_cast<int>(items->size()) : -1;
  }
  Phone phone_;
};

TEST_F(RequestLimits, SyncOfMoreThan200CommandsIsStatus4AndChangesNothing) {
  Verifies({"MS-ASCMD_R5658", "MS-ASCMD_R5659", "MS-ASCMD 3.1.5.10"});
  const std::string key = PrimedContacts();
  ASSERT_FALSE(key.empty());
  const int before = Contacts();
  // 201 in all: 150 Adds, 51 Fetches of an item that does not exist.
  Reply over = Post(phone_, "Sync",
                    SyncOf(key, "<Commands>" + Adds(150, "over") +
                                    Repeat(51, "<Fetch><ServerId>contacts:none</ServerId></Fetch>") + "</Commands>"));
  EXPECT_EQ(over.Text("Status"), "4") << over.xml.substr(0, 400);
  EXPECT_FALSE(over.Has("Collections"));
  EXPECT_EQ(Contacts(), before);
  // The key still works, and 200 are carried out.
  Reply at = Post(phone_, "Sync", SyncOf(key, "<Commands>" + Adds(200, "at") + "</Commands>"));
  EXPECT_EQ(at.Text("Collections/Collection/Status"), "1") << at.xml.substr(0, 400);
  EXPECT_EQ(Contacts(), before + 200);
}

TEST_F(RequestLimits, SyncLimitCountsEveryCollectionOfTheRequest) {
  Verifies({"MS-ASCMD_R5658", "MS-ASCMD_R5659"});
  const std::string contacts = PrimedContacts();
  Post(phone_, "Sync", SyncOf("0", "", "tasks"));
  const std::string tasks = Post(phone_, "Sync", SyncOf("1", "", "tasks")).Text("Collections/Collection/SyncKey");
  const std::string deletes = Repeat(101, "<Delete><ServerId>x:none</ServerId></Delete>");
  Reply two = Post(phone_, "Sync",
                   "<Sync xmlns=\"AirSync:\"><Collections>"
                   "<Collection><SyncKey>" + contacts + "</SyncKey><CollectionId>contacts</CollectionId><Commands>" +
                       deletes + "</Commands></Collection>"
                   "<Collection><SyncKey>" + tasks + "</SyncKey><CollectionId>tasks</CollectionId><Commands>" +
                       deletes + "</Commands></Collection></Collections></Sync>");
  EXPECT_EQ(two.Text("Status"), "4") << two.xml.substr(0, 400);
}

TEST_F(RequestLimits, SyncOfTooManyCollectionsIsStatus15WithTheLimit) {
  Verifies({"MS-ASCMD 2.2.3.97 (Limit)", "MS-ASCMD 2.2.3.177.17 (Status 15)"});
  const std::string one = "<Collection><SyncKey>0</SyncKey><CollectionId>contacts</CollectionId></Collection>";
  Reply r = Post(phone_, "Sync", "<Sync xmlns=\"AirSync:\"><Collections>" + Repeat(1001, one) +
                                     "</Collections></Sync>");
  EXPECT_EQ(r.Text("Status"), "15") << r.xml.substr(0, 400);
  EXPECT_EQ(r.Text("Limit"), "1000");
}

TEST_F(RequestLimits, GetItemEstimateOfMoreThan1000CollectionsIsStatus103) {
  Verifies({"MS-ASCMD_R5646", "MS-ASCMD_R5647"});
  const std::string one =
      "<Collection><airsync:SyncKey>1</airsync:SyncKey><CollectionId>contacts</CollectionId></Collection>";
  auto estimate = [&](int n) {
    return Post(phone_, "GetItemEstimate",
                "<GetItemEstimate xmlns=\"GetItemEstimate:\" xmlns:airsync=\"AirSync:\"><Collections>" +
                    Repeat(n, one) + "</Collections></GetItemEstimate>");
  };
  Reply over = estimate(1001);
  EXPECT_EQ(over.Text("Status"), "103") << over.xml.substr(0, 400);
  EXPECT_FALSE(over.Has("Response"));
  Reply at = estimate(1000);
  EXPECT_NE(at.Text("Status"), "103");
  EXPECT_TRUE(at.Has("Response"));
}

TEST_F(RequestLimits, ItemOperationsOfMoreThan100OperationsIsStatus11) {
  Verifies({"MS-ASCMD_R7489", "MS-ASCMD_R7490"});
  const std::string fetch =
      "<Fetch><Store>Mailbox</Store><airsync:CollectionId>inbox</airsync:CollectionId>"
      "<airsync:ServerId>inbox:none</airsync:ServerId></Fetch>";
  auto operations = [&](int n) {
    return Post(phone_, "ItemOperations",
                "<ItemOperations xmlns=\"ItemOperations:\" xmlns:airsync=\"AirSync:\">" + Repeat(n, fetch) +
                    "</ItemOperations>");
  };
  Reply over = operations(101);
  EXPECT_EQ(over.Text("Status"), "11") << over.xml.substr(0, 400);
  EXPECT_FALSE(over.Has("Response"));
  Reply at = operations(100);
  EXPECT_EQ(at.Text("Status"), "1") << at.xml.substr(0, 400);
}

TEST_F(RequestLimits, MeetingResponseOfMoreThan100RequestsIsStatus103) {
  Verifies({"MS-ASCMD_R5649", "MS-ASCMD_R5650"});
  const std::string request =
      "<Request><UserResponse>1</UserResponse><CollectionId>inbox</CollectionId>"
      "<RequestId>inbox:none</RequestId></Request>";
  Reply over = Post(phone_, "MeetingResponse",
                    "<MeetingResponse xmlns=\"MeetingResponse:\">" + Repeat(101, request) + "</MeetingResponse>");
  EXPECT_EQ(over.Text("Result/Status"), "103") << over.xml.substr(0, 400);
  int results = 0;
  for (pugi::xml_node n : over.doc.first_child().children("Result")) results += n ? 1 : 0;
  EXPECT_EQ(results, 1);
  Reply at = Post(phone_, "MeetingResponse",
                  "<MeetingResponse xmlns=\"MeetingResponse:\">" + Repeat(100, request) + "</MeetingResponse>");
  EXPECT_NE(at.Text("Result/Status"), "103");
}

TEST_F(RequestLimits, MoveItemsOfMoreThan1000MovesIsStatus103AndMovesNothing) {
  Verifies({"MS-ASCMD_R5652", "MS-ASCMD_R5653"});
  auto id = backend_->AddMail(miguel_, "inbox", MailReceived("stays", now_), false, now_);
  ASSERT_TRUE(id.ok());
  const std::string move = "<Move><SrcMsgId>" + *id +
                           "</SrcMsgId><SrcFldId>inbox</SrcFldId><DstFldId>deleted</DstFldId></Move>";
  Reply over = Post(phone_, "MoveItems", "<MoveItems xmlns=\"Move:\">" + Repeat(1001, move) + "</MoveItems>");
  EXPECT_EQ(over.Text("Status"), "103") << over.xml.substr(0, 400);
  EXPECT_FALSE(over.Has("Response"));
  EXPECT_TRUE(backend_->GetItem(miguel_, *id).ok());  // still in the Inbox
}

TEST_F(RequestLimits, ValidateCertOfMoreThan100CertificatesIsStatus2) {
  Verifies({"MS-ASCMD_R5661", "MS-ASCMD_R5662"});
  Reply over = Post(phone_, "ValidateCert",
                    "<ValidateCert xmlns=\"ValidateCert:\"><Certificates>" +
                        Repeat(101, "<Certificate>TUlJ</Certificate>") + "</Certificates></ValidateCert>");
  EXPECT_EQ(over.Text("Status"), "2") << over.xml.substr(0, 400);
  EXPECT_FALSE(over.Has("Certificate"));
}

TEST_F(RequestLimits, MailboxSearchPastItsWorkBoundIsStatus10) {
  Verifies({"MS-ASCMD 2.2.3.177.13 (Search Status 10)"});
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(backend_->AddMail(miguel_, "inbox", MailReceived(absl::StrCat("report ", i), now_ - i), false,
                                  now_ - i).ok());
  }
  const std::string search =
      "<Search xmlns=\"Search:\" xmlns:airsync=\"AirSync:\"><Store><Name>Mailbox</Name><Query><And>"
      "<airsync:Class>Email</airsync:Class><airsync:CollectionId>inbox</airsync:CollectionId>"
      "<FreeText>report</FreeText></And></Query><Options><Range>0-9</Range></Options></Store></Search>";
  http::DispatcherOptions small;
  small.search_max_items = 5;
  DispatchTo(*backend_, small);
  Reply bounded = Post(phone_, "Search", search);
  EXPECT_EQ(bounded.Text("Status"), "1") << bounded.xml;
  EXPECT_EQ(bounded.Text("Response/Store/Status"), "10");
  EXPECT_FALSE(bounded.Has("Response/Store/Result"));
  small.search_max_items = 6;
  DispatchTo(*backend_, small);
  Reply all = Post(phone_, "Search", search);
  EXPECT_EQ(all.Text("Response/Store/Status"), "1") << all.xml;
  EXPECT_EQ(all.Text("Response/Store/Total"), "6");
}

}  // namespace
}  // namespace eas::conformance
