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

/// What a new submission may do (see SafetyLedger).
BOOST_DEFINE_ENUM_CLASS(Admission, proceed, join_pending, duplicate, breaker_open, halted)

/// Ask the SafetyLedger whether an order with this key may be sent; reserves it if so.
struct ReserveSubmission {
  static constexpr const char* message_type = "ReserveSubmission";
  PendingKey key;
};
BOOST_DESCRIBE_STRUCT(ReserveSubmission, (), (key))

/// The ledger's answer. A racing duplicate is answered only when the first one's outcome is
/// known: `duplicate` with its envelope, or `abandoned` with the first one's error.
struct Reservation {
  static constexpr const char* message_type = "Reservation";
  Admission admission = Admission::proceed;
  std::optional<OrderEnvelope> existing;
  std::string guidance;  ///< why refused, and what to do
  bool abandoned = false;  ///< a joined submission failed before reaching the broker
};
BOOST_DESCRIBE_STRUCT(Reservation, (), (admission, existing, guidance, abandoned))

/// The reserved order reached the broker.
struct SubmissionSucceeded {
  static constexpr const char* message_type = "SubmissionSucceeded";
  PendingKey key;
  OrderEnvelope envelope;
};
BOOST_DESCRIBE_STRUCT(SubmissionSucceeded, (), (key, envelope))

/// The reserved order did not reach the broker, or the broker refused it.
struct SubmissionAbandoned {
  static constexpr const char* message_type = "SubmissionAbandoned";
  PendingKey key;
  std::string error;
  bool broker_failure = false;     ///< the broker refused it: counts toward the breaker (not local
                                   ///< validation, not a failure without a broker decision)
  bool insufficient_funds = false; ///< trips the breaker at once
};
BOOST_DESCRIBE_STRUCT(SubmissionAbandoned, (), (key, error, broker_failure, insufficient_funds))

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
  std::int64_t in_flight = 0;  ///< sends past ConfirmSend whose broker answer has not come yet
};
BOOST_DESCRIBE_STRUCT(PendingOrders, (), (order_ids, halted, breaker_open, in_flight))

/// The Submitter's last check, after the intent is durable and right before the order goes to
/// the broker: a kill switch engaged since the reservation stops it here. The answer is
/// `proceed` (the send is now in flight) or `halted`.
struct ConfirmSend {
  static constexpr const char* message_type = "ConfirmSend";
  PendingKey key;
};
BOOST_DESCRIBE_STRUCT(ConfirmSend, (), (key))

/// Answered (with the ledger's state) once no send is in flight: the kill switch waits for the
/// sends that passed ConfirmSend before the halt, so it can cancel what they placed.
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
/// duplicate guard), and the latches the journal says were set. Ends the recovery block.
struct RestoreLedger {
  static constexpr const char* message_type = "RestoreLedger";
  std::vector<OrderEnvelope> open_orders;
  bool halted = false;
  std::optional<CircuitBreakerTripped> trip;
};
BOOST_DESCRIBE_STRUCT(RestoreLedger, (), (open_orders, halted, trip))

}  // namespace oms
