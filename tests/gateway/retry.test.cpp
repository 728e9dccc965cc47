#include "gateway/retry.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace oms::gateway;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

Failure failure(FailureClass c, FailureReason r, std::optional<milliseconds> wait = std::nullopt) {
  return Failure{c, r, 0, "x", wait};
}

const Failure kTransient = failure(FailureClass::transient, FailureReason::server_error);

}  // namespace

TEST_CASE("the default policy is three attempts from 250 ms up to 5 s with 20% jitter") {
  RetryPolicy p;
  CHECK(p.max_attempts == 3);
  CHECK(p.base_delay == 250ms);
  CHECK(p.max_delay == 5s);
  CHECK(p.jitter_permille == 200);
}

TEST_CASE("without jitter the backoff doubles from the base and stops at the cap") {
  RetryPolicy p;
  p.jitter_permille = 0;
  CHECK(next_delay(p, 1, std::nullopt, 0) == 250ms);
  CHECK(next_delay(p, 2, std::nullopt, 0) == 500ms);
  CHECK(next_delay(p, 3, std::nullopt, 0) == 1000ms);
  CHECK(next_delay(p, 5, std::nullopt, 0) == 4000ms);
  CHECK(next_delay(p, 6, std::nullopt, 0) == 5000ms);
  CHECK(next_delay(p, 1000, std::nullopt, 0) == 5000ms);
  CHECK(next_delay(p, 0, std::nullopt, 0) == 250ms);
}

TEST_CASE("jitter spreads a delay by at most the configured share either way") {
  RetryPolicy p;  // ±20% of 250 ms = ±50 ms: 101 possible values
  CHECK(next_delay(p, 1, std::nullopt, 0) == 200ms);
  CHECK(next_delay(p, 1, std::nullopt, 50) == 250ms);
  CHECK(next_delay(p, 1, std::nullopt, 100) == 300ms);
  CHECK(next_delay(p, 1, std::nullopt, 101) == 200ms);
  std::mt19937_64 rng(7);
  for (int attempt = 1; attempt <= 8; ++attempt) {
    for (int i = 0; i < 200; ++i) {
      auto d = next_delay(p, attempt, std::nullopt, rng);
      CHECK(d >= 200ms);
      CHECK(d <= 5000ms);
    }
  }
}

TEST_CASE("backoff delays are exact for a fixed seed") {
  RetryPolicy p;
  std::mt19937_64 rng(42);
  std::vector<long> got;
  for (int attempt = 1; attempt <= 6; ++attempt) got.push_back(next_delay(p, attempt, std::nullopt, rng).count());
  CHECK(got == std::vector<long>{232, 531, 1058, 1732, 4310, 4713});
  std::mt19937_64 again(42);
  CHECK(next_delay(p, 1, std::nullopt, again).count() == got[0]);
}

TEST_CASE("a Retry-After hint is honoured even above the cap") {
  RetryPolicy p;
  CHECK(next_delay(p, 1, 14s, 0) == 14s);
  CHECK(next_delay(p, 1, 100ms, 0) == 200ms);
  CHECK(next_delay(p, 6, 30s, 12345) == 30s);
  CHECK(next_delay(p, 1, 0ms, 50) == 250ms);
}

TEST_CASE("transient failures are retried until the attempts run out") {
  RetryPolicy p;
  CHECK(should_retry(p, kTransient, 1));
  CHECK(should_retry(p, kTransient, 2));
  CHECK_FALSE(should_retry(p, kTransient, 3));
}

TEST_CASE("ambiguous and permanent failures are never retried blindly") {
  RetryPolicy p;
  CHECK_FALSE(should_retry(p, failure(FailureClass::ambiguous, FailureReason::lost_after_send), 1));
  CHECK_FALSE(should_retry(p, failure(FailureClass::permanent, FailureReason::rejected), 1));
  CHECK_FALSE(should_retry(p, failure(FailureClass::permanent, FailureReason::insufficient_funds), 1));
}

TEST_CASE("a throttle wait beyond the limit is treated as a block, not slept through") {
  RetryPolicy p;
  CHECK(should_retry(p, failure(FailureClass::transient, FailureReason::throttled, 60s), 1));
  CHECK_FALSE(should_retry(p, failure(FailureClass::transient, FailureReason::throttled, 61s), 1));
}

TEST_CASE("the decision tells the shell to retry, refresh, reconcile or give up") {
  RetryPolicy p;
  p.jitter_permille = 0;
  auto retry = decide(p, kTransient, 2, 0);
  CHECK(retry.action == Action::retry);
  CHECK(retry.delay == 500ms);
  auto throttled = decide(p, failure(FailureClass::transient, FailureReason::throttled, 14s), 1, 0);
  CHECK(throttled.action == Action::retry);
  CHECK(throttled.delay == 14s);
  auto refresh = decide(p, failure(FailureClass::transient, FailureReason::unauthorized), 1, 0);
  CHECK(refresh.action == Action::refresh_then_retry);
  CHECK(refresh.delay == 0ms);
  CHECK(decide(p, failure(FailureClass::ambiguous, FailureReason::lost_after_send), 1, 0).action ==
        Action::reconcile);
  CHECK(decide(p, failure(FailureClass::ambiguous, FailureReason::duplicate_ref_id), 3, 0).action ==
        Action::reconcile);
  CHECK(decide(p, failure(FailureClass::permanent, FailureReason::unauthorized), 1, 0).action == Action::give_up);
  CHECK(decide(p, kTransient, 3, 0).action == Action::give_up);
  std::mt19937_64 rng(1);
  CHECK(decide(p, kTransient, 1, rng).delay == 250ms);
  CHECK(to_string(Action::reconcile) == "reconcile");
}
