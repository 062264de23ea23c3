#include "reference/mail/mime_message.h"

#include "gtest/gtest.h"

namespace eas::mail {
namespace {

TEST(ParseMessage, SemicolonSeparatedRecipientsAndBareLineFeeds) {
  // Windows Mobile's habit: ';' between recipients, LF line ends.
  const std::string raw =
      "From: \"Miguel\" <miguel@ox.io>\n"
      "To: ana@ox.io; \"Souza, Ana\" <ana.souza@example.com>\n"
      "Cc: team: lena@ox.io, erik@ox.io;\n"
      "Bcc: boss@example.com\n"
      "Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\n"
      "Date: Tue, 24 Nov 2026 08:00:00 +0100\n"
      "Importance: High\n"
      "\n"
      "Hello\n";
  auto m = ParseMessage(raw);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->from_address, "miguel@ox.io");
  EXPECT_EQ(m->subject, "Grüße");
  EXPECT_EQ(m->date, 1795503600);
  EXPECT_EQ(m->importance, "2");
  EXPECT_EQ(m->recipients, (std::vector<std::string>{"ana@ox.io", "ana.souza@example.com",
                                                     "lena@ox.io", "erik@ox.io",
                                                     "boss@example.com"}));
  EXPECT_NE(m->to.find("Souza, Ana"), std::string::npos);
  EXPECT_EQ(m->text_body, "Hello\n");
}

TEST(ParseMessage, MultipartWithAttachmentInlineImageAndForwardedMessage) {
  const std::string raw =
      "From: a@ox.io\r\nTo: b@ox.io\r\nSubject: Fwd: report\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"=_outer\"\r\n\r\n"
      "--=_outer\r\n"
      "Content-Type: multipart/alternative; boundary=inner\r\n\r\n"
      "--inner\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\nSee =E4ttached\r\n"
      "--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>See attached</p>\r\n"
      "--inner--\r\n"
      "--=_outer\r\nContent-Type: application/pdf; name=\"q3.pdf\"\r\n"
      "Content-Disposition: attachment; filename=\"q3.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
      "--=_outer\r\nContent-Type: image/png\r\nContent-ID: <logo@ox>\r\n"
      "Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n"
      "--=_outer\r\nContent-Type: message/rfc822\r\n\r\n"
      "From: c@ox.io\r\nSubject: Original\r\n\r\nold text\r\n"
      "--=_outer--\r\n";
  auto m = ParseMessage(raw);
  ASSERT_TRUE(m.ok()) << m.status();
  // The line end before a boundary belongs to the boundary (RFC 2046 5.1.1).
  EXPECT_EQ(m->text_body, "See ättached");
  EXPECT_EQ(m->html_body, "<p>See attached</p>");
  ASSERT_EQ(m->attachments.size(), 3u);
  EXPECT_EQ(m->attachments[0].file_name, "q3.pdf");
  EXPECT_EQ(m->attachments[0].content_type, "application/pdf");
  EXPECT_EQ(m->attachments[0].data, "%PDF-1.4\n");
  EXPECT_FALSE(m->attachments[0].is_inline);
  EXPECT_EQ(m->attachments[1].content_id, "logo@ox");
  EXPECT_TRUE(m->attachments[1].is_inline);
  EXPECT_EQ(m->attachments[1].file_name, "attachment-1");
  EXPECT_EQ(m->attachments[2].file_name, "Original.eml");
  EXPECT_NE(m->attachments[2].data.find("old text"), std::string::npos);
}

TEST(ParseMessage, MeetingReplyKeepsTheCalendarPart) {
  const std::string raw =
      "From: a@ox.io\r\nTo: b@ox.io\r\nSubject: Accepted: Review\r\n"
      "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nI accept.\r\n"
      "--b\r\nContent-Type: text/calendar; method=REPLY; charset=utf-8\r\n\r\n"
      "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n--b--\r\n";
  auto m = ParseMessage(raw);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->calendar_method, "REPLY");
  EXPECT_NE(m->calendar.find("BEGIN:VCALENDAR"), std::string::npos);
  EXPECT_TRUE(m->attachments.empty());
}

TEST(ParseMessage, RefusesBytesWithoutHeaders) {
  EXPECT_FALSE(ParseMessage("").ok());
  EXPECT_FALSE(ParseMessage("\r\n\r\njust text").ok());
}

TEST(ParseAddresses, AcceptsBothSeparators) {
  EXPECT_EQ(ParseAddresses("a@x.io;b@x.io, \"C; D\" <c@x.io>"),
            (std::vector<std::string>{"a@x.io", "b@x.io", "c@x.io"}));
}

}  // namespace
}  // namespace eas::mail
