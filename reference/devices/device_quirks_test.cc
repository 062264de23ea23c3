#include "reference/devices/device_quirks.h"

#include "gtest/gtest.h"

namespace eas::devices {
namespace {

TEST(QuirkTable, EveryQuirkCitesASourceAndMatchesSomething) {
  const QuirkTable& table = QuirkTable::Default();
  ASSERT_FALSE(table.quirks().empty());
  for (const Quirk& q : table.quirks()) {
    EXPECT_FALSE(q.sources.empty()) << q.name;
    EXPECT_FALSE(q.device_types.empty() && q.user_agent_prefixes.empty()) << q.name;
  }
  EXPECT_NE(table.Find(kUnknownCollectionAsInvalidKey), nullptr);
  EXPECT_NE(table.Find(kEstimateInsteadOfInvalidKey), nullptr);
}

TEST(QuirkTable, ByDeviceTypeOrUserAgentAndSwitchable) {
  const QuirkTable& table = QuirkTable::Default();
  EXPECT_TRUE(table.For("iPhone", "", {}, {}).count(kUnknownCollectionAsInvalidKey));
  EXPECT_TRUE(table.For("SAMSUNGGTI9100", "Android/4.0.3-EAS-1.3", {}, {}).count(kEstimateInsteadOfInvalidKey));
  EXPECT_TRUE(table.For("PocketPC", "MSFT-PPC/5.2.5082", {}, {}).empty());
  EXPECT_FALSE(table.For("iPhone", "", {kUnknownCollectionAsInvalidKey}, {}).count(kUnknownCollectionAsInvalidKey));
  EXPECT_TRUE(table.For("PocketPC", "", {}, {kEstimateInsteadOfInvalidKey}).count(kEstimateInsteadOfInvalidKey));
}

TEST(QuirkTable, ParseRejectsQuirksWithoutSources) {
  EXPECT_FALSE(QuirkTable::Parse("quirk a does b\n    match devicetype=X\n").ok());
  EXPECT_FALSE(QuirkTable::Parse("source orphan\n").ok());
  EXPECT_FALSE(QuirkTable::Parse("quirk a b\n source s\n match os=X\n").ok());
  EXPECT_TRUE(QuirkTable::Parse("quirk a b\n source s\n match devicetype=X\n").ok());
}

TEST(QuirkTable, DeadlinesTheShortestOfTheQuirksThatApply) {
  const QuirkTable& table = QuirkTable::Default();
  // Samsung's own client on a Galaxy S II: 90 s; both quirks: the shorter.
  EXPECT_EQ(table.DeadlineSeconds(table.For("SAMSUNGGTI9100", "SAMSUNG-GT-I9100/100.20303", {}, {})), 90);
  EXPECT_EQ(table.DeadlineSeconds(table.For("Android", "Android/4.0.3-EAS-1.3", {}, {})), 20);
  EXPECT_EQ(table.DeadlineSeconds({kAnswerWithin20s, kAnswerWithin90s}), 20);
  EXPECT_EQ(table.DeadlineSeconds(table.For("iPhone", "Apple-iPhone4C1/902.176", {}, {})), 0);
  EXPECT_EQ(table.DeadlineSeconds(table.For("Android", "Android/4.0.3-EAS-1.3", {kAnswerWithin20s}, {})), 0);
  auto parsed = QuirkTable::Parse("quirk a b\n source s\n match devicetype=X\n deadline 7\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)->DeadlineSeconds({"a"}), 7);
  EXPECT_FALSE(QuirkTable::Parse("quirk a b\n source s\n match devicetype=X\n deadline soon\n").ok());
  EXPECT_FALSE(QuirkTable::Parse("quirk a b\n source s\n match devicetype=X\n deadline 0\n").ok());
}

}  // namespace
}  // namespace eas::devices
