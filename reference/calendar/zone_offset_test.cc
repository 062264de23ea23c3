#include "reference/calendar/zone_offset.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace eas::calendar {
namespace {

int64_t At(int y, int mo, int d, int h, int mi = 0) {
  return absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), absl::UTCTimeZone()));
}

TEST(ZoneOffset, ABlobReadsBackToItsRule) {
  for (const ZoneRule& rule : {EuropeBerlin(), AmericaNewYork()}) {
    auto parsed = ParseTimezoneBlob(TimezoneBlob(rule));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->bias_minutes, rule.bias_minutes);
    EXPECT_EQ(parsed->standard_name, rule.standard_name);
    EXPECT_EQ(parsed->daylight.month, rule.daylight.month);
    EXPECT_EQ(parsed->daylight.occurrence, rule.daylight.occurrence);
    EXPECT_EQ(parsed->standard.hour, rule.standard.hour);
    EXPECT_EQ(parsed->daylight_bias_minutes, rule.daylight_bias_minutes);
  }
  EXPECT_FALSE(ParseTimezoneBlob("not base64!").ok());
  EXPECT_FALSE(ParseTimezoneBlob("AAAA").ok());
}

TEST(ZoneOffset, DaylightTimeStartsAndEndsAtTheRulesInstants) {
  const ZoneRule berlin = EuropeBerlin();
  EXPECT_EQ(UtcOffsetMinutes(berlin, At(2026, 1, 15, 12)), 60);
  EXPECT_EQ(UtcOffsetMinutes(berlin, At(2026, 7, 15, 12)), 120);
  // 2026: CEST from 29 March 01:00 UTC to 25 October 01:00 UTC.
  EXPECT_EQ(UtcOffsetMinutes(berlin, At(2026, 3, 29, 0, 59)), 60);
  EXPECT_EQ(UtcOffsetMinutes(berlin, At(2026, 3, 29, 1)), 120);
  EXPECT_EQ(UtcOffsetMinutes(berlin, At(2026, 10, 25, 0, 59)), 120);
  EXPECT_EQ(UtcOffsetMinutes(berlin, At(2026, 10, 25, 1)), 60);
  const ZoneRule new_york = AmericaNewYork();
  EXPECT_EQ(UtcOffsetMinutes(new_york, At(2026, 1, 15, 12)), -300);
  EXPECT_EQ(UtcOffsetMinutes(new_york, At(2026, 7, 15, 12)), -240);
  // The same rule for a year long past applies to that year's calendar.
  EXPECT_EQ(UtcOffsetMinutes(berlin, At(1985, 4, 8, 0)), 120);
  // Southern hemisphere: Sydney (DST from October to April).
  auto sydney = RuleFromIana("Australia/Sydney", 2026);
  ASSERT_TRUE(sydney.ok());
  EXPECT_EQ(UtcOffsetMinutes(*sydney, At(2026, 1, 15, 12)), 660);
  EXPECT_EQ(UtcOffsetMinutes(*sydney, At(2026, 7, 15, 12)), 600);
  // No DST: the bias alone.
  auto tokyo = RuleFromIana("Asia/Tokyo", 2026);
  ASSERT_TRUE(tokyo.ok());
  EXPECT_EQ(UtcOffsetMinutes(*tokyo, At(2026, 7, 15, 12)), 540);
}

TEST(ZoneOffset, LocalMidnightFollowsTheSeason) {
  EXPECT_EQ(LocalMidnight(EuropeBerlin(), absl::CivilDay(1985, 4, 8)), At(1985, 4, 7, 22));
  EXPECT_EQ(LocalMidnight(EuropeBerlin(), absl::CivilDay(1985, 12, 24)), At(1985, 12, 23, 23));
  EXPECT_EQ(LocalMidnight(AmericaNewYork(), absl::CivilDay(1990, 7, 4)), At(1990, 7, 4, 4));
  EXPECT_EQ(LocalMidnight(AmericaNewYork(), absl::CivilDay(1990, 1, 4)), At(1990, 1, 4, 5));
}

}  // namespace
}  // namespace eas::calendar
