// eas-admin: administer a data directory (the server may be running).
//
//   eas-admin --data-dir=DIR users list
//   eas-admin --data-dir=DIR users add CONTEXT LOGIN PASSWORD [DISPLAY NAME] [EMAIL]
//   eas-admin --data-dir=DIR users password CONTEXT LOGIN PASSWORD
//   eas-admin --data-dir=DIR devices list
//   eas-admin --data-dir=DIR devices block|unblock|wipe|resync CONTEXT/LOGIN DEVICEID
//   eas-admin --data-dir=DIR devices wipe-account CONTEXT/LOGIN DEVICEID
//   eas-admin --data-dir=DIR devices record CONTEXT/LOGIN DEVICEID on|off
//   eas-admin --data-dir=DIR policy show
//   eas-admin --data-dir=DIR policy set NAME=VALUE...   (VALUE may be empty)
//   eas-admin --data-dir=DIR policy required on|off
//   eas-admin --data-dir=DIR policy exempt [DEVICETYPE,...]
//   eas-admin --data-dir=DIR quirks list | quirks on|off|default NAME
//   eas-admin --data-dir=DIR fixture export CONTEXT/LOGIN > state.json
//   eas-admin --data-dir=DIR fixture import state.json
//
// Every policy change makes provisioned devices fetch the policy again.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "reference/backend/default_folders.h"
#include "reference/backend/sqlite_store.h"
#include "reference/commands/policy_document.h"
#include "reference/devices/device_quirks.h"
#include "reference/http/dispatcher.h"
#include "reference/plan/test_plan.h"
#include "reference/record/account_fixture.h"
#include "reference/server/demo_ox_fixture.h"
#include "reference/state/device_state.h"

namespace {

constexpr char kUsage[] =
    "usage: eas-admin [--data-dir=DIR] users list | users add CONTEXT LOGIN PASSWORD [NAME] [EMAIL]\n"
    "                                  | users password CONTEXT LOGIN PASSWORD\n"
    "                                  | devices list | devices block|unblock|wipe|resync CONTEXT/LOGIN DEVICEID\n"
    "                                  | devices wipe-account CONTEXT/LOGIN DEVICEID   (16.1: this account only)\n"
    "                                  | devices record CONTEXT/LOGIN DEVICEID on|off   (sessions as captures)\n"
    "                                  | devices check CONTEXT/LOGIN DEVICEID RECORD-DIR\n"
    "                                    (the client rules' verdict on its newest recorded session so far)\n"
    "                                  | devices plan CONTEXT/LOGIN DEVICEID standard [wipe] | off | report\n"
    "                                    (a test plan the server plays in the device's next requests)\n"
    "                                  | policy show | policy set NAME=VALUE... | policy required on|off\n"
    "                                  | policy exempt [TYPE,...]\n"
    "                                  | quirks list | quirks on|off|default NAME\n"
    "                                  | mail deliver CONTEXT/LOGIN < message.eml\n"
    "                                  | demo-ox-fixture > fixture.json   (the demo data for the OX mock)\n"
    "                                  | fixture export CONTEXT/LOGIN > state.json | fixture import state.json\n"
    "                                    (an account's folders and items in the OX mock's fixture form)\n"
    "                                  | commands [--markdown]   (what the server implements)\n"
    "                                  | check   (both databases checked whole; exit 1 on damage)\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "eas-admin: %s\n", message.c_str());
  return 1;
}

bool IsFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The client checker (tools/clientcheck; the rules are Python): named by
// $EAS_CLIENTCHECK, else in the Bazel runfiles of this binary (a source
// tree), else where the Debian package installs it.
std::string ClientChecker() {
  if (const char* named = std::getenv("EAS_CLIENTCHECK"); named != nullptr && *named != '\0') return named;
  constexpr char kInRunfiles[] = "/eas_reference/tools/clientcheck/clientcheck";
  for (const char* var : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
    if (const char* dir = std::getenv(var); dir != nullptr && IsFile(std::string(dir) + kInRunfiles)) {
      return std::string(dir) + kInRunfiles;
    }
  }
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    const std::string beside = std::string(exe, n) + ".runfiles" + kInRunfiles;
    if (IsFile(beside)) return beside;
  }
  return "/usr/share/eas-server/clientcheck/clientcheck.py";
}

// devices check CONTEXT/LOGIN DEVICEID RECORD-DIR: the checker's --live
// verdict on the device's newest recorded session; its exit status (1 a
// rule fails, 2 no recorded session).
int Check(const std::vector<std::string>& a) {
  const std::string checker = ClientChecker();
  if (!IsFile(checker)) return Fail("no client checker at " + checker + " (set EAS_CLIENTCHECK)");
  std::vector<std::string> args = {"python3", checker, "--live", a[4], a[2], a[3]};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  ::execvp("python3", argv.data());
  return Fail(std::string("running python3: ") + std::strerror(errno));
}

// devices plan CONTEXT/LOGIN DEVICEID standard [wipe] | off | report
// (reference/plan/test_plan.h; docs/vendor-guide.md "Drive your client").
int Plan(eas::state::DeviceState& state, const std::vector<std::string>& a) {
  const std::string& account = a[2];
  const std::string& device = a[3];
  if (a.size() == 5 && a[4] == "off") {
    if (auto s = state.RemovePlan(account, device); !s.ok()) return Fail(std::string(s.message()));
    std::printf("plan off: %s %s\n", account.c_str(), device.c_str());
    return 0;
  }
  if (a.size() == 5 && a[4] == "report") {
    auto stored = state.Plan(account, device);
    if (!stored.ok()) return Fail(std::string(stored.status().message()));
    if (!stored->has_value()) return Fail("no test plan for " + account + " " + device);
    auto progress = eas::plan::Parse(**stored);
    if (!progress.ok()) return Fail(std::string(progress.status().message()));
    std::fputs(eas::plan::Report(*progress).c_str(), stdout);
    return 0;
  }
  const bool wipe = a.size() == 6 && a[5] == "wipe";
  if (a.size() != 5 && !wipe) return Fail("devices plan CONTEXT/LOGIN DEVICEID standard [wipe] | off | report");
  auto progress = eas::plan::NewPlan(a[4], wipe);
  if (!progress.ok()) return Fail(std::string(progress.status().message()));
  if (auto s = state.SetPlan(account, device, eas::plan::Serialize(*progress)); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  std::printf("plan %s%s: %s %s, from its next request:\n", a[4].c_str(), wipe ? " with remote wipe" : "",
              account.c_str(), device.c_str());
  for (const auto& [name, what] : eas::plan::Situations()) {
    if (name == "remote-wipe" && !wipe) continue;
    std::printf("  %-18s %s\n", name.c_str(), what.c_str());
  }
  return 0;
}

std::string Time(int64_t t) {
  if (t == 0) return "-";
  char buffer[32];
  std::time_t tt = static_cast<std::time_t>(t);
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M:%S", std::gmtime(&tt));
  return buffer;
}

const char* WipeName(eas::state::WipeStatus w) {
  switch (w) {
    case eas::state::WipeStatus::kRequested: return "wipe requested";
    case eas::state::WipeStatus::kAcknowledged: return "wiped";
    case eas::state::WipeStatus::kAccountOnlyRequested: return "account wipe requested";
    case eas::state::WipeStatus::kAccountOnlyAcknowledged: return "account wiped";
    default: return "";
  }
}

int Users(eas::backend::SqliteStore& store, const std::vector<std::string>& a) {
  if (a.size() >= 2 && a[1] == "list") {
    auto users = store.ListUsers();
    if (!users.ok()) return Fail(std::string(users.status().message()));
    for (const auto& u : *users) {
      std::printf("%s/%s\t%s\t%s\n", u.context.c_str(), u.login.c_str(), u.display_name.c_str(),
                  u.email.c_str());
    }
    return 0;
  }
  if (a.size() >= 5 && a[1] == "add") {
    auto added = store.AddUser(a[2], a[3], a[4], a.size() > 5 ? a[5] : a[3],
                               a.size() > 6 ? a[6] : a[3] + "@" + a[2]);
    if (!added.ok()) return Fail(std::string(added.status().message()));
    if (auto s = eas::backend::AddDefaultFolders(store, *added); !s.ok()) {
      return Fail(std::string(s.message()));
    }
    std::printf("added %s/%s with the default folders\n", a[2].c_str(), a[3].c_str());
    return 0;
  }
  if (a.size() == 5 && a[1] == "password") {
    if (auto s = store.SetPassword(a[2], a[3], a[4]); !s.ok()) return Fail(std::string(s.message()));
    std::printf("password changed for %s/%s\n", a[2].c_str(), a[3].c_str());
    return 0;
  }
  std::fputs(kUsage, stderr);
  return 2;
}

// mail deliver CONTEXT/LOGIN: a message (RFC 822, on stdin) into the Inbox,
// as if it had arrived from outside. A running server sees it within a second
// and wakes the account's Pings (SqliteStore::WatchOtherWriters).
int Mail(eas::backend::SqliteStore& store, const std::vector<std::string>& a) {
  if (a.size() != 3 || a[1] != "deliver" || a[2].find('/') == std::string::npos) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string key = a[2];
  auto account = store.FindUser(key.substr(0, key.find('/')), key.substr(key.find('/') + 1));
  if (!account.ok()) return Fail(std::string(account.status().message()));
  std::string mime, line;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), stdin)) > 0) mime.append(buffer, n);
  auto folders = store.ListFolders(*account);
  if (!folders.ok()) return Fail(std::string(folders.status().message()));
  for (const auto& f : *folders) {
    if (f.type != eas::backend::kInbox) continue;
    auto id = store.AddMail(*account, f.server_id, mime, false, absl::ToUnixSeconds(absl::Now()));
    if (!id.ok()) return Fail(std::string(id.status().message()));
    std::printf("delivered as %s\n", id->c_str());
    return 0;
  }
  return Fail("no Inbox");
}

// An account's groupware state as an OX mock fixture, and back
// (reference/record/account_fixture.h): what a recorded capture replays from.
// The server's policy travels with it (record::kPolicyKey), as in a
// recording's state.
int Fixture(eas::backend::SqliteStore& store, const std::string& dir, const std::vector<std::string>& a) {
  if (a.size() == 3 && a[1] == "export" && a[2].find('/') != std::string::npos) {
    auto account = store.FindUser(a[2].substr(0, a[2].find('/')), a[2].substr(a[2].find('/') + 1));
    if (!account.ok()) return Fail(std::string(account.status().message()));
    auto fixture = eas::record::ExportAccount(store, *account);
    if (!fixture.ok()) return Fail(std::string(fixture.status().message()));
    auto state = eas::state::DeviceState::Open(dir + "/state.db");
    if (!state.ok()) return Fail(std::string(state.status().message()));
    auto policy = (*state)->GetPolicy();
    if (!policy.ok()) return Fail(std::string(policy.status().message()));
    (*fixture)[eas::record::kPolicyKey] =
        eas::record::PolicyToFixture(policy->stored ? *policy : eas::commands::DefaultPolicy());
    std::puts(fixture->dump(1).c_str());
    return 0;
  }
  if (a.size() == 3 && a[1] == "import") {
    std::FILE* f = std::fopen(a[2].c_str(), "rb");
    if (f == nullptr) return Fail("cannot open " + a[2]);
    std::string text;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) text.append(buffer, n);
    std::fclose(f);
    auto fixture = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (fixture.is_discarded()) return Fail(a[2] + " is not JSON");
    std::optional<eas::state::Policy> policy;
    if (fixture.is_object() && fixture.contains(eas::record::kPolicyKey)) {
      auto read = eas::record::PolicyFromFixture(fixture[eas::record::kPolicyKey]);
      if (!read.ok()) return Fail(std::string(read.status().message()));
      policy = *read;
    }
    if (auto s = eas::record::ImportFixture(store, fixture); !s.ok()) return Fail(std::string(s.message()));
    std::printf("imported %zu account(s)\n", fixture["users"].size());
    if (policy) {
      auto state = eas::state::DeviceState::Open(dir + "/state.db");
      absl::Status s = state.ok() ? (*state)->SetPolicy(*policy) : state.status();
      if (!s.ok()) return Fail(std::string(s.message()));
      std::printf("and the policy it holds\n");
    }
    return 0;
  }
  std::fputs(kUsage, stderr);
  return 2;
}

int Devices(eas::state::DeviceState& state, const std::vector<std::string>& a) {
  if (a.size() >= 2 && a[1] == "list") {
    auto devices = state.List();
    if (!devices.ok()) return Fail(std::string(devices.status().message()));
    std::printf("user\tdevice id\ttype\tuser agent\tversion\tlast seen\tprovisioned\tstatus\n");
    for (const auto& d : *devices) {
      std::printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s%s\n", d.user_key.c_str(), d.device_id.c_str(),
                  d.device_type.c_str(), d.user_agent.c_str(), d.protocol_version.c_str(),
                  Time(d.last_seen).c_str(), d.policy_key ? "yes" : "no", d.blocked ? "blocked " : "",
                  WipeName(d.wipe));
    }
    return 0;
  }
  if (a.size() == 4 && (a[1] == "block" || a[1] == "unblock" || a[1] == "wipe" || a[1] == "resync")) {
    absl::Status s = a[1] == "wipe"     ? state.SetWipe(a[2], a[3], eas::state::WipeStatus::kRequested)
                     : a[1] == "resync" ? state.ForgetSyncState(a[2], a[3])
                                        : state.SetBlocked(a[2], a[3], a[1] == "block");
    if (!s.ok()) return Fail(std::string(s.message()));
    std::printf("%s: %s %s\n", a[1].c_str(), a[2].c_str(), a[3].c_str());
    return 0;
  }
  if (a.size() == 4 && a[1] == "wipe-account") {
    // MS-ASPROV 2.2.2.1: only 16.1 has it; an older device is told nothing
    // by the server, so it is refused here instead of left waiting.
    auto device = state.Find(a[2], a[3]);
    if (!device.ok()) return Fail(std::string(device.status().message()));
    if (!device->has_value()) return Fail("no device " + a[3] + " of " + a[2]);
    if ((*device)->protocol_version != "16.1") {
      return Fail("an account-only wipe needs protocol 16.1; the device last spoke " +
                  ((*device)->protocol_version.empty() ? std::string("nothing yet") : (*device)->protocol_version) +
                  " (devices wipe erases the whole device)");
    }
    if (auto s = state.SetWipe(a[2], a[3], eas::state::WipeStatus::kAccountOnlyRequested); !s.ok()) {
      return Fail(std::string(s.message()));
    }
    std::printf("wipe-account: %s %s\n", a[2].c_str(), a[3].c_str());
    return 0;
  }
  if (a.size() == 5 && a[1] == "record" && (a[4] == "on" || a[4] == "off")) {
    // The server writes the sessions where its --record-dir says.
    if (auto s = state.SetRecording(a[2], a[3], a[4] == "on"); !s.ok()) return Fail(std::string(s.message()));
    std::printf("record %s: %s %s\n", a[4].c_str(), a[2].c_str(), a[3].c_str());
    return 0;
  }
  if (a.size() >= 5 && a[1] == "plan") return Plan(state, a);
  if (a.size() == 5 && a[1] == "check") return Check(a);
  std::fputs(kUsage, stderr);
  return 2;
}

int Policy(eas::state::DeviceState& state, const std::vector<std::string>& a) {
  auto policy = state.GetPolicy();
  if (!policy.ok()) return Fail(std::string(policy.status().message()));
  if (!policy->stored) *policy = eas::commands::DefaultPolicy();
  if (a.size() == 2 && a[1] == "show") {
    std::printf("required: %s\ngeneration: %lld\nexempt device types: %s\n",
                policy->required ? "on" : "off", static_cast<long long>(policy->generation),
                absl::StrJoin(policy->exempt_device_types, ",").c_str());
    for (const auto& [name, value] : policy->settings) {
      std::printf("%s=%s\n", name.c_str(), value.c_str());
    }
    return 0;
  }
  if (a.size() >= 3 && a[1] == "set") {
    for (size_t i = 2; i < a.size(); ++i) {
      std::pair<std::string, std::string> kv = absl::StrSplit(a[i], absl::MaxSplits('=', 1));
      if (!eas::commands::IsPolicySetting(kv.first)) {
        return Fail("not an EASProvisionDoc setting: " + kv.first);
      }
      policy->settings[kv.first] = kv.second;
    }
  } else if (a.size() == 3 && a[1] == "required" && (a[2] == "on" || a[2] == "off")) {
    policy->required = a[2] == "on";
  } else if ((a.size() == 2 || a.size() == 3) && a[1] == "exempt") {
    policy->exempt_device_types =
        a.size() == 3 ? std::vector<std::string>(absl::StrSplit(a[2], ',', absl::SkipEmpty()))
                      : std::vector<std::string>{};
  } else {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (auto s = state.SetPolicy(*policy); !s.ok()) return Fail(std::string(s.message()));
  std::printf("policy updated; devices will provision again\n");
  return 0;
}

int Quirks(eas::state::DeviceState& state, const std::vector<std::string>& a) {
  const auto& table = eas::devices::QuirkTable::Default();
  auto overrides = state.QuirkOverrides();
  if (!overrides.ok()) return Fail(std::string(overrides.status().message()));
  if (a.size() == 2 && a[1] == "list") {
    for (const auto& q : table.quirks()) {
      auto it = overrides->find(q.name);
      const char* mode = it == overrides->end() ? "as matched" : it->second ? "on for all" : "off";
      std::printf("%s [%s]\n  %s\n", q.name.c_str(), mode, q.behaviour.c_str());
      for (const auto& s : q.sources) std::printf("  source: %s\n", s.c_str());
      if (q.deadline_seconds > 0) std::printf("  deadline: %d s\n", q.deadline_seconds);
    }
    return 0;
  }
  if (a.size() == 3 && (a[1] == "on" || a[1] == "off" || a[1] == "default")) {
    if (table.Find(a[2]) == nullptr) return Fail("no quirk " + a[2]);
    std::optional<bool> on;
    if (a[1] != "default") on = a[1] == "on";
    if (auto s = state.SetQuirkOverride(a[2], on); !s.ok()) return Fail(std::string(s.message()));
    std::printf("quirk %s: %s\n", a[2].c_str(), a[1].c_str());
    return 0;
  }
  std::fputs(kUsage, stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "./var";
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--data-dir=", 0) == 0 || arg.rfind("--data_dir=", 0) == 0) {
      dir = arg.substr(11);
    } else {
      args.push_back(arg);
    }
  }
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "commands") {
    // The command table as the server has it (docs/commands.md is this
    // with --markdown, checked by tools/docs/docs_test.py).
    const bool markdown = args.size() > 1 && args[1] == "--markdown";
    if (markdown) {
      std::fputs("# Commands the reference server implements\n\n"
                 "Generated from the server's command table by `eas-admin commands --markdown`;\n"
                 "`tools/docs/docs_test.py` fails when this page and the table differ. OPTIONS\n"
                 "lists the same commands in MS-ASProtocolCommands.\n\n"
                 "| command | protocol versions | needs a policy key |\n|---|---|---|\n",
                 stdout);
    }
    for (const auto& c : eas::http::CommandTable()) {
      const std::string versions = c.since == eas::ProtocolVersion::k2_5 && c.until == eas::ProtocolVersion::k16_1
                                       ? "all (2.5-16.1)"
                                       : eas::ToString(c.since) + "-" + eas::ToString(c.until);
      if (markdown) {
        std::printf("| %s | %s | %s |\n", c.name.c_str(), versions.c_str(), c.needs_policy_key ? "yes" : "no");
      } else {
        std::printf("%s\t%s\n", c.name.c_str(), versions.c_str());
      }
    }
    return 0;
  }
  if (args[0] == "check") {
    // Open refuses a damaged, foreign or empty file (naming it); then the
    // whole of each is read.
    int bad = 0;
    auto store = eas::backend::SqliteStore::Open(dir + "/store.db");
    absl::Status s = store.ok() ? (*store)->IntegrityCheck() : store.status();
    std::printf("%s/store.db: %s\n", dir.c_str(), s.ok() ? "ok" : std::string(s.message()).c_str());
    bad += !s.ok();
    auto state = eas::state::DeviceState::Open(dir + "/state.db");
    s = state.ok() ? (*state)->IntegrityCheck() : state.status();
    std::printf("%s/state.db: %s\n", dir.c_str(), s.ok() ? "ok" : std::string(s.message()).c_str());
    bad += !s.ok();
    return bad ? 1 : 0;
  }
  if (args[0] == "demo-ox-fixture") {
    // The demo data as an OX mock fixture (tools/oxmock), on stdout.
    auto fixture = eas::server::DemoOxFixture();
    if (!fixture.ok()) return Fail(std::string(fixture.status().message()));
    std::fputs(fixture->c_str(), stdout);
    return 0;
  }
  if (args[0] == "users" || args[0] == "mail" || args[0] == "fixture") {
    auto store = eas::backend::SqliteStore::Open(dir + "/store.db");
    if (!store.ok()) return Fail(std::string(store.status().message()));
    if (args[0] == "fixture") return Fixture(**store, dir, args);
    return args[0] == "users" ? Users(**store, args) : Mail(**store, args);
  }
  auto state = eas::state::DeviceState::Open(dir + "/state.db");
  if (!state.ok()) return Fail(std::string(state.status().message()));
  if (args[0] == "devices") return Devices(**state, args);
  if (args[0] == "policy") return Policy(**state, args);
  if (args[0] == "quirks") return Quirks(**state, args);
  std::fputs(kUsage, stderr);
  return 2;
}
