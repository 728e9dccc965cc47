#include "actors/settlement_fsm.hpp"

#include <algorithm>

namespace oms::settlement {

Fsm::Fsm(Timestamp intent_at, Timestamp last_attempt_at, Timestamp now, Policy policy,
         std::optional<Timestamp> first_look_up)
    : policy_(policy), window_start_(intent_at - policy.look_back), proof_from_(last_attempt_at + policy.quiet) {
  restart(now);
  if (first_look_up) next_at_ = std::min(std::max(*first_look_up, now), deadline_);
}

void Fsm::restart(Timestamp now) {
  // Never give up before a listing could prove absence.
  deadline_ = std::max(now + policy_.give_up_after, proof_from_);
  phase_ = Phase::waiting;
  next_at_ = now;
  since_restart_ = 0;
}

Step Fsm::step() const {
  switch (phase_) {
    case Phase::waiting: return LookUpAt{next_at_};
    case Phase::looking: return LookingUp{started_at_};
    case Phase::found: return Found{};
    case Phase::absent: return ProvenAbsent{proven_by_};
    case Phase::gave_up: break;
  }
  return GaveUp{last_error_.empty() ? "the broker neither showed nor ruled out the order before the settlement timeout"
                                    : "the last look-up failed: " + last_error_};
}

std::optional<Timestamp> Fsm::begin_look_up(Timestamp now) {
  if (phase_ != Phase::waiting || now < next_at_) return std::nullopt;
  phase_ = Phase::looking;
  started_at_ = now;
  ++look_ups_;
  ++since_restart_;
  return window_start_;
}

Step Fsm::found(Timestamp) {
  if (phase_ == Phase::looking) phase_ = Phase::found;
  return step();
}

Step Fsm::not_found(Timestamp started_at, Timestamp now) {
  if (phase_ != Phase::looking) return step();
  last_error_.clear();
  if (started_at >= proof_from_) {
    phase_ = Phase::absent;
    proven_by_ = started_at;
    return step();
  }
  return schedule(now, std::nullopt);
}

Step Fsm::failed(Timestamp now, std::string why, std::optional<Duration> retry_after) {
  if (phase_ != Phase::looking) return step();
  last_error_ = std::move(why);
  return schedule(now, retry_after);
}

Step Fsm::hurry(Timestamp now) {
  if (phase_ == Phase::waiting) next_at_ = std::min(next_at_, now);
  else if (phase_ == Phase::gave_up) restart(now);
  return step();
}

Duration Fsm::backoff() const {
  Duration d = policy_.base_delay;
  for (int i = 1; i < since_restart_ && d < policy_.max_delay; ++i) d *= 2;
  return std::min(d, policy_.max_delay);
}

// After a look-up that settled nothing: back off, but look again no later than proof_from (the
// first moment a listing can prove absence) and no later than the deadline; past the deadline,
// give up.
Step Fsm::schedule(Timestamp now, std::optional<Duration> at_least) {
  if (now >= deadline_) {
    phase_ = Phase::gave_up;
    return step();
  }
  Duration wait = backoff();
  if (at_least) wait = std::max(wait, *at_least);
  Timestamp next = now + wait;
  if (proof_from_ > now && !at_least) next = std::min(next, proof_from_);
  phase_ = Phase::waiting;
  next_at_ = std::min(next, deadline_);
  return step();
}

}  // namespace oms::settlement
