// Autodiscover for Exchange ActiveSync (the mobilesync request and response
// schemas of 2006; MS-ASCMD 2.2.1.1 Autodiscover): a client set up with only
// an e-mail address and password POSTs to /autodiscover/autodiscover.xml
// and learns the URL to sync with. The caller has authenticated the
// account; only that account's own address is answered.
#ifndef EAS_REFERENCE_HTTP_AUTODISCOVER_H_
#define EAS_REFERENCE_HTTP_AUTODISCOVER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "reference/backend/backend.h"

namespace eas::http {

inline constexpr char kAutodiscoverPath[] = "/autodiscover/autodiscover.xml";
inline constexpr char kMobileSyncRequestSchema[] =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006";
inline constexpr char kMobileSyncResponseSchema[] =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006";
inline constexpr char kAutodiscoverResponseSchema[] =
    "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";

// Framework error codes (MS-ASCMD 2.2.3.61 ErrorCode) and the mobilesync
// Error Status (2.2.3.162.1).
inline constexpr int kAutodiscoverInvalidRequest = 600;
inline constexpr int kAutodiscoverNoProvider = 601;
inline constexpr int kAutodiscoverProtocolError = 2;

// The answer's XML for `request_body`: the MobileSync server `eas_url`
// (Type MobileSync, Url and Name), or the error the schemas give: 600 for a
// request that is not one Request with an EMailAddress, 601 for another
// AcceptableResponseSchema, an Action Error for an address that is not the
// account's.
std::string AutodiscoverAnswer(absl::string_view request_body, const backend::Account& account,
                               const std::string& eas_url, absl::Time now);

}  // namespace eas::http

#endif  // EAS_REFERENCE_HTTP_AUTODISCOVER_H_
