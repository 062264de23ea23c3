#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "reference/exec/strands.h"
#include "reference/exec/worker_pool.h"

namespace eas::exec {
namespace {

TEST(WorkerPool, RunsEveryTaskAndRefusesPastItsBound) {
  std::atomic<int> ran{0};
  absl::Notification release;
  {
    WorkerPool pool(1, 2);
    absl::Notification started;
    ASSERT_TRUE(pool.Post([&] {
      started.Notify();
      release.WaitForNotification();
      ++ran;
    }));
    started.WaitForNotification();  // the one worker is busy: the rest queue
    EXPECT_TRUE(pool.Post([&] { ++ran; }));
    EXPECT_TRUE(pool.Post([&] { ++ran; }));
    EXPECT_FALSE(pool.Post([&] { ++ran; })) << "a third queued task is past the bound";
    EXPECT_EQ(pool.queued(), 2u);
    release.Notify();
  }  // the destructor runs what is queued
  EXPECT_EQ(ran.load(), 3);
}

TEST(Strands, OneKeyRunsInOrderAndNeverTwoAtOnce) {
  WorkerPool pool(4, 1000);
  Strands strands(pool, 1000);
  absl::Mutex mutex;
  std::vector<int> order;
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(strands.Post("device-a", [&, i] {
      if (inside.fetch_add(1) != 0) ++overlaps;
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      {
        absl::MutexLock lock(&mutex);
        order.push_back(i);
      }
      inside.fetch_sub(1);
    }));
  }
  for (int spin = 0; spin < 2000 && strands.active() > 0; ++spin) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  absl::MutexLock lock(&mutex);
  ASSERT_EQ(order.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(strands.active(), 0u) << "an idle key keeps no entry";
}

TEST(Strands, DifferentKeysRunInParallel) {
  WorkerPool pool(2, 100);
  Strands strands(pool, 10);
  absl::Notification a_running, b_ran;
  // a waits for b: with a single serial queue this would never finish.
  ASSERT_TRUE(strands.Post("a", [&] {
    a_running.Notify();
    EXPECT_TRUE(b_ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  }));
  a_running.WaitForNotification();
  ASSERT_TRUE(strands.Post("b", [&] { b_ran.Notify(); }));
  EXPECT_TRUE(b_ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

TEST(Strands, AClosedStrandSetRefusesEverything) {
  WorkerPool pool(1, 10);
  Strands strands(pool, 10);
  strands.Close();
  bool ran = false;
  EXPECT_FALSE(strands.Post("a", [&] { ran = true; }));
  EXPECT_EQ(strands.active(), 0u);
  EXPECT_FALSE(ran);
}

TEST(Strands, AFullStrandRefusesWithoutTouchingOthers) {
  WorkerPool pool(2, 100);
  Strands strands(pool, 2);
  absl::Notification release, started;
  ASSERT_TRUE(strands.Post("busy", [&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();
  EXPECT_TRUE(strands.Post("busy", [] {}));
  EXPECT_TRUE(strands.Post("busy", [] {}));
  EXPECT_FALSE(strands.Post("busy", [] {})) << "two wait behind the running one at most";
  absl::Notification other;
  EXPECT_TRUE(strands.Post("other", [&] { other.Notify(); }));
  EXPECT_TRUE(other.WaitForNotificationWithTimeout(absl::Seconds(10)));
  release.Notify();
}

}  // namespace
}  // namespace eas::exec
