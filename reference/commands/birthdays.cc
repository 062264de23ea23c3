#include "reference/commands/birthdays.h"

#include "absl/time/time.h"
#include "reference/calendar/zone_offset.h"
#include "reference/devices/device_quirks.h"
#include "reference/eas/eas_time.h"
#include "reference/log/log.h"

namespace eas::commands {
namespace {

constexpr const char* kDateFields[] = {"contacts:Birthday", "contacts:Anniversary"};

template <typename F>
void EachDate(pugi::xml_node data, F convert) {
  for (const char* field : kDateFields) {
    for (pugi::xml_node n = data.child(field); n; n = n.next_sibling(field)) {
      const auto t = ParseEasTime(n.text().get());
      if (t) n.text().set(IsoUtc(convert(*t)).c_str());
    }
  }
}

absl::CivilDay DayOf(int64_t t) { return absl::ToCivilDay(absl::FromUnixSeconds(t), absl::UTCTimeZone()); }

int64_t Start(absl::CivilDay day) { return absl::ToUnixSeconds(absl::FromCivil(day, absl::UTCTimeZone())); }

bool IsUtcBlob(const calendar::ZoneRule& r) {
  return r.bias_minutes == 0 && r.daylight_bias_minutes == 0 && r.standard.month == 0;
}

}  // namespace

BirthdayForm BirthdayForm::For(CommandContext& ctx) {
  BirthdayForm form;
  if (ctx.Quirk(devices::kBirthdayAt0800Utc)) {
    form.kind_ = kUtcHour;
    form.hour_ = 8;
  } else if (ctx.Quirk(devices::kBirthdayAt1100Utc)) {
    form.kind_ = kUtcHour;
    form.hour_ = 11;
  } else if (ctx.Quirk(devices::kBirthdayAtLocalMidnight)) {
    form.kind_ = kLocalMidnight;
    auto blob = ctx.state->DeviceZone(ctx.device);
    if (blob.ok() && !blob->empty()) {
      if (auto rule = calendar::ParseTimezoneBlob(*blob); rule.ok()) form.zone_ = *rule;
    }
  }
  return form;
}

void BirthdayForm::ToDevice(pugi::xml_node data) const {
  switch (kind_) {
    case kAsStored:
      return;
    case kUtcHour:
      EachDate(data, [&](int64_t t) { return Start(DayOf(t)) + 3600 * hour_; });
      return;
    case kLocalMidnight:
      EachDate(data, [&](int64_t t) {
        return zone_ ? calendar::LocalMidnight(*zone_, DayOf(t)) : Start(DayOf(t)) + 12 * 3600;
      });
      return;
  }
}

void BirthdayForm::FromDevice(pugi::xml_node data) const {
  if (kind_ == kAsStored) return;
  EachDate(data, [](int64_t t) { return Start(DayOf(t + 12 * 3600)); });
}

void BirthdayForm::LearnZone(CommandContext& ctx, pugi::xml_node application_data) {
  if (!ctx.Quirk(devices::kBirthdayAtLocalMidnight)) return;
  const std::string blob = application_data.child("calendar:Timezone").text().get();
  auto rule = calendar::ParseTimezoneBlob(blob);
  // All-day events often come in UTC: that tells nothing of the device.
  if (!rule.ok() || IsUtcBlob(*rule)) return;
  auto known = ctx.state->DeviceZone(ctx.device);
  if (known.ok() && *known != blob) log::IfError(ctx.state->SaveDeviceZone(ctx.device, blob), "saving the device's time zone");
}

}  // namespace eas::commands
