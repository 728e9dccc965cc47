#include "actors/settlement.hpp"

#include "runtime/log.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

namespace oms::actors {
namespace asio = boost::asio;
namespace json = boost::json;
using runtime::awaitable;
using namespace std::chrono_literals;

struct Settler::Job {
  Job(const runtime::strand_type& strand, SettleIntent i, settlement::Fsm f)
      : intent(std::move(i)), fsm(std::move(f)), wake(strand, asio::steady_timer::time_point::max()) {}
  SettleIntent intent;
  settlement::Fsm fsm;
  asio::steady_timer wake;  ///< cancelled to cut a backoff short (rearm)
  bool running = false;     ///< a coroutine drives it
  std::optional<gateway::BrokerOrder> order;
};

settlement::Policy settlement_policy(const config::SettlementConfig& c) {
  settlement::Policy p;
  p.quiet = std::chrono::milliseconds(c.quiet_ms);
  p.base_delay = std::chrono::milliseconds(c.base_delay_ms);
  p.max_delay = std::chrono::milliseconds(c.max_delay_ms);
  p.give_up_after = std::chrono::seconds(c.timeout_s);
  return p;
}

Settler::Settler(runtime::Runtime& rt, settlement::Policy policy, std::shared_ptr<SafetyLedger> ledger,
                 std::shared_ptr<Journal> journal, std::shared_ptr<gateway::Broker> broker, std::string name)
    : Actor(rt, std::move(name)), policy_(policy), ledger_(std::move(ledger)), journal_(std::move(journal)),
      broker_(std::move(broker)) {}

void Settler::on(SettleIntent m) {
  if (jobs_.contains(m.ref_id)) {  // already settling: someone wants it sooner
    on(RearmSettlement{m.ref_id});
    return;
  }
  auto now = runtime().clock().now();
  settlement::Fsm fsm(m.intent_at, m.last_attempt_at, now, policy_, m.first_look_up_at);
  log::warn("settlement.started", {{"ref_id", m.ref_id}, {"symbol", m.key.symbol},
                                   {"limit_price", m.key.limit_price.to_string(2)},
                                   {"quantity", m.quantity.to_string()},
                                   {"absence_provable_from", format_iso8601(fsm.proof_from())},
                                   {"gives_up_at", format_iso8601(fsm.deadline())}});
  auto job = std::make_shared<Job>(strand(), std::move(m), std::move(fsm));
  jobs_[job->intent.ref_id] = job;
  job->running = true;
  spawn(run(job), "settle " + job->intent.ref_id);
}

void Settler::on(RearmSettlement m) {
  auto it = jobs_.find(m.ref_id);
  if (it == jobs_.end()) {
    log::warn("settlement.rearm_unknown", {{"ref_id", m.ref_id}});
    return;
  }
  auto job = it->second;
  job->fsm.hurry(runtime().clock().now());
  if (job->running) {
    job->wake.cancel();  // a backoff in progress ends now
    return;
  }
  log::warn("settlement.rearmed", {{"ref_id", m.ref_id}, {"gives_up_at", format_iso8601(job->fsm.deadline())}});
  job->running = true;
  spawn(run(job), "settle " + m.ref_id);
}

awaitable<void> Settler::run(std::shared_ptr<Job> job) {
  auto self = shared_from_this();
  for (;;) {
    auto step = job->fsm.step();
    if (auto* next = std::get_if<settlement::LookUpAt>(&step)) {
      if (!co_await sleep_until(job, next->at)) break;  // shutdown
      auto since = job->fsm.begin_look_up(runtime().clock().now());
      if (since && !co_await look_up(job, *since)) break;  // the broker is closing: stop quietly
      continue;  // woken early, or a result to act on
    }
    if (std::holds_alternative<settlement::Found>(step)) {
      co_await settle_found(job);
      jobs_.erase(job->intent.ref_id);
      co_return;
    }
    if (auto* absent = std::get_if<settlement::ProvenAbsent>(&step)) {
      co_await settle_absent(job, absent->listing_started_at);
      jobs_.erase(job->intent.ref_id);
      co_return;
    }
    if (auto* gave_up = std::get_if<settlement::GaveUp>(&step)) {
      co_await give_up(job, gave_up->why);
      break;  // stays known: a waiting request rearms it
    }
    break;  // LookingUp cannot be seen here: each look-up is awaited above
  }
  job->running = false;
}

// Sleeps on the runtime's clock until `at`, or until a rearm cuts it short. False at shutdown.
awaitable<bool> Settler::sleep_until(std::shared_ptr<Job> job, Timestamp at) {
  auto now = runtime().clock().now();
  if (at <= now) co_return true;
  auto woken = [](std::shared_ptr<Job> j) -> awaitable<void> {
    co_await j->wake.async_wait(runtime::as_tuple_awaitable);
  };
  using namespace asio::experimental::awaitable_operators;
  auto rearmed = woken(job);  // named first: no temporaries inside the co_await (GCC 12)
  auto slept = runtime().clock().sleep_for(std::chrono::duration_cast<runtime::Duration>(at - now));
  co_await (std::move(rearmed) || std::move(slept));
  auto state = co_await asio::this_coro::cancellation_state;
  co_return state.cancelled() == asio::cancellation_type::none;
}

awaitable<bool> Settler::look_up(std::shared_ptr<Job> job, Timestamp since) {
  auto started = runtime().clock().now();
  std::string ref_id = job->intent.ref_id;
  auto found = co_await broker_->find_by_ref_id(std::move(ref_id), since);
  auto now = runtime().clock().now();
  if (!found && found.error().kind == gateway::ErrorKind::cancelled) {
    // Closed or stopping: the intent stays unresolved in the journal; the next start settles it.
    job->fsm.failed(now, found.error().to_string());
    co_return false;
  }
  if (!found) {
    auto why = found.error().to_string();
    log::warn("settlement.look_up_failed", {{"ref_id", job->intent.ref_id}, {"look_up", job->fsm.look_ups()},
                                            {"error", why}});
    job->fsm.failed(now, std::move(why));
  } else if (*found) {
    job->order = std::move(**found);
    job->fsm.found(now);
  } else {
    job->fsm.not_found(started, now);
  }
  co_return true;
}

awaitable<bool> Settler::journal(const char* kind, json::object data) {
  JournalRecord record{kind, std::move(data)};
  auto ack = co_await runtime::ask<JournalAck>(journal_, std::move(record), 10s, name());
  bool durable = ack && ack->durable;
  if (!durable) log::error("settlement.journal_failed", {{"kind", kind}});
  co_return durable;
}

// The broker holds it: journalled as its envelope (as recovery journals one it finds), so
// replay, `oms orders` and the next start know the order; the ledger answers the waiters.
awaitable<void> Settler::settle_found(std::shared_ptr<Job> job) {
  const auto& i = job->intent;
  const auto& o = *job->order;
  OrderEnvelope envelope{o.id, i.ref_id, i.key.symbol, i.key.side, i.quantity, i.key.limit_price, i.reference_price,
                         o.created_at, i.mode, i.strategy, o.raw};
  auto data = to_json_object(envelope);
  data["recovered"] = true;
  data["settled_by"] = "settlement";
  data["look_ups"] = job->fsm.look_ups();
  co_await journal("envelope", std::move(data));
  bool finished = !gateway::is_open(o);
  log::warn("settlement.found", {{"ref_id", i.ref_id}, {"order_id", o.id}, {"broker_state", o.state},
                                 {"look_ups", job->fsm.look_ups()}});
  post(ledger_, IntentSettled{i.ref_id, i.key, SettlementOutcome::found, std::move(envelope), finished, "found"},
       name());
  if (!finished) spawn(cancel_if_halted(o.id), "cancel " + o.id + " if halted");
}

// An order found open while the kill switch holds (it reached the broker after the kill switch
// listed the open orders) is not left open: the kill switch runs again, and cancels it too (the
// ledger holds it by now: IntentSettled was queued first).
awaitable<void> Settler::cancel_if_halted(std::string order_id) {
  auto self = shared_from_this();
  auto canceller = canceller_.lock();
  if (!canceller) co_return;
  PendingOrdersQuery query;
  auto state = co_await runtime::ask<PendingOrders>(ledger_, std::move(query), 10s, name());
  if (!state || !state->halted) co_return;
  log::warn("settlement.found_while_halted", {{"order_id", order_id}});
  CancelAllOpenOrders again{"settlement: order " + order_id + " found open while halted"};
  auto report = co_await runtime::ask<CancelAllReport>(canceller, std::move(again), 180s, name());
  if (!report) log::error("settlement.kill_switch_unanswered", {{"order_id", order_id}});
}

awaitable<void> Settler::settle_absent(std::shared_ptr<Job> job, Timestamp listing_started_at) {
  const auto& i = job->intent;
  std::string reason = "proven absent: a complete listing begun at " + format_iso8601(listing_started_at) +
                       ", past the quiet period after the last attempt, does not hold it; never placed";
  json::object data{{"ref_id", i.ref_id}, {"symbol", i.key.symbol}, {"reason", reason},
                    {"settled_by", "settlement"}, {"look_ups", job->fsm.look_ups()}};
  co_await journal("intent_abandoned", std::move(data));
  log::warn("settlement.proven_absent", {{"ref_id", i.ref_id}, {"look_ups", job->fsm.look_ups()}});
  post(ledger_, IntentSettled{i.ref_id, i.key, SettlementOutcome::proven_absent, std::nullopt, false, reason}, name());
}

awaitable<void> Settler::give_up(std::shared_ptr<Job> job, std::string why) {
  const auto& i = job->intent;
  json::object data{{"ref_id", i.ref_id}, {"symbol", i.key.symbol}, {"look_ups", job->fsm.look_ups()},
                    {"detail", why}};
  co_await journal("settlement_gave_up", std::move(data));
  log::error("settlement.gave_up", {{"ref_id", i.ref_id}, {"symbol", i.key.symbol},
                                    {"look_ups", job->fsm.look_ups()}, {"detail", why}});
  post(ledger_, IntentSettled{i.ref_id, i.key, SettlementOutcome::gave_up, std::nullopt, false, why}, name());
}

}  // namespace oms::actors
