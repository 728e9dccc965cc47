#include "actors/poll_state.hpp"

namespace oms::orders {

void PollState::restore(const RestoreTracks& seed) {
  for (const auto& order : seed.orders) {
    if (open_.contains(order.order_id) || finished_.contains(order.order_id)) continue;
    if (is_terminal(order.state)) finished_[order.order_id] = order;
    else open_.emplace(order.order_id, OrderTrack::restored(order));
  }
  if (seed.cursor && (!cursor_ || *seed.cursor > *cursor_)) {
    cursor_ = seed.cursor;
    resumed_at_ = seed.cursor;
  }
  bootstrap_since_ = cursor_ ? std::nullopt : seed.bootstrap_since;
}

PollState::Pass PollState::begin_pass() const {
  if (cursor_) return Pass{*cursor_ - kOverlap, resumed_at_};
  if (bootstrap_since_) return Pass{*bootstrap_since_, Timestamp::max()};
  return Pass{};  // never restored (paper mode, bare actor tests): everything, all of it news
}

bool PollState::is_history(const OrderStatus& status, const std::optional<Pass>& pass) const {
  if (!is_terminal(status.state)) return false;
  if (pass) return pass->history_until && status.updated_at <= *pass->history_until;
  return cursor_ && status.updated_at < *cursor_ - kRetention;
}

PollState::Absorbed PollState::absorb(const OrderStatus& status, const std::vector<FillEvent>& executions,
                                      const std::optional<Pass>& pass) {
  Absorbed out;
  auto track = open_.find(status.order_id);
  if (track == open_.end()) {
    auto remembered = finished_.find(status.order_id);
    if (remembered != finished_.end()) {
      // Revived for this snapshot: a fill reported after a cancel is still news, once.
      track = open_.emplace(status.order_id, OrderTrack::restored(remembered->second)).first;
      finished_.erase(remembered);
    } else if (is_history(status, pass)) {
      out.history = true;
      out.update.from = out.update.to = status.state;
      if (pass) {  // may be listed again within the overlap: remember it quietly
        OrderTrack quiet(status.order_id);
        quiet.apply(status, executions);
        finished_[status.order_id] = quiet.memory();
      }
      return out;
    } else {
      track = open_.emplace(status.order_id, OrderTrack(status.order_id)).first;
    }
  }
  out.update = track->second.apply(status, executions);
  settle(track);
  return out;
}

// A finished order keeps only its compact memory.
void PollState::settle(std::map<std::string, OrderTrack>::iterator track) {
  if (!is_terminal(track->second.state())) return;
  finished_[track->first] = track->second.memory();
  open_.erase(track);
}

void PollState::pass_completed(const Pass& pass, std::optional<Timestamp> newest) {
  if (!cursor_ && pass.since) cursor_ = pass.since;
  if (newest && (!cursor_ || *newest > *cursor_)) cursor_ = newest;
  resumed_at_.reset();  // from now on every pass is this process's own
  bootstrap_since_.reset();
  if (!cursor_) return;
  Timestamp horizon = *cursor_ - kRetention;
  std::erase_if(finished_, [&](const auto& entry) {
    return !entry.second.updated_at || *entry.second.updated_at < horizon;
  });
}

}  // namespace oms::orders
