#include "reference/commands/resolve_recipients.h"
#include "reference/commands/request_limits.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "reference/eas/eas_time.h"
#include "reference/eas/status_codes.h"

namespace eas::commands {
namespace {

namespace st = eas::status::resolve_recipients;

// Without MaxAmbiguousRecipients: at most 19 (MS-ASCMD 2.2.3.96).
constexpr int kDefaultMaxAmbiguous = 19;
constexpr int kSlotSeconds = 30 * 60;
// Availability is offered for at most 100 recipients (Status 160 beyond).
constexpr int kMaxAvailabilityRecipients = 100;
// MS-ASCMD 2.2.3.61.1: without EndTime the span is 7 days; shorter than 30
// minutes or longer than a server's limit is Status 5 (Exchange 2010 and
// 2013: 42 days). The span bounds the answer: 48 slots a day per recipient.
constexpr int64_t kDefaultAvailabilitySpan = 7 * 24 * 3600;
constexpr int64_t kMinAvailabilitySpan = 30 * 60;
constexpr int64_t kMaxAvailabilitySpan = 42 * 24 * 3600;
// MS-ASCMD 2.2.3.183: 1 to 100 To elements of up to 256 characters; more
// is undefined and a server SHOULD answer a protocol error (3.1.5.10).
constexpr size_t kMaxTo = limits::kResolveRecipientsTo;
constexpr size_t kMaxToLength = 256;
// MS-ASCMD 2.2.3.100: MaxAmbiguousRecipients is 0-9999.
constexpr int kMaxMaxAmbiguous = 9999;

struct Candidate {
  int type;  // 1 GAL, 2 contact
  std::string display_name, email;
};

std::vector<Candidate> Lookup(CommandContext& ctx, const std::string& to, bool& failed) {
  std::vector<Candidate> found;
  auto gal = ctx.backend->SearchGal(ctx.account, to, 100);
  if (!gal.ok()) {
    failed = true;
    return found;
  }
  for (const auto& e : *gal) found.push_back({1, e.display_name, e.email});
  // The user's own contacts: every folder of contact type.
  auto folders = ctx.backend->ListFolders(ctx.account);
  if (!folders.ok()) {
    failed = true;
    return found;
  }
  const std::string needle = absl::AsciiStrToLower(to);
  for (const auto& f : *folders) {
    if (f.type != backend::kContacts && f.type != backend::kUserContacts) continue;
    auto items = ctx.backend->ChangesSince(ctx.account, f.server_id, 0);
    if (!items.ok()) continue;
    for (const auto& item : *items) {
      if (item.deleted) continue;
      pugi::xml_document doc;
      if (!doc.load_string(item.data.c_str())) continue;
      pugi::xml_node d = doc.first_child();
      const std::string name = d.child("contacts:FileAs").text().get();
      const std::string first = d.child("contacts:FirstName").text().get();
      const std::string last = d.child("contacts:LastName").text().get();
      for (const char* field : {"contacts:Email1Address", "contacts:Email2Address", "contacts:Email3Address"}) {
        std::string email = d.child(field).text().get();
        if (email.empty()) continue;
        // "Ana Souza" <ana@ox.io> as some clients store it: the bare address.
        if (size_t lt = email.find('<'); lt != std::string::npos) email = email.substr(lt + 1, email.find('>') - lt - 1);
        const bool hit = absl::StartsWithIgnoreCase(email, needle) || absl::StartsWithIgnoreCase(name, needle) ||
                         absl::StartsWithIgnoreCase(first, needle) || absl::StartsWithIgnoreCase(last, needle);
        const bool duplicate = std::any_of(found.begin(), found.end(), [&](const Candidate& c) {
          return absl::EqualsIgnoreCase(c.email, email);
        });
        if (hit && !duplicate) found.push_back({2, name.empty() ? absl::StrCat(first, " ", last) : name, email});
      }
    }
  }
  // An exact address wins over prefixes.
  for (const auto& c : found) {
    if (absl::EqualsIgnoreCase(c.email, to)) return {c};
  }
  return found;
}

std::vector<BusySpan> BusySpans(CommandContext& ctx, const backend::Account& person) {
  std::vector<BusySpan> spans;
  auto folders = ctx.backend->ListFolders(person);
  if (!folders.ok()) return spans;
  for (const auto& f : *folders) {
    if (f.type != backend::kCalendar && f.type != backend::kUserCalendar) continue;
    auto items = ctx.backend->ChangesSince(person, f.server_id, 0);
    if (!items.ok()) continue;
    for (const auto& item : *items) {
      if (item.deleted) continue;
      pugi::xml_document doc;
      if (!doc.load_string(item.data.c_str())) continue;
      pugi::xml_node d = doc.first_child();
      auto start = ParseEasTime(d.child("calendar:StartTime").text().get());
      auto end = ParseEasTime(d.child("calendar:EndTime").text().get());
      if (!start || !end) continue;
      BusySpan span{*start, *end, 2};
      absl::SimpleAtoi(d.child("calendar:BusyStatus").text().get(), &span.status);
      spans.push_back(span);
    }
  }
  return spans;
}

}  // namespace

std::string MergedFreeBusy(const std::vector<BusySpan>& spans, int64_t start, int64_t end) {
  std::string out;
  for (int64_t slot = start; slot < end; slot += kSlotSeconds) {
    int busiest = 0;
    for (const auto& s : spans) {
      if (s.start < slot + kSlotSeconds && s.end > slot) busiest = std::max(busiest, s.status);
    }
    out += static_cast<char>('0' + busiest);
  }
  return out;
}

CommandResult ResolveRecipients(CommandContext& ctx) {
  CommandResult result;
  pugi::xml_node root = StartResponse(result, "ResolveRecipients", "ResolveRecipients:");
  pugi::xml_node request = ctx.request->child("ResolveRecipients");
  pugi::xml_node options = request.child("Options");
  int max_ambiguous = kDefaultMaxAmbiguous;
  if (pugi::xml_node m = options.child("MaxAmbiguousRecipients")) {
    if (!absl::SimpleAtoi(m.text().get(), &max_ambiguous) || max_ambiguous < 0 || max_ambiguous > kMaxMaxAmbiguous) {
      AddText(root, "Status", absl::StrCat(st::kProtocolError));
      return result;
    }
  }
  const bool certificates = options.child("CertificateRetrieval") &&
                            std::string(options.child("CertificateRetrieval").text().get()) != "1";
  pugi::xml_node availability = ctx.version >= ProtocolVersion::k14_0 ? options.child("Availability") : pugi::xml_node();
  const auto from_time = ParseEasTime(availability.child("StartTime").text().get());
  const bool has_end = availability.child("EndTime");
  const auto to_parsed = ParseEasTime(availability.child("EndTime").text().get());
  const int64_t from = from_time.value_or(0);
  const int64_t to_time = has_end ? to_parsed.value_or(0) : from + kDefaultAvailabilitySpan;
  if (availability && (!from_time || (has_end && !to_parsed) || to_time - from < kMinAvailabilitySpan ||
                       to_time - from > kMaxAvailabilitySpan)) {
    AddText(root, "Status", absl::StrCat(st::kProtocolError));
    return result;
  }
  std::vector<std::string> names;
  bool too_long = false;
  for (pugi::xml_node to : request.children("To")) {
    names.push_back(to.text().get());
    too_long |= names.back().size() > kMaxToLength;
  }
  if (names.empty() || names.size() > kMaxTo || too_long) {
    AddText(root, "Status", absl::StrCat(st::kProtocolError));
    return result;
  }
  AddText(root, "Status", absl::StrCat(st::kSuccess));
  for (const std::string& name : names) {
    pugi::xml_node response = root.append_child("Response");
    AddText(response, "To", name);
    bool failed = false;
    std::vector<Candidate> found = Lookup(ctx, name, failed);
    if (failed) {
      AddText(response, "Status", absl::StrCat(st::kServerError));
      continue;
    }
    int status = st::kSuccess;
    if (found.empty()) {
      status = st::kUnresolved;
    } else if (found.size() > 1) {
      status = static_cast<int>(found.size()) > max_ambiguous ? st::kAmbiguousPartial : st::kAmbiguous;
      if (static_cast<int>(found.size()) > max_ambiguous) found.resize(max_ambiguous);
    }
    AddText(response, "Status", absl::StrCat(status));
    AddText(response, "RecipientCount", absl::StrCat(found.size()));
    for (const Candidate& c : found) {
      pugi::xml_node r = response.append_child("Recipient");
      AddText(r, "Type", absl::StrCat(c.type));
      AddText(r, "DisplayName", c.display_name);
      AddText(r, "EmailAddress", c.email);
      if (availability) {
        pugi::xml_node a = r.append_child("Availability");
        if (static_cast<int>(names.size()) > kMaxAvailabilityRecipients) {
          AddText(a, "Status", absl::StrCat(st::kAvailabilityTooManyRecipients));
        } else {
          // The groupware's own free/busy where it has one (OX), else the
          // person's calendars here; people nobody knows: 4 (no data).
          auto spans = ctx.backend->FreeBusy(ctx.account, c.email, from, to_time);
          if (absl::IsUnimplemented(spans.status())) {
            auto person = ctx.backend->FindAccountByEmail(ctx.account.context, c.email);
            spans = person.ok() ? absl::StatusOr<std::vector<BusySpan>>(BusySpans(ctx, *person)) : person.status();
          }
          AddText(a, "Status", absl::StrCat(st::kSuccess));
          AddText(a, "MergedFreeBusy",
                  spans.ok() ? MergedFreeBusy(*spans, from, to_time)
                             : std::string((to_time - from + kSlotSeconds - 1) / kSlotSeconds, '4'));
        }
      }
      if (certificates) {
        pugi::xml_node cert = r.append_child("Certificates");
        AddText(cert, "Status", absl::StrCat(st::kNoValidCertificate));
        AddText(cert, "CertificateCount", "0");
      }
    }
  }
  return result;
}

}  // namespace eas::commands
