// run_on: a coroutine on another strand, awaited with the caller's cancellation forwarded to it
// (and, unlike Boost 1.81's co_spawn, without a pointer that can outlive the operation).
#include "runtime/run_on.hpp"
#include "runtime/runtime.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/detached.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>

using namespace oms::runtime;
using namespace std::chrono_literals;

namespace {

// Waits up to `d` on the current executor; reports whether the wait was cancelled.
awaitable<bool> wait_on_strand(std::chrono::milliseconds d, std::atomic<bool>* ran_on_strand, strand_type strand) {
  ran_on_strand->store(strand.running_in_this_thread());
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  auto [ec] = co_await timer.async_wait(as_tuple_awaitable);
  co_return ec == asio::error::operation_aborted;
}

// A caller that awaits a short operation on `strand` and counts its own end.
awaitable<void> short_call(strand_type strand, int i, std::atomic<int>* finished) {
  std::atomic<bool> unused{false};
  auto op = wait_on_strand(std::chrono::milliseconds(i % 3), &unused, strand);
  co_await run_on(strand, std::move(op));
  ++*finished;
}

}  // namespace

TEST_CASE("run_on runs the operation on the given strand and returns its value") {
  asio::io_context ctx;
  auto strand = asio::make_strand(ctx);
  std::atomic<bool> on_strand{false};
  std::optional<bool> cancelled;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    auto op = wait_on_strand(1ms, &on_strand, strand);
    cancelled = co_await run_on(strand, std::move(op));
  }, asio::detached);
  ctx.run();
  CHECK(on_strand.load());
  REQUIRE(cancelled.has_value());
  CHECK_FALSE(*cancelled);
}

TEST_CASE("run_on forwards the caller's cancellation to the operation on the strand") {
  asio::io_context ctx;
  auto strand = asio::make_strand(ctx);
  std::atomic<bool> on_strand{false};
  std::optional<bool> cancelled;
  asio::cancellation_signal signal;
  auto caller = [&]() -> awaitable<void> {
    auto op = wait_on_strand(60s, &on_strand, strand);
    cancelled = co_await run_on(strand, std::move(op));
  };
  asio::co_spawn(ctx, caller(), asio::bind_cancellation_slot(signal.slot(), asio::detached));
  ctx.run_for(20ms);
  signal.emit(asio::cancellation_type::terminal);
  auto began = std::chrono::steady_clock::now();
  ctx.restart();
  ctx.run_for(5s);
  REQUIRE(cancelled.has_value());
  CHECK(*cancelled);
  CHECK(std::chrono::steady_clock::now() - began < 5s);
}

TEST_CASE("cancelling callers while their operations finish on another thread is safe (many races, threads)") {
  asio::io_context ctx;
  auto strand = asio::make_strand(ctx);
  std::atomic<int> finished{0};
  constexpr int kCalls = 1500;
  std::vector<std::unique_ptr<asio::cancellation_signal>> signals;
  for (int i = 0; i < kCalls; ++i) signals.push_back(std::make_unique<asio::cancellation_signal>());
  auto caller_strand = asio::make_strand(ctx);
  for (int i = 0; i < kCalls; ++i) {
    asio::co_spawn(caller_strand, short_call(strand, i, &finished),
                   asio::bind_cancellation_slot(signals[i]->slot(), asio::detached));
  }
  std::thread a([&] { ctx.run(); });
  std::thread b([&] { ctx.run(); });
  // Each cancellation is emitted on the caller's strand, racing the operation's own end.
  for (int i = 0; i < kCalls; ++i) {
    asio::post(caller_strand, [&signals, i] { signals[i]->emit(asio::cancellation_type::terminal); });
  }
  a.join();
  b.join();
  CHECK(finished.load() == kCalls);
}
