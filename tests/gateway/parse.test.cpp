#include "gateway/parse.hpp"

#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>

using namespace oms;
using namespace oms::gateway;
namespace json = boost::json;

namespace {

json::object order_json() {
  return json::object{
      {"id", "6622bc70-c063-4d68-b33e-0ab27a28ce97"},
      {"ref_id", "026dbdfe-0564-4942-9ced-74edf7d3ab54"},
      {"url", "https://api.robinhood.com/orders/6622bc70-c063-4d68-b33e-0ab27a28ce97/"},
      {"account", "https://api.robinhood.com/accounts/5RZ07024/"},
      {"instrument", "https://api.robinhood.com/instruments/921be484-02df-485a-9c67-12ab6ee36783/"},
      {"cancel", "https://api.robinhood.com/orders/6622bc70-c063-4d68-b33e-0ab27a28ce97/cancel/"},
      {"cumulative_quantity", "3.00000000"},
      {"average_price", "249.93000000"},
      {"fees", "0.02"},
      {"state", "partially_filled"},
      {"type", "limit"},
      {"side", "buy"},
      {"time_in_force", "gfd"},
      {"trigger", "immediate"},
      {"price", "249.93000000"},
      {"stop_price", nullptr},
      {"quantity", "10.00000000"},
      {"reject_reason", nullptr},
      {"created_at", "2026-11-24T18:05:15.123456Z"},
      {"updated_at", "2026-11-24T18:05:16.000001Z"},
      {"executions",
       json::array{json::object{{"id", "e1"},
                                {"price", "249.93000000"},
                                {"quantity", "3.00000000"},
                                {"timestamp", "2026-11-24T18:05:16Z"},
                                {"settlement_date", "2026-11-26"}}}},
      {"extended_hours", false},
      {"order_form_version", 4},
      {"total_notional", json::object{{"amount", "2499.30"}, {"currency_code", "USD"}}},
  };
}

std::string body(const json::object& o) { return json::serialize(o); }

std::string with(const char* field, json::value v) {
  auto o = order_json();
  o[field] = std::move(v);
  return body(o);
}

std::string without(const char* field) {
  auto o = order_json();
  o.erase(field);
  return body(o);
}

BrokerOrder order_in(const char* state) {
  auto o = order_json();
  o["state"] = state;
  return parse_order(json::value(o)).value();
}

}  // namespace

TEST_CASE("an order payload parses with exact 8-decimal money and keeps the raw object") {
  auto o = parse_order(body(order_json())).value();
  CHECK(o.id == "6622bc70-c063-4d68-b33e-0ab27a28ce97");
  CHECK(o.ref_id == "026dbdfe-0564-4942-9ced-74edf7d3ab54");
  CHECK(o.cancel_url == "https://api.robinhood.com/orders/6622bc70-c063-4d68-b33e-0ab27a28ce97/cancel/");
  CHECK(o.side == Side::buy);
  CHECK(o.type == "limit");
  CHECK(o.state == "partially_filled");
  CHECK(o.time_in_force == "gfd");
  CHECK(o.price == Price::from_units(24'993'000'000));
  CHECK_FALSE(o.stop_price.has_value());
  CHECK(o.quantity == Quantity::from_units(1'000'000'000));
  CHECK(o.cumulative_quantity == Quantity::from_units(300'000'000));
  CHECK(o.average_price == Price::parse("249.93").value());
  CHECK(o.fees == Price::parse("0.02").value());
  REQUIRE(o.executions.size() == 1);
  CHECK(o.executions[0].id == "e1");
  CHECK(o.executions[0].price == Price::parse("249.93").value());
  CHECK(o.executions[0].quantity == Quantity::parse("3").value());
  CHECK(format_iso8601(o.executions[0].timestamp) == "2026-11-24T18:05:16.000000Z");
  CHECK(o.executions[0].settlement_date == "2026-11-26");
  CHECK(format_iso8601(o.created_at) == "2026-11-24T18:05:15.123456Z");
  CHECK(format_iso8601(o.updated_at) == "2026-11-24T18:05:16.000001Z");
  CHECK_FALSE(o.reject_reason.has_value());
  CHECK(o.raw.at("order_form_version").as_int64() == 4);
  CHECK(o.raw.contains("total_notional"));
}

TEST_CASE("an order's documented nulls parse as absent values") {
  auto o = order_json();
  o["ref_id"] = nullptr;
  o["cancel"] = nullptr;
  o["average_price"] = nullptr;
  o["price"] = nullptr;
  o["executions"] = json::array{};
  o["reject_reason"] = "insufficient_buying_power";
  auto parsed = parse_order(body(o)).value();
  CHECK_FALSE(parsed.ref_id.has_value());
  CHECK_FALSE(parsed.cancel_url.has_value());
  CHECK_FALSE(parsed.average_price.has_value());
  CHECK_FALSE(parsed.price.has_value());
  CHECK(parsed.executions.empty());
  CHECK(parsed.reject_reason == "insufficient_buying_power");
}

TEST_CASE("an order without fees, stop price or executions still parses") {
  auto o = order_json();
  o.erase("fees");
  o.erase("stop_price");
  o.erase("executions");
  o["stop_price"] = "";
  auto parsed = parse_order(body(o)).value();
  CHECK(parsed.fees.is_zero());
  CHECK_FALSE(parsed.stop_price.has_value());
  CHECK(parsed.executions.empty());
}

TEST_CASE("a missing required order field is named in the error") {
  for (const char* field : {"id", "url", "account", "instrument", "side", "type", "state", "quantity",
                            "cumulative_quantity", "created_at", "updated_at"}) {
    CAPTURE(field);
    auto r = parse_order(without(field));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().field == field);
    CHECK(r.error().rule == "is required");
  }
}

TEST_CASE("a null where a value is required is named in the error") {
  auto r = parse_order(with("quantity", nullptr));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().to_string() == "quantity: must not be null");
  CHECK(parse_order(with("id", nullptr)).error().field == "id");
}

TEST_CASE("money that is garbage, a double, negative or too precise is refused by field") {
  CHECK(parse_order(with("price", "abc")).error().field == "price");
  CHECK(parse_order(with("price", "1e5")).error().field == "price");
  CHECK(parse_order(with("price", 249.93)).error().field == "price");
  CHECK(parse_order(with("price", "-1.00")).error().field == "price");
  CHECK(parse_order(with("price", "1.000000001")).error().field == "price");
  CHECK(parse_order(with("quantity", "ten")).error().field == "quantity");
  CHECK(parse_order(with("quantity", true)).error().field == "quantity");
  CHECK(parse_order(with("average_price", json::array{})).error().field == "average_price");
  CHECK(parse_order(with("cumulative_quantity", "99999999999999999999")).error().field ==
        "cumulative_quantity");
  auto r = parse_order(with("price", "1.2.3"));
  CHECK(r.error().rule == "is not a decimal number (digits with at most one '.')");
}

TEST_CASE("money given as a JSON integer is accepted exactly") {
  auto o = parse_order(with("quantity", 7)).value();
  CHECK(o.quantity == Quantity::parse("7").value());
}

TEST_CASE("fields of the wrong type are named in the error") {
  CHECK(parse_order(with("id", 12)).error().to_string() == "id: must be a string");
  CHECK(parse_order(with("cancel", 1)).error().to_string() == "cancel: must be a string or null");
  CHECK(parse_order(with("side", "short")).error().to_string() == "side: must be buy or sell");
  CHECK(parse_order(with("created_at", "yesterday")).error().to_string() ==
        "created_at: must be an ISO-8601 timestamp");
  CHECK(parse_order(with("executions", "none")).error().to_string() == "executions: must be an array");
}

TEST_CASE("a bad execution is named with its index") {
  auto o = order_json();
  o["executions"] = json::array{o["executions"].as_array()[0],
                                json::object{{"id", "e2"}, {"price", "x"}, {"quantity", "1"}, {"timestamp", "2026-11-24T18:05:16Z"}}};
  CHECK(parse_order(body(o)).error().to_string().starts_with("executions[1].price: "));
  o["executions"] = json::array{42};
  CHECK(parse_order(body(o)).error().to_string() == "executions[0]: must be an object");
}

TEST_CASE("a body that is not a JSON object is an error, not a crash") {
  CHECK(parse_order("").error().rule.starts_with("response is not valid JSON"));
  CHECK(parse_order("<html>502 Bad Gateway</html>").error().rule.starts_with("response is not valid JSON"));
  CHECK(parse_order("{\"id\":").error().rule.starts_with("response is not valid JSON"));
  CHECK(parse_order("{} trailing").error().rule.starts_with("response is not valid JSON"));
  CHECK_FALSE(parse_order("[]").has_value());
  CHECK_FALSE(parse_order("null").has_value());
  CHECK_FALSE(parse_order("\"order\"").has_value());
  CHECK_FALSE(parse_order(std::string(10000, '[')).has_value());
  CHECK_FALSE(parse_order(std::string("{\"id\":\"\xff\"}")).has_value());
}

TEST_CASE("a page of orders parses with its next link") {
  json::object page{{"previous", nullptr},
                    {"next", "https://api.robinhood.com/orders/?cursor=abc"},
                    {"results", json::array{order_json(), order_json()}}};
  auto p = parse_order_page(body(page)).value();
  CHECK(p.results.size() == 2);
  CHECK(p.next == "https://api.robinhood.com/orders/?cursor=abc");
  page["next"] = nullptr;
  CHECK_FALSE(parse_order_page(body(page)).value().next.has_value());
}

TEST_CASE("a bad order inside a page is named with its index") {
  auto bad = order_json();
  bad["quantity"] = "x";
  json::object page{{"next", nullptr}, {"results", json::array{order_json(), bad}}};
  CHECK(parse_order_page(body(page)).error().field == "results[1].quantity");
  CHECK(parse_order_page("{\"next\":null}").error().to_string() == "results: is required");
  CHECK(parse_order_page("{\"results\":{}}").error().to_string() == "results: must be an array");
  CHECK(parse_order_page("{\"results\":[],\"next\":5}").error().to_string() ==
        "next: must be a string or null");
}

TEST_CASE("accounts parse with signed cash and buying power") {
  auto page = parse_accounts(R"({"next":null,"results":[{"url":"https://api.robinhood.com/accounts/5RZ07024/",
      "account_number":"5RZ07024","buying_power":"1500.25000000","cash":"-12.50","type":"margin"}]})").value();
  REQUIRE(page.results.size() == 1);
  const auto& a = page.results[0];
  CHECK(a.url == "https://api.robinhood.com/accounts/5RZ07024/");
  CHECK(a.account_number == "5RZ07024");
  CHECK(a.buying_power == Price::parse("1500.25").value());
  CHECK(a.cash == Price::parse("-12.5", Sign::any).value());
  CHECK(a.raw.at("type").as_string() == "margin");
  CHECK(parse_accounts(R"({"results":[{"url":"u","account_number":"n","cash":"1"}]})").error().to_string() ==
        "results[0].buying_power: is required");
  CHECK(parse_accounts(R"({"results":[7]})").error().to_string() == "results[0]: account must be a JSON object");
}

TEST_CASE("instruments parse with an optional tick size, and an unknown symbol gives no results") {
  auto page = parse_instruments(R"({"next":null,"results":[{"url":"https://api.robinhood.com/instruments/e39e/",
      "id":"e39e","symbol":"TSLA","tradeable":true,"min_tick_size":null,"tradability":"tradable"}]})").value();
  REQUIRE(page.results.size() == 1);
  CHECK(page.results[0].symbol == "TSLA");
  CHECK(page.results[0].tradeable);
  CHECK_FALSE(page.results[0].min_tick_size.has_value());
  auto tick = parse_instrument(json::value(json::object{
      {"url", "u"}, {"id", "i"}, {"symbol", "X"}, {"tradeable", false}, {"min_tick_size", "0.05000000"}}));
  CHECK(tick.value().min_tick_size == Price::parse("0.05").value());
  CHECK(parse_instruments(R"({"next":null,"results":[]})").value().results.empty());
  CHECK(parse_instrument(json::value(json::object{{"url", "u"}, {"id", "i"}, {"symbol", "X"}, {"tradeable", "yes"}}))
            .error()
            .to_string() == "tradeable: must be true or false");
}

TEST_CASE("quotes parse in request order with a null slot for an unknown symbol") {
  auto page = parse_quotes(R"({"results":[{"symbol":"AAPL","ask_price":"190.010000","bid_price":"189.990000",
      "last_trade_price":"190.000000","last_extended_hours_trade_price":null,"updated_at":"2026-11-24T18:05:15Z"},
      null]})").value();
  REQUIRE(page.results.size() == 2);
  REQUIRE(page.results[0].has_value());
  CHECK(page.results[0]->symbol == "AAPL");
  CHECK(page.results[0]->ask == Price::parse("190.01").value());
  CHECK(page.results[0]->bid == Price::parse("189.99").value());
  CHECK(page.results[0]->last_trade_price == Price::parse("190").value());
  CHECK(page.results[0]->raw.contains("last_extended_hours_trade_price"));
  CHECK_FALSE(page.results[1].has_value());
  CHECK(parse_quotes(R"({"results":[{"symbol":"A","ask_price":"x","updated_at":"2026-11-24T18:05:15Z"}]})")
            .error()
            .field == "results[0].ask_price");
}

TEST_CASE("positions parse with exact quantities") {
  auto page = parse_positions(R"({"next":"https://api.robinhood.com/positions/?cursor=p2","results":[
      {"instrument":"https://api.robinhood.com/instruments/50810c35/","quantity":"1.00000000",
       "average_buy_price":"406.0500","account":"a"}]})").value();
  REQUIRE(page.results.size() == 1);
  CHECK(page.results[0].quantity == Quantity::parse("1").value());
  CHECK(page.results[0].average_buy_price == Price::parse("406.05").value());
  CHECK(page.next == "https://api.robinhood.com/positions/?cursor=p2");
  CHECK(parse_positions(R"({"results":[{"instrument":"i","quantity":"-1","average_buy_price":"1"}]})")
            .error()
            .field == "results[0].quantity");
}

TEST_CASE("a granted login parses into a token response") {
  auto reply = parse_login_reply(R"({"access_token":"a.b.c","token_type":"Bearer","expires_in":86400,
      "refresh_token":"r1","scope":"internal"})").value();
  REQUIRE(std::holds_alternative<TokenResponse>(reply));
  const auto& t = std::get<TokenResponse>(reply);
  CHECK(t.access_token == "a.b.c");
  CHECK(t.refresh_token == "r1");
  CHECK(t.expires_in == 86400);
  CHECK(t.token_type == "Bearer");
  CHECK(t.scope == "internal");
}

TEST_CASE("a login that needs device verification, MFA or a challenge is recognised") {
  auto v = parse_login_reply(R"({"verification_workflow":{"id":"wf-1","workflow_status":"workflow_status_internal_pending"}})").value();
  REQUIRE(std::holds_alternative<VerificationRequired>(v));
  CHECK(std::get<VerificationRequired>(v).workflow_id == "wf-1");
  CHECK(std::get<VerificationRequired>(v).workflow_status == "workflow_status_internal_pending");
  auto m = parse_login_reply(R"({"mfa_required":true,"mfa_type":"app"})").value();
  REQUIRE(std::holds_alternative<MfaRequired>(m));
  CHECK(std::get<MfaRequired>(m).mfa_type == "app");
  auto c = parse_login_reply(R"({"challenge":{"id":"ch-1","remaining_attempts":3}})").value();
  REQUIRE(std::holds_alternative<ChallengeRequired>(c));
  CHECK(std::get<ChallengeRequired>(c).challenge_id == "ch-1");
}

TEST_CASE("a malformed login reply names the field and never echoes a token") {
  auto r = parse_login_reply(R"({"access_token":"secret-token","token_type":"Bearer","expires_in":"86400","refresh_token":"r"})");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().to_string() == "expires_in: must be an integer");
  CHECK(r.error().to_string().find("secret-token") == std::string::npos);
  CHECK(parse_login_reply(R"({"access_token":"a","expires_in":1})").error().to_string() ==
        "refresh_token: is required");
  CHECK(parse_login_reply(R"({"detail":"Unable to log in with provided credentials."})").error().to_string() ==
        "access_token: is required");
  CHECK(parse_login_reply(R"({"verification_workflow":{}})").error().to_string() ==
        "verification_workflow.id: is required");
  CHECK(parse_login_reply(R"({"access_token":"","refresh_token":"r","expires_in":5})").error().field == "access_token");
  CHECK(parse_login_reply(R"({"access_token":"a","refresh_token":"r","expires_in":0})").error().field == "expires_in");
  CHECK_FALSE(parse_login_reply("not json").has_value());
}

TEST_CASE("broker states normalise to the seed's order states") {
  CHECK(to_order_status(order_in("unconfirmed")).state == OrderState::queued);
  CHECK(to_order_status(order_in("queued")).state == OrderState::queued);
  CHECK(to_order_status(order_in("confirmed")).state == OrderState::queued);
  CHECK(to_order_status(order_in("partially_filled")).state == OrderState::partially_filled);
  CHECK(to_order_status(order_in("filled")).state == OrderState::filled);
  CHECK(to_order_status(order_in("cancelled")).state == OrderState::cancelled);
  CHECK(to_order_status(order_in("rejected")).state == OrderState::rejected);
  CHECK(to_order_status(order_in("failed")).state == OrderState::rejected);
  CHECK(to_order_status(order_in("pending_review")).state == OrderState::unknown);
  CHECK(to_order_status(order_in("canceled")).state == OrderState::unknown);
  CHECK(to_order_status(order_in("failed")).broker_state == "failed");
}

TEST_CASE("an open order's status carries fills, average price and what is still pending") {
  auto s = to_order_status(order_in("partially_filled"));
  CHECK(s.order_id == "6622bc70-c063-4d68-b33e-0ab27a28ce97");
  CHECK(s.filled_quantity == Quantity::parse("3").value());
  CHECK(s.pending_quantity == Quantity::parse("7").value());
  CHECK(s.average_fill_price == Price::parse("249.93").value());
  CHECK(format_iso8601(s.updated_at) == "2026-11-24T18:05:16.000001Z");
  CHECK(s.raw.contains("executions"));
  auto queued = order_json();
  queued["cumulative_quantity"] = "0.00000000";
  queued["average_price"] = nullptr;
  queued["state"] = "unconfirmed";
  auto q = to_order_status(parse_order(json::value(queued)).value());
  CHECK(q.pending_quantity == Quantity::parse("10").value());
  CHECK_FALSE(q.average_fill_price.has_value());
}

TEST_CASE("a cancelled order with executions keeps its filled quantity and has nothing pending") {
  auto s = to_order_status(order_in("cancelled"));
  CHECK(s.state == OrderState::cancelled);
  CHECK(s.filled_quantity == Quantity::parse("3").value());
  CHECK(s.pending_quantity.is_zero());
  CHECK(s.average_fill_price == Price::parse("249.93").value());
}

TEST_CASE("a broker report of more filled than ordered never gives negative pending") {
  auto o = order_in("partially_filled");
  o.cumulative_quantity = Quantity::parse("11").value();
  CHECK(to_order_status(o).pending_quantity.is_zero());
}

TEST_CASE("an order is open while it has a cancel link or a non-terminal state") {
  CHECK(is_open(order_in("partially_filled")));
  auto o = order_in("confirmed");
  o.cancel_url.reset();
  CHECK(is_open(o));
  auto filled = order_in("filled");
  filled.cancel_url.reset();
  CHECK_FALSE(is_open(filled));
  auto cancelled = order_in("cancelled");
  cancelled.cancel_url.reset();
  CHECK_FALSE(is_open(cancelled));
  auto odd = order_in("something_new");
  odd.cancel_url.reset();
  CHECK(is_open(odd));
}

TEST_CASE("each execution becomes a fill with running cumulative quantity and exact average price") {
  auto o = order_json();
  o["quantity"] = "3.00000000";
  o["executions"] = json::array{
      json::object{{"id", "e1"}, {"price", "10.00000000"}, {"quantity", "1.00000000"}, {"timestamp", "2026-11-24T18:05:16Z"}},
      json::object{{"id", "e2"}, {"price", "10.01000000"}, {"quantity", "2.00000000"}, {"timestamp", "2026-11-24T18:05:17Z"}}};
  auto fills = fill_events(parse_order(json::value(o)).value(), "MSFT");
  REQUIRE(fills.size() == 2);
  CHECK(fills[0].order_id == "6622bc70-c063-4d68-b33e-0ab27a28ce97");
  CHECK(fills[0].execution_id == "e1");
  CHECK(fills[0].symbol == "MSFT");
  CHECK(fills[0].side == Side::buy);
  CHECK(fills[0].quantity == Quantity::parse("1").value());
  CHECK(fills[0].price == Price::parse("10").value());
  CHECK(fills[0].cumulative_quantity == Quantity::parse("1").value());
  CHECK(fills[0].average_price == Price::parse("10").value());
  CHECK_FALSE(fills[0].complete);
  CHECK(fills[1].cumulative_quantity == Quantity::parse("3").value());
  CHECK(fills[1].average_price == Price::parse("10.00666667").value());  // 30.02 / 3, half-up
  CHECK(fills[1].complete);
  CHECK(format_iso8601(fills[1].executed_at) == "2026-11-24T18:05:17.000000Z");
  CHECK(fill_events(order_in("queued"), "MSFT").size() == 1);
  auto none = order_json();
  none["executions"] = json::array{};
  CHECK(fill_events(parse_order(json::value(none)).value(), "MSFT").empty());
}

TEST_CASE("a submitted order is found in a page by its ref_id") {
  auto a = order_in("queued");
  auto b = order_in("filled");
  b.id = "b";
  b.ref_id = "11111111-2222-4333-8444-555555555555";
  auto c = order_in("filled");
  c.ref_id.reset();
  std::vector<BrokerOrder> orders{c, a, b};
  REQUIRE(find_by_ref_id(orders, "11111111-2222-4333-8444-555555555555") != nullptr);
  CHECK(find_by_ref_id(orders, "11111111-2222-4333-8444-555555555555")->id == "b");
  CHECK(find_by_ref_id(orders, "026dbdfe-0564-4942-9ced-74edf7d3ab54")->state == "queued");
  CHECK(find_by_ref_id(orders, "ffffffff-2222-4333-8444-555555555555") == nullptr);
  CHECK(find_by_ref_id(orders, "") == nullptr);
}

TEST_CASE("arbitrary bytes never crash the parsers") {
  // A small deterministic fuzz: truncations and byte flips of a valid payload.
  const std::string valid = body(order_json());
  std::uint32_t x = 12345;
  for (std::size_t cut = 0; cut <= valid.size(); cut += 7) {
    CHECK_NOTHROW((void)parse_order(std::string_view(valid).substr(0, cut)));
  }
  for (int i = 0; i < 2000; ++i) {
    std::string mutated = valid;
    x = x * 1664525u + 1013904223u;
    mutated[x % mutated.size()] = static_cast<char>(x >> 24);
    CHECK_NOTHROW((void)parse_order(mutated));
    CHECK_NOTHROW((void)parse_order_page(mutated));
    CHECK_NOTHROW((void)parse_login_reply(mutated));
    CHECK_NOTHROW((void)parse_quotes(mutated));
  }
}
