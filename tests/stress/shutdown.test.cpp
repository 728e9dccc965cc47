// Shutdown while the broker still holds requests: the runtime on its own threads is stopped at
// varying moments of a burst of submissions and a cancel-all, over an rh-sim with 20 ms of
// latency. Each stop must return, free everything (ASan checks the frees), and leave a journal a
// restarted OrderManager recovers from with no duplicate and no orphan broker order.
#include "tests/integration/om_fixture.hpp"

#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

namespace {
using namespace omtest;
using namespace oms;

template <class T>
T wait(runtime::Runtime& rt, runtime::awaitable<T> op) {
  auto promise = std::make_shared<std::promise<T>>();
  auto result = promise->get_future();
  boost::asio::co_spawn(rt.context(), std::move(op), [promise](std::exception_ptr e, T value) {
    if (e)
      promise->set_exception(e);
    else
      promise->set_value(std::move(value));
  });
  REQUIRE(result.wait_for(20s) == std::future_status::ready);
  return result.get();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Fires `count` submissions on distinct symbols (no duplicate guard in the way) and, from
// `cancel_from` on, a cancel-all, without waiting for any of them.
void fire(OrderManager& om, runtime::Runtime& rt, int round, int count, int cancel_from) {
  static const char* symbols[] = {"TSLA", "AAPL", "MSFT", "NVDA", "AMZN", "META", "GOOGL", "AMD"};
  for (int i = 0; i < count; ++i) {
    auto op = om.place_limit_buy(symbols[i % 8], Quantity::parse("1").value(), Price::parse(std::to_string(100 + round) + ".00").value(),
                                 "shutdown-" + std::to_string(i));
    boost::asio::co_spawn(rt.context(), std::move(op), boost::asio::detached);
    if (i == cancel_from) {
      auto cancel = om.cancel_all_open_orders("test");
      boost::asio::co_spawn(rt.context(), std::move(cancel), boost::asio::detached);
    }
  }
}

}  // namespace

TEST_CASE("shutdown: stopping the runtime with submissions and a cancel-all in flight returns, frees everything, "
          "and a restart recovers with no duplicate and no orphan broker order") {
  auto options = simtest::frozen_options();
  options.latency_ms = 20;
  simtest::SimFixture sim(options);
  TempDir dir;
  auto config = live_config(sim, dir, R"("price_collar_pct":100)");

  for (int round = 0; round < 12; ++round) {
    CAPTURE(round);
    runtime::Runtime rt;
    auto om = std::make_unique<OrderManager>(rt, config, demo_credentials());
    rt.start(2);
    REQUIRE(wait(rt, om->start()).ok());
    om->resume_submissions("test");  // an earlier round's cancel-all latched the kill switch
    fire(*om, rt, round, 8, round % 4 == 3 ? 5 : 100);
    // From "nothing sent yet" to "orders placed": each round stops at another point, most of
    // them while requests are at the broker (where the cancellation races their answers).
    const int stop_after_ms = round < 8 ? round * 9 : 60 + (round - 8) * 40;
    std::this_thread::sleep_for(std::chrono::milliseconds(stop_after_ms));
    om->close();
    rt.stop();
    rt.join();
    om.reset();
  }

  // A restart on the same journal settles every intent the stops left without an answer.
  runtime::Runtime rt;
  auto om = std::make_unique<OrderManager>(rt, config, demo_credentials());
  rt.start(1);
  auto report = wait(rt, om->start());
  CHECK_MESSAGE(report.ok(), report.error);
  om->close();
  rt.stop();
  rt.join();
  om.reset();

  auto orders = sim.admin_get("/_sim/orders").at("results").as_array();
  CHECK(orders.size() > 0);  // the later rounds let placements through before stopping
  std::set<std::string> refs;
  const auto journal = read_text(config.order_management.journal_path);
  for (const auto& o : orders) {
    refs.insert(std::string(o.at("ref_id").as_string()));
    const std::string id(o.at("id").as_string());
    CHECK_MESSAGE(journal.find(id) != std::string::npos, "broker order " << id << " is not in the journal");
  }
  CHECK(refs.size() == orders.size());
}
