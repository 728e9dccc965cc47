#include "actors/safety_ledger.hpp"

#include "runtime/log.hpp"

namespace oms::actors {

namespace {
Reservation reservation(safety::Decision d) {
  return Reservation{d.admission, std::move(d.existing), std::move(d.guidance), false, std::move(d.ref_id), d.rearm};
}
}  // namespace

SafetyLedger::SafetyLedger(runtime::Runtime& rt, int failures_to_trip, std::string name)
    : Actor(rt, std::move(name)), state_(failures_to_trip) {}

void SafetyLedger::on(runtime::Ask<ReserveSubmission, Reservation> m) {
  auto d = state_.admit(m.body.key, m.body.quantity, m.body.ref_id);
  if (d.admission == Admission::join_pending) {
    joiners_[d.ref_id].push_back(std::move(m.reply_to));  // answered when the first one ends
    return;
  }
  if (d.admission == Admission::conflict)
    log::warn("safety.key_conflict", {{"symbol", m.body.key.symbol}, {"limit_price", m.body.key.limit_price.to_string(2)},
                                      {"quantity", m.body.quantity.to_string()}, {"why", d.guidance}});
  m.reply_to.send(reservation(std::move(d)), name());
}

void SafetyLedger::on(runtime::Ask<AwaitSettlement, Reservation> m) {
  auto now = state_.settlement_answer(m.body.ref_id);
  if (!now) {
    waiting_[m.body.ref_id].push_back(std::move(m.reply_to));  // answered by IntentSettled
    return;
  }
  m.reply_to.send(reservation(std::move(*now)), name());
}

void SafetyLedger::answer(std::map<std::string, std::vector<runtime::ReplyTo<Reservation>>>& parked,
                          const std::string& ref_id, const Reservation& answer) {
  auto it = parked.find(ref_id);
  if (it == parked.end()) return;
  for (auto& reply : it->second) reply.send(answer, name());
  parked.erase(it);
}

void SafetyLedger::on(SubmissionSucceeded m) {
  // The joiners' answer holds a copy of the envelope: made only when someone joined.
  std::string ref_id = m.envelope.ref_id;
  std::optional<Reservation> joined;
  if (joiners_.contains(ref_id)) joined = Reservation{Admission::duplicate, m.envelope, {}, false, ref_id, false};
  state_.submitted(m.key, std::move(m.envelope));
  state_.broker_succeeded();
  answer_settled_waiters();
  if (joined) answer(joiners_, ref_id, *joined);
}

void SafetyLedger::count_failure(bool insufficient_funds, const std::string& detail) {
  if (auto trip = state_.broker_failed(insufficient_funds, detail, runtime().clock().now())) tripped(*trip, "");
}

void SafetyLedger::on(SubmissionAbandoned m) {
  state_.abandoned(m.key, m.ref_id);
  answer_settled_waiters();
  if (m.broker_failure) count_failure(m.insufficient_funds, m.error);
  // The joiners asked for the same order: they get the same failure, not a second attempt.
  answer(joiners_, m.ref_id, Reservation{Admission::proceed, std::nullopt, m.error, true, m.ref_id, false});
}

// The outcome is unknown: the key stays reserved, and identical requests that joined the
// submission now wait for its settlement instead of sending again.
void SafetyLedger::on(SubmissionUnresolved m) {
  state_.unresolved(m.key, m.ref_id, m.at);  // no broker decision: the breaker is untouched
  answer_settled_waiters();                    // its POST has ended: the kill switch need not wait
  log::warn("safety.intent_unresolved", {{"ref_id", m.ref_id}, {"symbol", m.key.symbol},
                                         {"limit_price", m.key.limit_price.to_string(2)}, {"error", m.error}});
  answer(joiners_, m.ref_id, Reservation{Admission::await_settlement, std::nullopt, {}, false, m.ref_id, false});
}

void SafetyLedger::on(IntentSettled m) {
  state_.settled(m);
  Reservation told;
  told.ref_id = m.ref_id;
  switch (m.outcome) {
    case SettlementOutcome::found:
      told.admission = Admission::duplicate;
      told.existing = m.envelope;
      break;
    case SettlementOutcome::proven_absent: told.admission = Admission::retry; break;
    case SettlementOutcome::gave_up:
      told.admission = Admission::unresolved;
      told.guidance = "the outcome of ref_id " + m.ref_id + " is still unknown after its settlement timeout (" +
                      m.detail + "); its key stays reserved";
      break;
  }
  auto parked = waiting_.find(m.ref_id);
  std::size_t waiting = parked == waiting_.end() ? 0 : parked->second.size();
  log::info("safety.intent_settled", {{"ref_id", m.ref_id}, {"outcome", boost::describe::enum_to_string(m.outcome, "")},
                                      {"order_id", m.envelope ? m.envelope->order_id : std::string()},
                                      {"waiting", waiting}});
  answer(waiting_, m.ref_id, told);
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

void SafetyLedger::on(runtime::Ask<ConfirmSend, Reservation> m) {
  auto d = state_.confirm_send(m.body.key, m.body.ref_id);
  if (d.admission == Admission::halted)
    log::warn("safety.send_stopped_by_halt", {{"symbol", m.body.key.symbol}, {"ref_id", m.body.ref_id},
                                              {"limit_price", m.body.key.limit_price.to_string(2)}});
  m.reply_to.send(reservation(std::move(d)), name());
}

void SafetyLedger::on(runtime::Ask<AwaitSendsSettled, PendingOrders> m) {
  settled_waiters_.push_back(std::move(m.reply_to));
  answer_settled_waiters();
}

PendingOrders SafetyLedger::snapshot() const {
  return PendingOrders{state_.pending_order_ids(), state_.halted(), state_.breaker_open(), state_.unresolved_intents(),
                       static_cast<std::int64_t>(state_.in_flight())};
}

void SafetyLedger::answer_settled_waiters() {
  if (settled_waiters_.empty() || state_.in_flight() > 0) return;
  for (auto& reply : settled_waiters_) reply.send(snapshot(), name());
  settled_waiters_.clear();
}

void SafetyLedger::on(runtime::Ask<PendingOrdersQuery, PendingOrders> m) { m.reply_to.send(snapshot(), name()); }

void SafetyLedger::on(BeginRecovery) { state_.begin_recovery(); }

void SafetyLedger::on(runtime::Ask<RestoreLedger, PendingOrders> m) {
  state_.restore(m.body.open_orders, m.body.unresolved, m.body.halted, m.body.trip, m.body.recovery_failed);
  log::info("safety.restored", {{"pending", state_.pending()}, {"unresolved", m.body.unresolved.size()},
                                {"halted", state_.halted()}, {"breaker_open", state_.breaker_open()},
                                {"submissions_blocked", state_.recovering()}});
  m.reply_to.send(snapshot(), name());
}

}  // namespace oms::actors
