#include "reference/commands/policy_document.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "reference/wbxml/code_pages.h"

namespace eas::commands {
namespace {

constexpr uint8_t kProvisionPage = 14;
constexpr uint8_t kFirstPolicyToken = 0x0E;  // DevicePasswordEnabled
constexpr uint8_t kLastPolicyToken = 0x3B;   // AccountOnlyRemoteWipe

const wbxml::CodePage& ProvisionPage() { return *wbxml::CodePages::Default().Page(kProvisionPage); }

std::string Setting(const state::Policy& policy, const std::string& name,
                    const std::string& fallback) {
  auto it = policy.settings.find(name);
  return it == policy.settings.end() || it->second.empty() ? fallback : it->second;
}

}  // namespace

state::Policy DefaultPolicy() {
  state::Policy p;
  p.required = true;
  p.settings = {
      {"DevicePasswordEnabled", "0"},
      {"AlphanumericDevicePasswordRequired", "0"},
      {"PasswordRecoveryEnabled", "0"},
      {"RequireStorageCardEncryption", "0"},
      {"AttachmentsEnabled", "1"},
      {"MinDevicePasswordLength", ""},
      {"MaxInactivityTimeDeviceLock", ""},
      {"MaxDevicePasswordFailedAttempts", ""},
      {"MaxAttachmentSize", ""},
      {"AllowSimpleDevicePassword", "1"},
      {"DevicePasswordExpiration", ""},
      {"DevicePasswordHistory", "0"},
      {"AllowStorageCard", "1"},
      {"AllowCamera", "1"},
      {"RequireDeviceEncryption", "0"},
      {"AllowUnsignedApplications", "1"},
      {"AllowUnsignedInstallationPackages", "1"},
      {"MinDevicePasswordComplexCharacters", "1"},
      {"AllowWiFi", "1"},
      {"AllowTextMessaging", "1"},
      {"AllowPOPIMAPEmail", "1"},
      {"AllowBluetooth", "2"},
      {"AllowIrDA", "1"},
      {"RequireManualSyncWhenRoaming", "0"},
      {"AllowDesktopSync", "1"},
      {"MaxCalendarAgeFilter", "0"},
      {"AllowHTMLEmail", "1"},
      {"MaxEmailAgeFilter", "0"},
      {"MaxEmailBodyTruncationSize", "-1"},
      {"MaxEmailHTMLBodyTruncationSize", "-1"},
      {"RequireSignedSMIMEMessages", "0"},
      {"RequireEncryptedSMIMEMessages", "0"},
      {"RequireSignedSMIMEAlgorithm", "0"},
      {"RequireEncryptionSMIMEAlgorithm", "0"},
      {"AllowSMIMEEncryptionAlgorithmNegotiation", "2"},
      {"AllowSMIMESoftCerts", "1"},
      {"AllowBrowser", "1"},
      {"AllowConsumerEmail", "1"},
      {"AllowRemoteDesktop", "1"},
      {"AllowInternetSharing", "1"},
  };
  return p;
}

bool IsPolicySetting(const std::string& name) {
  const wbxml::Tag* tag = ProvisionPage().FindName(name);
  return tag != nullptr && tag->token >= kFirstPolicyToken && tag->token <= kLastPolicyToken;
}

void AppendEasProvisionDoc(pugi::xml_node data, const state::Policy& policy,
                           ProtocolVersion version) {
  pugi::xml_node doc = data.append_child("EASProvisionDoc");
  const wbxml::CodePage& page = ProvisionPage();
  for (int token = kFirstPolicyToken; token <= kLastPolicyToken; ++token) {
    const wbxml::Tag* tag = page.FindToken(static_cast<uint8_t>(token));
    if (tag == nullptr) continue;
    auto since = ParseProtocolVersion(tag->since);
    if (since && version < *since) continue;
    auto it = policy.settings.find(tag->name);
    if (it == policy.settings.end()) continue;
    pugi::xml_node setting = doc.append_child(tag->name.c_str());
    if (!it->second.empty()) setting.append_child(pugi::node_pcdata).set_value(it->second.c_str());
  }
}

std::string WapProvisioningDoc(const state::Policy& policy) {
  // 4131: 1 turns the device password requirement off; 4133: 1 lets unsigned
  // applications run. The LASSD registry keys carry the password rules.
  const bool password = Setting(policy, "DevicePasswordEnabled", "0") == "1";
  const std::string inactivity = Setting(policy, "MaxInactivityTimeDeviceLock", "0");
  int inactivity_minutes = 0;
  if (absl::SimpleAtoi(inactivity, &inactivity_minutes)) inactivity_minutes /= 60;
  const std::string wipe_threshold = Setting(policy, "MaxDevicePasswordFailedAttempts", "-1");
  const std::string min_length = Setting(policy, "MinDevicePasswordLength", "1");
  const std::string complexity =
      Setting(policy, "AlphanumericDevicePasswordRequired", "0") == "1" ? "0" : "2";
  return absl::StrCat(
      "<wap-provisioningdoc>"
      "<characteristic type=\"SecurityPolicy\">"
      "<parm name=\"4131\" value=\"", password ? "0" : "1", "\"/>"
      "<parm name=\"4133\" value=\"",
      Setting(policy, "AllowUnsignedApplications", "1") == "1" ? "1" : "0", "\"/>"
      "</characteristic>"
      "<characteristic type=\"Registry\">"
      "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\\AE\\"
      "{50C13377-C66D-400C-889E-C316FC4AB374}\">"
      "<parm name=\"AEFrequencyType\" value=\"", inactivity_minutes > 0 ? "1" : "0", "\"/>"
      "<parm name=\"AEFrequencyValue\" value=\"", inactivity_minutes, "\"/>"
      "</characteristic>"
      "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\">"
      "<parm name=\"DeviceWipeThreshold\" value=\"", wipe_threshold, "\"/>"
      "</characteristic>"
      "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\">"
      "<parm name=\"CodewordFrequency\" value=\"0\"/>"
      "</characteristic>"
      "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\\LAP\\lap_pw\">"
      "<parm name=\"MinimumPasswordLength\" value=\"", min_length, "\"/>"
      "</characteristic>"
      "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\\LAP\\lap_pw\">"
      "<parm name=\"PasswordComplexity\" value=\"", complexity, "\"/>"
      "</characteristic>"
      "</characteristic>"
      "</wap-provisioningdoc>");
}

}  // namespace eas::commands
