// FR-009: TradingBot.execute_trade — paper short-circuits without the broker, live routes
// through the OrderManager.
#include "om_fixture.hpp"

#include "actors/trading_bot.hpp"

using namespace omtest;
using namespace oms;

namespace {
TradeSignal signal(const char* symbol, Side side, const char* qty, const char* ref, OrderType type = OrderType::limit) {
  return TradeSignal{symbol, side, Quantity::parse(qty).value(), Price::parse(ref).value(), "", type};
}
}  // namespace

TEST_CASE("FR-009: in paper mode execute_trade short-circuits: a priced paper envelope, no broker, no OrderManager") {
  TempDir dir;
  boost::asio::io_context ctx;
  runtime::Runtime rt(ctx);
  TradingBot bot(rt, paper_config(dir));
  CHECK(bot.order_manager() == nullptr);
  auto r = run(ctx, bot.execute_trade(signal("TSLA", Side::buy, "50", "250.30")));
  REQUIRE(r.envelope.has_value());
  CHECK(r.envelope->mode == ExecutionMode::paper);
  CHECK(r.envelope->limit_price.to_string(2) == "249.93");
  auto market = run(ctx, bot.execute_trade(signal("AAPL", Side::sell, "1", "190.00", OrderType::market)));
  REQUIRE(market.envelope.has_value());  // paper mode keeps market orders (FR-014)
  CHECK(market.envelope->limit_price.to_string(2) == "190.00");
  auto bad = run(ctx, bot.execute_trade(signal("tsla", Side::buy, "1", "250.00")));
  REQUIRE(bad.error.has_value());
  CHECK(bad.error->field == "symbol");
  CHECK(bot.paper_trades().size() == 2);
  CHECK_FALSE(std::filesystem::exists(dir.file("orders.jsonl")));  // nothing went near the journal or broker
}

TEST_CASE("FR-009: in live mode execute_trade routes through the OrderManager to the broker") {
  simtest::SimFixture sim;
  TempDir dir;
  boost::asio::io_context ctx;
  runtime::Runtime rt(ctx);
  TradingBot bot(rt, live_config(sim, dir), demo_credentials());
  REQUIRE(bot.order_manager() != nullptr);
  REQUIRE(run(ctx, bot.start()).ok());
  auto r = run(ctx, bot.execute_trade(signal("TSLA", Side::buy, "50", "250.30")));
  REQUIRE_MESSAGE(r.envelope.has_value(), (r.error ? r.error->to_string() : ""));
  CHECK(r.envelope->mode == ExecutionMode::live);
  CHECK(r.envelope->limit_price.to_string(2) == "249.93");
  CHECK(sim.admin_get("/_sim/orders").at("count").to_number<int>() == 1);
  auto market = run(ctx, bot.execute_trade(signal("TSLA", Side::buy, "1", "250.00", OrderType::market)));
  REQUIRE(market.error.has_value());
  CHECK(market.error->category == SubmissionErrorCategory::not_implemented);
  bot.order_manager()->close();
  settle(ctx);
}
