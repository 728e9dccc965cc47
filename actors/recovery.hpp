#pragma once
/// Start-up recovery (OrderManager::start): the journal's view, settled against the broker.
/// 1. Every intent journalled without a broker id is looked up by its ref_id: found → its
///    envelope is journalled (recovered), not found → journalled as not placed.
/// 2. Open broker orders the journal does not know are adopted (journalled, then tracked).
/// 3. The SafetyLedger gets the open orders back (duplicate guard) and the latches as they were,
///    which also ends the block on submissions that began when the OrderManager was built.
/// A process killed at any point and restarted ends with no duplicate and no orphan.
#include "actors/journal.hpp"
#include "actors/safety_ledger.hpp"
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
};

/// Runs recovery. On a broker failure the report carries `error` and submissions stay blocked;
/// calling it again retries.
runtime::awaitable<RecoveryReport> recover(RecoveryParts parts);

}  // namespace oms::actors
