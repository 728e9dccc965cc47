// example-bot: how a trading bot embeds the runtime. The bot is an actor on its own io_context
// (no thread of ours): price ticks arrive as messages, its strategy turns some into OrderRequest
// messages, and envelopes and fills come back as messages in the same mailbox. While it runs it
// is the owner of its journal: `oms cancel-all` from another shell halts it (docs/runbook.md).
//
//   build/bin/example-bot          paper mode: no broker, no credentials, nine ticks
//   build/bin/example-bot --sim    live mode against rh-sim started in-process on 127.0.0.1
//   build/bin/example-bot --broker URL --journal PATH [--interval-ms N] [--symbol S]
//                                  live against a running broker (credentials from RH_USERNAME,
//                                  RH_PASSWORD, RH_MFA_SECRET / RH_MFA_CODE), a buy on every tick
//                                  until SIGTERM or Ctrl-C
#include "actors/order_manager.hpp"
#include "apps/rh-sim/hosted.hpp"
#include "runtime/log.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

namespace {
using namespace oms;
using namespace std::chrono_literals;

/// Market data as the bot's feed delivers it.
struct PriceTick {
  static constexpr const char* message_type = "PriceTick";
  std::string symbol;
  Price price;
};
BOOST_DESCRIBE_STRUCT(PriceTick, (), (symbol, price))

/// The bot's strategy on a tick.
enum class Strategy {
  toy,    ///< buy 1 share on every third tick; sell what filled on the next tick
  every,  ///< buy 1 share on every tick, at the tick's price (the live stand-in for a busy bot); no sells
};

/// Every line the bot prints, flushed at once: a supervisor (or a test) reads them as they come.
void say(const std::string& line) { std::cout << line << std::endl; }

class ExampleBot final : public runtime::Actor<ExampleBot, PriceTick, SubmissionResult, FillEvent> {
 public:
  ExampleBot(runtime::Runtime& rt, OrderManager& om, Strategy strategy)
      : Actor(rt, "example_bot"), om_(om), strategy_(strategy) {}
  int envelopes = 0;
  int errors = 0;

 private:
  friend struct runtime::ActorAccess;
  void on(PriceTick tick) {
    Side side = Side::buy;
    if (strategy_ == Strategy::toy && to_sell_ > 0) {
      side = Side::sell;
      --to_sell_;
    } else if (strategy_ == Strategy::toy && ++ticks_ % 3 != 0) {
      return;
    }
    OrderRequest request{tick.symbol, Quantity::parse("1").value(), side, tick.price, TimeInForce::gfd, false,
                         "example", OrderType::limit};
    om_.submit_and_post(std::move(request), std::static_pointer_cast<ExampleBot>(shared_from_this()));
  }
  void on(SubmissionResult r) {
    if (r.envelope) {
      ++envelopes;
      say("envelope  " + r.envelope->order_id + "  " + boost::describe::enum_to_string(r.envelope->side, "") + " " +
          r.envelope->quantity.to_string() + " " + r.envelope->symbol + " @ " + r.envelope->limit_price.to_string(2) +
          (r.duplicate ? "  (duplicate)" : ""));
    } else {
      ++errors;
      say("refused   " + std::string(boost::describe::enum_to_string(r.error->category, "")) + ": " +
          r.error->to_string());
    }
  }
  void on(FillEvent f) {
    if (f.side == Side::buy) ++to_sell_;
    say("fill      " + f.order_id + "  " + f.quantity.to_string() + " @ " + f.price.to_string(2));
  }
  OrderManager& om_;
  Strategy strategy_;
  int ticks_ = 0;
  int to_sell_ = 0;  // shares bought and filled, not yet offered
};

/// The command line.
struct Options {
  bool sim = false;
  std::optional<std::string> broker;
  std::string journal;
  int interval_ms = 1000;
  std::string symbol = "TSLA";
};

int usage(const std::string& problem) {
  std::cerr << "example-bot: " << problem
            << " — usage: example-bot [--sim] | --broker URL --journal PATH [--interval-ms N] [--symbol S]\n";
  return 2;
}

std::optional<Options> parse(int argc, char** argv, int& exit_code) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    std::optional<std::string> v;
    if (arg == "--sim") {
      o.sim = true;
      continue;
    }
    if (arg != "--broker" && arg != "--journal" && arg != "--interval-ms" && arg != "--symbol") {
      exit_code = usage("'" + arg + "' is not an option");
      return std::nullopt;
    }
    if (!(v = value())) {
      exit_code = usage(arg + " needs a value");
      return std::nullopt;
    }
    if (arg == "--broker") o.broker = *v;
    else if (arg == "--journal") o.journal = *v;
    else if (arg == "--symbol") o.symbol = *v;
    else {
      try {
        o.interval_ms = std::stoi(*v);
      } catch (...) {
        o.interval_ms = 0;
      }
      if (o.interval_ms < 1 || o.interval_ms > 3'600'000) {
        exit_code = usage("--interval-ms must be a whole number of milliseconds from 1 to 3600000");
        return std::nullopt;
      }
    }
  }
  if (o.broker && o.journal.empty()) {
    exit_code = usage("--journal is required with --broker");
    return std::nullopt;
  }
  if (!o.broker && (!o.journal.empty() || o.symbol != "TSLA")) {
    exit_code = usage("--journal and --symbol go with --broker");
    return std::nullopt;
  }
  if (auto e = validate_symbol(o.symbol)) {
    exit_code = usage("--symbol " + e->rule);
    return std::nullopt;
  }
  return o;
}

// Paper and --sim: nine ticks, a sync after each, then the kill switch and a resume.
runtime::awaitable<void> scripted_feed(boost::asio::io_context& ctx, OrderManager& om,
                                       std::shared_ptr<ExampleBot> bot) {
  auto recovered = co_await om.start();
  if (!recovered.ok()) {
    std::cerr << "example-bot: recovery failed: " << recovered.error << "\n";
    om.close();
    co_return;
  }
  boost::asio::steady_timer timer(ctx);
  const char* prices[] = {"250.30", "250.10", "249.80", "249.95", "249.30", "250.05", "249.70", "250.40", "250.20"};
  for (const char* p : prices) {
    post(bot, PriceTick{"TSLA", Price::parse(p).value()});
    if (om.paper_broker()) {
      auto moved = om.paper_broker()->set_market_price("TSLA", Price::parse(p).value());
      co_await std::move(moved);
    }
    timer.expires_after(50ms);
    co_await timer.async_wait(runtime::use_awaitable);
    auto sync = om.synchronize_open_orders();  // fills reach the bot as FillEvent messages
    co_await std::move(sync);
  }
  auto report = om.cancel_all_open_orders("example-bot");
  auto cancelled = co_await std::move(report);
  say("cancel-all: " + std::to_string(cancelled.results.size()) + " order(s), " +
      std::to_string(cancelled.open_orders_remaining) + " open at the end");
  // The kill switch latches (also across restarts, through the journal) until an explicit resume.
  om.resume_submissions("example-bot");
  auto stopped = om.stop_serving(5s);
  co_await std::move(stopped);
  om.close();
}

// The broker's price for `symbol` (the last trade, else the ask); nullopt when it has none.
runtime::awaitable<std::optional<Price>> quote(OrderManager& om, std::string symbol) {
  std::vector<std::string> symbols{symbol};
  auto quotes = om.broker()->quotes(std::move(symbols));
  auto quoted = co_await std::move(quotes);
  if (!quoted || quoted->empty() || !quoted->front()) co_return std::nullopt;
  const auto& q = *quoted->front();
  co_return q.last_trade_price ? q.last_trade_price : q.ask;
}

// The tick's price: the quote stepped down by 2 bps per tick (0 to 3.98 %, inside the price
// collar), so consecutive orders rest at distinct limits instead of repeating one.
std::optional<Price> tick_price(Price quoted, int tick) {
  auto stepped = quoted.scaled(10'000 - 2 * (tick % 200), 10'000, Rounding::down);
  if (!stepped) return std::nullopt;
  auto on_cent = stepped->round_to(Price::parse("0.01").value(), Rounding::down);
  return on_cent ? *on_cent : *stepped;
}

// Live against a running broker: a buy on every tick until SIGTERM or SIGINT.
runtime::awaitable<void> live_feed(boost::asio::io_context& ctx, runtime::Runtime& rt, OrderManager& om,
                                   std::shared_ptr<ExampleBot> bot, Options options, bool& stop, bool& failed,
                                   boost::asio::signal_set& signals) {
  auto recovered = co_await om.start();
  if (!recovered.ok()) {
    std::cerr << "example-bot: start-up failed: " << recovered.error << "\n";
    failed = true;
    om.close();
    rt.stop();
    signals.cancel();
    co_return;
  }
  say("example-bot: live, broker " + options.broker.value_or("") + ", journal " + options.journal +
      ", control socket " + om.control_socket() + " — the journal's owner until SIGTERM or Ctrl-C");
  om.start_polling();  // fills reach the bot as FillEvent messages
  boost::asio::steady_timer timer(ctx);
  // The quote is read again every 5 s, not on every tick: the broker's request budget (rate_limit)
  // is shared with the orders and, above all, with the kill switch's cancels.
  std::optional<Price> quoted;
  auto quoted_at = std::chrono::steady_clock::time_point{};
  for (int tick = 0; !stop; ++tick) {
    if (!quoted || std::chrono::steady_clock::now() - quoted_at > 5s) {
      auto fresh = quote(om, options.symbol);
      if (auto q = co_await std::move(fresh)) quoted = q, quoted_at = std::chrono::steady_clock::now();
    }
    auto price = quoted ? tick_price(*quoted, tick) : std::nullopt;
    if (price) post(bot, PriceTick{options.symbol, *price});
    else say("no quote for " + options.symbol + "; skipping this tick");
    timer.expires_after(std::chrono::milliseconds(options.interval_ms));
    co_await timer.async_wait(runtime::as_tuple_awaitable);
  }
  say("example-bot: stopping; requests in flight finish, then the control socket is removed");
  auto stopped = om.stop_serving(30s);
  co_await std::move(stopped);
  om.close();
  rt.stop();  // ends the poll loop
  signals.cancel();
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  auto options = parse(argc, argv, exit_code);
  if (!options) return exit_code;
  // Logs to a file (Boost.Log would print to the console without a sink); the journal per mode.
  log::add_json_file("logs/example-bot.log");
  log::set_console(false);
  auto config = config::parse_config(R"({"mode":"paper"})").value();
  config.order_management.journal_path = options->sim ? "logs/example-bot-live.jsonl" : "logs/example-bot-paper.jsonl";
  gateway::Credentials credentials{"demo", "demo", "", ""};

  std::unique_ptr<rhsim::HostedSimulator> simulator;  // shares nothing with the bot: own context, own thread
  if (options->sim) {
    rhsim::Options sim_options;
    sim_options.log = false;
    // The example shows the bot's API, not the first login or Robinhood's limits: no device
    // approval, no throttling, no day orders expiring at 4 pm New York mid-run.
    sim_options.verification = "none";
    sim_options.throttle = false;
    sim_options.gfd_expiry = false;
    simulator = std::make_unique<rhsim::HostedSimulator>(sim_options);
    config.mode = ExecutionMode::live;
    config.broker.base_url = simulator->base_url();
    config.broker.token_path.clear();
  } else if (options->broker) {
    config.mode = ExecutionMode::live;
    config.broker.base_url = *options->broker;
    config.order_management.journal_path = options->journal;
    config.broker.token_path = options->journal + ".token.json";
    credentials = gateway::Credentials::from_environment();
  }

  boost::asio::io_context ctx;  // the bot's own event loop; the runtime is embedded in it
  runtime::Runtime rt(ctx);
  OrderManager om(rt, config, credentials);
  auto bot = std::make_shared<ExampleBot>(rt, om, options->broker ? Strategy::every : Strategy::toy);
  om.post_fills_to(bot);
  bool stop = false, failed = false;
  boost::asio::signal_set signals(ctx, SIGINT, SIGTERM);
  if (options->broker) {
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (!ec) stop = true;
    });
    boost::asio::co_spawn(ctx, live_feed(ctx, rt, om, bot, *options, stop, failed, signals), boost::asio::detached);
  } else {
    signals.cancel();
    boost::asio::co_spawn(ctx, scripted_feed(ctx, om, bot), boost::asio::detached);
  }
  ctx.run();

  simulator.reset();
  say(std::to_string(bot->envelopes) + " envelope(s), " + std::to_string(bot->errors) + " refusal(s)");
  if (options->broker) return failed ? 1 : 0;
  return bot->errors == 0 && bot->envelopes > 0 ? 0 : 1;
}
