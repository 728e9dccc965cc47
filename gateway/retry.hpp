#pragma once
/// When to try a failed request again, and after how long: exponential backoff with jitter,
/// never sooner than the broker asked, capped. Pure and integer-only; randomness is injected so
/// tests pin exact delays with a seeded generator.
#include "gateway/classify.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace oms::gateway {

/// Retry limits for one request.
struct RetryPolicy {
  int max_attempts = 3;  ///< attempts in all, the first included
  std::chrono::milliseconds base_delay{250};
  std::chrono::milliseconds max_delay{5000};
  int jitter_permille = 200;  ///< each delay is spread by ±this/1000 of itself
  /// A broker wait longer than this is a block, not a throttle: give up instead of sleeping.
  std::chrono::milliseconds max_retry_after{60000};
};

/// What the shell does next about a failure.
enum class Action {
  retry,               ///< send the same request again after `delay`
  refresh_then_retry,  ///< refresh the token, then send again (first 401 only)
  reconcile,           ///< the order may exist: look it up by ref_id; never re-POST blindly
  give_up,             ///< report the failure
};
/// "retry", … for logs.
std::string_view to_string(Action a) noexcept;

/// An action and, for `retry`, how long to wait first.
struct Decision {
  Action action = Action::give_up;
  std::chrono::milliseconds delay{0};
};

/// Delay before attempt `attempt + 1`, after `attempt` failed attempts (1-based):
/// base × 2^(attempt-1), capped at max_delay, spread by the jitter using `random_bits`, and
/// raised to `retry_after` when the broker asked for longer (even past max_delay).
std::chrono::milliseconds next_delay(const RetryPolicy& policy, int attempt,
                                     std::optional<std::chrono::milliseconds> retry_after,
                                     std::uint64_t random_bits) noexcept;
/// Same, drawing the random bits from a generator (std::mt19937_64 in tests).
template <class Rng>
std::chrono::milliseconds next_delay(const RetryPolicy& policy, int attempt,
                                     std::optional<std::chrono::milliseconds> retry_after, Rng& rng) {
  return next_delay(policy, attempt, retry_after, static_cast<std::uint64_t>(rng()));
}

/// True when `failure`, after `attempt` attempts, may be sent again (transient, attempts left,
/// and no broker wait beyond max_retry_after).
bool should_retry(const RetryPolicy& policy, const Failure& failure, int attempt) noexcept;

/// The whole decision: retry with a delay, refresh first, reconcile, or give up.
Decision decide(const RetryPolicy& policy, const Failure& failure, int attempt,
                std::uint64_t random_bits) noexcept;
template <class Rng>
Decision decide(const RetryPolicy& policy, const Failure& failure, int attempt, Rng& rng) {
  return decide(policy, failure, attempt, static_cast<std::uint64_t>(rng()));
}

}  // namespace oms::gateway
