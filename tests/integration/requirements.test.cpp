// The seed's functional requirements (FR-001 … FR-014), one test case each, asserted against
// rh-sim over HTTP (or paper mode, or the pure functions where the requirement is pure).
// FR-013 does not exist in the seed (it jumps from FR-012 to FR-014).
// FR-009 (TradingBot.execute_trade routes live submissions through the OrderManager, paper
// short-circuits) is not tested here: the TradingBot was being built alongside these tests and
// has its own tests in trading_bot.test.cpp.
// The non-functional requirements are in requirements_nfr.test.cpp, the seed's edge cases in
// requirements_edges.test.cpp.
#include "requirements_fixture.hpp"

#include "actors/order_errors.hpp"
#include "actors/pricing.hpp"
#include "gateway/retry.hpp"

#include <fstream>
#include <set>

using namespace reqtest;

namespace {

config::StrategyOverride absolute_buy(const char* offset) {
  config::StrategyOverride o;
  o.offset_mode = config::OffsetMode::absolute;
  o.buy_offset = Decimal::parse(offset).value();
  return o;
}

// A copy: callers pass the temporary that JournalFile::read_all returns.
std::optional<boost::json::object> last_of_kind(const std::vector<boost::json::object>& records, const char* kind) {
  std::optional<boost::json::object> found;
  for (const auto& r : records)
    if (r.at("kind") == kind) found = r;
  return found;
}

}  // namespace

TEST_CASE("FR-001: place_limit_buy computes the limit from the buy offset (bps and absolute), rounds to the tick "
          "toward the reference and rejects invalid input") {
  simtest::SimFixture sim;
  TempDir scratch;
  auto config = live_config(sim, scratch);
  config.order_management.strategy_overrides["dip"] = absolute_buy("0.05");
  Live live(sim, config);

  // bps (global default 15): 250.30 × 0.0015 = 0.37545 → 249.92455, rounded up toward the reference.
  auto bps = live.run(live.om.place_limit_buy("TSLA", qty("50"), price("250.30")));
  REQUIRE_MESSAGE(bps.envelope.has_value(), why(bps));
  CHECK(bps.envelope->limit_price == price("249.93"));
  CHECK(bps.envelope->side == Side::buy);
  // 250.33 × 0.0015 = 0.375495 → 249.954505: toward the reference is 249.96 (not 249.95), so
  // the realised offset never exceeds the configured one.
  auto rounded = live.run(live.om.place_limit_buy("TSLA", qty("1"), price("250.33")));
  REQUIRE_MESSAGE(rounded.envelope.has_value(), why(rounded));
  CHECK(rounded.envelope->limit_price == price("249.96"));
  // Absolute (strategy "dip"): 190.00 − 0.05.
  auto absolute = live.run(live.om.place_limit_buy("AAPL", qty("2"), price("190.00"), "dip"));
  REQUIRE_MESSAGE(absolute.envelope.has_value(), why(absolute));
  CHECK(absolute.envelope->limit_price == price("189.95"));
  // Below $1 the tick is $0.0001: 0.55 × 0.0015 = 0.000825 → 0.549175 → 0.5492.
  auto penny = live.run(live.om.place_limit_buy("SNDL", qty("100"), price("0.55")));
  REQUIRE_MESSAGE(penny.envelope.has_value(), why(penny));
  CHECK(penny.envelope->limit_price == price("0.5492"));

  // The broker received exactly those prices.
  auto orders = sim.admin_get("/_sim/orders");
  std::set<std::string> prices;
  for (const auto& o : orders.at("results").as_array()) prices.insert(std::string(o.at("price").as_string()));
  CHECK(prices == std::set<std::string>{"249.93000000", "249.96000000", "189.95000000", "0.54920000"});

  // Invalid input never reaches the broker.
  auto posts = order_posts(sim);
  auto zero_qty = live.run(live.om.place_limit_buy("TSLA", qty("0"), price("250.30")));
  REQUIRE(zero_qty.error.has_value());
  CHECK(zero_qty.error->category == SubmissionErrorCategory::validation);
  CHECK(zero_qty.error->field == "quantity");
  auto zero_ref = live.run(live.om.place_limit_buy("TSLA", qty("1"), price("0")));
  REQUIRE(zero_ref.error.has_value());
  CHECK(zero_ref.error->field == "reference_price");
  auto lower = live.run(live.om.place_limit_buy("tsla", qty("1"), price("250.30")));
  REQUIRE(lower.error.has_value());
  CHECK(lower.error->field == "symbol");
  CHECK(order_posts(sim) == posts);
}

TEST_CASE("FR-002: place_limit_sell applies the sell offset upward, stays at or above the reference and within "
          "the slippage guard") {
  simtest::SimFixture sim;
  sim.admin("/_sim/position", R"({"symbol":"TSLA","quantity":"100","average_buy_price":"200.00"})");
  TempDir scratch;
  auto config = live_config(sim, scratch);
  config::StrategyOverride greedy;  // 1 % above the reference, past the 0.5 % guard
  greedy.sell_offset = Decimal::parse("100").value();
  config.order_management.strategy_overrides["greedy"] = greedy;
  Live live(sim, config);

  // Acceptance 2: absolute $0.04 (strategy "exit" in the fixture's config).
  auto exit = live.run(live.om.place_limit_sell("TSLA", qty("50"), price("252.10"), "exit"));
  REQUIRE_MESSAGE(exit.envelope.has_value(), why(exit));
  CHECK(exit.envelope->limit_price == price("252.14"));
  CHECK(exit.envelope->side == Side::sell);
  // Global bps default 10: 250.35 × 0.001 = 0.25035 → 250.60035, rounded down toward the reference.
  auto bps = live.run(live.om.place_limit_sell("TSLA", qty("10"), price("250.35")));
  REQUIRE_MESSAGE(bps.envelope.has_value(), why(bps));
  CHECK(bps.envelope->limit_price == price("250.60"));
  CHECK(bps.envelope->limit_price >= bps.envelope->reference_price);

  // Past the slippage guard: refused, naming the limit price, nothing sent.
  auto posts = order_posts(sim);
  auto refused = live.run(live.om.place_limit_sell("TSLA", qty("10"), price("250.00"), "greedy"));
  REQUIRE(refused.error.has_value());
  CHECK(refused.error->category == SubmissionErrorCategory::validation);
  CHECK(refused.error->field == "limit_price");
  CHECK(refused.error->message.find("slippage guard") != std::string::npos);
  CHECK(order_posts(sim) == posts);

  // The guard's bounds, pure: the sell limit is within [reference, reference × 1.005].
  config::PriceOffsetConfig tight;
  tight.offset_mode = config::OffsetMode::absolute;
  tight.sell_offset = Decimal::parse("1.25").value();  // 0.5 % of 250.00 exactly: allowed
  CHECK(pricing::compute_limit_price(Side::sell, price("250.00"), tight).value() == price("251.25"));
  tight.sell_offset = Decimal::parse("1.26").value();
  CHECK_FALSE(pricing::compute_limit_price(Side::sell, price("250.00"), tight).has_value());
}

TEST_CASE("FR-003: order offsets load from config.order_management with validation and defaults, and "
          "strategy_overrides fall back field by field") {
  auto defaults = config::parse_config("{}").value().order_management;
  CHECK(defaults.offsets.offset_mode == config::OffsetMode::bps);
  CHECK(defaults.offsets.buy_offset == Decimal::parse("15").value());
  CHECK(defaults.offsets.sell_offset == Decimal::parse("10").value());
  CHECK(defaults.offsets.max_slippage_pct == Decimal::parse("0.5").value());
  CHECK(defaults.poll_interval_s == 15);
  CHECK(defaults.retry.max_attempts == 3);

  auto parsed = config::parse_config(R"({"order_management":{"offset_mode":"bps","buy_offset":"20",
      "strategy_overrides":{"scalp":{"buy_offset":"5"},"flat":{"offset_mode":"absolute","sell_offset":"0.07"}}}})");
  REQUIRE(parsed.has_value());
  const auto& om = parsed->order_management;
  auto scalp = om.offsets_for("scalp");
  CHECK(scalp.buy_offset == Decimal::parse("5").value());
  CHECK(scalp.sell_offset == Decimal::parse("10").value());  // not overridden: the global default
  CHECK(scalp.offset_mode == config::OffsetMode::bps);
  auto flat = om.offsets_for("flat");
  CHECK(flat.offset_mode == config::OffsetMode::absolute);
  CHECK(flat.buy_offset == Decimal::parse("20").value());  // the global value, not the default
  CHECK(om.offsets_for("unknown-strategy").buy_offset == Decimal::parse("20").value());

  // Validation names the field; a typo is an error, never a silent default.
  auto bad_mode = config::parse_config(R"({"order_management":{"offset_mode":"percent"}})");
  REQUIRE_FALSE(bad_mode.has_value());
  CHECK(bad_mode.error().field == "order_management.offset_mode");
  auto typo = config::parse_config(R"({"order_management":{"strategy_overrides":{"s":{"buy_ofset":"3"}}}})");
  REQUIRE_FALSE(typo.has_value());
  CHECK(typo.error().field == "order_management.strategy_overrides.s.buy_ofset");
  auto slippage = config::parse_config(R"({"order_management":{"max_slippage_pct":0}})");
  REQUIRE_FALSE(slippage.has_value());
  CHECK(slippage.error().field == "order_management.max_slippage_pct");

  // And the loaded overrides drive real submissions: "scalp" buys 5 bps under the reference.
  simtest::SimFixture sim;
  TempDir scratch;
  auto config = live_config(sim, scratch);
  config.order_management.offsets = om.offsets;
  config.order_management.strategy_overrides = om.strategy_overrides;
  Live live(sim, config);
  auto global = live.buy("TSLA", "1", "250.00");  // 20 bps → 249.50
  REQUIRE_MESSAGE(global.envelope.has_value(), why(global));
  CHECK(global.envelope->limit_price == price("249.50"));
  auto scalped = live.buy("TSLA", "1", "250.00", "scalp");  // 5 bps → 249.875 → 249.88
  REQUIRE_MESSAGE(scalped.envelope.has_value(), why(scalped));
  CHECK(scalped.envelope->limit_price == price("249.88"));
}

TEST_CASE("FR-004: each submitted order is recorded in an OrderEnvelope and persisted to the orders journal") {
  CHECK(config::parse_config("{}").value().order_management.journal_path == "logs/orders.jsonl");
  simtest::SimFixture sim;
  Live live(sim);
  auto before = live.rt.clock().now();
  auto r = live.buy("TSLA", "50", "250.30");
  REQUIRE_MESSAGE(r.envelope.has_value(), why(r));
  const auto& e = *r.envelope;
  auto broker = sim.admin_get("/_sim/orders").at("results").at(0);
  CHECK(e.order_id == broker.at("id").as_string());
  CHECK(e.ref_id == broker.at("ref_id").as_string());
  CHECK(e.symbol == "TSLA");
  CHECK(e.side == Side::buy);
  CHECK(e.quantity == qty("50"));
  CHECK(e.limit_price == price("249.93"));
  CHECK(e.mode == ExecutionMode::live);
  CHECK(e.submitted_at >= before);
  CHECK(e.raw.at("id") == broker.at("id"));  // the raw payload snapshot

  // The envelope is journalled behind the result (it rides with the next batch, or the journal's
  // deferral timer flushes it a moment later): wait for it, as a reader of the file would.
  REQUIRE(live.run_until([&] { return last_of_kind(live.journal(), "envelope").has_value(); }));
  auto record = last_of_kind(live.journal(), "envelope");
  REQUIRE(record.has_value());
  CHECK(record->at("order_id").as_string() == e.order_id);
  CHECK(record->at("symbol").as_string() == "TSLA");
  CHECK(record->at("side").as_string() == "buy");
  CHECK(Quantity::parse(std::string(record->at("quantity").as_string())).value() == qty("50"));
  CHECK(Price::parse(std::string(record->at("limit_price").as_string())).value() == price("249.93"));
  CHECK(record->at("mode").as_string() == "live");
  CHECK(parse_iso8601(std::string(record->at("submitted_at").as_string())).value() == e.submitted_at);

  // Paper envelopes are flagged paper in the same journal format.
  TempDir dir;
  boost::asio::io_context ctx;
  runtime::Runtime rt(ctx);
  OrderManager paper(rt, paper_config(dir), {});
  REQUIRE(run(ctx, paper.start()).ok());
  auto p = run(ctx, paper.place_limit_buy("TSLA", qty("5"), price("250.30")));
  REQUIRE_MESSAGE(p.envelope.has_value(), why(p));
  CHECK(p.envelope->mode == ExecutionMode::paper);
  settle(ctx);  // the envelope is journalled behind the result (group commit)
  auto paper_record = last_of_kind(journal::JournalFile::read_all(dir.file("orders.jsonl")), "envelope");
  REQUIRE(paper_record.has_value());
  CHECK(paper_record->at("mode").as_string() == "paper");
  paper.close();
  settle(ctx);
}

TEST_CASE("FR-005: get_order_status returns queued, partially_filled, filled, cancelled and rejected with the "
          "filled quantity, average price and raw payload") {
  simtest::SimFixture sim;
  Live live(sim);
  auto queued = live.buy("TSLA", "50", "250.30");
  auto partial = live.buy("AAPL", "10", "190.00");
  auto filled = live.buy("MSFT", "4", "415.00");
  auto rejected = live.buy("NVDA", "3", "120.00");
  for (const auto* r : {&queued, &partial, &filled, &rejected}) REQUIRE_MESSAGE(r->envelope.has_value(), why(*r));
  fill(sim, partial.envelope->order_id, "4", "189.71");
  fill(sim, filled.envelope->order_id, "1", "414.00");  // the limit is 414.38
  fill(sim, filled.envelope->order_id, "3", "414.20");
  sim.admin("/_sim/reject", R"({"order_id":")" + rejected.envelope->order_id + R"(","reason":"test"})");

  auto status = [&](const SubmissionResult& r) {
    auto reply = live.run(live.om.get_order_status(r.envelope->order_id));
    REQUIRE_MESSAGE(reply.status.has_value(), reply.error);
    CHECK(reply.status->order_id == r.envelope->order_id);
    CHECK(reply.status->raw.at("id").as_string() == r.envelope->order_id);
    return *reply.status;
  };
  auto q = status(queued);
  CHECK(q.state == OrderState::queued);
  CHECK(q.filled_quantity.is_zero());
  CHECK_FALSE(q.average_fill_price.has_value());
  CHECK(q.pending_quantity == qty("50"));

  auto p = status(partial);
  CHECK(p.state == OrderState::partially_filled);
  CHECK(p.filled_quantity == qty("4"));
  CHECK(p.average_fill_price == price("189.71"));
  CHECK(p.pending_quantity == qty("6"));

  auto f = status(filled);
  CHECK(f.state == OrderState::filled);
  CHECK(f.filled_quantity == qty("4"));
  CHECK(f.average_fill_price == price("414.15"));  // (414.00 + 3 × 414.20) / 4
  CHECK(f.pending_quantity.is_zero());

  auto x = status(rejected);
  CHECK(x.state == OrderState::rejected);

  auto report = live.run(live.om.cancel_all_open_orders("test"));
  CHECK(report.open_orders_remaining == 0);
  auto c = status(queued);
  CHECK(c.state == OrderState::cancelled);
  CHECK(c.broker_state == "cancelled");
}

TEST_CASE("FR-006: cancel_all_open_orders cancels every open equity order, returns per-order results and clears "
          "the pending cache") {
  simtest::SimFixture sim;
  Live live(sim);
  std::map<std::string, std::string> symbol_of;
  for (auto [symbol, ref] : {std::pair{"TSLA", "250.30"}, std::pair{"AAPL", "190.00"}, std::pair{"MSFT", "415.00"}}) {
    auto r = live.buy(symbol, "2", ref);
    REQUIRE_MESSAGE(r.envelope.has_value(), why(r));
    symbol_of[r.envelope->order_id] = symbol;
  }
  auto report = live.run(live.om.cancel_all_open_orders("operator"));
  REQUIRE(report.results.size() == 3);
  for (const auto& r : report.results) {
    CHECK(r.outcome == CancelOutcome::cancelled);
    CHECK(r.symbol == symbol_of[r.order_id]);
  }
  CHECK(report.open_orders_remaining == 0);
  CHECK(cancel_posts(sim) == 3);
  auto open_at_broker = 0;
  auto all = sim.admin_get("/_sim/orders");
  for (const auto& o : all.at("results").as_array()) open_at_broker += o.at("state") != "cancelled";
  CHECK(open_at_broker == 0);

  // The ledger let go of the cancelled orders: after a resume the same request is a new order.
  live.om.resume_submissions("test");
  auto again = live.buy("TSLA", "2", "250.30");
  REQUIRE_MESSAGE(again.envelope.has_value(), why(again));
  CHECK_FALSE(again.duplicate);
  CHECK(broker_orders(sim) == 4);
}

TEST_CASE("FR-007: the poller refreshes open orders every poll_interval_s (default 15 s) and calls fill callbacks, and "
          "synchronize_open_orders does it on demand") {
  simtest::SimFixture sim;
  // Virtual time starts at the real time: rh-sim stamps orders with the real clock, and the
  // incremental poll asks for orders updated since its last pass.
  auto clock = std::make_shared<runtime::VirtualClock>(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
  Live live(sim, "", clock);
  auto drain = [&] {
    live.ctx.restart();
    live.ctx.poll();
  };
  auto placed = live.buy("TSLA", "10", "250.30");
  REQUIRE_MESSAGE(placed.envelope.has_value(), why(placed));
  std::vector<FillEvent> fills;
  live.om.on_fill([&](const FillEvent& f) { fills.push_back(f); });

  auto lists = route_count(sim, "GET /orders/");
  live.om.start_polling();  // the first pass runs at once
  REQUIRE(live.run_until([&] { return route_count(sim, "GET /orders/") == lists + 1; }));
  // The loop now sleeps 15 s, beside the session keeper a polling owner runs (refresh ahead of expiry).
  REQUIRE(live.run_until([&] { return clock->sleepers() == 2; }));
  fill(sim, placed.envelope->order_id, "10", "249.93");

  clock->advance(14s, drain);
  live.ctx.restart();
  live.ctx.run_for(50ms);
  CHECK(route_count(sim, "GET /orders/") == lists + 1);  // not yet: 14 s < 15 s
  CHECK(fills.empty());

  clock->advance(1s, drain);
  REQUIRE(live.run_until([&] { return !fills.empty(); }));
  CHECK(fills[0].order_id == placed.envelope->order_id);
  CHECK(fills[0].complete);
  CHECK(fills[0].quantity == qty("10"));
  CHECK(fills[0].price == price("249.93"));

  // On demand: a partial fill of a second order is seen without waiting for the next tick.
  auto second = live.buy("AAPL", "10", "190.00");
  REQUIRE_MESSAGE(second.envelope.has_value(), why(second));
  fill(sim, second.envelope->order_id, "3", "189.71");
  auto sync = live.run(live.om.synchronize_open_orders());
  CHECK(sync.error.empty());
  CHECK(sync.fills == 1);
  REQUIRE(fills.size() == 2);
  CHECK_FALSE(fills[1].complete);
  CHECK(fills[1].cumulative_quantity == qty("3"));
}

TEST_CASE("FR-008: broker calls retry up to 3 times with exponential backoff and categorise unrecoverable failures") {
  simtest::SimFixture sim;
  Live live(sim);
  // Two transient failures, then success: one order, three POSTs with the same ref_id.
  fault(sim, "POST", "/orders/", "http_503", 2);
  auto recovered = live.buy("TSLA", "1", "250.30");
  REQUIRE_MESSAGE(recovered.envelope.has_value(), why(recovered));
  CHECK(order_posts(sim) == 3);
  CHECK(broker_orders(sim) == 1);

  // Three 503s (the broker never saw it): given up after the third attempt, categorised.
  fault(sim, "POST", "/orders/", "http_503", 3);
  auto exhausted = live.buy("AAPL", "1", "190.00");
  REQUIRE(exhausted.error.has_value());
  CHECK(exhausted.error->category == SubmissionErrorCategory::transient_exhausted);
  CHECK(order_posts(sim) == 6);
  // Three 500s (the broker may have acted): each POST is followed by a ref_id look-up, and the
  // outcome stays ambiguous — never reported as rejected without the broker saying so.
  fault(sim, "POST", "/orders/", "http_500", 3);
  auto ambiguous = live.buy("AMD", "1", "150.00");
  REQUIRE(ambiguous.error.has_value());
  CHECK(ambiguous.error->category == SubmissionErrorCategory::ambiguous_unresolved);
  CHECK(ambiguous.error->guidance.find(ambiguous.error->ref_id) != std::string::npos);
  CHECK(order_posts(sim) == 9);

  // A permanent refusal is not retried at all.
  auto refused = live.sell("MSFT", "5", "415.00");  // no MSFT shares held
  REQUIRE(refused.error.has_value());
  CHECK(refused.error->category == SubmissionErrorCategory::broker_rejected);
  CHECK(order_posts(sim) == 10);
  CHECK(broker_orders(sim) == 1);

  // The backoff doubles per attempt up to the cap (pure, jitter off).
  gateway::RetryPolicy policy{3, 100ms, 350ms, 0};
  CHECK(gateway::next_delay(policy, 1, std::nullopt, std::uint64_t{0}) == 100ms);
  CHECK(gateway::next_delay(policy, 2, std::nullopt, std::uint64_t{0}) == 200ms);
  CHECK(gateway::next_delay(policy, 3, std::nullopt, std::uint64_t{0}) == 350ms);
  CHECK(config::parse_config("{}").value().order_management.retry.max_attempts == 3);
}

TEST_CASE("FR-010: every submission, cancel and query is logged as structured JSON with session id and order id "
          "as correlation ids") {
  simtest::SimFixture sim;
  Live live(sim);
  auto log_path = live.dir.file("oms.log.jsonl");
  std::string previous_session = oms::log::session_id();
  REQUIRE(oms::log::add_json_file(log_path, oms::log::Level::info));
  oms::log::set_session_id("req-session-10");
  auto placed = live.buy("TSLA", "3", "250.30");
  auto status = live.run(live.om.get_order_status(placed.envelope ? placed.envelope->order_id : ""));
  auto report = live.run(live.om.cancel_all_open_orders("test"));
  oms::log::reset_files();
  oms::log::set_session_id(previous_session);
  REQUIRE_MESSAGE(placed.envelope.has_value(), why(placed));
  CHECK(status.status.has_value());
  CHECK(report.results.size() == 1);
  const std::string id = placed.envelope->order_id;

  std::ifstream in(log_path);
  std::map<std::string, boost::json::object> by_event;  // the last record of each event
  std::vector<boost::json::object> broker_requests;
  for (std::string line; std::getline(in, line);) {
    auto v = boost::json::parse(line).as_object();
    CHECK(v.at("session_id").as_string() == "req-session-10");
    auto event = std::string(v.at("event").as_string());
    if (event == "broker.request") broker_requests.push_back(v);
    by_event[event] = std::move(v);
  }
  REQUIRE(by_event.contains("order.submitted"));
  CHECK(by_event["order.submitted"].at("order_id").as_string() == id);
  REQUIRE(by_event.contains("order.status_query"));
  CHECK(by_event["order.status_query"].at("order_id").as_string() == id);
  REQUIRE(by_event.contains("kill_switch.completed"));
  bool cancel_logged = false;
  for (const auto& r : broker_requests) {
    auto text = std::string(r.at("request").as_string());
    cancel_logged |= r.at("kind") == "cancel_order" && text.find(id) != std::string::npos;
  }
  CHECK(cancel_logged);
}

TEST_CASE("FR-011: AccountData is served from the cache inside the TTL and dropped after every fill and "
          "cancellation, so the next read goes to the broker") {
  simtest::SimFixture sim;
  Live live(sim);
  const auto& cache = live.om.account_cache();
  auto first = live.run(live.om.account_data());
  REQUIRE_MESSAGE(first.error.empty(), first.error);
  CHECK_FALSE(first.from_cache);
  CHECK(first.buying_power == price("100000.00"));
  CHECK(first.positions.empty());
  CHECK(cache->broker_reads() == 1);
  auto position_reads = route_count(sim, "GET /positions/");
  CHECK(position_reads == 1);

  // Inside the TTL the cache answers, even though an order now holds buying power at the broker.
  auto placed = live.buy("TSLA", "10", "250.30");
  REQUIRE_MESSAGE(placed.envelope.has_value(), why(placed));
  auto cached = live.run(live.om.account_data());
  CHECK(cached.from_cache);
  CHECK(cache->broker_reads() == 1);
  CHECK(route_count(sim, "GET /positions/") == position_reads);

  // A fill seen by synchronisation drops the cache: the next read goes to the broker.
  fill(sim, placed.envelope->order_id, "10", "249.93");
  REQUIRE(live.run(live.om.synchronize_open_orders()).fills == 1);
  auto after_fill = live.run(live.om.account_data());
  CHECK_FALSE(after_fill.from_cache);
  CHECK(cache->broker_reads() == 2);
  CHECK(route_count(sim, "GET /positions/") == position_reads + 1);
  REQUIRE(after_fill.positions.size() == 1);  // the new holding is there
  CHECK(after_fill.positions[0].symbol == "TSLA");
  CHECK(after_fill.positions[0].quantity == qty("10"));
  CHECK(live.run(live.om.account_data()).from_cache);

  // So does a cancellation.
  auto resting = live.buy("AAPL", "10", "190.00");
  REQUIRE_MESSAGE(resting.envelope.has_value(), why(resting));
  REQUIRE(live.run(live.om.cancel_all_open_orders("test")).open_orders_remaining == 0);
  auto after_cancel = live.run(live.om.account_data());
  CHECK_FALSE(after_cancel.from_cache);
  CHECK(cache->broker_reads() == 3);
  CHECK(route_count(sim, "GET /positions/") == position_reads + 2);
}

// The broker's buying power itself, not only the cache flag: the gateway keeps its own account
// (for order URLs), so this checks that AccountData reads a fresh one.
TEST_CASE("FR-011: after a fill or a cancellation the next account_data() shows the broker's new buying power") {
  simtest::SimFixture sim;
  Live live(sim);
  CHECK(live.run(live.om.account_data()).buying_power == price("100000.00"));
  auto account_reads = route_count(sim, "GET /accounts/");

  auto placed = live.buy("TSLA", "10", "250.30");
  REQUIRE_MESSAGE(placed.envelope.has_value(), why(placed));
  fill(sim, placed.envelope->order_id, "10", "249.93");
  REQUIRE(live.run(live.om.synchronize_open_orders()).fills == 1);
  auto after_fill = live.run(live.om.account_data());
  CHECK(after_fill.buying_power == price("97500.70"));  // 100000 − 10 × 249.93
  CHECK(after_fill.buying_power == sim_buying_power(sim));
  CHECK(route_count(sim, "GET /accounts/") > account_reads);

  auto resting = live.buy("AAPL", "10", "190.00");  // limit 189.72: holds 1897.20
  REQUIRE_MESSAGE(resting.envelope.has_value(), why(resting));
  CHECK(live.run(live.om.account_data(true)).buying_power == price("95603.50"));
  REQUIRE(live.run(live.om.cancel_all_open_orders("test")).open_orders_remaining == 0);
  auto after_cancel = live.run(live.om.account_data());
  CHECK(after_cancel.buying_power == price("97500.70"));
  CHECK(after_cancel.buying_power == sim_buying_power(sim));
}

TEST_CASE("FR-012: failures carry a category and actionable guidance (validation, broker_rejected, "
          "insufficient_funds, transient_exhausted), as values and as OrderSubmissionError, "
          "OrderCancellationError and OrderStatusError") {
  simtest::SimFixture sim;
  Live live(sim);
  auto validation = live.buy("TSLA", "1.5", "250.30");
  REQUIRE(validation.error.has_value());
  CHECK(validation.error->category == SubmissionErrorCategory::validation);
  CHECK(validation.error->field == "quantity");
  CHECK(validation.error->guidance == "fix the input and submit again");
  CHECK(validation.error->to_string().starts_with("quantity: "));

  auto rejected = live.sell("MSFT", "5", "415.00");
  REQUIRE(rejected.error.has_value());
  CHECK(rejected.error->category == SubmissionErrorCategory::broker_rejected);
  CHECK(rejected.error->message == "Not enough shares to sell.");  // the broker's own words
  CHECK(rejected.error->guidance.find("fix it and submit again") != std::string::npos);

  fault(sim, "POST", "/orders/", "http_503", 3);
  auto transient = live.buy("AAPL", "1", "190.00");
  REQUIRE(transient.error.has_value());
  CHECK(transient.error->category == SubmissionErrorCategory::transient_exhausted);
  CHECK(transient.error->guidance.find("nothing was placed") != std::string::npos);
  CHECK_FALSE(transient.error->ref_id.empty());

  // A cancel the broker keeps failing: the report says failed, and the exception form
  // (OrderCancellationError) carries it.
  auto open = live.buy("MSFT", "1", "415.00");
  REQUIRE_MESSAGE(open.envelope.has_value(), why(open));
  fault(sim, "POST", "/orders/" + open.envelope->order_id + "/cancel/", "http_500", 3);
  auto cancel = live.run(live.om.cancel_all_open_orders("test"));
  REQUIRE(cancel.results.size() == 1);
  CHECK(cancel.results[0].outcome == CancelOutcome::failed);
  CHECK_FALSE(cancel.results[0].detail.empty());
  CHECK_FALSE(all_confirmed(cancel));
  try {
    confirmed_or_throw(cancel);
    FAIL("a failed cancel must raise OrderCancellationError");
  } catch (const OrderCancellationError& e) {
    CHECK_FALSE(e.guidance().empty());
    CHECK(e.report().open_orders_remaining == 1);
  }
  live.om.resume_submissions("test");

  // The exception form of a submission failure keeps the category and the guidance.
  try {
    envelope_or_throw(transient);
    FAIL("a failed submission must raise OrderSubmissionError");
  } catch (const OrderSubmissionError& e) {
    CHECK(e.category() == SubmissionErrorCategory::transient_exhausted);
    CHECK(e.guidance() == transient.error->guidance);
  }

  sim.admin("/_sim/account", R"({"buying_power":"100.00"})");
  auto funds = live.buy("TSLA", "1", "250.30");
  REQUIRE(funds.error.has_value());
  CHECK(funds.error->category == SubmissionErrorCategory::insufficient_funds);
  CHECK(funds.error->message.find("You can only purchase") != std::string::npos);
  CHECK(funds.error->guidance.find("add funds or reduce the quantity") != std::string::npos);
  CHECK(funds.error->guidance.find("oms resume") != std::string::npos);

  // OrderStatusError: the reply's error names the order and the reason.
  const std::string unknown = "00000000-0000-4000-8000-0000000000aa";
  auto status = live.run(live.om.get_order_status(unknown));
  CHECK_FALSE(status.status.has_value());
  CHECK(status.error.find(unknown) != std::string::npos);
  CHECK(status.error.find("not_found") != std::string::npos);
  CHECK(status.category == StatusErrorCategory::not_found);
  try {
    status_or_throw(status);
    FAIL("a failed query must raise OrderStatusError");
  } catch (const OrderStatusError& e) {
    CHECK(e.category() == StatusErrorCategory::not_found);
    CHECK(std::string(e.what()).find(unknown) != std::string::npos);
  }
}

TEST_CASE("FR-014: market and stop orders are refused live with a structured NotImplemented result, while paper mode "
          "still handles them") {
  simtest::SimFixture sim;
  Live live(sim);
  for (auto type : {OrderType::market, OrderType::stop}) {
    auto r = live.submit(request("TSLA", "1", Side::buy, "250.30", "", type));
    REQUIRE(r.error.has_value());
    CHECK(r.error->category == SubmissionErrorCategory::not_implemented);
    CHECK(r.error->field == "type");
    CHECK(r.error->guidance == "use a limit order");
  }
  CHECK(order_posts(sim) == 0);
  for (const auto& r : live.journal()) CHECK(r.at("kind") != "intent");

  TempDir dir;
  boost::asio::io_context ctx;
  runtime::Runtime rt(ctx);
  OrderManager paper(rt, paper_config(dir), {});
  REQUIRE(run(ctx, paper.start()).ok());
  auto market = run(ctx, paper.submit(request("AAPL", "2", Side::buy, "190.00", "", OrderType::market)));
  REQUIRE_MESSAGE(market.envelope.has_value(), why(market));
  CHECK(market.envelope->mode == ExecutionMode::paper);
  paper.close();
  settle(ctx);
}
