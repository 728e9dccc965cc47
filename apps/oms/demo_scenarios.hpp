#pragma once
/// The scenarios of `oms demo`: the seed's five acceptance scenarios and its edge cases, each run
/// live against the in-process rh-sim and checked against the seed's expected result.
#include "actors/order_manager.hpp"
#include "simclient/sim_admin.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace oms::cli::demo {

/// Something the demo needed did not happen (no answer in time): the scenario fails.
struct DemoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What one scenario asked, what the broker saw, what came back, and whether that is the seed's result.
struct Scenario {
  std::string name;      ///< "1. limit buy at 15 bps"
  std::string expected;  ///< the seed's expected result, short
  std::vector<std::string> asked, broker_saw, came_back;
  std::string got;                    ///< short, for the summary table
  std::vector<std::string> failures;  ///< every check that did not hold
  bool passed() const { return failures.empty(); }
  /// Records a check; `what` says what should have held.
  void expect(bool ok, std::string what) {
    if (!ok) failures.push_back(std::move(what));
  }
};

/// The parts a scenario works with, and the broker's side as the simulator's admin API shows it.
struct Demo {
  runtime::Runtime& rt;
  OrderManager& om;
  simclient::SimAdmin& sim;
  std::filesystem::path run_dir;

  /// Runs `op` on the runtime and blocks this (the demo's) thread until it finishes.
  template <class T>
  T wait(runtime::awaitable<T> op) {
    auto done = std::make_shared<std::promise<T>>();
    auto result = done->get_future();
    boost::asio::co_spawn(rt.context(), std::move(op), [done](std::exception_ptr e, T value) {
      if (e) done->set_exception(e);
      else done->set_value(std::move(value));
    });
    if (result.wait_for(std::chrono::seconds(60)) != std::future_status::ready)
      throw DemoError("no answer from the order manager within 60 s");
    return result.get();
  }
  SubmissionResult submit(OrderRequest request) { return wait(om.submit(std::move(request))); }
  /// The SafetyLedger's pending orders, kill-switch latch and breaker.
  PendingOrders ledger();

  /// Starts counting broker requests from zero.
  void forget_requests();
  /// Requests of one route since forget_requests(), e.g. "POST /orders/".
  long requests(const std::string& route);
  /// Every route and its count: "POST /orders/ ×1, GET /accounts/ ×1" (or "no requests").
  std::string requests_seen();
  /// Broker requests whose path contains `fragment` (e.g. one order's cancel path).
  long requests_to(const std::string& method, const std::string& fragment);
  /// Every order the broker ever created, and one by id.
  std::vector<boost::json::object> broker_orders();
  std::optional<boost::json::object> broker_order(const std::string& id);
  int open_broker_orders();
  /// True when oms.log has a line with `event` that also contains `needle`.
  bool log_has(const std::string& event, const std::string& needle) const;
};

/// A limit request as a strategy sends it.
OrderRequest limit_order(std::string symbol, Side side, std::string_view quantity, std::string_view reference,
                         std::string strategy = {});
/// "envelope order_id=… limit 249.93 …" or "error transient_exhausted: …".
std::string describe(const SubmissionResult& r);
std::string describe(const OrderStatus& s);
/// "buy 50 TSLA limit 249.93 confirmed (id …)".
std::string describe_broker_order(const boost::json::object& order);
/// The broker's text as money: "249.93000000" → Price (zero when absent).
Price broker_price(const boost::json::object& order, const char* field);
Quantity broker_quantity(const boost::json::object& order, const char* field);
std::string error_category(const SubmissionResult& r);

/// Fills `s` as it goes (name first), so a scenario that throws still shows what it had done.
using ScenarioFn = void (*)(Demo&, Scenario&);

// The first step (demo_login.cpp), before recovery: the device approval of a new device.
void device_approval(Demo& d, Scenario& s);
// Acceptance scenarios (demo_acceptance.cpp), in order: later ones use the orders earlier ones left open.
void limit_buy(Demo& d, Scenario& s);
void limit_sell_exit(Demo& d, Scenario& s);
void kill_switch(Demo& d, Scenario& s);
void partial_fill_status(Demo& d, Scenario& s);
void network_timeout(Demo& d, Scenario& s);
// Edge cases (demo_edge_cases.cpp).
void duplicate_request(Demo& d, Scenario& s);
void insufficient_funds(Demo& d, Scenario& s);
void fill_during_cancel(Demo& d, Scenario& s);
void price_not_positive(Demo& d, Scenario& s);
void equity_only_inputs(Demo& d, Scenario& s);
void market_order(Demo& d, Scenario& s);

/// Every scenario, in the order the demo runs them.
std::vector<ScenarioFn> all_scenarios();

}  // namespace oms::cli::demo
