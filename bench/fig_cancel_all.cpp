// Figure 1: cancel-all latency until every order is confirmed cancelled, ours vs the baseline.
#include <boost/json.hpp>

#include <thread>

#include "bench/baseline/robin_client.hpp"
#include "bench/figures.hpp"

namespace oms::bench {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// Every seeded order must end `cancelled` at the broker, whoever cancelled it.
void expect_all_cancelled(SimAdmin& admin, int orders, const char* who) {
  auto listed = admin.get("/_sim/orders");
  int cancelled = 0;
  for (const auto& o : listed.at("results").as_array()) cancelled += o.at("state").as_string() == "cancelled";
  if (cancelled != orders)
    throw BenchError(std::string(who) + " cancel-all left " + std::to_string(orders - cancelled) + " of " +
                     std::to_string(orders) + " orders not cancelled");
}

struct Run {
  double ms = 0;
  double requests = 0;
  double throttled = 0;  // 429s the broker answered during the run
  bool finished = true;
};

// The sim's request log since the last reset: every request, and the 429s among them.
void count_requests(SimAdmin& admin, Run& run) {
  auto log = admin.get("/_sim/requests");
  run.requests = log.at("total").to_number<double>();
  for (const auto& r : log.at("log").as_array()) run.throttled += r.at("status").to_number<int>() == 429;
}

Run ours_once(OmHost& ours, int orders) {
  Run run;
  auto t0 = std::chrono::steady_clock::now();
  auto report = ours.wait(ours.om().cancel_all_open_orders("bench"));
  run.ms = ms_between(t0, std::chrono::steady_clock::now());
  if (report.open_orders_remaining != 0 || static_cast<int>(report.results.size()) != orders)
    throw BenchError("cancel_all_open_orders: " + std::to_string(report.results.size()) + " results, " +
                     std::to_string(report.open_orders_remaining) + " still open");
  for (const auto& r : report.results)
    if (r.outcome != CancelOutcome::cancelled)
      throw BenchError("cancel_all_open_orders: order " + r.order_id + " " + r.detail);
  return run;
}

// The robin_stocks pattern does not retry a throttled cancel: under the throttle it may never finish.
Run baseline_once(RobinStocksBaseline& baseline, std::chrono::milliseconds give_up) {
  Run run;
  auto t0 = std::chrono::steady_clock::now();
  try {
    baseline.cancel_all_stock_orders();
    baseline.wait_until_no_open_orders(give_up);
  } catch (const std::exception&) {
    run.finished = false;
  }
  run.ms = ms_between(t0, std::chrono::steady_clock::now());
  return run;
}

struct Measured {
  std::vector<double> ms, requests, throttled;
  int unfinished = 0;
  void add(const Run& r) {
    ms.push_back(r.ms);
    requests.push_back(r.requests);
    throttled.push_back(r.throttled);
    unfinished += !r.finished;
  }
};

json::object side_json(const Measured& m, int rtt) {
  auto s = summarize(m.ms);
  auto o = to_json(s);
  o["runs"] = m.ms.size();
  o["samples_ms"] = json::value_from(m.ms);
  o["requests_per_run"] = summarize(m.requests).p50;
  o["throttled_429_per_run"] = summarize(m.throttled).p50;
  o["runs_not_finished"] = m.unfinished;
  if (rtt > 0) {
    o["p50_rtt"] = s.p50 / rtt;
    o["p95_rtt"] = s.p95 / rtt;
  }
  return o;
}

// Ours with the product's defaults (rate limiter and pool included), ours with the limiter opened
// (its broker-budget windows and its 20 / s bucket: an extra, named row, the algorithm's RTT
// floor), the baseline.
struct Contenders {
  OmHost& ours;
  OmHost* ours_open;
  RobinStocksBaseline& baseline;
};

const char* kNames[3] = {"ours", "ours (limiter opened)", "baseline"};

json::object one_setting(int rtt, int orders, int runs, bool throttled, SimHost& sim, Contenders c, Seeder& seeder) {
  SimAdmin admin(sim.port());
  Measured measured[3];
  for (int run = 0; run < runs; ++run) {
    for (int turn = 0; turn < 3; ++turn) {
      int who = (run + turn) % 3;
      if (who == 1 && !c.ours_open) continue;
      admin.post("/_sim/reset", json::object{});
      admin.post("/_sim/throttle", json::object{{"enabled", false}});
      seeder.place("META", orders, 490.00);
      // A fresh budget at the broker for the run (rh-sim's default buckets when throttled).
      admin.post("/_sim/throttle", json::object{{"enabled", throttled}});
      admin.post("/_sim/requests/reset", json::object{});
      Run r = who == 0 ? ours_once(c.ours, orders)
              : who == 1 ? ours_once(*c.ours_open, orders)
                         : baseline_once(c.baseline, throttled ? 60s : 30s);
      count_requests(admin, r);
      if (r.finished) expect_all_cancelled(admin, orders, kNames[who]);
      measured[who].add(r);
      // Our client keeps the broker's window: let it drain so every run starts with the budget.
      if (who == 0 && orders > 10) std::this_thread::sleep_for(16s);
    }
  }
  auto line = "cancel-all  " + std::string(throttled ? "THROTTLED " : "") + "RTT " + std::to_string(rtt) + " ms  " +
              std::to_string(orders) + " orders ";
  json::object row{{"rtt_ms", rtt}, {"orders", orders}, {"broker_throttle", throttled}};
  for (int who = 0; who < 3; ++who) {
    if (measured[who].ms.empty()) continue;
    auto s = summarize(measured[who].ms);
    line += std::string(" | ") + kNames[who] + " p50 " + fmt(s.p50) + " ms" +
            (rtt > 0 ? " (" + fmt(s.p50 / rtt) + " RTT)" : "") + ", " + fmt(summarize(measured[who].requests).p50, 0) +
            " req, " + fmt(summarize(measured[who].throttled).p50, 0) + " x 429" +
            (measured[who].unfinished ? ", " + std::to_string(measured[who].unfinished) + " runs unfinished" : "");
    row[who == 0 ? "ours" : who == 1 ? "ours_limiter_open" : "baseline"] = side_json(measured[who], rtt);
  }
  say(line);
  return row;
}

// Beyond the broker's window (20 requests / 15 s) ours waits for the budget: N = 100 takes about
// 75 s whatever the RTT, so one run of it says as much as two.
int runs_for(const BenchOptions& options, int orders) {
  if (options.quick) return orders >= 25 ? 1 : 2;
  return orders >= 100 ? 1 : orders >= 25 ? 2 : 5;
}

// The product as a user gets it: the defaults, nothing raised (issue 15).
config::Config product_config(const SimHost& sim, const std::filesystem::path& dir, const char* name) {
  config::Config c;
  c.mode = ExecutionMode::live;
  c.broker.base_url = sim.base_url();
  c.broker.token_path = (dir / (std::string(name) + "-token.json")).string();
  c.order_management.journal_path = (dir / (std::string(name) + ".jsonl")).string();
  return c;
}

}  // namespace

json::object cancel_all_figure(const BenchOptions& options) {
  say("== 1. cancel-all: every open order confirmed cancelled, product defaults (ours: cancel_all_open_orders; "
      "baseline: walk + cancels + walks until none is open)");
  json::array rows;
  const int counts[] = {1, 25, 100};
  auto run_at = [&](int rtt, bool throttled) {
    SimHost sim(rtt);
    auto dir = options.work_dir / ("cancel-rtt" + std::to_string(rtt) + (throttled ? "-throttled" : ""));
    std::filesystem::create_directories(dir);
    OmHost ours(product_config(sim, dir, "ours"), 2);
    ours.start();
    auto open_config = product_config(sim, dir, "ours-open");
    open_config.order_management.rate_limit.window_requests = 1'000'000;
    open_config.order_management.rate_limit.order_window_requests = 1'000'000;
    open_config.order_management.rate_limit.burst = 1'000'000;  // the bucket's 20 / s too
    open_config.order_management.rate_limit.per_second = 1'000'000;
    std::unique_ptr<OmHost> ours_open;
    if (!throttled) {
      ours_open = std::make_unique<OmHost>(open_config, 2);
      ours_open->start();
    }
    RobinStocksBaseline baseline(sim.port(), "demo", "demo");
    baseline.login();
    Seeder seeder(sim.port());
    for (int orders : counts)
      rows.push_back(one_setting(rtt, orders, runs_for(options, orders), throttled, sim,
                                 Contenders{ours, ours_open.get(), baseline}, seeder));
  };
  for (int rtt : options.rtts_ms) run_at(rtt, false);
  // rh-sim's default Robinhood-like throttle (20 requests / 15 s, 8 order POSTs / 15 s).
  run_at(options.rtts_ms.empty() ? 50 : options.rtts_ms.back(), true);
  return json::object{{"orders", json::value_from(std::vector<int>(std::begin(counts), std::end(counts)))},
                      {"runtime_threads", 2},
                      {"config", "product defaults (rate limiter: 20 requests / 15 s, 8 order POSTs / 15 s, 4 kept "
                                 "for cancels; pool_size 4 growing to pool_max 64; kill switch deadline 30 s, longer when the budget needs it)"},
                      {"rows", std::move(rows)}};
}

}  // namespace oms::bench
