#include "reference/commands/settings.h"

#include "absl/strings/str_cat.h"
#include "reference/commands/provision.h"
#include "reference/eas/status_codes.h"

namespace eas::commands {
namespace {

namespace st = eas::status::settings;

}  // namespace

CommandResult Settings(CommandContext& ctx) {
  CommandResult result;
  pugi::xml_node root = StartResponse(result, "Settings", "Settings:");
  pugi::xml_node request = ctx.request->child("Settings");
  if (!request || !request.first_child()) {
    AddText(root, "Status", absl::StrCat(st::kProtocolError));
    return result;
  }
  AddText(root, "Status", absl::StrCat(st::kSuccess));
  for (pugi::xml_node part : request.children()) {
    const std::string name = part.name();
    if (name == "DeviceInformation") {
      pugi::xml_node out = root.append_child("DeviceInformation");
      pugi::xml_node set = part.child("Set");
      if (!set) {
        AddText(out, "Status", absl::StrCat(st::kProtocolError));
        continue;
      }
      const bool stored = ctx.state->SetDeviceInformation(ctx.device, ReadDeviceInformation(set)).ok();
      AddText(out, "Status", absl::StrCat(stored ? st::kSuccess : st::kServerUnavailable));
    } else if (name == "UserInformation") {
      pugi::xml_node out = root.append_child("UserInformation");
      if (!part.child("Get")) {
        AddText(out, "Status", absl::StrCat(st::kProtocolError));
        continue;
      }
      AddText(out, "Status", absl::StrCat(st::kSuccess));
      pugi::xml_node get = out.append_child("Get");
      if (ctx.version >= ProtocolVersion::k14_1) {
        // 14.1+: per account, with the display name and primary address.
        pugi::xml_node account = get.append_child("Accounts").append_child("Account");
        AddText(account, "UserDisplayName", ctx.account.display_name);
        pugi::xml_node addresses = account.append_child("EmailAddresses");
        AddText(addresses, "SmtpAddress", ctx.account.email);
        AddText(addresses, "PrimarySmtpAddress", ctx.account.email);
      } else {
        AddText(get.append_child("EmailAddresses"), "SmtpAddress", ctx.account.email);
      }
    } else if (name == "DevicePassword") {
      // The recovery password (for an admin to read out to a locked-out
      // user) is kept when the policy enables recovery, declined otherwise.
      pugi::xml_node out = root.append_child("DevicePassword");
      auto policy = ctx.state->GetPolicy();
      const bool wanted = policy.ok() && policy->settings.count("PasswordRecoveryEnabled") &&
                          policy->settings.at("PasswordRecoveryEnabled") == "1";
      const std::string password = part.child("Set").child("Password").text().get();
      int status = st::kDeniedByPolicy;
      if (wanted) {
        status = password.empty() ? st::kProtocolError
                 : ctx.state->SetRecoveryPassword(ctx.device, password).ok() ? st::kSuccess
                                                                              : st::kServerUnavailable;
      }
      AddText(out, "Status", absl::StrCat(status));
    } else {
      // Oof and RightsManagementInformation: not yet (see settings.h).
      AddText(root.append_child(name.c_str()), "Status", absl::StrCat(st::kProtocolError));
    }
  }
  return result;
}

}  // namespace eas::commands
