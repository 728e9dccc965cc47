#include "actors/order_state.hpp"

#include <algorithm>

namespace oms::orders {
namespace {

std::string name(OrderState s) { return boost::describe::enum_to_string(s, "?"); }

std::string final_state(OrderState from, OrderState to) {
  return name(from) + " is final: no move to " + name(to);
}

}  // namespace

std::string illegal_reason(OrderState from, OrderState to, bool executions_prove_fill) {
  // `unknown` is an ambiguous submission (or a broker word we do not know): whatever the broker
  // says next is better information.
  if (from == to || from == OrderState::unknown) return {};
  switch (from) {
    case OrderState::queued:
      if (to != OrderState::unknown) return {};
      return "queued never goes back to unknown: the broker already reported the order";
    case OrderState::partially_filled:
      if (to == OrderState::filled || to == OrderState::cancelled) return {};
      return "partially_filled moves only to filled or cancelled, not " + name(to);
    case OrderState::cancelled:
      // A fill can race the cancel: the broker may report it after it reported the cancel.
      if (to != OrderState::filled && to != OrderState::partially_filled) return final_state(from, to);
      if (executions_prove_fill) return {};
      return "cancelled moves to " + name(to) + " only with executions not seen before or a larger filled quantity";
    case OrderState::filled:
    case OrderState::rejected:
    case OrderState::unknown:
      break;
  }
  return final_state(from, to);
}

bool is_legal(OrderState from, OrderState to, bool executions_prove_fill) {
  return illegal_reason(from, to, executions_prove_fill).empty();
}

OrderTrack::OrderTrack(std::string order_id) : order_id_(std::move(order_id)) {}

OrderTrack OrderTrack::restored(const TrackedOrder& memory) {
  OrderTrack t(memory.order_id);
  // Nothing journalled about the broker's view yet (only an envelope): the first snapshot is news.
  if (memory.state != OrderState::unknown || memory.updated_at || !memory.filled_quantity.is_zero()) {
    OrderStatus last;
    last.order_id = memory.order_id;
    last.state = memory.state;
    last.filled_quantity = memory.filled_quantity;
    last.updated_at = memory.updated_at.value_or(Timestamp{});
    t.status_ = std::move(last);
  }
  t.seen_.insert(memory.execution_ids.begin(), memory.execution_ids.end());
  t.filled_ = memory.executed_quantity;
  return t;
}

TrackedOrder OrderTrack::memory() const {
  TrackedOrder m;
  m.order_id = order_id_;
  m.state = state();
  if (status_) {
    m.filled_quantity = status_->filled_quantity;
    if (status_->updated_at != Timestamp{}) m.updated_at = status_->updated_at;
  }
  m.execution_ids.assign(seen_.begin(), seen_.end());
  m.executed_quantity = filled_;
  return m;
}

OrderTrack::Update OrderTrack::apply(const OrderStatus& status, const std::vector<FillEvent>& executions) {
  Update u;
  u.from = state();
  u.to = status.state;
  auto foreign = [&](const FillEvent& f) { return f.order_id != order_id_; };
  if (status.order_id != order_id_ || std::any_of(executions.begin(), executions.end(), foreign)) {
    u.transition = Transition::illegal;
    u.why = "the snapshot belongs to another order than " + order_id_;
    return u;
  }
  if (u.why = out_of_order(status); !u.why.empty()) {
    u.transition = Transition::stale;
    return u;
  }
  bool more = status_ && status.filled_quantity > status_->filled_quantity;
  if (u.why = illegal_reason(u.from, u.to, more || has_new_execution(executions)); !u.why.empty()) {
    u.transition = Transition::illegal;
    return u;
  }
  bool same = status_ && status_->state == status.state && status_->filled_quantity == status.filled_quantity;
  u.transition = same ? Transition::unchanged : Transition::applied;
  u.new_fills = record(executions);
  status_ = status;  // an unchanged snapshot is still the newest view (updated_at, raw)
  return u;
}

std::string OrderTrack::out_of_order(const OrderStatus& status) const {
  if (!status_) return {};
  if (status.updated_at < status_->updated_at) return "updated_at is older than the applied snapshot's";
  if (status.filled_quantity < status_->filled_quantity)
    return "filled quantity is lower than the applied snapshot's";
  return {};
}

bool OrderTrack::has_new_execution(const std::vector<FillEvent>& executions) const {
  return std::any_of(executions.begin(), executions.end(),
                     [&](const FillEvent& f) { return !seen_.contains(f.execution_id); });
}

std::vector<FillEvent> OrderTrack::record(const std::vector<FillEvent>& executions) {
  std::vector<FillEvent> fresh;
  for (const auto& f : executions) {
    if (!seen_.insert(f.execution_id).second) continue;  // reported before, or twice in this snapshot
    // A sum beyond ±92 billion shares cannot come from a real account; keep the last exact one.
    if (auto sum = filled_.plus(f.quantity)) filled_ = *sum;
    fresh.push_back(f);
  }
  return fresh;
}

}  // namespace oms::orders
