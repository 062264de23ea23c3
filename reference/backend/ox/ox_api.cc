#include "reference/backend/ox/ox_api.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace eas::backend::ox {
namespace {

// OX codes the connector meets (OX HTTP API error codes; docs/ox-connector.md).
constexpr const char* kNotFoundCodes[] = {"FLD-0008", "CON-0125", "APP-0059", "TSK-0019", "MSG-0032", "MSG-1002"};

}  // namespace

std::string UrlEncode(const std::string& value) {
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

absl::Status StatusOfOxError(const Json& reply) {
  const std::string code = reply.value("code", "");
  const std::string message = absl::StrCat("OX ", code, ": ", reply.value("error", std::string("error")));
  if (absl::StartsWith(code, "LGI-")) return absl::UnauthenticatedError(message);
  if (absl::StartsWith(code, "SES-")) return absl::UnauthenticatedError(message);
  for (const char* c : kNotFoundCodes) {
    if (code == c) return absl::NotFoundError(message);
  }
  if (code == "FLD-0012") return absl::AlreadyExistsError(message);
  if (code == "CON-0170" || code == "APP-0022" || code == "TSK-0011") return absl::AbortedError(message);
  const std::string categories = reply.contains("categories") ? reply["categories"].dump() : "";
  if (absl::StrContains(categories, "TRY_AGAIN") || absl::StrContains(categories, "SERVICE_DOWN") ||
      absl::StrContains(categories, "CONNECTIVITY") || absl::StartsWith(code, "SVL-")) {
    return absl::UnavailableError(message);
  }
  return absl::FailedPreconditionError(message);
}

absl::StatusOr<OxApi::Session> OxApi::Open(const std::string& login_name, const std::string& password) {
  const std::string form = absl::StrCat("name=", UrlEncode(login_name), "&password=", UrlEncode(password));
  auto reply = http_->Request("POST", "/ajax/login?action=login", form, "application/x-www-form-urlencoded", "");
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) return absl::UnavailableError(absl::StrCat("OX login: HTTP ", reply->status));
  Json json = Json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return absl::UnavailableError("OX login: not JSON");
  if (json.contains("error")) return StatusOfOxError(json);
  Session s{login_name, password, json.value("session", ""), ""};
  if (s.id.empty()) return absl::UnavailableError("OX login: no session");
  for (const std::string& cookie : reply->set_cookies) {
    // The cookie's name=value; attributes (Path, HttpOnly) are not sent back.
    absl::StrAppend(&s.cookies, s.cookies.empty() ? "" : "; ", cookie.substr(0, cookie.find(';')));
  }
  return s;
}

absl::Status OxApi::Login(const std::string& key, const std::string& login_name, const std::string& password) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sessions_.find(key);
    if (it != sessions_.end() && it->second.login_name == login_name && it->second.password == password) {
      return absl::OkStatus();  // reuse; renewed if OX expired it
    }
  }
  auto session = Open(login_name, password);
  if (!session.ok()) return session.status();
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_[key] = std::move(*session);
  return absl::OkStatus();
}

absl::StatusOr<Json> OxApi::CallWith(const Session& s, const std::string& method, const std::string& module,
                                     const Params& params, const std::string& body,
                                     const std::string& content_type) {
  std::string target = absl::StrCat("/ajax/", module, "?");
  for (const auto& [k, v] : params) absl::StrAppend(&target, k, "=", UrlEncode(v), "&");
  absl::StrAppend(&target, "session=", UrlEncode(s.id));
  auto reply = http_->Request(method, target, body, body.empty() ? "" : content_type, s.cookies);
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) {
    return absl::UnavailableError(absl::StrCat("OX ", module, ": HTTP ", reply->status));
  }
  Json json = Json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return absl::UnavailableError("OX " + module + ": not JSON");
  if (json.contains("error")) return StatusOfOxError(json);
  return json;
}

absl::StatusOr<Json> OxApi::Call(const std::string& key, const std::string& method, const std::string& module,
                                 const Params& params, const std::string& body, const std::string& content_type) {
  Session s;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sessions_.find(key);
    if (it == sessions_.end()) return absl::UnauthenticatedError("no OX session for " + key);
    s = it->second;
  }
  auto result = CallWith(s, method, module, params, body, content_type);
  if (result.ok() || result.status().code() != absl::StatusCode::kUnauthenticated) return result;
  // The session expired (or OX restarted): log in again, once.
  auto renewed = Open(s.login_name, s.password);
  if (!renewed.ok()) {
    return renewed.status().code() == absl::StatusCode::kUnauthenticated
               ? absl::UnavailableError("OX refused the stored credentials")
               : renewed.status();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sessions_[key] = *renewed;
  }
  return CallWith(*renewed, method, module, params, body, content_type);
}

}  // namespace eas::backend::ox
