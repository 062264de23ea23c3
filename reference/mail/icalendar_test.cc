#include "reference/mail/icalendar.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "reference/calendar/timezone_blob.h"
#include "reference/eas/eas_time.h"

namespace eas::mail {
namespace {

TEST(ParseInvitation, ReadsFoldedLinesZonesAndDates) {
  const std::string ical =
      "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:abc-123\r\n"
      "SUMMARY:Design review\\, part 2\r\nLOCATION:Room\r\n  Rhein\r\n"
      "ORGANIZER;CN=\"Ana Souza\":mailto:ana@ox.io\r\n"
      "DTSTART;TZID=Europe/Berlin:20261201T100000\r\nDTEND;TZID=Europe/Berlin:20261201T110000\r\n"
      "SEQUENCE:2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  auto inv = ParseInvitation(ical);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->method, "REQUEST");
  EXPECT_EQ(inv->uid, "abc-123");
  EXPECT_EQ(inv->summary, "Design review, part 2");
  EXPECT_EQ(inv->location, "Room Rhein");
  EXPECT_EQ(inv->organizer_email, "ana@ox.io");
  EXPECT_EQ(inv->organizer_name, "Ana Souza");
  EXPECT_EQ(CompactUtc(inv->start), "20261201T090000Z");  // CET is UTC+1 in December
  EXPECT_EQ(CompactUtc(inv->end), "20261201T100000Z");
  EXPECT_EQ(inv->sequence, 2);
  EXPECT_FALSE(inv->all_day);
  EXPECT_EQ(inv->tzid, "Europe/Berlin");
  EXPECT_EQ(TimezoneOf(*inv), calendar::IanaTimezoneBlob("Europe/Berlin", 2026));

  auto day = ParseInvitation("BEGIN:VEVENT\nUID:d\nDTSTART;VALUE=DATE:20261224\nEND:VEVENT\n");
  ASSERT_TRUE(day.ok());
  EXPECT_TRUE(day->all_day);
  EXPECT_EQ(day->end - day->start, 86400);
  EXPECT_FALSE(ParseInvitation("BEGIN:VEVENT\nSUMMARY:no uid\nEND:VEVENT\n").ok());
}

TEST(BuildReply, IsAnItipReplyThatParsesBack) {
  Invitation inv;
  inv.uid = "abc-123";
  inv.summary = "Review";
  inv.organizer_email = "ana@ox.io";
  inv.start = 1795500000;
  inv.end = 1795503600;
  const std::string reply = BuildReply(inv, "miguel@ox.io", "Miguel", 2, 1795400000);
  EXPECT_NE(reply.find("METHOD:REPLY\r\n"), std::string::npos);
  EXPECT_NE(reply.find("ATTENDEE;PARTSTAT=TENTATIVE;CN=\"Miguel\":mailto:miguel@ox.io\r\n"), std::string::npos);
  auto back = ParseInvitation(reply);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->uid, "abc-123");
  EXPECT_EQ(back->start, inv.start);
  for (size_t at = 0, end; (end = reply.find("\r\n", at)) != std::string::npos; at = end + 2) {
    EXPECT_LE(end - at, 75u);  // folded
  }
}

TEST(GlobalObjId, WrapsTheUidInTheVcalForm) {
  std::string bytes;
  ASSERT_TRUE(absl::Base64Unescape(GlobalObjId("abc"), &bytes));
  ASSERT_EQ(bytes.size(), 40u + 8 + 4 + 3 + 1);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x04);
  EXPECT_EQ(bytes.substr(40, 8), "vCal-Uid");
  EXPECT_EQ(bytes.substr(52, 3), "abc");
  EXPECT_EQ(static_cast<unsigned char>(bytes[36]), 16u);  // the size of what follows
}

}  // namespace
}  // namespace eas::mail
