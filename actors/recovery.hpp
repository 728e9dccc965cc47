#pragma once
/// Start-up recovery (OrderManager::start): the journal's view, settled against the broker.
/// 0. Only the journal's owner recovers (another process holding the lock: refused, naming it),
///    and only from a journal that reads end to end (an unreadable line in the middle: refused,
///    naming the line; `oms journal check|repair`). Nothing is sent before both hold.
/// 1. Every intent journalled without a broker id is looked up by its ref_id: found → its
///    envelope is journalled (recovered), not found → journalled as not placed.
/// 2. The StatusPoller resumes from the journal (executions and states already journalled, the
///    poll cursor) and makes one pass: what happened while no process ran is journalled and
///    delivered to the fill callbacks once. It runs while submissions are still refused.
/// 3. Open broker orders the journal does not know are adopted (journalled, then tracked).
/// 4. The SafetyLedger gets the open orders back (duplicate guard) and the latches as they were,
///    which also ends the block on submissions that began when the OrderManager was built.
/// A process killed at any point and restarted ends with no duplicate and no orphan.
#include "actors/journal.hpp"
#include "actors/safety_ledger.hpp"
#include "actors/status_poller.hpp"
#include "gateway/broker.hpp"
#include "messages/recovery.hpp"

#include <memory>
#include <string>

namespace oms::actors {

struct RecoveryParts {
  std::string journal_path;
  std::shared_ptr<Journal> journal;
  std::shared_ptr<SafetyLedger> ledger;
  std::shared_ptr<gateway::Broker> broker;
  std::shared_ptr<StatusPoller> poller;  ///< null: no start-up pass (the poller starts from nothing)
};

/// Runs recovery. On a broker failure the report carries `error` and submissions stay blocked;
/// calling it again retries.
runtime::awaitable<RecoveryReport> recover(RecoveryParts parts);

}  // namespace oms::actors
