#include "gateway_fixture.hpp"

#include "actors/order_manager.hpp"

#include <filesystem>
#include <unistd.h>

using namespace gwtest;
using namespace std::chrono_literals;

namespace {

oms::config::Config config_for(simtest::SimFixture& sim, const std::string& dir) {
  auto parsed = oms::config::parse_config(R"({"mode":"live","order_management":{
      "strategy_overrides":{"exit":{"offset_mode":"absolute","sell_offset":"0.04"}},
      "rate_limit":{"burst":100,"per_second":100}}})");
  REQUIRE(parsed.has_value());
  auto c = *parsed;
  c.broker.base_url = sim.base();
  c.broker.token_path = dir + "/token.json";
  c.order_management.journal_path = dir + "/orders.jsonl";
  return c;
}

template <class T>
T run(boost::asio::io_context& ctx, oms::runtime::awaitable<T> op) {
  std::optional<T> out;
  boost::asio::co_spawn(ctx, std::move(op), [&](std::exception_ptr e, T value) {
    if (e) std::rethrow_exception(e);
    out = std::move(value);
  });
  ctx.restart();
  while (!out && ctx.run_for(20s) > 0) {
  }
  REQUIRE(out.has_value());
  return std::move(*out);
}

OrderRequest limit_buy_request() {
  return OrderRequest{"AAPL", Quantity::parse("1").value(), Side::buy, Price::parse("190").value(),
                      TimeInForce::gfd, false, "", OrderType::limit};
}

}  // namespace

TEST_CASE("the OrderManager API end to end: acceptance 1 and 2, status, and the kill switch") {
  simtest::SimFixture sim;
  auto dir = (std::filesystem::temp_directory_path() / ("oms-om-" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(dir);
  boost::asio::io_context ctx;
  oms::runtime::Runtime rt(ctx);
  oms::OrderManager om(rt, config_for(sim, dir), Credentials{"demo", "demo", "", ""});

  auto buy = run(ctx, om.place_limit_buy("TSLA", Quantity::parse("50").value(), Price::parse("250.30").value()));
  REQUIRE_MESSAGE(buy.envelope.has_value(), (buy.error ? buy.error->to_string() : ""));
  CHECK(buy.envelope->limit_price.to_string(2) == "249.93");

  sim.admin("/_sim/position", R"({"symbol":"TSLA","quantity":"50","average_buy_price":"240.00"})");
  auto sell = run(ctx, om.place_limit_sell("TSLA", Quantity::parse("50").value(), Price::parse("252.10").value(), "exit"));
  REQUIRE_MESSAGE(sell.envelope.has_value(), (sell.error ? sell.error->to_string() : ""));
  CHECK(sell.envelope->limit_price.to_string(2) == "252.14");

  auto status = run(ctx, om.get_order_status(buy.envelope->order_id));
  REQUIRE(status.status.has_value());
  CHECK(status.status->state == OrderState::queued);

  auto report = run(ctx, om.cancel_all_open_orders("operator"));
  CHECK(report.results.size() == 2);
  CHECK(report.open_orders_remaining == 0);

  // Completion-handler form, for bots without coroutines: refused while the kill switch holds.
  std::optional<SubmissionResult> refused;
  om.submit(limit_buy_request(), [&](std::exception_ptr, SubmissionResult r) { refused = std::move(r); });
  ctx.restart();
  while (!refused && ctx.run_for(5s) > 0) {
  }
  REQUIRE(refused.has_value());
  REQUIRE(refused->error.has_value());
  CHECK(refused->error->category == SubmissionErrorCategory::halted);

  om.close();
  ctx.restart();
  ctx.run_for(1s);
  std::filesystem::remove_all(dir);
}
