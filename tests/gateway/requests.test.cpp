#include "gateway/requests.hpp"

#include <doctest/doctest.h>

using namespace oms;
using namespace oms::gateway;

namespace {

RequestOptions options() { return RequestOptions{parse_base_url("https://api.robinhood.com").value()}; }

std::string header(const HttpRequestSpec& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return {};
}

PlaceOrderParams limit_buy() {
  PlaceOrderParams p;
  p.account_url = "https://api.robinhood.com/accounts/5RZ07024/";
  p.instrument_url = "https://api.robinhood.com/instruments/50810c35-d215-4866-9758-0ada4ac79ffa/";
  p.symbol = "MSFT";
  p.price = Price::parse("249.93").value();
  p.quantity = Quantity::parse("10").value();
  p.ref_id = "0f8fad5b-d9cb-469f-a165-70867728950e";
  p.side = Side::buy;
  p.time_in_force = TimeInForce::gfd;
  return p;
}

const char* kSecret = "hunter2&S3cr3t!";

}  // namespace

TEST_CASE("every request carries Accept and the configurable API version header") {
  auto o = options();
  auto r = accounts_request(o);
  CHECK(header(r, "Accept") == "*/*");
  CHECK(header(r, "X-Robinhood-API-Version") == "1.431.4");
  o.api_version = "1.500.0";
  CHECK(header(positions_request(o), "X-Robinhood-API-Version") == "1.500.0");
  CHECK(header(r, "Authorization").empty());
  CHECK(authorization_header("Bearer", "tok") == std::pair<std::string, std::string>{"Authorization", "Bearer tok"});
  CHECK(authorization_header("", "tok").second == "Bearer tok");
}

TEST_CASE("the password grant sends robin_stocks' fields, form-encoded") {
  LoginParams p;
  p.username = "trader@example.com";
  p.password = "p@ss word";
  p.device_token = "11111111-2222-4333-8444-555555555555";
  p.request_id = "848bd19e-02bc-45d9-99b5-01bce5a79ea7";
  auto r = login_request(options(), p);
  CHECK(r.method == "POST");
  CHECK(r.target == "/oauth2/token/");
  CHECK(r.kind == RequestKind::login);
  CHECK_FALSE(r.authenticated);
  CHECK(r.content_type == "application/x-www-form-urlencoded; charset=utf-8");
  CHECK(r.body ==
        "client_id=c82SH0WZOsabOXGP2sxqcj34FxkvfnWRZBKlBjFS&expires_in=86400&grant_type=password"
        "&password=p%40ss+word&scope=internal&username=trader%40example.com&challenge_type=sms"
        "&device_token=11111111-2222-4333-8444-555555555555&try_passkeys=False"
        "&token_request_path=%2Flogin&create_read_only_secondary_token=True"
        "&request_id=848bd19e-02bc-45d9-99b5-01bce5a79ea7");
}

TEST_CASE("the password grant adds the MFA code only when there is one") {
  LoginParams p;
  p.username = "u";
  p.password = "p";
  p.device_token = "d";
  CHECK(login_request(options(), p).body.find("mfa_code") == std::string::npos);
  CHECK(login_request(options(), p).body.find("request_id") == std::string::npos);
  p.mfa_code = "123456";
  CHECK(login_request(options(), p).body.ends_with("&mfa_code=123456"));
}

TEST_CASE("the refresh grant sends the refresh token and client id") {
  auto r = refresh_request(options(), "rt-1", "dev-1");
  CHECK(r.method == "POST");
  CHECK(r.target == "/oauth2/token/");
  CHECK(r.kind == RequestKind::refresh);
  CHECK_FALSE(r.authenticated);
  CHECK(r.body ==
        "client_id=c82SH0WZOsabOXGP2sxqcj34FxkvfnWRZBKlBjFS&expires_in=86400"
        "&grant_type=refresh_token&refresh_token=rt-1&scope=internal&device_token=dev-1");
}

TEST_CASE("read requests build the documented targets") {
  auto o = options();
  auto accounts = accounts_request(o);
  CHECK(accounts.method == "GET");
  CHECK(accounts.target == "/accounts/?default_to_all_accounts=true");
  CHECK(accounts.kind == RequestKind::account);
  CHECK(accounts.idempotent);
  CHECK(accounts.authenticated);
  CHECK(accounts.body.empty());
  CHECK(accounts.content_type.empty());
  CHECK(instrument_request(o, "TSLA").target == "/instruments/?symbol=TSLA");
  CHECK(instrument_request(o, "BRK.B").target == "/instruments/?symbol=BRK.B");
  CHECK(quotes_request(o, {"AAPL", "MSFT"}).target == "/quotes/?symbols=AAPL%2CMSFT");
  CHECK(quotes_request(o, {"AAPL", "MSFT"}).kind == RequestKind::quotes);
  CHECK(positions_request(o).target == "/positions/?nonzero=true");
  CHECK(positions_request(o).kind == RequestKind::positions);
}

TEST_CASE("an order's status and its cancel are built from its id") {
  auto o = options();
  auto get = get_order_request(o, "6622bc70-c063-4d68-b33e-0ab27a28ce97").value();
  CHECK(get.method == "GET");
  CHECK(get.target == "/orders/6622bc70-c063-4d68-b33e-0ab27a28ce97/");
  CHECK(get.kind == RequestKind::get_order);
  auto cancel = cancel_order_request(o, "6622bc70-c063-4d68-b33e-0ab27a28ce97").value();
  CHECK(cancel.method == "POST");
  CHECK(cancel.target == "/orders/6622bc70-c063-4d68-b33e-0ab27a28ce97/cancel/");
  CHECK(cancel.body.empty());
  CHECK(cancel.idempotent);
  CHECK(cancel.kind == RequestKind::cancel_order);
}

TEST_CASE("an order id that could change the path is refused") {
  auto o = options();
  CHECK(get_order_request(o, "").error().field == "order_id");
  CHECK(get_order_request(o, "../accounts").error().field == "order_id");
  CHECK(cancel_order_request(o, "a/b").error().field == "order_id");
  CHECK(cancel_order_request(o, "a?x=1").error().field == "order_id");
}

TEST_CASE("listing orders since a time encodes updated_at[gte] as requests does") {
  auto o = options();
  CHECK(list_orders_request(o).target == "/orders/");
  auto since = parse_iso8601("2026-11-24T18:05:15.123456Z").value();
  auto r = list_orders_request(o, since);
  CHECK(r.target == "/orders/?updated_at%5Bgte%5D=2026-11-24T18%3A05%3A15.123456Z");
  CHECK(r.kind == RequestKind::list_orders);
}

TEST_CASE("a next page is fetched on the same host only") {
  auto o = options();
  auto r = next_page_request(o, RequestKind::list_orders, "https://api.robinhood.com/orders/?cursor=abc").value();
  CHECK(r.target == "/orders/?cursor=abc");
  CHECK(r.kind == RequestKind::list_orders);
  auto foreign = next_page_request(o, RequestKind::list_orders, "https://evil.example/orders/?cursor=abc");
  REQUIRE_FALSE(foreign.has_value());
  CHECK(foreign.error().field == "next");
}

TEST_CASE("a limit order sends robin_stocks' form fields with exact decimals") {
  auto r = place_order_request(options(), limit_buy()).value();
  CHECK(r.method == "POST");
  CHECK(r.target == "/orders/");
  CHECK(r.kind == RequestKind::place_order);
  CHECK_FALSE(r.idempotent);
  CHECK(r.authenticated);
  CHECK(r.body ==
        "account=https%3A%2F%2Fapi.robinhood.com%2Faccounts%2F5RZ07024%2F"
        "&instrument=https%3A%2F%2Fapi.robinhood.com%2Finstruments%2F50810c35-d215-4866-9758-0ada4ac79ffa%2F"
        "&symbol=MSFT&price=249.93&quantity=10&ref_id=0f8fad5b-d9cb-469f-a165-70867728950e"
        "&type=limit&time_in_force=gfd&trigger=immediate&side=buy&market_hours=regular_hours"
        "&extended_hours=False&order_form_version=4");
}

TEST_CASE("a limit order prints sub-dollar prices exactly and whole prices with cents") {
  auto p = limit_buy();
  p.price = Price::parse("0.0001").value();
  p.side = Side::sell;
  p.time_in_force = TimeInForce::gtc;
  p.extended_hours = true;
  auto body = place_order_request(options(), p).value().body;
  CHECK(body.find("&price=0.0001&") != std::string::npos);
  CHECK(body.find("&side=sell&") != std::string::npos);
  CHECK(body.find("&time_in_force=gtc&") != std::string::npos);
  CHECK(body.find("&extended_hours=True&") != std::string::npos);
  p.price = Price::parse("250").value();
  CHECK(place_order_request(options(), p).value().body.find("&price=250.00&") != std::string::npos);
}

TEST_CASE("a limit order includes the quote it was priced from when given") {
  auto p = limit_buy();
  p.ask_price = Price::parse("250.01").value();
  p.bid_price = Price::parse("249.9").value();
  p.bid_ask_timestamp = parse_iso8601("2026-11-24T18:05:15Z").value();
  auto o = options();
  o.order_form_version = 5;
  auto body = place_order_request(o, p).value().body;
  CHECK(body.find("&price=249.93&ask_price=250.01&bid_price=249.90"
                  "&bid_ask_timestamp=2026-11-24T18%3A05%3A15.000000Z&quantity=10&") != std::string::npos);
  CHECK(body.ends_with("&order_form_version=5"));
}

TEST_CASE("a limit order with a bad field is refused before it is sent") {
  auto o = options();
  auto p = limit_buy();
  p.ref_id = "not-a-uuid";
  CHECK(place_order_request(o, p).error().field == "ref_id");
  p = limit_buy();
  p.price = Price{};
  CHECK(place_order_request(o, p).error().field == "price");
  p = limit_buy();
  p.quantity = Quantity{};
  CHECK(place_order_request(o, p).error().field == "quantity");
  p = limit_buy();
  p.symbol = "";
  CHECK(place_order_request(o, p).error().field == "symbol");
  p = limit_buy();
  p.account_url = "";
  CHECK(place_order_request(o, p).error().field == "account");
  p = limit_buy();
  p.instrument_url = "";
  CHECK(place_order_request(o, p).error().field == "instrument");
}

TEST_CASE("the loggable description of a login hides every secret") {
  LoginParams p;
  p.username = "trader@example.com";
  p.password = kSecret;
  p.device_token = "dev-secret-token";
  p.mfa_code = "654321";
  auto text = login_request(options(), p).redacted();
  CHECK(text.find("hunter2") == std::string::npos);
  CHECK(text.find("S3cr3t") == std::string::npos);
  CHECK(text.find("dev-secret-token") == std::string::npos);
  CHECK(text.find("654321") == std::string::npos);
  CHECK(text.find("trader") == std::string::npos);
  CHECK(text.find("password=***") != std::string::npos);
  CHECK(text.find("grant_type=password") != std::string::npos);
  CHECK(text.starts_with("POST /oauth2/token/ [login]"));

  auto refresh = refresh_request(options(), "refresh-secret", "dev-secret").redacted();
  CHECK(refresh.find("refresh-secret") == std::string::npos);
  CHECK(refresh.find("dev-secret") == std::string::npos);
}

TEST_CASE("the loggable description hides an Authorization header and keeps order fields") {
  auto r = place_order_request(options(), limit_buy()).value();
  r.headers.push_back(authorization_header("Bearer", "access-secret"));
  auto text = r.redacted();
  CHECK(text.find("access-secret") == std::string::npos);
  CHECK(text.find("Authorization: ***") != std::string::npos);
  CHECK(text.find("price=249.93") != std::string::npos);
  CHECK(text.find("ref_id=0f8fad5b-d9cb-469f-a165-70867728950e") != std::string::npos);
}

TEST_CASE("request kinds have names for logs") {
  CHECK(to_string(RequestKind::place_order) == "place_order");
  CHECK(to_string(RequestKind::cancel_order) == "cancel_order");
  CHECK(to_string(RequestKind::login) == "login");
}
