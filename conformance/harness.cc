#include "conformance/harness.h"

#include <cstdlib>
#include <filesystem>
#include <future>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "conformance/ox_mock_process.h"
#include "reference/backend/ox/ox_backend.h"
#include "reference/commands/policy_document.h"
#include "reference/eas/commands.h"
#include "reference/wbxml/decoder.h"
#include "reference/wbxml/dom.h"
#include "reference/wbxml/encoder.h"

namespace eas::conformance {
namespace {

pugi::xml_node Walk(const pugi::xml_document& doc, const std::string& path) {
  pugi::xml_node node = doc.first_child();
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    node = node.child(std::string(part).c_str());
  }
  return node;
}

std::string Base64Query(const Phone& phone, const std::string& command) {
  std::string bytes;
  auto version = ParseProtocolVersion(phone.version);
  bytes.push_back(static_cast<char>(version ? static_cast<int>(*version) : 0));
  int code = 0;
  for (int c = 0; c < 32; ++c) {
    auto cmd = CommandFromCode(c);
    if (cmd && CommandName(*cmd) == command) code = c;
  }
  bytes.push_back(static_cast<char>(code));
  bytes += std::string("\x09\x04", 2);  // locale en-US
  bytes.push_back(static_cast<char>(phone.device_id.size()));
  bytes += phone.device_id;
  if (phone.policy_key) {
    uint32_t key = static_cast<uint32_t>(std::stoul(*phone.policy_key));
    bytes.push_back(4);
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((key >> (8 * i)) & 0xFF));
  } else {
    bytes.push_back(0);
  }
  bytes.push_back(static_cast<char>(phone.device_type.size()));
  bytes += phone.device_type;
  return absl::Base64Escape(bytes);
}

}  // namespace

void Verifies(std::initializer_list<const char*> ids) {
  std::vector<std::string> all(ids.begin(), ids.end());
  ::testing::Test::RecordProperty("verifies", absl::StrJoin(all, " "));
}

std::string Reply::Text(const std::string& path) const { return Walk(doc, path).text().get(); }
bool Reply::Has(const std::string& path) const { return static_cast<bool>(Walk(doc, path)); }

void ConformanceTest::SetUp() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  dir_ = absl::StrCat(tmp ? tmp : "/tmp", "/",
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  auto st = state::DeviceState::Open(dir_ + "/state.db");
  ASSERT_TRUE(st.ok()) << st.status();
  state_ = std::move(*st);
  ASSERT_TRUE(state_->SetPolicy(commands::DefaultPolicy()).ok());
  hub_ = std::make_unique<push::PushHub>();
  auto notify = [hub = hub_.get()](const std::string& account, const std::string& folder) {
    hub->Notify(account, folder);
  };
  if (OnOx()) {
    // The suite's fixture (conformance/fixtures/ox_conformance.json) has
    // the same two users and default folders as the embedded set-up below.
    auto url = FreshOxMock();
    ASSERT_TRUE(url.ok()) << url.status();
    backend::ox::OxOptions options;
    options.url = *url;
    options.timeout = absl::Seconds(10);
    auto ox = backend::ox::OxBackend::Open(options, dir_);
    ASSERT_TRUE(ox.ok()) << ox.status();
    (*ox)->SetChangeListener(notify);
    ox_ = std::move(*ox);
    backend_ = ox_.get();
    auto miguel = backend_->Authenticate("ox.io", "miguel", "secret");
    ASSERT_TRUE(miguel.ok()) << miguel.status();
    miguel_ = *miguel;
  } else {
    auto store = backend::SqliteStore::Open(dir_ + "/store.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    backend_ = store_.get();
    auto miguel = store_->AddUser("ox.io", "miguel", "secret", "Miguel Ortega", "miguel@ox.io");
    ASSERT_TRUE(miguel.ok());
    miguel_ = *miguel;
    ASSERT_TRUE(store_->AddUser("defaultcontext", "juan", "secret", "Juan", "juan@example.com").ok());
    for (const backend::Folder& f : std::vector<backend::Folder>{
             {"inbox", "0", "Inbox", backend::kInbox},
             {"drafts", "0", "Drafts", backend::kDrafts},
             {"trash", "0", "Deleted Items", backend::kDeletedItems},
             {"sent", "0", "Sent Items", backend::kSentItems},
             {"outbox", "0", "Outbox", backend::kOutbox},
             {"calendar", "0", "Calendar", backend::kCalendar},
             {"contacts", "0", "Contacts", backend::kContacts},
             {"tasks", "0", "Tasks", backend::kTasks},
         }) {
      ASSERT_TRUE(store_->AddFolder(miguel_, f).ok());
    }
    store_->SetChangeListener(notify);
  }
  http::DispatcherOptions options;
  options.hub = hub_.get();
  options.ping.min_heartbeat = 1;  // heartbeats of a second keep the tests short
  options.ping.max_folders = 5;
  options.now = [this] { return now_; };
  options.random32 = [this] { return next_random_ += 0x1111; };
  dispatcher_ = std::make_unique<http::Dispatcher>(*backend_, *state_, options);
}

void ConformanceTest::DispatchTo(backend::Backend& backend, http::DispatcherOptions options) {
  options.now = [this] { return now_; };
  options.random32 = [this] { return next_random_ += 0x1111; };
  dispatcher_ = std::make_unique<http::Dispatcher>(backend, *state_, options);
}

Phone AndroidPhone(const std::string& device_id) {
  Phone phone;
  phone.device_id = device_id;
  phone.device_type = "Android";
  phone.user_agent = "Android/4.0.3-EAS-1.3";
  return phone;
}

Phone WindowsMobilePhone(const std::string& device_id, const std::string& version) {
  Phone phone;
  phone.device_id = device_id;
  phone.device_type = "PocketPC";
  phone.user_agent = "MSFT-PPC/5.2.5082";
  phone.version = version;
  return phone;
}

std::string MailReceived(const std::string& subject, int64_t received) {
  return absl::StrCat("From: Lena Meier <lena.meier@example.com>\r\nTo: miguel@ox.io\r\nSubject: ", subject,
                      "\r\nDate: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", absl::FromUnixSeconds(received),
                                                      absl::UTCTimeZone()),
                      "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n");
}

void ConformanceTest::AddGalEntry(const std::string& context, const backend::GalEntry& e) {
  if (!OnOx()) {
    ASSERT_TRUE(store_->AddGalEntry(context, e).ok());
    return;
  }
  nlohmann::json change = {{"module", "contacts"}, {"action", "new"}, {"user", "miguel"}, {"folder", "6"},
                           {"data", {{"display_name", e.display_name}, {"first_name", e.first_name},
                                     {"last_name", e.last_name}, {"email1", e.email}, {"company", e.company},
                                     {"context", context}}}};
  ASSERT_TRUE(OxMockChange(change.dump()).ok());
}

backend::Account ConformanceTest::Colleague() {
  if (OnOx()) {
    auto ana = backend_->Authenticate("ox.io", "ana", "secret");
    EXPECT_TRUE(ana.ok()) << ana.status();
    if (ana.ok()) EXPECT_TRUE(backend_->ListFolders(*ana).ok());  // her folders mapped
    return ana.ok() ? *ana : backend::Account{};
  }
  auto ana = store_->AddUser("ox.io", "ana", "secret", "Ana Souza", "ana@ox.io");
  EXPECT_TRUE(ana.ok());
  if (!ana.ok()) return {};
  for (const backend::Folder& f : std::vector<backend::Folder>{{"inbox", "0", "Inbox", backend::kInbox},
                                                                {"sent", "0", "Sent Items", backend::kSentItems},
                                                                {"trash", "0", "Deleted Items", backend::kDeletedItems}}) {
    EXPECT_TRUE(store_->AddFolder(*ana, f).ok());
  }
  return *ana;
}

bool ConformanceTest::OnOx() {
  const char* which = std::getenv("EAS_CONFORMANCE_BACKEND");
  return which != nullptr && std::string(which) == "ox";
}

http::HttpRequest ConformanceTest::Request(const Phone& phone, const std::string& method,
                                           const std::string& command) {
  http::HttpRequest r;
  r.method = method;
  r.peer = "127.0.0.1";
  if (phone.base64_query) {
    r.target = absl::StrCat(http::kEasPath, "?", Base64Query(phone, command));
  } else {
    r.target = absl::StrCat(http::kEasPath, "?Cmd=", command, "&User=", phone.query_user,
                            "&DeviceId=", phone.device_id, "&DeviceType=", phone.device_type);
    r.headers.emplace_back("MS-ASProtocolVersion", phone.version);
    if (phone.policy_key) r.headers.emplace_back("X-MS-PolicyKey", *phone.policy_key);
  }
  if (!phone.username.empty()) {
    r.headers.emplace_back("Authorization",
                           "Basic " + absl::Base64Escape(phone.username + ":" + phone.password));
  }
  if (!phone.user_agent.empty()) r.headers.emplace_back("User-Agent", phone.user_agent);
  r.headers.emplace_back("Content-Type", http::kWbxmlContentType);
  return r;
}

Reply ConformanceTest::Send(const http::HttpRequest& request) {
  return Await(dispatcher_->Handle(request), std::chrono::seconds(10));
}

http::HttpResponse ConformanceTest::Start(const Phone& phone, const std::string& command,
                                          const std::string& xml) {
  http::HttpRequest r = Request(phone, "POST", command);
  if (!xml.empty()) {
    pugi::xml_document doc;
    EXPECT_TRUE(wbxml::ParseXmlText(xml, doc).ok()) << xml;
    r.body = *wbxml::Encode(doc);
  }
  return dispatcher_->Handle(r);
}

Reply ConformanceTest::Await(http::HttpResponse response, std::chrono::milliseconds limit) {
  Reply reply;
  if (response.later) {
    auto promise = std::make_shared<std::promise<http::HttpResponse>>();
    auto future = promise->get_future();
    response.later->Then([promise](http::HttpResponse r) { promise->set_value(std::move(r)); });
    if (future.wait_for(limit) != std::future_status::ready) {
      reply.http.status = 0;  // still parked
      return reply;
    }
    response = future.get();
  }
  reply.http = std::move(response);
  if (!reply.http.body.empty() && reply.http.Header("Content-Type") == http::kWbxmlContentType) {
    absl::Status s = wbxml::Decode(reply.http.body, reply.doc);
    EXPECT_TRUE(s.ok()) << "response does not decode: " << s;
    reply.xml = wbxml::ToXmlText(reply.doc);
  }
  return reply;
}

Reply ConformanceTest::Post(const Phone& phone, const std::string& command,
                            const std::string& xml) {
  http::HttpRequest r = Request(phone, "POST", command);
  if (!xml.empty()) {
    pugi::xml_document doc;
    EXPECT_TRUE(wbxml::ParseXmlText(xml, doc).ok()) << xml;
    auto bytes = wbxml::Encode(doc);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    if (bytes.ok()) r.body = *bytes;
  }
  return Send(r);
}

Reply ConformanceTest::Options(const Phone& phone) {
  http::HttpRequest r = Request(phone, "OPTIONS", "");
  r.target = http::kEasPath;
  return Send(r);
}

std::string ConformanceTest::Provision(Phone& phone) {
  const std::string type = phone.version == "2.5" ? "MS-WAP-Provisioning-XML"
                                                  : "MS-EAS-Provisioning-WBXML";
  Reply first = Post(phone, "Provision",
                     "<Provision xmlns=\"Provision:\"><Policies><Policy><PolicyType>" + type +
                         "</PolicyType></Policy></Policies></Provision>");
  const std::string temporary = first.Text("Policies/Policy/PolicyKey");
  if (temporary.empty()) return "";
  phone.policy_key = temporary;
  Reply second = Post(phone, "Provision",
                      "<Provision xmlns=\"Provision:\"><Policies><Policy><PolicyType>" + type +
                          "</PolicyType><PolicyKey>" + temporary +
                          "</PolicyKey><Status>1</Status></Policy></Policies></Provision>");
  const std::string final_key = second.Text("Policies/Policy/PolicyKey");
  phone.policy_key = final_key;
  return final_key;
}

}  // namespace eas::conformance
