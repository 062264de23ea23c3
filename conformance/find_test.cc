// MS-ASCMD Find (2.2.1.2, protocol 16.1): mailbox and GAL searches, Range
// and Total, the first Range of a search starting at 0, FolderSync
// required for an unknown collection.
#include <string>

#include "absl/strings/str_cat.h"
#include "conformance/harness.h"
#include "gmock/gmock.h"

namespace eas::conformance {
namespace {

class Find : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    phone_.version = "16.1";
    ASSERT_FALSE(Provision(phone_).empty());
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(backend_->AddMail(miguel_, "inbox",
                                    absl::StrCat("From: Ana Souza <ana@ox.io>\r\nTo: miguel@ox.io\r\nSubject: Budget ",
                                                 2027 + i, "\r\n\r\nDraft numbers ", i, "\r\n"),
                                    false, now_ - 3600 * i).ok());
    }
    ASSERT_TRUE(backend_->AddMail(miguel_, "inbox",
                                  "From: lena@example.com\r\nTo: miguel@ox.io\r\nSubject: Lunch\r\n\r\nabout the budget\r\n",
                                  false, now_).ok());
    for (int i = 0; i < 7; ++i) {
      AddGalEntry("ox.io", {absl::StrCat("lena", i), absl::StrCat("Lena Meier ", i), "Lena", "Meier",
                            absl::StrCat("lena", i, "@ox.io")});
    }
  }
  Reply Mail(const std::string& search_id, const std::string& query, const std::string& options) {
    return Post(phone_, "Find",
                "<Find xmlns=\"Find:\" xmlns:airsync=\"AirSync:\"><SearchId>" + search_id +
                    "</SearchId><ExecuteSearch><MailBoxSearchCriterion><Query>" + query + "</Query><Options>" +
                    options + "</Options></MailBoxSearchCriterion></ExecuteSearch></Find>");
  }
  static int Results(const Reply& r) {
    int n = 0;
    for (pugi::xml_node x : r.doc.first_child().child("Response").children("Result")) n += x ? 1 : 0;
    return n;
  }
  Phone phone_;
};

TEST_F(Find, MailboxFindPagesWithRangeAndTotal) {
  Verifies({"MS-ASCMD 2.2.1.2", "MS-ASCMD 2.2.3.143.1 (Range)", "MS-ASCMD 2.2.3.184.1 (Total)",
            "MS-ASCMD 2.2.3.155.1 (Result)"});
  const std::string query =
      "<airsync:Class>Email</airsync:Class><airsync:CollectionId>inbox</airsync:CollectionId>"
      "<FreeText>budget</FreeText>";
  Reply first = Mail("s1", query, "<Range>0-1</Range>");
  ASSERT_EQ(first.Text("Status"), "1") << first.xml;
  EXPECT_EQ(first.Text("Response/Status"), "1");
  EXPECT_EQ(first.Text("Response/itemoperations:Store"), "Mailbox");
  EXPECT_EQ(first.Text("Response/Total"), "4");
  EXPECT_EQ(first.Text("Response/Range"), "0-1");
  EXPECT_EQ(Results(first), 2);
  EXPECT_EQ(first.Text("Response/Result/airsync:Class"), "Email");
  EXPECT_EQ(first.Text("Response/Result/airsync:CollectionId"), "inbox");
  const std::string server_id = first.Text("Response/Result/airsync:ServerId");
  EXPECT_TRUE(backend_->GetItem(miguel_, server_id).ok());
  EXPECT_FALSE(first.Text("Response/Result/Properties/email:Subject").empty());
  EXPECT_FALSE(first.Text("Response/Result/Properties/Preview").empty());
  // The same search goes on; a new one may not start past 0 (Status 4).
  Reply next = Mail("s1", query, "<Range>2-9</Range>");
  EXPECT_EQ(next.Text("Response/Status"), "1") << next.xml;
  EXPECT_EQ(next.Text("Response/Range"), "2-3");
  Reply fresh = Mail("s2", query, "<Range>2-9</Range>");
  EXPECT_EQ(fresh.Text("Status"), "1") << fresh.xml;
  EXPECT_EQ(fresh.Text("Response/Status"), "4");
  EXPECT_EQ(Results(fresh), 0);
  // No match: no Result, Total 0.
  Reply none = Mail("s3", "<airsync:Class>Email</airsync:Class><FreeText>zeppelin</FreeText>", "");
  EXPECT_EQ(none.Text("Response/Status"), "1");
  EXPECT_EQ(none.Text("Response/Total"), "0");
  EXPECT_EQ(Results(none), 0);
}

TEST_F(Find, PropertyRestrictionsNarrowTheFreeText) {
  Verifies({"MS-ASCMD 2.2.3.80.1 (FreeText property restrictions)"});
  Reply subject = Mail("r1", "<airsync:Class>Email</airsync:Class><FreeText>subject:budget</FreeText>", "");
  EXPECT_EQ(subject.Text("Response/Total"), "3") << subject.xml;  // not "Lunch", whose body says budget
  Reply from = Mail("r2", "<airsync:Class>Email</airsync:Class><FreeText>from:lena budget</FreeText>", "");
  EXPECT_EQ(from.Text("Response/Total"), "1") << from.xml;
  EXPECT_EQ(from.Text("Response/Result/Properties/email:Subject"), "Lunch");
}

TEST_F(Find, BadRequestsUnknownFoldersAndVersions) {
  Verifies({"MS-ASCMD 2.2.3.177.2 (Find Status 2, 3)"});
  EXPECT_EQ(Mail("b1", "<airsync:Class>Email</airsync:Class><airsync:CollectionId>gone</airsync:CollectionId>"
                       "<FreeText>budget</FreeText>", "").Text("Status"),
            "3");
  EXPECT_EQ(Mail("b2", "<airsync:Class>Email</airsync:Class><FreeText>budget</FreeText>", "<Range>5-2</Range>")
                .Text("Status"),
            "2");
  EXPECT_EQ(Mail("b3", "<airsync:Class>Email</airsync:Class><FreeText>budget</FreeText>", "<Range>0-1000</Range>")
                .Text("Status"),
            "2");
  EXPECT_EQ(Mail("", "<airsync:Class>Email</airsync:Class><FreeText>budget</FreeText>", "").Text("Status"), "2");
  EXPECT_EQ(Mail("b4", "<airsync:Class>Email</airsync:Class>", "").Text("Status"), "2");
  // Find is 16.1's: an older client gets the command refused, and OPTIONS
  // lists it (advertised means implemented).
  Phone older = phone_;
  older.version = "14.1";
  older.device_id = "FindAt141";
  ASSERT_FALSE(Provision(older).empty());
  EXPECT_NE(Post(older, "Find", "<Find xmlns=\"Find:\"><SearchId>x</SearchId></Find>").status(), 200);
  EXPECT_THAT(Options(phone_).http.Header("MS-ASProtocolCommands"), ::testing::HasSubstr("Find"));
}

TEST_F(Find, GalFindReturnsEntriesWithTotalAndPictures) {
  Verifies({"MS-ASCMD 2.2.1.2 (Searching the GAL)", "MS-ASCMD 2.2.3.82 (GALSearchCriterion)"});
  Reply r = Post(phone_, "Find",
                 "<Find xmlns=\"Find:\"><SearchId>g1</SearchId><ExecuteSearch><GalSearchCriterion><Query>"
                 "<FreeText>lena</FreeText></Query><Options><Range>0-4</Range><Picture><MaxPictures>1"
                 "</MaxPictures></Picture></Options></GalSearchCriterion></ExecuteSearch></Find>");
  ASSERT_EQ(r.Text("Status"), "1") << r.xml;
  EXPECT_EQ(r.Text("Response/Status"), "1");
  EXPECT_EQ(r.Text("Response/Total"), "7");
  EXPECT_EQ(r.Text("Response/Range"), "0-4");
  EXPECT_EQ(Results(r), 5);
  EXPECT_FALSE(r.Text("Response/Result/Properties/gal:DisplayName").empty());
  EXPECT_FALSE(r.Text("Response/Result/Properties/gal:Alias").empty());
  EXPECT_EQ(r.Text("Response/Result/Properties/gal:Picture/gal:Status"), "173");
}

}  // namespace
}  // namespace eas::conformance
