// Issue 13, findings 3 and 10, through the `oms` binary as an operator runs it against rh-sim.
#include "cli_fixture.hpp"

#include "actors/order_manager.hpp"

#include <boost/asio/co_spawn.hpp>

using namespace clitest;

namespace {

template <class T>
T run(boost::asio::io_context& ctx, oms::runtime::awaitable<T> op) {
  std::optional<T> out;
  boost::asio::co_spawn(ctx, std::move(op), [&](std::exception_ptr e, T value) {
    if (e) std::rethrow_exception(e);
    out = std::move(value);
  });
  ctx.restart();
  while (!out && ctx.run_one_for(std::chrono::seconds(20)) > 0) {
  }
  REQUIRE(out.has_value());
  return std::move(*out);
}

// A bot embedding the runtime on the fixture's journal and broker: its buy is accepted at the
// broker but the answer is lost and every look-up fails, so it ends unresolved (the journal
// then holds the intent and an ambiguous submission_failed, the broker the order).
std::string unresolved_buy(CliFixture& f) {
  auto config = oms::config::load_config((f.dir / "config.json").string()).value();
  boost::asio::io_context ctx;
  oms::runtime::Runtime rt(ctx);
  oms::OrderManager om(rt, config, oms::gateway::Credentials{"demo", "demo", "", ""});
  REQUIRE(run(ctx, om.start()).ok());
  f.fault("POST", "/orders/", "drop_after_accept", 1);
  f.fault("GET", "/orders/", "http_500", 1000);
  oms::OrderRequest buy{"TSLA", oms::Quantity::parse("1").value(), oms::Side::buy, oms::Price::parse("250").value()};
  auto result = run(ctx, om.submit(std::move(buy)));
  REQUIRE(result.error.has_value());
  REQUIRE(result.error->category == oms::SubmissionErrorCategory::ambiguous_unresolved);
  om.close();
  rt.stop();
  ctx.restart();
  ctx.run_for(std::chrono::milliseconds(200));
  f.sim.client().request("DELETE", "/_sim/faults");
  return result.error->ref_id;
}

boost::json::object row_of(const boost::json::value& rows, const std::string& ref_id) {
  for (const auto& r : rows.as_array())
    if (r.at("ref_id").as_string() == ref_id) return r.as_object();
  return {};
}
}  // namespace

TEST_CASE("finding 3: with 1 share resting at TSLA buy 249.63, `oms buy TSLA 40 --ref 250` exits 5 naming the pending order and sends nothing") {
  CliFixture f;
  auto first = f.oms_json({"buy", "TSLA", "1", "--ref", "250"});
  REQUIRE(str(first, "limit_price") == "249.63");
  const std::string order_id = str(first, "order_id");

  Result bigger = f.oms({"buy", "TSLA", "40", "--ref", "250"});
  INFO("stderr: ", bigger.err);
  CHECK(bigger.exit_code == 5);
  CHECK(bigger.out.empty());
  CHECK(one_error_line(bigger.err));
  CHECK(bigger.err.find(order_id) != std::string::npos);
  CHECK(bigger.err.find("quantity 1") != std::string::npos);
  CHECK(f.broker_orders() == 1);

  // Only the identical request is answered with the existing envelope, as it was placed.
  auto same = f.oms_json({"buy", "TSLA", "1", "--ref", "250"});
  CHECK(same.at("duplicate").as_bool());
  CHECK(str(same, "order_id") == order_id);
  CHECK(str(same, "quantity") == "1");
  CHECK(str(same, "reference_price") == "250.00");
  CHECK(str(same, "submitted_at") == str(first, "submitted_at"));
  CHECK(str(same, "submitted_at").rfind("1970", 0) == std::string::npos);
  CHECK(f.broker_orders() == 1);
}

TEST_CASE("finding 10: an order found at the broker after an ambiguous buy shows its real state in `oms orders` and under --state queued") {
  CliFixture f;
  const std::string ref_id = unresolved_buy(f);
  auto ids = f.sim.admin_get("/_sim/orders");
  REQUIRE(ids.at("count").to_number<int>() == 1);
  const std::string order_id(ids.at("results").at(0).at("id").as_string());
  REQUIRE(ids.at("results").at(0).at("ref_id").as_string() == ref_id);

  // Before anyone found it: unresolved, not failed.
  auto before = row_of(f.oms_json({"orders"}), ref_id);
  CHECK(str(before, "state") == "unresolved");
  // The next start finds it by its ref_id and journals its envelope.
  REQUIRE(f.oms({"sync", "--once", "--json"}).exit_code == 0);
  auto rows = f.oms_json({"orders"});
  auto row = row_of(rows, ref_id);
  CHECK(str(row, "order_id") == order_id);
  CHECK(str(row, "state") == "queued");
  auto queued = f.oms_json({"orders", "--state", "queued"});
  CHECK(str(row_of(queued, ref_id), "order_id") == order_id);
  CHECK(f.oms_json({"orders", "--state", "failed"}).as_array().empty());
}
