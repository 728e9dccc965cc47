#pragma once
// The seed's requirements as tests: one started OrderManager per test (live against its own
// rh-sim, or paper), and counters of what the broker really saw, so every assertion is about
// observable behaviour rather than internal state.
#include "om_fixture.hpp"

#include "actors/journal_file.hpp"
#include "runtime/log.hpp"

#include <boost/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace reqtest {
using namespace omtest;
using namespace oms;
using namespace std::chrono_literals;

/// A started live OrderManager against `sim`. `extra` is merged into order_management.
struct Live {
  explicit Live(simtest::SimFixture& s, const std::string& extra = "",
                std::shared_ptr<runtime::Clock> clock = nullptr,
                gateway::Credentials credentials = demo_credentials())
      : sim(s), rt(ctx, {std::move(clock), nullptr}),
        om(rt, with_dir(live_config(s, dir, extra)), std::move(credentials)) {
    started();
  }

  Live(simtest::SimFixture& s, config::Config config, std::shared_ptr<runtime::Clock> clock = nullptr,
       gateway::Credentials credentials = demo_credentials())
      : sim(s), rt(ctx, {std::move(clock), nullptr}), om(rt, with_dir(std::move(config)), std::move(credentials)) {
    started();
  }
  /// Keeps the config's journal and token paths: a "restarted process" on another Live's journal.
  struct SamePaths {};
  Live(simtest::SimFixture& s, config::Config config, SamePaths)
      : sim(s), journal_path(config.order_management.journal_path), rt(ctx), om(rt, std::move(config), demo_credentials()) {
    started();
  }
  // A clean stop: every task (the poll loop's sleep on a test's VirtualClock included) ends
  // before the io_context goes, so no clock outliving it holds a timer of it.
  ~Live() {
    om.close();
    rt.stop();
    settle(ctx);
  }

  /// Runs one call to completion. In short slices rather than omtest::run: once the poll loop
  /// sleeps, the io_context always has work and a long run_for would not return early.
  template <class T>
  T run(runtime::awaitable<T> op) {
    std::optional<T> out;
    boost::asio::co_spawn(ctx, std::move(op), [&](std::exception_ptr e, T value) {
      if (e) std::rethrow_exception(e);
      out = std::move(value);
    });
    REQUIRE(run_until([&] { return out.has_value(); }));
    return std::move(*out);
  }
  SubmissionResult submit(OrderRequest r) { return run(om.submit(std::move(r))); }
  SubmissionResult buy(const char* symbol, const char* qty, const char* ref, std::string strategy = "") {
    return submit(request(symbol, qty, Side::buy, ref, std::move(strategy)));
  }
  SubmissionResult sell(const char* symbol, const char* qty, const char* ref, std::string strategy = "") {
    return submit(request(symbol, qty, Side::sell, ref, std::move(strategy)));
  }
  /// Runs the io_context in short slices until `done()` (at most ~20 s).
  bool run_until(const std::function<bool()>& done) {
    for (int i = 0; i < 4000 && !done(); ++i) {
      ctx.restart();
      ctx.run_for(5ms);
    }
    return done();
  }
  std::vector<boost::json::object> journal() { return journal::JournalFile::read_all(journal_path); }
  /// The journal once `holds` is true of it (at most ~20 s of running the io_context). A record
  /// posted without waiting for its acknowledgement (a cancel result) reaches the file only when
  /// the io_context runs again after the call that produced it returned.
  std::vector<boost::json::object> journal_once(
      const std::function<bool(const std::vector<boost::json::object>&)>& holds) {
    run_until([&] { return holds(journal()); });
    return journal();
  }

  simtest::SimFixture& sim;
  TempDir dir;
  std::string journal_path;
  boost::asio::io_context ctx;
  runtime::Runtime rt;
  OrderManager om;

 private:
  void started() {
    auto report = omtest::run(ctx, om.start());
    REQUIRE_MESSAGE(report.ok(), report.error);
  }
  // Members are built in declaration order: `dir` exists before `om` takes its config.
  config::Config with_dir(config::Config c) {
    c.broker.token_path = dir.file("token.json");
    c.order_management.journal_path = dir.file("orders.jsonl");
    journal_path = c.order_management.journal_path;
    return c;
  }
};

/// Every broker (non-admin) request rh-sim has answered, by route ("POST /orders/", …).
inline std::int64_t route_count(simtest::SimFixture& sim, const std::string& route) {
  auto all = sim.admin_get("/_sim/requests");
  const auto& counts = all.at("counts").as_object();
  const auto* n = counts.if_contains(route);
  return n ? n->to_number<std::int64_t>() : 0;
}
inline std::int64_t broker_requests(simtest::SimFixture& sim) {
  return sim.admin_get("/_sim/requests").at("total").to_number<std::int64_t>();
}
inline std::size_t broker_orders(simtest::SimFixture& sim) {
  return sim.admin_get("/_sim/orders").at("count").to_number<std::size_t>();
}
/// Order POSTs (placements, not cancels).
inline std::int64_t order_posts(simtest::SimFixture& sim) { return route_count(sim, "POST /orders/"); }
inline std::int64_t cancel_posts(simtest::SimFixture& sim) { return route_count(sim, "POST /orders/{id}/cancel/"); }

/// Arms an rh-sim fault for the next `count` matching requests.
inline void fault(simtest::SimFixture& sim, const std::string& method, const std::string& path, const std::string& kind,
                  int count) {
  sim.admin("/_sim/faults", R"({"method":")" + method + R"(","path":")" + path + R"(","kind":")" + kind +
                                R"(","count":)" + std::to_string(count) + "}");
}

inline void fill(simtest::SimFixture& sim, const std::string& order_id, const std::string& quantity = "",
                 const std::string& price = "") {
  std::string body = R"({"order_id":")" + order_id + "\"";
  if (!quantity.empty()) body += R"(,"quantity":")" + quantity + "\"";
  if (!price.empty()) body += R"(,"price":")" + price + "\"";
  sim.admin("/_sim/fill", body + "}");
}

/// The broker's buying power as rh-sim holds it.
inline Price sim_buying_power(simtest::SimFixture& sim) {
  auto state = sim.admin_get("/_sim/state");
  return Price::parse(std::string(state.at("account").at("buying_power").as_string())).value();
}

inline Price price(const char* text) { return Price::parse(text).value(); }
inline Quantity qty(const char* text) { return Quantity::parse(text).value(); }

/// The text of a submission error for failure messages.
inline std::string why(const SubmissionResult& r) { return r.error ? r.error->to_string() : std::string(); }

}  // namespace reqtest
