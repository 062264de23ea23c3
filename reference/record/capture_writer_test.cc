#include "reference/record/capture_writer.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "pugixml.hpp"
#include "reference/record/session_recorder.h"
#include "reference/testing/runfiles.h"
#include "reference/wbxml/dom.h"
#include "reference/wbxml/encoder.h"

namespace eas::record {
namespace {

std::string Wbxml(const std::string& xml) {
  pugi::xml_document doc;
  EXPECT_TRUE(wbxml::ParseXmlText(xml, doc).ok()) << xml;
  auto bytes = wbxml::Encode(doc);
  EXPECT_TRUE(bytes.ok());
  return *bytes;
}

const HeaderList kWbxmlType = {{"Content-Type", "application/vnd.ms-sync.wbxml"}};

SessionInfo Info(const std::string& form = "plain") {
  SessionInfo info;
  info.login = "miguel";
  info.device_id = "DEV1";
  info.device_type = "iPhone";
  info.protocol = "14.1";
  info.query_form = form;
  info.user = "ox.io\\miguel";
  info.query_user = "miguel";
  info.fixture = "state.json";
  return info;
}

// A capture file as the recorder writes it: the header, each exchange,
// the footer.
struct Recording {
  explicit Recording(SessionInfo info) : writer(std::move(info)) {}
  void Add(const RecordedExchange& e) { exchanges += writer.Add(e); }
  std::string Document() const { return writer.Header() + exchanges + writer.Footer(); }
  CaptureWriter writer;
  std::string exchanges;
};

RecordedExchange Exchange(const std::string& query, const std::string& request_xml, const std::string& response_xml) {
  RecordedExchange e;
  e.method = "POST";
  e.target = "/Microsoft-Server-ActiveSync?" + query;
  e.request_headers = {{"Authorization", "Basic bWlndWVsOnNlY3JldA=="}, {"Host", "eas.example.com"},
                       {"Content-Type", "application/vnd.ms-sync.wbxml"}, {"Content-Length", "99"}};
  e.request_body = request_xml.empty() ? "" : Wbxml(request_xml);
  e.status = 200;
  e.response_headers = kWbxmlType;
  e.response_body = response_xml.empty() ? "" : Wbxml(response_xml);
  return e;
}

TEST(CaptureWriter, KeysOfTheHierarchyAndOfACollectionAreBoundApartEvenWhenEqual) {
  Recording w(Info());
  w.Add(Exchange("Cmd=FolderSync&User=miguel&DeviceId=DEV1&DeviceType=iPhone",
                 "<FolderSync xmlns=\"FolderHierarchy:\"><SyncKey>0</SyncKey></FolderSync>",
                 "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>1</SyncKey><Changes><Count>1</Count>"
                 "<Add><ServerId>inbox</ServerId><ParentId>0</ParentId><DisplayName>Inbox</DisplayName><Type>2</Type>"
                 "</Add></Changes></FolderSync>"));
  w.Add(Exchange("Cmd=Sync&User=miguel&DeviceId=DEV1&DeviceType=iPhone",
                 "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>0</SyncKey><CollectionId>inbox</CollectionId>"
                 "</Collection></Collections></Sync>",
                 "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>1</SyncKey><CollectionId>inbox</CollectionId>"
                 "<Status>1</Status></Collection></Collections></Sync>"));
  RecordedExchange later = Exchange("Cmd=ItemOperations&User=miguel&DeviceId=DEV1&DeviceType=iPhone&CollectionId=inbox", "", "");
  later.received = absl::UnixEpoch() + absl::Milliseconds(1500);  // the session began at the epoch (Info)
  later.answered = absl::UnixEpoch() + absl::Milliseconds(1750);
  w.Add(later);
  const std::string doc = w.Document();
  EXPECT_TRUE(absl::StrContains(doc, "<SyncKey>{{sync_key_1}}</SyncKey><Changes order=\"any\">")) << doc;
  EXPECT_TRUE(absl::StrContains(doc, "<SyncKey>{{sync_key_2}}</SyncKey><CollectionId>{{id_1}}</CollectionId>")) << doc;
  EXPECT_TRUE(absl::StrContains(doc, "<CollectionId>{{id_1}}</CollectionId></Collection>")) << doc;  // the request
  EXPECT_TRUE(absl::StrContains(doc, "&amp;CollectionId={{id_1}}\"")) << doc;  // and the query
  // When each request came and its answer left (clientcheck's timing rules).
  EXPECT_TRUE(absl::StrContains(doc, "<exchange note=\"ItemOperations\" at=\"1.500\" answered=\"1.750\">")) << doc;
  // Credentials never, the replay's own headers not at all.
  EXPECT_TRUE(absl::StrContains(doc, "<header name=\"Authorization\">{{basic-auth}}</header>"));
  EXPECT_FALSE(absl::StrContains(doc, "bWlndWVs"));
  EXPECT_FALSE(absl::StrContains(doc, "Content-Length"));
  EXPECT_FALSE(absl::StrContains(doc, "eas.example.com"));
  EXPECT_TRUE(absl::StrContains(doc, "<provenance kind=\"recorded\">"));
  EXPECT_TRUE(absl::StrContains(doc, "<groupware state=\"recorded\" fixture=\"state.json\"/>"));
  EXPECT_EQ(w.writer.exchanges(), 3u);
}

TEST(CaptureWriter, AFirstDownloadBindsEachItemByAPropertyOnlyItHas) {
  Recording w(Info());
  const std::string sync0 =
      "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>0</SyncKey><CollectionId>contacts</CollectionId>"
      "</Collection></Collections></Sync>";
  w.Add(Exchange("Cmd=Sync", sync0, absl::StrReplaceAll(sync0, {{"<SyncKey>0", "<SyncKey>1"},
                                                                 {"</CollectionId>", "</CollectionId><Status>1</Status>"}})));
  auto add = [](const std::string& id, const std::string& file_as) {
    return "<Add><ServerId>" + id + "</ServerId><ApplicationData><contacts:FileAs>" + file_as +
           "</contacts:FileAs></ApplicationData></Add>";
  };
  w.Add(Exchange("Cmd=Sync",
                 "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>1</SyncKey><CollectionId>contacts"
                 "</CollectionId></Collection></Collections></Sync>",
                 "<Sync xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\"><Collections><Collection><SyncKey>2</SyncKey>"
                 "<CollectionId>contacts</CollectionId><Status>1</Status><Commands>" +
                     add("c:1", "Lund, Ida") + add("c:2", "Berg, Ola") + add("c:3", "Berg, Ola") +
                     "</Commands></Collection></Collections></Sync>"));
  const std::string doc = w.Document();
  // Lund, Ida is told apart by her FileAs; the two Berg, Ola are not.
  EXPECT_TRUE(absl::StrContains(doc, "<Commands match=\"items\"><bind name=\"id_2\" by=\"contacts:FileAs\">"
                                     "Lund, Ida</bind></Commands>"))
      << doc;
  EXPECT_FALSE(absl::StrContains(doc, "Berg, Ola")) << doc;
}

TEST(CaptureWriter, ABase64QueryIsWrittenAsItsFieldsWithThePolicyKeyBound) {
  Recording w(Info("base64"));
  w.Add(Exchange("Cmd=Provision&User=miguel&DeviceId=DEV1&DeviceType=PPC", "",
                 "<Provision xmlns=\"Provision:\"><Status>1</Status><Policies><Policy><PolicyType>MS-WAP-Provisioning-XML"
                 "</PolicyType><Status>1</Status><PolicyKey>305419896</PolicyKey></Policy></Policies></Provision>"));
  // MS-ASHTTP 2.2.1.1.1.1: version 121, Sync (0), locale 0409, a 2-byte
  // binary DeviceId, the policy key 0x12345678, "PPC", CollectionId "7".
  const std::string raw = std::string("\x79\x00\x09\x04\x02\x01\xFE\x04\x78\x56\x34\x12\x03PPC\x01\x01" "7", 19);
  RecordedExchange e = Exchange("", "", "");
  e.target = "/Microsoft-Server-ActiveSync?" + absl::Base64Escape(raw);
  w.Add(e);
  const std::string doc = w.Document();
  EXPECT_TRUE(absl::StrContains(
      doc, "base64-query=\"version=121;cmd=0;locale=0904;device-id=hex:01FE;policy-key={{policy_key_1}};"
           "device-type=PPC;param=1:7\""))
      << doc;
  EXPECT_TRUE(absl::StrContains(doc, "<exchange note=\"Sync\" at=")) << doc;
}

TEST(CaptureWriter, BytesOurEncoderWouldNotWriteStayTheDevicesOwn) {
  Recording w(Info());
  // The same document with a string table entry nobody uses: decodes, but
  // encodes again to other bytes.
  std::string odd = Wbxml("<FolderSync xmlns=\"FolderHierarchy:\"><SyncKey>0</SyncKey></FolderSync>");
  odd[3] = 0x02;
  odd.insert(4, "ab");
  RecordedExchange e = Exchange("Cmd=FolderSync", "", "");
  e.request_body = odd;
  w.Add(e);
  RecordedExchange mime = Exchange("Cmd=SendMail&SaveInSent=T", "", "");
  mime.request_headers = {{"Content-Type", "message/rfc822"}};
  mime.request_body = "To: ana@ox.io\r\nSubject: a & b\r\n\r\nHello\r\n";
  w.Add(mime);
  const std::string doc = w.Document();
  EXPECT_TRUE(absl::StrContains(doc, absl::StrCat("<body hex=\"", absl::AsciiStrToUpper(absl::BytesToHexString(odd)),
                                                  "\"/>")))
      << doc;
  EXPECT_TRUE(absl::StrContains(doc, "<body format=\"mime\">\nTo: ana@ox.io\nSubject: a &amp; b\n\nHello\n</body>"))
      << doc;
  EXPECT_TRUE(absl::StrContains(doc, "<body/>"));  // an empty answer is checked as empty
}

TEST(SessionRecorder, FileNamesNeverCarryAPathTheClientSent) {
  EXPECT_EQ(FileNamePart("../../etc/passwd"), "______etc_passwd");
  EXPECT_EQ(FileNamePart(""), "_");
  EXPECT_EQ(FileNamePart(std::string(100, 'a')).size(), 40u);
}

std::string TempDir(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::system(("rm -rf '" + path + "' && mkdir -p '" + path + "'").c_str());
  return path;
}

size_t CountOf(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST(SessionRecorder, ASessionEndsOnQuietTimeOnOffAndAtTheSessionBound) {
  RecorderOptions options;
  options.dir = TempDir("recorder");
  options.quiet = absl::Minutes(10);
  options.max_sessions = 1;
  SessionRecorder recorder(options);
  auto state = [] { return absl::StatusOr<nlohmann::json>(nlohmann::json{{"users", nlohmann::json::array()}}); };
  const absl::Time t0 = absl::FromUnixSeconds(1796000000);
  SessionInfo info = Info();
  info.started = t0;
  ASSERT_TRUE(recorder.Begin("ox.io/miguel/DEV1", info, state, t0));
  const std::string first = recorder.OpenFile("ox.io/miguel/DEV1");
  EXPECT_EQ(first, options.dir + "/miguel-iPhone-DEV1-20261130T005320.xml");
  recorder.Record("ox.io/miguel/DEV1", Exchange("Cmd=Ping", "", ""), t0);
  recorder.Record("ox.io/miguel/DEV1", Exchange("Cmd=Sync", "", ""), t0);
  // The file is a whole capture after each exchange: the second took the
  // footer's place, and the footer follows it again, naming both commands.
  std::string text = eas::testing::ReadFileOrDie(first);
  EXPECT_EQ(CountOf(text, "<exchange "), 2u);
  EXPECT_EQ(CountOf(text, "</capture>"), 1u);
  EXPECT_TRUE(absl::EndsWith(text, "</verifies>\n</capture>\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "section=\"2.2.1.13\"") && absl::StrContains(text, "section=\"2.2.1.21\""));
  EXPECT_LT(text.find("<exchange note=\"Ping\""), text.find("<exchange note=\"Sync\""));
  // One session at most: another device is not recorded meanwhile.
  EXPECT_FALSE(recorder.Begin("ox.io/ana/DEV2", info, state, t0));
  // Within the quiet time the session goes on; after it a new file starts.
  ASSERT_TRUE(recorder.Begin("ox.io/miguel/DEV1", info, state, t0 + absl::Minutes(9)));
  EXPECT_EQ(recorder.OpenFile("ox.io/miguel/DEV1"), first);
  ASSERT_TRUE(recorder.Begin("ox.io/miguel/DEV1", info, state, t0 + absl::Minutes(20)));
  const std::string second = recorder.OpenFile("ox.io/miguel/DEV1");
  EXPECT_EQ(second, options.dir + "/miguel-iPhone-DEV1-20261130T005320-2.xml");
  recorder.End("ox.io/miguel/DEV1");
  EXPECT_EQ(recorder.OpenFile("ox.io/miguel/DEV1"), "");
  // A request after the end is not added anywhere.
  recorder.Record("ox.io/miguel/DEV1", Exchange("Cmd=Ping", "", ""), t0 + absl::Minutes(21));
  std::FILE* f = std::fopen(first.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  EXPECT_EQ(std::fopen(second.c_str(), "rb"), nullptr);  // nothing was recorded in it
}

TEST(CaptureWriter, MailFromOutsideIsADeliverEventAndItsArrivalTimeABinding) {
  SessionInfo info = Info();
  info.account = "ox.io/miguel";
  info.started = absl::FromUnixSeconds(1796000000);  // 2026-11-30T00:53:20Z
  Recording r(info);
  RecordedExchange ping = Exchange("Cmd=Ping", "<Ping xmlns=\"Ping:\"><HeartbeatInterval>60</HeartbeatInterval></Ping>",
                                   "<Ping xmlns=\"Ping:\"><Status>2</Status></Ping>");
  ping.deliveries.push_back({"From: a@example.com\r\nSubject: <Hi> & more\r\n\r\nx\r\n", true, 1800});
  r.Add(ping);
  RecordedExchange sync = Exchange(
      "Cmd=Sync", "",
      "<Sync xmlns=\"AirSync:\" xmlns:email=\"Email:\"><Collections><Collection><Commands><Add><ServerId>m1</ServerId>"
      "<ApplicationData><email:DateReceived>2026-11-30T00:53:25.000Z</email:DateReceived></ApplicationData></Add>"
      "<Add><ServerId>m2</ServerId><ApplicationData><email:DateReceived>2026-11-01T08:00:00.000Z"
      "</email:DateReceived></ApplicationData></Add></Commands></Collection></Collections></Sync>");
  sync.deliveries.push_back({"Subject: between\r\n\r\ny\r\n", false, 0});
  r.Add(sync);
  const std::string text = r.Document();
  // Inside the Ping, after its request, with the wait; before the Sync's exchange.
  const size_t in_ping = text.find("<event kind=\"deliver\" user=\"ox.io/miguel\" after-ms=\"1800\">");
  ASSERT_NE(in_ping, std::string::npos) << text;
  EXPECT_LT(text.find("</request>"), in_ping);
  EXPECT_LT(in_ping, text.find("<response"));
  EXPECT_TRUE(absl::StrContains(text, "\nFrom: a@example.com\nSubject: &lt;Hi&gt; &amp; more\n\nx\n</event>"))
      << text;
  const size_t before = text.find("  <event kind=\"deliver\" user=\"ox.io/miguel\">\nSubject: between");
  ASSERT_NE(before, std::string::npos) << text;
  EXPECT_LT(before, text.find("<exchange note=\"Sync\""));
  // Received during the session: a binding; before it: the value.
  EXPECT_TRUE(absl::StrContains(text, "<email:DateReceived>{{received_1}}</email:DateReceived>")) << text;
  EXPECT_TRUE(absl::StrContains(text, "<email:DateReceived>2026-11-01T08:00:00.000Z</email:DateReceived>"));
}

TEST(SessionRecorder, ArrivedMailIsNeitherTheStatesNorTheDevicesOwnAndIsTakenOnce) {
  RecorderOptions options;
  options.dir = TempDir("recorder-mail");
  SessionRecorder recorder(options);
  const std::string old_mail = "Message-ID: <old@example.com>\r\nSubject: Old\r\n\r\nold\r\n";
  auto state = [&] {
    return absl::StatusOr<nlohmann::json>(
        nlohmann::json{{"users", nlohmann::json::array()}, {"mail", {{{"raw", old_mail}}}}});
  };
  SessionInfo info = Info();
  info.started = absl::FromUnixSeconds(1796000000);
  ASSERT_TRUE(recorder.Begin("ox.io/miguel/DEV1", info, state, info.started));
  recorder.Sent("ox.io/miguel/DEV1", "To: ana@ox.io\r\nSubject: Mine\r\n\r\nmine\r\n");
  const std::string news = "Message-ID: <new@example.com>\r\nSubject: New\r\n\r\nnew\r\n";
  // The server's copy of the device's message has a Message-ID of its own.
  const std::string copy = "Message-ID: <srv-1@ox.io>\r\nSubject: Mine\r\n\r\nmine\r\n";
  EXPECT_EQ(recorder.Arrived("ox.io/miguel/DEV1", {old_mail, news, copy}), std::vector<std::string>{news});
  EXPECT_TRUE(recorder.Arrived("ox.io/miguel/DEV1", {news}).empty());  // one event for it
  EXPECT_TRUE(recorder.Arrived("ox.io/ana/DEV9", {news}).empty());     // no session
  const std::vector<std::string> keys = MailKeys("Message-ID:\r\n <A@B>\r\nSubject: S\r\n\r\nbody", true);
  EXPECT_NE(std::find(keys.begin(), keys.end(), "id:<a@b>"), keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "subject:S"), keys.end());
}

}  // namespace
}  // namespace eas::record
