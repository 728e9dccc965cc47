// example-bot: how a trading bot embeds the runtime. The bot is an actor on its own io_context
// (no thread of ours): price ticks arrive as messages, its strategy turns some into OrderRequest
// messages, and envelopes and fills come back as messages in the same mailbox.
//
//   build/bin/example-bot          paper mode: no broker, no credentials
//   build/bin/example-bot --sim    live mode against rh-sim started in-process on 127.0.0.1
#include "actors/order_manager.hpp"
#include "apps/rh-sim/hosted.hpp"
#include "runtime/log.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstring>
#include <iostream>

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

/// A toy strategy: buy 1 share on every third tick; sell what filled on the next tick.
class ExampleBot final : public runtime::Actor<ExampleBot, PriceTick, SubmissionResult, FillEvent> {
 public:
  ExampleBot(runtime::Runtime& rt, OrderManager& om) : Actor(rt, "example_bot"), om_(om) {}
  int envelopes = 0;
  int errors = 0;

 private:
  friend struct runtime::ActorAccess;
  void on(PriceTick tick) {
    Side side = Side::buy;
    if (to_sell_ > 0) {
      side = Side::sell;
      --to_sell_;
    } else if (++ticks_ % 3 != 0) {
      return;
    }
    OrderRequest request{tick.symbol, Quantity::parse("1").value(), side, tick.price, TimeInForce::gfd, false,
                         "example", OrderType::limit};
    om_.submit_and_post(std::move(request), std::static_pointer_cast<ExampleBot>(shared_from_this()));
  }
  void on(SubmissionResult r) {
    if (r.envelope) {
      ++envelopes;
      std::cout << "envelope  " << r.envelope->order_id << "  " << boost::describe::enum_to_string(r.envelope->side, "")
                << " " << r.envelope->quantity.to_string() << " " << r.envelope->symbol << " @ "
                << r.envelope->limit_price.to_string(2) << (r.duplicate ? "  (duplicate)" : "") << "\n";
    } else {
      ++errors;
      std::cout << "refused   " << r.error->to_string() << "\n";
    }
  }
  void on(FillEvent f) {
    if (f.side == Side::buy) ++to_sell_;
    std::cout << "fill      " << f.order_id << "  " << f.quantity.to_string() << " @ " << f.price.to_string(2) << "\n";
  }
  OrderManager& om_;
  int ticks_ = 0;
  int to_sell_ = 0;  // shares bought and filled, not yet offered
};

runtime::awaitable<void> feed(boost::asio::io_context& ctx, OrderManager& om, std::shared_ptr<ExampleBot> bot) {
  auto recovered = co_await om.start();
  if (!recovered.ok()) {
    std::cerr << "example-bot: recovery failed: " << recovered.error << "\n";
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
  std::cout << "cancel-all: " << cancelled.results.size() << " order(s), " << cancelled.open_orders_remaining
            << " open at the end\n";
  // The kill switch latches (also across restarts, through the journal) until an explicit resume.
  om.resume_submissions("example-bot");
  om.close();
}

}  // namespace

int main(int argc, char** argv) {
  bool sim = argc > 1 && std::strcmp(argv[1], "--sim") == 0;
  // Logs to a file (Boost.Log would print to the console without a sink); the journal per mode.
  log::add_json_file("logs/example-bot.log");
  log::set_console(false);
  auto config = config::parse_config(R"({"mode":"paper"})").value();
  config.order_management.journal_path = sim ? "logs/example-bot-live.jsonl" : "logs/example-bot-paper.jsonl";

  std::unique_ptr<rhsim::HostedSimulator> simulator;  // shares nothing with the bot: own context, own thread
  if (sim) {
    rhsim::Options options;
    options.log = false;
    // The example shows the bot's API, not the first login or Robinhood's limits: no device
    // approval, no throttling, no day orders expiring at 4 pm New York mid-run.
    options.verification = "none";
    options.throttle = false;
    options.gfd_expiry = false;
    simulator = std::make_unique<rhsim::HostedSimulator>(options);
    config.mode = ExecutionMode::live;
    config.broker.base_url = simulator->base_url();
    config.broker.token_path.clear();
  }

  boost::asio::io_context ctx;  // the bot's own event loop; the runtime is embedded in it
  runtime::Runtime rt(ctx);
  OrderManager om(rt, config, gateway::Credentials{"demo", "demo", "", ""});
  auto bot = std::make_shared<ExampleBot>(rt, om);
  om.post_fills_to(bot);
  boost::asio::co_spawn(ctx, feed(ctx, om, bot), boost::asio::detached);
  ctx.run();

  simulator.reset();
  std::cout << bot->envelopes << " envelope(s), " << bot->errors << " refusal(s)\n";
  return bot->errors == 0 && bot->envelopes > 0 ? 0 : 1;
}
