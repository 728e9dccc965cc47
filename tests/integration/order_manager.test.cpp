#include "om_fixture.hpp"

using namespace gwtest;
using namespace std::chrono_literals;

using namespace omtest;

TEST_CASE("the OrderManager API end to end: acceptance 1 and 2, status, and the kill switch") {
  simtest::SimFixture sim;
  TempDir dir;
  boost::asio::io_context ctx;
  oms::runtime::Runtime rt(ctx);
  oms::OrderManager om(rt, live_config(sim, dir), demo_credentials());
  auto recovered = run(ctx, om.start());
  REQUIRE(recovered.ok());

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
  om.submit(request("AAPL", "1", Side::buy, "190"), [&](std::exception_ptr, SubmissionResult r) { refused = std::move(r); });
  ctx.restart();
  while (!refused && ctx.run_one_for(5s) > 0) {
  }
  REQUIRE(refused.has_value());
  REQUIRE(refused->error.has_value());
  CHECK(refused->error->category == SubmissionErrorCategory::halted);

  om.close();
  settle(ctx);
}
