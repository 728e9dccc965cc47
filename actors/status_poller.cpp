#include "actors/status_poller.hpp"

#include "gateway/parse.hpp"
#include "runtime/log.hpp"

namespace oms::actors {
using runtime::awaitable;
using namespace std::chrono_literals;

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

void StatusPoller::on(StartPolling) {
  if (polling_) return;
  polling_ = true;
  spawn(poll_loop(), "poll loop");
}

awaitable<void> StatusPoller::status(std::string order_id, runtime::ReplyTo<StatusReply> reply) {
  auto self = shared_from_this();
  auto order = co_await gateway_->get_order(order_id);
  StatusReply out;
  if (!order) out.error = "order " + order_id + ": " + order.error().to_string();
  else out.status = gateway::to_order_status(*order);
  log::info("order.status_query", {{"order_id", order_id}, {"ok", out.error.empty()}});
  reply.send(std::move(out), name());
}

awaitable<void> StatusPoller::synchronize(runtime::ReplyTo<SyncReport> reply) {
  auto self = shared_from_this();
  reply.send(co_await sync_once(), name());
}

awaitable<void> StatusPoller::poll_loop() {
  auto self = shared_from_this();
  for (;;) {
    auto report = co_await sync_once();
    if (!report.error.empty()) log::warn("poller.sync_failed", {{"error", report.error}});
    if (co_await runtime().clock().sleep_for(interval_)) co_return;  // cancelled: shutdown
  }
}

// One incremental pass: only orders updated since the cursor (minus a margin for clock skew).
awaitable<SyncReport> StatusPoller::sync_once() {
  SyncReport report;
  Timestamp pass_started = runtime().clock().now();
  std::optional<Timestamp> since;
  if (cursor_) since = *cursor_ - 60s;
  auto orders = co_await gateway_->list_orders(since);
  if (!orders) {
    report.error = orders.error().to_string();
    co_return report;
  }
  for (auto& order : *orders) co_await absorb(std::move(order), report);
  cursor_ = pass_started;
  co_return report;
}

awaitable<void> StatusPoller::absorb(gateway::BrokerOrder order, SyncReport& report) {
  ++report.orders_seen;
  OrderStatus status = gateway::to_order_status(order);
  Known& known = known_[order.id];
  std::string instrument = order.instrument;  // named: no temporaries inside co_await (GCC 12)
  auto mapped = co_await gateway_->symbol_for_instrument(std::move(instrument));
  std::string symbol = mapped.value_or(std::string());
  // New executions first, each exactly once, whatever order the states arrive in.
  auto fills = gateway::fill_events(order, symbol);
  for (auto& fill : fills) {
    if (!known.executions.insert(fill.execution_id).second) continue;
    ++report.fills;
    JournalRecord entry{"fill", to_json(fill).as_object()};
    post(journal_, std::move(entry), name());
    log::info("order.fill", {{"order_id", fill.order_id}, {"symbol", symbol}, {"quantity", fill.quantity.to_string()},
                             {"price", fill.price.to_string(2)}});
    for (auto& callback : fill_callbacks_) callback(fill);
  }
  if (status.state != known.state) {
    ++report.state_changes;
    JournalRecord entry{"state_change", boost::json::object{{"order_id", order.id},
                                                            {"from", boost::describe::enum_to_string(known.state, "")},
                                                            {"to", boost::describe::enum_to_string(status.state, "")},
                                                            {"broker_state", order.state},
                                                            {"filled_quantity", status.filled_quantity.to_string()}}};
    post(journal_, std::move(entry), name());
    known.state = status.state;
    if (is_terminal(status.state)) post(ledger_, OrderFinished{order.id}, name());
  }
}

}  // namespace oms::actors
