// Figure 2: submission latency (P50/P95/P99) and broker requests per order, ours vs the baseline.
// Orders go out in `streams` independent streams, each one order at a time, so a latency is never
// inflated by the benchmark's own queue. Ours: one owner of the account's journal (the product's
// process model: `oms serve`, 2 runtime threads) serving every stream, as a bot's strategies
// share it; concurrent intents share an fdatasync (group commit). Baseline: one robin_stocks
// client per stream.
#include <boost/json.hpp>

#include "bench/baseline/robin_client.hpp"
#include "bench/figures.hpp"

namespace oms::bench {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr int kStreams = 16;
constexpr unsigned kOwnerThreads = 2;  // `oms serve`'s runtime
constexpr char kRepeated[] = "BENCH";    // one symbol for every order: the quote cache is warm
constexpr long kRepeatedCents = 100000;  // $1,000.00
constexpr long kDistinctCents = 10000;   // $100.00

struct Workload {
  std::vector<double> ms;
  std::size_t orders = 0;
  std::size_t requests = 0;  // broker requests seen by the simulator during the workload
  std::size_t gateway_requests = 0;
};

json::object workload_json(const Workload& w) {
  auto o = to_json(summarize(w.ms));
  o["orders"] = w.orders;
  o["requests_per_order"] = w.orders ? static_cast<double>(w.requests) / static_cast<double>(w.orders) : 0.0;
  if (w.gateway_requests)
    o["gateway_requests_per_order"] = static_cast<double>(w.gateway_requests) / static_cast<double>(w.orders);
  return o;
}

std::string line(const char* who, const Workload& w) {
  auto s = summarize(w.ms);
  return std::string(who) + " p50 " + fmt(s.p50) + "  p95 " + fmt(s.p95) + "  p99 " + fmt(s.p99) + " ms  " +
         fmt(static_cast<double>(w.requests) / static_cast<double>(std::max<std::size_t>(w.orders, 1)), 2) +
         " req/order";
}

std::size_t sim_requests(SimAdmin& admin) {
  return static_cast<std::size_t>(admin.get("/_sim/requests").at("total").to_number<double>());
}

// One stream of ours: `count` orders one after another; symbol and price per order from `pick`.
runtime::awaitable<void> our_stream(OrderManager* om, int count, std::function<std::pair<std::string, long>(int)> pick,
                                    std::vector<double>* out) {
  for (int i = 0; i < count; ++i) {
    auto [symbol, cents] = pick(i);
    auto price = Price::parse(cents_text(cents)).value();
    auto quantity = Quantity::parse("1").value();
    auto t0 = std::chrono::steady_clock::now();
    auto result = co_await om->place_limit_buy(symbol, quantity, price);
    out->push_back(ms_between(t0, std::chrono::steady_clock::now()));
    if (!result.envelope || result.duplicate)
      throw BenchError("place_limit_buy " + symbol + ": " + (result.error ? result.error->to_string() : "duplicate"));
  }
}

// Runs every stream of ours at once on the one owner and gathers their latencies.
Workload run_ours(OmHost& host, SimAdmin& admin, int per_stream,
                  const std::function<std::pair<std::string, long>(int, int)>& pick) {
  Workload w;
  std::vector<std::vector<double>> ms(kStreams);
  std::size_t before = host.gateway_requests();
  admin.post("/_sim/requests/reset", json::object{});
  parallel_for(kStreams, [&](int s) {
    auto stream_pick = [&pick, s](int i) { return pick(s, i); };
    host.wait_void(our_stream(&host.om(), per_stream, stream_pick, &ms[static_cast<std::size_t>(s)]));
  });
  w.requests = sim_requests(admin);
  for (const auto& m : ms) w.ms.insert(w.ms.end(), m.begin(), m.end());
  w.gateway_requests = host.gateway_requests() - before;
  w.orders = w.ms.size();
  return w;
}

Workload run_baseline(SimHost& sim, SimAdmin& admin, int per_stream) {
  Workload w;
  std::vector<std::vector<double>> ms(kStreams);
  std::vector<std::unique_ptr<RobinStocksBaseline>> clients;
  for (int s = 0; s < kStreams; ++s) {
    clients.push_back(std::make_unique<RobinStocksBaseline>(sim.port(), "demo", "demo"));
    clients.back()->login();
  }
  admin.post("/_sim/requests/reset", json::object{});
  parallel_for(kStreams, [&](int s) {
    auto& client = *clients[static_cast<std::size_t>(s)];
    for (int i = 0; i < per_stream; ++i) {
      // robin_stocks rounds to the cent; the price is the same kind of resting limit as ours.
      auto price = cents_text(kRepeatedCents - 200 - 2 * i);
      auto t0 = std::chrono::steady_clock::now();
      client.order_buy_limit(kRepeated, "1", price);
      ms[static_cast<std::size_t>(s)].push_back(ms_between(t0, std::chrono::steady_clock::now()));
    }
  });
  w.requests = sim_requests(admin);
  for (auto& m : ms) w.ms.insert(w.ms.end(), m.begin(), m.end());
  w.orders = w.ms.size();
  return w;
}

// Distinct symbols: stream s, order i trades its own ticker, never ordered before by that
// stream, so the Submitter's quote cache never helps. The instruments are looked up first (a bot
// trades a universe it knows); the first order ever in a symbol costs that one request more.
std::string distinct_symbol(int stream, int i) {
  return ticker(static_cast<char>('C' + stream), static_cast<std::size_t>(i));
}

void prepare_broker(SimAdmin& admin, int per_stream) {
  admin.post("/_sim/account", json::object{{"buying_power", "1000000000.00"}});
  admin.post("/_sim/price", json::object{{"symbol", kRepeated}, {"price", cents_text(kRepeatedCents)}});
  for (int s = 0; s < kStreams; ++s)
    for (int i = 0; i < per_stream; ++i)
      admin.post("/_sim/price", json::object{{"symbol", distinct_symbol(s, i)}, {"price", cents_text(kDistinctCents)}});
}

runtime::awaitable<void> warm_instruments(std::shared_ptr<gateway::Gateway> gw, int stream, int count) {
  for (int i = 0; i < count; ++i) {
    std::string symbol = distinct_symbol(stream, i);  // named: no temporary inside co_await (GCC 12)
    auto looked_up = co_await gw->instrument(std::move(symbol));
    if (!looked_up) throw BenchError("instrument look-up: " + looked_up.error().to_string());
  }
}

std::unique_ptr<OmHost> our_owner(const BenchOptions& options, SimHost& sim, int rtt, int per_stream) {
  auto dir = options.work_dir / ("submit-rtt" + std::to_string(rtt));
  std::filesystem::create_directories(dir);
  auto host = std::make_unique<OmHost>(live_config(sim.base_url(), dir / "orders.jsonl", dir / "token.json"),
                                       kOwnerThreads);
  host->start();
  // Warm-up, untimed: login, account, the repeated symbol's instrument, the distinct instruments.
  auto warm_up = host->wait(host->om().place_limit_buy(kRepeated, Quantity::parse("1").value(),
                                                       Price::parse(cents_text(kRepeatedCents)).value()));
  if (!warm_up.envelope) throw BenchError("warm-up order refused: " + warm_up.error->to_string());
  parallel_for(kStreams, [&](int s) { host->wait_void(warm_instruments(host->om().live_gateway(), s, per_stream)); });
  return host;
}

}  // namespace

json::object submission_figure(const BenchOptions& options) {
  const int orders = options.quick ? 100 : 1000;
  const int per_stream = (orders + kStreams - 1) / kStreams;
  say("== 2. submission latency: " + std::to_string(per_stream * kStreams) + " orders per setting, " +
      std::to_string(kStreams) + " independent streams, one order at a time each; ours: one owner (" +
      std::to_string(kOwnerThreads) + " runtime threads) serves every stream");
  json::array rows;
  for (int rtt : options.rtts_ms) {
    SimHost sim(rtt);
    SimAdmin admin(sim.port());
    prepare_broker(admin, per_stream);
    auto owner = our_owner(options, sim, rtt, per_stream);
    auto repeated = run_ours(*owner, admin, per_stream, [](int s, int i) {
      // A limit of its own per order across every stream: the one owner's duplicate guard is not hit.
      return std::pair<std::string, long>(kRepeated, kRepeatedCents - 2 * (i * kStreams + s + 1));
    });
    say("submission  RTT " + std::to_string(rtt) + " ms  " + line("ours (repeated symbol)", repeated));
    auto distinct = run_ours(*owner, admin, per_stream, [](int s, int i) {
      return std::pair<std::string, long>(distinct_symbol(s, i), kDistinctCents);
    });
    say("submission  RTT " + std::to_string(rtt) + " ms  " + line("ours (distinct symbols)", distinct));
    owner.reset();
    auto baseline = run_baseline(sim, admin, per_stream);
    say("submission  RTT " + std::to_string(rtt) + " ms  " + line("baseline", baseline));
    rows.push_back(json::object{{"rtt_ms", rtt},
                                {"ours_repeated", workload_json(repeated)},
                                {"ours_distinct", workload_json(distinct)},
                                {"baseline", workload_json(baseline)}});
  }
  return json::object{{"orders_per_setting", per_stream * kStreams},
                      {"streams", kStreams},
                      {"owners", 1},
                      {"owner_runtime_threads", kOwnerThreads},
                      {"rows", std::move(rows)}};
}

}  // namespace oms::bench
