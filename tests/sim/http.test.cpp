// The Robinhood API over real HTTP on loopback, the way robin_stocks calls it.
#include "tests/sim/sim_fixture.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace simtest;
namespace json = boost::json;

TEST_CASE("a login with the right password over HTTP returns a token that opens the API") {
  SimFixture sim;
  HttpClient c = sim.client();
  CHECK(c.get("/accounts/").status == 401);
  HttpClient user = sim.login();
  auto accounts = user.get("/accounts/?default_to_all_accounts=true");
  CHECK(accounts.status == 200);
  auto account = accounts.json().at("results").at(0);
  CHECK(str(account, "url") == sim.account_url());
  CHECK(str(account, "account_number") == "5SIM0001");
  CHECK(str(account, "buying_power") == "100000.0000");
  CHECK(user.get("/positions/?nonzero=true").status == 200);
}

TEST_CASE("a wrong password is 400 with a detail and a bad token is 401") {
  SimFixture sim;
  HttpClient c = sim.client();
  auto r = c.post_form("/oauth2/token/", {{"grant_type", "password"}, {"username", "demo"},
                                          {"password", "wrong"}, {"device_token", SimFixture::device_token}});
  CHECK(r.status == 400);
  CHECK(str(r.json(), "detail") == "Unable to log in with provided credentials.");
  c.set_token("not-a-token");
  auto denied = c.get("/orders/");
  CHECK(denied.status == 401);
  CHECK(denied.body == R"({"detail":"Incorrect authentication credentials."})");
}

TEST_CASE("with --mfa-secret a login without mfa_code is told mfa_required and a code logs in") {
  rhsim::Options o = frozen_options();
  o.mfa_secret = "JBSWY3DPEHPK3PXP";
  SimFixture sim(o);
  HttpClient c = sim.client();
  Form form{{"grant_type", "password"}, {"username", "demo"}, {"password", "demo"},
            {"device_token", SimFixture::device_token}};
  auto r = c.post_form("/oauth2/token/", form);
  CHECK(r.status == 400);
  CHECK(r.json().at("mfa_required").as_bool());
  auto key = oms::gateway::base32_decode("JBSWY3DPEHPK3PXP").value();
  auto unix = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  form.emplace_back("mfa_code", oms::gateway::totp(key, unix));
  auto ok = c.post_form("/oauth2/token/", form);
  CHECK(ok.status == 200);
  CHECK(str(ok.json(), "token_type") == "Bearer");
}

TEST_CASE("an expired token is refused and a refresh grant restores access") {
  SimFixture sim;
  HttpClient c = sim.client();
  auto login = c.post_form("/oauth2/token/", {{"grant_type", "password"}, {"username", "demo"},
                                              {"password", "demo"}, {"device_token", SimFixture::device_token}});
  c.set_token(str(login.json(), "access_token"));
  CHECK(c.get("/accounts/").status == 200);
  sim.admin("/_sim/expire_tokens", "{}");
  CHECK(c.get("/accounts/").status == 401);
  auto renewed = c.post_form("/oauth2/token/", {{"grant_type", "refresh_token"},
                                                {"refresh_token", str(login.json(), "refresh_token")}});
  REQUIRE(renewed.status == 200);
  c.set_token(str(renewed.json(), "access_token"));
  CHECK(c.get("/accounts/").status == 200);
}

TEST_CASE("an order is created unconfirmed, listed, fetched and cancelled") {
  SimFixture sim;
  HttpClient c = sim.login();
  std::string ref = sim.new_ref_id();
  auto created = c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "249.50", "10", ref));
  REQUIRE(created.status == 201);
  auto order = created.json();
  std::string id = str(order, "id");
  CHECK(str(order, "state") == "unconfirmed");
  CHECK(str(order, "ref_id") == ref);
  CHECK(str(order, "price") == "249.50000000");
  CHECK(str(order, "quantity") == "10.00000000");
  CHECK(str(order, "url") == sim.base() + "/orders/" + id + "/");
  CHECK(str(order, "cancel") == sim.base() + "/orders/" + id + "/cancel/");
  CHECK(order.at("average_price").is_null());
  CHECK(!order.as_object().contains("symbol"));
  for (const char* key : {"account", "instrument", "side", "type", "trigger", "time_in_force", "stop_price",
                          "cumulative_quantity", "fees", "executions", "reject_reason", "response_category",
                          "extended_hours", "market_hours", "created_at", "updated_at", "last_transaction_at"})
    CHECK_MESSAGE(order.as_object().contains(key), key);

  auto listed = c.get("/orders/").json();
  CHECK(str(listed.at("results").at(0), "id") == id);
  CHECK(str(c.get("/orders/" + id + "/").json(), "id") == id);
  CHECK(c.get("/orders/00000000-0000-4000-8000-000000000000/").body == R"({"detail":"Not found."})");

  auto cancel = c.request("POST", "/orders/" + id + "/cancel/");
  CHECK(cancel.status == 200);
  CHECK(cancel.body == "{}");
  CHECK(wait_for_state(c, id, "cancelled") == "cancelled");
  CHECK(c.get("/orders/" + id + "/").json().at("cancel").is_null());
  CHECK(c.request("POST", "/orders/" + id + "/cancel/").status == 404);
}

TEST_CASE("a client walks more than 100 orders through the next links") {
  SimFixture sim;
  HttpClient c = sim.login();
  Form form = sim.limit_order(c, "F", "buy", "10.00", "1");
  std::set<std::string> created;
  for (int i = 0; i < 130; ++i) {
    form[5].second = sim.new_ref_id();  // ref_id
    auto r = c.post_form("/orders/", form);
    REQUIRE(r.status == 201);
    created.insert(str(r.json(), "id"));
  }
  std::set<std::string> seen;
  int pages = 0;
  std::string target = "/orders/";
  for (;;) {
    auto page = c.get(target).json();
    ++pages;
    for (auto& o : page.at("results").as_array()) seen.insert(str(o, "id"));
    if (page.at("next").is_null()) break;
    std::string next(page.at("next").as_string());
    REQUIRE(next.rfind(sim.base(), 0) == 0);
    target = next.substr(sim.base().size());
  }
  CHECK(pages == 2);
  CHECK(seen == created);
}

TEST_CASE("partial fills then a full fill show up in the order and the position") {
  SimFixture sim;
  HttpClient c = sim.login();
  std::string id = str(c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "250.00", "50")).json(), "id");
  sim.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"20","price":"249.93"})");
  auto partial = c.get("/orders/" + id + "/").json();
  CHECK(str(partial, "state") == "partially_filled");
  CHECK(str(partial, "cumulative_quantity") == "20.00000000");
  CHECK(str(partial, "average_price") == "249.93000000");
  auto exec = partial.at("executions").at(0);
  CHECK(str(exec, "price") == "249.93000000");
  CHECK(str(exec, "quantity") == "20.00000000");
  CHECK(str(exec, "settlement_date").size() == 10);
  CHECK(!str(exec, "timestamp").empty());
  CHECK(!partial.at("cancel").is_null());
  sim.admin("/_sim/fill", R"({"order_id":")" + id + R"(","price":"250.00"})");
  auto full = c.get("/orders/" + id + "/").json();
  CHECK(str(full, "state") == "filled");
  CHECK(str(full, "cumulative_quantity") == "50.00000000");
  CHECK(str(full, "average_price") == "249.97200000");
  auto positions = c.get("/positions/?nonzero=true").json().at("results");
  REQUIRE(positions.as_array().size() == 1);
  CHECK(str(positions.at(0), "quantity") == "50.00000000");
  CHECK(str(positions.at(0), "instrument") == sim.instrument_url(c, "TSLA"));
}

TEST_CASE("with the market running a marketable limit fills by itself in lots") {
  rhsim::Options o = frozen_options();
  o.auto_market = true;
  o.walk_interval_ms = 0;
  o.lot_size = "10";
  SimFixture sim(o);
  HttpClient c = sim.login();
  std::string id = str(c.post_form("/orders/", sim.limit_order(c, "AAPL", "buy", "191.00", "25")).json(), "id");
  CHECK(wait_for_state(c, id, "filled") == "filled");
  auto order = c.get("/orders/" + id + "/").json();
  CHECK(order.at("executions").as_array().size() == 3);
  CHECK(str(order, "average_price") == "190.01000000");  // the ask, not the limit
}

TEST_CASE("a repeated ref_id is refused and the broker keeps one order") {
  SimFixture sim;
  HttpClient c = sim.login();
  Form form = sim.limit_order(c, "TSLA", "buy", "240.00", "1");
  CHECK(c.post_form("/orders/", form).status == 201);
  auto dup = c.post_form("/orders/", form);
  CHECK(dup.status == 400);
  CHECK(dup.body == R"({"ref_id":["Order with this ref_id already exists."]})");
  CHECK(sim.admin_get("/_sim/orders").at("count").to_number<std::int64_t>() == 1);
}

TEST_CASE("a buy beyond buying power is refused with Robinhood's detail") {
  SimFixture sim;
  HttpClient c = sim.login();
  sim.admin("/_sim/account", R"({"buying_power":"1000.00"})");
  auto r = c.post_form("/orders/", sim.limit_order(c, "MSFT", "buy", "415.00", "30"));
  CHECK(r.status == 400);
  CHECK(r.body == R"({"detail":"You can only purchase 2 shares of MSFT."})");
}

TEST_CASE("a price off the tick grid is a 400 field error") {
  SimFixture sim;
  HttpClient c = sim.login();
  auto r = c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "249.995", "1"));
  CHECK(r.status == 400);
  CHECK(r.body == R"({"price":["Prices above $1.00 can't have subpenny increments."]})");
  auto q = c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "249.99", "-1"));
  CHECK(q.body == R"({"quantity":["Ensure this value is greater than 0."]})");
}

TEST_CASE("an unknown symbol has no instrument and its quote slot is null") {
  SimFixture sim;
  HttpClient c = sim.login();
  CHECK(c.get("/instruments/?symbol=NOPE").json().at("results").as_array().empty());
  auto quotes = c.get("/quotes/?symbols=TSLA,NOPE").json().at("results");
  CHECK(str(quotes.at(0), "symbol") == "TSLA");
  CHECK(quotes.at(1).is_null());
  // Clients map an order's instrument URL back to a symbol.
  std::string url = sim.instrument_url(c, "TSLA");
  CHECK(str(c.get(url.substr(sim.base().size())).json(), "symbol") == "TSLA");
}

TEST_CASE("over the request budget the API answers 429 with Retry-After") {
  SimFixture sim;
  HttpClient c = sim.login();
  sim.admin("/_sim/throttle", R"({"requests":2,"window_s":30})");
  CHECK(c.get("/accounts/").status == 200);
  CHECK(c.get("/accounts/").status == 200);
  auto r = c.get("/accounts/");
  CHECK(r.status == 429);
  CHECK(str(r.json(), "detail").rfind("Request was throttled. Expected available in ", 0) == 0);
  CHECK(!r.header("Retry-After").empty());
}

TEST_CASE("updated_at[gte] finds an order placed a moment ago, with its ref_id") {
  SimFixture sim;
  HttpClient c = sim.login();
  std::string ref = sim.new_ref_id();
  std::string since = oms::format_iso8601(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()) - std::chrono::seconds(1));
  c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "240.00", "1", ref));
  auto page = c.get("/orders/?updated_at%5Bgte%5D=" + since).json();
  REQUIRE(page.at("results").as_array().size() == 1);
  CHECK(str(page.at("results").at(0), "ref_id") == ref);
  auto none = c.get("/orders/?updated_at%5Bgte%5D=2099-01-01T00:00:00Z").json();
  CHECK(none.at("results").as_array().empty());
}

TEST_CASE("a keep-alive client makes every request over one connection") {
  SimFixture sim;
  HttpClient c = sim.login();
  for (int i = 0; i < 50; ++i) CHECK(c.get("/quotes/?symbols=TSLA").status == 200);
  CHECK(c.connects() == 1);
  auto counts = sim.admin_get("/_sim/requests").at("counts");
  CHECK(counts.at("GET /quotes/").to_number<std::int64_t>() == 50);
}

TEST_CASE("the admin reset clears orders, account and market") {
  SimFixture sim;
  HttpClient c = sim.login();
  c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "240.00", "1"));
  sim.admin("/_sim/price", R"({"symbol":"TSLA","price":"300.00"})");
  sim.admin("/_sim/reset", "{}");
  CHECK(sim.admin_get("/_sim/orders").at("count").to_number<std::int64_t>() == 0);
  CHECK(str(c.get("/quotes/?symbols=TSLA").json().at("results").at(0), "last_trade_price") == "250.000000");
  CHECK(str(c.get("/accounts/").json().at("results").at(0), "buying_power") == "100000.0000");
}

TEST_CASE("an order rejected by the admin API carries its reject_reason") {
  SimFixture sim;
  HttpClient c = sim.login();
  std::string id = str(c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "240.00", "1")).json(), "id");
  sim.admin("/_sim/reject", R"({"order_id":")" + id + R"(","reason":"insufficient_buying_power"})");
  auto order = c.get("/orders/" + id + "/").json();
  CHECK(str(order, "state") == "rejected");
  CHECK(str(order, "reject_reason") == "insufficient_buying_power");
  CHECK(order.at("cancel").is_null());
}
