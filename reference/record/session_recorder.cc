#include "reference/record/session_recorder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <algorithm>

#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "reference/log/log.h"

namespace eas::record {
namespace {

// Writes `text` to `path` through a temporary file and a rename: a reader
// (or a crash) sees the old file or the new one, never half of one.
absl::Status WriteWhole(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

// Writes `text` over the last `footer` bytes of the file: the exchange
// and the new footer. A crash during it leaves the file without its end;
// what was recorded before stays.
absl::Status AppendBeforeFooter(const std::string& path, size_t footer, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "r+b");
  if (f == nullptr) return absl::UnavailableError(absl::StrCat("cannot open ", path));
  bool ok = std::fseek(f, -static_cast<long>(footer), SEEK_END) == 0 &&
            std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0;
  const long end = ok ? std::ftell(f) : -1;
  ok = ok && end >= 0 && ::ftruncate(::fileno(f), end) == 0;
  ok = std::fclose(f) == 0 && ok;
  return ok ? absl::OkStatus() : absl::UnavailableError(absl::StrCat("cannot write ", path));
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

std::string FileNamePart(const std::string& text, size_t max) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max) break;
    out += absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  }
  return out.empty() ? "_" : out;
}

bool SessionRecorder::Begin(const std::string& device_key, const SessionInfo& info,
                            const std::function<absl::StatusOr<nlohmann::json>()>& export_state, absl::Time now) {
  // The session's own lock is taken without the map's: it may be held
  // while that session's file is written.
  std::shared_ptr<Session> open;
  {
    absl::MutexLock lock(&mutex_);
    auto it = sessions_.find(device_key);
    if (it != sessions_.end()) open = it->second;
  }
  std::string ended;
  if (open != nullptr) {
    absl::MutexLock session(&open->mutex);
    if (!open->writer->has_protocol() && !info.protocol.empty()) open->writer->SetProtocol(info.protocol);
    const bool fresh = now - open->last <= options_.quiet && open->writer->exchanges() < options_.max_exchanges &&
                       open->writer->bytes() < options_.max_bytes;
    if (fresh) return true;
    ended = open->path;
  }
  bool full = false;
  {
    absl::MutexLock lock(&mutex_);
    auto it = sessions_.find(device_key);
    if (open != nullptr && it != sessions_.end() && it->second == open) sessions_.erase(it);
    full = sessions_.size() >= options_.max_sessions;
  }
  if (!ended.empty()) log::Info("recording: session ended", {{"file", ended}});
  if (full) return false;
  // Names from what the device sent, made safe; a second session in the
  // same second gets a number.
  const std::string base = absl::StrCat(options_.dir, "/", FileNamePart(info.login), "-", FileNamePart(info.device_type),
                                        "-", FileNamePart(info.device_id), "-",
                                        absl::FormatTime("%Y%m%dT%H%M%S", info.started, absl::UTCTimeZone()));
  std::string stem = base;
  for (int n = 2; Exists(stem + ".xml") || Exists(stem + ".state.json"); ++n) stem = absl::StrCat(base, "-", n);
  auto state = export_state();
  if (!state.ok()) {
    log::Error("recording: exporting the account's state", state.status(), {{"device", info.device_id}});
    return false;
  }
  SessionInfo with_state = info;
  with_state.fixture = stem.substr(stem.rfind('/') + 1) + ".state.json";
  if (auto s = WriteWhole(stem + ".state.json", state->dump(1) + "\n"); !s.ok()) {
    log::Error("recording: writing the state", s, {{"device", info.device_id}});
    return false;
  }
  // The state's mail is known mail: what the device is given of it later
  // (a page after MoreAvailable, a move) is no delivery.
  absl::flat_hash_set<std::string> known;
  if (state->contains("mail") && (*state)["mail"].is_array()) {
    for (const auto& mail : (*state)["mail"]) {
      if (mail.is_object() && mail.contains("raw") && mail["raw"].is_string()) {
        for (auto& k : MailKeys(mail["raw"].get<std::string>(), false)) known.insert(std::move(k));
      }
    }
  }
  auto session = std::make_shared<Session>();
  session->path = stem + ".xml";
  {
    absl::MutexLock s(&session->mutex);
    session->last = now;
    session->writer = std::make_unique<CaptureWriter>(with_state);
    session->known_mail = std::move(known);
  }
  log::Info("recording: session started", {{"file", session->path}, {"device", info.device_id}});
  absl::MutexLock lock(&mutex_);
  sessions_[device_key] = std::move(session);
  return true;
}

void SessionRecorder::Record(const std::string& device_key, const RecordedExchange& exchange, absl::Time now) {
  std::shared_ptr<Session> session;
  {
    absl::MutexLock lock(&mutex_);
    auto it = sessions_.find(device_key);
    if (it == sessions_.end()) return;
    session = it->second;
  }
  absl::MutexLock lock(&session->mutex);
  session->last = now;
  const std::string xml = session->writer->Add(exchange);
  if (!session->writer->has_protocol()) {
    session->pending += xml;  // bounded: the session's size bound counts it
    return;
  }
  const std::string footer = session->writer->Footer();
  absl::Status written = session->footer_bytes == 0
                             ? WriteWhole(session->path, session->writer->Header() + session->pending + xml + footer)
                             : AppendBeforeFooter(session->path, session->footer_bytes, xml + footer);
  session->footer_bytes = footer.size();
  session->pending.clear();
  if (!written.ok()) {
    // The file is no longer what the session was: no more of it.
    log::Error("recording: writing the capture", written, {{"file", session->path}});
    End(device_key);
  }
}

void SessionRecorder::End(const std::string& device_key) {
  std::string ended;
  {
    absl::MutexLock lock(&mutex_);
    auto it = sessions_.find(device_key);
    if (it == sessions_.end()) return;
    ended = it->second->path;
    sessions_.erase(it);
  }
  log::Info("recording: session ended", {{"file", ended}});
}

std::vector<std::string> MailKeys(const std::string& mime, bool subject) {
  std::vector<std::string> keys = {absl::StrCat("bytes:", absl::Hash<std::string>{}(mime))};
  // The header fields, up to the first blank line; folded lines joined.
  const size_t end = mime.find("\r\n\r\n") != std::string::npos ? mime.find("\r\n\r\n") : mime.find("\n\n");
  const std::string head = mime.substr(0, end == std::string::npos ? mime.size() : end);
  std::string field, value;
  auto take = [&] {
    if (absl::EqualsIgnoreCase(field, "Message-ID") && !value.empty()) {
      keys.push_back(absl::StrCat("id:", absl::AsciiStrToLower(absl::StripAsciiWhitespace(value))));
    }
    if (subject && absl::EqualsIgnoreCase(field, "Subject") && !value.empty()) {  // (no Subject tells nothing)
      keys.push_back(absl::StrCat("subject:", absl::StripAsciiWhitespace(value)));
    }
  };
  for (absl::string_view line : absl::StrSplit(head, '\n')) {
    line = absl::StripSuffix(line, "\r");
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      absl::StrAppend(&value, " ", absl::StripAsciiWhitespace(line));
      continue;
    }
    take();
    const size_t colon = line.find(':');
    field = colon == absl::string_view::npos ? "" : std::string(line.substr(0, colon));
    value = colon == absl::string_view::npos ? "" : std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  take();
  return keys;
}

void SessionRecorder::Sent(const std::string& device_key, const std::string& mime) {
  std::shared_ptr<Session> session;
  {
    absl::MutexLock lock(&mutex_);
    auto it = sessions_.find(device_key);
    if (it == sessions_.end()) return;
    session = it->second;
  }
  auto keys = MailKeys(mime, true);
  absl::MutexLock lock(&session->mutex);
  for (auto& k : keys) session->known_mail.insert(std::move(k));
}

std::vector<std::string> SessionRecorder::Arrived(const std::string& device_key,
                                                  const std::vector<std::string>& seen) {
  std::shared_ptr<Session> session;
  {
    absl::MutexLock lock(&mutex_);
    auto it = sessions_.find(device_key);
    if (it == sessions_.end()) return {};
    session = it->second;
  }
  std::vector<std::string> arrived;
  for (const auto& mime : seen) {
    // A device's own message is known by its Subject too.
    auto keys = MailKeys(mime, true);
    absl::MutexLock lock(&session->mutex);
    if (std::any_of(keys.begin(), keys.end(), [&](const std::string& k) { return session->known_mail.contains(k); })) {
      continue;
    }
    for (auto& k : MailKeys(mime, false)) session->known_mail.insert(std::move(k));
    arrived.push_back(mime);
  }
  return arrived;
}

std::string SessionRecorder::OpenFile(const std::string& device_key) const {
  absl::MutexLock lock(&mutex_);
  auto it = sessions_.find(device_key);
  return it == sessions_.end() ? "" : it->second->path;
}

}  // namespace eas::record
