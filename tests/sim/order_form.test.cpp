// The order form as Robinhood checks it today (issue 14): order_form_version, market_hours
// against extended_hours, the instrument's min_tick_size and tradeable flag; day orders expire at
// the 4 pm New York close on the simulator's clock; positions may report average_buy_price 0.
#include "apps/rh-sim/util.hpp"
#include "tests/sim/broker_harness.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace rhsim;
using namespace std::chrono_literals;
namespace json = boost::json;
using simtest::Harness;
using simtest::kStart;
using simtest::quiet_frozen;
using simtest::s;

namespace {

void set(simtest::Form& form, const std::string& key, const std::string& value) {
  for (auto& [k, v] : form)
    if (k == key) {
      v = value;
      return;
    }
  form.emplace_back(key, value);
}

void drop(simtest::Form& form, const std::string& key) {
  std::erase_if(form, [&](const auto& kv) { return kv.first == key; });
}

oms::Timestamp at(const char* iso) { return oms::parse_iso8601(iso).value(); }

}  // namespace

TEST_CASE("order form: without order_form_version, or below 2, Robinhood says the app is outdated and creates nothing") {
  Harness h;
  h.login();
  auto form = h.order("buy", "10.00", "1");
  drop(form, "order_form_version");
  SimReply missing = h.form("/orders/", form);
  CHECK(missing.status == 400);
  CHECK(s(Harness::js(missing), "detail").rfind("Your app version is missing important stock trading updates", 0) == 0);
  set(form, "order_form_version", "1");
  CHECK(h.form("/orders/", form).status == 400);
  set(form, "order_form_version", "four");
  CHECK(h.form("/orders/", form).status == 400);
  CHECK(Harness::js(h.call("GET", "/_sim/orders")).at("count").as_int64() == 0);
  set(form, "order_form_version", "2");
  CHECK(h.form("/orders/", form).status == 201);
}

TEST_CASE("order form: market_hours must be one of the three sessions and agree with extended_hours") {
  Harness h;
  h.login();
  auto with = [&](const char* hours, const char* extended) {
    auto form = h.order("buy", "10.00", "1");
    set(form, "market_hours", hours);
    set(form, "extended_hours", extended);
    return h.form("/orders/", form);
  };
  SimReply mismatch = with("regular_hours", "True");
  CHECK(mismatch.status == 400);
  CHECK(Harness::js(mismatch).as_object().contains("non_field_errors"));
  CHECK(with("extended_hours", "False").status == 400);
  CHECK(with("all_day_hours", "False").status == 400);
  SimReply bad = with("overnight", "True");
  CHECK(bad.status == 400);
  CHECK(bad.body == R"({"market_hours":["\"overnight\" is not a valid choice."]})");
  CHECK(with("regular_hours", "maybe").body == R"({"extended_hours":["Must be a valid boolean."]})");
  CHECK(Harness::js(h.call("GET", "/_sim/orders")).at("count").as_int64() == 0);

  SimReply extended = with("extended_hours", "True");
  REQUIRE(extended.status == 201);
  CHECK(s(Harness::js(extended), "market_hours") == "extended_hours");
  CHECK(Harness::js(extended).at("extended_hours").as_bool());
  CHECK(with("all_day_hours", "True").status == 201);
  CHECK(with("regular_hours", "False").status == 201);
  auto form = h.order("buy", "10.00", "1");
  drop(form, "market_hours");
  drop(form, "extended_hours");
  CHECK(h.form("/orders/", form).status == 201);  // absent: regular hours, not extended
}

TEST_CASE("order form: an instrument with min_tick_size 0.05 refuses an off-tick price and takes an on-tick one") {
  Harness h;
  h.login();
  auto instrument = Harness::js(h.call("GET", "/instruments/?symbol=TICK")).at("results").at(0);
  CHECK(s(instrument, "min_tick_size") == "0.0500");
  CHECK(Harness::js(h.call("GET", "/instruments/?symbol=TSLA")).at("results").at(0).at("min_tick_size").is_null());
  SimReply off = h.form("/orders/", h.order("buy", "25.47", "1", "TICK"));
  CHECK(off.status == 400);
  CHECK(off.body == R"({"price":["This stock trades in increments of $0.05."]})");
  CHECK(h.form("/orders/", h.order("buy", "25.40", "1", "TICK")).status == 201);
  CHECK(h.form("/orders/", h.order("buy", "7.15", "1", "NICK")).status == 201);
  CHECK(h.form("/orders/", h.order("buy", "7.16", "1", "NICK")).status == 400);
  // Its quote sits on the same grid.
  auto quote = Harness::js(h.call("GET", "/quotes/TICK/"));
  CHECK(s(quote, "bid_price") == "25.400000");
  CHECK(s(quote, "ask_price") == "25.500000");
}

TEST_CASE("order form: an untradeable instrument is refused with one clear message and nothing is held") {
  Harness h;
  h.login();
  auto instrument = Harness::js(h.call("GET", "/instruments/?symbol=DLST")).at("results").at(0);
  CHECK(!instrument.at("tradeable").as_bool());
  CHECK(s(instrument, "tradability") == "untradable");
  SimReply r = h.form("/orders/", h.order("buy", "3.10", "1", "DLST"));
  CHECK(r.status == 400);
  CHECK(r.body == R"({"detail":"This stock is not tradable on Robinhood."})");
  CHECK(s(Harness::js(h.call("GET", "/accounts/5SIM0001/")), "cash_held_for_orders") == "0.0000");
}

TEST_CASE("order form: the admin API sets an instrument's min_tick_size and tradeable flag") {
  Harness h;
  h.login();
  auto changed = Harness::js(h.admin("/_sim/instrument", R"({"symbol":"F","min_tick_size":"0.05","tradeable":true})"));
  CHECK(s(changed, "min_tick_size") == "0.0500");
  CHECK(h.form("/orders/", h.order("buy", "10.01", "1", "F")).status == 400);
  h.admin("/_sim/instrument", R"({"symbol":"F","min_tick_size":null,"tradeable":false})");
  CHECK(h.form("/orders/", h.order("buy", "10.01", "1", "F")).status == 400);
  h.admin("/_sim/instrument", R"({"symbol":"F","tradeable":true})");
  CHECK(h.form("/orders/", h.order("buy", "10.01", "1", "F")).status == 201);
  CHECK(h.admin("/_sim/instrument", R"({"symbol":"NOPE"})").status == 400);
}

TEST_CASE("the 4 pm New York close: 21:00 UTC in winter, 20:00 UTC in summer, the next weekday after a close or a weekend") {
  CHECK(next_close(at("2026-11-24T15:00:00Z")) == at("2026-11-24T21:00:00Z"));  // Tuesday, EST
  CHECK(next_close(at("2026-07-15T15:00:00Z")) == at("2026-07-15T20:00:00Z"));  // Wednesday, EDT
  CHECK(next_close(at("2026-11-24T21:00:00Z")) == at("2026-11-25T21:00:00Z"));  // at the close: the next day's
  CHECK(next_close(at("2026-11-27T22:00:00Z")) == at("2026-11-30T21:00:00Z"));  // Friday evening → Monday
  CHECK(next_close(at("2026-11-29T12:00:00Z")) == at("2026-11-30T21:00:00Z"));  // Sunday
  CHECK(next_close(at("2026-03-06T15:00:00Z")) == at("2026-03-06T21:00:00Z"));  // Friday before DST starts
  CHECK(next_close(at("2026-03-09T15:00:00Z")) == at("2026-03-09T20:00:00Z"));  // Monday after it started
  CHECK(next_close(at("2026-11-02T15:00:00Z")) == at("2026-11-02T21:00:00Z"));  // Monday after it ended
}

TEST_CASE("a gfd order still open at the 4 pm close is cancelled on the simulator's clock; a gtc order stays") {
  Harness h;  // kStart is 10:00 New York
  h.login();
  auto day = h.order("buy", "100.00", "2");
  set(day, "time_in_force", "gfd");
  std::string day_id = s(Harness::js(h.form("/orders/", day)), "id");
  std::string gtc_id = h.place("buy", "100.00", "1");
  h.now = at("2026-11-24T20:59:59Z");
  h.broker.advance(h.now);
  CHECK(s(h.get(day_id), "state") == "confirmed");
  CHECK(s(Harness::js(h.call("GET", "/accounts/5SIM0001/")), "cash_held_for_orders") == "300.0000");
  h.now = at("2026-11-24T21:00:00Z");
  h.broker.advance(h.now);
  CHECK(s(h.get(day_id), "state") == "cancelled");
  CHECK(h.get(day_id).at("cancel").is_null());
  CHECK(s(h.get(gtc_id), "state") == "confirmed");
  CHECK(s(Harness::js(h.call("GET", "/accounts/5SIM0001/")), "cash_held_for_orders") == "100.0000");
}

TEST_CASE("--gfd-expiry off keeps day orders open past the close (for tests on the wall clock)") {
  Options o = quiet_frozen();
  o.gfd_expiry = false;
  o.token_lifetime_s = 7 * 86400;  // the check happens the next day
  Harness h(o);
  h.login();
  auto day = h.order("buy", "100.00", "1");
  set(day, "time_in_force", "gfd");
  std::string id = s(Harness::js(h.form("/orders/", day)), "id");
  h.now = at("2026-11-25T22:00:00Z");
  h.broker.advance(h.now);
  CHECK(s(h.get(id), "state") == "confirmed");
}

TEST_CASE("with zero_average_buy_price positions report average_buy_price 0, as settled positions may") {
  Options o = quiet_frozen();
  o.zero_average_buy_price = true;
  Harness h(o);
  h.login();
  h.admin("/_sim/position", R"({"symbol":"AAPL","quantity":"10","average_buy_price":"150"})");
  auto position = Harness::js(h.call("GET", "/positions/?nonzero=true")).at("results").at(0);
  CHECK(s(position, "average_buy_price") == "0.0000");
  CHECK(s(position, "quantity") == "10.00000000");
  Harness plain;
  plain.login();
  plain.admin("/_sim/position", R"({"symbol":"AAPL","quantity":"10","average_buy_price":"150"})");
  CHECK(s(Harness::js(plain.call("GET", "/positions/")).at("results").at(0), "average_buy_price") == "150.0000");
}
