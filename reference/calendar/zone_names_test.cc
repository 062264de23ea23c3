#include "reference/calendar/zone_names.h"

#include <chrono>

#include "gtest/gtest.h"

namespace eas::calendar {
namespace {

TEST(ZoneNames, IanaNamesAreZonesAndNothingElseIs) {
  EXPECT_TRUE(FindZone("Europe/Berlin").has_value());
  EXPECT_TRUE(FindZone("America/New_York").has_value());
  EXPECT_TRUE(FindZone("UTC").has_value());
  EXPECT_TRUE(FindZone("Etc/GMT+5").has_value());
  // Paths and what a hostile invitation sends are not names (issue 15: the
  // TZID went to the file system as a path).
  for (const char* bad : {"../../../../etc/shadow", "/etc/shadow", "/dev/stdin", "/dev/zero",
                          "Europe/../../../root/.bashrc", "W. Europe Standard Time", "", "Europe/",
                          "Europe//Berlin", "Nowhere/Atlantis"}) {
    EXPECT_FALSE(FindZone(bad).has_value()) << bad;
  }
  EXPECT_FALSE(FindZone(std::string(100000, 'A')).has_value());
}

TEST(ZoneNames, PreloadingLoadsTheWholeDatabase) {
  const auto start = std::chrono::steady_clock::now();
  const int n = PreloadZones();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_GT(n, 300);
  std::printf("preloaded %d zones in %lld ms\n", n, static_cast<long long>(ms.count()));
}

}  // namespace
}  // namespace eas::calendar
