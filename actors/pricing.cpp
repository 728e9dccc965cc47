#include "actors/pricing.hpp"

namespace oms::pricing {
namespace {

const Price kDollar = Price::from_units(Price::kOne);
const Price kCent = Price::from_units(Price::kOne / 100);
const Price kSubPenny = Price::from_units(Price::kOne / 10'000);
constexpr std::int64_t kHundredPercent = 100 * Decimal::kOne;  // 100 % in Decimal units

FieldError limit_error(std::string rule) { return FieldError{"limit_price", std::move(rule)}; }

// The offset in dollars, truncated at 1e-8: tick rounding afterwards makes that exact (the tick
// grid is a subset of the 1e-8 grid, so rounding the truncated value lands on the same tick).
result<Price> offset_amount(Price reference, Decimal offset, config::OffsetMode mode) {
  if (mode == config::OffsetMode::absolute) return Price::from_units(offset.units());
  return reference.scaled(offset.units(), 10'000 * Decimal::kOne, Rounding::toward_zero);
}

// Rounds toward the reference on the grid that applies at the rounded price's level.
result<Price> round_toward_reference(Side side, Price raw, Price reference, std::optional<Price> min_tick) {
  Rounding toward = side == Side::buy ? Rounding::up : Rounding::down;
  auto rounded = raw.round_to(tick_size(raw, min_tick), toward);
  if (!rounded) return rounded;
  bool crossed = side == Side::buy ? *rounded > reference : *rounded < reference;
  if (!crossed) return rounded;
  // An off-grid reference: the nearest tick on the right side of it.
  Rounding away = side == Side::buy ? Rounding::down : Rounding::up;
  return reference.round_to(tick_size(reference, min_tick), away);
}

std::optional<FieldError> check_slippage(Side side, Price limit, Price reference, Decimal pct) {
  if (side == Side::buy) {
    auto floor = reference.scaled(kHundredPercent - pct.units(), kHundredPercent, Rounding::up);
    if (!floor) return limit_error("slippage guard cannot be computed (" + floor.error().message() + ")");
    if (limit < *floor)
      return limit_error(limit.to_string(2) + " is below the slippage guard " + floor->to_string(2) +
                         " (reference " + reference.to_string(2) + ", max_slippage_pct " + pct.to_string() +
                         "); lower buy_offset or raise max_slippage_pct");
  } else {
    auto ceiling = reference.scaled(kHundredPercent + pct.units(), kHundredPercent, Rounding::down);
    if (!ceiling) return limit_error("slippage guard cannot be computed (" + ceiling.error().message() + ")");
    if (limit > *ceiling)
      return limit_error(limit.to_string(2) + " is above the slippage guard " + ceiling->to_string(2) +
                         " (reference " + reference.to_string(2) + ", max_slippage_pct " + pct.to_string() +
                         "); lower sell_offset or raise max_slippage_pct");
  }
  return std::nullopt;
}

}  // namespace

Price tick_size(Price price) { return price >= kDollar ? kCent : kSubPenny; }

Price tick_size(Price price, std::optional<Price> min_tick) {
  return min_tick && min_tick->units() > 0 ? *min_tick : tick_size(price);
}

bool on_tick_grid(Price price, std::optional<Price> min_tick) {
  return price.units() % tick_size(price, min_tick).units() == 0;
}

checked<Price> compute_limit_price(Side side, Price reference, const config::PriceOffsetConfig& offsets,
                                   std::optional<Price> min_tick) {
  if (auto e = validate_reference_price(reference)) return *e;
  Decimal offset = side == Side::buy ? offsets.buy_offset : offsets.sell_offset;
  auto amount = offset_amount(reference, offset, offsets.offset_mode);
  if (!amount) return limit_error("offset cannot be applied (" + amount.error().message() + ")");
  auto raw = side == Side::buy ? reference.minus(*amount) : reference.plus(*amount);
  if (!raw) return limit_error("is out of range (" + raw.error().message() + ")");
  if (raw->units() <= 0)
    return limit_error("would be " + raw->to_string(2) + " (reference " + reference.to_string(2) + " minus offset " +
                       amount->to_string(2) + "); a limit must be positive: use a smaller buy_offset");
  auto limit = round_toward_reference(side, *raw, reference, min_tick);
  if (!limit) return limit_error("is out of range (" + limit.error().message() + ")");
  Price smallest = min_tick && min_tick->units() > 0 ? *min_tick : kSubPenny;
  if (*limit < smallest)
    return limit_error("rounds to " + limit->to_string() + ", below the minimum tick " + smallest.to_string());
  if (auto e = check_slippage(side, *limit, reference, offsets.max_slippage_pct)) return *e;
  return checked<Price>(boost::system::in_place_value, *limit);
}

std::optional<FieldError> check_price_collar(Price limit, Price quote, Decimal collar_pct) {
  if (quote.units() <= 0) return std::nullopt;  // no usable quote: nothing to compare against
  auto low = quote.scaled(kHundredPercent - collar_pct.units(), kHundredPercent, Rounding::up);
  auto high = quote.scaled(kHundredPercent + collar_pct.units(), kHundredPercent, Rounding::down);
  if (!low || !high) return limit_error("price collar cannot be computed");
  if (limit < *low || limit > *high)
    return limit_error(limit.to_string(2) + " is more than " + collar_pct.to_string() + "% away from the latest quote " +
                       quote.to_string(2) + "; a probable fat finger. Check the reference price.");
  return std::nullopt;
}

}  // namespace oms::pricing
