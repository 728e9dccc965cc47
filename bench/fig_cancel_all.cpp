// Figure 1: cancel-all latency until every order is confirmed cancelled, ours vs the baseline.
#include <boost/json.hpp>

#include "bench/baseline/robin_client.hpp"
#include "bench/figures.hpp"

namespace oms::bench {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

struct Measured {
  std::vector<double> ms;
  std::vector<double> requests;
};

// Every seeded order must end `cancelled` at the broker, whoever cancelled it.
void expect_all_cancelled(SimAdmin& admin, int orders, const char* who) {
  auto listed = admin.get("/_sim/orders");
  int cancelled = 0;
  for (const auto& o : listed.at("results").as_array()) cancelled += o.at("state").as_string() == "cancelled";
  if (cancelled != orders)
    throw BenchError(std::string(who) + " cancel-all left " + std::to_string(orders - cancelled) + " of " +
                     std::to_string(orders) + " orders not cancelled");
}

double ours_once(OmHost& ours, int orders) {
  auto t0 = std::chrono::steady_clock::now();
  auto report = ours.wait(ours.om().cancel_all_open_orders("bench"));
  double ms = ms_between(t0, std::chrono::steady_clock::now());
  if (report.open_orders_remaining != 0 || static_cast<int>(report.results.size()) != orders)
    throw BenchError("cancel_all_open_orders: " + std::to_string(report.results.size()) + " results, " +
                     std::to_string(report.open_orders_remaining) + " still open");
  for (const auto& r : report.results)
    if (r.outcome != CancelOutcome::cancelled)
      throw BenchError("cancel_all_open_orders: order " + r.order_id + " " + r.detail);
  return ms;
}

double baseline_once(RobinStocksBaseline& baseline) {
  auto t0 = std::chrono::steady_clock::now();
  baseline.cancel_all_stock_orders();
  baseline.wait_until_no_open_orders(60s);
  return ms_between(t0, std::chrono::steady_clock::now());
}

json::object side_json(const Measured& m, int rtt) {
  auto s = summarize(m.ms);
  auto o = to_json(s);
  o["runs"] = m.ms.size();
  o["samples_ms"] = json::value_from(m.ms);
  o["requests_per_run"] = summarize(m.requests).p50;
  if (rtt > 0) {
    o["p50_rtt"] = s.p50 / rtt;
    o["p95_rtt"] = s.p95 / rtt;
  }
  return o;
}

// The clients one run compares: ours with the product's defaults, ours with a larger connection
// pool (a config knob: cancels and their confirmations run on that many connections), the baseline.
struct Contenders {
  OmHost& ours;
  OmHost& ours_pool16;
  RobinStocksBaseline& baseline;
};

json::object one_setting(int rtt, int orders, int runs, SimHost& sim, Contenders c, Seeder& seeder) {
  SimAdmin admin(sim.port());
  Measured measured[3];
  const char* names[3] = {"our", "our (pool 16)", "the baseline's"};
  for (int run = 0; run < runs; ++run) {
    // Rotate who goes first so drift in the machine's load hits every client alike.
    for (int turn = 0; turn < 3; ++turn) {
      int who = (run + turn) % 3;
      admin.post("/_sim/reset", json::object{});
      seeder.place("META", orders, 490.00);
      admin.post("/_sim/requests/reset", json::object{});
      double ms = who == 0   ? ours_once(c.ours, orders)
                  : who == 1 ? ours_once(c.ours_pool16, orders)
                             : baseline_once(c.baseline);
      expect_all_cancelled(admin, orders, names[who]);
      measured[who].ms.push_back(ms);
      measured[who].requests.push_back(admin.get("/_sim/requests").at("total").to_number<double>());
    }
  }
  auto a = summarize(measured[0].ms), p = summarize(measured[1].ms), b = summarize(measured[2].ms);
  say("cancel-all  RTT " + std::to_string(rtt) + " ms  " + std::to_string(orders) + " orders  ours p50 " + fmt(a.p50) +
      "  p95 " + fmt(a.p95) + " ms (" + fmt(summarize(measured[0].requests).p50, 0) + " req) | pool 16 p50 " +
      fmt(p.p50) + " ms | baseline p50 " + fmt(b.p50) + "  p95 " + fmt(b.p95) + " ms (" +
      fmt(summarize(measured[2].requests).p50, 0) + " req)" +
      (rtt > 0 ? "  = " + fmt(a.p50 / rtt) + " / " + fmt(p.p50 / rtt) + " / " + fmt(b.p50 / rtt) + " RTT" : ""));
  return json::object{{"rtt_ms", rtt},
                      {"orders", orders},
                      {"ours", side_json(measured[0], rtt)},
                      {"ours_pool16", side_json(measured[1], rtt)},
                      {"baseline", side_json(measured[2], rtt)}};
}

int runs_for(const BenchOptions& options, int orders) {
  if (options.quick) return orders >= 25 ? 1 : 2;
  return orders >= 100 ? 3 : orders >= 25 ? 8 : 10;
}

}  // namespace

json::object cancel_all_figure(const BenchOptions& options) {
  say("== 1. cancel-all: every open order confirmed cancelled (ours: cancel_all_open_orders; baseline: walk + "
      "cancels + walks until none is open)");
  json::array rows;
  const int counts[] = {1, 5, 25, 100};
  for (int rtt : options.rtts_ms) {
    SimHost sim(rtt);
    auto dir = options.work_dir / ("cancel-rtt" + std::to_string(rtt));
    std::filesystem::create_directories(dir);
    OmHost ours(live_config(sim.base_url(), dir / "orders.jsonl", dir / "token.json"), 2);
    ours.start();
    auto pool16_config = live_config(sim.base_url(), dir / "orders-pool16.jsonl", dir / "token-pool16.json");
    pool16_config.order_management.pool_size = 16;
    OmHost ours_pool16(pool16_config, 2);
    ours_pool16.start();
    RobinStocksBaseline baseline(sim.port(), "demo", "demo");
    baseline.login();
    Seeder seeder(sim.port());
    for (int orders : counts)
      rows.push_back(
          one_setting(rtt, orders, runs_for(options, orders), sim, Contenders{ours, ours_pool16, baseline}, seeder));
  }
  return json::object{{"orders", json::value_from(std::vector<int>(std::begin(counts), std::end(counts)))},
                      {"runtime_threads", 2},
                      {"rows", std::move(rows)}};
}

}  // namespace oms::bench
