#include "actors/safety_ledger.hpp"

#include "runtime/log.hpp"

namespace oms::actors {

SafetyLedger::SafetyLedger(runtime::Runtime& rt, int failures_to_trip, std::string name)
    : Actor(rt, std::move(name)), state_(failures_to_trip) {}

void SafetyLedger::on(runtime::Ask<ReserveSubmission, Reservation> m) {
  auto d = state_.admit(m.body.key);
  if (d.admission == Admission::join_pending) {
    joiners_[m.body.key].push_back(std::move(m.reply_to));  // answered when the first one ends
    return;
  }
  m.reply_to.send(Reservation{d.admission, std::move(d.existing), std::move(d.guidance), false}, name());
}

void SafetyLedger::on(SubmissionSucceeded m) {
  state_.submitted(m.key, m.envelope);
  state_.broker_succeeded();
  answer_settled_waiters();
  auto it = joiners_.find(m.key);
  if (it == joiners_.end()) return;
  for (auto& reply : it->second) reply.send(Reservation{Admission::duplicate, m.envelope, {}, false}, name());
  joiners_.erase(it);
}

void SafetyLedger::on(SubmissionAbandoned m) {
  state_.abandoned(m.key);
  answer_settled_waiters();
  if (m.broker_failure) {
    if (auto trip = state_.broker_failed(m.insufficient_funds, m.error, runtime().clock().now())) tripped(*trip, "");
  }
  auto it = joiners_.find(m.key);
  if (it == joiners_.end()) return;
  // The joiners asked for the same order: they get the same failure, not a second attempt.
  for (auto& reply : it->second)
    reply.send(Reservation{Admission::proceed, std::nullopt, m.error, true}, name());
  joiners_.erase(it);
}

void SafetyLedger::on(OrderFinished m) {
  if (auto key = state_.finished(m.order_id))
    log::info("safety.pending_released", {{"order_id", m.order_id}, {"symbol", key->symbol}});
}

void SafetyLedger::on(OrderRejected m) {
  if (!m.insufficient_funds) return;
  if (auto trip = state_.broker_failed(true, m.reason, runtime().clock().now())) tripped(*trip, m.order_id);
}

// Every trip, whatever its cause, is journalled the same way: recovery replays it (finding 13.7).
void SafetyLedger::tripped(const CircuitBreakerTripped& trip, const std::string& order_id) {
  std::string reason = boost::describe::enum_to_string(trip.reason, "");
  log::error("safety.circuit_breaker_tripped", {{"reason", reason}, {"detail", trip.detail}, {"order_id", order_id}});
  if (!journal_) return;
  boost::json::object data{{"reason", reason}, {"detail", trip.detail}};
  if (!order_id.empty()) data["order_id"] = order_id;
  post(journal_, JournalRecord{"breaker_tripped", std::move(data)}, name());
}

void SafetyLedger::on(HaltSubmissions m) {
  if (state_.halted()) return;  // the control endpoint halts first, the Canceller again
  state_.halt();
  log::warn("safety.kill_switch_engaged", {{"requested_by", m.requested_by}});
}

void SafetyLedger::on(ResumeSubmissions m) {
  state_.resume();
  log::warn("safety.submissions_resumed", {{"requested_by", m.requested_by}});
}

void SafetyLedger::on(runtime::Ask<PendingOrdersQuery, PendingOrders> m) { m.reply_to.send(snapshot(), name()); }

void SafetyLedger::on(runtime::Ask<ConfirmSend, Reservation> m) {
  auto d = state_.confirm_send(m.body.key);
  if (d.admission == Admission::halted)
    log::warn("safety.send_stopped_by_halt", {{"symbol", m.body.key.symbol}, {"limit_price", m.body.key.limit_price.to_string(2)}});
  m.reply_to.send(Reservation{d.admission, std::nullopt, std::move(d.guidance), false}, name());
}

void SafetyLedger::on(runtime::Ask<AwaitSendsSettled, PendingOrders> m) {
  settled_waiters_.push_back(std::move(m.reply_to));
  answer_settled_waiters();
}

PendingOrders SafetyLedger::snapshot() const {
  return PendingOrders{state_.pending_order_ids(), state_.halted(), state_.breaker_open(),
                       static_cast<std::int64_t>(state_.in_flight())};
}

void SafetyLedger::answer_settled_waiters() {
  if (settled_waiters_.empty() || state_.in_flight() > 0) return;
  for (auto& reply : settled_waiters_) reply.send(snapshot(), name());
  settled_waiters_.clear();
}

void SafetyLedger::on(BeginRecovery) { state_.begin_recovery(); }

void SafetyLedger::on(runtime::Ask<RestoreLedger, PendingOrders> m) {
  state_.restore(m.body.open_orders, m.body.halted, m.body.trip);
  log::info("safety.restored", {{"pending", state_.pending()}, {"halted", state_.halted()},
                                {"breaker_open", state_.breaker_open()}});
  m.reply_to.send(snapshot(), name());
}

}  // namespace oms::actors
