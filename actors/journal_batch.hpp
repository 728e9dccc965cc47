#pragma once
/// Group commit for the journal actor, without I/O: records are staged as they arrive and
/// written and synced together, so concurrent intents share one fdatasync. At most one flush
/// (one write and its sync) is scheduled or in flight at a time; a record that arrives while a
/// flush is scheduled joins it, one that arrives while a flush is in flight waits for the next.
/// A batch so waits for at most one sync in flight. The journal actor drives it on its strand:
///
///   if (batch.stage(x)) schedule a flush;           // none was scheduled or in flight
///   flush: auto items = batch.begin(); write(items); sync; ack(items);
///          if (batch.end()) schedule a flush;       // records staged meanwhile
///
/// A deferrable record (one nobody waits for and recovery can do without for a moment: the
/// envelope, found again by its ref_id) never starts a flush of its own at once: it joins the
/// next batch a waited-for record starts, or, if none comes, the flush a deferral timer starts:
///
///   batch.stage_deferrable(x); if (batch.arm_deferral()) start the deferral timer;
///   after end() returned false: if (batch.arm_deferral()) start the deferral timer;
///   timer: if (batch.deferral_fired()) flush;
///
/// So a bot's next intent never waits behind a sync made only for the previous order's envelope.
#include <cstddef>
#include <utility>
#include <vector>

namespace oms::journal {

template <class T>
class GroupCommit {
 public:
  /// Adds a record to the next batch. True when the caller must schedule a flush (none is
  /// scheduled or in flight); false when the scheduled or running one will take care of it.
  bool stage(T item) {
    staged_.push_back(std::move(item));
    ++waited_for_;
    if (scheduled_ || in_flight_) return false;
    scheduled_ = true;
    return true;
  }
  /// Adds a deferrable record: it starts no flush by itself (see arm_deferral).
  void stage_deferrable(T item) { staged_.push_back(std::move(item)); }
  /// True when the caller must start the deferral timer: records are staged, no flush is
  /// scheduled or in flight to take them, and no timer is armed.
  bool arm_deferral() {
    if (staged_.empty() || scheduled_ || in_flight_ || deferral_armed_) return false;
    deferral_armed_ = true;
    return true;
  }
  /// The deferral timer fired. True when the caller must flush now (the state is then "scheduled").
  bool deferral_fired() {
    deferral_armed_ = false;
    if (staged_.empty() || scheduled_ || in_flight_) return false;
    scheduled_ = true;
    return true;
  }
  /// The scheduled flush starts: takes every staged record as one batch (in arrival order).
  std::vector<T> begin() {
    scheduled_ = false;
    in_flight_ = true;
    std::vector<T> batch;
    batch.swap(staged_);
    waited_for_ = 0;
    ++batches_;
    return batch;
  }
  /// The flush's sync finished. True when records someone waits for were staged meanwhile: the
  /// caller schedules the next flush (the state is then "scheduled"). Deferrable ones alone wait
  /// for arm_deferral's timer.
  bool end() {
    in_flight_ = false;
    if (waited_for_ == 0) return false;
    scheduled_ = true;
    return true;
  }

  bool in_flight() const noexcept { return in_flight_; }
  bool scheduled() const noexcept { return scheduled_; }
  std::size_t staged() const noexcept { return staged_.size(); }
  /// Batches begun so far (the crash point counts them).
  std::size_t batches() const noexcept { return batches_; }

 private:
  std::vector<T> staged_;
  std::size_t waited_for_ = 0;  ///< staged records that were not deferrable
  bool scheduled_ = false;
  bool in_flight_ = false;
  bool deferral_armed_ = false;
  std::size_t batches_ = 0;
};

}  // namespace oms::journal
