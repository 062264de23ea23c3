#include "reference/commands/filter_type.h"

#include "gtest/gtest.h"

namespace eas::commands {
namespace {

constexpr int64_t kNow = 1795000000;  // 2026-11-18

TEST(FilterType, CalendarByEndTimeRecurringAlwaysInside) {
  const std::string old_event =
      "<ApplicationData><calendar:EndTime>20260101T100000Z</calendar:EndTime></ApplicationData>";
  const std::string new_event =
      "<ApplicationData><calendar:EndTime>20261117T100000Z</calendar:EndTime></ApplicationData>";
  const std::string series =
      "<ApplicationData><calendar:EndTime>20200101T100000Z</calendar:EndTime>"
      "<calendar:Recurrence><calendar:Type>1</calendar:Type></calendar:Recurrence></ApplicationData>";
  EXPECT_FALSE(InsideFilter(4, "Calendar", old_event, kNow));
  EXPECT_TRUE(InsideFilter(4, "Calendar", new_event, kNow));
  EXPECT_TRUE(InsideFilter(7, "Calendar", series, kNow));
  EXPECT_TRUE(InsideFilter(0, "Calendar", old_event, kNow));
}

TEST(FilterType, IncompleteTasksOnly) {
  EXPECT_FALSE(InsideFilter(kFilterIncompleteTasks, "Tasks",
                            "<ApplicationData><tasks:Complete>1</tasks:Complete></ApplicationData>", kNow));
  EXPECT_TRUE(InsideFilter(kFilterIncompleteTasks, "Tasks",
                           "<ApplicationData><tasks:Complete>0</tasks:Complete></ApplicationData>", kNow));
}

TEST(FilterType, MailWithoutADateAndContactsAreInside) {
  EXPECT_TRUE(InsideFilter(1, "Email", "<ApplicationData/>", kNow));
  EXPECT_TRUE(InsideFilter(1, "Contacts", "<ApplicationData/>", kNow));
  EXPECT_FALSE(InsideFilter(1, "Email",
                            "<ApplicationData><email:DateReceived>2026-11-16T10:00:00.000Z"
                            "</email:DateReceived></ApplicationData>",
                            kNow));
}

}  // namespace
}  // namespace eas::commands
