#pragma once
// One OrderManager process-lifetime: its own io_context and Runtime on the test thread, live
// against a SimFixture, with the journal in a TempDir (tests/integration/om_fixture.hpp).
#include "tests/integration/om_fixture.hpp"

#include "messages/safety.hpp"

#include <functional>
#include <vector>

namespace reltest {

using namespace std::chrono_literals;

/// Live mode against `sim`, journal and token in `dir`; `order_management` is that object's JSON
/// body without braces (retry, timeouts, rate_limit as each test needs them).
inline oms::config::Config reliability_config(simtest::SimFixture& sim, const omtest::TempDir& dir,
                                              const std::string& order_management) {
  auto parsed = oms::config::parse_config(R"({"mode":"live","order_management":{)" + order_management + "}}");
  REQUIRE_MESSAGE(parsed.has_value(), (parsed ? "" : parsed.error().field + ": " + parsed.error().rule));
  auto c = *parsed;
  c.broker.base_url = sim.base();
  c.broker.token_path = dir.file("token.json");
  c.order_management.journal_path = dir.file("orders.jsonl");
  return c;
}

struct Session {
  Session(simtest::SimFixture& sim, const omtest::TempDir& dir, const std::string& order_management)
      : rt(ctx), om(rt, reliability_config(sim, dir, order_management), omtest::demo_credentials()) {}
  ~Session() {
    om.close();
    omtest::settle(ctx);
  }
  boost::asio::io_context ctx;
  oms::runtime::Runtime rt;
  oms::OrderManager om;
};

/// Runs every awaitable concurrently on `ctx` and returns their results in order.
template <class T>
std::vector<T> run_all(boost::asio::io_context& ctx, std::vector<oms::runtime::awaitable<T>> ops) {
  std::vector<std::optional<T>> out(ops.size());
  std::size_t done = 0;
  for (std::size_t i = 0; i < ops.size(); ++i)
    boost::asio::co_spawn(ctx, std::move(ops[i]), [&, i](std::exception_ptr e, T value) {
      if (e) std::rethrow_exception(e);
      out[i] = std::move(value);
      ++done;
    });
  ctx.restart();
  while (done < out.size() && ctx.run_one_for(20s) > 0) {
  }
  REQUIRE(done == out.size());
  std::vector<T> values;
  for (auto& v : out) values.push_back(std::move(*v));
  return values;
}

/// The broker ids the SafetyLedger still holds as pending.
inline oms::PendingOrders pending_orders(Session& s) {
  auto ask_ledger = [](std::shared_ptr<oms::actors::SafetyLedger> ledger) -> oms::runtime::awaitable<oms::PendingOrders> {
    oms::PendingOrdersQuery query;
    auto reply = co_await oms::runtime::ask<oms::PendingOrders>(ledger, std::move(query), 5s);
    REQUIRE(reply.has_value());
    co_return *reply;
  };
  return omtest::run(s.ctx, ask_ledger(s.om.ledger()));
}

}  // namespace reltest
