// Who a request says it is: HTTP Basic credentials (MS-ASHTTP 2.2.1.1.2.1)
// and the login forms phones send, as the OXtender manual tells users to type
// them.
#ifndef EAS_REFERENCE_HTTP_CREDENTIALS_H_
#define EAS_REFERENCE_HTTP_CREDENTIALS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace eas::http {

// The context (OX's name for a tenant, the "domain" field on phones) that a
// login without one belongs to.
inline constexpr char kDefaultContext[] = "defaultcontext";

struct BasicCredentials {
  std::string username;  // as typed: "ox.io\miguel", "miguel@ox.io", "juan"
  std::string password;
};

// Parses an Authorization header value ("Basic <base64 user:password>");
// nullopt if it is not Basic or not decodable. The password may contain ':'.
std::optional<BasicCredentials> ParseBasicAuthorization(absl::string_view header);

struct AccountName {
  std::string context;
  std::string login;
  bool context_given = false;  // the name carried a domain or @context
  bool operator==(const AccountName& other) const {
    return context == other.context && login == other.login;
  }
};

// Maps what a phone sends to (context, login), case-sensitively:
//   "ox.io\miguel" and "miguel@ox.io"     -> (ox.io, miguel)
//   "juan", "\juan", " \juan" (Nokia)      -> (defaultcontext, juan)
//   "ox.io\miguel@ox.io"                   -> (ox.io, miguel)
// nullopt for an empty login or a domain that contradicts the @context.
std::optional<AccountName> ResolveAccountName(absl::string_view username);

// The User= query parameter must name the authenticated account: the same
// login, and the same context when the parameter gives one.
bool QueryUserMatches(absl::string_view query_user, const AccountName& authenticated);

}  // namespace eas::http

#endif  // EAS_REFERENCE_HTTP_CREDENTIALS_H_
