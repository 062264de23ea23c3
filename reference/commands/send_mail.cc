#include "reference/commands/send_mail.h"

#include "absl/strings/str_cat.h"
#include "reference/commands/mail_delivery.h"
#include "reference/eas/status_codes.h"
#include "reference/log/log.h"
#include "reference/mail/compose.h"
#include "reference/mail/mime_message.h"
#include "reference/wbxml/dom.h"

namespace eas::commands {
namespace {

namespace common = eas::status::common;

enum class Kind { kSend, kReply, kForward };

const char* RootName(Kind kind) {
  switch (kind) {
    case Kind::kSend: return "SendMail";
    case Kind::kReply: return "SmartReply";
    case Kind::kForward: return "SmartForward";
  }
  return "";
}

struct Request {
  std::string mime;
  std::string client_id;  // 14.0+
  bool save_in_sent = false;
  bool replace_mime = false;
  std::string item_id;  // the original (reply/forward)
};

// What the request says, in either form; false when it is malformed.
bool ReadRequest(CommandContext& ctx, Kind kind, Request& r) {
  if (ctx.version < ProtocolVersion::k14_0) {
    r.mime = ctx.raw_body ? *ctx.raw_body : "";
    r.save_in_sent = ctx.query->save_in_sent;
    r.item_id = !ctx.query->long_id.empty() ? ctx.query->long_id : ctx.query->item_id;
    return !r.mime.empty() && (kind == Kind::kSend || !r.item_id.empty());
  }
  pugi::xml_node root = ctx.request->child(RootName(kind));
  auto mime = wbxml::ContentBytes(root.child("Mime"));
  if (!root || !mime.ok() || mime->empty()) return false;
  r.mime = std::move(*mime);
  r.client_id = root.child("ClientId").text().get();
  r.save_in_sent = root.child("SaveInSentItems");
  r.replace_mime = root.child("ReplaceMime");
  pugi::xml_node source = root.child("Source");
  r.item_id = source.child("LongId") ? source.child("LongId").text().get() : source.child("ItemId").text().get();
  return kind == Kind::kSend || !r.item_id.empty();
}

CommandResult Answer(CommandContext& ctx, Kind kind, int status) {
  CommandResult result;
  if (status == 0) return result;  // success: an empty 200
  if (ctx.version < ProtocolVersion::k14_0) {
    result.http_status = status == common::kInvalidMime || status == common::kInvalidContent ? 400 : 500;
    return result;
  }
  return StatusResponse(RootName(kind), "ComposeMail:", status);
}

// The original message: its MIME, or (items kept without MIME, calendar
// items forwarded) what its stored properties say.
absl::StatusOr<mail::MailMessage> Original(CommandContext& ctx, const std::string& item_id) {
  auto item = ctx.backend->GetItem(ctx.account, item_id);
  if (!item.ok()) return item.status();
  auto mime = ctx.backend->GetMime(ctx.account, item_id);
  if (mime.ok()) return mail::ParseMessage(*mime);
  mail::MailMessage m;
  pugi::xml_document doc;
  if (doc.load_string(item->data.c_str())) {
    pugi::xml_node d = doc.first_child();
    m.from = d.child("email:From").text().get();
    m.to = d.child("email:To").text().get();
    m.cc = d.child("email:Cc").text().get();
    m.subject = d.child("email:Subject").text().get();
    if (m.subject.empty()) m.subject = d.child("calendar:Subject").text().get();
    m.text_body = d.child("airsyncbase:Body").child("airsyncbase:Data").text().get();
  }
  return m;
}

CommandResult Send(CommandContext& ctx, Kind kind) {
  Request r;
  if (!ReadRequest(ctx, kind, r)) {
    return Answer(ctx, kind, ctx.version < ProtocolVersion::k14_0 ? common::kInvalidContent : common::kInvalidXml);
  }
  // A resend of mail already handed on.
  std::string submission = r.client_id.empty() ? "" : "client:" + r.client_id;
  if (submission.empty()) {
    auto parsed = mail::ParseMessage(r.mime);
    if (parsed.ok() && !parsed->message_id.empty()) submission = "message-id:" + parsed->message_id;
  }
  if (!submission.empty()) {
    auto seen = ctx.state->WasSubmitted(ctx.account.key(), submission);
    if (!seen.ok()) return Answer(ctx, kind, common::kServerErrorRetryLater);
    if (*seen) {
      // 14.0+: 118 tells the client this ClientId went out already; below
      // 14.0 there is no way to say so, and the mail did go: a plain 200.
      return Answer(ctx, kind, r.client_id.empty() ? 0 : common::kMessagePreviouslySent);
    }
  }
  std::string mime = std::move(r.mime);
  if (kind != Kind::kSend && !r.replace_mime) {
    auto original = Original(ctx, r.item_id);
    if (!original.ok()) {
      return Answer(ctx, kind, original.status().code() == absl::StatusCode::kNotFound
                                   ? common::kItemNotFound
                                   : common::kServerErrorRetryLater);
    }
    auto combined = mail::AddOriginal(mime, *original, kind == Kind::kForward);
    if (!combined.ok()) return Answer(ctx, kind, common::kInvalidMime);
    mime = std::move(*combined);
  } else if (kind != Kind::kSend && !ctx.backend->GetItem(ctx.account, r.item_id).ok()) {
    return Answer(ctx, kind, common::kItemNotFound);
  }
  const int status = DeliverMail(ctx, mime, r.save_in_sent);
  if (status == 0 && !submission.empty()) {
    log::IfError(ctx.state->RecordSubmission(ctx.account.key(), submission), "SendMail: recording the submission");
  }
  return Answer(ctx, kind, status);
}

}  // namespace

CommandResult SendMail(CommandContext& ctx) { return Send(ctx, Kind::kSend); }
CommandResult SmartReply(CommandContext& ctx) { return Send(ctx, Kind::kReply); }
CommandResult SmartForward(CommandContext& ctx) { return Send(ctx, Kind::kForward); }

}  // namespace eas::commands
