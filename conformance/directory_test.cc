// MS-ASCMD Search (GAL and mailbox) and ResolveRecipients.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "conformance/harness.h"
#include "reference/commands/resolve_recipients.h"
#include "gmock/gmock.h"

namespace eas::conformance {
namespace {

using commands::MergedFreeBusy;

class Directory : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    for (int i = 0; i < 12; ++i) {
      backend::GalEntry e;
      e.alias = absl::StrCat("lena", i);
      e.display_name = absl::StrCat("Lena Meier ", i);
      e.last_name = "Meier";
      e.email = absl::StrCat("lena", i, "@ox.io");
      e.company = "OX";
      AddGalEntry("ox.io", e);
    }
    // No FirstName in the directory (Nokia still needs one).
    AddGalEntry("ox.io", {"ana", "Ana Souza", "", "", "ana@ox.io"});
    AddGalEntry("other", {"ana2", "Ana Elsewhere", "", "", "ana@other.io"});
    ASSERT_FALSE(Provision(phone_).empty());
  }
  Reply Gal(const std::string& query, const std::string& options) {
    return Post(phone_, "Search",
                "<Search xmlns=\"Search:\"><Store><Name>GAL</Name><Query>" + query + "</Query><Options>" +
                    options + "</Options></Store></Search>");
  }
  Phone phone_;
};

TEST_F(Directory, GalSearchPagesWithRangeAndTotal) {
  Verifies({"MS-ASCMD 2.2.1.16", "MS-ASCMD 2.2.3.142.1 (Range)", "MS-ASCMD 2.2.3.175.1 (Total)"});
  Reply r = Gal("lena", "<Range>0-4</Range>");
  ASSERT_EQ(r.Text("Status"), "1") << r.xml;
  EXPECT_EQ(r.Text("Response/Store/Status"), "1");
  EXPECT_EQ(r.Text("Response/Store/Range"), "0-4");
  EXPECT_EQ(r.Text("Response/Store/Total"), "12");
  int results = 0;
  for (pugi::xml_node n : r.doc.first_child().child("Response").child("Store").children("Result")) {
    ++results;
    EXPECT_FALSE(std::string(n.child("Properties").child("gal:EmailAddress").text().get()).empty());
  }
  EXPECT_EQ(results, 5);
  Reply tail = Gal("lena", "<Range>10-19</Range>");
  EXPECT_EQ(tail.Text("Response/Store/Range"), "10-11");
  Reply beyond = Gal("lena", "<Range>50-59</Range>");
  EXPECT_EQ(beyond.Text("Response/Store/Total"), "0");
  EXPECT_EQ(Gal("lena", "<Range>9-2</Range>").Text("Response/Store/Status"), "2");
}

TEST_F(Directory, GalAlwaysHasFirstNameAndOnlyTheOwnContext) {
  Verifies({"MS-ASCMD 2.2.3.71 (FirstName)"});
  Reply r = Gal("ana", "");
  EXPECT_EQ(r.Text("Response/Store/Total"), "1") << r.xml;
  EXPECT_EQ(r.Text("Response/Store/Result/Properties/gal:FirstName"), "Ana");
  EXPECT_EQ(r.Text("Response/Store/Result/Properties/gal:EmailAddress"), "ana@ox.io");
}

TEST_F(Directory, GalPictureFrom141Only) {
  Verifies({"MS-ASCMD 2.2.3.135.1 (Picture)"});
  Reply r = Gal("ana", "<Picture><MaxSize>1000</MaxSize></Picture>");
  EXPECT_EQ(r.Text("Response/Store/Result/Properties/gal:Picture/gal:Status"), "173") << r.xml;
  phone_.version = "12.1";
  Reply old = Gal("ana", "");
  EXPECT_FALSE(old.Has("Response/Store/Result/Properties/gal:Picture"));
}

TEST_F(Directory, MailboxSearchByFreeTextInAFolder) {
  Verifies({"MS-ASCMD 2.2.3.73 (FreeText)", "MS-ASCMD 2.2.3.93 (LongId)"});
  ASSERT_TRUE(backend_->AddMail(miguel_, "inbox", "From: a@ox.io\r\nTo: miguel@ox.io\r\nSubject: Budget 2027\r\n\r\nDraft numbers\r\n", true, now_).ok());
  ASSERT_TRUE(backend_->AddMail(miguel_, "inbox", "From: a@ox.io\r\nTo: miguel@ox.io\r\nSubject: Lunch\r\n\r\nnoon\r\n", true, now_).ok());
  ASSERT_TRUE(backend_->AddMail(miguel_, "sent", "From: m@ox.io\r\nTo: a@ox.io\r\nSubject: budget reply\r\n\r\nok\r\n", true, now_).ok());
  const std::string query =
      "<Search xmlns=\"Search:\" xmlns:airsync=\"AirSync:\"><Store><Name>Mailbox</Name><Query><And>"
      "<airsync:Class>Email</airsync:Class>%c<FreeText>budget</FreeText></And></Query>"
      "<Options><Range>0-9</Range></Options></Store></Search>";
  Reply inbox = Post(phone_, "Search",
                     absl::StrReplaceAll(query, {{"%c", "<airsync:CollectionId>inbox</airsync:CollectionId>"}}));
  ASSERT_EQ(inbox.Text("Response/Store/Status"), "1") << inbox.xml;
  EXPECT_EQ(inbox.Text("Response/Store/Total"), "1");
  EXPECT_EQ(inbox.Text("Response/Store/Result/Properties/email:Subject"), "Budget 2027");
  const std::string long_id = inbox.Text("Response/Store/Result/LongId");
  EXPECT_TRUE(backend_->GetItem(miguel_, long_id).ok());
  Reply everywhere = Post(phone_, "Search", absl::StrReplaceAll(query, {{"%c", ""}}));
  EXPECT_EQ(everywhere.Text("Response/Store/Total"), "2");
  Reply unknown = Post(phone_, "Search",
                       absl::StrReplaceAll(query, {{"%c", "<airsync:CollectionId>gone</airsync:CollectionId>"}}));
  EXPECT_EQ(unknown.Text("Response/Store/Status"), "11");
}

TEST_F(Directory, ResolveRecipientsResolvedAmbiguousUnresolved) {
  Verifies({"MS-ASCMD 2.2.1.15", "MS-ASCMD 2.2.3.177.12 (ResolveRecipients Response Status)"});
  Reply r = Post(phone_, "ResolveRecipients",
                 "<ResolveRecipients xmlns=\"ResolveRecipients:\"><To>ana@ox.io</To><To>lena</To>"
                 "<To>nobody</To><Options><MaxAmbiguousRecipients>3</MaxAmbiguousRecipients>"
                 "<CertificateRetrieval>2</CertificateRetrieval></Options></ResolveRecipients>");
  ASSERT_EQ(r.Text("Status"), "1") << r.xml;
  pugi::xml_node first = r.doc.first_child().child("Response");
  EXPECT_EQ(std::string(first.child("Status").text().get()), "1");
  EXPECT_EQ(std::string(first.child("Recipient").child("EmailAddress").text().get()), "ana@ox.io");
  EXPECT_EQ(std::string(first.child("Recipient").child("Type").text().get()), "1");
  EXPECT_EQ(std::string(first.child("Recipient").child("Certificates").child("Status").text().get()), "7");
  pugi::xml_node second = first.next_sibling("Response");
  EXPECT_EQ(std::string(second.child("Status").text().get()), "3");  // 12 matches, 3 shown
  EXPECT_EQ(std::string(second.child("RecipientCount").text().get()), "3");
  EXPECT_EQ(std::string(second.next_sibling("Response").child("Status").text().get()), "4");
}

TEST_F(Directory, ResolveRecipientsFindsContactsAndFreeBusy) {
  Verifies({"MS-ASCMD 2.2.3.16 (Availability)", "MS-ASCMD 2.2.3.99 (MergedFreeBusy)"});
  ASSERT_TRUE(backend_->AddItem(miguel_, "contacts", "Contacts",
                              "<ApplicationData xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\"><contacts:FileAs>"
                              "Zoe Private</contacts:FileAs><contacts:Email1Address>\"Zoe\" &lt;zoe@home.example&gt;"
                              "</contacts:Email1Address></ApplicationData>")
                  .ok());
  // Miguel (a local account) is busy 09:00-10:00 on 2026-11-19.
  ASSERT_TRUE(backend_->AddItem(miguel_, "calendar", "Calendar",
                              "<ApplicationData xmlns=\"AirSync:\" xmlns:calendar=\"Calendar:\"><calendar:StartTime>"
                              "20261119T090000Z</calendar:StartTime><calendar:EndTime>20261119T100000Z"
                              "</calendar:EndTime><calendar:BusyStatus>2</calendar:BusyStatus></ApplicationData>")
                  .ok());
  Reply r = Post(phone_, "ResolveRecipients",
                 "<ResolveRecipients xmlns=\"ResolveRecipients:\"><To>zoe</To><To>miguel@ox.io</To><Options>"
                 "<Availability><StartTime>2026-11-19T08:00:00.000Z</StartTime><EndTime>2026-11-19T11:00:00.000Z"
                 "</EndTime></Availability></Options></ResolveRecipients>");
  pugi::xml_node zoe = r.doc.first_child().child("Response");
  EXPECT_EQ(std::string(zoe.child("Recipient").child("Type").text().get()), "2") << r.xml;
  EXPECT_EQ(std::string(zoe.child("Recipient").child("EmailAddress").text().get()), "zoe@home.example");
  EXPECT_EQ(std::string(zoe.child("Recipient").child("Availability").child("MergedFreeBusy").text().get()), "444444");
  // Miguel is in no GAL here, so he is unresolved; free/busy is per resolved recipient.
  AddGalEntry("ox.io", {"miguel", "Miguel Ortega", "", "", "miguel@ox.io"});
  r = Post(phone_, "ResolveRecipients",
           "<ResolveRecipients xmlns=\"ResolveRecipients:\"><To>miguel@ox.io</To><Options><Availability>"
           "<StartTime>2026-11-19T08:00:00.000Z</StartTime><EndTime>2026-11-19T11:00:00.000Z</EndTime>"
           "</Availability></Options></ResolveRecipients>");
  EXPECT_EQ(r.Text("Response/Recipient/Availability/MergedFreeBusy"), "002200") << r.xml;
  EXPECT_EQ(MergedFreeBusy({{0, 1800, 1}, {1800, 5400, 3}}, 0, 7200), "1330");
}

// MS-ASCMD 2.2.3.61.1: no EndTime means 7 days; a span under 30 minutes or
// over the server's limit (42 days, as Exchange 2010/2013) is Status 5. The
// limit bounds the answer (issue 15: 0001-9999 built an 876 MB answer).
TEST_F(Directory, AvailabilitySpansAreBoundedAsTheSpecificationSays) {
  Verifies({"MS-ASCMD 2.2.3.61.1 (EndTime)", "MS-ASCMD 2.2.3.177.12 (ResolveRecipients Status 5)",
            "MS-ASCMD 2.2.3.183 (To)"});
  AddGalEntry("ox.io", {"miguel", "Miguel Ortega", "", "", "miguel@ox.io"});
  auto ask = [&](const std::string& span) {
    return Post(phone_, "ResolveRecipients",
                "<ResolveRecipients xmlns=\"ResolveRecipients:\"><To>miguel@ox.io</To><Options><Availability>" + span +
                    "</Availability></Options></ResolveRecipients>");
  };
  Reply week = ask("<StartTime>2026-11-19T00:00:00.000Z</StartTime>");
  EXPECT_EQ(week.Text("Status"), "1") << week.xml;
  EXPECT_EQ(week.Text("Response/Recipient/Availability/MergedFreeBusy").size(), 7u * 48) << "7 days of half hours";
  EXPECT_EQ(ask("<StartTime>2026-11-19T00:00:00.000Z</StartTime><EndTime>2026-11-19T00:20:00.000Z</EndTime>")
                .Text("Status"),
            "5");
  EXPECT_EQ(ask("<StartTime>0001-01-01T00:00:00.000Z</StartTime><EndTime>9999-12-31T00:00:00.000Z</EndTime>")
                .Text("Status"),
            "5");
  Reply max = ask("<StartTime>2026-11-01T00:00:00.000Z</StartTime><EndTime>2026-12-13T00:00:00.000Z</EndTime>");
  EXPECT_EQ(max.Text("Status"), "1");
  EXPECT_EQ(max.Text("Response/Recipient/Availability/MergedFreeBusy").size(), 42u * 48);
  // More than 100 To elements, or one over 256 characters (MS-ASCMD 2.2.3.183): Status 5.
  std::string many;
  for (int i = 0; i < 101; ++i) many += "<To>someone" + std::to_string(i) + "@example.com</To>";
  EXPECT_EQ(Post(phone_, "ResolveRecipients", "<ResolveRecipients xmlns=\"ResolveRecipients:\">" + many +
                                                  "</ResolveRecipients>")
                .Text("Status"),
            "5");
  EXPECT_EQ(Post(phone_, "ResolveRecipients", "<ResolveRecipients xmlns=\"ResolveRecipients:\"><To>" +
                                                  std::string(257, 'a') + "</To></ResolveRecipients>")
                .Text("Status"),
            "5");
}

}  // namespace
}  // namespace eas::conformance
