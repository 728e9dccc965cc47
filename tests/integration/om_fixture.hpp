#pragma once
// OrderManager tests: a temp folder per test, a config pointing at rh-sim (or paper mode), and
// `run(ctx, awaitable)` to drive one call to completion on the test's io_context.
#include "gateway_fixture.hpp"

#include "actors/order_manager.hpp"

#include <atomic>
#include <filesystem>
#include <unistd.h>

namespace omtest {

using namespace std::chrono_literals;

/// A fresh temp folder, removed at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = (std::filesystem::temp_directory_path() /
            ("oms-om-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
               .string();
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

/// Live mode against `sim` (fast retries), journal and token in `dir`. `extra` is merged into
/// order_management (a JSON object body without braces, e.g. R"("poll_interval_s":1)").
inline oms::config::Config live_config(simtest::SimFixture& sim, const TempDir& dir, const std::string& extra = "") {
  std::string text = R"({"mode":"live","order_management":{
      "strategy_overrides":{"exit":{"offset_mode":"absolute","sell_offset":"0.04"}},
      "retry":{"max_attempts":3,"base_delay_ms":5,"max_delay_ms":20},
      "rate_limit":{"burst":100,"per_second":100,"window_requests":1000000,"order_window_requests":1000000})" +
                     (extra.empty() ? "" : "," + extra) + "}}";
  auto parsed = oms::config::parse_config(text);
  REQUIRE_MESSAGE(parsed.has_value(), (parsed ? "" : parsed.error().field + ": " + parsed.error().rule));
  auto c = *parsed;
  c.broker.base_url = sim.base();
  c.broker.token_path = dir.file("token.json");
  c.order_management.journal_path = dir.file("orders.jsonl");
  return c;
}

/// Paper mode: no broker, no credentials.
inline oms::config::Config paper_config(const TempDir& dir) {
  auto c = oms::config::parse_config(R"({"mode":"paper"})").value();
  c.order_management.journal_path = dir.file("orders.jsonl");
  return c;
}

inline oms::gateway::Credentials demo_credentials() { return {"demo", "demo", "", ""}; }

/// Runs `op` on `ctx` until it completes (at most 20 s of inactivity).
template <class T>
T run(boost::asio::io_context& ctx, oms::runtime::awaitable<T> op) {
  std::optional<T> out;
  boost::asio::co_spawn(ctx, std::move(op), [&](std::exception_ptr e, T value) {
    if (e) std::rethrow_exception(e);
    out = std::move(value);
  });
  ctx.restart();
  while (!out && ctx.run_one_for(20s) > 0) {
  }
  REQUIRE(out.has_value());
  return std::move(*out);
}

// One handler at a time, not run_for: an owner's control endpoint (and a poll loop) keep the
// io_context busy for good, so it never runs out of work to return early.
inline void run(boost::asio::io_context& ctx, oms::runtime::awaitable<void> op) {
  bool done = false;
  boost::asio::co_spawn(ctx, std::move(op), [&](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
    done = true;
  });
  ctx.restart();
  while (!done && ctx.run_one_for(20s) > 0) {
  }
  REQUIRE(done);
}

/// Lets queued work finish (closing connections) before the test's objects go.
inline void settle(boost::asio::io_context& ctx) {
  ctx.restart();
  ctx.run_for(200ms);
}

inline oms::OrderRequest request(const char* symbol, const char* quantity, oms::Side side, const char* reference,
                                 std::string strategy = "", oms::OrderType type = oms::OrderType::limit) {
  return oms::OrderRequest{symbol, oms::Quantity::parse(quantity).value(), side, oms::Price::parse(reference).value(),
                           oms::TimeInForce::gfd, false, std::move(strategy), type};
}

}  // namespace omtest
