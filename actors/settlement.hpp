#pragma once
/// The Settler: the owner's background settlement of unresolved intents. For each one it runs the
/// settlement protocol (actors/settlement_fsm.hpp) on the runtime's clock: look the ref_id up at
/// the broker with backoff until the order shows (journalled as its envelope, `recovered`) or a
/// complete listing proves it absent (journalled `intent_abandoned`), or give up at the deadline
/// (journalled `settlement_gave_up`; the intent stays unresolved, its key reserved). Each result
/// goes to the SafetyLedger (IntentSettled), which answers the identical requests waiting for it.
/// The Submitter starts a settlement after an ambiguous outcome, recovery for every intent it
/// finds unresolved at start-up, and a request waiting on one that gave up rearms it.
#include "actors/canceller.hpp"
#include "actors/journal.hpp"
#include "actors/safety_ledger.hpp"
#include "actors/settlement_fsm.hpp"
#include "config/config.hpp"
#include "gateway/broker.hpp"
#include "messages/settlement.hpp"
#include "runtime/actor.hpp"

#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <string>

namespace oms::actors {

class Settler final : public runtime::Actor<Settler, SettleIntent, RearmSettlement> {
 public:
  Settler(runtime::Runtime& rt, settlement::Policy policy, std::shared_ptr<SafetyLedger> ledger,
          std::shared_ptr<Journal> journal, std::shared_ptr<gateway::Broker> broker, std::string name = "settler");

  /// Settlements running or given up (tests, health).
  std::size_t active() const noexcept { return jobs_.size(); }
  /// The kill switch to run again when an order is found open while submissions are halted (it
  /// reached the broker after the kill switch listed the orders). Set before the first message.
  void set_canceller(std::weak_ptr<Canceller> canceller) { canceller_ = std::move(canceller); }

 private:
  friend struct runtime::ActorAccess;
  struct Job;
  void on(SettleIntent m);
  void on(RearmSettlement m);
  runtime::awaitable<void> run(std::shared_ptr<Job> job);
  runtime::awaitable<bool> sleep_until(std::shared_ptr<Job> job, Timestamp at);
  /// One look-up fed to the protocol; false when the broker was closed or the call cancelled.
  runtime::awaitable<bool> look_up(std::shared_ptr<Job> job, Timestamp since);
  runtime::awaitable<void> settle_found(std::shared_ptr<Job> job);
  runtime::awaitable<void> settle_absent(std::shared_ptr<Job> job, Timestamp listing_started_at);
  runtime::awaitable<void> give_up(std::shared_ptr<Job> job, std::string why);
  runtime::awaitable<bool> journal(const char* kind, boost::json::object data);
  runtime::awaitable<void> cancel_if_halted(std::string order_id);

  settlement::Policy policy_;
  std::shared_ptr<SafetyLedger> ledger_;
  std::shared_ptr<Journal> journal_;
  std::shared_ptr<gateway::Broker> broker_;
  std::weak_ptr<Canceller> canceller_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;  ///< by ref_id; a finished one is removed
};

/// The policy from config.json's order_management.settlement.
settlement::Policy settlement_policy(const config::SettlementConfig& config);

}  // namespace oms::actors
