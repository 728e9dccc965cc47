#include "gateway/retry.hpp"

#include <algorithm>

namespace oms::gateway {
using std::chrono::milliseconds;

std::string_view to_string(Action a) noexcept {
  switch (a) {
    case Action::retry: return "retry";
    case Action::refresh_then_retry: return "refresh_then_retry";
    case Action::reconcile: return "reconcile";
    case Action::give_up: return "give_up";
  }
  return "unknown";
}

milliseconds next_delay(const RetryPolicy& policy, int attempt, std::optional<milliseconds> retry_after,
                        std::uint64_t random_bits) noexcept {
  const std::int64_t cap = std::max<std::int64_t>(policy.max_delay.count(), 0);
  std::int64_t backoff = std::max<std::int64_t>(policy.base_delay.count(), 0);
  // Doubling stops at the cap, so no shift can overflow however many attempts were made.
  for (int i = 1; i < attempt && backoff < cap; ++i) backoff *= 2;
  backoff = std::min(backoff, cap);
  const std::int64_t permille = std::clamp(policy.jitter_permille, 0, 1000);
  const std::int64_t spread = backoff * permille / 1000;
  const auto width = static_cast<std::uint64_t>(2 * spread + 1);
  const std::int64_t offset = static_cast<std::int64_t>(random_bits % width) - spread;
  std::int64_t delay = std::clamp<std::int64_t>(backoff + offset, 0, cap);
  if (retry_after) delay = std::max<std::int64_t>(delay, retry_after->count());
  return milliseconds(delay);
}

bool should_retry(const RetryPolicy& policy, const Failure& failure, int attempt) noexcept {
  if (failure.cls != FailureClass::transient || attempt >= policy.max_attempts) return false;
  return !(failure.retry_after && *failure.retry_after > policy.max_retry_after);
}

Decision decide(const RetryPolicy& policy, const Failure& failure, int attempt,
                std::uint64_t random_bits) noexcept {
  if (failure.cls == FailureClass::ambiguous) return {Action::reconcile, milliseconds(0)};
  if (!should_retry(policy, failure, attempt)) return {Action::give_up, milliseconds(0)};
  if (failure.reason == FailureReason::unauthorized) return {Action::refresh_then_retry, milliseconds(0)};
  return {Action::retry, next_delay(policy, attempt, failure.retry_after, random_bits)};
}

}  // namespace oms::gateway
