#include "actors/pricing.hpp"

#include <doctest/doctest.h>

using namespace oms;
using namespace oms::pricing;
using config::OffsetMode;
using config::PriceOffsetConfig;

namespace {
Price px(std::string_view s) { return Price::parse(s).value(); }
Decimal dec(std::string_view s) { return Decimal::parse(s).value(); }
PriceOffsetConfig bps(std::string_view buy, std::string_view sell, std::string_view slip = "0.5") {
  return PriceOffsetConfig{OffsetMode::bps, dec(buy), dec(sell), dec(slip)};
}
PriceOffsetConfig absolute(std::string_view buy, std::string_view sell, std::string_view slip = "0.5") {
  return PriceOffsetConfig{OffsetMode::absolute, dec(buy), dec(sell), dec(slip)};
}
}  // namespace

TEST_CASE("acceptance 1: TSLA buy at reference 250.30 with 15 bps is 249.93") {
  CHECK(compute_limit_price(Side::buy, px("250.30"), bps("15", "10")).value() == px("249.93"));
}

TEST_CASE("acceptance 2: TSLA sell at reference 252.10 with an absolute 0.04 offset is 252.14") {
  CHECK(compute_limit_price(Side::sell, px("252.10"), absolute("0.04", "0.04")).value() == px("252.14"));
}

TEST_CASE("the defaults price a sell 10 bps above the reference, rounded down to the cent") {
  PriceOffsetConfig defaults;
  // 250.30 + 0.2503 = 250.5503 → 250.55
  CHECK(compute_limit_price(Side::sell, px("250.30"), defaults).value() == px("250.55"));
  CHECK(compute_limit_price(Side::buy, px("250.30"), defaults).value() == px("249.93"));
}

TEST_CASE("below one dollar the tick is 0.0001") {
  CHECK(tick_size(px("0.9999")) == px("0.0001"));
  CHECK(tick_size(px("1")) == px("0.01"));
  // 0.5000 − 0.00075 = 0.49925 → up to 0.4993
  CHECK(compute_limit_price(Side::buy, px("0.5"), bps("15", "15")).value() == px("0.4993"));
  // 0.5000 + 0.00075 = 0.50075 → down to 0.5007
  CHECK(compute_limit_price(Side::sell, px("0.5"), bps("15", "15")).value() == px("0.5007"));
  CHECK(on_tick_grid(px("0.4993")));
  CHECK_FALSE(on_tick_grid(px("1.005")));
}

TEST_CASE("the realised offset never exceeds the configured one, and the limit never crosses the reference") {
  // A deterministic sweep over references across the $1 boundary and several offsets.
  for (std::int64_t cents = 50; cents <= 100'000; cents += 997) {
    for (std::string_view off : {"0", "1", "7.5", "15", "33", "49.99"}) {
      Price ref = Price::from_units(cents * Price::kOne / 100 + (cents % 7) * 1'000);  // some off-grid
      auto cfg = bps(off, off, "0.5");
      Price amount = ref.scaled(dec(off).units(), 10'000 * Decimal::kOne, Rounding::toward_zero).value();
      auto buy = compute_limit_price(Side::buy, ref, cfg);
      auto sell = compute_limit_price(Side::sell, ref, cfg);
      CAPTURE(ref.to_string());
      CAPTURE(off);
      REQUIRE(buy.has_value());
      REQUIRE(sell.has_value());
      CHECK(*buy <= ref);
      CHECK(*sell >= ref);
      CHECK(on_tick_grid(*buy));
      CHECK(on_tick_grid(*sell));
      if (on_tick_grid(ref)) {
        CHECK(ref.minus(*buy).value() <= amount);
        CHECK(sell->minus(ref).value() <= amount);
      }
    }
  }
}

TEST_CASE("an off-grid reference with no offset gives the nearest tick on the safe side") {
  CHECK(compute_limit_price(Side::buy, px("250.305"), bps("0", "0")).value() == px("250.30"));
  CHECK(compute_limit_price(Side::sell, px("250.305"), bps("0", "0")).value() == px("250.31"));
}

TEST_CASE("a limit beyond the slippage guard is a validation error that says what to change") {
  auto r = compute_limit_price(Side::buy, px("250.30"), absolute("2.00", "0", "0.5"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "limit_price");
  CHECK(r.error().rule.find("slippage guard 249.04") != std::string::npos);
  CHECK(r.error().rule.find("buy_offset") != std::string::npos);
  auto s = compute_limit_price(Side::sell, px("100"), bps("0", "60", "0.5"));
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().rule.find("above the slippage guard 100.50") != std::string::npos);
  // Exactly on the guard is allowed: 100 − 0.5 % = 99.50.
  CHECK(compute_limit_price(Side::buy, px("100"), absolute("0.50", "0", "0.5")).value() == px("99.50"));
}

TEST_CASE("a limit of zero or less, or below the minimum tick, is refused") {
  auto r = compute_limit_price(Side::buy, px("0.50"), absolute("1.00", "0", "99"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "limit_price");
  CHECK(r.error().rule.find("must be positive") != std::string::npos);
  auto tiny = compute_limit_price(Side::buy, px("0.00005"), bps("0", "0"));
  REQUIRE_FALSE(tiny.has_value());
  CHECK(tiny.error().rule.find("minimum tick") != std::string::npos);
  auto zero_ref = compute_limit_price(Side::buy, Price{}, bps("15", "10"));
  REQUIRE_FALSE(zero_ref.has_value());
  CHECK(zero_ref.error().field == "reference_price");
}

TEST_CASE("overflowing references are errors, not wrap-arounds") {
  auto huge = Price::from_units(std::numeric_limits<std::int64_t>::max() - 5);
  CHECK_FALSE(compute_limit_price(Side::sell, huge, absolute("0", "1")).has_value());
}

TEST_CASE("the price collar refuses a limit far from the latest quote") {
  CHECK_FALSE(check_price_collar(px("249.93"), px("250.00"), dec("5")).has_value());
  CHECK_FALSE(check_price_collar(px("237.50"), px("250.00"), dec("5")).has_value());
  auto far = check_price_collar(px("25.00"), px("250.00"), dec("5"));
  REQUIRE(far.has_value());
  CHECK(far->rule.find("fat finger") != std::string::npos);
  CHECK(check_price_collar(px("262.51"), px("250.00"), dec("5")).has_value());
  CHECK_FALSE(check_price_collar(px("1"), Price{}, dec("5")).has_value());
}
