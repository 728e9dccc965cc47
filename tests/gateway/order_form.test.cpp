// The order form the broker accepts today (issue 14): market_hours from extended_hours and in
// agreement with it, order_form_version, the instrument's min_tick_size and tradeable flag —
// each refused by place_order_request, before anything is sent.
#include "gateway/requests.hpp"

#include <doctest/doctest.h>

using namespace oms;
using namespace oms::gateway;

namespace {

RequestOptions options() {
  RequestOptions o;
  o.base = parse_base_url("https://api.robinhood.com").value();
  return o;
}

PlaceOrderParams tick_buy(const char* price) {
  PlaceOrderParams p;
  p.account_url = "https://api.robinhood.com/accounts/5RZ07024/";
  p.instrument_url = "https://api.robinhood.com/instruments/0b7c6e6c-0000-4000-8000-000000000001/";
  p.symbol = "TICK";
  p.price = Price::parse(price).value();
  p.quantity = Quantity::parse("3").value();
  p.ref_id = "0f8fad5b-d9cb-469f-a165-70867728950e";
  return p;
}

}  // namespace

TEST_CASE("order form: market_hours follows extended_hours when not given (regular_hours / extended_hours)") {
  auto p = tick_buy("25.45");
  CHECK(market_hours_for(false) == "regular_hours");
  CHECK(market_hours_for(true) == "extended_hours");
  CHECK(place_order_request(options(), p).value().body.find("&market_hours=regular_hours&extended_hours=False&") !=
        std::string::npos);
  p.extended_hours = true;
  CHECK(place_order_request(options(), p).value().body.find("&market_hours=extended_hours&extended_hours=True&") !=
        std::string::npos);
  p.market_hours = "all_day_hours";
  CHECK(place_order_request(options(), p).has_value());
}

TEST_CASE("order form: market_hours that disagree with extended_hours, or no session at all, are refused before sending") {
  auto p = tick_buy("25.45");
  p.market_hours = "extended_hours";
  p.extended_hours = false;
  auto mismatch = place_order_request(options(), p);
  REQUIRE_FALSE(mismatch.has_value());
  CHECK(mismatch.error().field == "market_hours");
  CHECK(mismatch.error().rule.find("disagrees with extended_hours=False") != std::string::npos);
  p.market_hours = "regular_hours";
  p.extended_hours = true;
  CHECK(place_order_request(options(), p).error().field == "market_hours");
  p.market_hours = "overnight";
  CHECK(place_order_request(options(), p).error().rule == "must be regular_hours, extended_hours or all_day_hours");
}

TEST_CASE("order form: a price off the instrument's min_tick_size 0.05 is refused before sending; on the grid it goes") {
  auto p = tick_buy("25.47");
  p.min_tick_size = Price::parse("0.05").value();
  auto off = place_order_request(options(), p);
  REQUIRE_FALSE(off.has_value());
  CHECK(off.error().field == "price");
  CHECK(off.error().rule == "25.47 is not a multiple of the instrument's min_tick_size 0.05");
  p.price = Price::parse("25.45").value();
  CHECK(place_order_request(options(), p).has_value());
  p.min_tick_size.reset();
  p.price = Price::parse("25.47").value();
  CHECK(place_order_request(options(), p).has_value());  // no min_tick_size: the penny rules
}

TEST_CASE("order form: an untradeable instrument is refused before sending, with one clear line") {
  auto p = tick_buy("3.10");
  p.symbol = "DLST";
  p.tradeable = false;
  auto r = place_order_request(options(), p);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().to_string() == "symbol: DLST is not tradeable at the broker (instrument tradeable=false)");
}

TEST_CASE("order form: order_form_version is sent as configured and a version below 2 is refused") {
  auto o = options();
  CHECK(place_order_request(o, tick_buy("25.45")).value().body.ends_with("&order_form_version=4"));
  o.order_form_version = 1;
  CHECK(place_order_request(o, tick_buy("25.45")).error().field == "order_form_version");
}
