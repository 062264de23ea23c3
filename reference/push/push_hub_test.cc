#include "reference/push/push_hub.h"

#include <atomic>
#include <future>

#include "gtest/gtest.h"

namespace eas::push {
namespace {

using std::chrono::seconds;

TEST(PushHub, ChangeEndsTheWatchersOfThatFolderOnly) {
  std::promise<std::vector<std::string>> a, b;  // outlive the hub, which ends b
  PushHub hub;
  hub.Park("ox.io/miguel", "ox.io/miguel/d1", {"inbox", "calendar"}, seconds(60),
           [&](std::vector<std::string> f) { a.set_value(f); });
  hub.Park("ox.io/miguel", "ox.io/miguel/d2", {"contacts"}, seconds(60),
           [&](std::vector<std::string> f) { b.set_value(f); });
  hub.Notify("ox.io/ana", "inbox");  // another account: nothing
  EXPECT_EQ(hub.parked(), 2u);
  hub.Notify("ox.io/miguel", "calendar");
  EXPECT_EQ(a.get_future().get(), std::vector<std::string>{"calendar"});
  EXPECT_EQ(hub.parked(), 1u);
  hub.Notify("ox.io/miguel", "calendar");  // nobody left watching it
  EXPECT_EQ(hub.parked(), 1u);
}

TEST(PushHub, HeartbeatRunsOut) {
  std::promise<std::vector<std::string>> p;
  PushHub hub;
  const auto start = std::chrono::steady_clock::now();
  hub.Park("u", "u/d", {"inbox"}, seconds(1), [&](std::vector<std::string> f) { p.set_value(f); });
  EXPECT_TRUE(p.get_future().get().empty());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_EQ(hub.parked(), 0u);
}

TEST(PushHub, NewerPingFromTheSameDeviceReplacesTheOld) {
  std::promise<std::vector<std::string>> old_ping, new_ping;
  PushHub hub;
  hub.Park("u", "u/d", {"inbox"}, seconds(60), [&](std::vector<std::string> f) { old_ping.set_value(f); });
  hub.Park("u", "u/d", {"inbox"}, seconds(60), [&](std::vector<std::string> f) { new_ping.set_value(f); });
  EXPECT_TRUE(old_ping.get_future().get().empty());
  EXPECT_EQ(hub.parked(), 1u);
  hub.Notify("u", "inbox");
  EXPECT_EQ(new_ping.get_future().get(), std::vector<std::string>{"inbox"});
}

TEST(PushHub, EveryCompletionRunsExactlyOnce) {
  std::atomic<int> calls{0};
  {
    PushHub hub;
    for (int i = 0; i < 1000; ++i) {
      hub.Park("u", "u/d" + std::to_string(i), {"f" + std::to_string(i % 7)}, seconds(1 + i % 2),
               [&](std::vector<std::string>) { ++calls; });
    }
    for (int i = 0; i < 7; i += 2) hub.Notify("u", "f" + std::to_string(i));
  }  // the rest end when the hub goes
  EXPECT_EQ(calls.load(), 1000);
}

}  // namespace
}  // namespace eas::push
