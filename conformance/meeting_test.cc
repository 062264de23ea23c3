// MS-ASCMD MeetingResponse (from the Inbox invitation and from the calendar),
// Settings Oof, and ValidateCert.
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "conformance/harness.h"
#include "gmock/gmock.h"
#include "reference/server/self_signed.h"

namespace eas::conformance {
namespace {

constexpr char kInvitation[] =
    "From: \"Ana Souza\" <ana@ox.io>\r\nTo: miguel@ox.io\r\nSubject: Design review\r\n"
    "Date: Wed, 18 Nov 2026 08:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nPlease come.\r\n"
    "--b\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n"
    "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:review-42\r\nSUMMARY:Design review\r\n"
    "DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\nLOCATION:Room Rhein\r\n"
    "ORGANIZER;CN=Ana Souza:mailto:ana@ox.io\r\nATTENDEE:mailto:miguel@ox.io\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n--b--\r\n";

class Meeting : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    ana_ = Colleague();
    ASSERT_FALSE(Provision(phone_).empty());
    auto invitation = backend_->AddMail(miguel_, "inbox", kInvitation, false, now_);
    ASSERT_TRUE(invitation.ok());
    invitation_ = *invitation;
  }
  Reply Respond(const std::string& response, const std::string& folder, const std::string& id,
                const std::string& extra = "") {
    return Post(phone_, "MeetingResponse",
                "<MeetingResponse xmlns=\"MeetingResponse:\"><Request><UserResponse>" + response +
                    "</UserResponse><CollectionId>" + folder + "</CollectionId><RequestId>" + id + "</RequestId>" +
                    extra + "</Request></MeetingResponse>");
  }
  std::vector<backend::ItemChange> Live(const backend::Account& who, const std::string& folder) {
    std::vector<backend::ItemChange> out;
    auto all = backend_->ChangesSince(who, folder, 0);
    for (auto& c : *all) {
      if (!c.deleted) out.push_back(c);
    }
    return out;
  }
  Phone phone_;
  backend::Account ana_;
  std::string invitation_;
};

TEST_F(Meeting, InvitationCarriesMeetingRequestForTheClient) {
  Verifies({"MS-ASEMAIL 2.2.2.48 (MeetingRequest)", "MS-ASEMAIL 2.2.2.36 (GlobalObjId)"});
  const std::string data = backend_->GetItem(miguel_, invitation_)->data;
  EXPECT_THAT(data, ::testing::HasSubstr("<email:MessageClass>IPM.Schedule.Meeting.Request</email:MessageClass>"));
  EXPECT_THAT(data, ::testing::HasSubstr("<email:StartTime>2026-12-01T09:00:00.000Z</email:StartTime>"));
  EXPECT_THAT(data, ::testing::HasSubstr("<email:Organizer>ana@ox.io</email:Organizer>"));
  EXPECT_THAT(data, ::testing::HasSubstr("<email:GlobalObjId>"));
}

TEST_F(Meeting, AcceptFromTheInboxFillsTheCalendarAndAnswersTheOrganizer) {
  Verifies({"MS-ASCMD 2.2.1.11", "MS-ASCMD 2.2.3.177.9 (MeetingResponse Status)", "MS-ASCMD 2.2.3.18 (CalendarId)"});
  Reply r = Respond("1", "inbox", invitation_);
  ASSERT_EQ(r.Text("Result/Status"), "1") << r.xml;
  EXPECT_EQ(r.Text("Result/RequestId"), invitation_);
  const std::string calendar_id = r.Text("Result/CalendarId");
  auto event = backend_->GetItem(miguel_, calendar_id);
  ASSERT_TRUE(event.ok());
  EXPECT_THAT(event->data, ::testing::HasSubstr("<calendar:UID>review-42</calendar:UID>"));
  EXPECT_THAT(event->data, ::testing::HasSubstr("<calendar:StartTime>20261201T090000Z</calendar:StartTime>"));
  EXPECT_THAT(event->data, ::testing::HasSubstr("<calendar:ResponseType>3</calendar:ResponseType>"));
  EXPECT_THAT(event->data, ::testing::HasSubstr("<calendar:MeetingStatus>3</calendar:MeetingStatus>"));
  EXPECT_TRUE(Live(miguel_, "inbox").empty());      // the invitation left the Inbox
  EXPECT_EQ(Live(miguel_, "trash").size(), 1u);     // into Deleted Items
  auto replies = Live(ana_, "inbox");
  ASSERT_EQ(replies.size(), 1u);
  const std::string mime = *backend_->GetMime(ana_, replies[0].server_id);
  EXPECT_THAT(mime, ::testing::HasSubstr("Subject: Accepted: Design review"));
  EXPECT_THAT(mime, ::testing::HasSubstr("PARTSTAT=ACCEPTED"));
  EXPECT_THAT(replies[0].data, ::testing::HasSubstr("IPM.Schedule.Meeting.Resp.Pos"));
  // Answered already: the request is gone.
  EXPECT_EQ(Respond("1", "inbox", invitation_).Text("Result/Status"), "2");
}

TEST_F(Meeting, TentativeThenDeclineFromTheCalendarAsIosDoes) {
  Verifies({"MS-ASCMD 2.2.3.181 (UserResponse)"});
  const std::string calendar_id = Respond("2", "inbox", invitation_).Text("Result/CalendarId");
  ASSERT_FALSE(calendar_id.empty());
  EXPECT_THAT(backend_->GetItem(miguel_, calendar_id)->data, ::testing::HasSubstr("<calendar:BusyStatus>1</calendar:BusyStatus>"));
  Reply declined = Respond("3", "calendar", calendar_id);
  EXPECT_EQ(declined.Text("Result/Status"), "1") << declined.xml;
  EXPECT_FALSE(declined.Has("Result/CalendarId"));
  EXPECT_EQ(backend_->GetItem(miguel_, calendar_id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Live(ana_, "inbox").size(), 2u);  // a tentative and a decline
}

TEST_F(Meeting, From16TheOrganizerHearsBackOnlyWithSendResponse) {
  Verifies({"MS-ASCMD 2.2.3.160 (SendResponse)"});
  phone_.version = "16.1";
  ASSERT_FALSE(Provision(phone_).empty());
  EXPECT_EQ(Respond("1", "inbox", invitation_).Text("Result/Status"), "1");
  EXPECT_TRUE(Live(ana_, "inbox").empty());
}

TEST_F(Meeting, NotAMeetingRequest) {
  Verifies({"MS-ASCMD 2.2.3.177.9 (MeetingResponse Status 2)"});
  auto plain = backend_->AddMail(miguel_, "inbox", "From: a@ox.io\r\nSubject: hi\r\n\r\nx\r\n", false, now_);
  EXPECT_EQ(Respond("1", "inbox", *plain).Text("Result/Status"), "2");
  EXPECT_EQ(Respond("1", "inbox", "inbox:999").Text("Result/Status"), "2");
  EXPECT_EQ(Respond("7", "inbox", invitation_).Text("Result/Status"), "2");
  EXPECT_EQ(Respond("1", "calendar", invitation_).Text("Result/Status"), "2");  // wrong folder
}

TEST_F(Meeting, OofSetAndGet) {
  Verifies({"MS-ASCMD 2.2.3.119 (Oof)", "MS-ASCMD 2.2.3.120 (OofState)"});
  Reply set = Post(phone_, "Settings",
                   "<Settings xmlns=\"Settings:\"><Oof><Set><OofState>2</OofState>"
                   "<StartTime>2026-12-20T00:00:00.000Z</StartTime><EndTime>2027-01-04T00:00:00.000Z</EndTime>"
                   "<OofMessage><AppliesToInternal/><Enabled>1</Enabled><ReplyMessage>Back in January"
                   "</ReplyMessage><BodyType>TEXT</BodyType></OofMessage><OofMessage><AppliesToExternalUnknown/>"
                   "<Enabled>0</Enabled></OofMessage></Set></Oof></Settings>");
  EXPECT_EQ(set.Text("Oof/Status"), "1") << set.xml;
  Reply get = Post(phone_, "Settings",
                   "<Settings xmlns=\"Settings:\"><Oof><Get><BodyType>TEXT</BodyType></Get></Oof></Settings>");
  ASSERT_EQ(get.Text("Oof/Status"), "1") << get.xml;
  EXPECT_EQ(get.Text("Oof/Get/OofState"), "2");
  EXPECT_EQ(get.Text("Oof/Get/StartTime"), "2026-12-20T00:00:00.000Z");
  EXPECT_EQ(get.Text("Oof/Get/OofMessage/ReplyMessage"), "Back in January");
  Reply bad = Post(phone_, "Settings",
                   "<Settings xmlns=\"Settings:\"><Oof><Set><OofState>2</OofState><StartTime>2027-01-04T00:00:00.000Z"
                   "</StartTime><EndTime>2026-12-20T00:00:00.000Z</EndTime></Set></Oof></Settings>");
  EXPECT_EQ(bad.Text("Oof/Status"), "5");
}

TEST_F(Meeting, ValidateCertJudgesEachCertificate) {
  Verifies({"MS-ASCMD 2.2.1.21", "MS-ASCMD 2.2.3.177.18 (ValidateCert Status)"});
  ASSERT_TRUE(server::EnsureSelfSignedCertificate(dir_ + "/c.pem", dir_ + "/k.pem", "phone.example").ok());
  FILE* f = std::fopen((dir_ + "/c.pem").c_str(), "r");
  ASSERT_NE(f, nullptr);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  ASSERT_NE(cert, nullptr);
  unsigned char* der = nullptr;
  const int length = i2d_X509(cert, &der);
  const std::string b64 = absl::Base64Escape(std::string(reinterpret_cast<char*>(der), length));
  OPENSSL_free(der);
  X509_free(cert);
  Reply r = Post(phone_, "ValidateCert",
                 "<ValidateCert xmlns=\"ValidateCert:\"><Certificates><Certificate>" + b64 +
                     "</Certificate><Certificate>bm90IGEgY2VydA==</Certificate></Certificates></ValidateCert>");
  ASSERT_EQ(r.Text("Status"), "1") << r.xml;
  pugi::xml_node first = r.doc.first_child().child("Certificate");
  EXPECT_EQ(std::string(first.child("Status").text().get()), "4");  // nobody vouches for a self-signed one
  EXPECT_EQ(std::string(first.next_sibling("Certificate").child("Status").text().get()), "2");
  EXPECT_EQ(Post(phone_, "ValidateCert", "<ValidateCert xmlns=\"ValidateCert:\"/>").Text("Status"), "2");
}

}  // namespace
}  // namespace eas::conformance
