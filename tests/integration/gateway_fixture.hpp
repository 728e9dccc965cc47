#pragma once
// The gateway against a real rh-sim over loopback: the simulator on its own thread (SimFixture),
// the product's runtime on the test thread.
#include "gateway/gateway.hpp"
#include "gateway/ids.hpp"
#include "runtime/actor.hpp"
#include "../sim/sim_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <doctest/doctest.h>

#include <exception>
#include <functional>

namespace gwtest {
using namespace oms;
using namespace oms::gateway;
using oms::runtime::awaitable;

/// A token bucket only: the broker-budget windows opened wide (tests that are not about them).
inline oms::gateway::RateLimitSettings bucket_only(int burst, int per_second) {
  oms::gateway::RateLimitSettings r;
  r.burst = burst;
  r.per_second = per_second;
  r.window_requests = 1'000'000;
  r.order_window_requests = 1'000'000;
  r.reserved_for_cancels = 1;
  return r;
}

inline GatewayOptions options_for(simtest::SimFixture& sim) {
  GatewayOptions o;
  o.base_url = sim.base();
  o.credentials = Credentials{"demo", "demo", "", ""};
  o.pool.request_timeout = std::chrono::milliseconds(400);  // the `timeout` fault never answers
  o.pool.connect_timeout = std::chrono::milliseconds(1000);
  o.retry.base_delay = std::chrono::milliseconds(5);
  o.retry.max_delay = std::chrono::milliseconds(50);
  o.retry.seed = 7;
  o.rate_limit = bucket_only(1000, 1000);
  return o;
}

/// Runs `body` as a coroutine on a fresh io_context until it finishes; rethrows its exception.
struct Harness {
  explicit Harness(simtest::SimFixture& s, std::function<void(GatewayOptions&)> tweak = {},
                   std::shared_ptr<oms::runtime::Clock> clock = nullptr)
      : sim(s), rt(ctx, {std::move(clock), nullptr}) {
    auto o = options_for(sim);
    if (tweak) tweak(o);
    gw = std::make_shared<Gateway>(rt, o);
  }
  ~Harness() {
    gw->close();
    ctx.restart();
    ctx.run_for(std::chrono::seconds(1));
  }
  void run(std::function<awaitable<void>()> body) {
    std::exception_ptr failure;
    bool finished = false;
    boost::asio::co_spawn(ctx, body, [&](std::exception_ptr e) {
      failure = e;
      finished = true;
    });
    ctx.restart();
    ctx.run_for(std::chrono::seconds(20));
    REQUIRE_MESSAGE(finished, "the test coroutine did not finish");
    if (failure) std::rethrow_exception(failure);
  }
  std::size_t broker_orders() { return sim.admin_get("/_sim/orders").at("count").to_number<std::size_t>(); }
  std::size_t broker_orders_with_ref(const std::string& ref_id) {
    std::size_t n = 0;
    auto all = sim.admin_get("/_sim/orders");  // named: a range-for over a temporary's member dangles
    for (const auto& o : all.at("results").as_array())
      if (o.at("ref_id").is_string() && o.at("ref_id").as_string() == ref_id) ++n;
    return n;
  }
  void fault(const std::string& method, const std::string& path, const std::string& kind, int count = 1,
             const std::string& extra = "") {
    sim.admin("/_sim/faults", R"({"method":")" + method + R"(","path":")" + path + R"(","kind":")" + kind +
                                  R"(","count":)" + std::to_string(count) + extra + "}");
  }

  simtest::SimFixture& sim;
  boost::asio::io_context ctx;
  oms::runtime::Runtime rt;
  std::shared_ptr<Gateway> gw;
};

inline OrderIntent buy(const std::string& symbol, const std::string& qty, const std::string& price) {
  return OrderIntent{new_ref_id(), symbol, Side::buy, Quantity::parse(qty).value(), Price::parse(price).value(),
                     TimeInForce::gfd, false};
}

}  // namespace gwtest
