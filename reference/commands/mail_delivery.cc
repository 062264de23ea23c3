#include "reference/commands/mail_delivery.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "reference/eas/status_codes.h"
#include "reference/log/log.h"
#include "reference/mail/compose.h"
#include "reference/mail/mime_message.h"

namespace eas::commands {

namespace common = eas::status::common;

std::string FolderOfType(CommandContext& ctx, const backend::Account& account, int type) {
  auto folders = ctx.backend->ListFolders(account);
  if (!folders.ok()) return "";
  for (const auto& f : *folders) {
    if (f.type == type) return f.server_id;
  }
  return "";
}

int DeliverMail(CommandContext& ctx, const std::string& mime, bool save_in_sent) {
  const std::string& email = ctx.account.email;
  const std::string domain = email.substr(email.find('@') + 1);
  const std::string from = mail::Mailbox(ctx.account.display_name, email);
  auto complete = mail::CompleteHeaders(mime, from, ctx.now, domain);
  if (!complete.ok()) return common::kInvalidMime;
  auto message = mail::ParseMessage(*complete);
  if (!message.ok()) return common::kInvalidMime;
  if (message->recipients.empty()) return common::kMessageHasNoRecipient;
  // A groupware that sends mail itself (OX) gets the message whole.
  if (absl::Status submitted = ctx.backend->SubmitMail(ctx.account, *complete, save_in_sent);
      submitted.code() != absl::StatusCode::kUnimplemented) {
    if (submitted.ok()) return 0;
    return submitted.code() == absl::StatusCode::kUnavailable ? common::kServerErrorRetryLater
                                                              : common::kMailSubmissionFailed;
  }

  std::vector<backend::Account> local;
  std::vector<std::string> external;
  for (const std::string& r : message->recipients) {
    auto account = ctx.backend->FindAccountByEmail(ctx.account.context, r);
    if (account.ok()) {
      local.push_back(*account);
    } else if (account.status().code() == absl::StatusCode::kNotFound) {
      external.push_back(r);
    } else {
      return common::kServerErrorRetryLater;
    }
  }
  // Without a relay, mail for the outside cannot leave: refused whole, so
  // that a retry does not deliver the local part twice.
  if (!external.empty() && ctx.relay == nullptr) return common::kMailSubmissionFailed;
  auto outgoing = mail::WithoutBcc(*complete);
  if (!outgoing.ok()) return common::kInvalidMime;
  if (!external.empty() && !ctx.relay->Send(email, external, *outgoing).ok()) {
    return common::kMailSubmissionFailed;
  }
  for (const auto& person : local) {
    const std::string inbox = FolderOfType(ctx, person, backend::kInbox);
    if (inbox.empty() || !ctx.backend->AddMail(person, inbox, *outgoing, false, ctx.now).ok()) {
      return common::kServerError;
    }
  }
  if (save_in_sent) {
    const std::string sent = FolderOfType(ctx, ctx.account, backend::kSentItems);
    if (!sent.empty()) {
      log::IfError(ctx.backend->AddMail(ctx.account, sent, *complete, true, ctx.now).status(),
                   "sending mail: the Sent Items copy");
    }
  }
  return 0;
}

}  // namespace eas::commands
