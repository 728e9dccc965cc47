#include "gateway/rate_limiter.hpp"

#include <doctest/doctest.h>

using namespace oms;
using namespace oms::gateway;
using namespace std::chrono_literals;
using std::chrono::microseconds;

namespace {

const Timestamp t0 = parse_iso8601("2026-01-05T14:30:00Z").value();

std::uint64_t dispatched(const ScheduleDecision& d) {
  REQUIRE(std::holds_alternative<Dispatch>(d));
  return std::get<Dispatch>(d).id;
}

Timestamp wait_until(const ScheduleDecision& d) {
  REQUIRE(std::holds_alternative<WaitUntil>(d));
  return std::get<WaitUntil>(d).at;
}

}  // namespace

TEST_CASE("a full bucket grants its capacity at once, then says how long to wait") {
  auto b = TokenBucket::per_second(3, 1, t0);
  CHECK(b.available(t0) == 3);
  CHECK(b.try_acquire(t0) == 0us);
  CHECK(b.try_acquire(t0) == 0us);
  CHECK(b.try_acquire(t0) == 0us);
  CHECK(b.available(t0) == 0);
  CHECK(b.try_acquire(t0) == 1s);
  CHECK(b.try_acquire(t0 + 400ms) == 600ms);
  CHECK(b.try_acquire(t0 + 1s) == 0us);
  CHECK(b.try_acquire(t0 + 1s) == 1s);
}

TEST_CASE("a bucket refills at its rate and never beyond its capacity") {
  auto b = TokenBucket::per_second(2, 4, t0);
  CHECK(b.try_acquire(t0, 2) == 0us);
  CHECK(b.wait_for(t0) == 250ms);
  CHECK(b.available(t0 + 250ms) == 1);
  CHECK(b.available(t0 + 500ms) == 2);
  CHECK(b.available(t0 + 24h * 365 * 100) == 2);
  CHECK(b.wait_for(t0, 2) == 500ms);
}

TEST_CASE("a slow bucket refills exactly without rounding drift") {
  TokenBucket b(RateLimit{1, 1, 3s}, t0);  // one token every three seconds
  Timestamp now = t0;
  for (int i = 0; i < 100; ++i) {
    CHECK(b.try_acquire(now) == 0us);
    CHECK(b.try_acquire(now) == 3s);
    now += 3s;
  }
  TokenBucket thirds(RateLimit{1, 3, 1s}, t0);  // three per second: 333333.33 µs each
  CHECK(thirds.try_acquire(t0) == 0us);
  CHECK(thirds.wait_for(t0) == 333334us);
  CHECK(thirds.try_acquire(t0 + 333334us) == 0us);
}

TEST_CASE("time running backwards does not mint tokens") {
  auto b = TokenBucket::per_second(1, 1, t0);
  CHECK(b.try_acquire(t0) == 0us);
  CHECK(b.try_acquire(t0 - 10s) > 0us);
  CHECK(b.available(t0 - 10s) == 0);
}

TEST_CASE("a 429 pause empties the bucket until the broker's time") {
  auto b = TokenBucket::per_second(5, 5, t0);
  b.pause_until(t0 + 14s);
  CHECK(b.available(t0) == 0);
  CHECK(b.wait_for(t0) == 14s + 200ms);
  CHECK(b.try_acquire(t0 + 14s) == 200ms);
  CHECK(b.try_acquire(t0 + 14s + 200ms) == 0us);
}

TEST_CASE("nonsense limits are clamped to a working bucket") {
  TokenBucket b(RateLimit{0, 0, 0us}, t0);
  CHECK(b.limit().capacity == 1);
  CHECK(b.limit().refill_tokens == 1);
  CHECK(b.limit().refill_period == 1us);
  CHECK(b.try_acquire(t0) == 0us);
  CHECK(b.try_acquire(t0, 50) == 1us);
}

TEST_CASE("cancels jump ahead of submissions and polls") {
  Scheduler s(TokenBucket::per_second(10, 1, t0), 0);
  s.enqueue(1, Priority::poll);
  s.enqueue(2, Priority::submit);
  s.enqueue(3, Priority::cancel);
  s.enqueue(4, Priority::poll);
  s.enqueue(5, Priority::cancel);
  CHECK(s.waiting() == 5);
  CHECK(dispatched(s.next(t0)) == 3);
  CHECK(dispatched(s.next(t0)) == 5);
  CHECK(dispatched(s.next(t0)) == 2);
  CHECK(dispatched(s.next(t0)) == 1);
  CHECK(dispatched(s.next(t0)) == 4);
  CHECK(std::holds_alternative<Idle>(s.next(t0)));
}

TEST_CASE("the scheduler says when the next request may go once the bucket is empty") {
  Scheduler s(TokenBucket::per_second(1, 2, t0), 0);
  s.enqueue(1, Priority::submit);
  s.enqueue(2, Priority::submit);
  CHECK(dispatched(s.next(t0)) == 1);
  CHECK(wait_until(s.next(t0)) == t0 + 500ms);
  CHECK(wait_until(s.next(t0 + 100ms)) == t0 + 500ms);
  s.enqueue(3, Priority::cancel);
  CHECK(wait_until(s.next(t0 + 100ms)) == t0 + 500ms);
  CHECK(dispatched(s.next(t0 + 500ms)) == 3);
  CHECK(dispatched(s.next(t0 + 1s)) == 2);
}

TEST_CASE("a reserved token lets a cancel go when polls have drained the rest") {
  Scheduler s(TokenBucket::per_second(3, 1, t0), 1);
  for (std::uint64_t id = 1; id <= 3; ++id) s.enqueue(id, Priority::poll);
  CHECK(dispatched(s.next(t0)) == 1);
  CHECK(dispatched(s.next(t0)) == 2);
  CHECK(wait_until(s.next(t0)) == t0 + 1s);  // the last token is kept for cancels
  s.enqueue(9, Priority::cancel);
  CHECK(dispatched(s.next(t0)) == 9);
  CHECK(wait_until(s.next(t0)) == t0 + 2s);
}

TEST_CASE("a reserve as large as the bucket is clamped so polls still run") {
  Scheduler s(TokenBucket::per_second(1, 1, t0), 5);
  s.enqueue(1, Priority::poll);
  CHECK(dispatched(s.next(t0)) == 1);
}

TEST_CASE("a waiting request can be withdrawn") {
  Scheduler s(TokenBucket::per_second(5, 1, t0), 0);
  s.enqueue(1, Priority::submit);
  s.enqueue(2, Priority::submit);
  CHECK(s.remove(1));
  CHECK_FALSE(s.remove(1));
  CHECK(dispatched(s.next(t0)) == 2);
  CHECK(s.waiting() == 0);
}

TEST_CASE("finding 4: a broker wait on polls never delays a cancel") {
  Scheduler s(TokenBucket::per_second(8, 4, t0), 1);
  s.pause(Priority::poll, t0 + 3600s);  // a poll was answered 429 Retry-After: 3600
  s.enqueue(1, Priority::poll);
  s.enqueue(2, Priority::cancel);
  CHECK(dispatched(s.next(t0)) == 2);
  CHECK(wait_until(s.next(t0)) == t0 + 3600s);
  CHECK(s.paused_until(Priority::poll, t0) == t0 + 3600s);
  CHECK_FALSE(s.paused_until(Priority::cancel, t0));
  CHECK(dispatched(s.next(t0 + 3600s)) == 1);
}

TEST_CASE("finding 4: a broker wait on submissions holds submissions only; polls and cancels go on") {
  Scheduler s(TokenBucket::per_second(8, 4, t0), 1);
  s.pause(Priority::submit, t0 + 14s);  // "Expected available in 14 seconds." after a burst of orders
  s.enqueue(1, Priority::submit);
  s.enqueue(2, Priority::poll);
  s.enqueue(3, Priority::cancel);
  CHECK(dispatched(s.next(t0)) == 3);
  CHECK(dispatched(s.next(t0)) == 2);
  CHECK(wait_until(s.next(t0)) == t0 + 14s);
  CHECK(wait_until(s.next(t0 + 13s)) == t0 + 14s);
  CHECK(dispatched(s.next(t0 + 14s)) == 1);
}

TEST_CASE("a broker wait on cancels holds cancels until the stated time, and others are not held by it") {
  Scheduler s(TokenBucket::per_second(8, 4, t0), 1);
  s.pause(Priority::cancel, t0 + 2s);
  s.enqueue(1, Priority::cancel);
  s.enqueue(2, Priority::submit);
  CHECK(dispatched(s.next(t0)) == 2);
  CHECK(wait_until(s.next(t0)) == t0 + 2s);
  CHECK(dispatched(s.next(t0 + 2s)) == 1);
}

TEST_CASE("a broker wait is never shortened by a later, shorter one") {
  Scheduler s(TokenBucket::per_second(8, 4, t0), 0);
  s.pause(Priority::submit, t0 + 14s);
  s.pause(Priority::submit, t0 + 3s);
  CHECK(s.paused_until(Priority::submit, t0) == t0 + 14s);
  CHECK_FALSE(s.paused_until(Priority::submit, t0 + 14s));
}

TEST_CASE("when one priority is paused and another lacks tokens, the earlier of the two wakes the shell") {
  Scheduler s(TokenBucket::per_second(1, 1, t0), 0);
  s.enqueue(1, Priority::submit);
  CHECK(dispatched(s.next(t0)) == 1);
  s.pause(Priority::cancel, t0 + 10s);
  s.enqueue(2, Priority::cancel);
  s.enqueue(3, Priority::poll);
  CHECK(wait_until(s.next(t0)) == t0 + 1s);  // the poll's token comes before the cancel's pause ends
  CHECK(dispatched(s.next(t0 + 1s)) == 3);
  CHECK(wait_until(s.next(t0 + 1s)) == t0 + 10s);
  CHECK(dispatched(s.next(t0 + 10s)) == 2);
}
