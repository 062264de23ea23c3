// MS-ASHTTP 2.2.1.1.1: both query forms, including the real base64 queries of
// a Windows Mobile 6.5 phone and of Nine on Android (../shared/real-traces).
#include "reference/http/query.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reference/testing/runfiles.h"

namespace eas::http {
namespace {

using ::testing::HasSubstr;

std::string RealQuery(const std::string& name) {
  std::string path = testing::Runfile("real_traces/" + name);
  EXPECT_FALSE(path.empty()) << name << " missing from ../shared/real-traces";
  return std::string(absl::StripAsciiWhitespace(testing::ReadFileOrDie(path)));
}

// MS-ASHTTP_R30 (plain query parameters), as iOS sends them (Cmd last).
TEST(Query, PlainFormInAnyOrder) {
  auto q = ParseQuery("User=ox.io%5Cmiguel&DeviceId=ApplDNPXK2ABCD12&DeviceType=iPhone&Cmd=Sync");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_FALSE(q->base64);
  EXPECT_EQ(q->command, Command::kSync);
  EXPECT_EQ(q->user, "ox.io\\miguel");
  EXPECT_EQ(q->device_id, "ApplDNPXK2ABCD12");
  EXPECT_EQ(q->device_type, "iPhone");
  EXPECT_FALSE(q->version.has_value());
}

TEST(Query, PlainFormParameters) {
  auto q = ParseQuery(
      "Cmd=SmartReply&User=juan&DeviceId=androidc1&DeviceType=Android&CollectionId=inbox"
      "&ItemId=1%3A88&SaveInSent=T&AttachmentName=a%20b.pdf&Occurrence=2");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->command, Command::kSmartReply);
  EXPECT_EQ(q->collection_id, "inbox");
  EXPECT_EQ(q->item_id, "1:88");
  EXPECT_TRUE(q->save_in_sent);
  EXPECT_EQ(q->attachment_name, "a b.pdf");
  EXPECT_EQ(q->occurrence, "2");
}

TEST(Query, UnknownCommandKeepsItsName) {
  auto q = ParseQuery("Cmd=Frobnicate&User=a&DeviceId=b&DeviceType=c");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->command.has_value());
  EXPECT_EQ(q->command_name, "Frobnicate");
}

// MS-ASHTTP_R14 (base64 query): the real Windows Mobile 6.5 SmartForward.
TEST(Query, RealWindowsMobileBase64Query) {
  auto q = ParseQuery(RealQuery("25_wm_ppc_121_smartforward_base64query_hordeutilstest.query"));
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_TRUE(q->base64);
  EXPECT_EQ(q->version, ProtocolVersion::k12_1);
  EXPECT_EQ(q->command, Command::kSmartForward);
  EXPECT_EQ(q->locale, 0x0409);
  EXPECT_EQ(q->device_id, "AE4ECD19F592BA5657706FF74CF09BAC");  // binary: hex
  EXPECT_EQ(q->policy_key, 2216451701u);
  EXPECT_EQ(q->device_type, "PPC");
  EXPECT_TRUE(q->save_in_sent);
  EXPECT_FALSE(q->accept_multipart);
  EXPECT_EQ(q->item_id, "119281");
  EXPECT_EQ(q->collection_id, "INBOX");
}

TEST(Query, RealNineBase64Query) {
  auto q = ParseQuery(RealQuery("26_android_nine_160_settings_base64query_hordeutilstest.query"));
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->version, ProtocolVersion::k16_0);
  EXPECT_EQ(q->command, Command::kSettings);
  EXPECT_EQ(q->device_id, "Nine2EC7EC0BB54D");  // printable: as is
  EXPECT_EQ(q->policy_key, 1655081217u);
  EXPECT_EQ(q->device_type, "Android");
}

TEST(Query, Base64PercentEncodedAndUrlSafe) {
  std::string raw = RealQuery("26_android_nine_160_settings_base64query_hordeutilstest.query");
  std::string encoded;
  for (char c : raw) {
    if (c == '=') encoded += "%3D"; else if (c == '+') encoded += "%2B"; else if (c == '/') encoded += "%2F"; else encoded += c;
  }
  auto q = ParseQuery(encoded);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->device_id, "Nine2EC7EC0BB54D");
}

TEST(Query, Base64WithoutPolicyKeyAndWithUser) {
  // 14.1 FolderSync, locale 0x0407, device id "dev1", no policy key, type
  // "SP", parameter User "juan".
  std::string bytes = std::string("\x8d\x09\x07\x04\x04" "dev1" "\x00\x02" "SP" "\x08\x04" "juan", 19);
  auto q = ParseQuery(absl::Base64Escape(bytes));
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->version, ProtocolVersion::k14_1);
  EXPECT_EQ(q->command, Command::kFolderSync);
  EXPECT_FALSE(q->policy_key.has_value());
  EXPECT_EQ(q->device_type, "SP");
  EXPECT_EQ(q->user, "juan");
}

TEST(Query, Base64Errors) {
  EXPECT_THAT(std::string(ParseQuery(absl::Base64Escape(std::string("\x8d\x09\x07\x04\x10" "ab", 7))).status().message()),
              HasSubstr("truncated device id at byte offset 5"));
  EXPECT_THAT(std::string(ParseQuery(absl::Base64Escape(std::string("\x8d\x09\x07\x04\x00\x02" "ab" "\x00", 9))).status().message()),
              HasSubstr("policy key of 2 bytes"));
  EXPECT_THAT(std::string(ParseQuery(absl::Base64Escape(std::string("\x8d\x09\x07\x04\x00\x00\x00\x09\x01" "x", 10))).status().message()),
              HasSubstr("unknown parameter tag 9 at byte offset 7"));
  EXPECT_FALSE(ParseQuery("").ok());
  EXPECT_FALSE(ParseQuery("!!!notbase64").ok());
  auto unknown_version = ParseQuery(absl::Base64Escape(std::string("\x63\x09\x07\x04\x00\x00\x00", 7)));
  ASSERT_TRUE(unknown_version.ok());
  EXPECT_TRUE(unknown_version->version_unknown);
}

TEST(Query, UrlDecode) {
  EXPECT_EQ(UrlDecode("a%5Cb%20c+d%zz%4"), "a\\b c+d%zz%4");
}

}  // namespace
}  // namespace eas::http
