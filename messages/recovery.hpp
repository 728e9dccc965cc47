#pragma once
/// Start-up recovery: what replaying the journal against the broker found (OrderManager::start).
#include "messages/codec.hpp"

#include <boost/describe/class.hpp>

#include <string>
#include <vector>

namespace oms {

/// The outcome of recovery. Submissions stay blocked until it has been produced.
struct RecoveryReport {
  static constexpr const char* message_type = "RecoveryReport";
  int journal_records = 0;     ///< records replayed
  int intents_resolved = 0;    ///< intents without a broker id, settled by the ref_id look-up
  int intents_not_placed = 0;  ///< of those, the broker never received (safe to place again)
  int intents_unresolved = 0;  ///< still unknown: keys reserved, settled in the background
  std::vector<std::string> unresolved_ref_ids;
  int orders_adopted = 0;      ///< open broker orders the journal did not know, now tracked
  int pending_restored = 0;    ///< open orders put back into the SafetyLedger (duplicate guard)
  bool halted = false;         ///< the kill switch was latched before the restart and still is
  bool breaker_open = false;   ///< the circuit breaker was open before the restart and still is
  bool torn_tail = false;      ///< the journal's last line was incomplete and was set aside
  std::vector<std::string> adopted_order_ids;
  std::string error;           ///< non-empty: recovery could not finish (submissions stay blocked)
  /// Set (with `error`) when the broker's orders could not be listed: the journal was read, and
  /// the ledger holds the orders it knows open, so the kill switch can still cancel them (it
  /// retries the listing itself); submissions stay blocked.
  bool broker_unavailable = false;
  /// Set (with `error` "the journal … is owned by process N") when another process holds the
  /// journal's owner lock: nothing was read from the broker, nothing was sent.
  int journal_owner_pid = 0;
  /// Set (with `error`) when lines in the middle of the journal do not parse: their numbers.
  std::vector<int> journal_malformed_lines;
  int executions_known = 0;          ///< executions already journalled (never delivered again)
  int fills_while_down = 0;          ///< executions found by the start-up pass, journalled and delivered once
  int state_changes_while_down = 0;  ///< state changes found by the start-up pass (fills, cancels, rejections)
  bool ok() const { return error.empty(); }
};
BOOST_DESCRIBE_STRUCT(RecoveryReport, (), (journal_records, intents_resolved, intents_not_placed, orders_adopted,
                                           pending_restored, halted, breaker_open, torn_tail, adopted_order_ids,
                                           error, journal_owner_pid, journal_malformed_lines, executions_known,
                                           fills_while_down, state_changes_while_down, intents_unresolved,
                                           unresolved_ref_ids, broker_unavailable))

}  // namespace oms
