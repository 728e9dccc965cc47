// Pricing on an instrument's min_tick_size (issue 14): Robinhood reports 0.05 for some
// instruments and refuses off-tick prices, so the limit goes on that grid, toward the reference
// as it does for pennies, and never past the reference.
#include "actors/pricing.hpp"

#include <doctest/doctest.h>

using namespace oms;
using namespace oms::pricing;
using config::OffsetMode;
using config::PriceOffsetConfig;

namespace {
Price px(std::string_view s) { return Price::parse(s).value(); }
Decimal dec(std::string_view s) { return Decimal::parse(s).value(); }
PriceOffsetConfig bps(std::string_view buy, std::string_view sell, std::string_view slip = "1") {
  return PriceOffsetConfig{OffsetMode::bps, dec(buy), dec(sell), dec(slip)};
}
PriceOffsetConfig absolute(std::string_view buy, std::string_view sell, std::string_view slip = "1") {
  return PriceOffsetConfig{OffsetMode::absolute, dec(buy), dec(sell), dec(slip)};
}
const std::optional<Price> kNickel = px("0.05");
}  // namespace

TEST_CASE("min_tick 0.05: a buy rounds up and a sell down to the nickel, toward the reference") {
  // 25.45 − 15 bps (0.038175) = 25.411825 → up to the next nickel, 25.45 (not past the reference).
  CHECK(compute_limit_price(Side::buy, px("25.45"), bps("15", "15"), kNickel).value() == px("25.45"));
  // An absolute 0.12 offset: 25.33 → 25.35 (buy, up); 25.57 → 25.55 (sell, down).
  CHECK(compute_limit_price(Side::buy, px("25.45"), absolute("0.12", "0.12"), kNickel).value() == px("25.35"));
  CHECK(compute_limit_price(Side::sell, px("25.45"), absolute("0.12", "0.12"), kNickel).value() == px("25.55"));
  // Without min_tick the same offsets stay on the penny grid.
  CHECK(compute_limit_price(Side::buy, px("25.45"), absolute("0.12", "0.12")).value() == px("25.33"));
}

TEST_CASE("min_tick 0.05: an off-grid reference gives the nearest nickel on the right side of it") {
  // Buy at reference 25.47 with 0.01: 25.46 → up to 25.50 would cross the reference → 25.45.
  CHECK(compute_limit_price(Side::buy, px("25.47"), absolute("0.01", "0.01"), kNickel).value() == px("25.45"));
  // Sell at 25.47 with 0.01: 25.48 → down to 25.45 would cross → 25.50.
  CHECK(compute_limit_price(Side::sell, px("25.47"), absolute("0.01", "0.01"), kNickel).value() == px("25.50"));
}

TEST_CASE("min_tick 0.05: every computed limit is on the instrument's grid, and the slippage guard still holds") {
  for (const char* ref : {"7.25", "7.26", "7.99", "25.45", "25.47", "100.01", "100.03"}) {
    for (const char* offset : {"0", "1", "15", "40"}) {
      auto buy = compute_limit_price(Side::buy, px(ref), bps(offset, offset), kNickel);
      auto sell = compute_limit_price(Side::sell, px(ref), bps(offset, offset), kNickel);
      REQUIRE(buy.has_value());
      REQUIRE(sell.has_value());
      CHECK(on_tick_grid(*buy, kNickel));
      CHECK(on_tick_grid(*sell, kNickel));
      CHECK(*buy <= px(ref));
      CHECK(*sell >= px(ref));
    }
  }
  // A nickel grid can push a limit past a tight guard (7.25 < 7.26 − 0.1 %): refused, naming limit_price.
  auto tight = compute_limit_price(Side::buy, px("7.26"), absolute("0", "0", "0.1"), kNickel);
  REQUIRE_FALSE(tight.has_value());
  CHECK(tight.error().field == "limit_price");
}

TEST_CASE("tick_size and on_tick_grid take the instrument's min_tick when it has one") {
  CHECK(tick_size(px("25.45"), kNickel) == px("0.05"));
  CHECK(tick_size(px("25.45"), std::nullopt) == px("0.01"));
  CHECK(tick_size(px("0.5"), std::nullopt) == px("0.0001"));
  CHECK(on_tick_grid(px("25.45"), kNickel));
  CHECK_FALSE(on_tick_grid(px("25.47"), kNickel));
  CHECK(on_tick_grid(px("25.47")));
}
