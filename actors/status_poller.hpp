#pragma once
/// The StatusPoller (FR-005, FR-007): answers get_order_status, and every poll_interval_s (or on
/// demand) refreshes orders updated since its cursor, journals each state change, calls the fill
/// callbacks once per execution (de-duplicated by execution id) and releases finished orders from
/// the SafetyLedger. Recovery restores it from the journal before its first pass (RestoreTracks),
/// so executions and states already journalled are never reported again after a restart, and the
/// first pass resumes at the journalled cursor. Its memory is actors/poll_state.hpp.
#include "actors/cache_invalidator.hpp"
#include "actors/journal.hpp"
#include "actors/poll_state.hpp"
#include "actors/safety_ledger.hpp"
#include "gateway/broker.hpp"
#include "messages/cancel.hpp"
#include "messages/status.hpp"
#include "runtime/actor.hpp"

#include <functional>
#include <map>
#include <set>

namespace oms::actors {

class StatusPoller final
    : public runtime::Actor<StatusPoller, runtime::Ask<GetOrderStatus, StatusReply>,
                            runtime::Ask<SynchronizeOpenOrders, SyncReport>,
                            runtime::Ask<ObservedByKillSwitch, SyncReport>, StartPolling, RestoreTracks> {
 public:
  using FillCallback = std::function<void(const FillEvent&)>;
  StatusPoller(runtime::Runtime& rt, std::chrono::seconds interval, std::shared_ptr<SafetyLedger> ledger,
               std::shared_ptr<Journal> journal, std::shared_ptr<gateway::Broker> gateway,
               std::string name = "status_poller");
  /// Registers a callback for fills; called on the poller's strand. Set before polling starts.
  void on_fill(FillCallback callback) { fill_callbacks_.push_back(std::move(callback)); }
  /// Where fills are announced (FR-011). Set before the first message.
  void set_cache_invalidator(std::shared_ptr<CacheInvalidator> cache) { cache_ = std::move(cache); }

 private:
  friend struct runtime::ActorAccess;
  void on(runtime::Ask<GetOrderStatus, StatusReply> m);
  void on(runtime::Ask<SynchronizeOpenOrders, SyncReport> m);
  void on(runtime::Ask<ObservedByKillSwitch, SyncReport> m);
  void on(StartPolling m);
  void on(RestoreTracks m);
  runtime::awaitable<void> status(std::string order_id, runtime::ReplyTo<StatusReply> reply);
  runtime::awaitable<void> synchronize(runtime::ReplyTo<SyncReport> reply);
  runtime::awaitable<void> observed(ObservedByKillSwitch seen, runtime::ReplyTo<SyncReport> reply);
  runtime::awaitable<SyncReport> sync_once();
  runtime::awaitable<void> poll_loop();
  runtime::awaitable<void> absorb(gateway::BrokerOrder order, SyncReport& report,
                                  std::optional<orders::PollState::Pass> pass);
  void announce(const FillEvent& fill, Timestamp broker_updated_at);
  /// Where a journal record stands: the broker's time of the snapshot and the poller's cursor.
  void stamp(boost::json::object& record, Timestamp broker_updated_at) const;

  std::chrono::seconds interval_;
  std::shared_ptr<SafetyLedger> ledger_;
  std::shared_ptr<Journal> journal_;
  std::shared_ptr<gateway::Broker> gateway_;
  std::vector<FillCallback> fill_callbacks_;
  std::shared_ptr<CacheInvalidator> cache_;
  orders::PollState state_;  ///< open orders' tracks, finished orders' executions, the cursor
  bool polling_ = false;
};

}  // namespace oms::actors
