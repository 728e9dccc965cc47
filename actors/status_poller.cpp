#include "actors/status_poller.hpp"

#include "gateway/parse.hpp"
#include "runtime/log.hpp"

namespace oms::actors {
using runtime::awaitable;
using namespace std::chrono_literals;

namespace {
std::int64_t ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}
StatusErrorCategory status_category(const gateway::BrokerError& e) {
  if (e.kind == gateway::ErrorKind::not_found) return StatusErrorCategory::not_found;
  if (e.failure != gateway::FailureClass::permanent) return StatusErrorCategory::transient_exhausted;
  return StatusErrorCategory::broker_rejected;
}
}  // namespace

StatusPoller::StatusPoller(runtime::Runtime& rt, std::chrono::seconds interval, std::shared_ptr<SafetyLedger> ledger,
                           std::shared_ptr<Journal> journal, std::shared_ptr<gateway::Broker> gateway, std::string name)
    : Actor(rt, std::move(name)), interval_(interval), ledger_(std::move(ledger)), journal_(std::move(journal)),
      gateway_(std::move(gateway)) {}

void StatusPoller::on(runtime::Ask<GetOrderStatus, StatusReply> m) {
  spawn(status(std::move(m.body.order_id), std::move(m.reply_to)), "status");
}

void StatusPoller::on(runtime::Ask<SynchronizeOpenOrders, SyncReport> m) {
  spawn(synchronize(std::move(m.reply_to)), "synchronize");
}

void StatusPoller::on(runtime::Ask<ObservedByKillSwitch, SyncReport> m) {
  spawn(observed(std::move(m.body), std::move(m.reply_to)), "kill switch snapshots");
}

void StatusPoller::on(StartPolling) {
  if (polling_) return;
  polling_ = true;
  spawn(poll_loop(), "poll loop");
}

void StatusPoller::on(RestoreTracks m) {
  state_.restore(m);
  log::info("poller.restored", {{"orders", static_cast<std::int64_t>(m.orders.size())},
                                {"open", static_cast<std::int64_t>(state_.open_tracks())},
                                {"cursor", state_.cursor() ? format_iso8601(*state_.cursor()) : std::string()},
                                {"bootstrap", m.bootstrap_since.has_value()}});
}

awaitable<void> StatusPoller::status(std::string order_id, runtime::ReplyTo<StatusReply> reply) {
  auto self = shared_from_this();
  auto started = std::chrono::steady_clock::now();
  auto order = co_await gateway_->get_order(order_id);
  StatusReply out;
  if (!order) {
    out.error = "order " + order_id + ": " + order.error().to_string();
    out.category = status_category(order.error());
  } else {
    out.status = gateway::to_order_status(*order);
    SyncReport ignored;
    gateway::BrokerOrder snapshot = *order;
    std::optional<orders::PollState::Pass> no_pass;
    co_await absorb(std::move(snapshot), ignored, no_pass);  // a query is also news: fills and state changes count
  }
  log::info("order.status_query", {{"order_id", order_id}, {"ok", out.error.empty()}, {"latency_ms", ms_since(started)}});
  reply.send(std::move(out), name());
}

awaitable<void> StatusPoller::synchronize(runtime::ReplyTo<SyncReport> reply) {
  auto self = shared_from_this();
  reply.send(co_await sync_once(), name());
}

// The kill switch's snapshots are news like a status query's: each new execution becomes one
// `fill` record and one callback, never a second one when a later poll sees it again.
awaitable<void> StatusPoller::observed(ObservedByKillSwitch seen, runtime::ReplyTo<SyncReport> reply) {
  auto self = shared_from_this();
  SyncReport report;
  for (auto& status : seen.orders) {
    boost::json::value raw(std::move(status.raw));
    auto order = gateway::parse_order(raw);
    if (!order) {
      log::warn("poller.snapshot_unreadable", {{"order_id", status.order_id}, {"error", order.error().to_string()}});
      continue;
    }
    std::optional<orders::PollState::Pass> no_pass;
    co_await absorb(std::move(*order), report, no_pass);
  }
  reply.send(std::move(report), name());
}

awaitable<void> StatusPoller::poll_loop() {
  auto self = shared_from_this();
  for (;;) {
    auto report = co_await sync_once();
    if (!report.error.empty()) log::warn("poller.sync_failed", {{"error", report.error}});
    if (co_await runtime().clock().sleep_for(interval_)) co_return;  // cancelled: shutdown
  }
}

// One incremental pass: orders the broker updated since the cursor (its own timestamps, with a
// short overlap), or — restored from a new journal — since the bootstrap point.
awaitable<SyncReport> StatusPoller::sync_once() {
  SyncReport report;
  auto pass = state_.begin_pass();
  std::optional<Timestamp> since = pass.since;
  auto orders = co_await gateway_->list_orders(since);
  if (!orders) {
    report.error = orders.error().to_string();
    report.cursor = state_.cursor();
    co_return report;
  }
  std::optional<Timestamp> newest;
  for (auto& order : *orders) {
    if (!newest || order.updated_at > *newest) newest = order.updated_at;
    co_await absorb(std::move(order), report, pass);
  }
  state_.pass_completed(pass, newest);
  report.cursor = state_.cursor();
  co_return report;
}

// One broker snapshot through the order's state machine: new executions become fills (each
// exactly once), a legal move becomes a journalled state change, an illegal or out-of-order one
// is logged and not applied.
awaitable<void> StatusPoller::absorb(gateway::BrokerOrder order, SyncReport& report,
                                    std::optional<orders::PollState::Pass> pass) {
  ++report.orders_seen;
  OrderStatus status = gateway::to_order_status(order);
  std::string instrument = order.instrument;  // named: no temporaries inside co_await (GCC 12)
  auto mapped = co_await gateway_->symbol_for_instrument(std::move(instrument));
  std::string symbol = mapped.value_or(std::string());
  auto absorbed = state_.absorb(status, gateway::fill_events(order, symbol), pass);
  if (absorbed.history) co_return;
  const auto& update = absorbed.update;
  if (update.transition == orders::Transition::illegal || update.transition == orders::Transition::stale) {
    log::warn("order.transition_refused",
              {{"order_id", order.id}, {"from", boost::describe::enum_to_string(update.from, "")},
               {"to", boost::describe::enum_to_string(update.to, "")},
               {"transition", boost::describe::enum_to_string(update.transition, "")}, {"why", update.why}});
    co_return;
  }
  for (const auto& fill : update.new_fills) {
    ++report.fills;
    announce(fill, order.updated_at);
  }
  if (update.from == update.to) co_return;
  ++report.state_changes;
  JournalRecord entry{"state_change", boost::json::object{{"order_id", order.id},
                                                          {"from", boost::describe::enum_to_string(update.from, "")},
                                                          {"to", boost::describe::enum_to_string(update.to, "")},
                                                          {"broker_state", order.state},
                                                          {"filled_quantity", status.filled_quantity.to_string()}}};
  stamp(entry.data, order.updated_at);
  post(journal_, std::move(entry), name());
  if (update.to == OrderState::rejected && safety::is_buying_power_rejection(order.reject_reason.value_or(""))) {
    // Accepted, then rejected for buying power: the breaker trips (the ledger journals the trip).
    post(ledger_, OrderRejected{order.id, *order.reject_reason, true}, name());
  }
  if (is_terminal(update.to)) post(ledger_, OrderFinished{order.id}, name());
}

// `broker_updated_at` lets a restart resume the order where the journal left it; `poll_cursor`
// (the cursor of completed passes, not this snapshot's time) is where the next process's first
// pass starts: everything the broker changed before it was seen by a completed pass.
void StatusPoller::stamp(boost::json::object& record, Timestamp broker_updated_at) const {
  record["broker_updated_at"] = format_iso8601(broker_updated_at);
  if (state_.cursor()) record["poll_cursor"] = format_iso8601(*state_.cursor());
}

void StatusPoller::announce(const FillEvent& fill, Timestamp broker_updated_at) {
  JournalRecord entry{"fill", to_json_object(fill)};
  stamp(entry.data, broker_updated_at);
  post(journal_, std::move(entry), name());
  log::info("order.fill", {{"order_id", fill.order_id}, {"symbol", fill.symbol}, {"quantity", fill.quantity.to_string()},
                           {"price", fill.price.to_string(2)}, {"execution_id", fill.execution_id}});
  if (cache_) post(cache_, InvalidateAccountCache{InvalidationReason::fill, fill.order_id, fill.symbol}, name());
  for (auto& callback : fill_callbacks_) callback(fill);
}

}  // namespace oms::actors
