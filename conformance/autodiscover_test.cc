// Autodiscover for Exchange ActiveSync (MS-ASCMD 2.2.1.1, the mobilesync
// 2006 schemas): the cases of Microsoft's test suite (S01: the MobileSync
// server with Url and Name, an Action Error for an address that is not the
// account's, ErrorCode 600 for two Requests, 601 for another response
// schema), and the HTTP around it (credentials, the path in any case, POST).
#include <string>

#include "absl/strings/escaping.h"
#include "conformance/harness.h"
#include "gmock/gmock.h"
#include "pugixml.hpp"

namespace eas::conformance {
namespace {

constexpr char kRequestSchema[] = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006";
constexpr char kResponseSchema[] = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006";

class Autodiscover : public ConformanceTest {
 protected:
  static std::string RequestFor(const std::string& email, const std::string& schema = kResponseSchema,
                                int requests = 1) {
    std::string one = "<Request><EMailAddress>" + email + "</EMailAddress><AcceptableResponseSchema>" + schema +
                      "</AcceptableResponseSchema></Request>";
    std::string body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover xmlns=\"" +
                       std::string(kRequestSchema) + "\">";
    for (int i = 0; i < requests; ++i) body += one;
    return body + "</Autodiscover>";
  }
  // POSTs `body` as a phone set up with an address and a password does.
  http::HttpResponse Ask(const std::string& body, const std::string& path = "/autodiscover/autodiscover.xml",
                         const std::string& user = "miguel@ox.io", const std::string& method = "POST") {
    http::HttpRequest r;
    r.method = method;
    r.target = path;
    r.peer = "127.0.0.1";
    r.body = body;
    r.headers.emplace_back("Host", "mail.ox.io");
    r.headers.emplace_back("Content-Type", "text/xml");
    if (!user.empty()) r.headers.emplace_back("Authorization", "Basic " + absl::Base64Escape(user + ":secret"));
    return Send(r).http;
  }
  static pugi::xml_node Parse(const http::HttpResponse& r, pugi::xml_document& doc) {
    EXPECT_TRUE(doc.load_string(r.body.c_str())) << r.body;
    return doc.child("Autodiscover").child("Response");
  }
};

TEST_F(Autodiscover, TheMobileSyncServerWithUrlAndName) {
  Verifies({"MS-ASCMD_R703", "MS-ASCMD_R3482", "MS-ASCMD_R3484", "MS-ASCMD_R5823"});
  http::HttpResponse r = Ask(RequestFor("miguel@ox.io"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.Header("Content-Type"), ::testing::HasSubstr("text/xml"));
  pugi::xml_document doc;
  pugi::xml_node response = Parse(r, doc);
  EXPECT_STREQ(response.attribute("xmlns").value(), kResponseSchema);  // the schema asked for
  EXPECT_STREQ(response.child("Culture").text().get(), "en:us");
  EXPECT_STREQ(response.child("User").child("EMailAddress").text().get(), "miguel@ox.io");
  pugi::xml_node server = response.child("Action").child("Settings").child("Server");
  EXPECT_STREQ(server.child("Type").text().get(), "MobileSync");
  EXPECT_STREQ(server.child("Url").text().get(), "https://mail.ox.io/Microsoft-Server-ActiveSync");
  EXPECT_STREQ(server.child("Name").text().get(), server.child("Url").text().get());
  EXPECT_FALSE(response.child("Action").child("Error"));
}

TEST_F(Autodiscover, AnAddressThatIsNotTheAccountsIsAnActionError) {
  Verifies({"MS-ASCMD_R3818", "MS-ASCMD_R4001"});
  pugi::xml_document doc;
  pugi::xml_node error = Parse(Ask(RequestFor("ana@ox.io")), doc).child("Action").child("Error");
  ASSERT_TRUE(error) << doc.first_child().name();
  EXPECT_STRNE(error.child("Status").text().get(), "1");
  EXPECT_FALSE(doc.child("Autodiscover").child("Response").child("Action").child("Settings"));
}

TEST_F(Autodiscover, TwoRequestsAre600AnotherSchemaIs601) {
  Verifies({"MS-ASCMD_R3799", "MS-ASCMD_R2286", "MS-ASCMD_R2287", "MS-ASCMD_R2285", "MS-ASCMD_R2288"});
  pugi::xml_document two;
  EXPECT_STREQ(Parse(Ask(RequestFor("miguel@ox.io", kResponseSchema, 2)), two).child("Error").child("ErrorCode")
                   .text().get(),
               "600");
  pugi::xml_document other;
  pugi::xml_node response = Parse(Ask(RequestFor("miguel@ox.io", std::string(kResponseSchema) + "XX")), other);
  EXPECT_STREQ(response.child("Error").child("ErrorCode").text().get(), "601");
  EXPECT_STREQ(response.attribute("xmlns").value(), "");  // the framework's response schema
  pugi::xml_document garbage;
  EXPECT_STREQ(Parse(Ask("<not xml"), garbage).child("Error").child("ErrorCode").text().get(), "600");
}

TEST_F(Autodiscover, CredentialsPathCaseAndMethod) {
  Verifies({"MS-ASCMD 2.2.1.1 (Autodiscover)", "MS-ASHTTP_R178"});
  http::HttpResponse anonymous = Ask(RequestFor("miguel@ox.io"), "/autodiscover/autodiscover.xml", "");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_THAT(anonymous.Header("WWW-Authenticate"), ::testing::HasSubstr("Basic"));
  EXPECT_EQ(Ask(RequestFor("miguel@ox.io"), "/Autodiscover/Autodiscover.xml").status, 200);
  EXPECT_EQ(Ask(RequestFor("miguel@ox.io"), "/AUTODISCOVER/AUTODISCOVER.XML", "ox.io\\miguel").status, 200);
  EXPECT_EQ(Ask("", "/autodiscover/autodiscover.xml", "miguel@ox.io", "GET").status, 405);
  EXPECT_EQ(Ask(std::string(70 << 10, 'x')).status, 413);
}

TEST_F(Autodiscover, ThePublicUrlFlagWins) {
  Verifies({"MS-ASCMD 2.2.1.1 (Autodiscover)"});
  http::DispatcherOptions options;
  options.public_url = "https://eas.example.com/Microsoft-Server-ActiveSync";
  DispatchTo(*backend_, options);
  pugi::xml_document doc;
  EXPECT_STREQ(Parse(Ask(RequestFor("miguel@ox.io")), doc).child("Action").child("Settings").child("Server")
                   .child("Url").text().get(),
               "https://eas.example.com/Microsoft-Server-ActiveSync");
}

}  // namespace
}  // namespace eas::conformance
