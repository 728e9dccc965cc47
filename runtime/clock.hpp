#pragma once
/// Time for actors: real time in production, a virtual clock in tests so that 15-second poll
/// intervals and exponential backoff run in microseconds, deterministically.
#include "messages/time.hpp"
#include "runtime/asio.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace oms::runtime {

using Duration = std::chrono::microseconds;

/// A callback due at a time: cancel() before it fires and it never does. Created and cancelled
/// on the executor it was armed on (not thread-safe, like the timer under it).
class Alarm {
 public:
  virtual ~Alarm() = default;
  virtual void cancel() = 0;
};

/// Wall-clock time plus cancellable sleeps.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Current UTC time (timestamps in messages, the journal and the trace).
  virtual Timestamp now() const = 0;
  /// Completes after `d`; with operation_aborted when the awaiting coroutine is cancelled.
  virtual awaitable<error_code> sleep_for(Duration d) = 0;
  /// Calls `fire` on `ex` after `d` unless cancelled first. The ask timeout: one timer and a
  /// callback, where racing a sleep_for against the reply cost two coroutine frames and a
  /// parallel group per request. This default spawns a sleep_for (any clock); the real and the
  /// virtual clock arm their timer directly.
  virtual std::shared_ptr<Alarm> alarm(const asio::any_io_executor& ex, Duration d, std::function<void()> fire);
};

/// The system clock and Asio steady timers.
class RealClock final : public Clock {
 public:
  Timestamp now() const override;
  awaitable<error_code> sleep_for(Duration d) override;
  std::shared_ptr<Alarm> alarm(const asio::any_io_executor& ex, Duration d, std::function<void()> fire) override;
};

/// Time that moves only when a test says so. Sleepers wake in deadline order (ties in the order
/// they went to sleep). Meant for a single-threaded io_context stepped by the test.
class VirtualClock final : public Clock {
 public:
  /// 2026-01-05 14:30:00 UTC (a Monday, market open) unless told otherwise.
  explicit VirtualClock(Timestamp start = default_start());
  static Timestamp default_start();

  Timestamp now() const override;
  awaitable<error_code> sleep_for(Duration d) override;
  std::shared_ptr<Alarm> alarm(const asio::any_io_executor& ex, Duration d, std::function<void()> fire) override;

  /// Moves time forward by `d`, waking each due sleeper at its own deadline and calling `drain`
  /// (typically `ctx.poll()`) after each wake so that follow-up sleeps are honoured in order.
  void advance(Duration d, const std::function<void()>& drain);
  /// Jumps from deadline to deadline until no sleeper is left or `limit` is reached.
  void run_until_idle(const std::function<void()>& drain, Duration limit = std::chrono::hours(24));
  /// Number of coroutines currently asleep on this clock.
  std::size_t sleepers() const;

 private:
  struct Sleeper;
  std::shared_ptr<Sleeper> enroll(const asio::any_io_executor& ex, Duration d);
  void forget(const std::shared_ptr<Sleeper>& sleeper);
  bool wake_next(Timestamp until);

  mutable std::mutex mu_;
  Timestamp now_;
  std::multimap<Timestamp, std::shared_ptr<Sleeper>> sleepers_;
};

}  // namespace oms::runtime
