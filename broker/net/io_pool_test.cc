#include "broker/net/io_pool.h"

#include <atomic>
#include <csignal>
#include <thread>

#include "asio/post.hpp"
#include "broker/net/net_testing.h"
#include "broker/net/ticker.h"
#include "gtest/gtest.h"

namespace mq::broker::net {
namespace {

using testing::WaitFor;

TEST(IoPoolTest, RunsHandlersOnItsThreadsUntilStopped) {
  IoPool pool(3);
  EXPECT_EQ(pool.thread_count(), 3);
  pool.Start();
  std::atomic<int> ran{0};
  std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> on_caller{false};
  for (int i = 0; i < 100; ++i) {
    asio::post(pool.context(), [&] {
      if (std::this_thread::get_id() == caller) on_caller = true;
      ++ran;
    });
  }
  ASSERT_TRUE(WaitFor([&] { return ran.load() == 100; }));
  EXPECT_FALSE(on_caller.load());
  pool.Stop();
  pool.Stop();  // idempotent
  EXPECT_TRUE(pool.context().stopped());
}

TEST(IoPoolTest, SigtermCallsTheStopCallback) {
  IoPool pool(2);
  std::atomic<int> got{0};
  pool.Start([&](int signal) { got = signal; });
  std::raise(SIGTERM);
  ASSERT_TRUE(WaitFor([&] { return got.load() != 0; }));
  EXPECT_EQ(got.load(), SIGTERM);
  got = 0;
  std::raise(SIGINT);  // it keeps listening
  ASSERT_TRUE(WaitFor([&] { return got.load() != 0; }));
  EXPECT_EQ(got.load(), SIGINT);
  pool.Stop();
}

TEST(TickerTest, TicksUntilStopped) {
  IoPool pool(2);
  pool.Start();
  Ticker ticker(pool.context(), std::chrono::milliseconds(1));
  ticker.Start();
  ASSERT_TRUE(WaitFor([&] { return ticker.ticks() >= 5; }));
  ticker.Stop();
  // After Stop the count settles (at most one tick that was already firing).
  uint64_t after_stop = ticker.ticks();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_LE(ticker.ticks(), after_stop + 1);
  pool.Stop();
}

}  // namespace
}  // namespace mq::broker::net
