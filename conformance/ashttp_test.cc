// MS-ASHTTP: the HTTP layer as phones meet it.
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "conformance/harness.h"
#include "gmock/gmock.h"

namespace eas::conformance {
namespace {

using ::testing::HasSubstr;

class AsHttp : public ConformanceTest {};

const char kFolderSync0[] = "<FolderSync xmlns=\"FolderHierarchy:\"><SyncKey>0</SyncKey></FolderSync>";

TEST_F(AsHttp, OptionsAdvertisesVersionsAndExactlyTheImplementedCommands) {
  Verifies({"MS-ASHTTP 2.2.2 (HTTP OPTIONS response)"});
  Reply r = Options(Phone{});
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(r.http.Header("MS-ASProtocolVersions"), "2.5,12.0,12.1,14.0,14.1,16.0,16.1");
  EXPECT_EQ(r.http.Header("MS-ASProtocolCommands"),
            "Provision,FolderSync,Settings,Sync,GetItemEstimate,Ping,FolderCreate,FolderUpdate,FolderDelete,"
            "MoveItems,Search,Find,ResolveRecipients,ItemOperations,GetAttachment,MeetingResponse,ValidateCert,"
            "SendMail,SmartReply,SmartForward");
  EXPECT_FALSE(r.http.Header("MS-Server-ActiveSync").empty());
  EXPECT_THAT(r.http.Header("Allow"), HasSubstr("POST"));
}

TEST_F(AsHttp, OptionsWithPolicyKeyZeroAsIPhoneSendsIt) {
  Verifies({"MS-ASHTTP 2.2.2"});
  Phone phone;
  phone.policy_key = "0";
  EXPECT_EQ(Options(phone).status(), 200);
}

TEST_F(AsHttp, MissingOrWrongCredentialsGet401WithBasicChallenge) {
  Verifies({"MS-ASHTTP_R178", "MS-ASHTTP_R523"});
  Phone nobody;
  nobody.username.clear();
  Reply r = Post(nobody, "FolderSync", kFolderSync0);
  EXPECT_EQ(r.status(), 401);
  EXPECT_THAT(r.http.Header("WWW-Authenticate"), HasSubstr("Basic"));
  Phone wrong;
  wrong.password = "Secret";  // passwords are case-sensitive
  EXPECT_EQ(Post(wrong, "FolderSync", kFolderSync0).status(), 401);
  Phone wrong_user;
  wrong_user.username = "ox.io\\Miguel";  // and so are user names
  EXPECT_EQ(Post(wrong_user, "FolderSync", kFolderSync0).status(), 401);
  EXPECT_EQ(Options(wrong).status(), 401);
}

TEST_F(AsHttp, EveryLoginFormOfTheManualReachesTheAccount) {
  Verifies({"MS-ASHTTP 2.2.1.1.2.1"});
  for (const char* username : {"ox.io\\miguel", "miguel@ox.io"}) {
    Phone phone;
    phone.username = username;
    EXPECT_EQ(Options(phone).status(), 200) << username;
  }
  for (const char* username : {"juan", "\\juan", " \\juan", "defaultcontext\\juan"}) {
    Phone phone;
    phone.username = username;
    phone.query_user = "juan";
    EXPECT_EQ(Options(phone).status(), 200) << "'" << username << "'";
  }
}

// Issue 15: the delay was keyed by the client's own DeviceId (rotating it
// removed it), another account's success reset it, and the password was
// checked at full speed meanwhile. Now failures lock the account out:
// while locked, even the right password is refused unchecked.
TEST_F(AsHttp, RepeatedFailuresLockTheAccountOutWhateverTheDevice) {
  Verifies({"MS-ASHTTP_R178", "MS-ASHTTP 3.2.5.1 (401)"});
  Phone wrong;
  wrong.password = "guess";
  for (int i = 0; i < 3; ++i) {
    wrong.device_id = "Guesser" + std::to_string(i);  // a new DeviceId each time
    EXPECT_EQ(Post(wrong, "FolderSync", kFolderSync0).status(), 401);
  }
  wrong.device_id = "Guesser3";
  Reply fourth = Post(wrong, "FolderSync", kFolderSync0);
  EXPECT_EQ(fourth.status(), 401);
  Phone right;  // the right password, another device
  right.device_id = "RightDevice1";
  Reply locked = Post(right, "FolderSync", kFolderSync0);
  EXPECT_EQ(locked.status(), 401) << "locked out: the password is not checked";
  EXPECT_EQ(locked.http.Header("Retry-After"), "1");
  // Another account's success does not clear miguel's count.
  Phone juan;
  juan.username = "juan";
  juan.query_user = "juan";
  EXPECT_EQ(Options(juan).status(), 200);
  EXPECT_EQ(Post(right, "FolderSync", kFolderSync0).status(), 401);
  // After the lockout the right password works and clears the count.
  now_ += 2;
  EXPECT_NE(Post(right, "FolderSync", kFolderSync0).status(), 401);
  wrong.device_id = "Guesser4";
  EXPECT_EQ(Post(wrong, "FolderSync", kFolderSync0).status(), 401);
  EXPECT_NE(Post(right, "FolderSync", kFolderSync0).status(), 401) << "one failure after a success locks nothing";
  // Lockouts double with each further failure, up to 30 s.
  for (int i = 0; i < 9; ++i) {
    now_ += 60;
    Post(wrong, "FolderSync", kFolderSync0);
  }
  EXPECT_EQ(Post(right, "FolderSync", kFolderSync0).http.Header("Retry-After"), "30");
}

// Many users share an address (NAT): an address is locked out only past
// 20 failures, of any accounts, and no success from it clears them.
TEST_F(AsHttp, AnAddressGuessingManyAccountsIsLockedOutToo) {
  Verifies({"MS-ASHTTP 3.2.5.1 (401)"});
  for (int i = 0; i < 21; ++i) {
    Phone p;
    p.username = "ox.io\\user" + std::to_string(i);
    p.query_user = "user" + std::to_string(i);
    p.password = "guess";
    EXPECT_EQ(Options(p).status(), 401);
  }
  Phone right;
  Reply r = Options(right);
  EXPECT_EQ(r.status(), 401) << "the address is locked out";
  EXPECT_FALSE(r.http.Header("Retry-After").empty());
}

TEST_F(AsHttp, UserParameterMustNameTheAuthenticatedUser) {
  Verifies({"MS-ASHTTP 2.2.1.1.1.2.3"});
  Phone phone;
  phone.query_user = "ana";
  EXPECT_EQ(Post(phone, "FolderSync", kFolderSync0).status(), 403);
  phone.query_user = "ox.io%5Cmiguel";  // DOMAIN%5Cuser, as Samsung sends it
  EXPECT_NE(Post(phone, "FolderSync", kFolderSync0).status(), 403);
}

TEST_F(AsHttp, UnsupportedProtocolVersionIs400AndRepeatable) {
  Verifies({"MS-ASHTTP_R176", "MS-ASHTTP_R188", "MS-ASHTTP_R177"});
  Phone phone;
  phone.version = "19.1";
  Reply r = Post(phone, "FolderSync", kFolderSync0);
  EXPECT_EQ(r.status(), 400);
  EXPECT_EQ(r.http.Header("MS-ASProtocolVersions"), "2.5,12.0,12.1,14.0,14.1,16.0,16.1");
  EXPECT_EQ(Post(phone, "FolderSync", kFolderSync0).status(), 400);
}

TEST_F(AsHttp, MalformedRequestsGet400) {
  Verifies({"MS-ASHTTP_R176", "MS-ASHTTP_R188"});
  Phone phone;
  http::HttpRequest r = Request(phone, "POST", "FolderSync");
  r.target = std::string(http::kEasPath) + "?%%%";  // neither form
  EXPECT_EQ(Send(r).status(), 400);
  r.target = std::string(http::kEasPath) + "?Cmd=FolderSync&User=miguel&DeviceType=iPhone";
  EXPECT_EQ(Send(r).status(), 400);  // no DeviceId
}

TEST_F(AsHttp, UnknownCommandIs501AndWrongPathIs404) {
  Verifies({"MS-ASHTTP 3.2.5.1"});
  Phone phone;
  EXPECT_EQ(Post(phone, "Frobnicate", "").status(), 501);
  http::HttpRequest r = Request(phone, "POST", "FolderSync");
  r.target = "/NotSupport?Cmd=FolderSync";
  EXPECT_EQ(Send(r).status(), 404);
  r = Request(phone, "GET", "FolderSync");
  EXPECT_EQ(Send(r).status(), 405);
}

TEST_F(AsHttp, OversizedBodyIs413) {
  Verifies({"MS-ASHTTP 3.2.5.1"});
  http::HttpRequest r = Request(Phone{}, "POST", "FolderSync");
  r.body.assign((32 << 20) + 1, 'x');
  EXPECT_EQ(Send(r).status(), 413);
}

TEST_F(AsHttp, Base64QueryWithoutUserAgentOrContentTypeSuffix) {
  Verifies({"MS-ASHTTP 2.2.1.1.1.1"});
  // Windows Mobile 6.5: base64 query, DeviceType PPC, no User-Agent,
  // Content-Type application/vnd.ms-sync.
  Phone wm;
  wm.base64_query = true;
  wm.version = "12.1";
  wm.device_type = "PPC";
  wm.device_id = "WM65Device0001";
  wm.user_agent.clear();
  std::string key = Provision(wm);
  ASSERT_FALSE(key.empty());
  http::HttpRequest r = Request(wm, "POST", "FolderSync");
  for (auto& [name, value] : r.headers) {
    if (name == "Content-Type") value = "application/vnd.ms-sync";
  }
  pugi::xml_document doc;
  r.body = std::string("\x03\x01\x6a\x00\x00\x07\x56\x52\x03\x30\x00\x01\x01", 13);
  Reply reply = Send(r);
  ASSERT_EQ(reply.status(), 200) << reply.http.body;
  EXPECT_EQ(reply.Text("Status"), "1");
}

TEST_F(AsHttp, BlockedDeviceIs403) {
  Verifies({"MS-ASHTTP_R180"});
  Phone phone;
  EXPECT_EQ(Options(phone).status(), 200);
  Post(phone, "Settings", "");  // the device becomes known
  ASSERT_TRUE(state_->SetBlocked("ox.io/miguel", phone.device_id, true).ok());
  EXPECT_EQ(Post(phone, "FolderSync", kFolderSync0).status(), 403);
}

TEST_F(AsHttp, MalformedWbxmlGetsTheCommandsProtocolError) {
  Verifies({"MS-ASCMD 2.2.3.177.5 (FolderSync Status 10)", "MS-ASPROV_R395"});
  Phone phone;
  ASSERT_FALSE(Provision(phone).empty());
  http::HttpRequest r = Request(phone, "POST", "FolderSync");
  r.body = std::string("\x03\x01\x6a\x00\x00\x07\x56\x52\x03\x30", 10);  // truncated
  Reply reply = Send(r);
  EXPECT_EQ(reply.status(), 200);
  EXPECT_EQ(reply.Text("Status"), "10");
  r = Request(phone, "POST", "Provision");
  r.body = "\x03\x01\x6a\x00\x7f";
  reply = Send(r);
  EXPECT_EQ(reply.Text("Status"), "2");
}

}  // namespace
}  // namespace eas::conformance
