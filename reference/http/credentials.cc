#include "reference/http/credentials.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"

namespace eas::http {

std::optional<BasicCredentials> ParseBasicAuthorization(absl::string_view header) {
  header = absl::StripAsciiWhitespace(header);
  if (header.size() < 6 || !absl::StartsWithIgnoreCase(header, "basic ")) return std::nullopt;
  std::string decoded;
  if (!absl::Base64Unescape(absl::StripAsciiWhitespace(header.substr(6)), &decoded)) {
    return std::nullopt;
  }
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded.substr(0, colon), decoded.substr(colon + 1)};
}

std::optional<AccountName> ResolveAccountName(absl::string_view username) {
  AccountName name;
  absl::string_view domain;
  absl::string_view user = username;
  if (const size_t slash = username.find('\\'); slash != absl::string_view::npos) {
    domain = username.substr(0, slash);
    user = username.substr(slash + 1);
    // Nokia's Mail for Exchange sends a single space when the domain field is
    // left empty; an empty domain means the same.
    if (absl::StripAsciiWhitespace(domain).empty()) domain = {};
  }
  absl::string_view at_context;
  if (const size_t at = user.rfind('@'); at != absl::string_view::npos) {
    at_context = user.substr(at + 1);
    user = user.substr(0, at);
    if (at_context.empty()) return std::nullopt;
  }
  if (user.empty()) return std::nullopt;
  if (!domain.empty() && !at_context.empty() && domain != at_context) return std::nullopt;
  absl::string_view context = !domain.empty() ? domain : at_context;
  name.context_given = !context.empty();
  name.context = context.empty() ? kDefaultContext : std::string(context);
  name.login = std::string(user);
  return name;
}

bool QueryUserMatches(absl::string_view query_user, const AccountName& authenticated) {
  if (query_user.empty()) return true;  // base64 queries usually leave it out
  auto named = ResolveAccountName(query_user);
  if (!named || named->login != authenticated.login) return false;
  return !named->context_given || named->context == authenticated.context;
}

}  // namespace eas::http
