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

}  // namespace eas::conformance

#endif  // EAS_CONFORMANCE_OX_MOCK_PROCESS_H_
