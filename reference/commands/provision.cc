#include "reference/commands/provision.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "reference/commands/policy_document.h"
#include "reference/eas/status_codes.h"
#include "reference/log/log.h"

namespace eas::commands {
namespace {

namespace st = eas::status::provision;

uint32_t NonZeroKey(CommandContext& ctx, uint32_t avoid) {
  for (;;) {
    uint32_t key = ctx.random32();
    if (key != 0 && key != avoid) return key;
  }
}

CommandResult TopStatus(int status) { return StatusResponse("Provision", "Provision:", status); }

}  // namespace

state::DeviceInformation ReadDeviceInformation(pugi::xml_node set) {
  // Inside a Provision request the Settings page is prefixed; inside a
  // Settings request it is the root's own page.
  auto get = [&](const char* name) {
    pugi::xml_node n = set.child(name);
    if (!n) n = set.child(absl::StrCat("settings:", name).c_str());
    return std::string(n.text().get());
  };
  return {get("Model"), get("IMEI"),        get("FriendlyName"), get("OS"),
          get("OSLanguage"), get("PhoneNumber"), get("UserAgent"), get("MobileOperator")};
}

CommandResult Provision(CommandContext& ctx) {
  pugi::xml_node request = ctx.request->child("Provision");
  if (!request) return TopStatus(st::kProtocolError);

  auto policy = ctx.state->GetPolicy();
  if (!policy.ok()) return TopStatus(st::kGeneralServerError);

  CommandResult result;
  pugi::xml_node root = StartResponse(result, "Provision", "Provision:");

  // 14.1+: the device describes itself inside Provision (MS-ASPROV 2.2.2.52).
  if (pugi::xml_node info = request.child("settings:DeviceInformation")) {
    root.append_attribute("xmlns:settings").set_value("Settings:");
    if (pugi::xml_node set = info.child("settings:Set")) {
      log::IfError(ctx.state->SetDeviceInformation(ctx.device, ReadDeviceInformation(set)),
                   "Provision: saving DeviceInformation");
    }
    AddText(root.append_child("settings:DeviceInformation"), "settings:Status", "1");
  }

  // Remote wipe (MS-ASPROV 3.2.5.1.2), or from 16.1 an account-only one
  // (2.2.2.1, 3.1.5.1.2.3): a requested wipe is all the device gets until
  // it acknowledges it.
  const bool account_only = ctx.device.wipe == state::WipeStatus::kAccountOnlyRequested &&
                            ctx.version >= ProtocolVersion::k16_1;
  if (ctx.device.wipe == state::WipeStatus::kRequested || account_only) {
    const char* element = account_only ? "AccountOnlyRemoteWipe" : "RemoteWipe";
    pugi::xml_node ack = request.child(element);
    if (ack && ack.child("Status")) {
      if (auto s = ctx.state->SetWipe(ctx.device.user_key, ctx.device.device_id,
                                      account_only ? state::WipeStatus::kAccountOnlyAcknowledged
                                                   : state::WipeStatus::kAcknowledged);
          !s.ok()) {
        log::Error("Provision: recording the wipe's acknowledgement", s);
        return TopStatus(st::kGeneralServerError);
      }
      AddText(root, "Status", absl::StrCat(st::kSuccess));
      return result;
    }
    AddText(root, "Status", absl::StrCat(st::kSuccess));
    root.append_child(element);
    return result;
  }

  pugi::xml_node policy_request = request.child("Policies").child("Policy");
  if (!policy_request) {
    // Only device information (or an acknowledgement nobody asked for).
    if (request.child("RemoteWipe") || request.child("AccountOnlyRemoteWipe") ||
        root.child("settings:DeviceInformation")) {
      AddText(root, "Status", absl::StrCat(st::kSuccess));
      return result;
    }
    return TopStatus(st::kProtocolError);
  }
  const std::string type = policy_request.child("PolicyType").text().get();
  const char* expected_type =
      ctx.version == ProtocolVersion::k2_5 ? kPolicyTypeWapXml : kPolicyTypeWbxml;

  AddText(root, "Status", absl::StrCat(st::kSuccess));
  pugi::xml_node policy_node = root.append_child("Policies").append_child("Policy");
  AddText(policy_node, "PolicyType", type);
  if (type != expected_type) {
    AddText(policy_node, "Status", absl::StrCat(st::kPolicyTypeUnknown));
    return result;
  }
  if (!policy->required) {
    AddText(policy_node, "Status", absl::StrCat(st::kPolicyNotDefined));
    return result;
  }

  pugi::xml_node key_node = policy_request.child("PolicyKey");
  if (!key_node) {
    // Phase 1: a temporary key and the policy. Never 0: iOS 4 refuses it.
    const uint32_t temporary = NonZeroKey(ctx, ctx.device.policy_key);
    if (!ctx.state->SetPendingPolicyKey(ctx.device, temporary).ok()) {
      return TopStatus(st::kGeneralServerError);
    }
    AddText(policy_node, "Status", absl::StrCat(st::kPolicySuccess));
    AddText(policy_node, "PolicyKey", absl::StrCat(temporary));
    pugi::xml_node data = policy_node.append_child("Data");
    if (ctx.version == ProtocolVersion::k2_5) {
      data.append_child(pugi::node_pcdata).set_value(WapProvisioningDoc(*policy).c_str());
    } else {
      AppendEasProvisionDoc(data, *policy, ctx.version);
    }
    return result;
  }

  // Phase 2: the device acknowledges the temporary key.
  uint32_t acknowledged = 0;
  if (!absl::SimpleAtoi(key_node.text().get(), &acknowledged)) {
    return TopStatus(st::kProtocolError);
  }
  const bool current = ctx.device.policy_key != 0 &&
                       ctx.device.policy_generation == policy->generation;
  if (acknowledged != 0 && acknowledged == ctx.device.pending_policy_key && current) {
    // The device lost our phase-2 answer and asks again: the same final key.
    AddText(policy_node, "Status", absl::StrCat(st::kPolicySuccess));
    AddText(policy_node, "PolicyKey", absl::StrCat(ctx.device.policy_key));
    return result;
  }
  if (acknowledged == 0 || acknowledged != ctx.device.pending_policy_key) {
    AddText(policy_node, "Status", absl::StrCat(st::kPolicyKeyMismatch));
    return result;
  }
  // What the device says it applied: only all of it will do. Partial
  // compliance gets 139, an externally managed device 145 (MS-ASPROV 3.2.5.2;
  // Exchange 2013 and later).
  const std::string applied = policy_request.child("Status").text().get();
  if (applied == absl::StrCat(st::kClientPartiallyApplied) ||
      applied == absl::StrCat(st::kClientNotApplied)) {
    return TopStatus(status::common::kDeviceNotFullyProvisionable);
  }
  if (applied == absl::StrCat(st::kClientExternallyManaged)) {
    return TopStatus(status::common::kExternallyManagedDevicesNotAllowed);
  }
  const uint32_t final_key = NonZeroKey(ctx, acknowledged);
  if (!ctx.state->ConfirmPolicyKey(ctx.device, final_key, policy->generation).ok()) {
    return TopStatus(st::kGeneralServerError);
  }
  AddText(policy_node, "Status", absl::StrCat(st::kPolicySuccess));
  AddText(policy_node, "PolicyKey", absl::StrCat(final_key));
  return result;
}

}  // namespace eas::commands
