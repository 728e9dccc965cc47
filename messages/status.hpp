#pragma once
/// Normalised order state (seed: OrderStatus) and fills as they are detected.
#include "messages/codec.hpp"
#include "messages/money.hpp"
#include "messages/order.hpp"
#include "messages/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace oms {

/// The seed's five states, plus `unknown` for a submission whose outcome the broker has not
/// told us yet (an ambiguous failure): never reported as rejected without the broker saying so.
BOOST_DEFINE_ENUM_CLASS(OrderState, queued, partially_filled, filled, cancelled, rejected, unknown)

/// True when no further fill or cancel can change the order.
constexpr bool is_terminal(OrderState s) {
  return s == OrderState::filled || s == OrderState::cancelled || s == OrderState::rejected;
}

/// Normalised status of one order (seed: OrderStatus).
struct OrderStatus {
  static constexpr const char* message_type = "OrderStatus";
  std::string order_id;
  OrderState state = OrderState::unknown;
  std::string broker_state;  ///< Robinhood's own word: unconfirmed, confirmed, failed, …
  Quantity filled_quantity;
  std::optional<Price> average_fill_price;  ///< null until the first fill
  Quantity pending_quantity;
  Timestamp updated_at{};
  boost::json::object raw;  ///< broker payload snapshot for audit
};
BOOST_DESCRIBE_STRUCT(OrderStatus, (), (order_id, state, broker_state, filled_quantity,
                                        average_fill_price, pending_quantity, updated_at, raw))

/// One execution seen at the broker, delivered to fill callbacks (FR-007).
struct FillEvent {
  static constexpr const char* message_type = "FillEvent";
  std::string order_id;
  std::string execution_id;  ///< de-duplicates fills reported twice
  std::string symbol;
  Side side = Side::buy;
  Quantity quantity;
  Price price;
  Timestamp executed_at{};
  Quantity cumulative_quantity;
  std::optional<Price> average_price;
  bool complete = false;  ///< the order is now fully filled
};
BOOST_DESCRIBE_STRUCT(FillEvent, (), (order_id, execution_id, symbol, side, quantity, price,
                                      executed_at, cumulative_quantity, average_price, complete))

/// Ask for the current status of one order (seed: get_order_status).
struct GetOrderStatus {
  static constexpr const char* message_type = "GetOrderStatus";
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(GetOrderStatus, (), (order_id))

/// Why a status query failed (seed: OrderStatusError's categories).
BOOST_DEFINE_ENUM_CLASS(StatusErrorCategory,
                        not_found,            ///< the broker does not know this order id
                        transient_exhausted,  ///< the broker could not be reached after the retries
                        broker_rejected,      ///< the broker refused the query (auth, forbidden, …)
                        internal)             ///< a bug or a timeout between actors

/// The answer to GetOrderStatus: the status, or why it could not be had (seed: OrderStatusError).
struct StatusReply {
  static constexpr const char* message_type = "StatusReply";
  std::optional<OrderStatus> status;
  std::string error;
  std::optional<StatusErrorCategory> category;  ///< set with `error`
};
BOOST_DESCRIBE_STRUCT(StatusReply, (), (status, error, category))

/// Refresh every open order now instead of at the next poll tick (seed: synchronize_open_orders).
struct SynchronizeOpenOrders {
  static constexpr const char* message_type = "SynchronizeOpenOrders";
};
BOOST_DESCRIBE_STRUCT(SynchronizeOpenOrders, (), ())

/// What one synchronisation pass saw.
struct SyncReport {
  static constexpr const char* message_type = "SyncReport";
  std::int64_t orders_seen = 0;
  std::int64_t state_changes = 0;
  std::int64_t fills = 0;
  std::string error;  ///< empty when the pass succeeded
  /// The poller's cursor after the pass (the broker's newest updated_at it has seen); journalled
  /// so that a restart resumes there.
  std::optional<Timestamp> cursor;
};
BOOST_DESCRIBE_STRUCT(SyncReport, (), (orders_seen, state_changes, fills, error, cursor))

/// What the journal knows about one order's progress at the broker: the StatusPoller starts from
/// it after a restart, so nothing journalled is reported twice.
struct TrackedOrder {
  static constexpr const char* message_type = "TrackedOrder";
  std::string order_id;
  OrderState state = OrderState::unknown;  ///< the last journalled state (unknown: none yet)
  Quantity filled_quantity;                ///< the broker's cumulative quantity last journalled
  std::optional<Timestamp> updated_at;     ///< the broker's updated_at of that snapshot, when known
  std::vector<std::string> execution_ids;  ///< every execution already journalled (and delivered)
  Quantity executed_quantity;              ///< the sum of those executions
};
BOOST_DESCRIBE_STRUCT(TrackedOrder, (), (order_id, state, filled_quantity, updated_at, execution_ids,
                                         executed_quantity))

/// Recovery → StatusPoller, before its first pass: the journal's orders and where to resume.
struct RestoreTracks {
  static constexpr const char* message_type = "RestoreTracks";
  std::vector<TrackedOrder> orders;
  /// Resume point: the cursor the journal last recorded (broker time).
  std::optional<Timestamp> cursor;
  /// Only when the journal holds no broker time at all (a new journal): the first pass starts
  /// here and takes finished orders it has never heard of as history — not reported, not
  /// journalled — so a bot's first start does not replay the account's past fills.
  std::optional<Timestamp> bootstrap_since;
};
BOOST_DESCRIBE_STRUCT(RestoreTracks, (), (orders, cursor, bootstrap_since))

/// Start polling every poll_interval_s (the StatusPoller's loop).
struct StartPolling {
  static constexpr const char* message_type = "StartPolling";
};
BOOST_DESCRIBE_STRUCT(StartPolling, (), ())

}  // namespace oms
