#pragma once
/// Safety events: circuit breaker, kill switch, pending-order ledger (seed: SafetyChecks).
#include "messages/codec.hpp"
#include "messages/money.hpp"
#include "messages/order.hpp"
#include "messages/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <string>

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

/// A pending-order entry was cleared (order finished, cancelled or failed before the broker).
struct PendingOrderReleased {
  static constexpr const char* message_type = "PendingOrderReleased";
  PendingKey key;
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(PendingOrderReleased, (), (key, order_id))

}  // namespace oms
