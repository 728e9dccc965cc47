// Load: 200 concurrent submissions across 20 symbols, then cancel-all of 100 resting orders
// while rh-sim throttles with 429 — no order lost, none doubled (broker counts vs results).
#include "broker_view.hpp"
#include "session.hpp"

#include <iostream>

using namespace reltest;
using namespace oms;

namespace {

const char* kLoadConfig =
    R"("timeouts":{"connect_ms":2000,"request_ms":2000},"retry":{"max_attempts":10,"base_delay_ms":5,"max_delay_ms":200},)"
    R"("rate_limit":{"burst":1000,"per_second":1000,"window_requests":1000000,"order_window_requests":1000000})";

rhsim::Options load_options() {
  auto o = simtest::frozen_options();
  o.buying_power = "100000000.00";
  return o;
}

/// Twenty symbols of the simulator's universe, each at its own price (the reference price stays
/// at the quote, well inside the 5 % collar).
std::vector<std::pair<std::string, std::string>> twenty_symbols() {
  auto all = dollar_symbols();
  REQUIRE(all.size() >= 20);
  all.resize(20);
  return all;
}

/// `per_symbol` distinct requests per symbol (each its own limit price), all sent at once.
std::vector<SubmissionResult> submit_concurrently(Session& s, int per_symbol) {
  std::vector<runtime::awaitable<SubmissionResult>> ops;
  for (const auto& [symbol, price] : twenty_symbols())
    for (int q = 1; q <= per_symbol; ++q) {
      auto reference = stepped_price(price, q - 1);
      ops.push_back(s.om.submit(omtest::request(symbol.c_str(), std::to_string(q).c_str(), Side::buy, reference.c_str())));
    }
  return run_all(s.ctx, std::move(ops));
}

/// Every result an envelope for a new order, each at the broker exactly once.
void check_placed(const std::vector<SubmissionResult>& results, const std::vector<BrokerOrder>& orders) {
  std::set<std::string> ids, refs;
  for (const auto& r : results) {
    CHECK_MESSAGE(r.envelope.has_value(), (r.error ? r.error->to_string() : ""));
    if (!r.envelope) continue;
    CHECK_FALSE(r.duplicate);
    ids.insert(r.envelope->order_id);
    refs.insert(r.envelope->ref_id);
  }
  CHECK(ids.size() == results.size());
  CHECK(refs.size() == results.size());
  CHECK(orders.size() == results.size());
  CHECK(duplicate_orders(orders) == 0);
  for (const auto& o : orders) CHECK(ids.contains(o.id));
}

}  // namespace

TEST_CASE("load: 200 concurrent submissions across 20 symbols place 200 broker orders, none lost or doubled") {
  simtest::SimFixture sim(load_options());
  omtest::TempDir dir;
  Session s(sim, dir, kLoadConfig);
  REQUIRE(omtest::run(s.ctx, s.om.start()).ok());
  auto results = submit_concurrently(s, 10);
  REQUIRE(results.size() == 200);
  auto orders = broker_orders(sim);
  check_placed(results, orders);
  // A result is returned once the intent is durable; its envelope record is posted to the
  // journal behind it (group commit), so the loop runs until those records are written.
  omtest::settle(s.ctx);
  auto journal = read_journal(dir.file("orders.jsonl"));
  CHECK(orphans(orders, journal).empty());
  CHECK(journal.unsettled().empty());
  std::cout << "load: 200 concurrent submissions over 20 symbols -> " << orders.size() << " broker orders, "
            << duplicate_orders(orders) << " duplicates, " << orphans(orders, journal).size() << " lost\n";
}

TEST_CASE("load: cancel-all of 100 orders under 429 throttling cancels every one, each exactly once") {
  simtest::SimFixture sim(load_options());
  omtest::TempDir dir;
  Session s(sim, dir, kLoadConfig);
  REQUIRE(omtest::run(s.ctx, s.om.start()).ok());
  auto results = submit_concurrently(s, 5);
  REQUIRE(results.size() == 100);
  check_placed(results, broker_orders(sim));

  // A tight budget per token (the window runs from the token's first request) plus armed 429s
  // on the cancel route: most cancels are throttled at least once.
  sim.admin("/_sim/throttle", R"({"requests":40,"window_s":1})");
  sim.admin("/_sim/faults", R"({"method":"POST","path":"/orders/","kind":"http_429","count":30,"retry_after_s":1})");
  sim.client().request("POST", "/_sim/requests/reset");
  auto report = omtest::run(s.ctx, s.om.cancel_all_open_orders("load"));
  auto log = sim.admin_get("/_sim/requests");
  int throttled = 0;
  for (const auto& line : log.at("log").as_array()) throttled += static_cast<int>(line.at("status").to_number<int>() == 429);

  std::map<CancelOutcome, int> outcomes;
  std::set<std::string> reported;
  for (const auto& r : report.results) {
    ++outcomes[r.outcome];
    reported.insert(r.order_id);
  }
  auto orders = broker_orders(sim);
  int cancelled_at_broker = 0;
  for (const auto& o : orders) {
    cancelled_at_broker += static_cast<int>(o.state == "cancelled");
    CHECK(reported.contains(o.id));
  }
  std::cout << "load: cancel-all of " << orders.size() << " orders under throttling: " << throttled
            << " answers were 429, " << outcomes[CancelOutcome::cancelled] << " cancelled, "
            << outcomes[CancelOutcome::failed] << " failed, " << cancelled_at_broker << " cancelled at the broker\n";
  CHECK(throttled > 0);
  CHECK(report.results.size() == 100);
  CHECK(reported.size() == 100);
  CHECK(outcomes[CancelOutcome::cancelled] == 100);
  CHECK(cancelled_at_broker == 100);
  CHECK(report.open_orders_remaining == 0);
  CHECK(orders.size() == 100);  // throttled retries never placed or doubled anything
  sim.admin("/_sim/throttle", R"({"requests":1000000,"window_s":60})");
  CHECK(pending_orders(s).order_ids.empty());
}
