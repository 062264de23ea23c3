// Where mail for addresses outside the store goes (--smtp=HOST:PORT).
#ifndef EAS_REFERENCE_MAIL_RELAY_H_
#define EAS_REFERENCE_MAIL_RELAY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace eas::mail {

class Relay {
 public:
  virtual ~Relay() = default;
  // Hands the message to the next hop for `recipients`. OK only once the
  // relay accepted it for every recipient.
  virtual absl::Status Send(const std::string& envelope_from, const std::vector<std::string>& recipients,
                            const std::string& message) = 0;
};

}  // namespace eas::mail

#endif  // EAS_REFERENCE_MAIL_RELAY_H_
