#include "actors/canceller.hpp"

#include <set>

#include "gateway/parse.hpp"
#include "runtime/log.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <algorithm>

namespace oms::actors {
namespace asio = boost::asio;
using runtime::awaitable;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {
// A send retried with backoff can take longer; the kill switch does not wait for it beyond this.
constexpr milliseconds kSendsSettleWait = 10s;
// The confirmation listing looks back this far: broker clocks differ from ours.
constexpr auto kListingMargin = std::chrono::minutes(5);
// Between attempts of a cancel or a listing that failed transiently (the gateway has retried).
constexpr milliseconds kRetryBackoff = 250ms;
// Added to the broker's cancel delay (confirm_backoff) before the first confirmation listing:
// covers a cancel that reaches the broker a little later than the listing behind it. Kept small:
// at a low RTT it is most of the kill switch's time beyond the broker's own delay.
constexpr milliseconds kCancelDelaySlack = 2ms;
// While only the listing of open orders can give the confirmation work, how often to look: it
// launches the cancels of what it finds the moment it answers.
constexpr milliseconds kDiscoveryPoll = 5ms;
constexpr milliseconds kRetryBackoffMax = 2s;
// After a first confirmation listing that still showed accepted cancels open, the next look comes
// this share of the broker's cancel delay later (at least kLateCancelRetryMin): the first went
// out just after that delay, so an order it missed is almost always one whose cancel took effect
// a moment later (it reached the broker late, or the delay varied), not a broker slower by a whole
// delay. Waiting the full backoff for it made the kill switch ~1 cancel delay slower; one still
// open after this look is a slow broker, and the backoff follows its delay from there.
constexpr int kLateCancelRetryDivisor = 10;
constexpr milliseconds kLateCancelRetryMin = 5ms;

std::string seconds_text(milliseconds d) {
  return std::to_string(std::chrono::ceil<std::chrono::seconds>(d).count()) + " s";
}

milliseconds backoff(int attempt) {
  auto d = kRetryBackoff * (1 << std::min(attempt - 1, 4));
  return std::min<milliseconds>(d, kRetryBackoffMax);
}

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

struct Canceller::Run {
  enum class Sent { sending, accepted, not_cancellable, failed };
  struct Order {
    Sent sent = Sent::sending;
    std::string detail;  ///< why the cancel was not accepted (or what the broker last said)
    std::optional<OrderStatus> final_status;
    bool confirmed = false;  ///< the broker showed it finished
    std::optional<Timestamp> accepted_at;  ///< when the broker's answer accepting its cancel came
  };
  Run(const runtime::strand_type& s, runtime::Clock& c, milliseconds within)
      : clock(c), deadline(c.now() + within), started_at(c.now()), budget(within),
        signal(s, asio::steady_timer::time_point::max()) {}

  /// A longer run, for more orders than the broker's budget passes at once.
  void allow(milliseconds total) {
    if (total <= budget) return;
    budget = total;
    deadline = started_at + total;
  }
  milliseconds left() const {
    return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - clock.now()));
  }
  void task_done() {
    // An expiry in the past: a wait started after this completes at once (no lost wake-up).
    if (--tasks == 0) signal.expires_at(asio::steady_timer::time_point::min());
  }
  void task_started() {
    if (tasks++ == 0) signal.expires_at(asio::steady_timer::time_point::max());
  }

  runtime::Clock& clock;
  Timestamp deadline;
  Timestamp started_at;
  milliseconds budget;
  std::map<std::string, Order> orders;
  std::size_t tasks = 0;  // cancels, listings and look-ups still running
  asio::steady_timer signal;
  bool discovering = true;    // the broker's open orders are being listed (retried)
  bool listed = false;        // the broker's open orders were listed
  std::string listing_error;  // why they could not be
  /// A cancel may wait for the rate limiter or a retry before it goes out, so its sending is
  /// taken as its answer less the quickest answer of the run.
  Timestamp::duration quickest_answer = Timestamp::duration::max();
  bool any_accepted = false;  ///< the broker accepted at least one cancel
  /// When the latest accepted cancel of an order no listing has shown finished yet went out. The
  /// broker's cancel delay runs from its arrival; a listing sent that delay after it arrives that
  /// delay after the cancel did (one way takes about as long for both), whatever the RTT: at a
  /// long RTT, right after the cancel's answer.
  std::optional<Timestamp> latest_unconfirmed_sent() const {
    std::optional<Timestamp> latest;
    for (const auto& [id, o] : orders)
      if (!o.confirmed && o.accepted_at && (!latest || *o.accepted_at > *latest)) latest = o.accepted_at;
    if (!latest) return std::nullopt;
    return *latest - quickest_answer;
  }
  std::string confirm_error;  // why the confirmation listing failed
  std::vector<OrderStatus> seen;
};

namespace {

// `op`, unless the run's deadline comes first (then nullopt, and `op` is cancelled).
template <class T>
awaitable<std::optional<T>> before_deadline(runtime::Clock& clock, Timestamp deadline, awaitable<T> op) {
  auto left = std::chrono::duration_cast<runtime::Duration>(deadline - clock.now());
  if (left <= runtime::Duration::zero()) co_return std::nullopt;
  auto sleep = clock.sleep_for(left);
  using namespace asio::experimental::awaitable_operators;
  auto raced = co_await (std::move(op) || std::move(sleep));
  if (raced.index() == 0) co_return std::optional<T>(std::move(std::get<0>(raced)));
  co_return std::nullopt;
}

}  // namespace

milliseconds CancellerOptions::deadline_for(std::size_t orders) const {
  // The cancels plus the listings beside them: discovery, a confirmation, the quick look after a
  // confirmation that missed (a straggler), one more (a retried discovery or a backoff listing);
  // a slower broker's further backoff listings may wait for the next window.
  constexpr std::size_t kListings = 4;
  auto requests = orders + kListings;
  auto per_window = static_cast<std::size_t>(std::max(budget_requests, 1));
  if (requests <= per_window) return deadline;
  auto windows = static_cast<long>((requests + per_window - 1) / per_window);
  return std::min(deadline + budget_window * windows, std::max(deadline, max_deadline));
}

Canceller::Canceller(runtime::Runtime& rt, std::shared_ptr<SafetyLedger> ledger, std::shared_ptr<Journal> journal,
                     std::shared_ptr<gateway::Broker> gateway, std::string name)
    : Actor(rt, std::move(name)), ledger_(std::move(ledger)), journal_(std::move(journal)), gateway_(std::move(gateway)) {}

void Canceller::on(runtime::Ask<CancelAllOpenOrders, CancelAllReport> m) {
  spawn(cancel_all(std::move(m.body), std::move(m.reply_to)), "cancel all");
}

awaitable<bool> Canceller::pause(std::shared_ptr<Run> run, milliseconds d) {
  auto wait = std::min(d, run->left());
  if (wait <= milliseconds(0)) co_return false;
  if (co_await runtime().clock().sleep_for(wait)) co_return false;
  co_return run->left() > milliseconds(0);
}

// The latch survives a restart: recovery replays this record (and `resumed`). Queued before any
// cancel is sent; its fdatasync does not hold the cancels back.
awaitable<void> Canceller::journal_halt(std::string requested_by) {
  auto self = shared_from_this();
  JournalRecord halted{"halted", boost::json::object{{"requested_by", requested_by}}};
  auto durable = co_await runtime::ask<JournalAck>(journal_, std::move(halted), 10s, name());
  if (!durable || !durable->durable) log::error("journal.halt_not_durable", {{"requested_by", requested_by}});
}

void Canceller::launch(const std::shared_ptr<Run>& run, const std::vector<std::string>& ids) {
  std::vector<std::string> fresh;
  for (const auto& id : ids)
    if (!id.empty() && run->orders.try_emplace(id).second) fresh.push_back(id);
  run->allow(options_.deadline_for(run->orders.size()));  // before the cancels take their deadline
  for (const auto& id : fresh) {
    run->task_started();
    spawn(cancel_one(run, id), "cancel " + id);
  }
}

// One order's cancel. A throttle is retried after the broker's stated wait within the deadline
// (never beyond the cap); other failures have had the gateway's retries and are reported.
awaitable<void> Canceller::cancel_one(std::shared_ptr<Run> run, std::string order_id) {
  auto self = shared_from_this();
  auto& order = run->orders[order_id];
  for (;;) {
    auto op = gateway_->cancel_order(order_id);
    auto issued = runtime().clock().now();
    auto answer = co_await before_deadline(runtime().clock(), run->deadline, std::move(op));
    if (!answer) {
      order.sent = Run::Sent::failed;
      order.detail = "the cancel was not answered within the kill switch's " + seconds_text(run->budget) + " deadline" +
                     (order.detail.empty() ? std::string() : " (last: " + order.detail + ")");
      break;
    }
    if (*answer) {
      order.sent = Run::Sent::accepted;
      order.detail.clear();
      auto answered = runtime().clock().now();
      run->quickest_answer = std::min(run->quickest_answer, answered - issued);
      order.accepted_at = answered;
      run->any_accepted = true;
      break;
    }
    const gateway::BrokerError& e = answer->error();
    // 404: no longer cancellable — it filled or was cancelled first; the listing says which.
    if (e.kind == gateway::ErrorKind::not_found) {
      order.sent = Run::Sent::not_cancellable;
      break;
    }
    order.detail = e.to_string();
    if (e.kind == gateway::ErrorKind::throttled && e.retry_after) {
      auto wait = *e.retry_after;
      order.detail = "the broker throttled the cancel and asked to wait " + seconds_text(wait);
      if (wait > options_.max_broker_wait || wait >= run->left()) {
        order.sent = Run::Sent::failed;
        order.detail += wait > options_.max_broker_wait
                            ? ", above the " + seconds_text(options_.max_broker_wait) + " cap: not slept"
                            : ", beyond the kill switch's " + seconds_text(run->budget) + " deadline";
        break;
      }
      log::warn("kill_switch.cancel_throttled", {{"order_id", order_id}, {"wait_ms", wait.count()}});
      if (!co_await pause(run, wait)) break;
      continue;
    }
    // Anything else has had the gateway's retries (NFR-006: three attempts, then escalate).
    order.sent = Run::Sent::failed;
    break;
  }
  run->task_done();
}

// The broker's open orders, listed in parallel with the cancels (retried until the deadline):
// whatever the ledger did not know is cancelled too.
awaitable<void> Canceller::discover(std::shared_ptr<Run> run) {
  auto self = shared_from_this();
  for (int attempt = 1;; ++attempt) {
    std::optional<Timestamp> since;
    auto op = gateway_->list_orders_for_cancel(since, true);
    auto listed = co_await before_deadline(runtime().clock(), run->deadline, std::move(op));
    if (!listed) {
      if (run->listing_error.empty()) run->listing_error = "no answer within the kill switch's deadline";
      break;
    }
    if (*listed) {
      run->listed = true;
      std::vector<std::string> ids;
      std::set<std::string> instruments;
      for (const auto& o : **listed) {
        ids.push_back(o.id);
        if (!o.instrument.empty()) instruments.insert(o.instrument);
      }
      launch(run, ids);
      // The report names each order's symbol, which the broker gives only as an instrument URL:
      // looked up now, beside the cancels, so the report does not wait one more round trip for it.
      for (const auto& url : instruments) spawn(learn_symbol(url), "instrument symbol");
      break;
    }
    run->listing_error = listed->error().to_string();
    log::warn("kill_switch.listing_failed", {{"attempt", attempt}, {"error", run->listing_error}});
    if (listed->error().failure == gateway::FailureClass::permanent) break;
    auto wait = listed->error().retry_after.value_or(backoff(attempt));
    if (wait > options_.max_broker_wait || !co_await pause(run, wait)) break;
  }
  run->discovering = false;
}

awaitable<void> Canceller::learn_symbol(std::string instrument_url) {
  auto self = shared_from_this();
  co_await gateway_->symbol_for_instrument(std::move(instrument_url));  // the gateway keeps it
}

// Sends that passed the ledger's gate before the halt may still create broker orders: wait for
// their answers (bounded), so what they placed is in the ledger and is cancelled too.
awaitable<void> Canceller::settle_sends(std::shared_ptr<Run> run) {
  auto self = shared_from_this();
  AwaitSendsSettled settle;
  auto wait = std::min(kSendsSettleWait, run->left());
  auto settled = co_await runtime::ask<PendingOrders>(ledger_, std::move(settle), wait, name());
  if (!settled) log::warn("kill_switch.sends_unsettled", {{"waited_ms", wait.count()}});
  PendingOrdersQuery query;
  auto pending = co_await runtime::ask<PendingOrders>(ledger_, std::move(query), 10s, name());
  if (pending) launch(run, pending->order_ids);
  run->task_done();
}

awaitable<void> Canceller::wait_for_tasks(std::shared_ptr<Run> run) {
  while (run->tasks > 0 && run->left() > milliseconds(0)) {
    auto op = run->signal.async_wait(runtime::as_tuple_awaitable);
    co_await before_deadline(runtime().clock(), run->deadline, std::move(op));
  }
}

// Orders the listing could not confirm (it failed, or they finished before its window): one GET
// each, concurrently. Off the usual path: a listing normally confirms them all.
awaitable<void> Canceller::look_up_missing(std::shared_ptr<Run> run) {
  auto self = shared_from_this();
  auto look = [](std::shared_ptr<Canceller> me, std::shared_ptr<Run> r, std::string id) -> awaitable<void> {
    auto op = me->gateway_->get_order(id);
    auto got = co_await before_deadline(me->runtime().clock(), r->deadline, std::move(op));
    auto& order = r->orders[id];
    if (got && *got) {
      auto status = gateway::to_order_status(**got);
      order.final_status = status;
      if (is_terminal(status.state)) {
        order.confirmed = true;
        r->seen.push_back(status);
      }
    } else if (got) {
      r->confirm_error = got->error().to_string();
    }
    r->task_done();
  };
  for (auto& [id, order] : run->orders) {
    if (order.confirmed) continue;
    run->task_started();
    spawn(look(self, run, id), "look up " + id);
  }
  co_await wait_for_tasks(run);
}

// One listing of the orders updated since the run began confirms every cancel; if it missed one,
// one quick look follows (kLateCancelRetryDivisor), then a backoff that starts at about the
// broker's cancel delay while some are still open.
awaitable<void> Canceller::confirm(std::shared_ptr<Run> run) {
  auto self = shared_from_this();
  auto wait = options_.confirm_backoff;
  const auto late_cancel = std::max(kLateCancelRetryMin, options_.confirm_backoff / kLateCancelRetryDivisor);
  std::optional<Timestamp> since = run->started_at - kListingMargin;
  int listings = 0;  // confirmation listings sent
  for (int round = 1;; ++round) {
    co_await wait_for_tasks(run);  // cancels the listing of open orders added meanwhile
    // A cancel that failed is not waited for: one look at its state is enough.
    auto waiting = std::count_if(run->orders.begin(), run->orders.end(), [](const auto& kv) {
      return !kv.second.confirmed && kv.second.sent != Run::Sent::failed;
    });
    auto unconfirmed = std::count_if(run->orders.begin(), run->orders.end(),
                                     [](const auto& kv) { return !kv.second.confirmed; });
    bool looked = round > 1 || unconfirmed == 0;
    if (waiting == 0 && looked && !run->discovering) co_return;
    if (unconfirmed == 0) {  // nothing to confirm (yet): the listing of open orders is still running
      if (!co_await pause(run, std::min(wait, kDiscoveryPoll))) co_return;
      continue;
    }
    // A listing sent before the broker's cancel delay has passed shows the orders still open and
    // costs a round trip and a backoff more: each waits until it has for every cancel it is to
    // confirm (the first one; and one behind the cancel of an order discovery found late, which
    // went out after the first listing). Past that point it goes at once.
    if (auto sent = run->latest_unconfirmed_sent()) {
      auto ready = *sent + options_.confirm_backoff + kCancelDelaySlack;
      auto now = runtime().clock().now();
      // Not beyond the deadline: a listing then may still confirm the others.
      if (ready > now && ready < run->deadline &&
          !co_await pause(run, std::chrono::ceil<milliseconds>(ready - now)))
        co_return;
    }
    auto op = gateway_->list_orders_for_cancel(since, false);
    auto listed = co_await before_deadline(runtime().clock(), run->deadline, std::move(op));
    if (!listed) co_return;
    ++listings;
    bool missing = false;
    if (*listed) {
      std::set<std::string> present;
      for (const auto& o : **listed) {
        auto it = run->orders.find(o.id);
        if (it == run->orders.end() || it->second.confirmed) continue;
        present.insert(o.id);
        auto status = gateway::to_order_status(o);
        it->second.final_status = status;
        if (!is_terminal(status.state)) continue;
        it->second.confirmed = true;
        run->seen.push_back(status);
      }
      for (const auto& [id, order] : run->orders) missing |= !order.confirmed && !present.contains(id);
    } else {
      run->confirm_error = listed->error().to_string();
      log::warn("kill_switch.confirm_listing_failed", {{"listing", listings}, {"error", run->confirm_error}});
      missing = listings >= 2;  // a second failed listing: ask for each order instead
      if (listed->error().retry_after) wait = std::max(wait, *listed->error().retry_after);
    }
    if (missing) co_await look_up_missing(run);
    bool settled = std::all_of(run->orders.begin(), run->orders.end(), [](const auto& kv) {
      return kv.second.confirmed || kv.second.sent == Run::Sent::failed;
    });
    if (settled && *listed && !run->discovering && run->tasks == 0) co_return;
    bool first_look_missed = listings == 1 && *listed && run->any_accepted;
    if (!co_await pause(run, first_look_missed ? late_cancel : wait)) co_return;
    if (!first_look_missed) wait = std::min(wait * 2, options_.confirm_backoff_max);
  }
}

awaitable<void> Canceller::cancel_all(CancelAllOpenOrders request, runtime::ReplyTo<CancelAllReport> reply) {
  auto self = shared_from_this();
  auto started = std::chrono::steady_clock::now();
  // First, unconditionally: nothing new goes out, and the latch is journalled.
  post(ledger_, HaltSubmissions{request.requested_by}, name());
  spawn(journal_halt(request.requested_by), "journal halt");
  auto run = std::make_shared<Run>(strand(), runtime().clock(), options_.deadline);
  // The orders the ledger knows are cancelled at once, while the broker's list is fetched.
  PendingOrdersQuery query;
  auto pending = co_await runtime::ask<PendingOrders>(ledger_, std::move(query), 10s, name());
  if (pending) launch(run, pending->order_ids);
  spawn(discover(run), "list open orders");
  run->task_started();
  spawn(settle_sends(run), "settle sends");
  co_await wait_for_tasks(run);
  co_await confirm(run);

  CancelAllReport report;
  co_await finish(run, report);
  auto ms = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started).count();
  log::warn("kill_switch.completed", {{"orders", report.results.size()}, {"open_orders_remaining", report.open_orders_remaining},
                                      {"latency_ms", ms}, {"requested_by", request.requested_by}});
  reply.send(std::move(report), name());
}

namespace {

// Why an order is not confirmed, in the operator's words.
std::string unconfirmed_detail(const std::string& cancel_detail, bool accepted, const std::string& confirm_error,
                               milliseconds budget) {
  std::string out = accepted ? "the broker accepted the cancel" : cancel_detail.empty() ? "the cancel was not answered"
                                                                                         : cancel_detail;
  out += "; not confirmed finished within the kill switch's " + seconds_text(budget) + " deadline";
  if (!confirm_error.empty()) out += " (listing orders failed: " + confirm_error + ")";
  return out + "; run cancel-all again or check the order";
}

}  // namespace

awaitable<void> Canceller::finish(std::shared_ptr<Run> run, CancelAllReport& report) {
  auto self = shared_from_this();
  // Fills and state changes seen here go through the poller: one `fill` record and one callback
  // per execution, however often it is seen again.
  if (poller_ && !run->seen.empty()) {
    ObservedByKillSwitch observed{std::move(run->seen)};
    auto absorbed = co_await runtime::ask<SyncReport>(poller_, std::move(observed), 10s, name());
    if (!absorbed) log::error("kill_switch.fills_not_absorbed", {});
  }
  if (!run->listed)
    report.results.push_back(CancelResult{"", "", CancelOutcome::failed, std::nullopt,
                                          "could not list the broker's open orders (" + run->listing_error +
                                              "): orders this process does not know of may still be open"});
  std::int64_t open = 0;
  for (auto& [id, order] : run->orders) {
    CancelResult r{id, "", CancelOutcome::failed, order.final_status, order.detail};
    if (order.confirmed) {
      r.outcome = outcome_of(*order.final_status);
      if (order.sent != Run::Sent::accepted && r.outcome == CancelOutcome::cancelled)
        r.outcome = CancelOutcome::already_finished;
      if (r.outcome != CancelOutcome::failed) r.detail.clear();
    } else {
      ++open;
      r.detail = unconfirmed_detail(order.detail, order.sent == Run::Sent::accepted, run->confirm_error, run->budget);
    }
    // Responses carry no symbol: map the instrument URL back (named first: the GCC 12 trap).
    std::string instrument;
    if (r.final_status)
      if (const auto* url = r.final_status->raw.if_contains("instrument"); url && url->is_string())
        instrument = std::string(url->get_string());
    if (!instrument.empty())
      if (auto symbol = co_await gateway_->symbol_for_instrument(std::move(instrument))) r.symbol = *symbol;
    JournalRecord entry{"cancel_result", to_json_object(r)};
    post(journal_, std::move(entry), name());
    // Only settled orders leave the ledger: one whose cancel failed is still open at the broker,
    // and forgetting it would let an identical request place a second order after a resume.
    if (r.outcome != CancelOutcome::failed) post(ledger_, OrderFinished{r.order_id}, name());
    if (cache_ && r.outcome == CancelOutcome::cancelled)
      post(cache_, InvalidateAccountCache{InvalidationReason::cancellation, r.order_id, r.symbol}, name());
    report.results.push_back(std::move(r));
  }
  report.open_orders_remaining = run->listed ? open : -1;
  report.submissions_halted = true;
}

}  // namespace oms::actors
