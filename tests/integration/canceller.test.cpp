#include "stack_fixture.hpp"

using namespace gwtest;

TEST_CASE("acceptance 3: the kill switch cancels every open order across symbols and confirms each") {
  simtest::SimFixture sim;
  Stack stack(sim);
  std::vector<std::string> ids;
  for (auto [symbol, ref] : std::vector<std::pair<std::string, std::string>>{{"TSLA", "250.30"}, {"AAPL", "190.00"},
                                                                             {"MSFT", "410.00"}}) {
    auto r = stack.submit(limit_buy(symbol, "10", ref));
    REQUIRE(r.envelope.has_value());
    ids.push_back(r.envelope->order_id);
  }
  // AAPL is partly filled before the kill switch: it ends cancelled with its fill kept.
  sim.admin("/_sim/fill", R"({"order_id":")" + ids[1] + R"(","quantity":"4","price":"189.71"})");
  auto report = stack.cancel_all();
  REQUIRE(report.results.size() == 3);
  CHECK(report.open_orders_remaining == 0);
  CHECK(report.submissions_halted);
  std::map<std::string, CancelResult> by_id;
  for (auto& r : report.results) by_id[r.order_id] = r;
  CHECK(by_id[ids[0]].outcome == CancelOutcome::cancelled);
  CHECK(by_id[ids[0]].symbol == "TSLA");
  CHECK(by_id[ids[1]].outcome == CancelOutcome::partially_filled_then_cancelled);
  REQUIRE(by_id[ids[1]].final_status.has_value());
  CHECK(by_id[ids[1]].final_status->filled_quantity == Quantity::parse("4").value());
  CHECK(by_id[ids[2]].outcome == CancelOutcome::cancelled);
  // The latch holds: a new submission is refused with guidance until resumed.
  auto refused = stack.submit(limit_buy("NVDA", "1", "120.00"));
  REQUIRE(refused.error.has_value());
  CHECK(refused.error->category == SubmissionErrorCategory::halted);
  // The ledger was cleared: after a resume the same TSLA order is new again, not a duplicate.
  post(stack.ledger, ResumeSubmissions{"test"});
  auto again = stack.submit(limit_buy("TSLA", "10", "250.30"));
  REQUIRE(again.envelope.has_value());
  CHECK_FALSE(again.duplicate);
}

TEST_CASE("an order that fills while the cancel is in flight is reported filled, not cancelled again") {
  simtest::SimFixture sim;
  Stack stack(sim);
  auto r = stack.submit(limit_buy("TSLA", "5", "250.30"));
  REQUIRE(r.envelope.has_value());
  sim.admin("/_sim/faults", R"({"method":"POST","path":"/orders/","kind":"fill_during_cancel","count":1})");
  auto report = stack.cancel_all();
  REQUIRE(report.results.size() == 1);
  CHECK(report.results[0].outcome == CancelOutcome::filled);
  REQUIRE(report.results[0].final_status.has_value());
  CHECK(report.results[0].final_status->filled_quantity == Quantity::parse("5").value());
  CHECK(report.open_orders_remaining == 0);
  auto cancels = sim.admin_get("/_sim/requests").at("counts");
  std::int64_t cancel_posts = 0;
  for (auto& [route, n] : cancels.as_object())
    if (route.find("cancel") != std::string::npos) cancel_posts += n.to_number<std::int64_t>();
  CHECK(cancel_posts == 1);  // no redundant second cancel
}

TEST_CASE("cancel-all of 25 orders cancels them all, concurrently across the pool") {
  simtest::SimFixture sim;
  Stack stack(sim);
  for (int i = 0; i < 25; ++i) {
    // Distinct prices (distinct pending keys), all inside the 5 % collar around rh-sim's $250.
    auto r = stack.submit(limit_buy("TSLA", "1", std::to_string(240 + i / 2) + (i % 2 ? ".50" : ".00")));
    REQUIRE(r.envelope.has_value());
  }
  auto report = stack.cancel_all();
  CHECK(report.results.size() == 25);
  CHECK(report.open_orders_remaining == 0);
  CHECK(std::all_of(report.results.begin(), report.results.end(),
                    [](const CancelResult& r) { return r.outcome == CancelOutcome::cancelled; }));
}

TEST_CASE("with nothing open the kill switch still latches and reports zero") {
  simtest::SimFixture sim;
  Stack stack(sim);
  auto report = stack.cancel_all();
  CHECK(report.results.empty());
  CHECK(report.open_orders_remaining == 0);
  auto refused = stack.submit(limit_buy("TSLA", "1", "250.30"));
  REQUIRE(refused.error.has_value());
  CHECK(refused.error->category == SubmissionErrorCategory::halted);
}
