// eas-server: the reference EAS server (docs/operator-guide.md).
#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "reference/backend/ox/ox_backend.h"
#include "reference/calendar/zone_names.h"
#include "reference/backend/sqlite_store.h"
#include "reference/commands/policy_document.h"
#include "reference/http/dispatcher.h"
#include "reference/http/server.h"
#include "reference/log/log.h"
#include "reference/metrics/metrics.h"
#include "reference/server/admin_endpoint.h"
#include "reference/mail/smtp_relay.h"
#include "reference/push/push_hub.h"
#include "reference/server/demo.h"
#include "reference/server/self_signed.h"
#include "reference/state/device_state.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:8080",
          "plain HTTP endpoints, HOST:PORT, comma-separated; empty for none");
ABSL_FLAG(std::string, tls_listen, "", "HTTPS endpoints, HOST:PORT, comma-separated");
ABSL_FLAG(std::string, cert, "", "TLS certificate chain (PEM); default: a self-signed one in --data-dir");
ABSL_FLAG(std::string, key, "", "TLS private key (PEM)");
ABSL_FLAG(bool, tls_legacy, false,
          "also TLS 1.0/1.1 with ECDHE-CBC suites, for phones with nothing newer (Windows Mobile 6, iOS before 5); "
          "default: TLS 1.2+ with forward-secret AEAD suites only");
ABSL_FLAG(std::string, data_dir, "./var", "embedded store and all state");
ABSL_FLAG(bool, demo, false, "seed the demo accounts and folders (idempotent)");
ABSL_FLAG(int, threads, 2, "network threads (they only move bytes)");
ABSL_FLAG(int, workers, 16,
          "worker threads that run the handlers (they wait on SQLite, password hashes, SMTP and OX)");
ABSL_FLAG(int, max_queued_requests, 4096, "requests that may wait for a worker; more get 503 Retry-After");
ABSL_FLAG(int, max_queued_per_device, 16,
          "requests of one device that may wait behind its running one; more get 503 Retry-After");
ABSL_FLAG(int, max_connections, 50000, "client connections open at once; more are closed as they come");
ABSL_FLAG(int, max_connections_per_address, 1000,
          "client connections open at once from one address (phones behind a carrier's NAT share one)");
ABSL_FLAG(int, max_body_mb, 32, "largest request body accepted, in MiB (413 above)");
ABSL_FLAG(int, max_devices_per_account, 100,
          "devices one account may have; a new DeviceId past that gets 403 (remove old ones with eas-admin)");
ABSL_FLAG(int, ping_min_heartbeat, 60, "shortest Ping heartbeat accepted, seconds");
ABSL_FLAG(int, ping_max_heartbeat, 3540, "longest Ping heartbeat accepted, seconds");
ABSL_FLAG(int, ping_max_folders, 300, "most folders one Ping may watch");
ABSL_FLAG(std::string, public_url, "",
          "the ActiveSync URL Autodiscover hands out (https://mail.example.com/Microsoft-Server-ActiveSync); "
          "empty: https:// and the Host the client used");
ABSL_FLAG(int, search_max_items, eas::commands::kDefaultSearchMaxItems,
          "items one mailbox Search may read; past that it answers Status 10 (timed out: narrow the query)");
ABSL_FLAG(std::string, backend, "embedded",
          "where accounts and data live: embedded (SQLite in --data-dir) or ox (an Open-Xchange server, "
          "--ox-url)");
ABSL_FLAG(std::string, ox_url, "", "the OX server's base URL, http(s)://host[:port][/prefix] (before /ajax)");
ABSL_FLAG(int, ox_watch_seconds, 10, "how often the OX watcher asks for changes in watched folders");
ABSL_FLAG(int, ox_sync_freshness_ms, -1,
          "a folder the OX watcher watches is not asked again for a Sync if it was refreshed this recently "
          "(milliseconds; -1: twice the watch interval; 0: ask OX at every request)");
ABSL_FLAG(int, ox_folder_list_seconds, 300,
          "how often the folder list of an account in use is read from OX");
ABSL_FLAG(int, ox_timeout_seconds, 20, "timeout of each step of an OX HTTP request");
ABSL_FLAG(int, ox_mail_fetch_seconds, 5, "how long one refresh of a mail folder fetches new messages from OX "
          "(the rest comes with the next, the phone is told MoreAvailable)");
ABSL_FLAG(std::string, admin_listen, "127.0.0.1:8090",
          "HOST:PORT of the operator's endpoint: /metrics (Prometheus), /healthz, /readyz; empty for none. "
          "Keep it on loopback or a management network: it has no authentication");
ABSL_FLAG(std::string, access_log, "",
          "file for one line per request (appended; reopened on SIGHUP); default: standard error");
ABSL_FLAG(std::string, error_log, "",
          "file for errors, security events and notices (appended; reopened on SIGHUP); default: standard error");
ABSL_FLAG(std::string, smtp, "",
          "outbound mail relay HOST:PORT (plain SMTP, no AUTH: the site's MTA); without it, mail to "
          "addresses outside the store is refused");
ABSL_FLAG(std::string, record_dir, "",
          "directory recorded sessions are written to as captures (docs/captures.md, \"Recorded captures\"); "
          "devices are switched on by eas-admin devices record, or all by --record-all");
ABSL_FLAG(bool, record_all, false, "record every device's sessions (a lab; needs --record-dir)");
ABSL_FLAG(int, record_quiet_seconds, 600, "a recorded session ends after this long without a request");

namespace {

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_reopen = 0;

std::vector<eas::http::Endpoint> Endpoints(const std::string& list) {
  std::vector<eas::http::Endpoint> out;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    auto e = eas::http::ParseEndpoint(std::string(item));
    if (!e.ok()) {
      std::fprintf(stderr, "eas-server: %s\n", std::string(e.status().message()).c_str());
      std::exit(2);
    }
    out.push_back(*e);
  }
  return out;
}

// The documented flags are --data-dir and --tls-listen; Abseil flag names
// cannot hold '-', so "--data-dir=x" is read as "--data_dir=x". A
// --flagfile (the configuration file: one flag a line, # comments) is read
// here too, so that its lines may be spelled with dashes as well.
std::vector<char*> DashesToUnderscores(int argc, char** argv, std::vector<std::string>& storage) {
  std::vector<std::string> in(argv, argv + argc);
  storage.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    std::string arg = in[i];
    if (i > 0 && (arg.rfind("--flagfile=", 0) == 0 || arg.rfind("--flag-file=", 0) == 0)) {
      const std::string path = arg.substr(arg.find('=') + 1);
      std::ifstream file(path);
      if (!file) {
        std::fprintf(stderr, "eas-server: cannot read the flag file %s\n", path.c_str());
        std::exit(2);
      }
      std::vector<std::string> lines;
      for (std::string line; std::getline(file, line);) {
        line = std::string(absl::StripAsciiWhitespace(line));
        if (!line.empty() && line[0] != '#') lines.push_back(line);
      }
      in.insert(in.begin() + static_cast<std::ptrdiff_t>(i) + 1, lines.begin(), lines.end());
      continue;
    }
    if (i > 0 && arg.rfind("--", 0) == 0) {
      const size_t end = std::min(arg.find('='), arg.size());
      for (size_t k = 2; k < end; ++k) {
        if (arg[k] == '-') arg[k] = '_';
      }
    }
    storage.push_back(arg);
  }
  std::vector<char*> out;
  for (auto& a : storage) out.push_back(a.data());
  return out;
}

// --help: the flags of this program, spelled as the docs spell them, with
// their defaults (Abseil's own --help lists nothing for a binary whose name
// is not its source file's).
bool PrintHelpIfAsked(int argc, char** argv) {
  bool asked = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    asked |= a == "--help" || a == "-h" || a == "--helpfull" || a == "-help";
  }
  if (!asked) return false;
  std::printf(
      "eas-server: the reference Exchange ActiveSync server (docs/operator-guide.md)\n\n"
      "usage: eas-server [--flag=value ...] [--flagfile=FILE]\n\n"
      "  --flagfile=FILE\n      the configuration file: one flag a line as below (--listen=0.0.0.0:8080), "
      "# comments;\n      flags given after it override it\n");
  std::vector<std::pair<std::string, absl::CommandLineFlag*>> mine;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::StrContains(flag->Filename(), "reference/server/main.cc")) mine.emplace_back(std::string(name), flag);
  }
  std::sort(mine.begin(), mine.end());
  for (const auto& [name, flag] : mine) {
    std::string dashed = name;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    const std::string fallback = flag->DefaultValue();
    std::printf("  --%s (default: %s)\n      %s\n", dashed.c_str(), fallback.empty() ? "none" : fallback.c_str(),
                flag->Help().c_str());
  }
  return true;
}

int Die(const absl::Status& s) {
  std::fprintf(stderr, "eas-server: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("the reference Exchange ActiveSync server");
  if (PrintHelpIfAsked(argc, argv)) return 0;
  std::vector<std::string> arg_storage;
  std::vector<char*> args = DashesToUnderscores(argc, argv, arg_storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  // Keep freed heap instead of returning it to the kernel at every request
  // (docs/performance.md: a trimmed heap costs a page fault per 4 KB).
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  // Every parked Ping holds a socket: allow as many as the system lets us.
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  if (auto s = eas::log::SetAccessLog(absl::GetFlag(FLAGS_access_log)); !s.ok()) return Die(s);
  if (auto s = eas::log::SetErrorLog(absl::GetFlag(FLAGS_error_log)); !s.ok()) return Die(s);
  // Every time zone of the system's database, loaded before any request:
  // zone lookups happen inside store transactions and must not read files.
  eas::calendar::PreloadZones();
  const std::string dir = absl::GetFlag(FLAGS_data_dir);
  // Password hashes and all mail live here: the directory 0700 and every
  // file 0600, whatever the umask (issue 15: 0644 in a 0755 directory).
  umask(077);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Die(absl::InternalError("cannot create " + dir + ": " + ec.message()));
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  for (const char* name : {"store.db", "store.db-wal", "store.db-shm", "state.db", "state.db-wal", "state.db-shm",
                           "ox-mirror.db", "ox-map.db", "tls-key.pem"}) {
    const std::string path = dir + "/" + name;
    if (std::filesystem::exists(path, ec)) chmod(path.c_str(), 0600);
  }

  auto store = eas::backend::SqliteStore::Open(dir + "/store.db");
  if (!store.ok()) return Die(store.status());
  auto state = eas::state::DeviceState::Open(dir + "/state.db");
  if (!state.ok()) return Die(state.status());
  (*state)->set_max_devices_per_account(absl::GetFlag(FLAGS_max_devices_per_account));
  auto policy = (*state)->GetPolicy();
  if (!policy.ok()) return Die(policy.status());
  if (!policy->stored) {
    if (auto s = (*state)->SetPolicy(eas::commands::DefaultPolicy()); !s.ok()) return Die(s);
  }
  const std::string backend_name = absl::GetFlag(FLAGS_backend);
  std::unique_ptr<eas::backend::ox::OxBackend> ox;
  if (backend_name == "ox") {
    eas::backend::ox::OxOptions ox_options;
    ox_options.url = absl::GetFlag(FLAGS_ox_url);
    if (ox_options.url.empty()) return Die(absl::InvalidArgumentError("--backend=ox needs --ox-url"));
    ox_options.watch_interval = absl::Seconds(absl::GetFlag(FLAGS_ox_watch_seconds));
    ox_options.timeout = absl::Seconds(absl::GetFlag(FLAGS_ox_timeout_seconds));
    if (const int ms = absl::GetFlag(FLAGS_ox_sync_freshness_ms); ms >= 0) {
      ox_options.sync_freshness = absl::Milliseconds(ms);
    }
    ox_options.folder_list_interval = absl::Seconds(absl::GetFlag(FLAGS_ox_folder_list_seconds));
    ox_options.mail_fetch_budget = absl::Seconds(absl::GetFlag(FLAGS_ox_mail_fetch_seconds));
    auto opened = eas::backend::ox::OxBackend::Open(ox_options, dir);
    if (!opened.ok()) return Die(opened.status());
    ox = std::move(*opened);
  } else if (backend_name != "embedded") {
    return Die(absl::InvalidArgumentError("--backend is embedded or ox"));
  }
  if (absl::GetFlag(FLAGS_demo) && !ox) {
    if (auto s = eas::server::SeedDemo(**store); !s.ok()) return Die(s);
  }

  eas::http::ServerOptions options;
  options.plain = Endpoints(absl::GetFlag(FLAGS_listen));
  options.tls = Endpoints(absl::GetFlag(FLAGS_tls_listen));
  options.threads = absl::GetFlag(FLAGS_threads);
  options.max_body_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_body_mb)) << 20;
  options.tls_legacy = absl::GetFlag(FLAGS_tls_legacy);
  options.max_connections = static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_max_connections)));
  options.max_connections_per_address = static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_max_connections_per_address)));
  if (!options.tls.empty()) {
    options.cert_file = absl::GetFlag(FLAGS_cert);
    options.key_file = absl::GetFlag(FLAGS_key);
    if (options.cert_file.empty() != options.key_file.empty()) {
      return Die(absl::InvalidArgumentError("--cert and --key go together"));
    }
    if (options.cert_file.empty()) {
      options.cert_file = dir + "/tls-cert.pem";
      options.key_file = dir + "/tls-key.pem";
      char host[256] = "localhost";
      gethostname(host, sizeof(host) - 1);
      if (auto s = eas::server::EnsureSelfSignedCertificate(options.cert_file, options.key_file, host);
          !s.ok()) {
        return Die(s);
      }
    }
  }
  eas::push::PushHub hub;
  auto notify = [&hub](const std::string& account, const std::string& folder) { hub.Notify(account, folder); };
  (*store)->SetChangeListener(notify);
  if (!ox) (*store)->WatchOtherWriters(absl::Seconds(1));  // eas-admin's changes reach Pings too
  if (ox) {
    ox->SetChangeListener(notify);
    ox->StartWatcher();
  }
  eas::http::DispatcherOptions dispatcher_options;
  dispatcher_options.max_body_bytes = options.max_body_bytes;
  dispatcher_options.workers = absl::GetFlag(FLAGS_workers);
  dispatcher_options.max_queued_requests = static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_max_queued_requests)));
  dispatcher_options.max_queued_per_device =
      static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_max_queued_per_device)));
  eas::commands::SyncEngine sync_engine;
  dispatcher_options.sync_engine = &sync_engine;
  dispatcher_options.hub = &hub;
  dispatcher_options.ping.min_heartbeat = absl::GetFlag(FLAGS_ping_min_heartbeat);
  dispatcher_options.ping.max_heartbeat = absl::GetFlag(FLAGS_ping_max_heartbeat);
  dispatcher_options.ping.max_folders = absl::GetFlag(FLAGS_ping_max_folders);
  dispatcher_options.search_max_items = absl::GetFlag(FLAGS_search_max_items);
  dispatcher_options.public_url = absl::GetFlag(FLAGS_public_url);
  std::unique_ptr<eas::mail::SmtpRelay> relay;
  if (const std::string smtp = absl::GetFlag(FLAGS_smtp); !smtp.empty()) {
    const size_t colon = smtp.rfind(':');
    int port = 25;
    if (colon != std::string::npos && !absl::SimpleAtoi(smtp.substr(colon + 1), &port)) {
      return Die(absl::InvalidArgumentError("--smtp wants HOST:PORT"));
    }
    char host[256] = "localhost";
    gethostname(host, sizeof(host) - 1);
    relay = std::make_unique<eas::mail::SmtpRelay>(smtp.substr(0, colon), port, host);
    dispatcher_options.relay = relay.get();
  }
  eas::record::RecorderOptions record_options;
  record_options.dir = absl::GetFlag(FLAGS_record_dir);
  record_options.record_all = absl::GetFlag(FLAGS_record_all);
  record_options.quiet = absl::Seconds(std::max(1, absl::GetFlag(FLAGS_record_quiet_seconds)));
  if (record_options.record_all && record_options.dir.empty()) {
    return Die(absl::InvalidArgumentError("--record-all needs --record-dir"));
  }
  if (!record_options.dir.empty()) {
    ::mkdir(record_options.dir.c_str(), 0700);
    struct stat st;
    if (::stat(record_options.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Die(absl::InvalidArgumentError("--record-dir " + record_options.dir + " is not a directory"));
    }
  }
  eas::record::SessionRecorder recorder(record_options);
  dispatcher_options.recorder = &recorder;
  eas::backend::Backend& backend = ox ? static_cast<eas::backend::Backend&>(*ox) : **store;
  eas::http::Dispatcher dispatcher(backend, **state, dispatcher_options);
  eas::http::Server server(dispatcher, options);
  if (auto s = server.Start(); !s.ok()) return Die(s);

  auto& registry = eas::metrics::Registry::Default();
  registry.Describe("eas_requests_total", "EAS requests answered, by command and HTTP status");
  registry.Describe("eas_request_duration_seconds", "time from a request to its answer (a Ping's includes its wait)");
  registry.Describe("eas_login_failures_total", "requests with credentials that failed");
  registry.Describe("eas_groupware_outages_total", "requests answered 503 because the groupware was unreachable");
  registry.Describe("eas_backend_calls_total", "calls of the groupware backend made by requests");
  registry.Describe("eas_backend_call_duration_seconds", "one call of the groupware backend, by call");
  registry.Gauge("eas_parked_requests", "Pings and Syncs with Wait parked now", [&hub] { return hub.parked(); });
  registry.Gauge("eas_open_connections", "client connections open now", [&server] { return server.open_connections(); });
  registry.Gauge("eas_queued_requests", "requests waiting for a worker", [&dispatcher] { return dispatcher.queued(); });
  registry.Gauge("eas_busy_devices", "devices with a request queued or running",
                 [&dispatcher] { return dispatcher.active_devices(); });
  std::unique_ptr<eas::http::Server> admin;
  if (const std::string where = absl::GetFlag(FLAGS_admin_listen); !where.empty()) {
    eas::http::ServerOptions admin_options;
    admin_options.plain = Endpoints(where);
    admin_options.threads = 1;
    admin_options.max_body_bytes = 1 << 16;
    eas::state::DeviceState* device_state = state->get();
    eas::backend::SqliteStore* embedded = ox ? nullptr : store->get();
    eas::backend::ox::OxBackend* groupware = ox.get();
    admin = std::make_unique<eas::http::Server>(
        eas::server::AdminEndpoint([device_state, embedded, groupware]() -> absl::Status {
          if (auto s = device_state->CheckWritable(); !s.ok()) return s;
          return groupware != nullptr ? groupware->CheckReachable() : embedded->CheckWritable();
        }),
        admin_options);
    if (auto s = admin->Start(); !s.ok()) return Die(s);
    std::printf("admin: http://%s:%d/metrics\n", admin_options.plain[0].host.c_str(), admin->BoundPorts()[0]);
  }

  const std::vector<int> ports = server.BoundPorts();
  size_t i = 0;
  for (const auto& e : options.plain) {
    std::printf("listening: http://%s:%d/Microsoft-Server-ActiveSync\n", e.host.c_str(), ports[i++]);
  }
  for (const auto& e : options.tls) {
    std::printf("listening: https://%s:%d/Microsoft-Server-ActiveSync\n", e.host.c_str(), ports[i++]);
  }
  std::fflush(stdout);

  eas::log::Info("started", {{"backend", backend_name}, {"data_dir", dir}, {"workers", dispatcher_options.workers}});
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::signal(SIGHUP, [](int) { g_reopen = 1; });
  while (!g_stop) {
    pause();
    if (g_reopen) {
      g_reopen = 0;
      eas::log::Reopen();
      eas::log::Info("log files reopened");
    }
  }
  eas::log::Info("stopping");
  server.Stop();
  server.Wait();
  if (admin) {
    admin->Stop();
    admin->Wait();
  }
  dispatcher.Shutdown();  // answers still queued go nowhere now, but run to the end
  (*store)->SetChangeListener(nullptr);
  if (ox) ox->SetChangeListener(nullptr);
  hub.Abandon();  // parked Pings cannot be answered any more
  return 0;
}
