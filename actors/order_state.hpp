#pragma once
/// The order state machine, without I/O or actors: which broker snapshots may move an order's
/// local view forward, which are out of order, and which executions are new. The StatusPoller
/// owns one OrderTrack per order and turns its answers into journal records and fill callbacks.
#include "messages/money.hpp"
#include "messages/status.hpp"

#include <boost/describe/enum.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace oms::orders {

/// What OrderTrack::apply did with a snapshot.
/// applied = the snapshot is now the local view (a new state, more quantity, or the first one);
/// unchanged = same state and same filled quantity (newer executions are still recorded);
/// illegal = the move breaks a rule (`why` names it), nothing recorded;
/// stale = older or less filled than the applied snapshot (arrived out of order), nothing recorded.
BOOST_DEFINE_ENUM_CLASS(Transition, applied, unchanged, illegal, stale)

/// May an order go from `from` to `to`? `executions_prove_fill`: the snapshot carries executions
/// not seen before or a larger cumulative quantity (a fill the broker reports after a cancel).
/// A repeat of the same state is always legal.
bool is_legal(OrderState from, OrderState to, bool executions_prove_fill);
/// Why the move is illegal ("filled is final: …"), or empty when it is legal.
std::string illegal_reason(OrderState from, OrderState to, bool executions_prove_fill);

/// One order's local view: the last applied status plus the execution ids already seen.
class OrderTrack {
 public:
  explicit OrderTrack(std::string order_id);
  /// A track resumed from what the journal (or the poller's memory of a finished order) holds:
  /// the last state and quantity, and the executions already delivered.
  static OrderTrack restored(const TrackedOrder& memory);
  /// The compact form of this track: enough to resume it, without the broker payload.
  TrackedOrder memory() const;

  /// The outcome of one apply.
  struct Update {
    Transition transition = Transition::unchanged;
    OrderState from = OrderState::unknown;  ///< the state before the snapshot
    OrderState to = OrderState::unknown;    ///< the snapshot's state (applied or not)
    std::vector<FillEvent> new_fills;       ///< executions not seen before, in the broker's order
    std::string why;                        ///< for illegal and stale: which rule
  };

  /// Applies a broker snapshot (gateway::to_order_status) and its executions
  /// (gateway::fill_events). Illegal and stale snapshots change nothing, executions included.
  Update apply(const OrderStatus& status, const std::vector<FillEvent>& executions);

  const std::string& order_id() const { return order_id_; }
  /// The last applied snapshot; empty before the first apply.
  const std::optional<OrderStatus>& status() const { return status_; }
  /// The last applied state; `unknown` before the first apply.
  OrderState state() const { return status_ ? status_->state : OrderState::unknown; }
  /// Sum of the de-duplicated executions.
  Quantity filled_quantity() const { return filled_; }

 private:
  std::string out_of_order(const OrderStatus& status) const;
  bool has_new_execution(const std::vector<FillEvent>& executions) const;
  std::vector<FillEvent> record(const std::vector<FillEvent>& executions);

  std::string order_id_;
  std::optional<OrderStatus> status_;
  std::set<std::string> seen_;  ///< execution ids already delivered
  Quantity filled_;
};

}  // namespace oms::orders
