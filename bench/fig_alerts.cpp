// Figure 7 (issue 16): alerts never sit on the order path. Submission latency against rh-sim
// without alerts, then with alerts going to a webhook that accepts connections and never
// answers, while alerts are queued behind it (kill switch engaged and resumed before the
// orders). The two columns should be the same: a hung receiver delays only its own queue.
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include "bench/figures.hpp"
#include "console/metrics.hpp"

namespace oms::bench {
namespace json = boost::json;
namespace asio = boost::asio;

namespace {

constexpr int kEpisodes = 10;  // kill switch engaged + resumed: 2 alerts each, queued behind the hung webhook

// One symbol (figure 2's, whose instrument and quote the simulator knows), 2 cents apart per order
// (as figure 2: 1 cent apart, two references can round to one limit price and the duplicate guard
// answers instead of the broker). Order 0 is the warm-up (instrument and quote lookups), not counted.
std::vector<double> sequential_orders(OmHost& host, int count) {
  std::vector<double> ms;
  auto quantity = Quantity::parse("1").value();
  const std::string symbol = "BENCH";
  for (int i = 0; i <= count; ++i) {
    auto price = Price::parse(cents_text(100000 - 2 * i)).value();
    auto t0 = std::chrono::steady_clock::now();
    auto result = host.wait(host.om().place_limit_buy(symbol, quantity, price));
    if (i > 0) ms.push_back(ms_between(t0, std::chrono::steady_clock::now()));
    if (!result.envelope) throw BenchError("place_limit_buy " + symbol + ": " + (result.error ? result.error->to_string() : "?"));
    if (result.duplicate) throw BenchError("place_limit_buy " + symbol + ": answered as a duplicate, not by the broker");
  }
  return ms;
}

}  // namespace

json::object alerts_figure(const BenchOptions& options) {
  int orders = options.quick ? 40 : 200;
  say("figure 7: submission latency with alerts to a hung webhook (" + std::to_string(orders) + " orders each)");
  SimHost sim(0);
  SimAdmin admin(sim.port());
  admin.post("/_sim/account", json::object{{"buying_power", "1000000000.00"}});
  admin.post("/_sim/price", json::object{{"symbol", "BENCH"}, {"price", cents_text(100000)}});
  // The hung receiver: the kernel completes each connection (listen backlog) and nobody reads.
  asio::io_context ctx;
  asio::ip::tcp::acceptor hung(ctx, {asio::ip::make_address("127.0.0.1"), 0});
  auto hung_url = "http://127.0.0.1:" + std::to_string(hung.local_endpoint().port()) + "/hook";

  json::object out;
  for (bool alerts : {false, true}) {
    auto dir = options.work_dir / (alerts ? "alerts-hung" : "alerts-none");
    std::filesystem::remove_all(dir);  // a session from another simulator run is not this one's
    std::filesystem::create_directories(dir);
    auto config = live_config(sim.base_url(), dir / "orders.jsonl", dir / "token.json");
    if (alerts) config.alerts.webhook_url = hung_url;
    OmHost host(config, 1);
    host.start();
    if (alerts)
      for (int i = 0; i < kEpisodes; ++i) {
        host.wait(host.om().cancel_all_open_orders("bench"));
        host.om().resume_submissions("bench");
      }
    auto ms = sequential_orders(host, orders);
    auto s = summarize(ms);
    say(std::string(alerts ? "  hung webhook, alerts queued: " : "  no alerts:                    ") + "p50 " + fmt(s.p50) +
        "  p95 " + fmt(s.p95) + "  p99 " + fmt(s.p99) + " ms");
    out[alerts ? "hung_webhook" : "no_alerts"] = to_json(s);
    if (alerts) {
      // Every alert still waits behind the hung receiver: the orders ran while it held the queue.
      auto m = host.om().metrics()->snapshot();
      if (m.alerts_sent != 0) throw BenchError("the hung webhook answered: the figure measured nothing");
      out["alerts_delivered_during_orders"] = m.alerts_sent;
    }
  }
  out["alerts_queued_before"] = 2 * kEpisodes;
  out["webhook"] = "accepts TCP connections and never answers (the notifier's 5 s request deadline, then backoff)";
  return out;
}

}  // namespace oms::bench
