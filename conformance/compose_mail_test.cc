// MS-ASCMD SendMail, SmartReply, SmartForward (both request forms), MoveItems,
// ItemOperations and GetAttachment over the embedded store.
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "reference/wbxml/encoder.h"
#include "conformance/harness.h"
#include "gmock/gmock.h"
#include "reference/wbxml/dom.h"

namespace eas::conformance {
namespace {

constexpr char kReport[] =
    "From: \"Ana Souza\" <ana@ox.io>\r\nTo: miguel@ox.io\r\nSubject: Q3 report\r\n"
    "Message-ID: <q3@ox.io>\r\nDate: Mon, 16 Nov 2026 09:00:00 +0000\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nThe figures are attached.\r\n"
    "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=q3.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJeLjz9M=\r\n--b--\r\n";

class ComposeMail : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    ana_ = Colleague();
    ASSERT_FALSE(Provision(phone_).empty());
    auto report = backend_->AddMail(miguel_, "inbox", kReport, false, now_);
    ASSERT_TRUE(report.ok());
    report_ = *report;
  }
  // The MIME of every live item in a folder of `who`.
  std::vector<std::string> Mime(const backend::Account& who, const std::string& folder) {
    std::vector<std::string> out;
    auto changes = backend_->ChangesSince(who, folder, 0);
    for (const auto& c : *changes) {
      if (!c.deleted) out.push_back(*backend_->GetMime(who, c.server_id));
    }
    return out;
  }
  std::string ComposeXml(const std::string& root, const std::string& client_id, const std::string& mime,
                         const std::string& extra = "") {
    pugi::xml_document doc;
    pugi::xml_node r = doc.append_child(root.c_str());
    r.append_attribute("xmlns") = "ComposeMail:";
    r.append_child("ClientId").text().set(client_id.c_str());
    r.append_child("SaveInSentItems");
    wbxml::SetOpaque(r.append_child("Mime"), mime);
    std::string xml = wbxml::ToXmlText(doc);
    if (!extra.empty()) xml.insert(xml.find("<SaveInSentItems"), extra);
    return xml;
  }
  // A 12.1 (or 2.5) request: the MIME is the body, parameters in the query.
  Reply PostMime(const Phone& phone, const std::string& command, const std::string& params,
                 const std::string& mime) {
    http::HttpRequest r = Request(phone, "POST", command);
    r.target += params;
    for (auto& [name, value] : r.headers) {
      if (name == "Content-Type") value = "message/rfc822";
    }
    r.body = mime;
    return Send(r);
  }
  Phone phone_;
  backend::Account ana_;
  std::string report_;
};

TEST_F(ComposeMail, SendMail14DeliversLocallyAndSavesInSentItems) {
  Verifies({"MS-ASCMD 2.2.1.17", "MS-ASCMD 2.2.3.157 (SaveInSentItems)"});
  Reply r = Post(phone_, "SendMail",
                 ComposeXml("SendMail", "c1", "To: \"Ana\" <ana@ox.io>\r\nSubject: Lunch?\r\n\r\nAt noon.\r\n"));
  EXPECT_EQ(r.status(), 200);
  EXPECT_TRUE(r.http.body.empty()) << r.xml;  // success is an empty body
  auto delivered = Mime(ana_, "inbox");
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_THAT(delivered[0], ::testing::HasSubstr("From: Miguel Ortega <miguel@ox.io>"));
  EXPECT_THAT(delivered[0], ::testing::HasSubstr("At noon."));
  EXPECT_EQ(Mime(miguel_, "sent").size(), 1u);
  auto item = backend_->ChangesSince(ana_, "inbox", 0);
  EXPECT_THAT((*item)[0].data, ::testing::HasSubstr("<email:Read>0</email:Read>"));
}

TEST_F(ComposeMail, ResentClientIdIsNotDeliveredTwice) {
  Verifies({"MS-ASCMD 2.2.3.27 (ClientId)", "MS-ASCMD 2.2.2 (118 MessagePreviouslySent)"});
  const std::string xml = ComposeXml("SendMail", "same-id", "To: ana@ox.io\r\nSubject: once\r\n\r\nx\r\n");
  EXPECT_EQ(Post(phone_, "SendMail", xml).status(), 200);
  Reply again = Post(phone_, "SendMail", xml);
  EXPECT_EQ(again.Text("Status"), "118") << again.xml;
  EXPECT_EQ(Mime(ana_, "inbox").size(), 1u);
}

TEST_F(ComposeMail, OutsideRecipientWithoutRelayRefusesTheWholeMessage) {
  Verifies({"MS-ASCMD 2.2.2 (120 MailSubmissionFailed)"});
  // OX sends mail to outside addresses itself (tools/e2e/ox_backend_e2e_test.py).
  if (OnOx()) GTEST_SKIP() << "the groupware delivers outside mail";
  Reply r = Post(phone_, "SendMail",
                 ComposeXml("SendMail", "c2", "To: ana@ox.io, someone@example.net\r\nSubject: s\r\n\r\nx\r\n"));
  EXPECT_EQ(r.Text("Status"), "120") << r.xml;
  EXPECT_TRUE(Mime(ana_, "inbox").empty());  // nothing half-delivered
  EXPECT_TRUE(Mime(miguel_, "sent").empty());
}

TEST_F(ComposeMail, BadRequestsGetTheirCommonStatus) {
  Verifies({"MS-ASCMD 2.2.2 (119 MessageHasNoRecipient)", "MS-ASCMD 2.2.2 (107 InvalidMIME)",
            "MS-ASCMD 2.2.2 (150 ItemNotFound)"});
  EXPECT_EQ(Post(phone_, "SendMail", ComposeXml("SendMail", "c3", "Subject: nobody\r\n\r\nx\r\n")).Text("Status"),
            "119");
  EXPECT_EQ(Post(phone_, "SendMail", ComposeXml("SendMail", "c4", "\r\n\r\nno headers")).Text("Status"), "107");
  EXPECT_EQ(Post(phone_, "SmartReply",
                 ComposeXml("SmartReply", "c5", "To: ana@ox.io\r\nSubject: RE\r\n\r\nx\r\n",
                            "<Source><ItemId>inbox:999</ItemId><FolderId>inbox</FolderId></Source>"))
                .Text("Status"),
            "150");
  EXPECT_EQ(Post(phone_, "SendMail", "<SendMail xmlns=\"ComposeMail:\"><ClientId>c6</ClientId></SendMail>")
                .Text("Status"),
            "103");
}

TEST_F(ComposeMail, SmartReplyQuotesTheOriginalAndThreadsIt) {
  Verifies({"MS-ASCMD 2.2.1.20", "MS-ASCMD 2.2.3.162 (Source)"});
  Reply r = Post(phone_, "SmartReply",
                 ComposeXml("SmartReply", "r1", "To: ana@ox.io\r\nSubject: RE: Q3 report\r\n\r\nThanks!\r\n",
                            "<Source><ItemId>" + report_ + "</ItemId><FolderId>inbox</FolderId></Source>"));
  EXPECT_EQ(r.status(), 200) << r.xml;
  auto delivered = Mime(ana_, "inbox");
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_THAT(delivered[0], ::testing::HasSubstr("Thanks!"));
  EXPECT_THAT(delivered[0], ::testing::HasSubstr("The figures are attached."));
  EXPECT_THAT(delivered[0], ::testing::HasSubstr("In-Reply-To: <q3@ox.io>"));
  EXPECT_THAT(delivered[0], ::testing::Not(::testing::HasSubstr("q3.pdf")));
}

TEST_F(ComposeMail, SmartForward121CarriesAttachmentsAndReplaceMimeDoesNot) {
  Verifies({"MS-ASCMD 2.2.1.19", "MS-ASHTTP 2.2.1.1.1.2.4 (ItemId, CollectionId, SaveInSent)"});
  phone_.version = "12.1";
  Reply r = PostMime(phone_, "SmartForward", "&ItemId=" + report_ + "&CollectionId=inbox&SaveInSent=T",
                     "To: ana@ox.io\nSubject: FW: Q3 report\n\nSee below.\n");
  EXPECT_EQ(r.status(), 200);
  auto delivered = Mime(ana_, "inbox");
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_THAT(delivered[0], ::testing::HasSubstr("filename=q3.pdf"));
  EXPECT_THAT(delivered[0], ::testing::HasSubstr("See below."));
  EXPECT_EQ(Mime(miguel_, "sent").size(), 1u);

  phone_.version = "14.1";
  r = Post(phone_, "SmartForward",
           ComposeXml("SmartForward", "f2", "To: ana@ox.io\r\nSubject: FW\r\n\r\nOnly mine.\r\n",
                      "<Source><ItemId>" + report_ + "</ItemId><FolderId>inbox</FolderId></Source><ReplaceMime/>"));
  EXPECT_EQ(r.status(), 200);
  delivered = Mime(ana_, "inbox");
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_THAT(delivered[1], ::testing::Not(::testing::HasSubstr("q3.pdf")));
}

TEST_F(ComposeMail, SendMail25AcceptsSemicolonRecipientsAndA500SaysNotSent) {
  Verifies({"MS-ASCMD 2.2.1.17 (2.5 MIME body)", "MS-ASCMD 3.2.5.1 (SendMail failure)"});
  phone_.version = "2.5";
  phone_.device_type = "PocketPC";
  phone_.user_agent = "MSFT-PPC/5.2.5082";
  ASSERT_FALSE(Provision(phone_).empty());
  Reply ok = PostMime(phone_, "SendMail", "&SaveInSent=T",
                      "From: miguel@ox.io\r\nTo: ana@ox.io; miguel@ox.io\r\nSubject: Both\r\n\r\nHi\r\n");
  EXPECT_EQ(ok.status(), 200);
  EXPECT_EQ(Mime(ana_, "inbox").size(), 1u);
  EXPECT_EQ(Mime(miguel_, "inbox").size(), 2u);  // the report and this one
  if (OnOx()) GTEST_SKIP() << "the groupware delivers outside mail";
  Reply refused = PostMime(phone_, "SendMail", "", "To: x@example.net\r\nSubject: out\r\n\r\nx\r\n");
  EXPECT_EQ(refused.status(), 500);
}

TEST_F(ComposeMail, ItemOperationsFetchesAttachmentsWithRangeAndAsMultipart) {
  Verifies({"MS-ASCMD 2.2.1.10", "MS-ASCMD 2.2.3.67.1 (FileReference)", "MS-ASCMD 2.2.2.9.1 (multipart)"});
  const std::string data = backend_->GetItem(miguel_, report_)->data;
  const size_t start = data.find("<airsyncbase:FileReference>") + 27;
  const std::string ref = data.substr(start, data.find('<', start) - start);
  const std::string fetch =
      "<ItemOperations xmlns=\"ItemOperations:\" xmlns:airsyncbase=\"AirSyncBase:\"><Fetch><Store>Mailbox</Store>"
      "<airsyncbase:FileReference>" + ref + "</airsyncbase:FileReference>%s</Fetch></ItemOperations>";
  Reply whole = Post(phone_, "ItemOperations", absl::StrReplaceAll(fetch, {{"%s", ""}}));
  ASSERT_EQ(whole.Text("Status"), "1") << whole.xml;
  EXPECT_EQ(whole.Text("Response/Fetch/Status"), "1");
  std::string bytes;
  ASSERT_TRUE(absl::Base64Unescape(whole.Text("Response/Fetch/Properties/Data"), &bytes));
  EXPECT_EQ(bytes, "%PDF-1.4\n%\xe2\xe3\xcf\xd3");
  EXPECT_EQ(whole.Text("Response/Fetch/Properties/airsyncbase:ContentType"), "application/pdf");

  Reply part = Post(phone_, "ItemOperations",
                    absl::StrReplaceAll(fetch, {{"%s", "<Options><Range>0-3</Range></Options>"}}));
  ASSERT_TRUE(absl::Base64Unescape(part.Text("Response/Fetch/Properties/Data"), &bytes));
  EXPECT_EQ(bytes, "%PDF");
  EXPECT_EQ(part.Text("Response/Fetch/Properties/Total"), "14");
  EXPECT_EQ(Post(phone_, "ItemOperations", absl::StrReplaceAll(fetch, {{"%s", "<Options><Range>99-100</Range></Options>"}}))
                .Text("Response/Fetch/Status"),
            "8");

  http::HttpRequest multi = Request(phone_, "POST", "ItemOperations");
  multi.headers.emplace_back("MS-ASAcceptMultiPart", "T");
  pugi::xml_document doc;
  ASSERT_TRUE(wbxml::ParseXmlText(absl::StrReplaceAll(fetch, {{"%s", ""}}), doc).ok());
  multi.body = *wbxml::Encode(doc);
  http::HttpResponse answer = dispatcher_->Handle(multi);
  EXPECT_EQ(answer.Header("Content-Type"), "application/vnd.ms-sync.multipart");
  ASSERT_GE(answer.body.size(), 20u);
  auto le32 = [&](size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(answer.body[at])) |
           static_cast<uint32_t>(static_cast<unsigned char>(answer.body[at + 1])) << 8 |
           static_cast<uint32_t>(static_cast<unsigned char>(answer.body[at + 2])) << 16 |
           static_cast<uint32_t>(static_cast<unsigned char>(answer.body[at + 3])) << 24;
  };
  ASSERT_EQ(le32(0), 2u);
  EXPECT_EQ(answer.body.substr(le32(12), le32(16)), "%PDF-1.4\n%\xe2\xe3\xcf\xd3");
  EXPECT_EQ(le32(4) + le32(8), le32(12));  // the WBXML part comes first, then the bytes
}

TEST_F(ComposeMail, ItemOperationsFetchesMimeAndEmptiesFolders) {
  Verifies({"MS-ASAIRS 2.2.2.22.4 (Type 4 MIME)", "MS-ASCMD 2.2.3.106 (MIMESupport)",
            "MS-ASCMD 2.2.3.51 (EmptyFolderContents)"});
  Reply r = Post(phone_, "ItemOperations",
                 "<ItemOperations xmlns=\"ItemOperations:\" xmlns:airsync=\"AirSync:\" "
                 "xmlns:airsyncbase=\"AirSyncBase:\"><Fetch><Store>Mailbox</Store><airsync:CollectionId>inbox"
                 "</airsync:CollectionId><airsync:ServerId>" + report_ + "</airsync:ServerId><Options>"
                 "<airsync:MIMESupport>2</airsync:MIMESupport>"
                 "<airsyncbase:BodyPreference><airsyncbase:Type>4</airsyncbase:Type></airsyncbase:BodyPreference>"
                 "</Options></Fetch><Fetch><Store>Mailbox</Store><airsync:CollectionId>inbox</airsync:CollectionId>"
                 "<airsync:ServerId>inbox:404</airsync:ServerId></Fetch></ItemOperations>");
  ASSERT_EQ(r.Text("Response/Fetch/Status"), "1") << r.xml;
  EXPECT_EQ(r.Text("Response/Fetch/Properties/airsyncbase:Body/airsyncbase:Type"), "4");
  EXPECT_EQ(r.Text("Response/Fetch/Properties/airsyncbase:Body/airsyncbase:Data"), kReport);
  EXPECT_EQ(r.Text("Response/Fetch/Properties/email:Subject"), "Q3 report");
  pugi::xml_node second = r.doc.first_child().child("Response").child("Fetch").next_sibling("Fetch");
  EXPECT_EQ(std::string(second.child("Status").text().get()), "6");

  ASSERT_TRUE(backend_->AddMail(miguel_, "trash", kReport, true, now_).ok());
  Reply empty = Post(phone_, "ItemOperations",
                     "<ItemOperations xmlns=\"ItemOperations:\" xmlns:airsync=\"AirSync:\"><EmptyFolderContents>"
                     "<airsync:CollectionId>trash</airsync:CollectionId></EmptyFolderContents></ItemOperations>");
  EXPECT_EQ(empty.Text("Response/EmptyFolderContents/Status"), "1") << empty.xml;
  EXPECT_TRUE(Mime(miguel_, "trash").empty());
}

TEST_F(ComposeMail, GetAttachmentIsRawBytesUpTo121Only) {
  Verifies({"MS-ASCMD 2.2.1.7", "MS-ASHTTP 2.2.1.1.1.2.4 (AttachmentName)"});
  const std::string data = backend_->GetItem(miguel_, report_)->data;
  const size_t start = data.find("<airsyncbase:FileReference>") + 27;
  const std::string ref = data.substr(start, data.find('<', start) - start);
  phone_.version = "12.1";
  http::HttpRequest r = Request(phone_, "POST", "GetAttachment");
  r.target += "&AttachmentName=" + ref;
  http::HttpResponse a = dispatcher_->Handle(r);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "%PDF-1.4\n%\xe2\xe3\xcf\xd3");
  EXPECT_EQ(a.Header("Content-Type"), "application/pdf");
  r.target += "99";
  EXPECT_EQ(dispatcher_->Handle(r).status, 500);
  phone_.version = "14.1";
  EXPECT_EQ(dispatcher_->Handle(Request(phone_, "POST", "GetAttachment")).status, 501);
}

TEST_F(ComposeMail, MoveItemsStatusesAndNoDuplicateOnTheNextSync) {
  Verifies({"MS-ASCMD 2.2.1.12", "MS-ASCMD 2.2.3.177.10 (MoveItems Status)"});
  auto sync = [&](const std::string& folder, const std::string& key) {
    return Post(phone_, "Sync",
                "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>" + key + "</SyncKey><CollectionId>" +
                    folder + "</CollectionId></Collection></Collections></Sync>");
  };
  // The device holds both folders.
  ASSERT_EQ(sync("inbox", "0").Text("Collections/Collection/SyncKey"), "1");
  Reply inbox = sync("inbox", "1");
  ASSERT_EQ(inbox.Text("Collections/Collection/Status"), "1") << inbox.xml;
  const std::string inbox_key = inbox.Text("Collections/Collection/SyncKey");
  ASSERT_EQ(sync("trash", "0").Text("Collections/Collection/SyncKey"), "1");
  const std::string trash_key = sync("trash", "1").Text("Collections/Collection/SyncKey");

  Reply r = Post(phone_, "MoveItems",
                 "<MoveItems xmlns=\"Move:\"><Move><SrcMsgId>" + report_ +
                     "</SrcMsgId><SrcFldId>inbox</SrcFldId><DstFldId>trash</DstFldId></Move>"
                     "<Move><SrcMsgId>inbox:999</SrcMsgId><SrcFldId>inbox</SrcFldId><DstFldId>trash</DstFldId></Move>"
                     "<Move><SrcMsgId>x</SrcMsgId><SrcFldId>inbox</SrcFldId><DstFldId>inbox</DstFldId></Move>"
                     "</MoveItems>");
  pugi::xml_node first = r.doc.first_child().child("Response");
  ASSERT_EQ(std::string(first.child("Status").text().get()), "3") << r.xml;
  const std::string moved = first.child("DstMsgId").text().get();
  EXPECT_TRUE(backend_->GetItem(miguel_, moved).ok());
  EXPECT_EQ(std::string(first.next_sibling("Response").child("Status").text().get()), "1");
  EXPECT_EQ(std::string(first.next_sibling("Response").next_sibling("Response").child("Status").text().get()), "4");
  ASSERT_TRUE(backend_->AddMail(miguel_, "nowhere", kReport, true, now_).status().code() == absl::StatusCode::kNotFound);
  Reply bad_destination = Post(phone_, "MoveItems",
                               "<MoveItems xmlns=\"Move:\"><Move><SrcMsgId>" + moved +
                                   "</SrcMsgId><SrcFldId>trash</SrcFldId><DstFldId>gone</DstFldId></Move></MoveItems>");
  EXPECT_EQ(bad_destination.Text("Response/Status"), "2");

  // The device knows of the move: no Delete in the inbox, no Add in trash.
  Reply after_inbox = sync("inbox", inbox_key);
  EXPECT_FALSE(after_inbox.Has("Collections/Collection/Commands")) << after_inbox.xml;
  Reply after_trash = sync("trash", trash_key);
  EXPECT_FALSE(after_trash.Has("Collections/Collection/Commands")) << after_trash.xml;
}

}  // namespace
}  // namespace eas::conformance
