#pragma once
/// What the order journal says about the world, without I/O: the first half of start-up
/// recovery. Replays the records in order and answers: which intents never got a broker id
/// (they must be settled through the ref_id look-up before anything else is sent), which orders
/// are known and not yet finished (they go back into the duplicate guard), whether the kill
/// switch or the circuit breaker was latched when the process stopped, and — for the
/// StatusPoller — every execution already journalled, each order's last journalled state and the
/// cursor to resume polling from.
#include "messages/order.hpp"
#include "messages/safety.hpp"
#include "messages/status.hpp"

#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace oms::recovery {

/// An intent journalled before sending (kind "intent").
struct JournalIntent {
  std::string ref_id;
  std::string symbol;
  Side side = Side::buy;
  Quantity quantity;
  Price limit_price;
  Price reference_price;
  std::string strategy;
  ExecutionMode mode = ExecutionMode::live;
  Timestamp at{};
};

/// An order the journal knows went to the broker (kind "envelope" or "adopted").
struct KnownOrder {
  std::string order_id;
  std::string ref_id;
  std::string symbol;
  Side side = Side::buy;
  Quantity quantity;
  Price limit_price;
  ExecutionMode mode = ExecutionMode::live;
  bool finished = false;  ///< a terminal state_change or a settled cancel_result followed
  Price reference_price;   ///< as journalled (0 for adopted orders: nobody priced them)
  Timestamp submitted_at{};///< the envelope's; an adopted order's broker created_at
  std::string strategy;
};

struct JournalReplay {
  int records = 0;
  std::vector<JournalIntent> unresolved;       ///< intents with no envelope and no settled outcome
  std::map<std::string, KnownOrder> orders;    ///< by order id
  std::set<std::string> known_ref_ids;         ///< every ref_id with an envelope
  bool halted = false;                         ///< kill switch latched (halted, no resume after)
  std::optional<CircuitBreakerTripped> trip;   ///< breaker open (insufficient funds, no resume after)
  std::vector<std::string> malformed;          ///< records that could not be read (named, skipped)
  /// Each order's progress as journalled (envelope, state changes, fills, cancel results), by
  /// order id: the StatusPoller resumes from it.
  std::map<std::string, TrackedOrder> progress;
  std::size_t executions = 0;                  ///< distinct executions journalled
  std::optional<Timestamp> poll_cursor;        ///< the latest cursor the poller journalled

  /// Earliest unresolved intent (the look-up window starts there).
  std::optional<Timestamp> earliest_unresolved() const;
  /// Known, unfinished orders of one mode.
  std::vector<KnownOrder> open_orders(ExecutionMode mode) const;
  /// Where polling resumes: the journalled poll cursor; without one (a journal written before
  /// the cursor was journalled), the oldest broker time among open live orders; nullopt when
  /// the journal holds no broker time at all.
  std::optional<Timestamp> resume_cursor() const;
  /// What the StatusPoller starts from in `mode` (live only: a paper book does not outlive its
  /// process). `local_now` is used only when the journal holds no broker time: the first pass
  /// then starts a day before it and takes unknown finished orders as history.
  RestoreTracks poller_seed(ExecutionMode mode, Timestamp local_now) const;
};

/// How far back the first pass of a new journal looks (a generous bound on clock skew).
inline constexpr std::chrono::hours kBootstrapLookBack{24};

/// Replays journal records (as JournalFile::read_all returns them), oldest first.
JournalReplay replay(const std::vector<boost::json::object>& records);

/// The pending key of a known order (symbol + side + normalised price), as the ledger keys it.
PendingKey key_of(const KnownOrder& order);
/// The envelope the duplicate guard returns for a known order.
OrderEnvelope envelope_of(const KnownOrder& order);

}  // namespace oms::recovery
