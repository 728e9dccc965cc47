#pragma once
/// Cancellation requests and per-order outcomes (seed: cancel_all_open_orders, FR-006).
#include "messages/codec.hpp"
#include "messages/status.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <optional>
#include <string>
#include <vector>

namespace oms {

/// How one cancel ended. A fill that wins the race is a fill, not a failed cancel.
BOOST_DEFINE_ENUM_CLASS(CancelOutcome, cancelled, filled, partially_filled_then_cancelled,
                        already_finished, failed)

/// Cancel a single order.
struct CancelOrder {
  static constexpr const char* message_type = "CancelOrder";
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(CancelOrder, (), (order_id))

/// The kill switch: halt submissions, then cancel every open equity order.
struct CancelAllOpenOrders {
  static constexpr const char* message_type = "CancelAllOpenOrders";
  std::string requested_by;  ///< "operator", "bot", … (audit)
};
BOOST_DESCRIBE_STRUCT(CancelAllOpenOrders, (), (requested_by))

/// The confirmed end of one cancel.
struct CancelResult {
  static constexpr const char* message_type = "CancelResult";
  std::string order_id;
  std::string symbol;
  CancelOutcome outcome = CancelOutcome::failed;
  std::optional<OrderStatus> final_status;
  std::string detail;  ///< broker text or guidance when outcome is failed
};
BOOST_DESCRIBE_STRUCT(CancelResult, (), (order_id, symbol, outcome, final_status, detail))

/// Snapshots the kill switch saw while confirming its cancels, handed to the StatusPoller so a
/// fill found there is journalled and delivered through the poller's exactly-once path (one
/// execution, one `fill` record, one callback), and state changes are journalled as any poll's.
struct ObservedByKillSwitch {
  static constexpr const char* message_type = "ObservedByKillSwitch";
  std::vector<OrderStatus> orders;
};
BOOST_DESCRIBE_STRUCT(ObservedByKillSwitch, (), (orders))

/// Per-order results of a kill switch run.
struct CancelAllReport {
  static constexpr const char* message_type = "CancelAllReport";
  std::vector<CancelResult> results;
  std::int64_t open_orders_remaining = 0;  ///< as the broker lists them after the run
  bool submissions_halted = true;          ///< stays latched until an explicit resume
};
BOOST_DESCRIBE_STRUCT(CancelAllReport, (), (results, open_orders_remaining, submissions_halted))

}  // namespace oms
