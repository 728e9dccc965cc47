// The seed's edge cases, each against rh-sim through the OrderManager.
#include "requirements_fixture.hpp"

#include "actors/pricing.hpp"

using namespace reqtest;

TEST_CASE("edge: a limit price that is ≤ 0 or rounds below the minimum tick is refused as a validation error") {
  simtest::SimFixture sim;
  TempDir scratch;
  auto config = live_config(sim, scratch);
  config::StrategyOverride deep;  // $5 under a $3 reference: the limit would be −2.00
  deep.offset_mode = config::OffsetMode::absolute;
  deep.buy_offset = Decimal::parse("5").value();
  config.order_management.strategy_overrides["deep"] = deep;
  Live live(sim, config);

  auto negative = live.buy("F", "10", "3.00", "deep");
  REQUIRE(negative.error.has_value());
  CHECK(negative.error->category == SubmissionErrorCategory::validation);
  CHECK(negative.error->field == "limit_price");
  CHECK(negative.error->message.find("positive") != std::string::npos);

  // $0.00005: a buy rounds toward the reference onto the $0.0001 grid, i.e. to 0.
  auto sub_tick = live.buy("SNDL", "10", "0.00005");
  REQUIRE(sub_tick.error.has_value());
  CHECK(sub_tick.error->category == SubmissionErrorCategory::validation);
  CHECK(sub_tick.error->field == "limit_price");
  CHECK(sub_tick.error->message.find("minimum tick") != std::string::npos);

  auto zero = live.buy("F", "10", "0");
  REQUIRE(zero.error.has_value());
  CHECK(zero.error->category == SubmissionErrorCategory::validation);
  CHECK(zero.error->field == "reference_price");

  CHECK(order_posts(sim) == 0);
  CHECK(broker_orders(sim) == 0);
  // The same rules, pure: the smallest valid sub-dollar price is one tick.
  config::PriceOffsetConfig none;
  none.buy_offset = Decimal::parse("0").value();
  CHECK(pricing::compute_limit_price(Side::buy, price("0.0001"), none).value() == price("0.0001"));
  CHECK_FALSE(pricing::compute_limit_price(Side::buy, price("0.00009"), none).has_value());
}

TEST_CASE("edge: an order that fills while cancel-all runs is reported filled with its fill, and is not cancelled "
          "again") {
  simtest::SimFixture sim;
  Live live(sim);
  auto placed = live.buy("TSLA", "5", "250.30");
  REQUIRE_MESSAGE(placed.envelope.has_value(), why(placed));
  const auto id = placed.envelope->order_id;
  fault(sim, "POST", "/orders/" + id + "/cancel/", "fill_during_cancel", 1);

  auto report = live.run(live.om.cancel_all_open_orders("test"));
  REQUIRE(report.results.size() == 1);
  const auto& r = report.results[0];
  CHECK(r.order_id == id);
  CHECK(r.outcome == CancelOutcome::filled);
  CHECK(r.symbol == "TSLA");
  REQUIRE(r.final_status.has_value());
  CHECK(r.final_status->state == OrderState::filled);
  CHECK(r.final_status->filled_quantity == qty("5"));
  CHECK(r.final_status->average_fill_price == price("249.93"));  // filled at its limit
  CHECK(report.open_orders_remaining == 0);
  CHECK(cancel_posts(sim) == 1);  // exactly one cancel request, no redundant retry

  auto filled_result = [](const std::vector<boost::json::object>& written) {
    for (const auto& rec : written)
      if (rec.at("kind") == "cancel_result" && rec.at("outcome") == "filled") return true;
    return false;
  };
  CHECK(filled_result(live.journal_once(filled_result)));
  // Finished: after a resume the same request is a new order, not a duplicate of the filled one.
  live.om.resume_submissions("test");
  auto again = live.buy("TSLA", "5", "250.30");
  REQUIRE_MESSAGE(again.envelope.has_value(), why(again));
  CHECK_FALSE(again.duplicate);
}

TEST_CASE("edge: an immediate retry by the caller returns the same envelope and places nothing new") {
  simtest::SimFixture sim;
  Live live(sim);
  auto first = live.buy("AAPL", "10", "190.00");
  REQUIRE_MESSAGE(first.envelope.has_value(), why(first));
  auto retry = live.buy("AAPL", "10", "190.00");
  REQUIRE_MESSAGE(retry.envelope.has_value(), why(retry));
  CHECK(retry.duplicate);
  CHECK(retry.envelope->order_id == first.envelope->order_id);
  CHECK(retry.envelope->ref_id == first.envelope->ref_id);
  CHECK(retry.envelope->limit_price == first.envelope->limit_price);
  CHECK(retry.envelope->submitted_at == first.envelope->submitted_at);
  CHECK(order_posts(sim) == 1);
  CHECK(broker_orders(sim) == 1);
  // The other side of the same symbol and price is a different order, not a duplicate.
  sim.admin("/_sim/position", R"({"symbol":"AAPL","quantity":"10"})");
  auto sell = live.sell("AAPL", "10", "189.54");  // 189.54 + 10 bps → 189.72, the buy's limit
  REQUIRE_MESSAGE(sell.envelope.has_value(), why(sell));
  CHECK_FALSE(sell.duplicate);
  CHECK(broker_orders(sim) == 2);
}

TEST_CASE("edge: insufficient_funds is bubbled to the caller, trips the circuit breaker and is never retried "
          "automatically") {
  simtest::SimFixture sim;
  sim.admin("/_sim/account", R"({"buying_power":"1000.00"})");
  Live live(sim);
  auto refused = live.buy("TSLA", "50", "250.30");
  REQUIRE(refused.error.has_value());
  CHECK(refused.error->category == SubmissionErrorCategory::insufficient_funds);
  CHECK(refused.error->message.find("You can only purchase 4 shares of TSLA") != std::string::npos);
  CHECK(order_posts(sim) == 1);  // one POST: the refusal is not retried
  CHECK(broker_orders(sim) == 0);

  // The breaker is open: even an affordable order is refused locally, with guidance.
  auto small = live.buy("F", "1", "11.00");
  REQUIRE(small.error.has_value());
  CHECK(small.error->category == SubmissionErrorCategory::breaker_open);
  CHECK_FALSE(small.error->guidance.empty());
  CHECK(order_posts(sim) == 1);

  bool journalled = false;
  for (const auto& r : live.journal())
    journalled |= r.at("kind") == "submission_failed" && r.at("category") == "insufficient_funds";
  CHECK(journalled);
  // An explicit resume closes the breaker again.
  live.om.resume_submissions("operator");
  auto after = live.buy("F", "1", "11.00");
  REQUIRE_MESSAGE(after.envelope.has_value(), why(after));
  CHECK(order_posts(sim) == 2);
}

TEST_CASE("edge: fractional quantities, option-like and crypto-like tickers are declined with the field named") {
  simtest::SimFixture sim;
  Live live(sim);
  struct Case {
    const char* symbol;
    const char* quantity;
    const char* field;
    const char* says;
  };
  for (auto c : {Case{"TSLA", "2.5", "quantity", "fractional"}, Case{"AAPL240621C00190000", "1", "symbol", "option"},
                 Case{"BTC-USD", "1", "symbol", "crypto"}, Case{"ETH/USD", "1", "symbol", "crypto"},
                 Case{"tsla", "1", "symbol", "uppercase"}}) {
    CAPTURE(c.symbol);
    auto r = live.buy(c.symbol, c.quantity, "100.00");
    REQUIRE(r.error.has_value());
    CHECK(r.error->category == SubmissionErrorCategory::validation);
    CHECK(r.error->field == c.field);
    CHECK(r.error->message.find(c.says) != std::string::npos);
  }
  CHECK(order_posts(sim) == 0);
  // A class suffix is a valid equity ticker.
  sim.admin("/_sim/price", R"({"symbol":"BRK.B","price":"100.00"})");
  auto brk = live.buy("BRK.B", "1", "100.00");
  REQUIRE_MESSAGE(brk.envelope.has_value(), why(brk));
  CHECK(order_posts(sim) == 1);
}

TEST_CASE("finding 19: an accepted order later rejected for buying power trips the circuit breaker, and a restart "
          "keeps it open") {
  simtest::SimFixture sim;
  TempDir shared;  // one journal (and token) for both processes
  auto config = live_config(sim, shared);
  {
    Live live(sim, config, Live::SamePaths{});
    live.om.start_polling();
    auto placed = live.buy("TSLA", "5", "250.30");
    REQUIRE_MESSAGE(placed.envelope.has_value(), why(placed));
    sim.admin("/_sim/reject", R"({"order_id":")" + placed.envelope->order_id +
                                  R"(","reason":"insufficient_buying_power"})");
    auto status = live.run(live.om.get_order_status(placed.envelope->order_id));  // the poller sees it
    REQUIRE(status.status.has_value());
    CHECK(status.status->state == OrderState::rejected);  // bubbled to the caller

    auto next = live.buy("F", "1", "11.00");
    REQUIRE(next.error.has_value());
    CHECK(next.error->category == SubmissionErrorCategory::breaker_open);
    CHECK(next.error->guidance.find("buying power") != std::string::npos);
    bool journalled = false;
    for (const auto& r : live.journal())
      journalled |= r.at("kind") == "breaker_tripped" && r.at("reason") == "insufficient_funds";
    CHECK(journalled);
  }
  {
    Live restarted(sim, config, Live::SamePaths{});  // a new process on the same journal
    auto refused = restarted.buy("F", "1", "11.00");
    REQUIRE(refused.error.has_value());
    CHECK(refused.error->category == SubmissionErrorCategory::breaker_open);
    CHECK(order_posts(sim) == 1);  // nothing sent after the rejection
    restarted.om.resume_submissions("operator");
    auto after = restarted.buy("F", "1", "11.00");
    CHECK_MESSAGE(after.envelope.has_value(), why(after));
  }
}

TEST_CASE("finding 19: a later rejection for another reason releases the key but leaves the breaker closed") {
  simtest::SimFixture sim;
  Live live(sim);
  auto placed = live.buy("TSLA", "5", "250.30");
  REQUIRE_MESSAGE(placed.envelope.has_value(), why(placed));
  sim.admin("/_sim/reject", R"({"order_id":")" + placed.envelope->order_id + R"(","reason":"market_closed"})");
  auto status = live.run(live.om.get_order_status(placed.envelope->order_id));
  REQUIRE(status.status.has_value());
  CHECK(status.status->state == OrderState::rejected);
  auto next = live.buy("F", "1", "11.00");
  CHECK_MESSAGE(next.envelope.has_value(), why(next));
}
