#pragma once
/// The SafetyLedger's state, without I/O or actors (seed: SafetyChecks): the pending-order cache
/// keyed by symbol + side + normalised limit price, the circuit breaker and the kill-switch latch.
/// The actor owns one of these and turns its answers into messages.
#include "messages/order.hpp"
#include "messages/safety.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oms::safety {

// Admission (messages/safety.hpp): proceed = reserved, send it; join_pending = the same order is
// being sent right now, wait for its outcome; duplicate = already at the broker, reuse its
// envelope; breaker_open / halted = refused with guidance.

/// True when a broker's reject_reason (or refusal text) says the account lacked buying power:
/// "insufficient_buying_power", "Insufficient funds", "You can only purchase 4 shares of TSLA.".
bool is_buying_power_rejection(std::string_view reason);

/// The answer to `admit`.
struct Decision {
  Admission admission = Admission::proceed;
  std::optional<OrderEnvelope> existing;  ///< for duplicate
  std::string guidance;                   ///< for breaker_open / halted: what the operator should do
};

/// Pending orders, breaker and kill switch. Plain state: the SafetyLedger actor serialises access.
class LedgerState {
 public:
  /// `failures_to_trip`: consecutive broker failures that open the breaker (config
  /// breaker_consecutive_failures).
  explicit LedgerState(int failures_to_trip = 5) : failures_to_trip_(failures_to_trip) {}

  /// May an order with this key be sent now? Reserves the key when the answer is `proceed`.
  Decision admit(const PendingKey& key);
  /// Right before sending a reserved order: `proceed` marks it in flight, `halted` refuses it
  /// (the kill switch engaged after the reservation; the caller abandons the key).
  Decision confirm_send(const PendingKey& key);
  /// Sends confirmed and not yet answered by the broker.
  std::size_t in_flight() const;
  /// The reserved order reached the broker: later identical requests get this envelope.
  void submitted(const PendingKey& key, const OrderEnvelope& envelope);
  /// The reserved order never reached the broker, or the broker refused it: forget the key. The
  /// breaker is the caller's business (broker_failed), and a failure without a broker decision
  /// (transient exhaustion, a network timeout) leaves it untouched (seed scenario 5).
  void abandoned(const PendingKey& key);
  /// The order finished (filled, cancelled, rejected): its key is free again. Returns the key.
  std::optional<PendingKey> finished(const std::string& order_id);

  /// Broker refusals feed the breaker: insufficient funds trips it at once; so do
  /// `failures_to_trip` refusals in a row. A success resets the count.
  std::optional<CircuitBreakerTripped> broker_failed(bool insufficient_funds, const std::string& detail, Timestamp at);
  void broker_succeeded() { consecutive_failures_ = 0; }

  /// Start-up recovery: refuse submissions until restore().
  void begin_recovery() { recovering_ = true; }
  /// Recovery's result: open orders back in the duplicate guard, latches as they were (a halt
  /// engaged while recovery ran stays engaged).
  void restore(const std::vector<OrderEnvelope>& open_orders, bool halted, std::optional<CircuitBreakerTripped> trip);
  bool recovering() const noexcept { return recovering_; }

  /// The kill switch: new submissions are refused until resume().
  void halt() { halted_ = true; }
  /// Operator reset: reopens submissions and closes the breaker.
  void resume();

  bool halted() const noexcept { return halted_; }
  bool breaker_open() const noexcept { return trip_.has_value(); }
  const std::optional<CircuitBreakerTripped>& trip() const noexcept { return trip_; }
  std::size_t pending() const noexcept { return entries_.size(); }
  /// Order ids the ledger knows are at the broker (the Canceller cancels these too).
  std::vector<std::string> pending_order_ids() const;
  /// Clears every entry (after a confirmed cancel-all). Returns the keys cleared.
  std::vector<PendingKey> clear();

 private:
  struct Entry {
    std::optional<OrderEnvelope> envelope;  ///< empty while the first submission is in flight
    bool sending = false;                   ///< past confirm_send: the broker may create it any moment
  };
  std::map<PendingKey, Entry> entries_;
  int failures_to_trip_;
  int consecutive_failures_ = 0;
  std::optional<CircuitBreakerTripped> trip_;
  bool halted_ = false;
  bool recovering_ = false;
};

}  // namespace oms::safety
