#include "actors/order_manager.hpp"

#include "actors/owner_endpoint.hpp"
#include "actors/recovery.hpp"
#include "console/console.hpp"
#include "console/metrics.hpp"
#include "console/monitor.hpp"
#include "console/notifier.hpp"
#include "console/token.hpp"
#include "gateway/url.hpp"
#include "runtime/log.hpp"

#include <unistd.h>

namespace oms {
namespace asio = boost::asio;
using runtime::awaitable;
using namespace std::chrono_literals;

namespace {

// Generous: a submission may retry with backoff and settle an ambiguity before it answers.
constexpr auto kSubmitTimeout = 120s;
constexpr auto kCancelAllTimeout = 180s;  // above the kill switch's longest run (CancellerOptions::max_deadline)
constexpr auto kQueryTimeout = 60s;

template <class R>
awaitable<R> reply_or(awaitable<boost::system::result<R>> pending, R on_error) {
  auto reply = co_await std::move(pending);
  co_return reply ? std::move(*reply) : std::move(on_error);
}

// What the metrics count from a durable journal record (on the journal's strand: counters only).
void count_record(console::Metrics& m, const boost::json::object& r) {
  auto* kind = r.if_contains("kind");
  if (!kind || !kind->is_string()) return;
  if (kind->as_string() == "fill") return m.fill();
  if (kind->as_string() != "envelope" && kind->as_string() != "submission_failed") return;
  if (auto* ms = r.if_contains("latency_ms"); ms && ms->is_int64()) m.submission_latency(ms->as_int64());
}

SubmissionResult internal_error(const char* what) {
  SubmissionResult r;
  r.error = SubmissionError{SubmissionErrorCategory::internal, "", what, "retry; if it persists, check the logs"};
  return r;
}

OrderRequest limit_request(std::string symbol, Quantity quantity, Side side, Price reference, std::string strategy) {
  return OrderRequest{std::move(symbol), quantity, side, reference, TimeInForce::gfd, false, std::move(strategy),
                      OrderType::limit};
}

}  // namespace

gateway::GatewayOptions gateway_options(const config::Config& config, gateway::Credentials credentials) {
  const auto& om = config.order_management;
  gateway::GatewayOptions o;
  o.base_url = config.broker.base_url;
  o.api_version = config.broker.api_version;
  o.order_form_version = config.broker.order_form_version;
  o.pool.size = static_cast<std::size_t>(om.pool_size);
  o.pool.connect_timeout = std::chrono::milliseconds(om.timeouts.connect_ms);
  o.pool.request_timeout = std::chrono::milliseconds(om.timeouts.request_ms);
  o.pool.ca_file = config.broker.ca_file;
  o.retry.max_attempts = om.retry.max_attempts;
  o.retry.base_delay = std::chrono::milliseconds(om.retry.base_delay_ms);
  o.retry.max_delay = std::chrono::milliseconds(om.retry.max_delay_ms);
  o.retry.jitter_pct = om.retry.jitter_pct;
  o.pool.max = static_cast<std::size_t>(om.pool_max);
  const auto& rl = om.rate_limit;
  o.rate_limit = {rl.burst,
                  rl.per_second,
                  std::chrono::seconds(rl.max_broker_wait_s),
                  rl.window_requests,
                  std::chrono::seconds(rl.window_s),
                  rl.order_window_requests,
                  std::chrono::seconds(rl.order_window_s),
                  rl.reserved_for_cancels};
  o.token_path = config.broker.token_path;
  o.credentials = std::move(credentials);
  return o;
}

OrderManager::OrderManager(runtime::Runtime& rt, const config::Config& config, gateway::Credentials credentials,
                           OwnerOptions options)
    : rt_(rt),
      config_(config),
      session_id_(log::ensure_session_id()),
      control_socket_(config.order_management.control_socket_path()),
      metrics_(std::make_shared<console::Metrics>()) {
  if (options.console_listen) config_.console.listen = *options.console_listen;
  const auto& om = config_.order_management;
  journal_ = std::make_shared<actors::Journal>(rt, om.journal_path);
  ledger_ = std::make_shared<actors::SafetyLedger>(rt, om.breaker_consecutive_failures);
  if (config_.mode == ExecutionMode::paper) {
    paper_ = std::make_shared<gateway::PaperBroker>(rt);
    broker_ = paper_;
  } else {
    auto options_live = gateway_options(config_, std::move(credentials));
    options_live.observer.request = [m = metrics_](std::string_view endpoint, int status) { m->broker_request(endpoint, status); };
    options_live.observer.rate_limit_wait = [m = metrics_] { m->rate_limit_wait(); };
    live_ = std::make_shared<gateway::Gateway>(rt, std::move(options_live));
    broker_ = live_;
  }
  settler_ = std::make_shared<actors::Settler>(rt, actors::settlement_policy(om.settlement), ledger_, journal_, broker_);
  submitter_ = std::make_shared<actors::Submitter>(rt, om, ledger_, journal_, broker_, settler_);
  canceller_ = std::make_shared<actors::Canceller>(rt, ledger_, journal_, broker_);
  poller_ = std::make_shared<actors::StatusPoller>(rt, std::chrono::seconds(om.poll_interval_s), ledger_, journal_,
                                                   broker_);
  cache_ = std::make_shared<actors::CacheInvalidator>(rt, std::chrono::seconds(om.account_cache_ttl_s), broker_);
  settler_->set_canceller(canceller_);
  canceller_->set_cache_invalidator(cache_);
  canceller_->set_status_poller(poller_);
  actors::CancellerOptions kill_switch{std::chrono::seconds(om.kill_switch_deadline_s),
                                       std::chrono::seconds(om.rate_limit.max_broker_wait_s)};
  kill_switch.budget_requests = om.rate_limit.window_requests;
  kill_switch.budget_window = std::chrono::seconds(om.rate_limit.window_s);
  canceller_->set_options(kill_switch);
  ledger_->set_journal(journal_);
  // Nothing is sent before start() has settled the journal against the broker.
  post(ledger_, BeginRecovery{});
  poller_->set_cache_invalidator(cache_);
  if (options.control_endpoint) {
    endpoint_ = std::make_shared<actors::OwnerEndpoint>(rt, *this, config_);
    std::weak_ptr<actors::OwnerEndpoint> weak = endpoint_;
    bool watched = !config_.console.listen.empty() || config_.alerts.enabled();
    if (watched) {
      monitor_ = std::make_shared<console::Monitor>(asio::make_strand(rt.context().get_executor()), *endpoint_, config_,
                                                    metrics_, nullptr, [&rt] { return rt.clock().now(); });
    }
    std::weak_ptr<console::Monitor> watcher = monitor_;
    // Subscribers see journal records once they are durable; `sync` answers with the fills it
    // found; the console and the alerts watch the same stream (posted: nothing waits on them).
    journal_->on_durable([weak, watcher, m = metrics_](const boost::json::object& record) {
      count_record(*m, record);
      if (auto e = weak.lock()) e->publish(record);
      if (auto w = watcher.lock()) w->record(record);
    });
    poller_->on_fill([weak](const FillEvent& fill) {
      if (auto e = weak.lock()) e->fill_seen(fill);
    });
  }
}

OrderManager::~OrderManager() {
  if (console_) console_->close();
  if (monitor_) monitor_->close();
  if (notifier_) notifier_->close();
  if (endpoint_) endpoint_->close();
}

awaitable<SubmissionResult> OrderManager::submit(OrderRequest request) {
  auto metrics = metrics_;
  // Awaited here, not through reply_or: its frame and an error result built for every order
  // were a measurable share of the order path's allocations.
  auto pending = runtime::ask<SubmissionResult>(submitter_, std::move(request), kSubmitTimeout);
  auto reply = co_await std::move(pending);
  SubmissionResult result = reply ? std::move(*reply) : internal_error("the submitter did not answer in time");
  metrics->submission(result);
  co_return result;
}

std::string OrderManager::console_url() const { return console_ ? console_->url() : std::string(); }

// The console and the alerts, once the control endpoint serves: both are its clients.
std::optional<std::string> OrderManager::open_console() {
  if (!monitor_ || !endpoint_ || console_) return std::nullopt;
  if (config_.alerts.enabled() && !notifier_) {
    std::string host;
    if (config_.mode == ExecutionMode::live)
      if (auto url = gateway::parse_base_url(config_.broker.base_url)) host = url->host_header();
    boost::json::object identity{{"pid", ::getpid()},
                                 {"mode", config_.mode == ExecutionMode::live ? "live" : "paper"},
                                 {"broker_host", host},
                                 {"journal", config_.order_management.journal_path}};
    notifier_ = std::make_shared<console::Notifier>(rt_.context(), config_.alerts, metrics_, std::move(identity));
    if (auto refused = notifier_->check(); !refused.empty()) return refused;
    monitor_->set_notifier(notifier_);
  }
  monitor_->start();
  if (config_.console.listen.empty()) return std::nullopt;
  console::ConsoleOptions options{config_.console.listen, config_.console.scrape_token,
                                  console::token_path_for(config_.order_management.journal_path)};
  auto opened = console::Console::open(std::move(options), monitor_, *endpoint_, metrics_);
  if (!opened) return opened.error();
  console_ = *opened;
  return std::nullopt;
}

awaitable<SubmissionResult> OrderManager::place_limit_buy(std::string symbol, Quantity quantity, Price reference,
                                                          std::string strategy) {
  return submit(limit_request(std::move(symbol), quantity, Side::buy, reference, std::move(strategy)));
}

awaitable<SubmissionResult> OrderManager::place_limit_sell(std::string symbol, Quantity quantity, Price reference,
                                                           std::string strategy) {
  return submit(limit_request(std::move(symbol), quantity, Side::sell, reference, std::move(strategy)));
}

awaitable<StatusReply> OrderManager::get_order_status(std::string order_id) {
  return reply_or(runtime::ask<StatusReply>(poller_, GetOrderStatus{std::move(order_id)}, kQueryTimeout),
                  StatusReply{std::nullopt, "the status poller did not answer in time", StatusErrorCategory::internal});
}

awaitable<CancelAllReport> OrderManager::cancel_all_open_orders(std::string requested_by) {
  CancelAllReport timed_out;
  timed_out.open_orders_remaining = -1;
  timed_out.results.push_back(CancelResult{"", "", CancelOutcome::failed, std::nullopt,
                                           "the canceller did not answer in time; run cancel-all again"});
  return reply_or(runtime::ask<CancelAllReport>(canceller_, CancelAllOpenOrders{std::move(requested_by)},
                                                kCancelAllTimeout),
                  std::move(timed_out));
}

awaitable<SyncReport> OrderManager::synchronize_open_orders() {
  return reply_or(runtime::ask<SyncReport>(poller_, SynchronizeOpenOrders{}, kQueryTimeout),
                  SyncReport{0, 0, 0, "the status poller did not answer in time"});
}

awaitable<RecoveryReport> OrderManager::start() {
  using Phase = actors::OwnerEndpoint::Phase;
  // The owner serves its endpoint while it holds the journal, from before recovery: a command
  // that arrives meanwhile waits for it instead of finding nobody to answer.
  if (endpoint_ && journal_->healthy() && !endpoint_->serving()) {
    if (auto refused = endpoint_->open()) {
      log::error("control.open_failed", {{"path", control_socket_}, {"error", *refused}});
      RecoveryReport failed;
      failed.error = "order_management.control_socket: " + *refused;
      co_return failed;
    }
  }
  if (endpoint_ && endpoint_->serving()) {
    if (auto refused = open_console()) {
      log::error("console.open_failed", {{"error", *refused}});
      RecoveryReport failed;
      failed.error = *refused;
      co_return failed;
    }
  }
  if (endpoint_) endpoint_->set_phase(Phase::recovering);
  auto recovery = actors::recover(actors::RecoveryParts{config_.order_management.journal_path, journal_, ledger_, broker_,
                                                        poller_, settler_,
                                                        actors::settlement_policy(config_.order_management.settlement)});
  RecoveryReport report = co_await std::move(recovery);
  if (endpoint_) endpoint_->set_phase(report.ok() ? Phase::ready : Phase::recovery_failed, report.error);
  co_return report;
}

awaitable<void> OrderManager::stop_serving(std::chrono::milliseconds grace) {
  if (console_) console_->close();
  if (monitor_) monitor_->close();
  if (!endpoint_) co_return;
  auto drained = endpoint_->shutdown(grace);
  co_await std::move(drained);
}

awaitable<AccountData> OrderManager::account_data(bool fresh) {
  AccountData timed_out;
  timed_out.error = "the account cache did not answer in time";
  return reply_or(runtime::ask<AccountData>(cache_, GetAccountData{fresh}, kQueryTimeout), std::move(timed_out));
}

void OrderManager::start_polling() {
  post(poller_, StartPolling{});
  // A polling owner runs for long: its session is refreshed ahead of expiry in the background.
  if (live_) live_->keep_session_alive();
}

void OrderManager::resume_submissions(std::string requested_by) {
  // Journalled so the next process starts resumed too (recovery replays the latches).
  post(journal_, JournalRecord{"resumed", boost::json::object{{"requested_by", requested_by}}});
  post(ledger_, ResumeSubmissions{std::move(requested_by)});
}

void OrderManager::close() {
  if (console_) console_->close();
  if (monitor_) monitor_->close();
  if (notifier_) notifier_->close();
  if (endpoint_) endpoint_->close();
  broker_->close();
}

}  // namespace oms
