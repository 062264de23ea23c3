// The demo data (demo.h, demo_content.h) as a fixture of the OX mock
// (tools/oxmock), converted by the OX connector's own mapping: the replay
// runs the same captures against the embedded store and against OX.
#ifndef EAS_REFERENCE_SERVER_DEMO_OX_FIXTURE_H_
#define EAS_REFERENCE_SERVER_DEMO_OX_FIXTURE_H_

#include <string>

#include "absl/status/statusor.h"

namespace eas::server {

// The fixture as JSON text.
absl::StatusOr<std::string> DemoOxFixture();

}  // namespace eas::server

#endif  // EAS_REFERENCE_SERVER_DEMO_OX_FIXTURE_H_
