// The OX mock (tools/oxmock) as a process for the conformance suite's OX
// runs (EAS_CONFORMANCE_BACKEND=ox): started once per test binary with the
// suite's fixture, put back to it before every test.
#ifndef EAS_CONFORMANCE_OX_MOCK_PROCESS_H_
#define EAS_CONFORMANCE_OX_MOCK_PROCESS_H_

#include <string>

#include "absl/status/statusor.h"

namespace eas::conformance {

// The mock's base URL, the mock reset to the fixture; started on first use.
absl::StatusOr<std::string> FreshOxMock();

// A change made in the groupware, not by a phone (POST /admin/change; the
// JSON as tools/oxmock/oxmock.py documents it).
absl::Status OxMockChange(const std::string& change_json);

}  // namespace eas::conformance

#endif  // EAS_CONFORMANCE_OX_MOCK_PROCESS_H_
