#include "apps/rh-sim/orders.hpp"

#include "apps/rh-sim/util.hpp"

namespace rhsim {

const char* state_name(OrderState state) {
  switch (state) {
    case OrderState::unconfirmed: return "unconfirmed";
    case OrderState::queued: return "queued";
    case OrderState::confirmed: return "confirmed";
    case OrderState::partially_filled: return "partially_filled";
    case OrderState::filled: return "filled";
    case OrderState::cancelled: return "cancelled";
    case OrderState::rejected: return "rejected";
    case OrderState::failed: return "failed";
  }
  return "failed";
}

bool Order::open() const {
  return state == OrderState::unconfirmed || state == OrderState::queued ||
         state == OrderState::confirmed || state == OrderState::partially_filled;
}

oms::Quantity Order::remaining() const { return or_value(quantity.minus(cumulative), oms::Quantity{}); }

oms::Price Account::buying_power() const {
  auto bp = or_value(cash.minus(held_for_orders), oms::Price{});
  return bp.is_negative() ? oms::Price{} : bp;
}

}  // namespace rhsim
