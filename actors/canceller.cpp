#include "actors/canceller.hpp"

#include "gateway/parse.hpp"
#include "runtime/log.hpp"

#include <algorithm>
#include <set>

namespace oms::actors {
namespace asio = boost::asio;
using runtime::awaitable;
using namespace std::chrono_literals;

namespace {
// A send retried with backoff can take longer; the kill switch does not wait for it beyond this.
constexpr std::chrono::milliseconds kSendsSettleWait = 10s;
}  // namespace

struct Canceller::Run {
  explicit Run(const runtime::strand_type& s, std::size_t n)
      : results(n), remaining(n), done(s, asio::steady_timer::time_point::max()) {}
  std::vector<CancelResult> results;
  std::size_t remaining;
  asio::steady_timer done;
};

Canceller::Canceller(runtime::Runtime& rt, std::shared_ptr<SafetyLedger> ledger, std::shared_ptr<Journal> journal,
                     std::shared_ptr<gateway::Broker> gateway, std::string name)
    : Actor(rt, std::move(name)), ledger_(std::move(ledger)), journal_(std::move(journal)), gateway_(std::move(gateway)) {}

void Canceller::on(runtime::Ask<CancelAllOpenOrders, CancelAllReport> m) {
  spawn(cancel_all(std::move(m.body), std::move(m.reply_to)), "cancel all");
}

namespace {

CancelOutcome outcome_of(const OrderStatus& s) {
  switch (s.state) {
    case OrderState::cancelled:
      return s.filled_quantity.is_zero() ? CancelOutcome::cancelled : CancelOutcome::partially_filled_then_cancelled;
    case OrderState::filled: return CancelOutcome::filled;
    case OrderState::rejected: return CancelOutcome::already_finished;
    default: return CancelOutcome::failed;
  }
}

}  // namespace

// The order after a cancel request: wait (briefly) until the broker says how it ended.
awaitable<CancelResult> Canceller::settle(std::string order_id, bool cancel_accepted) {
  CancelResult result{order_id, "", CancelOutcome::failed, std::nullopt, ""};
  for (int look = 0; look < 50; ++look) {
    auto order = co_await gateway_->get_order(order_id);
    if (!order) {
      result.detail = order.error().to_string();
      co_return result;
    }
    auto status = gateway::to_order_status(*order);
    result.final_status = status;
    if (is_terminal(status.state)) {
      result.outcome = outcome_of(status);
      if (!cancel_accepted && result.outcome == CancelOutcome::cancelled) result.outcome = CancelOutcome::already_finished;
      co_return result;
    }
    if (!cancel_accepted) break;  // refused and still open: nothing more will happen by waiting
    if (co_await runtime().clock().sleep_for(100ms)) break;
  }
  result.detail = "the broker has not confirmed the cancel yet; run cancel-all again or check the order";
  co_return result;
}

awaitable<CancelResult> Canceller::cancel_one(std::string order_id) {
  auto cancelled = co_await gateway_->cancel_order(order_id);
  if (!cancelled && cancelled.error().kind != gateway::ErrorKind::not_found) {
    CancelResult failed{order_id, "", CancelOutcome::failed, std::nullopt, cancelled.error().to_string()};
    co_return failed;
  }
  // 404 means "no longer cancellable": it filled (or was cancelled) first — find out which.
  co_return co_await settle(order_id, cancelled.has_value());
}

awaitable<void> Canceller::cancel_into(std::shared_ptr<Run> run, std::size_t index, std::string order_id) {
  run->results[index] = co_await cancel_one(std::move(order_id));
  if (--run->remaining == 0) run->done.cancel();
}

awaitable<void> Canceller::cancel_all(CancelAllOpenOrders request, runtime::ReplyTo<CancelAllReport> reply) {
  auto self = shared_from_this();
  auto started = std::chrono::steady_clock::now();
  post(ledger_, HaltSubmissions{request.requested_by}, name());  // first: nothing new goes out
  // The latch survives a restart: recovery replays this record (and `resumed`).
  JournalRecord halted{"halted", boost::json::object{{"requested_by", request.requested_by}}};
  auto halt_durable = co_await runtime::ask<JournalAck>(journal_, std::move(halted), 10s, name());
  if (!halt_durable || !halt_durable->durable) log::error("journal.halt_not_durable", {});
  // Sends that passed the ledger's gate before the halt may still create broker orders: wait for
  // their answers (bounded), so what they placed is in the ledger or the listing and is cancelled.
  AwaitSendsSettled settle;
  auto settled = co_await runtime::ask<PendingOrders>(ledger_, std::move(settle), kSendsSettleWait, name());
  if (!settled)
    log::warn("kill_switch.sends_unsettled", {{"waited_ms", kSendsSettleWait.count()}});
  PendingOrdersQuery query;
  auto pending = co_await runtime::ask<PendingOrders>(ledger_, std::move(query), 10s, name());
  auto open = co_await gateway_->list_open_orders();
  CancelAllReport report;
  if (!open) {
    report.open_orders_remaining = -1;
    report.results.push_back(CancelResult{"", "", CancelOutcome::failed, std::nullopt,
                                          "could not list open orders: " + open.error().to_string()});
    reply.send(std::move(report), name());
    co_return;
  }
  std::set<std::string> ids;
  for (const auto& o : *open) ids.insert(o.id);
  if (pending) ids.insert(pending->order_ids.begin(), pending->order_ids.end());

  auto run = std::make_shared<Run>(strand(), ids.size());
  std::size_t i = 0;
  for (const auto& id : ids) spawn(cancel_into(run, i++, id), "cancel " + id);
  if (!ids.empty()) co_await run->done.async_wait(runtime::as_tuple_awaitable);

  for (auto& r : run->results) {
    // Responses carry no symbol: map the instrument URL back (named first: the GCC 12 trap).
    std::string instrument;
    if (r.final_status)
      if (const auto* url = r.final_status->raw.if_contains("instrument"); url && url->is_string())
        instrument = std::string(url->get_string());
    if (auto symbol = co_await gateway_->symbol_for_instrument(std::move(instrument))) r.symbol = *symbol;
    JournalRecord entry{"cancel_result", to_json(r).as_object()};
    post(journal_, std::move(entry), name());
    // Only settled orders leave the ledger: one whose cancel failed is still open at the broker,
    // and forgetting it would let an identical request place a second order after a resume.
    if (r.outcome != CancelOutcome::failed) post(ledger_, OrderFinished{r.order_id}, name());
    if (cache_ && r.outcome != CancelOutcome::failed && r.outcome != CancelOutcome::already_finished) {
      auto reason = r.outcome == CancelOutcome::filled ? InvalidationReason::fill : InvalidationReason::cancellation;
      post(cache_, InvalidateAccountCache{reason, r.order_id, r.symbol}, name());
    }
  }
  auto after = co_await gateway_->list_open_orders();
  report.results = std::move(run->results);
  report.open_orders_remaining = after ? static_cast<std::int64_t>(after->size()) : -1;
  report.submissions_halted = true;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  log::warn("kill_switch.completed", {{"orders", report.results.size()}, {"open_orders_remaining", report.open_orders_remaining},
                                      {"latency_ms", ms}, {"requested_by", request.requested_by}});
  reply.send(std::move(report), name());
}

}  // namespace oms::actors
