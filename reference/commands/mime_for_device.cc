#include "reference/commands/mime_for_device.h"

#include "reference/mail/mime_from_item.h"

namespace eas::commands {

std::optional<std::string> MimeForDevice(CommandContext& ctx, const backend::ItemChange& item) {
  auto stored = ctx.backend->GetMime(ctx.account, item.server_id);
  if (stored.ok()) return std::move(*stored);
  if (!absl::IsNotFound(stored.status())) {
    Failed(stored.status(), ctx, "reading a message's MIME");
    return std::nullopt;
  }
  auto built = mail::MimeFromItem(item.data);
  if (Failed(built.status(), ctx, "building a message's MIME from its properties")) return std::nullopt;
  return std::move(*built);
}

}  // namespace eas::commands
