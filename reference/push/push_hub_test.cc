#include "reference/push/push_hub.h"

#include <atomic>
#include <future>
#include <mutex>

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

TEST(PushHub, AChecksAnswerDecidesWhetherAMoveEndsTheWait) {
  std::promise<std::vector<std::string>> ended;
  std::vector<std::pair<std::vector<std::string>, Answer>> asked;  // the hub's questions, answered below
  std::mutex asked_mutex;
  PushHub hub;
  hub.Park("u", "u/d", {"inbox", "contacts"}, seconds(60),
           [&](std::vector<std::string> f) { ended.set_value(f); },
           [&](std::vector<std::string> moved, Answer answer) {
             std::lock_guard<std::mutex> lock(asked_mutex);
             asked.emplace_back(std::move(moved), std::move(answer));
           });
  hub.Notify("u", "inbox");
  hub.Notify("u", "contacts");  // while the first check runs: asked about next
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].first, std::vector<std::string>{"inbox"});
  asked[0].second({});  // nothing new for this device: it stays parked
  EXPECT_EQ(hub.parked(), 1u);
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[1].first, std::vector<std::string>{"contacts"});
  asked[1].second({"contacts"});
  EXPECT_EQ(ended.get_future().get(), std::vector<std::string>{"contacts"});
  EXPECT_EQ(hub.parked(), 0u);
  asked[1].second({"contacts"});  // a late second answer changes nothing
}

TEST(PushHub, AnAnswerAfterTheWaitEndedIsIgnored) {
  std::atomic<int> completions{0};
  Answer late;
  {
    PushHub hub;
    hub.Park("u", "u/d", {"inbox"}, seconds(60), [&](std::vector<std::string>) { ++completions; },
             [&](std::vector<std::string>, Answer answer) { late = std::move(answer); });
    hub.Notify("u", "inbox");
    hub.Wake("u/d", {});  // the device sent something else
    EXPECT_EQ(completions.load(), 1);
    late({"inbox"});
    EXPECT_EQ(completions.load(), 1);
  }
}

}  // namespace
}  // namespace eas::push
