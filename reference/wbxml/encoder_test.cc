// Encoding: the bytes Exchange writes, name resolution through every
// namespace form the project meets, and refusals that name the element.
#include "reference/wbxml/encoder.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reference/wbxml/dom.h"

namespace eas::wbxml {
namespace {

using ::testing::HasSubstr;

std::string EncodeXml(const std::string& xml, EncodeOptions options = {}) {
  pugi::xml_document doc;
  absl::Status parsed = ParseXmlText(xml, doc);
  EXPECT_TRUE(parsed.ok()) << parsed;
  auto bytes = Encode(doc, options);
  return bytes.ok() ? absl::BytesToHexString(*bytes) : "error: " + std::string(bytes.status().message());
}

TEST(Encoder, ExchangeHeaderAndInlineStrings) {
  EXPECT_EQ(EncodeXml(R"(<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>)"),
            "03016a0000075652033000010" "1");
}

TEST(Encoder, EmptyElementsCarryNoContentFlag) {
  EXPECT_EQ(EncodeXml(R"(<Sync xmlns="AirSync:"><GetChanges/><Wait></Wait></Sync>)"),
            "03016a0045132401");
}

TEST(Encoder, SwitchesPageOnlyWhenItChanges) {
  // Options > BodyPreference > Type, Type: one switch to page 17, one back.
  EXPECT_EQ(EncodeXml(R"(<Sync xmlns="AirSync:" xmlns:b="AirSyncBase:"><Options>
      <b:BodyPreference><b:Type>1</b:Type></b:BodyPreference><b:BodyPreference/>
      <Conflict>1</Conflict></Options></Sync>)"),
            "03016a0045570011454603310001010500005b033100010101");
}

TEST(Encoder, OpaqueBytes) {
  EXPECT_EQ(EncodeXml(R"(<SendMail xmlns="ComposeMail:"><Mime opaque="base64">YQD/Yg==</Mime></SendMail>)"),
            "03016a00001545" "50c30461" "00ff62" "0101");
  // An empty opaque element still writes OPAQUE with length 0.
  EXPECT_EQ(EncodeXml(R"(<SendMail xmlns="ComposeMail:"><Mime opaque="base64"/></SendMail>)"),
            "03016a0000154550c3000101");
}

TEST(Encoder, NamespaceFormsAndAliasesResolveToTheSameBytes) {
  const std::string expected = EncodeXml(
      R"(<Sync xmlns="AirSync:"><ApplicationData><c:Timezone xmlns:c="Calendar:">x</c:Timezone></ApplicationData></Sync>)");
  EXPECT_EQ(EncodeXml(R"(<Sync xmlns="uri:AirSync"><ApplicationData><Timezone xmlns="uri:Calendar">x</Timezone></ApplicationData></Sync>)"),
            expected);
  EXPECT_EQ(EncodeXml(R"(<Sync xmlns="http://synce.org/formats/airsync_wm5/airsync"><ApplicationData><TimeZone xmlns="http://synce.org/formats/airsync_wm5/calendar">x</TimeZone></ApplicationData></Sync>)"),
            expected);
  EXPECT_EQ(EncodeXml(R"(<a:Sync xmlns:a="AirSync" xmlns:cal="Calendar"><a:ApplicationData><cal:TimeZone>x</cal:TimeZone></a:ApplicationData></a:Sync>)"),
            expected);
}

TEST(Encoder, UnqualifiedNamesOnlyWhenAsked) {
  const std::string xml = "<Sync><Collections><Collection><FileAs>x</FileAs></Collection></Collections></Sync>";
  EXPECT_THAT(EncodeXml(xml), HasSubstr("no namespace"));
  EncodeOptions lenient;
  lenient.resolve_unqualified = true;
  // FileAs is not on AirSync's page: found on Contacts (page 1).
  EXPECT_EQ(EncodeXml(xml, lenient), "03016a00455c4f00015e03780001010101");
}

TEST(Encoder, RefusesWhatHasNoWbxmlForm) {
  EXPECT_THAT(EncodeXml(R"(<Sync xmlns="urn:nope"/>)"), HasSubstr("not an EAS code page"));
  EXPECT_THAT(EncodeXml(R"(<Sync xmlns="AirSync:"><Bogus/></Sync>)"),
              HasSubstr("encode Sync/Bogus: no tag Bogus on code page AirSync"));
  EXPECT_THAT(EncodeXml(R"(<Sync xmlns="AirSync:"><x:Type/></Sync>)"),
              HasSubstr("prefix 'x' is not declared"));
  EXPECT_THAT(EncodeXml(R"(<Sync xmlns="AirSync:" bytes="9"/>)"), HasSubstr("attribute 'bytes'"));
  EXPECT_THAT(EncodeXml(R"(<Sync xmlns="AirSync:"><Status opaque="hex">00</Status></Sync>)"),
              HasSubstr("opaque attribute"));
  EXPECT_THAT(EncodeXml(R"(<Sync xmlns="AirSync:"><Status opaque="base64">!!</Status></Sync>)"),
              HasSubstr("not base64"));
  pugi::xml_document empty;
  EXPECT_FALSE(Encode(empty).ok());
}

TEST(Encoder, DepthLimit) {
  std::string xml = R"(<Sync xmlns="AirSync:">)";
  for (int i = 0; i < 70; ++i) xml += "<Collection>";
  for (int i = 0; i < 70; ++i) xml += "</Collection>";
  xml += "</Sync>";
  EXPECT_THAT(EncodeXml(xml), HasSubstr("deeper than the limit of 64"));
}

TEST(Encoder, FailedEncodeLeavesOutputUntouched) {
  pugi::xml_document doc;
  ASSERT_TRUE(ParseXmlText(R"(<Sync xmlns="AirSync:"><Bogus/></Sync>)", doc).ok());
  std::string out = "keep";
  EXPECT_FALSE(EncodeTo(doc, out).ok());
  EXPECT_EQ(out, "keep");
}

}  // namespace
}  // namespace eas::wbxml
