#pragma once
/// The Canceller: the kill switch (seed scenario 3, FR-006). Halts new submissions first and
/// unconditionally (journalled), sends the cancels of every order the ledger knows at once,
/// concurrently, while the broker's open orders are listed (retried) and whatever that adds is
/// cancelled too; then one listing of recently updated orders confirms them all (re-listed once a
/// tenth of the broker's cancel delay later if it missed one, then with a backoff that follows
/// that delay). Its own requests ride the cancel lane, so no poll's or submission's throttle
/// holds it back. Everything is bounded by its own deadline; an
/// order not confirmed by then is reported with why. Fills found on the way go to the
/// StatusPoller's exactly-once path.
#include "actors/cache_invalidator.hpp"
#include "actors/journal.hpp"
#include "actors/safety_ledger.hpp"
#include "actors/status_poller.hpp"
#include "gateway/broker.hpp"
#include "messages/cancel.hpp"
#include "runtime/actor.hpp"

#include <boost/asio/steady_timer.hpp>

#include <map>
#include <set>

namespace oms::actors {

/// How long the kill switch tries, and how it waits for the broker.
struct CancellerOptions {
  /// The whole run, halt to report: what is not confirmed by then is reported as such.
  std::chrono::milliseconds deadline{30000};
  /// A broker wait (429) longer than this is never slept: the order is reported with the wait.
  std::chrono::milliseconds max_broker_wait{60000};
  /// About the broker's own cancel delay: the first confirmation listing goes out that long after
  /// the last accepted cancel was sent (or at its answer, if that comes later). If it still shows
  /// orders open, the next look comes a tenth of this later (at least 5 ms: a cancel that took
  /// effect a moment late), then after this wait, doubled each time up to `confirm_backoff_max`.
  std::chrono::milliseconds confirm_backoff{50};
  std::chrono::milliseconds confirm_backoff_max{1000};
  /// The broker's budget that paces the cancels (rate_limit.window_requests per window_s). A run
  /// with more orders than one window holds waits for the windows its requests need on top of
  /// `deadline` — a cancel queued for the budget is never cut off by a deadline the budget could
  /// not meet — up to `max_deadline`.
  int budget_requests = 20;
  std::chrono::milliseconds budget_window{15000};
  std::chrono::milliseconds max_deadline{170000};

  /// The run's deadline for `orders` cancels (plus the listings beside them).
  std::chrono::milliseconds deadline_for(std::size_t orders) const;
};

class Canceller final : public runtime::Actor<Canceller, runtime::Ask<CancelAllOpenOrders, CancelAllReport>> {
 public:
  Canceller(runtime::Runtime& rt, std::shared_ptr<SafetyLedger> ledger, std::shared_ptr<Journal> journal,
            std::shared_ptr<gateway::Broker> gateway, std::string name = "canceller");
  /// Where cancellations and fills are announced (FR-011). Set before the first message.
  void set_cache_invalidator(std::shared_ptr<CacheInvalidator> cache) { cache_ = std::move(cache); }
  /// Where the snapshots it sees go (fills journalled and delivered once). Set before the first message.
  void set_status_poller(std::shared_ptr<StatusPoller> poller) { poller_ = std::move(poller); }
  void set_options(CancellerOptions options) { options_ = options; }

 private:
  friend struct runtime::ActorAccess;
  struct Run;  // one kill-switch run: what each order's cancel came to, and what is still going
  void on(runtime::Ask<CancelAllOpenOrders, CancelAllReport> m);
  runtime::awaitable<void> cancel_all(CancelAllOpenOrders request, runtime::ReplyTo<CancelAllReport> reply);
  runtime::awaitable<void> journal_halt(std::string requested_by);
  void launch(const std::shared_ptr<Run>& run, const std::vector<std::string>& ids);
  runtime::awaitable<void> cancel_one(std::shared_ptr<Run> run, std::string order_id);
  runtime::awaitable<void> discover(std::shared_ptr<Run> run);
  runtime::awaitable<void> learn_symbol(std::string instrument_url);
  runtime::awaitable<void> settle_sends(std::shared_ptr<Run> run);
  runtime::awaitable<void> confirm(std::shared_ptr<Run> run);
  runtime::awaitable<void> look_up_missing(std::shared_ptr<Run> run);
  runtime::awaitable<void> wait_for_tasks(std::shared_ptr<Run> run);
  /// Sleeps `d` unless the run's deadline comes first; false when the deadline has passed.
  runtime::awaitable<bool> pause(std::shared_ptr<Run> run, std::chrono::milliseconds d);
  runtime::awaitable<void> finish(std::shared_ptr<Run> run, CancelAllReport& report);

  std::shared_ptr<SafetyLedger> ledger_;
  std::shared_ptr<Journal> journal_;
  std::shared_ptr<gateway::Broker> gateway_;
  std::shared_ptr<CacheInvalidator> cache_;
  std::shared_ptr<StatusPoller> poller_;
  CancellerOptions options_;
};

}  // namespace oms::actors
