// Figure 3: CPU time per order through the whole actor path in paper mode (OrderManager → ledger
// → journal → PaperBroker) against a direct call of the same pricing, and the overhead of
// TradingBot::execute_trade in paper mode over the paper flow alone.
#include "actors/pricing.hpp"
#include "bench/figures.hpp"

#if OMS_BENCH_TRADING_BOT
#include "actors/trading_bot.hpp"
#endif

#include <unistd.h>

#include <boost/json.hpp>

namespace oms::bench {
namespace json = boost::json;

namespace {

// Keeps a computed value alive so the optimiser cannot drop the work that produced it.
template <class T>
void keep(const T& value) {
  asm volatile("" : : "g"(&value) : "memory");
}

// A reference price per order: 200 symbols × ascending prices, so no two orders share a
// SafetyLedger key (symbol, side, limit) and none is refused as a duplicate.
std::pair<std::string, Price> order_key(int i) {
  long ten_thousandths = 5000 + 2 * (i / 200);  // $0.5000 up in $0.0002 steps: distinct limits
  return {ticker('P', static_cast<std::size_t>(i % 200)), Price::from_units(ten_thousandths * (Price::kOne / 10000))};
}

double direct_pricing_ns(int iterations) {
  config::PriceOffsetConfig offsets;
  std::vector<Price> references;
  for (int i = 0; i < 1000; ++i) references.push_back(order_key(i * 7).second);
  double t0 = process_cpu_ns();
  for (int i = 0; i < iterations; ++i) {
    auto limit = pricing::compute_limit_price(Side::buy, references[static_cast<std::size_t>(i % 1000)], offsets);
    keep(limit);
  }
  return (process_cpu_ns() - t0) / iterations;
}

runtime::awaitable<void> sequential_orders(OrderManager* om, int first, int count) {
  auto quantity = Quantity::parse("1").value();
  for (int i = first; i < first + count; ++i) {
    auto [symbol, reference] = order_key(i);
    auto result = co_await om->place_limit_buy(symbol, quantity, reference);
    if (!result.envelope || result.duplicate)
      throw BenchError("paper order " + symbol + ": " + (result.error ? result.error->to_string() : "duplicate"));
  }
}

struct PathCost {
  double cpu_ns = 0, user_ns = 0, system_ns = 0, wall_ns = 0;
};

// CPU and wall time per order through OrderManager::submit → the actors → PaperBroker, with the
// journal in `dir`.
PathCost actor_path(const std::filesystem::path& dir, int orders) {
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir / "orders.jsonl");
  OmHost host(paper_config(dir / "orders.jsonl"), 1);
  host.start();
  host.wait_void(sequential_orders(&host.om(), 0, 50));  // warm-up: allocations, first journal lines
  double cpu0 = process_cpu_ns();
  auto [user0, system0] = process_user_system_ns();
  auto wall0 = std::chrono::steady_clock::now();
  host.wait_void(sequential_orders(&host.om(), 50, orders));
  PathCost c;
  c.wall_ns = ms_between(wall0, std::chrono::steady_clock::now()) * 1e6 / orders;
  c.cpu_ns = (process_cpu_ns() - cpu0) / orders;
  auto [user1, system1] = process_user_system_ns();
  c.user_ns = (user1 - user0) / orders;
  c.system_ns = (system1 - system0) / orders;
  std::filesystem::remove(dir / "orders.jsonl");
  return c;
}

json::object cost_json(const PathCost& c) {
  return json::object{{"cpu_ns", c.cpu_ns}, {"user_ns", c.user_ns}, {"system_ns", c.system_ns}, {"wall_ns", c.wall_ns}};
}

#if OMS_BENCH_TRADING_BOT
TradeSignal signal_for(int i) {
  auto [symbol, reference] = order_key(i);
  return TradeSignal{symbol, Side::buy, Quantity::parse("1").value(), reference, "", OrderType::limit};
}

// A fresh bot every batch: paper_trades() keeps every envelope and would grow without bound.
template <class Trade>
double per_trade_ns(int iterations, Trade trade) {
  constexpr int kBatch = 10'000;
  double total = 0;
  runtime::Runtime rt;  // owned io_context, not started: coroutines are run to completion below
  config::Config config;
  config.mode = ExecutionMode::paper;
  for (int done = 0; done < iterations; done += kBatch) {
    TradingBot bot(rt, config);
    std::vector<TradeSignal> signals;
    signals.reserve(kBatch);
    for (int i = 0; i < kBatch; ++i) signals.push_back(signal_for(done + i));
    double t0 = process_cpu_ns();
    trade(rt, bot, signals);
    total += process_cpu_ns() - t0;
  }
  return total / (iterations / kBatch * kBatch);
}

// execute_trade as it was before the order manager existed: the paper flow behind the same
// awaitable API. What the order manager adds to execute_trade's paper path is the difference.
runtime::awaitable<SubmissionResult> execute_trade_before_order_manager(TradingBot* bot, TradeSignal signal) {
  co_return bot->paper_trade(signal);
}

runtime::awaitable<void> execute_all_before(TradingBot* bot, std::vector<TradeSignal>* signals) {
  for (auto& s : *signals) {
    auto result = co_await execute_trade_before_order_manager(bot, std::move(s));
    if (!result.envelope) throw BenchError("paper trade: " + result.error->to_string());
  }
}

runtime::awaitable<void> execute_all(TradingBot* bot, std::vector<TradeSignal>* signals) {
  for (auto& s : *signals) {
    auto result = co_await bot->execute_trade(std::move(s));  // by value, as the API takes it: moved, not copied
    if (!result.envelope) throw BenchError("execute_trade (paper): " + result.error->to_string());
  }
}
#endif

}  // namespace

json::object overhead_figure(const BenchOptions& options) {
  say("== 3. runtime overhead (paper mode)");
  const int orders = options.quick ? 300 : 2000;
  const int iterations = options.quick ? 200'000 : 2'000'000;
  double direct = direct_pricing_ns(iterations);
  auto disk = actor_path(options.work_dir / "overhead", orders);
  say("overhead    direct compute_limit_price " + fmt(direct, 0) +
      " ns CPU | OrderManager::submit (paper: actors, "
      "journal on disk) " +
      fmt(disk.cpu_ns / 1000, 1) + " us CPU (" + fmt(disk.user_ns / 1000, 1) + " user + " +
      fmt(disk.system_ns / 1000, 1) + " system), " + fmt(disk.wall_ns / 1000, 1) + " us wall per order");
  json::object out{
      {"direct_pricing_cpu_ns", direct},    {"actor_path_orders", orders},
      {"actor_path_cpu_ns", disk.cpu_ns},   {"actor_path_wall_ns", disk.wall_ns},
      {"actor_path_disk", cost_json(disk)}, {"actor_path_over_direct_x", direct > 0 ? disk.cpu_ns / direct : 0.0}};
  std::filesystem::path shm = "/dev/shm";
  if (std::filesystem::is_directory(shm)) {
    auto tmpfs = actor_path(shm / ("oms-bench-overhead-" + std::to_string(::getpid())), orders);
    std::filesystem::remove_all(shm / ("oms-bench-overhead-" + std::to_string(::getpid())));
    say("overhead    the same with the journal on tmpfs: " + fmt(tmpfs.cpu_ns / 1000, 1) + " us CPU (" +
        fmt(tmpfs.user_ns / 1000, 1) + " user + " + fmt(tmpfs.system_ns / 1000, 1) + " system), " +
        fmt(tmpfs.wall_ns / 1000, 1) + " us wall per order");
    out["actor_path_tmpfs"] = cost_json(tmpfs);
  }
#if OMS_BENCH_TRADING_BOT
  const int trades = options.quick ? 50'000 : 500'000;
  auto paper_trade_all = [](runtime::Runtime&, TradingBot& bot, std::vector<TradeSignal>& signals) {
    for (const auto& s : signals) {
      auto r = bot.paper_trade(s);
      keep(r);
    }
  };
  auto run_all = [](runtime::awaitable<void> (*all)(TradingBot*, std::vector<TradeSignal>*)) {
    return [all](runtime::Runtime& rt, TradingBot& bot, std::vector<TradeSignal>& signals) {
      boost::asio::co_spawn(rt.context(), all(&bot, &signals), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
      rt.context().restart();
      rt.context().run();
    };
  };
  // Interleaved rounds, median of each: drift in the machine's load hits every path alike.
  constexpr int kRounds = 5;
  std::vector<double> paper_rounds, before_rounds, execute_rounds;
  for (int round = 0; round < kRounds; ++round) {
    paper_rounds.push_back(per_trade_ns(trades / kRounds, paper_trade_all));
    before_rounds.push_back(per_trade_ns(trades / kRounds, run_all(execute_all_before)));
    execute_rounds.push_back(per_trade_ns(trades / kRounds, run_all(execute_all)));
  }
  double paper_flow = percentile(paper_rounds, 50);
  double before = percentile(before_rounds, 50);
  double execute = percentile(execute_rounds, 50);
  auto over = [](double a, double b) { return b > 0 ? (a - b) / b * 100 : 0; };
  say("overhead    TradingBot::paper_trade " + fmt(paper_flow, 0) + " ns | awaited without the order manager " +
      fmt(before, 0) + " ns | execute_trade (paper) " + fmt(execute, 0) + " ns CPU per trade (median of " +
      std::to_string(kRounds) + " rounds) → order manager overhead " + fmt(over(execute, before), 1) +
      " %, over the plain call " + fmt(over(execute, paper_flow), 1) + " %");
  out["trading_bot"] = true;
  out["trades"] = trades;
  out["paper_flow_cpu_ns"] = paper_flow;
  out["awaited_paper_flow_cpu_ns"] = before;
  out["execute_trade_cpu_ns"] = execute;
  out["execute_trade_overhead_pct"] = over(execute, before);
  out["execute_trade_over_plain_call_pct"] = over(execute, paper_flow);
#else
  // TradingBot was not in the build: the paper figure is OrderManager::submit (the actor path).
  out["trading_bot"] = false;
  out["execute_trade_overhead_pct"] = direct > 0 ? (disk.cpu_ns - direct) / direct * 100 : 0.0;
  say("overhead    TradingBot not built: OrderManager::submit (paper) vs direct pricing " +
      fmt(direct > 0 ? (disk.cpu_ns - direct) / direct * 100 : 0, 0) + " %");
#endif
  return out;
}

}  // namespace oms::bench
