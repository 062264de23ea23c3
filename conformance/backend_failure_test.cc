// When the groupware behind the server fails (the Backend, mocked here), a
// phone gets an answer that makes it retry later, and nothing advances.
#include <cstdlib>
#include <filesystem>

#include "conformance/harness.h"
#include "gmock/gmock.h"
#include "reference/backend/backend.h"
#include "reference/commands/policy_document.h"
#include "reference/wbxml/decoder.h"

namespace eas::conformance {
namespace {

using ::testing::_;
using ::testing::Return;

class MockBackend : public backend::Backend {
 public:
  MOCK_METHOD(absl::StatusOr<backend::Account>, Authenticate,
              (const std::string&, const std::string&, const std::string&), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<backend::Folder>>, ListFolders,
              (const backend::Account&), (override));
  MOCK_METHOD(absl::StatusOr<std::string>, AddItem,
              (const backend::Account&, const std::string&, const std::string&, const std::string&),
              (override));
  MOCK_METHOD(absl::StatusOr<std::string>, AddItemOnce,
              (const backend::Account&, const std::string&, const std::string&, const std::string&,
               const std::string&),
              (override));
  MOCK_METHOD(absl::Status, UpdateItem,
              (const backend::Account&, const std::string&, const std::string&), (override));
  MOCK_METHOD(absl::Status, DeleteItem, (const backend::Account&, const std::string&), (override));
  MOCK_METHOD(absl::StatusOr<backend::ItemChange>, GetItem,
              (const backend::Account&, const std::string&), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, FolderChangeCounter,
              (const backend::Account&, const std::string&), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<backend::ItemChange>>, ChangesSince,
              (const backend::Account&, const std::string&, int64_t), (override));
  MOCK_METHOD(absl::StatusOr<std::string>, MoveItem,
              (const backend::Account&, const std::string&, const std::string&), (override));
  MOCK_METHOD(absl::Status, EmptyFolder, (const backend::Account&, const std::string&, bool),
              (override));
  MOCK_METHOD(absl::StatusOr<std::string>, CreateFolder,
              (const backend::Account&, const std::string&, const std::string&, int), (override));
  MOCK_METHOD(absl::Status, RenameFolder,
              (const backend::Account&, const std::string&, const std::string&, const std::string&),
              (override));
  MOCK_METHOD(absl::Status, RemoveFolder, (const backend::Account&, const std::string&), (override));
  MOCK_METHOD(absl::StatusOr<std::string>, AddMail,
              (const backend::Account&, const std::string&, const std::string&, bool, int64_t),
              (override));
  MOCK_METHOD(absl::StatusOr<std::string>, GetMime, (const backend::Account&, const std::string&),
              (override));
  MOCK_METHOD(absl::StatusOr<backend::Attachment>, GetAttachment,
              (const backend::Account&, const std::string&), (override));
  MOCK_METHOD(absl::StatusOr<backend::Account>, FindAccountByEmail, (const std::string&, const std::string&),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<backend::GalEntry>>, SearchGal,
              (const backend::Account&, const std::string&, int), (override));
  MOCK_METHOD(absl::StatusOr<backend::OofSettings>, GetOof, (const backend::Account&), (override));
  MOCK_METHOD(absl::Status, SetOof, (const backend::Account&, const backend::OofSettings&),
              (override));
};

class BackendFailure : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    const std::string dir = std::string(tmp ? tmp : "/tmp") + "/backend_failure";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto st = state::DeviceState::Open(dir + "/state.db");
    ASSERT_TRUE(st.ok());
    state_ = std::move(*st);
    state::Policy policy = commands::DefaultPolicy();
    policy.required = false;
    ASSERT_TRUE(state_->SetPolicy(policy).ok());
    account_.id = 1;
    account_.context = "ox.io";
    account_.login = "miguel";
    account_.email = "miguel@ox.io";
    dispatcher_ = std::make_unique<http::Dispatcher>(backend_, *state_);
  }

  http::HttpResponse FolderSync(const std::string& key) {
    http::HttpRequest r;
    r.method = "POST";
    r.target = std::string(http::kEasPath) + "?Cmd=FolderSync&User=miguel&DeviceId=d1&DeviceType=iPhone";
    r.headers = {{"Authorization", "Basic b3guaW9cbWlndWVsOnNlY3JldA=="},  // ox.io\miguel:secret
                 {"MS-ASProtocolVersion", "14.1"}};
    r.body = std::string("\x03\x01\x6a\x00\x00\x07\x56\x52\x03", 9) + key + std::string("\x00\x01\x01", 3);
    return dispatcher_->Handle(r);
  }

  MockBackend backend_;
  std::unique_ptr<state::DeviceState> state_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
  backend::Account account_;
};

TEST_F(BackendFailure, UnreachableGroupwareIs503RetryLaterNot401) {
  Verifies({"MS-ASHTTP 3.2.5.1 (503 Service Unavailable)"});
  EXPECT_CALL(backend_, Authenticate("ox.io", "miguel", "secret"))
      .WillOnce(Return(absl::UnavailableError("OX down")));
  http::HttpResponse r = FolderSync("0");
  EXPECT_EQ(r.status, 503);
  EXPECT_FALSE(r.Header("Retry-After").empty());
}

TEST_F(BackendFailure, FolderListFailureIsStatus6AndTheKeyDoesNotAdvance) {
  Verifies({"MS-ASCMD 2.2.3.177.5 (FolderSync Status 6)", "MS-ASHTTP 3.2.5.1 (503 Service Unavailable)"});
  EXPECT_CALL(backend_, Authenticate(_, _, _)).WillRepeatedly(Return(account_));
  EXPECT_CALL(backend_, ListFolders(_))
      .WillOnce(Return(std::vector<backend::Folder>{{"inbox", "0", "Inbox", backend::kInbox}}))
      .WillOnce(Return(absl::InternalError("broken")))
      .WillOnce(Return(absl::UnavailableError("OX down")))
      .WillOnce(Return(std::vector<backend::Folder>{{"inbox", "0", "Inbox", backend::kInbox},
                                                    {"x", "0", "X", backend::kUserMail}}));
  ASSERT_EQ(FolderSync("0").status, 200);
  pugi::xml_document failed;
  ASSERT_TRUE(wbxml::Decode(FolderSync("1").body, failed).ok());
  EXPECT_STREQ(failed.first_child().child("Status").text().get(), "6");
  EXPECT_FALSE(failed.first_child().child("SyncKey"));
  // The groupware unreachable: retry later, whatever the command.
  http::HttpResponse outage = FolderSync("1");
  EXPECT_EQ(outage.status, 503);
  EXPECT_FALSE(outage.Header("Retry-After").empty());
  // The device's key 1 still stands: the retry gets the change.
  pugi::xml_document retry;
  ASSERT_TRUE(wbxml::Decode(FolderSync("1").body, retry).ok());
  EXPECT_STREQ(retry.first_child().child("Status").text().get(), "1");
  EXPECT_STREQ(retry.first_child().child("SyncKey").text().get(), "2");
  EXPECT_STREQ(retry.first_child().child("Changes").child("Add").child("ServerId").text().get(), "x");
}

}  // namespace
}  // namespace eas::conformance
