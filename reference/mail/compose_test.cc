#include "reference/mail/compose.h"

#include "gtest/gtest.h"
#include "reference/mail/mail_item.h"
#include "reference/mail/mime_message.h"

namespace eas::mail {
namespace {

MailMessage Original() {
  auto m = ParseMessage(
      "From: \"Ana Souza\" <ana@ox.io>\r\nTo: miguel@ox.io\r\nSubject: Budget\r\n"
      "Message-ID: <b1@ox.io>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
      "Content-Type: multipart/mixed; boundary=x\r\n\r\n"
      "--x\r\nContent-Type: text/plain\r\n\r\nNumbers attached.\r\n"
      "--x\r\nContent-Type: application/vnd.ms-excel\r\n"
      "Content-Disposition: attachment; filename=budget.xls\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--x--\r\n");
  EXPECT_TRUE(m.ok());
  return *m;
}

// Issue 15: miguel's mail reached juan as From: Ana Souza <ana@ox.io>.
TEST(CompleteHeaders, NobodySendsAsSomeoneElse) {
  auto spoofed = CompleteHeaders("From: Ana Souza <ana@ox.io>\r\nSender: boss@ox.io\r\nTo: juan@example.org\r\n"
                                 "Subject: Hi\r\n\r\nx",
                                 "\"Miguel Ortega\" <miguel@ox.io>", 1795500000, "ox.io");
  ASSERT_TRUE(spoofed.ok());
  auto m = ParseMessage(*spoofed);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->from_address, "miguel@ox.io");
  EXPECT_EQ(spoofed->find("ana@ox.io"), std::string::npos) << *spoofed;
  EXPECT_EQ(spoofed->find("boss@ox.io"), std::string::npos) << "a Sender naming someone else stays";
}

TEST(HeaderText, UserTextCannotStartAHeaderOfItsOwn) {
  EXPECT_EQ(HeaderText("Lunch\nBcc: juan@example.org\r\nX-Injected: yes"), "Lunch Bcc: juan@example.org  X-Injected: yes");
  EXPECT_EQ(Mailbox("Ana \"the\" Boss\r\nBcc: x@y", "ana@ox.io"), "\"Ana \\\"the\\\" Boss  Bcc: x@y\" <ana@ox.io>");
  EXPECT_EQ(Mailbox("", "ana@ox.io\r\nBcc: x@y"), "ana@ox.io  Bcc: x@y");
}

TEST(CompleteHeaders, AddsWhatThePhoneLeftOutAndKeepsTheRest) {
  auto out = CompleteHeaders("To: ana@ox.io\nSubject: Hi\n\nBody\n", "\"Miguel\" <miguel@ox.io>",
                             1795500000, "ox.io");
  ASSERT_TRUE(out.ok()) << out.status();
  auto m = ParseMessage(*out);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->from_address, "miguel@ox.io");
  EXPECT_EQ(m->date, 1795500000);
  EXPECT_NE(m->message_id.find("@ox.io"), std::string::npos);
  EXPECT_EQ(m->text_body, "Body\r\n");
  // The same request gets the same Message-ID (a resent SendMail).
  EXPECT_EQ(*out, *CompleteHeaders("To: ana@ox.io\nSubject: Hi\n\nBody\n", "\"Miguel\" <miguel@ox.io>",
                                   1795500000, "ox.io"));
  // The phone's own From (its display name) is kept when it is the account's
  // address, as is its Date.
  auto kept = CompleteHeaders("From: Me Myself <Miguel@ox.io>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nx",
                              "\"Miguel\" <miguel@ox.io>", 1795500000, "ox.io");
  EXPECT_EQ(ParseMessage(*kept)->from_address, "Miguel@ox.io");
  EXPECT_NE(kept->find("Me Myself"), std::string::npos);
  EXPECT_FALSE(CompleteHeaders("", "a@b", 0, "ox.io").ok());
}

TEST(AddOriginal, ReplyQuotesTheOriginalAndThreads) {
  auto out = AddOriginal("To: ana@ox.io\r\nSubject: RE: Budget\r\n\r\nLooks good.\r\n", Original(),
                         /*forward=*/false);
  ASSERT_TRUE(out.ok());
  auto m = ParseMessage(*out);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->in_reply_to, "<b1@ox.io>");
  EXPECT_NE(m->text_body.find("Looks good."), std::string::npos);
  EXPECT_NE(m->text_body.find("-----Original Message-----"), std::string::npos);
  EXPECT_NE(m->text_body.find("Numbers attached."), std::string::npos);
  EXPECT_TRUE(m->attachments.empty());  // a reply does not carry attachments
}

TEST(AddOriginal, ForwardCarriesAttachmentsAndQuotesIntoHtml) {
  auto out = AddOriginal(
      "To: lena@ox.io\r\nSubject: FW: Budget\r\nContent-Type: text/html\r\n\r\n"
      "<html><body><p>FYI</p></body></html>\r\n",
      Original(), /*forward=*/true);
  ASSERT_TRUE(out.ok());
  auto m = ParseMessage(*out);
  ASSERT_TRUE(m.ok());
  EXPECT_NE(m->html_body.find("<p>FYI</p><hr>"), std::string::npos);
  EXPECT_NE(m->html_body.find("Numbers attached."), std::string::npos);
  EXPECT_LT(m->html_body.find("Numbers attached."), m->html_body.find("</body>"));
  ASSERT_EQ(m->attachments.size(), 1u);
  EXPECT_EQ(m->attachments[0].file_name, "budget.xls");
  EXPECT_EQ(m->attachments[0].data, std::string("\0\1\2\3", 4));
  EXPECT_TRUE(m->in_reply_to.empty());
}

TEST(WithoutBcc, DropsOnlyBcc) {
  auto out = WithoutBcc("To: a@ox.io\r\nBcc: secret@ox.io\r\nSubject: s\r\n\r\nx");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->find("secret"), std::string::npos);
  EXPECT_NE(out->find("To: a@ox.io"), std::string::npos);
}

TEST(ToApplicationData, ListsAttachmentsByStableFileReference) {
  const std::string xml = ToApplicationData(Original(), 42, 1795500000, false);
  EXPECT_NE(xml.find("<airsyncbase:FileReference>42:0</airsyncbase:FileReference>"), std::string::npos);
  EXPECT_NE(xml.find("<airsyncbase:DisplayName>budget.xls</airsyncbase:DisplayName>"), std::string::npos);
  EXPECT_NE(xml.find("<email:DateReceived>2026-11-24T06:00:00.000Z</email:DateReceived>"), std::string::npos);
  EXPECT_NE(xml.find("<email:Read>0</email:Read>"), std::string::npos);
  EXPECT_NE(xml.find("<email:MessageClass>IPM.Note</email:MessageClass>"), std::string::npos);
  EXPECT_EQ(ParseFileReference("42:0"), std::make_pair(int64_t{42}, size_t{0}));
  EXPECT_FALSE(ParseFileReference("x:1").has_value());
  EXPECT_FALSE(ParseFileReference("0:1").has_value());
}

}  // namespace
}  // namespace eas::mail
