// The security policy as a device receives it: the EASProvisionDoc of
// MS-ASPROV 2.2.2.27 (12.0 and later) and the MS-WAP-Provisioning-XML
// document of protocol 2.5.
#ifndef EAS_REFERENCE_COMMANDS_POLICY_DOCUMENT_H_
#define EAS_REFERENCE_COMMANDS_POLICY_DOCUMENT_H_

#include <string>

#include "pugixml.hpp"
#include "reference/eas/protocol_version.h"
#include "reference/state/device_state.h"

namespace eas::commands {

inline constexpr char kPolicyTypeWbxml[] = "MS-EAS-Provisioning-WBXML";
inline constexpr char kPolicyTypeWapXml[] = "MS-WAP-Provisioning-XML";

// The policy a fresh data directory starts with: provisioning required, no
// device password, everything allowed.
state::Policy DefaultPolicy();

// True if `name` is an EASProvisionDoc setting of any version.
bool IsPolicySetting(const std::string& name);

// Appends <EASProvisionDoc> with the policy's settings that `version`
// knows, in the specification's order (the token order of code page 14).
void AppendEasProvisionDoc(pugi::xml_node data, const state::Policy& policy,
                           ProtocolVersion version);

// The wap-provisioningdoc a 2.5 device applies (Windows Mobile 5/6 security
// policy parameters and registry keys).
std::string WapProvisioningDoc(const state::Policy& policy);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_POLICY_DOCUMENT_H_
