// The Broker without sockets: time is passed in, so every step is deterministic.
#include "gateway/totp.hpp"
#include "tests/sim/broker_harness.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace rhsim;
using namespace std::chrono_literals;
namespace json = boost::json;

using simtest::Harness;
using simtest::quiet_frozen;
using simtest::s;
using simtest::kStart;

TEST_CASE("a password login returns a bearer token and a wrong password gets Robinhood's 400") {
  Harness h;
  SimReply bad = h.login("nope");
  CHECK(bad.status == 400);
  CHECK(s(Harness::js(bad), "detail") == "Unable to log in with provided credentials.");
  SimReply good = h.login();
  CHECK(good.status == 200);
  auto body = Harness::js(good);
  CHECK(s(body, "token_type") == "Bearer");
  CHECK(body.at("expires_in").as_int64() == 86400);
  CHECK(!s(body, "refresh_token").empty());
}

TEST_CASE("with an MFA secret a login needs the current TOTP code, one step either side") {
  Options o = quiet_frozen();
  o.mfa_secret = "JBSWY3DPEHPK3PXP";
  Harness h(o);
  auto missing = h.login();
  CHECK(missing.status == 400);
  CHECK(Harness::js(missing).at("mfa_required").as_bool());
  CHECK(h.login("demo", "000000").status == 400);
  auto key = oms::gateway::base32_decode("JBSWY3DPEHPK3PXP").value();
  auto unix = std::chrono::duration_cast<std::chrono::seconds>(h.now.time_since_epoch());
  CHECK(h.login("demo", oms::gateway::totp(key, unix - 30s)).status == 200);
  CHECK(h.login("demo", oms::gateway::totp(key, unix - 90s)).status == 400);
}

TEST_CASE("an expired access token is refused until a refresh grant issues a new one") {
  Options o = quiet_frozen();
  o.token_lifetime_s = 5;
  Harness h(o);
  std::string refresh = s(Harness::js(h.login()), "refresh_token");
  CHECK(h.call("GET", "/accounts/").status == 200);
  h.now += 6s;
  SimReply expired = h.call("GET", "/accounts/");
  CHECK(expired.status == 401);
  CHECK(s(Harness::js(expired), "detail") == "Incorrect authentication credentials.");
  SimReply renewed = h.form("/oauth2/token/", {{"grant_type", "refresh_token"}, {"refresh_token", refresh},
                                               {"client_id", "c82SH0WZOsabOXGP2sxqcj34FxkvfnWRZBKlBjFS"}});
  REQUIRE(renewed.status == 200);
  h.token = s(Harness::js(renewed), "access_token");
  CHECK(h.call("GET", "/accounts/").status == 200);
  // Refresh tokens rotate: the old one is spent.
  CHECK(h.form("/oauth2/token/", {{"grant_type", "refresh_token"}, {"refresh_token", refresh}}).status == 400);
}

TEST_CASE("a resting buy limit fills at the ask once the ask reaches the limit") {
  Options o = quiet_frozen();
  o.auto_market = true;
  o.walk_interval_ms = 0;  // prices move only when told
  Harness h(o);
  h.login();
  std::string id = h.place("buy", "249.00", "10");
  CHECK(s(h.get(id), "state") == "unconfirmed");
  h.now += 10ms;
  h.broker.advance(h.now);
  CHECK(s(h.get(id), "state") == "confirmed");
  h.admin("/_sim/price", R"({"symbol":"TSLA","price":"248.50","bid":"248.40","ask":"248.99"})");
  h.now += 10ms;
  h.broker.advance(h.now);
  auto order = h.get(id);
  CHECK(s(order, "state") == "filled");
  CHECK(s(order, "average_price") == "248.99000000");
  CHECK(s(order, "cumulative_quantity") == "10.00000000");
  CHECK(order.at("cancel").is_null());
  CHECK(h.broker.account().cash.to_string() == "97510.1");
  CHECK(h.broker.account().held_for_orders.is_zero());
}

TEST_CASE("automatic fills take one lot per tick until the order is complete") {
  Options o = quiet_frozen();
  o.auto_market = true;
  o.walk_interval_ms = 0;
  o.lot_size = "30";
  Harness h(o);
  h.login();
  std::string id = h.place("buy", "260.00", "70");
  std::vector<std::string> states;
  for (int i = 0; i < 4; ++i) {
    h.now += 10ms;
    h.broker.advance(h.now);
    states.push_back(s(h.get(id), "state"));
  }
  CHECK(states == std::vector<std::string>{"partially_filled", "partially_filled", "filled", "filled"});
  CHECK(h.get(id).at("executions").as_array().size() == 3);
}

TEST_CASE("forced partial fills give a volume-weighted average price") {
  Harness h;
  h.login();
  std::string id = h.place("buy", "250.00", "30");
  h.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"10","price":"249.00"})");
  auto partial = h.get(id);
  CHECK(s(partial, "state") == "partially_filled");
  CHECK(s(partial, "average_price") == "249.00000000");
  h.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"20","price":"250.00"})");
  auto full = h.get(id);
  CHECK(s(full, "state") == "filled");
  CHECK(s(full, "average_price") == "249.66666667");
  CHECK(s(full.at("executions").at(1), "quantity") == "20.00000000");
}

TEST_CASE("an accepted cancel answers an empty object and takes effect after the delay") {
  Harness h;
  h.login();
  std::string id = h.place("buy", "200.00", "5");
  CHECK(h.broker.account().buying_power().to_string() == "99000");
  SimReply cancel = h.call("POST", "/orders/" + id + "/cancel/");
  CHECK(cancel.status == 200);
  CHECK(cancel.body == "{}");
  CHECK(s(h.get(id), "state") != "cancelled");
  h.now += 60ms;
  h.broker.advance(h.now);
  CHECK(s(h.get(id), "state") == "cancelled");
  CHECK(h.broker.account().buying_power().to_string() == "100000");
  SimReply again = h.call("POST", "/orders/" + id + "/cancel/");
  CHECK(again.status == 404);
  CHECK(again.body == R"({"detail":"Not found."})");
}

TEST_CASE("issue 15: an accepted cancel is seen cancelled by the first request once its delay has passed, not at the "
          "next tick") {
  Harness h;
  h.login();
  std::string id = h.place("buy", "200.00", "5");
  CHECK(h.call("POST", "/orders/" + id + "/cancel/").status == 200);
  h.now += 49ms;
  CHECK(s(h.get(id), "state") != "cancelled");
  h.now += 1ms;  // the 50 ms delay has passed; no tick has run (advance is never called here)
  CHECK(s(h.get(id), "state") == "cancelled");
}

TEST_CASE("a fill that lands before the cancel delay wins over the cancel") {
  Harness h;
  h.login();
  std::string id = h.place("buy", "250.00", "3");
  CHECK(h.call("POST", "/orders/" + id + "/cancel/").status == 200);
  CHECK(s(h.get(id), "user_cancel_request_state") == "cancel_requested");
  h.admin("/_sim/fill", R"({"order_id":")" + id + R"("})");
  h.now += 100ms;
  h.broker.advance(h.now);
  CHECK(s(h.get(id), "state") == "filled");
  CHECK(h.broker.account().held_for_orders.is_zero());
}

TEST_CASE("a second order with the same ref_id creates nothing") {
  Harness h;
  h.login();
  auto form = h.order("buy", "100.00", "1");
  CHECK(h.form("/orders/", form).status == 201);
  SimReply dup = h.form("/orders/", form);
  CHECK(dup.status == 400);
  CHECK(dup.body == R"({"ref_id":["Order with this ref_id already exists."]})");
  CHECK(h.broker.orders().size() == 1);
}

TEST_CASE("prices off the tick grid and non-positive quantities get Robinhood's field errors") {
  Harness h;
  h.login();
  CHECK(h.form("/orders/", h.order("buy", "250.001", "1")).body ==
        R"({"price":["Prices above $1.00 can't have subpenny increments."]})");
  CHECK(h.form("/orders/", h.order("buy", "0.12345", "1")).body ==
        R"({"price":["Prices can't be more than 4 decimal places."]})");
  CHECK(h.form("/orders/", h.order("buy", "0.1234", "0")).body ==
        R"({"quantity":["Ensure this value is greater than 0."]})");
  CHECK(h.form("/orders/", h.order("buy", "0.1234", "1")).status == 201);
}

TEST_CASE("a buy beyond buying power says how many shares could be bought") {
  Harness h;
  h.login();
  h.admin("/_sim/account", R"({"buying_power":"1000.00"})");
  SimReply r = h.form("/orders/", h.order("buy", "300.00", "4", "TSLA"));
  CHECK(r.status == 400);
  CHECK(r.body == R"({"detail":"You can only purchase 3 shares of TSLA."})");
  CHECK(h.broker.orders().empty());
}

TEST_CASE("selling needs shares; a filled sale credits cash and reduces the position") {
  Harness h;
  h.login();
  CHECK(h.form("/orders/", h.order("sell", "250.00", "1")).status == 400);
  h.admin("/_sim/position", R"({"symbol":"TSLA","quantity":"10","average_buy_price":"200.00"})");
  std::string id = h.place("sell", "250.00", "4");
  CHECK(h.form("/orders/", h.order("sell", "250.00", "7")).status == 400);  // 4 of 10 are held
  h.admin("/_sim/fill", R"({"order_id":")" + id + R"("})");
  CHECK(h.broker.account().cash.to_string() == "101000");
  CHECK(h.broker.account().positions.at("TSLA").quantity.to_string() == "6");
}

TEST_CASE("orders are listed newest first in pages whose next link carries the cursor") {
  Options o = quiet_frozen();
  o.page_size = 2;
  Harness h(o);
  h.login();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(h.place("buy", "10.00", "1"));
  std::vector<std::string> seen;
  std::string target = "/orders/";
  while (true) {
    auto page = Harness::js(h.call("GET", target));
    for (auto& o : page.at("results").as_array()) seen.push_back(s(o, "id"));
    if (page.at("next").is_null()) break;
    target = std::string(page.at("next").as_string()).substr(std::string("http://sim").size());
  }
  CHECK(seen == std::vector<std::string>{ids[4], ids[3], ids[2], ids[1], ids[0]});
}

TEST_CASE("updated_at[gte] limits the list to recently changed orders") {
  Harness h;
  h.login();
  std::string old_id = h.place("buy", "10.00", "1");
  h.now += 5s;
  std::string new_id = h.place("buy", "10.00", "1");
  auto page = Harness::js(h.call("GET", "/orders/?updated_at%5Bgte%5D=" + oms::format_iso8601(h.now - 1s)));
  REQUIRE(page.at("results").as_array().size() == 1);
  CHECK(s(page.at("results").at(0), "id") == new_id);
  CHECK(s(page.at("results").at(0), "ref_id").size() == 36);
}

TEST_CASE("over the request budget a token gets 429 with Retry-After") {
  Harness h;
  h.login();
  h.admin("/_sim/throttle", R"({"requests":3,"window_s":10})");
  for (int i = 0; i < 3; ++i) CHECK(h.call("GET", "/accounts/").status == 200);
  h.now += 2s;
  SimReply r = h.call("GET", "/accounts/");
  CHECK(r.status == 429);
  CHECK(r.body == R"({"detail":"Request was throttled. Expected available in 8 seconds."})");
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers[0] == std::pair<std::string, std::string>{"Retry-After", "8"});
  h.now += 8s;
  CHECK(h.call("GET", "/accounts/").status == 200);
}

TEST_CASE("the same seed gives the same ids, tokens and price path") {
  Options o = quiet_frozen();
  o.auto_market = true;
  Harness a(o), b(o);
  a.login();
  b.login();
  CHECK(a.token == b.token);
  CHECK(a.place("buy", "10.00", "1") == b.place("buy", "10.00", "1"));
  for (int i = 1; i <= 20; ++i) {
    a.broker.advance(kStart + i * 1s);
    b.broker.advance(kStart + i * 1s);
  }
  CHECK(a.broker.market().quote("TSLA")->last == b.broker.market().quote("TSLA")->last);
  CHECK(a.broker.market().quote("TSLA")->last != oms::Price::parse("250").value());
}

TEST_CASE("an unknown symbol has no instrument and a null quote") {
  Harness h;
  h.login();
  CHECK(h.call("GET", "/instruments/?symbol=ZZZZ").body == R"({"previous":null,"results":[],"next":null})");
  auto quotes = Harness::js(h.call("GET", "/quotes/?symbols=TSLA,ZZZZ"));
  CHECK(quotes.at("results").at(1).is_null());
  CHECK(s(quotes.at("results").at(0), "ask_price") == "250.010000");
}

TEST_CASE("the request log keeps routes, never credentials") {
  std::vector<std::string> lines;
  Options o = quiet_frozen();
  o.log = true;
  Harness h(o);
  h.broker.set_logger([&](const std::string& line) { lines.push_back(line); });
  h.login();
  h.call("GET", "/accounts/");
  for (const auto& line : lines) {
    CHECK(line.find("demo") == std::string::npos);
    CHECK(line.find(h.token) == std::string::npos);
  }
  auto requests = Harness::js(h.call("GET", "/_sim/requests"));
  CHECK(requests.at("counts").at("POST /oauth2/token/").to_number<std::int64_t>() == 1);
}

TEST_CASE("an order posted as JSON with numeric price and quantity is read exactly") {
  Harness h;
  h.login();
  std::string id = h.broker.market().by_symbol("F")->id;
  std::string body = R"({"account":"http://sim/accounts/5SIM0001/","instrument":"http://sim/instruments/)" + id +
                     R"(/","symbol":"F","price":10.08,"quantity":2,"ref_id":")" + h.rng.uuid() +
                     R"(","type":"limit","time_in_force":"gfd","trigger":"immediate","side":"buy",)"
                     R"("market_hours":"extended_hours","extended_hours":true,"order_form_version":4})";
  SimReply r = h.call("POST", "/orders/", body, "application/json");
  REQUIRE(r.status == 201);
  auto order = Harness::js(r);
  CHECK(s(order, "price") == "10.08000000");
  CHECK(s(order, "quantity") == "2.00000000");
  CHECK(order.at("extended_hours").as_bool());
  CHECK(order.at("executed_notional").is_null());
}

TEST_CASE("while the market is closed new orders wait in queued and confirm at the open") {
  Harness h;
  h.login();
  h.admin("/_sim/market", R"({"open":false})");
  std::string id = h.place("buy", "100.00", "1");
  h.now += 10ms;
  h.broker.advance(h.now);
  CHECK(s(h.get(id), "state") == "queued");
  h.admin("/_sim/market", R"({"open":true})");
  h.now += 10ms;
  h.broker.advance(h.now);
  CHECK(s(h.get(id), "state") == "confirmed");
}

TEST_CASE("the end of the day cancels open day orders and keeps good-till-cancelled ones") {
  Harness h;
  h.login();
  auto day = h.order("buy", "100.00", "1");
  day[7].second = "gfd";  // time_in_force
  std::string day_id = std::string(Harness::js(h.form("/orders/", day)).at("id").as_string());
  std::string gtc_id = h.place("buy", "100.00", "1");
  h.admin("/_sim/end_of_day", "{}");
  CHECK(s(h.get(day_id), "state") == "cancelled");
  CHECK(s(h.get(gtc_id), "state") == "unconfirmed");
}
