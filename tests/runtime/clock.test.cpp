#include "test_actors.hpp"

#include <boost/asio/detached.hpp>
#include <doctest/doctest.h>

using namespace oms;
using namespace oms::test;
using namespace std::chrono_literals;

TEST_CASE("virtual clock: a 15 s poll loop runs an hour of ticks in no real time") {
  asio::io_context ctx;
  auto clock = std::make_shared<VirtualClock>();
  Runtime rt(ctx, {clock, nullptr});
  auto rec = std::make_shared<Recorder>(rt, "recorder");
  auto ticker = std::make_shared<Ticker>(rt, "ticker", rec);
  post(ticker, Start{240});
  auto drain = [&] { ctx.restart(); ctx.poll(); };
  auto began = std::chrono::steady_clock::now();
  clock->advance(14s, drain);
  CHECK(rec->notes.empty());
  clock->advance(1s, drain);
  CHECK(rec->notes.size() == 1);
  clock->advance(1h, drain);
  CHECK(rec->notes.size() == 240);
  CHECK(clock->now() == VirtualClock::default_start() + 3615s);
  CHECK(std::chrono::steady_clock::now() - began < 5s);
}

TEST_CASE("virtual clock: sleepers wake in deadline order, ties in arrival order") {
  asio::io_context ctx;
  VirtualClock clock;
  std::vector<std::pair<int, Timestamp>> woke;
  for (auto [id, delay] : std::vector<std::pair<int, Duration>>{{1, 30s}, {2, 10s}, {3, 20s}, {4, 10s}}) {
    asio::co_spawn(ctx, [&, id = id, delay = delay]() -> awaitable<void> {
      auto ec = co_await clock.sleep_for(delay);
      if (!ec) woke.emplace_back(id, clock.now());
    }, asio::detached);
  }
  auto drain = [&] { ctx.restart(); ctx.poll(); };
  clock.run_until_idle(drain);
  REQUIRE(woke.size() == 4);
  CHECK(woke[0].first == 2);
  CHECK(woke[1].first == 4);
  CHECK(woke[2].first == 3);
  CHECK(woke[3].first == 1);
  CHECK(woke[3].second == VirtualClock::default_start() + 30s);
}

TEST_CASE("virtual clock: exponential backoff with its exact delays") {
  asio::io_context ctx;
  VirtualClock clock;
  std::vector<Timestamp> attempts;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    Duration delay = 250ms;
    for (int attempt = 1; attempt <= 4; ++attempt) {
      attempts.push_back(clock.now());
      co_await clock.sleep_for(delay);
      delay *= 2;
    }
  }, asio::detached);
  clock.run_until_idle([&] { ctx.restart(); ctx.poll(); });
  REQUIRE(attempts.size() == 4);
  CHECK(attempts[1] - attempts[0] == 250ms);
  CHECK(attempts[2] - attempts[1] == 500ms);
  CHECK(attempts[3] - attempts[2] == 1000ms);
}

TEST_CASE("virtual clock: a cancelled sleep ends with operation_aborted and is forgotten") {
  asio::io_context ctx;
  auto clock = std::make_shared<VirtualClock>();
  Runtime rt(ctx, {clock, nullptr});
  std::optional<boost::system::error_code> result;
  // The lambda must outlive its coroutine: its captures live in the lambda object.
  auto sleeper = [&]() -> awaitable<void> { result = co_await clock->sleep_for(15s); };
  rt.spawn(ctx.get_executor(), sleeper(), "sleeper");
  ctx.poll();
  CHECK(clock->sleepers() == 1);
  rt.stop();
  ctx.restart();
  ctx.poll();
  REQUIRE(result.has_value());
  CHECK(*result == asio::error::operation_aborted);
  CHECK(clock->sleepers() == 0);
}

TEST_CASE("real clock: sleep completes and reports no error") {
  asio::io_context ctx;
  RealClock clock;
  std::optional<boost::system::error_code> result;
  asio::co_spawn(ctx, [&]() -> awaitable<void> { result = co_await clock.sleep_for(1ms); }, asio::detached);
  ctx.run();
  REQUIRE(result.has_value());
  CHECK_FALSE(*result);
  CHECK(clock.now() > VirtualClock::default_start());
}
