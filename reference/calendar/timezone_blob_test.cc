#include "reference/calendar/timezone_blob.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace eas::calendar {
namespace {

void ExpectSameRule(const ZoneRule& a, const ZoneRule& b) {
  EXPECT_EQ(a.bias_minutes, b.bias_minutes);
  EXPECT_EQ(a.daylight_bias_minutes, b.daylight_bias_minutes);
  for (auto [x, y] : {std::pair{a.standard, b.standard}, std::pair{a.daylight, b.daylight}}) {
    EXPECT_EQ(x.month, y.month);
    EXPECT_EQ(x.day_of_week, y.day_of_week);
    EXPECT_EQ(x.occurrence, y.occurrence);
    EXPECT_EQ(x.hour, y.hour);
  }
}

TEST(RuleFromIana, MatchesTheKnownRulesOfBerlinAndNewYork) {
  auto berlin = RuleFromIana("Europe/Berlin", 2026);
  ASSERT_TRUE(berlin.ok());
  ExpectSameRule(*berlin, EuropeBerlin());
  EXPECT_EQ(berlin->standard_name, "CET");
  EXPECT_EQ(berlin->daylight_name, "CEST");
  auto new_york = RuleFromIana("America/New_York", 2026);
  ASSERT_TRUE(new_york.ok());
  ExpectSameRule(*new_york, AmericaNewYork());
}

TEST(RuleFromIana, SouthernHemisphereAndZonesWithoutDst) {
  auto sydney = RuleFromIana("Australia/Sydney", 2026);
  ASSERT_TRUE(sydney.ok());
  EXPECT_EQ(sydney->bias_minutes, -600);
  EXPECT_EQ(sydney->daylight.month, 10);  // DST starts in October
  EXPECT_EQ(sydney->standard.month, 4);   // and ends in April
  EXPECT_EQ(sydney->daylight.occurrence, 1);
  auto tokyo = RuleFromIana("Asia/Tokyo", 2026);
  ASSERT_TRUE(tokyo.ok());
  EXPECT_EQ(tokyo->bias_minutes, -540);
  EXPECT_EQ(tokyo->daylight.month, 0);
  EXPECT_EQ(tokyo->daylight_bias_minutes, 0);
}

TEST(RuleFromIana, TheRuleOfTheEventsYearNotTodays) {
  // Brazil dropped DST in 2019: an event in 2018 still has it.
  auto then = RuleFromIana("America/Sao_Paulo", 2018);
  auto now = RuleFromIana("America/Sao_Paulo", 2026);
  ASSERT_TRUE(then.ok() && now.ok());
  EXPECT_NE(then->daylight.month, 0);
  EXPECT_EQ(now->daylight.month, 0);
  EXPECT_EQ(now->bias_minutes, 180);
  EXPECT_FALSE(RuleFromIana("Mars/Olympus_Mons", 2026).ok());
}

TEST(TimezoneBlob, HandWrittenRulesEncodeBiasAndTransitions) {
  std::string raw;
  ASSERT_TRUE(absl::Base64Unescape(TimezoneBlob(AmericaNewYork()), &raw));
  ASSERT_EQ(raw.size(), 172u);
  EXPECT_EQ(static_cast<uint8_t>(raw[0]), 0x2C);  // 300 = 0x012C
  EXPECT_EQ(static_cast<uint8_t>(raw[1]), 0x01);
  EXPECT_EQ(static_cast<uint8_t>(raw[68 + 2]), 11);  // StandardDate.wMonth: November
}

TEST(TimezoneBlob, Is172BytesAndUtcIsZero) {
  std::string raw;
  ASSERT_TRUE(absl::Base64Unescape(IanaTimezoneBlob("Europe/Berlin", 2026), &raw));
  ASSERT_EQ(raw.size(), 172u);
  EXPECT_EQ(static_cast<uint8_t>(raw[0]), 0xC4);  // bias -60 as int32 LE
  EXPECT_EQ(IanaTimezoneBlob("Mars/Olympus_Mons", 2026), UtcTimezoneBlob());
  ASSERT_TRUE(absl::Base64Unescape(UtcTimezoneBlob(), &raw));
  EXPECT_EQ(raw, std::string(172, '\0'));
}

}  // namespace
}  // namespace eas::calendar
