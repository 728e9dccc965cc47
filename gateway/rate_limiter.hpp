#pragma once
/// Pacing of requests to the broker: a token bucket with time passed in, and a scheduler that
/// lets cancels jump ahead of submissions and polls. Pure: the shell asks, then sleeps for the
/// answer on its own clock (virtual in tests).
#include "messages/time.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <variant>

namespace oms::gateway {

/// Token-bucket limits: at most `capacity` at once, `refill_tokens` more per `refill_period`.
struct RateLimit {
  std::int64_t capacity = 8;
  std::int64_t refill_tokens = 1;
  std::chrono::microseconds refill_period = std::chrono::seconds(1);
};

/// A token bucket, exact in integers: one token is `refill_period` credit units and every
/// microsecond adds `refill_tokens` units, so nothing is lost to rounding.
class TokenBucket {
 public:
  /// Starts full at `now`. Limits are clamped to at least one token per positive period.
  TokenBucket(RateLimit limit, Timestamp now);
  /// `capacity` tokens, `per_second` more each second.
  static TokenBucket per_second(std::int64_t capacity, std::int64_t per_second, Timestamp now);

  /// Takes `n` tokens at `now` and returns zero, or takes none and returns how long until `n`
  /// are there. Time that runs backwards is treated as no time passing.
  std::chrono::microseconds try_acquire(Timestamp now, std::int64_t n = 1);
  /// How long until `n` tokens are there (zero if now); takes nothing.
  std::chrono::microseconds wait_for(Timestamp now, std::int64_t n = 1) const;
  /// Whole tokens available at `now`.
  std::int64_t available(Timestamp now) const;
  /// Empties the bucket and keeps it empty until `until`, as when the broker answers 429.
  void pause_until(Timestamp until);
  const RateLimit& limit() const noexcept { return limit_; }

 private:
  std::int64_t credit_at(Timestamp now) const;
  void refill(Timestamp now);

  RateLimit limit_;
  std::int64_t credit_;  // units; one token = refill_period.count() units
  Timestamp last_;       // credit_ is exact as of this instant
};

/// At most `limit` requests in any `window` (a sliding window, as the broker counts): a request
/// sent at t frees its place at t + window + margin (the margin covers the time the request takes
/// to reach the broker, so our count never runs ahead of its count).
class RequestWindow {
 public:
  RequestWindow(std::int64_t limit, std::chrono::microseconds window,
                std::chrono::microseconds margin = std::chrono::milliseconds(250));
  /// How long until `n` more fit (zero if now); takes nothing.
  std::chrono::microseconds wait_for(Timestamp now, std::int64_t n = 1) const;
  /// Records one request sent at `now` (the caller checked wait_for first).
  void take(Timestamp now);
  /// Places free at `now`.
  std::int64_t available(Timestamp now) const;
  std::int64_t limit() const noexcept { return limit_; }
  std::chrono::microseconds window() const noexcept { return window_; }

 private:
  std::int64_t limit_;
  std::chrono::microseconds window_;  // margin included
  std::deque<Timestamp> sent_;        // mutable history trimmed by take()
};

/// Who is asking; lower goes first. Cancels are how a trader gets out, so they never wait
/// behind bookkeeping.
enum class Priority { cancel = 0, submit = 1, poll = 2 };

/// Send this request now (its token is taken).
struct Dispatch {
  std::uint64_t id;
  Priority priority;
};
/// Nothing can go before `at`: ask again then.
struct WaitUntil {
  Timestamp at;
};
/// Nobody is waiting.
struct Idle {};
/// The scheduler's answer.
using ScheduleDecision = std::variant<Dispatch, WaitUntil, Idle>;

/// Orders waiting requests by priority, then arrival, and releases them as the bucket allows.
/// Our own budget is one bucket shared by all; the broker's stated waits (429 Retry-After,
/// "Expected available in N seconds") are kept per priority, because the broker throttles order
/// POSTs and reads separately and a wait earned by a poll or a submission must never hold a
/// cancel back (finding 13.4: one poll's `Retry-After: 3600` silenced the kill switch).
class Scheduler {
 public:
  /// `reserved_for_cancels` tokens are kept back from submissions and polls so a cancel never
  /// waits a refill behind them (clamped below the capacity).
  explicit Scheduler(TokenBucket bucket, std::int64_t reserved_for_cancels = 1);
  /// Also keeps to the broker's own budget: every request counts in `window` too.
  Scheduler(TokenBucket bucket, RequestWindow window, std::int64_t reserved_for_cancels);

  /// Adds a request; `id` is the caller's handle for it.
  void enqueue(std::uint64_t id, Priority priority);
  /// Drops a waiting request (its caller gave up); false if it was not waiting.
  bool remove(std::uint64_t id);
  /// Which request goes at `now`, or when to ask again.
  ScheduleDecision next(Timestamp now);
  /// The broker asked requests of this priority to wait until `until` (a later wait wins; an
  /// earlier one does not shorten it). Other priorities are not affected.
  void pause(Priority priority, Timestamp until);
  /// When requests of this priority may go again, while the broker's wait lasts at `now`.
  std::optional<Timestamp> paused_until(Priority priority, Timestamp now) const;

  std::size_t waiting() const noexcept;
  const TokenBucket& bucket() const noexcept { return bucket_; }

 private:
  std::chrono::microseconds wait_for(Timestamp now, std::int64_t n) const;

  TokenBucket bucket_;
  std::optional<RequestWindow> window_;
  std::int64_t reserve_;
  std::array<std::deque<std::uint64_t>, 3> queues_;
  std::array<Timestamp, 3> paused_until_{};
};

}  // namespace oms::gateway
