#pragma once
/// The Canceller: the kill switch (seed scenario 3, FR-006). Halts new submissions, lists open
/// equity orders at the broker (plus any the ledger knows), cancels them concurrently, confirms
/// each outcome (cancelled, or filled while cancelling — then not cancelled again), releases the
/// settled ones from the ledger and reports success only when the broker lists zero open orders.
#include "actors/cache_invalidator.hpp"
#include "actors/journal.hpp"
#include "actors/safety_ledger.hpp"
#include "gateway/broker.hpp"
#include "messages/cancel.hpp"
#include "runtime/actor.hpp"

#include <boost/asio/steady_timer.hpp>

namespace oms::actors {

class Canceller final : public runtime::Actor<Canceller, runtime::Ask<CancelAllOpenOrders, CancelAllReport>> {
 public:
  Canceller(runtime::Runtime& rt, std::shared_ptr<SafetyLedger> ledger, std::shared_ptr<Journal> journal,
            std::shared_ptr<gateway::Broker> gateway, std::string name = "canceller");
  /// Where cancellations and fills are announced (FR-011). Set before the first message.
  void set_cache_invalidator(std::shared_ptr<CacheInvalidator> cache) { cache_ = std::move(cache); }

 private:
  friend struct runtime::ActorAccess;
  struct Run;  // one kill-switch run: results and the countdown to "all confirmed"
  void on(runtime::Ask<CancelAllOpenOrders, CancelAllReport> m);
  runtime::awaitable<void> cancel_all(CancelAllOpenOrders request, runtime::ReplyTo<CancelAllReport> reply);
  runtime::awaitable<void> cancel_into(std::shared_ptr<Run> run, std::size_t index, std::string order_id);
  runtime::awaitable<CancelResult> cancel_one(std::string order_id);
  runtime::awaitable<CancelResult> settle(std::string order_id, bool cancel_accepted);

  std::shared_ptr<SafetyLedger> ledger_;
  std::shared_ptr<Journal> journal_;
  std::shared_ptr<gateway::Broker> gateway_;
  std::shared_ptr<CacheInvalidator> cache_;
};

}  // namespace oms::actors
