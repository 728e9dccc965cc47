#pragma once
/// Safety events: circuit breaker, kill switch, pending-order ledger (seed: SafetyChecks).
#include "messages/codec.hpp"
#include "messages/money.hpp"
#include "messages/order.hpp"
#include "messages/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <optional>
#include <string>
#include <vector>

namespace oms {

/// Why new submissions are refused.
BOOST_DEFINE_ENUM_CLASS(TripReason, insufficient_funds, consecutive_failures, kill_switch)

/// The breaker opened: new submissions are refused with guidance until a reset.
struct CircuitBreakerTripped {
  static constexpr const char* message_type = "CircuitBreakerTripped";
  TripReason reason = TripReason::kill_switch;
  std::string detail;
  Timestamp at{};
};
BOOST_DESCRIBE_STRUCT(CircuitBreakerTripped, (), (reason, detail, at))

/// An operator closed the breaker / released the kill switch.
struct ResumeSubmissions {
  static constexpr const char* message_type = "ResumeSubmissions";
  std::string requested_by;
};
BOOST_DESCRIBE_STRUCT(ResumeSubmissions, (), (requested_by))

/// The identity of a pending order: symbol + side + normalised limit price (NFR-005).
struct PendingKey {
  std::string symbol;
  Side side = Side::buy;
  Price limit_price;
  friend auto operator<=>(const PendingKey&, const PendingKey&) = default;
};
BOOST_DESCRIBE_STRUCT(PendingKey, (), (symbol, side, limit_price))

/// What a new submission may do (see SafetyLedger):
/// - proceed: reserved under `Reservation::ref_id`, send it;
/// - join_pending: the same order is being sent right now (internal: answered when it ends);
/// - duplicate: already at the broker, reuse its envelope;
/// - breaker_open / halted: refused with guidance;
/// - conflict: another order holds the key (symbol, side, price) with another quantity: refused,
///   naming it;
/// - await_settlement: the same order's outcome is unknown (`unresolved`) and is being settled:
///   ask AwaitSettlement{ref_id} for the outcome;
/// - retry: the key is free again (the unresolved order was proven absent): ask again, reusing
///   `ref_id`;
/// - unresolved: the settlement gave up; the key stays reserved until the broker shows the order
///   or proves it absent.
BOOST_DEFINE_ENUM_CLASS(Admission, proceed, join_pending, duplicate, breaker_open, halted, conflict, await_settlement,
                        retry, unresolved)

/// Ask the SafetyLedger whether an order with this key may be sent; reserves it if so. `ref_id`
/// is the idempotency key the order would be sent with; `quantity` tells an identical request
/// from one that only shares the key.
struct ReserveSubmission {
  static constexpr const char* message_type = "ReserveSubmission";
  PendingKey key;
  Quantity quantity;
  std::string ref_id;
};
BOOST_DESCRIBE_STRUCT(ReserveSubmission, (), (key, quantity, ref_id))

/// The ledger's answer. A racing duplicate is answered only when the first one's outcome is
/// known: `duplicate` with its envelope, `abandoned` with the first one's error, or
/// `await_settlement` when it ended unresolved.
struct Reservation {
  static constexpr const char* message_type = "Reservation";
  Admission admission = Admission::proceed;
  std::optional<OrderEnvelope> existing;
  std::string guidance;  ///< why refused, and what to do
  bool abandoned = false;  ///< a joined submission failed before reaching the broker
  std::string ref_id;      ///< proceed/retry: the ref_id to send with; await_settlement/unresolved: the intent's
  bool rearm = false;      ///< await_settlement: the settlement had given up; start it again first
};
BOOST_DESCRIBE_STRUCT(Reservation, (), (admission, existing, guidance, abandoned, ref_id, rearm))

/// Wait for the settlement of an unresolved intent: answered (a Reservation) when it is settled
/// — duplicate (found at the broker), retry (proven absent: reserve again with its ref_id) or
/// unresolved (the settlement gave up). The asker bounds the wait with its ask timeout.
struct AwaitSettlement {
  static constexpr const char* message_type = "AwaitSettlement";
  std::string ref_id;
};
BOOST_DESCRIBE_STRUCT(AwaitSettlement, (), (ref_id))

/// The reserved order reached the broker.
struct SubmissionSucceeded {
  static constexpr const char* message_type = "SubmissionSucceeded";
  PendingKey key;
  OrderEnvelope envelope;  ///< its ref_id names the reservation
};
BOOST_DESCRIBE_STRUCT(SubmissionSucceeded, (), (key, envelope))

/// The reserved order did not reach the broker, or the broker refused it (definitely: an
/// outcome that may still exist at the broker is SubmissionUnresolved).
struct SubmissionAbandoned {
  static constexpr const char* message_type = "SubmissionAbandoned";
  PendingKey key;
  std::string error;
  bool broker_failure = false;     ///< the broker refused it: counts toward the breaker (not local
                                   ///< validation, not a failure without a broker decision)
  bool insufficient_funds = false; ///< trips the breaker at once
  std::string ref_id;
};
BOOST_DESCRIBE_STRUCT(SubmissionAbandoned, (), (key, error, broker_failure, insufficient_funds, ref_id))

/// The reserved order's outcome is unknown (the broker may hold it): the key stays reserved as
/// `unresolved` until the settlement finds the order or proves it absent.
struct SubmissionUnresolved {
  static constexpr const char* message_type = "SubmissionUnresolved";
  PendingKey key;
  std::string ref_id;
  std::string error;
  Timestamp at{};  ///< when it became unresolved (the oldest is shown by health)
};
BOOST_DESCRIBE_STRUCT(SubmissionUnresolved, (), (key, ref_id, error, at))

/// An intent whose broker outcome is unknown: its key is reserved until it is settled.
struct UnresolvedIntent {
  static constexpr const char* message_type = "UnresolvedIntent";
  std::string ref_id;
  PendingKey key;
  Quantity quantity;
  Timestamp since{};  ///< when it became unresolved (the intent's time after a restart)
};
BOOST_DESCRIBE_STRUCT(UnresolvedIntent, (), (ref_id, key, quantity, since))

/// An order the broker had accepted was rejected later (the StatusPoller saw it). A rejection
/// for buying power trips the breaker like an immediate insufficient-funds refusal (seed edge
/// case: "Robinhood reports `rejected` with `insufficient_funds` → trip the breaker").
struct OrderRejected {
  static constexpr const char* message_type = "OrderRejected";
  std::string order_id;
  std::string reason;               ///< the broker's reject_reason
  bool insufficient_funds = false;  ///< trips the breaker
};
BOOST_DESCRIBE_STRUCT(OrderRejected, (), (order_id, reason, insufficient_funds))

/// An order reached a terminal state: its key is free again.
struct OrderFinished {
  static constexpr const char* message_type = "OrderFinished";
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(OrderFinished, (), (order_id))

/// The kill switch's first step: refuse new submissions until ResumeSubmissions.
struct HaltSubmissions {
  static constexpr const char* message_type = "HaltSubmissions";
  std::string requested_by;
};
BOOST_DESCRIBE_STRUCT(HaltSubmissions, (), (requested_by))

/// Ask for the broker ids the ledger holds as pending (the Canceller cancels them too).
struct PendingOrdersQuery {
  static constexpr const char* message_type = "PendingOrdersQuery";
};
BOOST_DESCRIBE_STRUCT(PendingOrdersQuery, (), ())

/// The answer to PendingOrdersQuery.
struct PendingOrders {
  static constexpr const char* message_type = "PendingOrders";
  std::vector<std::string> order_ids;
  bool halted = false;
  bool breaker_open = false;
  std::vector<UnresolvedIntent> unresolved;  ///< intents being settled (or given up on), oldest first
  std::int64_t in_flight = 0;  ///< sends past ConfirmSend whose broker answer has not come yet
};
BOOST_DESCRIBE_STRUCT(PendingOrders, (), (order_ids, halted, breaker_open, unresolved, in_flight))

/// The Submitter's last check, after the intent is durable and right before the order goes to
/// the broker: a kill switch engaged since the reservation stops it here. The answer is
/// `proceed` (the send is now in flight) or `halted`. `ref_id` names the reservation (several
/// may share a key).
struct ConfirmSend {
  static constexpr const char* message_type = "ConfirmSend";
  PendingKey key;
  std::string ref_id;
};
BOOST_DESCRIBE_STRUCT(ConfirmSend, (), (key, ref_id))

/// Answered (with the ledger's state) once no send is in flight: the kill switch waits for the
/// sends that passed ConfirmSend before the halt, so it can cancel what they placed. A send that
/// ended unresolved is no longer in flight (its settlement only looks up).
struct AwaitSendsSettled {
  static constexpr const char* message_type = "AwaitSendsSettled";
};
BOOST_DESCRIBE_STRUCT(AwaitSendsSettled, (), ())

/// A pending-order entry was cleared (order finished, cancelled or failed before the broker).
struct PendingOrderReleased {
  static constexpr const char* message_type = "PendingOrderReleased";
  PendingKey key;
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(PendingOrderReleased, (), (key, order_id))

/// Start-up recovery has begun: refuse submissions until RestoreLedger.
struct BeginRecovery {
  static constexpr const char* message_type = "BeginRecovery";
};
BOOST_DESCRIBE_STRUCT(BeginRecovery, (), ())

/// Start-up recovery's result for the ledger: the orders still open at the broker (the
/// duplicate guard, every one of them, also several sharing a key), the intents still being
/// settled (their keys stay reserved), and the latches the journal says were set. Ends the
/// recovery block, unless `recovery_failed` says why recovery could not finish: then the ledger
/// holds what the journal knows (for the kill switch) and keeps refusing submissions.
struct RestoreLedger {
  static constexpr const char* message_type = "RestoreLedger";
  std::vector<OrderEnvelope> open_orders;
  bool halted = false;
  std::optional<CircuitBreakerTripped> trip;
  std::vector<UnresolvedIntent> unresolved;
  std::string recovery_failed;
};
BOOST_DESCRIBE_STRUCT(RestoreLedger, (), (open_orders, halted, trip, unresolved, recovery_failed))

}  // namespace oms
