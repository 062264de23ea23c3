#include "reference/commands/settings.h"

#include "absl/strings/str_cat.h"
#include "reference/commands/provision.h"
#include "reference/eas/eas_time.h"
#include "reference/eas/status_codes.h"

namespace eas::commands {
namespace {

namespace st = eas::status::settings;

void AddOofMessage(pugi::xml_node get, const char* audience, bool enabled, const std::string& text,
                   const std::string& body_type) {
  pugi::xml_node m = get.append_child("OofMessage");
  m.append_child(audience);
  AddText(m, "Enabled", enabled ? "1" : "0");
  if (!text.empty()) AddText(m, "ReplyMessage", text);
  AddText(m, "BodyType", body_type);
}

// Settings Oof Get and Set (MS-ASCMD 2.2.3.119); answers into `out`.
void Oof(CommandContext& ctx, pugi::xml_node part, pugi::xml_node out) {
  if (pugi::xml_node get = part.child("Get")) {
    auto oof = ctx.backend->GetOof(ctx.account);
    if (!oof.ok()) {
      AddText(out, "Status", absl::StrCat(st::kServerUnavailable));
      return;
    }
    AddText(out, "Status", absl::StrCat(st::kSuccess));
    pugi::xml_node g = out.append_child("Get");
    AddText(g, "OofState", absl::StrCat(oof->state));
    if (oof->state == 2) {
      AddText(g, "StartTime", IsoUtc(oof->start_time));
      AddText(g, "EndTime", IsoUtc(oof->end_time));
    }
    std::string type = get.child("BodyType").text().get();
    if (type.empty()) type = oof->body_type;
    AddOofMessage(g, "AppliesToInternal", oof->state != 0, oof->internal_message, type);
    AddOofMessage(g, "AppliesToExternalKnown", oof->external_known_enabled, oof->external_known_message, type);
    AddOofMessage(g, "AppliesToExternalUnknown", oof->external_unknown_enabled,
                  oof->external_unknown_message, type);
    return;
  }
  pugi::xml_node set = part.child("Set");
  if (!set) {
    AddText(out, "Status", absl::StrCat(st::kProtocolError));
    return;
  }
  auto current = ctx.backend->GetOof(ctx.account);
  if (!current.ok()) {
    AddText(out, "Status", absl::StrCat(st::kServerUnavailable));
    return;
  }
  backend::OofSettings o = *current;
  if (pugi::xml_node state = set.child("OofState")) {
    const std::string text = state.text().get();
    if (text != "0" && text != "1" && text != "2") {
      AddText(out, "Status", absl::StrCat(st::kInvalidArguments));
      return;
    }
    o.state = text[0] - '0';
  }
  if (o.state == 2) {
    // A time-based reply needs its window, start before end.
    auto start = ParseEasTime(set.child("StartTime").text().get());
    auto end = ParseEasTime(set.child("EndTime").text().get());
    if (!start || !end || *end <= *start) {
      AddText(out, "Status", absl::StrCat(st::kInvalidArguments));
      return;
    }
    o.start_time = *start;
    o.end_time = *end;
  }
  for (pugi::xml_node m : set.children("OofMessage")) {
    const bool enabled = std::string(m.child("Enabled").text().get()) == "1";
    const std::string text = m.child("ReplyMessage").text().get();
    if (pugi::xml_node type = m.child("BodyType")) o.body_type = type.text().get();
    if (m.child("AppliesToInternal")) {
      o.internal_message = text;
    } else if (m.child("AppliesToExternalKnown")) {
      o.external_known_enabled = enabled;
      o.external_known_message = text;
    } else if (m.child("AppliesToExternalUnknown")) {
      o.external_unknown_enabled = enabled;
      o.external_unknown_message = text;
    }
  }
  const bool stored = ctx.backend->SetOof(ctx.account, o).ok();
  AddText(out, "Status", absl::StrCat(stored ? st::kSuccess : st::kServerUnavailable));
}

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
    } else if (name == "Oof") {
      Oof(ctx, part, root.append_child("Oof"));
    } else {
      // RightsManagementInformation: no rights management here.
      AddText(root.append_child(name.c_str()), "Status", absl::StrCat(st::kProtocolError));
    }
  }
  return result;
}

}  // namespace eas::commands
