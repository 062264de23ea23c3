#include "reference/commands/item_operations.h"
#include "reference/commands/request_limits.h"
#include "reference/commands/mime_for_device.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "reference/commands/application_data.h"
#include "reference/commands/move_items.h"
#include "reference/eas/status_codes.h"
#include "reference/wbxml/dom.h"
#include "reference/wbxml/encoder.h"

namespace eas::commands {
namespace {

namespace st = eas::status::item_operations;

void Status(pugi::xml_node node, int status) { AddText(node, "Status", absl::StrCat(status)); }

void PutLe32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// Where fetched bytes go: base64 in <Data>, or a multipart part.
class Payloads {
 public:
  explicit Payloads(bool multipart) : multipart_(multipart) {}
  void Put(pugi::xml_node properties, const std::string& bytes) {
    if (multipart_) {
      parts_.push_back(bytes);
      AddText(properties, "Part", absl::StrCat(parts_.size()));  // part 0 is the WBXML
    } else {
      AddText(properties, "Data", absl::Base64Escape(bytes));
    }
  }
  const std::vector<std::string>& parts() const { return parts_; }
  bool multipart() const { return multipart_; }

 private:
  bool multipart_;
  std::vector<std::string> parts_;
};

struct ByteRange {
  size_t first = 0, last = 0;
};

// "0-1023" (MS-ASCMD 2.2.3.142.2); false when malformed.
bool ParseByteRange(const std::string& text, ByteRange& r) {
  std::vector<std::string> parts = absl::StrSplit(text, '-');
  return parts.size() == 2 && absl::SimpleAtoi(parts[0], &r.first) && absl::SimpleAtoi(parts[1], &r.last) &&
         r.first <= r.last;
}

void FetchAttachment(CommandContext& ctx, const std::string& reference, pugi::xml_node options,
                     pugi::xml_node out, Payloads& payloads) {
  auto attachment = ctx.backend->GetAttachment(ctx.account, reference);
  if (!attachment.ok()) {
    Status(out, attachment.status().code() == absl::StatusCode::kNotFound ? st::kInvalidAttachment
                                                                          : st::kServerError);
    AddText(out, "airsyncbase:FileReference", reference);
    return;
  }
  const std::string& data = attachment->data;
  ByteRange range{0, data.empty() ? 0 : data.size() - 1};
  const bool ranged = options.child("Range");
  if (ranged && (!ParseByteRange(options.child("Range").text().get(), range) ||
                 (!data.empty() && range.first >= data.size()))) {
    Status(out, st::kInvalidByteRange);
    AddText(out, "airsyncbase:FileReference", reference);
    return;
  }
  Status(out, st::kSuccess);
  AddText(out, "airsyncbase:FileReference", reference);
  pugi::xml_node properties = out.append_child("Properties");
  AddText(properties, "airsyncbase:ContentType", attachment->content_type);
  std::string slice = data;
  if (ranged) {
    range.last = std::min(range.last, data.empty() ? 0 : data.size() - 1);
    slice = data.empty() ? "" : data.substr(range.first, range.last - range.first + 1);
    AddText(properties, "Range", absl::StrCat(range.first, "-", range.last));
    AddText(properties, "Total", absl::StrCat(data.size()));
  }
  payloads.Put(properties, slice);
}

// Item bodies stay in the WBXML part even in a multipart answer; the parts
// carry attachment bytes.
void FetchItem(CommandContext& ctx, const std::string& server_id, const std::string& collection,
               bool long_id, pugi::xml_node options, pugi::xml_node out, pugi::xml_node root) {
  auto item = ctx.backend->GetItem(ctx.account, server_id);
  const bool found = item.ok() && (collection.empty() || item->folder_id == collection);
  Status(out, found ? st::kSuccess : item.ok() || item.status().code() == absl::StatusCode::kNotFound
                                         ? st::kObjectNotFound
                                         : st::kServerError);
  if (long_id) {
    AddText(out, "search:LongId", server_id);
  } else {
    AddText(out, "airsync:CollectionId", collection);
    AddText(out, "airsync:ServerId", server_id);
  }
  if (!found) return;
  AddText(out, "airsync:Class", item->item_class);
  pugi::xml_node properties = out.append_child("Properties");
  const BodyPreference body = ReadBodyPreference(options, ctx.version);
  std::optional<std::string> mime;
  if (item->item_class == "Email" && body.WantsMime(ctx.version)) mime = MimeForDevice(ctx, *item);
  if (!AppendForDevice(item->data, properties, root, ctx.version, body, mime ? &*mime : nullptr).ok()) {
    out.remove_child(properties);
    out.child("Status").text().set(absl::StrCat(st::kServerError).c_str());
  }
}

void EmptyFolderContents(CommandContext& ctx, pugi::xml_node request, pugi::xml_node out) {
  const std::string folder = request.child("airsync:CollectionId").text().get();
  const bool subfolders = request.child("Options").child("DeleteSubFolders");
  absl::Status s = folder.empty() ? absl::InvalidArgumentError("no CollectionId")
                                  : ctx.backend->EmptyFolder(ctx.account, folder, subfolders);
  Status(out, s.ok() ? st::kSuccess
                     : s.code() == absl::StatusCode::kNotFound        ? st::kObjectNotFound
                       : s.code() == absl::StatusCode::kInvalidArgument ? st::kProtocolError
                                                                       : st::kServerError);
  AddText(out, "airsync:CollectionId", folder);
}

// A conversation: the mail items whose email2:ConversationId is the one asked
// for, in every mail folder but the destination.
void MoveConversation(CommandContext& ctx, pugi::xml_node request, pugi::xml_node out) {
  pugi::xml_node id_node = request.child("ConversationId");
  const std::string destination = request.child("DstFldId").text().get();
  auto id = wbxml::ContentBytes(id_node);
  if (!id.ok() || id->empty() || destination.empty()) {
    Status(out, st::kProtocolError);
    return;
  }
  auto folders = ctx.backend->ListFolders(ctx.account);
  if (!folders.ok()) {
    Status(out, st::kServerError);
    return;
  }
  if (std::none_of(folders->begin(), folders->end(),
                   [&](const backend::Folder& f) { return f.server_id == destination; })) {
    Status(out, st::kObjectNotFound);
    return;
  }
  int moved = 0;
  bool failed = false;
  for (const auto& f : *folders) {
    const bool mail = (f.type >= backend::kInbox && f.type <= backend::kOutbox) || f.type == backend::kUserMail;
    if (!mail || f.server_id == destination) continue;
    auto items = ctx.backend->ChangesSince(ctx.account, f.server_id, 0);
    if (!items.ok()) {
      failed = true;
      continue;
    }
    for (const auto& item : *items) {
      if (item.deleted) continue;
      pugi::xml_document doc;
      if (!doc.load_string(item.data.c_str())) continue;
      auto conversation = wbxml::ContentBytes(doc.first_child().child("email2:ConversationId"));
      if (!conversation.ok() || *conversation != *id) continue;
      if (MoveForDevice(ctx, item.server_id, destination).ok()) ++moved; else failed = true;
    }
  }
  Status(out, failed ? st::kServerError : moved > 0 || request.child("Options").child("MoveAlways") ? st::kSuccess
                                                                                                : st::kObjectNotFound);
  pugi::xml_node echo = out.append_child("ConversationId");
  wbxml::SetOpaque(echo, *id);
}

}  // namespace

std::string MultipartBody(const std::vector<std::string>& parts) {
  std::string out;
  PutLe32(out, static_cast<uint32_t>(parts.size()));
  uint32_t offset = 4 + 8 * static_cast<uint32_t>(parts.size());
  for (const auto& p : parts) {
    PutLe32(out, offset);
    PutLe32(out, static_cast<uint32_t>(p.size()));
    offset += static_cast<uint32_t>(p.size());
  }
  for (const auto& p : parts) out += p;
  return out;
}

CommandResult ItemOperations(CommandContext& ctx) {
  CommandResult result;
  pugi::xml_node root = StartResponse(result, "ItemOperations", "ItemOperations:");
  pugi::xml_node request = ctx.request->child("ItemOperations");
  if (!request || !request.first_child()) {
    Status(root, st::kProtocolError);
    return result;
  }
  if (limits::CountChildren(request, {"EmptyFolderContents", "Fetch", "Move"}, limits::kItemOperations) >
      limits::kItemOperations) {
    Status(root, st::kDataTooLarge);  // MS-ASCMD 3.1.5.10
    return result;
  }
  root.append_attribute("xmlns:airsync") = "AirSync:";
  root.append_attribute("xmlns:airsyncbase") = "AirSyncBase:";
  Status(root, st::kSuccess);
  pugi::xml_node response = root.append_child("Response");
  Payloads payloads(ctx.accept_multipart);
  for (pugi::xml_node op : request.children()) {
    const std::string name = op.name();
    pugi::xml_node out = response.append_child(name.c_str());
    if (name == "Fetch") {
      pugi::xml_node options = op.child("Options");
      const std::string store = op.child("Store").text().get();
      if (!store.empty() && store != "Mailbox") {
        Status(out, st::kUnknownStore);  // document libraries are not served here
      } else if (pugi::xml_node ref = op.child("airsyncbase:FileReference")) {
        FetchAttachment(ctx, ref.text().get(), options, out, payloads);
      } else if (pugi::xml_node long_id = op.child("search:LongId")) {
        if (!root.attribute("xmlns:search")) root.append_attribute("xmlns:search") = "Search:";
        FetchItem(ctx, long_id.text().get(), "", true, options, out, root);
      } else if (pugi::xml_node server_id = op.child("airsync:ServerId")) {
        FetchItem(ctx, server_id.text().get(), op.child("airsync:CollectionId").text().get(), false, options,
                  out, root);
      } else {
        Status(out, st::kProtocolError);
      }
    } else if (name == "EmptyFolderContents") {
      EmptyFolderContents(ctx, op, out);
    } else if (name == "Move" && ctx.version >= ProtocolVersion::k14_0) {
      MoveConversation(ctx, op, out);
    } else {
      Status(out, st::kProtocolError);
    }
  }
  if (payloads.multipart()) {
    auto wbxml = wbxml::Encode(*result.body);
    if (!wbxml.ok()) return StatusResponse("ItemOperations", "ItemOperations:", st::kServerError);
    std::vector<std::string> parts{*wbxml};
    parts.insert(parts.end(), payloads.parts().begin(), payloads.parts().end());
    result.raw_body = MultipartBody(parts);
    result.content_type = "application/vnd.ms-sync.multipart";
  }
  return result;
}

CommandResult GetAttachment(CommandContext& ctx) {
  CommandResult result;
  auto attachment = ctx.backend->GetAttachment(ctx.account, ctx.query->attachment_name);
  if (!attachment.ok()) {
    // MS-ASCMD 3.2.5.1: a failed GetAttachment is an HTTP 500.
    result.http_status = 500;
    return result;
  }
  result.raw_body = std::move(attachment->data);
  result.content_type = attachment->content_type;
  return result;
}

}  // namespace eas::commands
