#pragma once
/// Settlement of an unresolved intent, without I/O: an order POST whose outcome is unknown (the
/// connection dropped, the request timed out, the look-up failed) is looked up by its ref_id
/// until the broker shows it or proves it absent. Inputs are look-up results and time; outputs
/// are the next look-up and when, or the end (found, proven absent, gave up). The Settler actor
/// (actors/settlement.hpp) is the shell that sleeps, lists and journals.
///
/// When is absence proven? A look-up is a complete listing of the broker's orders updated since
/// `window_start()` (every page walked, none failed). It proves the order absent when it does not
/// hold the ref_id and it began at or after `proof_from()` = the last attempt + `quiet`:
/// - every POST with this ref_id was sent before `last_attempt_at` (our clock, the same clock
///   that stamps the listing's start, so no clock comparison crosses machines);
/// - a request the broker received is processed and listed within `quiet` of its sending, or
///   never (the broker's front end gives up on a request after its own timeout; `quiet` must
///   be longer — 60 s by default, config settlement.quiet_ms);
/// - the window starts `look_back` before the intent was journalled, so the broker's clock may
///   run that far behind ours and the order's updated_at still falls inside it;
/// so a listing begun after `proof_from()` would hold any order an attempt created. A listing
/// begun earlier that lacks the ref_id proves nothing (the order may still appear): the
/// settlement looks again, at `proof_from()` at the latest. And because a later placement of the
/// same request reuses this ref_id, a broker that would break the bound still refuses a second
/// order ("ref_id already exists").
///
/// Look-ups back off (base_delay doubling, capped at max_delay); the settlement gives up at the
/// deadline (its start + give_up_after, never before proof_from(), so a proof is always tried)
/// and the intent stays unresolved — its key reserved — until hurry() starts it again.
#include "messages/time.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <variant>

namespace oms::settlement {

using Duration = std::chrono::microseconds;

/// Timing of a settlement (config order_management.settlement).
struct Policy {
  Duration quiet = std::chrono::seconds(60);          ///< see the header comment
  Duration base_delay = std::chrono::seconds(1);      ///< after the first look-up
  Duration max_delay = std::chrono::seconds(30);      ///< backoff cap
  Duration give_up_after = std::chrono::minutes(15);  ///< from the (re)start
  Duration look_back = std::chrono::minutes(5);       ///< window start before the intent
};

/// Outputs.
struct LookUpAt {  ///< the next look-up is due at `at` (now or later)
  Timestamp at;
  friend bool operator==(const LookUpAt&, const LookUpAt&) = default;
};
struct LookingUp {  ///< a look-up is in flight: feed its result
  Timestamp started_at;
  friend bool operator==(const LookingUp&, const LookingUp&) = default;
};
struct Found {  ///< the broker holds the order
  friend bool operator==(const Found&, const Found&) = default;
};
struct ProvenAbsent {  ///< the broker never placed it: the key may be used again
  Timestamp listing_started_at;
  friend bool operator==(const ProvenAbsent&, const ProvenAbsent&) = default;
};
struct GaveUp {  ///< still unknown at the deadline: stays unresolved and visible
  std::string why;
  friend bool operator==(const GaveUp&, const GaveUp&) = default;
};
using Step = std::variant<LookUpAt, LookingUp, Found, ProvenAbsent, GaveUp>;

enum class Phase { waiting, looking, found, absent, gave_up };

class Fsm {
 public:
  /// A settlement starting at `now`; the first look-up is due at `first_look_up` (default now).
  Fsm(Timestamp intent_at, Timestamp last_attempt_at, Timestamp now, Policy policy,
      std::optional<Timestamp> first_look_up = std::nullopt);

  /// What the shell does now.
  Step step() const;
  Phase phase() const noexcept { return phase_; }

  /// The scheduled look-up starts (waiting and due): returns the listing window's start and
  /// moves to `looking`. Not due, or not waiting: nullopt, nothing changes.
  std::optional<Timestamp> begin_look_up(Timestamp now);
  /// The look-up in flight found the ref_id.
  Step found(Timestamp now);
  /// The look-up in flight completed (every page) without the ref_id; it began at `started_at`.
  Step not_found(Timestamp started_at, Timestamp now);
  /// The look-up in flight failed (`why`: the broker error); retried after a backoff, never
  /// sooner than `retry_after` when the broker asked for one.
  Step failed(Timestamp now, std::string why, std::optional<Duration> retry_after = std::nullopt);
  /// Someone waits for the outcome: a waiting settlement looks now; a settlement that gave up
  /// starts again (new deadline, backoff from the start). Others: unchanged.
  Step hurry(Timestamp now);

  Timestamp window_start() const noexcept { return window_start_; }
  Timestamp proof_from() const noexcept { return proof_from_; }
  Timestamp deadline() const noexcept { return deadline_; }
  int look_ups() const noexcept { return look_ups_; }
  const std::string& last_error() const noexcept { return last_error_; }

 private:
  Step schedule(Timestamp now, std::optional<Duration> at_least);
  Duration backoff() const;
  void restart(Timestamp now);

  Policy policy_;
  Timestamp window_start_;
  Timestamp proof_from_;
  Timestamp deadline_{};
  Phase phase_ = Phase::waiting;
  Timestamp next_at_{};
  Timestamp started_at_{};  ///< of the look-up in flight
  Timestamp proven_by_{};   ///< the listing that proved absence
  int look_ups_ = 0;
  int since_restart_ = 0;   ///< look-ups since the (re)start: the backoff exponent
  std::string last_error_;
};

}  // namespace oms::settlement
