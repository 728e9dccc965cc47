// The product's order form against rh-sim's strict defaults (issue 14, "Orders"): the limit goes
// on the instrument's min_tick_size, an untradeable instrument is refused before any POST,
// market_hours follows extended_hours, order_form_version is sent, and the ask/bid/timestamp of
// the quote the collar fetched go with the order (left out when there is none). POSTs are
// counted at rh-sim.
#include "stack_fixture.hpp"

using namespace gwtest;
using namespace std::chrono_literals;

namespace {

constexpr const char* kDevice = "7c1d2e3f-4a5b-4c6d-8e7f-a0b1c2d3e4f5";

// rh-sim as strict as Robinhood (throttling, order form, day orders expiring), the product's
// device already approved: logging in from a new device is the session tests' subject.
rhsim::Options strict_with_known_device() {
  rhsim::Options o = simtest::strict_options();
  o.known_devices = {kDevice};
  return o;
}

void use_known_device(GatewayOptions& o) { o.device_token = kDevice; }

int order_posts(simtest::SimFixture& sim) {
  auto requests = sim.admin_get("/_sim/requests");
  const auto& counts = requests.at("counts").as_object();
  auto it = counts.find("POST /orders/");
  return it == counts.end() ? 0 : static_cast<int>(it->value().to_number<std::int64_t>());
}

int refused_posts(simtest::SimFixture& sim) {
  int n = 0;
  auto requests = sim.admin_get("/_sim/requests");  // named: the loop must not dangle
  for (const auto& line : requests.at("log").as_array())
    n += static_cast<int>(line.at("path").as_string() == "/orders/" && line.at("status").to_number<int>() >= 400);
  return n;
}

boost::json::object only_broker_order(simtest::SimFixture& sim) {
  auto orders = sim.admin_get("/_sim/orders");
  REQUIRE(orders.at("count").to_number<int>() == 1);
  return orders.at("results").at(0).as_object();
}

}  // namespace

TEST_CASE("order form: a buy of an instrument with min_tick_size 0.05 is priced on the nickel grid and accepted by the strict broker") {
  simtest::SimFixture sim(strict_with_known_device());
  Stack stack(sim, use_known_device);
  // Reference 25.47, 15 bps: 25.4318 would be refused (off the 0.05 grid); up to the nickel: 25.45.
  auto result = stack.submit(limit_buy("TICK", "4", "25.47"));
  REQUIRE_MESSAGE(result.envelope.has_value(), (result.error ? result.error->to_string() : ""));
  CHECK(result.envelope->limit_price.to_string(2) == "25.45");
  auto order = only_broker_order(sim);
  CHECK(order.at("price").as_string() == "25.45000000");
  CHECK(order_posts(sim) == 1);
  CHECK(refused_posts(sim) == 0);
  auto records = stack.journal_records();
  REQUIRE(!records.empty());
  CHECK(records[0].at("limit_price").as_string() == "25.45");  // journalled as sent
}

TEST_CASE("order form: an untradeable instrument is refused before any POST, with one clear error and nothing journalled") {
  simtest::SimFixture sim(strict_with_known_device());
  Stack stack(sim, use_known_device);
  auto result = stack.submit(limit_buy("DLST", "10", "3.10"));
  REQUIRE(result.error.has_value());
  CHECK(result.error->category == SubmissionErrorCategory::validation);
  CHECK(result.error->field == "symbol");
  CHECK(result.error->message == "DLST is not tradeable at the broker (instrument tradeable=false)");
  CHECK(order_posts(sim) == 0);
  CHECK(stack.journal_records().empty());
  // And the symbol is not left pending: a tradeable order goes through right after.
  auto ok = stack.submit(limit_buy("F", "1", "11.00"));
  CHECK(ok.envelope.has_value());
}

TEST_CASE("order form: an extended-hours order goes with market_hours extended_hours, and a regular one with regular_hours") {
  simtest::SimFixture sim(strict_with_known_device());
  Stack stack(sim, use_known_device);
  auto extended = limit_buy("F", "1", "11.00");
  extended.extended_hours = true;
  REQUIRE(stack.submit(extended).envelope.has_value());
  REQUIRE(stack.submit(limit_buy("F", "2", "10.90")).envelope.has_value());  // another limit: not a duplicate
  auto orders = sim.admin_get("/_sim/orders");
  REQUIRE(orders.at("count").to_number<int>() == 2);
  const auto& first = orders.at("results").at(0);
  CHECK(first.at("market_hours").as_string() == "extended_hours");
  CHECK(first.at("extended_hours").as_bool());
  CHECK(first.at("order_form_version").to_number<int>() == 4);
  CHECK(orders.at("results").at(1).at("market_hours").as_string() == "regular_hours");
  CHECK(refused_posts(sim) == 0);
}

TEST_CASE("order form: the ask, bid and timestamp of the quote the collar checked go with the order") {
  simtest::SimFixture sim(strict_with_known_device());
  sim.admin("/_sim/price", R"({"symbol":"F","price":"11.00","bid":"10.98","ask":"11.02"})");
  Stack stack(sim, use_known_device);
  REQUIRE(stack.submit(limit_buy("F", "1", "11.00")).envelope.has_value());
  auto sent = only_broker_order(sim).at("sent_quote");
  CHECK(sent.at("ask_price").as_string() == "11.02");
  CHECK(sent.at("bid_price").as_string() == "10.98");
  CHECK(oms::parse_iso8601(std::string(sent.at("bid_ask_timestamp").as_string())).has_value());
}

TEST_CASE("order form: without a quote (collar off) the ask, bid and timestamp are left out, not invented") {
  simtest::SimFixture sim(strict_with_known_device());
  Stack stack(sim, use_known_device);
  stack.config.order_management.price_collar_pct = oms::Decimal{};
  stack.submitter = std::make_shared<oms::actors::Submitter>(stack.rt, stack.config.order_management, stack.ledger,
                                                              stack.journal, stack.gateway, "submitter-no-collar");
  REQUIRE(stack.submit(limit_buy("F", "1", "11.00")).envelope.has_value());
  auto sent = only_broker_order(sim).at("sent_quote");
  CHECK(sent.at("ask_price").is_null());
  CHECK(sent.at("bid_price").is_null());
  CHECK(sent.at("bid_ask_timestamp").is_null());
  CHECK(sim.admin_get("/_sim/requests").at("counts").as_object().if_contains("GET /quotes/") == nullptr);
}

TEST_CASE("order form: an intent off the instrument's min_tick_size reaching the gateway directly is refused before any POST") {
  simtest::SimFixture sim(strict_with_known_device());
  gwtest::Harness h(sim, use_known_device);
  h.run([&]() -> awaitable<void> {
    auto intent = buy("TICK", "1", "25.47");
    auto placed = co_await h.gw->place_limit_order(std::move(intent));
    REQUIRE_FALSE(placed.has_value());
    CHECK(placed.error().kind == ErrorKind::validation);
    CHECK(placed.error().attempts == 0);
    CHECK(placed.error().detail == "price: 25.47 is not a multiple of the instrument's min_tick_size 0.05");
    auto untradeable = buy("DLST", "1", "3.10");
    auto refused = co_await h.gw->place_limit_order(std::move(untradeable));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().detail == "symbol: DLST is not tradeable at the broker (instrument tradeable=false)");
  });
  CHECK(order_posts(sim) == 0);
}
