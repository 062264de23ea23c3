#include "conformance/ox_mock_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "reference/backend/ox/ox_http.h"

namespace eas::conformance {
namespace {

std::string Runfile(const std::string& path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr) return path;
  return absl::StrCat(srcdir, "/", workspace ? workspace : "eas_reference", "/", path);
}

struct MockProcess {
  pid_t pid = -1;
  std::string url;
  ~MockProcess() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

absl::StatusOr<MockProcess*> Start() {
  static MockProcess* mock = nullptr;
  if (mock != nullptr) return mock;
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string port_file = absl::StrCat(tmp ? tmp : "/tmp", "/oxmock-port");
  std::remove(port_file.c_str());
  const std::string script = Runfile("tools/oxmock/oxmock.py");
  const std::string fixture = Runfile("conformance/fixtures/ox_conformance.json");
  pid_t pid = fork();
  if (pid == 0) {
    execlp("python3", "python3", script.c_str(), "--fixture", fixture.c_str(), "--port-file", port_file.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  if (pid < 0) return absl::InternalError("fork failed");
  static MockProcess process;  // killed when the test binary exits
  process.pid = pid;
  for (int i = 0; i < 400; ++i) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) {
      process.url = absl::StrCat("http://127.0.0.1:", port);
      mock = &process;
      return mock;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::UnavailableError("the OX mock did not start: " + script);
}

}  // namespace

namespace {

absl::Status Admin(const std::string& what, const std::string& body) {
  auto mock = Start();
  if (!mock.ok()) return mock.status();
  auto http = backend::ox::OxHttp::Create((*mock)->url, absl::Seconds(10));
  if (!http.ok()) return http.status();
  auto reply = (*http)->Request("POST", "/admin/" + what, body, "application/json", "");
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) return absl::InternalError(absl::StrCat("OX mock ", what, ": HTTP ", reply->status));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> FreshOxMock() {
  if (auto s = Admin("reset", "{}"); !s.ok()) return s;
  return (*Start())->url;
}

absl::Status OxMockChange(const std::string& change_json) { return Admin("change", change_json); }

}  // namespace eas::conformance
