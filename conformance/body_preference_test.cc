// MS-ASAIRS body preferences in Sync: the type the client takes (HTML turned
// into text for text-only clients), TruncationSize, AllOrNone, Preview,
// MIME (Type 4 with MIMESupport), and 2.5's MIMESupport and attachments.
#include <string>

#include "absl/strings/str_cat.h"
#include "conformance/harness.h"
#include "reference/mail/mime_message.h"
#include "gmock/gmock.h"

namespace eas::conformance {
namespace {

constexpr char kHtmlMail[] =
    "From: ana@ox.io\r\nTo: miguel@ox.io\r\nSubject: Newsletter\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=m\r\n\r\n"
    "--m\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    "<html><body><p>Hello &amp; welcome</p><p>Second paragraph with more words in it.</p></body></html>\r\n"
    "--m\r\nContent-Type: text/plain; name=notes.txt\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\n"
    "some notes\r\n--m--\r\n";

class BodyPreferences : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    ASSERT_TRUE(backend_->AddMail(miguel_, "inbox", kHtmlMail, false, now_).ok());
  }
  // The first item's ApplicationData after an initial sync with `options`.
  Reply SyncWith(Phone& phone, const std::string& options) {
    const std::string head = "<Sync xmlns=\"AirSync:\" xmlns:airsyncbase=\"AirSyncBase:\"><Collections><Collection>";
    const std::string klass = phone.version == "2.5" ? "<Class>Email</Class>" : "";
    Reply first = Post(phone, "Sync", head + klass + "<SyncKey>0</SyncKey><CollectionId>inbox</CollectionId>"
                                      "</Collection></Collections></Sync>");
    const std::string key = first.Text("Collections/Collection/SyncKey");
    return Post(phone, "Sync",
                head + klass + "<SyncKey>" + key + "</SyncKey><CollectionId>inbox</CollectionId>" +
                    (phone.version == "2.5" ? "<GetChanges/>" : "") + "<Options>" + options +
                    "</Options></Collection></Collections></Sync>");
  }
  static std::string Body(const Reply& r, const std::string& what) {
    return r.Text("Collections/Collection/Commands/Add/ApplicationData/airsyncbase:Body/airsyncbase:" + what);
  }
  static std::string Wish(const std::string& type, const std::string& extra = "") {
    return "<airsyncbase:BodyPreference><airsyncbase:Type>" + type + "</airsyncbase:Type>" + extra +
           "</airsyncbase:BodyPreference>";
  }
};

TEST_F(BodyPreferences, HtmlForType2AndTextForType1) {
  Verifies({"MS-ASAIRS 2.2.2.22.1 (Type)", "MS-ASAIRS 3.2.5.1 (body type selection)"});
  Phone phone;
  ASSERT_FALSE(Provision(phone).empty());
  Reply html = SyncWith(phone, Wish("2"));
  EXPECT_EQ(Body(html, "Type"), "2") << html.xml;
  EXPECT_THAT(Body(html, "Data"), ::testing::HasSubstr("<p>Hello &amp; welcome</p>"));
  phone.device_id = "TextOnlyDevice";
  ASSERT_FALSE(Provision(phone).empty());
  Reply text = SyncWith(phone, Wish("1"));
  EXPECT_EQ(Body(text, "Type"), "1") << text.xml;
  EXPECT_EQ(Body(text, "Data"), "Hello & welcome\r\nSecond paragraph with more words in it.");
}

TEST_F(BodyPreferences, TruncationAllOrNoneAndPreview) {
  Verifies({"MS-ASAIRS 2.2.2.41 (TruncationSize)", "MS-ASAIRS 2.2.2.3 (AllOrNone)", "MS-ASAIRS 2.2.2.37 (Preview)"});
  Phone phone;
  ASSERT_FALSE(Provision(phone).empty());
  Reply cut = SyncWith(phone, Wish("1", "<airsyncbase:TruncationSize>5</airsyncbase:TruncationSize>"
                                        "<airsyncbase:Preview>12</airsyncbase:Preview>"));
  EXPECT_EQ(Body(cut, "Data"), "Hello") << cut.xml;
  EXPECT_EQ(Body(cut, "Truncated"), "1");
  EXPECT_EQ(Body(cut, "Preview"), "Hello & welc");
  phone.device_id = "AllOrNoneDevice";
  ASSERT_FALSE(Provision(phone).empty());
  Reply none = SyncWith(phone, Wish("1", "<airsyncbase:TruncationSize>5</airsyncbase:TruncationSize>"
                                         "<airsyncbase:AllOrNone>1</airsyncbase:AllOrNone>"));
  EXPECT_EQ(Body(none, "Truncated"), "1") << none.xml;
  EXPECT_FALSE(none.Has("Collections/Collection/Commands/Add/ApplicationData/airsyncbase:Body/airsyncbase:Data"));
  EXPECT_NE(Body(none, "EstimatedDataSize"), "0");
}

TEST_F(BodyPreferences, MimeForType4WithMimeSupport) {
  Verifies({"MS-ASAIRS 2.2.2.22.4 (Type 4 MIME)", "MS-ASCMD 2.2.3.106 (MIMESupport)"});
  Phone phone;
  ASSERT_FALSE(Provision(phone).empty());
  Reply mime = SyncWith(phone, "<MIMESupport>2</MIMESupport>" + Wish("4"));
  EXPECT_EQ(Body(mime, "Type"), "4") << mime.xml;
  EXPECT_EQ(Body(mime, "Data"), kHtmlMail);
  phone.device_id = "NoMimeSupport";
  ASSERT_FALSE(Provision(phone).empty());
  Reply plain = SyncWith(phone, "<MIMESupport>0</MIMESupport>" + Wish("4") + Wish("2"));
  EXPECT_EQ(Body(plain, "Type"), "2") << plain.xml;
}

TEST_F(BodyPreferences, MimeOfMailKeptOnlyAsPropertiesIsBuiltFromThem) {
  // Mail the store holds as EAS properties (no MIME), asked for as MIME:
  // a message built from its headers and body, not a plain-text fallback.
  Verifies({"MS-ASAIRS 2.2.2.22.4 (Type 4 MIME)", "MS-ASCMD 2.2.3.106 (MIMESupport)"});
  if (OnOx()) GTEST_SKIP() << "OX mail always comes with its MIME (the connector fetches the source)";
  auto id = backend_->AddItem(
      miguel_, "inbox", "Email",
      "<ApplicationData xmlns=\"AirSync:\" xmlns:email=\"Email:\" xmlns:airsyncbase=\"AirSyncBase:\">"
      "<email:To>\"Miguel Ortega\" &lt;miguel@ox.io&gt;</email:To><email:From>\"J\u00falia Sz\u0151ke\" "
      "&lt;julia@example.com&gt;</email:From><email:Subject>Caf\u00e9 am Montag</email:Subject>"
      "<email:DateReceived>2026-11-10T08:15:00.000Z</email:DateReceived><airsyncbase:Body>"
      "<airsyncbase:Type>1</airsyncbase:Type><airsyncbase:Data>Gr\u00fc\u00dfe aus K\u00f6ln\r\n</airsyncbase:Data>"
      "</airsyncbase:Body><email:Read>0</email:Read></ApplicationData>");
  ASSERT_TRUE(id.ok());
  Phone phone;
  ASSERT_FALSE(Provision(phone).empty());
  Reply r = SyncWith(phone, "<MIMESupport>2</MIMESupport>" + Wish("4"));
  std::string data;
  for (pugi::xml_node add : r.doc.first_child().child("Collections").child("Collection").child("Commands").children("Add")) {
    if (std::string(add.child("ServerId").text().get()) != *id) continue;
    pugi::xml_node body = add.child("ApplicationData").child("airsyncbase:Body");
    EXPECT_STREQ(body.child("airsyncbase:Type").text().get(), "4") << r.xml;
    data = body.child("airsyncbase:Data").text().get();
  }
  // The message reads back as what the item holds (independent parser).
  auto message = mail::ParseMessage(data);
  ASSERT_TRUE(message.ok()) << data;
  EXPECT_EQ(message->subject, "Caf\u00e9 am Montag");
  EXPECT_EQ(message->from_address, "julia@example.com");
  EXPECT_THAT(message->from, ::testing::HasSubstr("J\u00falia Sz\u0151ke"));
  EXPECT_EQ(message->recipients, std::vector<std::string>{"miguel@ox.io"});
  EXPECT_EQ(message->date, 1794298500);  // 2026-11-10T08:15:00Z
  EXPECT_EQ(message->text_body, "Gr\u00fc\u00dfe aus K\u00f6ln\r\n");
  EXPECT_THAT(data, ::testing::Not(::testing::HasSubstr("Caf\u00e9")));  // headers are 7-bit (RFC 2047)
}

TEST_F(BodyPreferences, Version25GetsTextAttachmentsAndMimeData) {
  Verifies({"MS-ASCMD 2.2.3.105 (MIMEData)", "MS-ASWBXML 2.1.2.1.3 (2.5 Attachments)"});
  Phone phone;
  phone.version = "2.5";
  phone.device_type = "PocketPC";
  ASSERT_FALSE(Provision(phone).empty());
  Reply text = SyncWith(phone, "<Truncation>9</Truncation>");  // 9: do not truncate (MS-ASCMD 2.2.3.185)
  const std::string base = "Collections/Collection/Commands/Add/ApplicationData/";
  EXPECT_EQ(text.Text(base + "email:Body"), "Hello & welcome\r\nSecond paragraph with more words in it.") << text.xml;
  EXPECT_EQ(text.Text(base + "email:Attachments/email:Attachment/email:DisplayName"), "notes.txt");
  EXPECT_FALSE(text.Text(base + "email:Attachments/email:Attachment/email:AttName").empty());
  EXPECT_FALSE(text.Has(base + "airsyncbase:Body"));
  phone.device_id = "Wm25Mime";
  ASSERT_FALSE(Provision(phone).empty());
  Reply mime = SyncWith(phone, "<MIMESupport>2</MIMESupport><MIMETruncation>8</MIMETruncation>");
  EXPECT_EQ(mime.Text(base + "email:MIMEData"), kHtmlMail) << mime.xml;
  EXPECT_EQ(mime.Text(base + "email:MIMESize"), absl::StrCat(std::string(kHtmlMail).size()));
  EXPECT_FALSE(mime.Has(base + "email:Body"));
}

}  // namespace
}  // namespace eas::conformance
