#pragma once
/// OrderManager: the seed's API for a bot embedding the runtime. Wires the Journal,
/// SafetyLedger, Gateway, Submitter, Canceller and StatusPoller from config.json and exposes
/// place_limit_buy / place_limit_sell / get_order_status / cancel_all_open_orders /
/// synchronize_open_orders as awaitables, as completion-handler calls, and (for message-driven
/// bots) the actors themselves to `post`/`ask` to.
#include "actors/cache_invalidator.hpp"
#include "actors/canceller.hpp"
#include "actors/journal.hpp"
#include "actors/safety_ledger.hpp"
#include "actors/settlement.hpp"
#include "actors/status_poller.hpp"
#include "actors/submitter.hpp"
#include "config/config.hpp"
#include "gateway/gateway.hpp"
#include "gateway/paper_broker.hpp"
#include "messages/recovery.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <memory>
#include <string>

namespace oms {

namespace actors {
class OwnerEndpoint;
}
namespace console {
class Console;
class Metrics;
class Monitor;
class Notifier;
}

/// How an OrderManager takes part in the one-owner model (docs/architecture.md).
struct OwnerOptions {
  /// Serve the control endpoint (order_management.control_socket) from start() on. Off only in
  /// tests that never let an `oms` command or another client reach this process.
  bool control_endpoint = true;
  /// The operator console's address ("127.0.0.1:0"), overriding config `console.listen`; an empty
  /// string turns it off. Needs the control endpoint (the console is one of its clients).
  std::optional<std::string> console_listen;
};

class OrderManager {
  using awaitable_result = runtime::awaitable<SubmissionResult>;

 public:
  /// Builds the actors on `rt`. Credentials are used only by the gateway and never stored elsewhere.
  OrderManager(runtime::Runtime& rt, const config::Config& config, gateway::Credentials credentials,
               OwnerOptions options = {});
  ~OrderManager();

  /// Start-up (call once, before trading): opens the control endpoint — from now on `oms`
  /// commands and other clients are carried out by this process — then runs recovery: replays
  /// the journal, settles every intent that has no broker id through the ref_id look-up, catches
  /// up with what happened while no process ran (one poll pass from the journalled cursor: fills
  /// and state changes journalled and delivered to the fill callbacks once), adopts open broker
  /// orders the journal does not know, restores the duplicate guard, the kill-switch latch and
  /// the breaker. Submissions are refused from construction until it has finished.
  /// Fails, sending nothing, when another process owns the journal (`journal_owner_pid`), a line
  /// in its middle does not parse (`journal_malformed_lines`), or the control socket cannot be
  /// opened (the kill switch must reach the owner).
  runtime::awaitable<RecoveryReport> start();
  /// The console's URL with its access token ("http://127.0.0.1:PORT/?token=…") once start() has
  /// opened it, else empty. A secret: print it to the operator, never to a log.
  std::string console_url() const;
  /// The owner's Prometheus counters (the console's GET /metrics).
  const std::shared_ptr<console::Metrics>& metrics() const noexcept { return metrics_; }
  /// The control socket this process serves (or would serve) as the journal's owner.
  const std::string& control_socket() const noexcept { return control_socket_; }
  /// Clean shutdown of the endpoint: stops accepting, removes the socket file, lets requests in
  /// flight finish (at most `grace`), closes the connections. close() afterwards.
  runtime::awaitable<void> stop_serving(std::chrono::milliseconds grace);

  // Awaitables (call them inside a coroutine; each posts to the actors when called).
  runtime::awaitable<SubmissionResult> place_limit_buy(std::string symbol, Quantity quantity, Price reference_price,
                                                       std::string strategy = {});
  runtime::awaitable<SubmissionResult> place_limit_sell(std::string symbol, Quantity quantity, Price reference_price,
                                                        std::string strategy = {});
  runtime::awaitable<SubmissionResult> submit(OrderRequest request);
  runtime::awaitable<StatusReply> get_order_status(std::string order_id);
  runtime::awaitable<CancelAllReport> cancel_all_open_orders(std::string requested_by = "bot");
  runtime::awaitable<SyncReport> synchronize_open_orders();
  /// AccountData (buying power, positions): cached for account_cache_ttl_s, dropped after every
  /// fill and cancellation (FR-011). `fresh` reads the broker regardless.
  runtime::awaitable<AccountData> account_data(bool fresh = false);

  /// Completion-handler form for bots without coroutines: `handler(std::exception_ptr, Result)`
  /// runs on the runtime's io_context.
  template <class Handler>
  void submit(OrderRequest request, Handler&& handler) {
    boost::asio::co_spawn(rt_.context(), submit(std::move(request)), std::forward<Handler>(handler));
  }
  template <class Handler>
  void cancel_all_open_orders(std::string requested_by, Handler&& handler) {
    boost::asio::co_spawn(rt_.context(), cancel_all_open_orders(std::move(requested_by)), std::forward<Handler>(handler));
  }

  /// Message form, for bots that are actors themselves: the SubmissionResult arrives in
  /// `reply_actor`'s mailbox (its `on(SubmissionResult)`), like any other message.
  template <class A>
  void submit_and_post(OrderRequest request, std::shared_ptr<A> reply_actor) {
    auto forward = [](awaitable_result pending, std::shared_ptr<A> to) -> runtime::awaitable<void> {
      auto result = co_await std::move(pending);
      post(to, std::move(result), "order_manager");
    };
    boost::asio::co_spawn(rt_.context(), forward(submit(std::move(request)), std::move(reply_actor)),
                          boost::asio::detached);
  }
  /// Fills as messages: every FillEvent is posted to `actor` (its `on(FillEvent)`).
  template <class A>
  void post_fills_to(std::shared_ptr<A> actor) {
    on_fill([weak = std::weak_ptr<A>(actor)](const FillEvent& fill) {
      if (auto to = weak.lock()) post(to, fill, "status_poller");
    });
  }

  /// Fill callbacks (called on the poller's strand); register before start(): fills that
  /// happened while no process ran are delivered during start().
  void on_fill(actors::StatusPoller::FillCallback callback) { poller_->on_fill(std::move(callback)); }
  /// Starts the poll loop (every order_management.poll_interval_s).
  void start_polling();
  /// Re-opens submissions after the kill switch or a tripped breaker.
  void resume_submissions(std::string requested_by);
  /// Closes the control endpoint and the broker connections (the runtime's stop() cancels
  /// everything else).
  void close();
  /// The correlation id every log line of this process carries (seed FR-010): the one the bot set
  /// with log::set_session_id before building the OrderManager, else one made then.
  const std::string& session_id() const noexcept { return session_id_; }

  // The actors, for bots that post messages (e.g. post(om.submitter(), Ask<OrderRequest, …>)).
  const std::shared_ptr<actors::Submitter>& submitter() const { return submitter_; }
  const std::shared_ptr<actors::Canceller>& canceller() const { return canceller_; }
  const std::shared_ptr<actors::StatusPoller>& poller() const { return poller_; }
  const std::shared_ptr<actors::SafetyLedger>& ledger() const { return ledger_; }
  /// Settles unresolved intents in the background (actors/settlement.hpp).
  const std::shared_ptr<actors::Settler>& settler() const { return settler_; }
  const std::shared_ptr<actors::CacheInvalidator>& account_cache() const { return cache_; }
  /// The broker the actors use: the live gateway, or the paper broker in paper mode.
  const std::shared_ptr<gateway::Broker>& broker() const { return broker_; }
  /// Null in paper mode.
  const std::shared_ptr<gateway::Gateway>& live_gateway() const { return live_; }
  /// Null in live mode.
  const std::shared_ptr<gateway::PaperBroker>& paper_broker() const { return paper_; }

 private:
  runtime::Runtime& rt_;
  config::Config config_;
  std::string session_id_;
  std::shared_ptr<actors::Journal> journal_;
  std::shared_ptr<actors::SafetyLedger> ledger_;
  std::shared_ptr<gateway::Broker> broker_;
  std::shared_ptr<gateway::Gateway> live_;
  std::shared_ptr<gateway::PaperBroker> paper_;
  std::shared_ptr<actors::Settler> settler_;
  std::shared_ptr<actors::Submitter> submitter_;
  std::shared_ptr<actors::Canceller> canceller_;
  std::shared_ptr<actors::StatusPoller> poller_;
  std::shared_ptr<actors::CacheInvalidator> cache_;
  std::string control_socket_;
  std::shared_ptr<actors::OwnerEndpoint> endpoint_;  ///< null when OwnerOptions::control_endpoint is off
  std::shared_ptr<console::Metrics> metrics_;
  std::shared_ptr<console::Monitor> monitor_;    ///< when the console or alerts are on
  std::shared_ptr<console::Notifier> notifier_;  ///< when alerts are configured
  std::shared_ptr<console::Console> console_;    ///< when the console is on
  std::optional<std::string> open_console();
};

/// Gateway settings from config.json plus credentials.
gateway::GatewayOptions gateway_options(const config::Config& config, gateway::Credentials credentials);

}  // namespace oms
