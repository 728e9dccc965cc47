#pragma once
/// The StatusPoller's memory, without I/O: an OrderTrack per open order, a compact record of each
/// recently finished one (its execution ids, so a later snapshot cannot report a fill twice), and
/// the cursor of the passes — taken from the broker's own `updated_at`, never from our clock.
///
/// Memory stays bounded to open orders: a finished order's track is replaced by its compact
/// record, which is forgotten once the cursor is kRetention past it.
///
/// History: a finished order the poller has never heard of is news only if it changed after what
/// earlier passes covered. After a restart that is the journalled cursor (a previous process saw
/// everything before it, and journalled what it reported); for a new journal, with no broker
/// time at all, the first pass starts a day back (our clock's only use, as a generous lower
/// bound) and takes every finished order it did not know as history. A status query of an order
/// that finished before the retention horizon is answered, not absorbed. History is never
/// reported or journalled; a pass remembers it quietly, as it remembers finished orders.
#include "actors/order_state.hpp"
#include "messages/status.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace oms::orders {

class PollState {
 public:
  /// Each pass re-reads this much before the cursor: orders the broker stamped just before the
  /// newest one it showed may be listed a moment later. Re-reading is harmless (de-duplicated).
  static constexpr std::chrono::seconds kOverlap{60};
  /// How long past the cursor a finished order is remembered (late fills after a cancel arrive
  /// within seconds; the overlap re-reads a minute).
  static constexpr std::chrono::hours kRetention{1};

  /// Where the next pass starts and how it reads what it finds.
  struct Pass {
    std::optional<Timestamp> since;  ///< list orders updated at or after this; nullopt: all
    /// Finished orders never heard of, last updated at or before this, are history.
    std::optional<Timestamp> history_until;
  };

  /// What absorbing one snapshot did.
  struct Absorbed {
    OrderTrack::Update update;
    bool history = false;  ///< not absorbed (see above): nothing to report or journal
  };

  /// Resumes from the journal (recovery, before the first pass). Orders already tracked stay as
  /// they are; a finished one is remembered in compact form, an open one gets a track.
  void restore(const RestoreTracks& seed);
  /// The next pass's plan.
  Pass begin_pass() const;
  /// One snapshot, from a pass planned by begin_pass() (`pass`) or from a status query (nullopt).
  Absorbed absorb(const OrderStatus& status, const std::vector<FillEvent>& executions,
                  const std::optional<Pass>& pass);
  /// The pass listed everything since `pass.since`; `newest` is the latest updated_at among
  /// the orders it listed. Advances the cursor and forgets finished orders past the horizon.
  void pass_completed(const Pass& pass, std::optional<Timestamp> newest);

  /// The broker's newest updated_at seen by a completed pass (or restored from the journal).
  const std::optional<Timestamp>& cursor() const noexcept { return cursor_; }
  std::size_t open_tracks() const noexcept { return open_.size(); }
  std::size_t finished_remembered() const noexcept { return finished_.size(); }
  bool tracks(const std::string& order_id) const { return open_.contains(order_id); }
  bool remembers_finished(const std::string& order_id) const { return finished_.contains(order_id); }

 private:
  bool is_history(const OrderStatus& status, const std::optional<Pass>& pass) const;
  void settle(std::map<std::string, OrderTrack>::iterator track);

  std::map<std::string, OrderTrack> open_;
  std::map<std::string, TrackedOrder> finished_;
  std::optional<Timestamp> cursor_;
  std::optional<Timestamp> resumed_at_;       ///< the journal's cursor, until the first completed pass
  std::optional<Timestamp> bootstrap_since_;  ///< a new journal's first pass start, until it completes
};

}  // namespace oms::orders
