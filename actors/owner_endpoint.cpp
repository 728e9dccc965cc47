#include "actors/owner_endpoint.hpp"

#include "actors/journal_file.hpp"
#include "actors/order_manager.hpp"
#include "gateway/url.hpp"
#include "runtime/log.hpp"
#include "runtime/run_on.hpp"

#include <unistd.h>

namespace oms::actors {
namespace asio = boost::asio;
using runtime::awaitable;
using namespace std::chrono_literals;

namespace {

std::string broker_host(const config::Config& c) {
  if (c.mode == ExecutionMode::paper) return {};
  auto url = gateway::parse_base_url(c.broker.base_url);
  return url ? url->host_header() : c.broker.base_url;
}


std::string phase_name(OwnerEndpoint::Phase p) {
  switch (p) {
    case OwnerEndpoint::Phase::recovering: return "recovering";
    case OwnerEndpoint::Phase::ready: return "ready";
    case OwnerEndpoint::Phase::recovery_failed: return "recovery_failed";
    case OwnerEndpoint::Phase::stopping: return "stopping";
  }
  return "?";
}

}  // namespace

OwnerEndpoint::OwnerEndpoint(runtime::Runtime& rt, OrderManager& om, const config::Config& config)
    : rt_(rt),
      om_(om),
      config_(config),
      socket_path_(config.order_management.control_socket_path()),
      strand_(asio::make_strand(rt.context().get_executor())),
      started_at_(rt.clock().now()) {}

OwnerEndpoint::~OwnerEndpoint() {
  if (auto s = server_.load()) s->close();
}

std::optional<std::string> OwnerEndpoint::open() {
  if (server_.load()) return std::nullopt;
  dispatcher_ = std::make_shared<control::Dispatcher>(*this);
  control::ServerOptions options;
  options.path = socket_path_;
  options.log = [](std::string_view event, boost::json::object fields) { log::info(event, std::move(fields)); };
  auto server = control::Server::open(rt_.context(), std::move(options), dispatcher_);
  if (!server) return server.error().rule + " — " + server.error().what_to_do;
  server_.store(*server);
  rt_.on_stop(weak_from_this());
  return std::nullopt;
}

void OwnerEndpoint::set_phase(Phase phase, std::string error) {
  asio::dispatch(strand_, [self = shared_from_this(), phase, error = std::move(error)]() mutable {
    self->phase_ = phase;
    self->recovery_error_ = std::move(error);
    for (auto& timer : self->waiters_) timer->cancel();
  });
}

void OwnerEndpoint::publish(const boost::json::object& record) {
  if (auto s = server_.load()) s->publish(record);
}

void OwnerEndpoint::fill_seen(const FillEvent& fill) {
  for (auto& collector : fill_collectors_) collector->push_back(fill);
}

awaitable<void> OwnerEndpoint::shutdown(std::chrono::milliseconds grace) {
  set_phase(Phase::stopping);
  if (auto s = server_.load()) {
    auto drained = s->shutdown(grace);
    co_await std::move(drained);
  }
}

void OwnerEndpoint::require_open() const {
  if (closed_.load()) throw std::runtime_error("the owner has closed its control endpoint");
}

void OwnerEndpoint::close() {
  closed_ = true;
  if (auto s = server_.exchange(nullptr)) s->close();
  set_phase(Phase::stopping);  // requests still waiting for start-up end now
}

std::optional<control::Error> OwnerEndpoint::phase_refusal() const {
  switch (phase_) {
    case Phase::ready: return std::nullopt;
    case Phase::recovering:
      return control::Error{control::ErrorCode::not_ready, "", "the owner's start-up recovery has not finished",
                            "retry in a moment; `health` shows its state"};
    case Phase::recovery_failed:
      return control::Error{control::ErrorCode::not_ready, "", "the owner's start-up recovery failed: " + recovery_error_,
                            "fix the cause and restart the owner; the kill switch (cancel_all) still works"};
    case Phase::stopping:
      return control::Error{control::ErrorCode::shutting_down, "", "the owner is shutting down",
                            "run the command again: the next owner will answer"};
  }
  return std::nullopt;
}

// On strand_: waits on its own timer, which set_phase() cancels.
awaitable<std::optional<control::Error>> OwnerEndpoint::wait_ready(std::chrono::milliseconds limit) {
  auto self = shared_from_this();
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (phase_ == Phase::recovering && std::chrono::steady_clock::now() < deadline) {
    auto timer = std::make_shared<asio::steady_timer>(strand_, deadline);
    auto it = waiters_.insert(waiters_.end(), timer);
    co_await timer->async_wait(runtime::as_tuple_awaitable);
    waiters_.erase(it);
  }
  co_return phase_refusal();
}

awaitable<std::optional<control::Error>> OwnerEndpoint::ready(std::chrono::milliseconds limit) {
  return runtime::run_on(strand_, wait_ready(limit));
}

awaitable<PendingOrders> OwnerEndpoint::ledger_state() {
  require_open();
  PendingOrdersQuery query;
  auto reply = co_await runtime::ask<PendingOrders>(om_.ledger(), std::move(query), 10s, "control");
  if (!reply) throw std::runtime_error("the safety ledger did not answer: " + reply.error().message());
  co_return *reply;
}

awaitable<control::Health> OwnerEndpoint::health() {
  auto self = shared_from_this();
  auto state = ledger_state();
  PendingOrders ledger = co_await std::move(state);
  auto read_phase = [](std::shared_ptr<OwnerEndpoint> e) -> awaitable<std::pair<Phase, std::string>> {
    co_return std::make_pair(e->phase_, e->recovery_error_);
  };
  auto read = runtime::run_on(strand_, read_phase(self));
  auto [phase, error] = co_await std::move(read);
  control::Health h;
  h.owner_pid = ::getpid();
  h.mode = config_.mode;
  h.broker_host = broker_host(config_);
  h.journal_path = config_.order_management.journal_path;
  h.socket_path = socket_path_;
  h.state = phase_name(phase);
  h.recovery_error = error;
  h.halted = ledger.halted;
  h.breaker_open = ledger.breaker_open;
  h.open_orders = static_cast<std::int64_t>(ledger.order_ids.size());
  h.in_flight_sends = ledger.in_flight;
  require_open();
  auto session = om_.broker()->session_info();  // the live session (issue 14); none in paper mode
  if (auto info = co_await std::move(session)) {
    h.session = std::string(gateway::to_string(info->health));
    h.session_expires_at = info->expires_at;
  }
  h.started_at = started_at_;
  co_return h;
}

awaitable<SubmissionResult> OwnerEndpoint::place(OrderRequest request) {
  require_open();
  return om_.submit(std::move(request));
}

awaitable<StatusReply> OwnerEndpoint::status(std::string order_id) {
  require_open();
  return om_.get_order_status(std::move(order_id));
}

std::vector<control::OrderRow> OwnerEndpoint::orders() {
  require_open();
  return control::orders_from_journal(journal::JournalFile::read_all(config_.order_management.journal_path));
}

awaitable<CancelAllReport> OwnerEndpoint::cancel_all(std::string requested_by,
                                                     std::function<void(control::HaltAck)> on_halted) {
  auto self = shared_from_this();
  // The halt first, confirmed by the ledger itself (it handles messages in order): from the
  // acknowledgement on, every new submission is refused, before any cancel is sent.
  runtime::post(om_.ledger(), HaltSubmissions{requested_by}, "control");
  auto state = ledger_state();
  PendingOrders halted = co_await std::move(state);
  if (on_halted) on_halted(control::HaltAck{halted.in_flight});
  require_open();
  auto report = om_.cancel_all_open_orders(std::move(requested_by));
  co_return co_await std::move(report);
}

awaitable<PendingOrders> OwnerEndpoint::resume(std::string requested_by) {
  require_open();
  om_.resume_submissions(std::move(requested_by));
  // The ledger handles messages in order: the query sees the state after the resume.
  return ledger_state();
}

awaitable<control::SyncResult> OwnerEndpoint::sync() {
  auto self = shared_from_this();
  auto collector = std::make_shared<std::vector<FillEvent>>();
  // The collector list is touched only on the poller's strand, where fills are announced.
  auto attach = [](std::shared_ptr<OwnerEndpoint> e, std::shared_ptr<std::vector<FillEvent>> c) -> awaitable<void> {
    e->fill_collectors_.push_back(std::move(c));
    co_return;
  };
  auto detach = [](std::shared_ptr<OwnerEndpoint> e, std::shared_ptr<std::vector<FillEvent>> c) -> awaitable<void> {
    std::erase(e->fill_collectors_, c);
    co_return;
  };
  auto attached = runtime::run_on(om_.poller()->strand(), attach(self, collector));
  co_await std::move(attached);
  require_open();
  auto pass = om_.synchronize_open_orders();
  control::SyncResult result;
  result.report = co_await std::move(pass);
  require_open();
  auto detached = runtime::run_on(om_.poller()->strand(), detach(self, collector));
  co_await std::move(detached);
  result.fills = *collector;
  co_return result;
}

}  // namespace oms::actors
