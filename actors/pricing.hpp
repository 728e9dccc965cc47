#pragma once
/// Limit pricing (seed FR-001/FR-002): pure functions, no I/O.
#include "config/config.hpp"
#include "messages/codec.hpp"
#include "messages/money.hpp"
#include "messages/order.hpp"

#include <optional>

namespace oms::pricing {

/// Robinhood's equity tick: $0.01 at or above $1.00, $0.0001 below.
Price tick_size(Price price);
/// The grid an instrument trades on at this price: its min_tick_size when it has one (e.g.
/// 0.05), else tick_size(price).
Price tick_size(Price price, std::optional<Price> min_tick);
/// True when `price` is a whole number of ticks (of the instrument's min_tick_size when given).
bool on_tick_grid(Price price, std::optional<Price> min_tick = std::nullopt);

/// Buy = reference − offset, sell = reference + offset (absolute: dollars; bps: reference ×
/// offset / 10,000), rounded to the tick toward the reference so the realised offset never
/// exceeds the configured one, and never past the reference itself. The tick is the instrument's
/// `min_tick` when it has one, else the penny rules. The result must stay within the slippage
/// guard (buy ≥ ref × (1 − pct/100), sell ≤ ref × (1 + pct/100)); a price ≤ 0 or below the
/// minimum tick is an error naming `limit_price`.
checked<Price> compute_limit_price(Side side, Price reference, const config::PriceOffsetConfig& offsets,
                                   std::optional<Price> min_tick = std::nullopt);

/// Fat-finger collar: a limit more than `collar_pct` percent away from the broker's latest
/// quote is refused. Returns the error, or nothing when the limit is inside the collar.
std::optional<FieldError> check_price_collar(Price limit, Price quote, Decimal collar_pct);

}  // namespace oms::pricing
