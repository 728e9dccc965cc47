#include "actors/safety_state.hpp"

#include <algorithm>
#include <cctype>

namespace oms::safety {

namespace {

std::string side_text(Side s) { return boost::describe::enum_to_string(s, "?"); }

}  // namespace

bool is_buying_power_rejection(std::string_view reason) {
  std::string lower(reason);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (std::string_view says : {"insufficient", "buying power", "buying_power", "you can only purchase"})
    if (lower.find(says) != std::string::npos) return true;
  return false;
}

Decision LedgerState::admit(const PendingKey& key, Quantity quantity, const std::string& ref_id) {
  if (recovering_ && !recovery_failed_.empty())
    return {Admission::halted, std::nullopt,
            "start-up recovery could not finish (" + recovery_failed_ +
                "): nothing is submitted by this process; the kill switch still works — restart once the broker "
                "answers",
            {}, false};
  if (recovering_)
    return {Admission::halted, std::nullopt,
            "start-up recovery has not finished: await OrderManager::start() before submitting", {}, false};
  if (halted_)
    return {Admission::halted, std::nullopt,
            "submissions are halted by the kill switch; run `oms resume` once the incident is over", {}, false};
  if (trip_) {
    std::string why = trip_->reason == TripReason::insufficient_funds
                          ? "the broker reported insufficient buying power (" + trip_->detail + ")"
                          : "the broker refused " + std::to_string(failures_to_trip_) + " orders in a row (" +
                                trip_->detail + ")";
    return {Admission::breaker_open, std::nullopt,
            "the circuit breaker is open: " + why + "; check the account, then run `oms resume`", {}, false};
  }
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.empty()) {
    std::string send_as = ref_id;
    if (auto absent = absent_refs_.find({key, quantity}); absent != absent_refs_.end()) {
      send_as = absent->second;  // the same order, proven never placed: its ref_id again
      absent_refs_.erase(absent);
    }
    add(key, Entry{send_as, quantity, Stage::sending, std::nullopt, false, {}});
    return {Admission::proceed, std::nullopt, {}, send_as, false};
  }
  // The same order (same key and quantity) is answered with what became of it; never sent twice.
  for (auto& e : it->second) {
    if (e.quantity != quantity) continue;
    switch (e.stage) {
      case Stage::placed: return {Admission::duplicate, e.envelope, {}, e.ref_id, false};
      case Stage::sending: return {Admission::join_pending, std::nullopt, {}, e.ref_id, false};
      case Stage::unresolved: {
        bool rearm = !e.settling;
        e.settling = true;
        return {Admission::await_settlement, std::nullopt, {}, e.ref_id, rearm};
      }
    }
  }
  // Only the key is shared: a different order would rest beside the pending one (or double it).
  return {Admission::conflict, std::nullopt, describe(key, it->second), {}, false};
}

std::string LedgerState::describe(const PendingKey& key, const std::vector<Entry>& holders) const {
  const Entry& e = holders.front();
  std::string what = key.symbol + " " + side_text(key.side) + " at " + key.limit_price.to_string(2) + " is already ";
  switch (e.stage) {
    case Stage::placed: what += "pending as order " + e.envelope->order_id; break;
    case Stage::sending: what += "being sent (ref_id " + e.ref_id + ")"; break;
    case Stage::unresolved: what += "unresolved (ref_id " + e.ref_id + ": the broker may hold it; it is being settled)"; break;
  }
  what += " with quantity " + e.quantity.to_string();
  if (holders.size() > 1) what += " (and " + std::to_string(holders.size() - 1) + " more)";
  return what;
}

std::optional<Decision> LedgerState::settlement_answer(const std::string& ref_id) const {
  const Entry* e = find(ref_id);
  // Gone (proven absent, or finished): the key is free; reserve again with the same ref_id.
  if (!e || e->stage == Stage::sending) return Decision{Admission::retry, std::nullopt, {}, ref_id, false};
  if (e->stage == Stage::placed) return Decision{Admission::duplicate, e->envelope, {}, ref_id, false};
  if (e->settling) return std::nullopt;
  return Decision{Admission::unresolved, std::nullopt,
                  "the outcome of ref_id " + ref_id +
                      " is still unknown after its settlement timeout; its key stays reserved",
                  ref_id, false};
}

void LedgerState::restore(const std::vector<OrderEnvelope>& open_orders, const std::vector<UnresolvedIntent>& unresolved,
                          bool halted, std::optional<CircuitBreakerTripped> trip, std::string recovery_failed) {
  // Every open order, also several under one key: each must be released by its own finish.
  for (const auto& o : open_orders) {
    PendingKey key{o.symbol, o.side, o.limit_price};
    auto& list = entries_[key];
    bool known = std::any_of(list.begin(), list.end(),
                             [&](const Entry& e) { return e.envelope && e.envelope->order_id == o.order_id; });
    if (!known) add(key, Entry{o.ref_id, o.quantity, Stage::placed, o, false, {}});
  }
  for (const auto& u : unresolved)
    if (!find(u.ref_id)) add(u.key, Entry{u.ref_id, u.quantity, Stage::unresolved, std::nullopt, true, u.since});
  halted_ = halted_ || halted;  // a kill switch pressed while recovery ran stays pressed
  trip_ = std::move(trip);
  recovery_failed_ = std::move(recovery_failed);
  recovering_ = !recovery_failed_.empty();
}

Decision LedgerState::confirm_send(const PendingKey& key, const std::string& ref_id) {
  if (halted_)
    return {Admission::halted, std::nullopt,
            "submissions were halted by the kill switch before this order was sent; nothing was sent — "
            "run `oms resume` once the incident is over",
            ref_id, false};
  Entry* e = find(ref_id);
  if (!e || e->stage != Stage::sending)  // not reserved (a bug in the caller): never send blind
    return {Admission::halted, std::nullopt,
            "the order's reservation (ref_id " + ref_id + ", " + key.symbol + ") is not held by the safety ledger; "
            "nothing was sent",
            ref_id, false};
  e->confirmed = true;
  return {Admission::proceed, std::nullopt, {}, ref_id, false};
}

std::size_t LedgerState::in_flight() const {
  std::size_t n = 0;
  for (const auto& [key, list] : entries_)
    for (const auto& e : list) n += e.stage == Stage::sending && e.confirmed ? 1 : 0;
  return n;
}

void LedgerState::submitted(const PendingKey& key, OrderEnvelope envelope) {
  if (finished_before(envelope.order_id)) {  // the poller saw it finish first
    erase_ref(envelope.ref_id);
    return;
  }
  Entry* e = find(envelope.ref_id);
  if (!e) {
    std::string ref_id = envelope.ref_id;
    Quantity quantity = envelope.quantity;
    add(key, Entry{std::move(ref_id), quantity, Stage::placed, std::move(envelope), false, {}});
    return;
  }
  const PendingKey& held = key_of_ref_.at(envelope.ref_id);  // before the envelope moves
  placed(held, *e, std::move(envelope));
}

void LedgerState::abandoned(const PendingKey& key, const std::string& ref_id) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  erase_from(it, [&](const Entry& e) { return e.ref_id == ref_id && e.stage == Stage::sending; });
}

void LedgerState::unresolved(const PendingKey& key, const std::string& ref_id, Timestamp at) {
  Entry* e = find(ref_id);
  if (!e) {
    add(key, Entry{ref_id, {}, Stage::unresolved, std::nullopt, true, at});
    return;
  }
  if (e->stage == Stage::placed) return;  // already found: a late report changes nothing
  e->stage = Stage::unresolved;
  e->settling = true;
  e->since = at;
}

void LedgerState::settled(const IntentSettled& result) {
  Entry* e = find(result.ref_id);
  switch (result.outcome) {
    case SettlementOutcome::found: {
      if (!result.envelope) return;
      bool done = result.finished || finished_before(result.envelope->order_id);
      if (done) {
        erase_ref(result.ref_id);
        return;
      }
      if (!e) {
        add(result.key, Entry{result.ref_id, result.envelope->quantity, Stage::placed, result.envelope, false, {}});
        return;
      }
      placed(key_of_ref_.at(result.ref_id), *e, *result.envelope);
      return;
    }
    case SettlementOutcome::proven_absent: {
      if (!e || e->stage != Stage::unresolved) return;
      std::pair<PendingKey, Quantity> same{result.key, e->quantity};
      if (absent_refs_.insert_or_assign(same, result.ref_id).second) absent_order_.push_back(same);
      if (absent_order_.size() > kAbsentMemory) {
        absent_refs_.erase(absent_order_.front());
        absent_order_.pop_front();
      }
      erase_ref(result.ref_id);
      return;
    }
    case SettlementOutcome::gave_up:
      if (e && e->stage == Stage::unresolved) e->settling = false;
      return;
  }
}

std::optional<PendingKey> LedgerState::finished(const std::string& order_id) {
  if (auto k = key_of_order_.find(order_id); k != key_of_order_.end()) {
    PendingKey key = k->second;
    auto it = entries_.find(key);
    bool first = true;  // one entry: an order id is held once
    if (it != entries_.end() && erase_from(it, [&](const Entry& x) {
          bool match = first && x.envelope && x.envelope->order_id == order_id;
          first = first && !match;
          return match;
        }))
      return key;
  }
  if (!order_id.empty() && finished_unmatched_.insert(order_id).second) {
    finished_order_.push_back(order_id);
    if (finished_order_.size() > kFinishedMemory) {
      finished_unmatched_.erase(finished_order_.front());
      finished_order_.pop_front();
    }
  }
  return std::nullopt;
}

std::optional<CircuitBreakerTripped> LedgerState::broker_failed(bool insufficient_funds, const std::string& detail,
                                                                Timestamp at) {
  ++consecutive_failures_;
  if (trip_) return std::nullopt;  // already open: one trip event per incident
  if (insufficient_funds) trip_ = CircuitBreakerTripped{TripReason::insufficient_funds, detail, at};
  else if (consecutive_failures_ >= failures_to_trip_)
    trip_ = CircuitBreakerTripped{TripReason::consecutive_failures, detail, at};
  return trip_;
}

void LedgerState::resume() {
  halted_ = false;
  trip_.reset();
  consecutive_failures_ = 0;
}

std::size_t LedgerState::pending() const noexcept {
  std::size_t n = 0;
  for (const auto& [key, list] : entries_) n += list.size();
  return n;
}

std::vector<const LedgerState::Entries::value_type*> LedgerState::by_key() const {
  std::vector<const Entries::value_type*> out;
  out.reserve(entries_.size());
  for (const auto& kv : entries_) out.push_back(&kv);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->first < b->first; });
  return out;
}

std::vector<std::string> LedgerState::pending_order_ids() const {
  std::vector<std::string> out;
  for (const auto* kv : by_key())
    for (const auto& e : kv->second)
      if (e.envelope) out.push_back(e.envelope->order_id);
  return out;
}

std::vector<UnresolvedIntent> LedgerState::unresolved_intents() const {
  std::vector<UnresolvedIntent> out;
  for (const auto* kv : by_key())
    for (const auto& e : kv->second)
      if (e.stage == Stage::unresolved) out.push_back(UnresolvedIntent{e.ref_id, kv->first, e.quantity, e.since});
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.since < b.since; });
  return out;
}

std::optional<Stage> LedgerState::stage_of(const std::string& ref_id) const {
  const Entry* e = find(ref_id);
  return e ? std::optional<Stage>(e->stage) : std::nullopt;
}

std::vector<PendingKey> LedgerState::clear() {
  std::vector<PendingKey> out;
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto next = std::next(it);  // erasing one element of an unordered_map leaves the others valid
    PendingKey key = it->first;
    if (erase_from(it, [](const Entry& e) { return e.stage != Stage::unresolved; })) out.push_back(std::move(key));
    it = next;
  }
  std::sort(out.begin(), out.end());
  return out;
}

LedgerState::Entry* LedgerState::find(const std::string& ref_id) {
  if (ref_id.empty()) return nullptr;
  auto k = key_of_ref_.find(ref_id);
  if (k == key_of_ref_.end()) return nullptr;
  auto it = entries_.find(k->second);
  if (it == entries_.end()) return nullptr;
  for (auto& e : it->second)
    if (e.ref_id == ref_id) return &e;
  return nullptr;
}

const LedgerState::Entry* LedgerState::find(const std::string& ref_id) const {
  return const_cast<LedgerState*>(this)->find(ref_id);
}

void LedgerState::erase_ref(const std::string& ref_id) {
  auto k = ref_id.empty() ? key_of_ref_.end() : key_of_ref_.find(ref_id);
  if (k == key_of_ref_.end()) return;
  auto it = entries_.find(k->second);
  if (it != entries_.end()) erase_from(it, [&](const Entry& e) { return e.ref_id == ref_id; });
}

LedgerState::Entry& LedgerState::add(const PendingKey& key, Entry e) {
  if (!e.ref_id.empty()) key_of_ref_.insert_or_assign(e.ref_id, key);
  if (e.envelope && !e.envelope->order_id.empty()) key_of_order_.insert_or_assign(e.envelope->order_id, key);
  return entries_[key].emplace_back(std::move(e));
}

void LedgerState::placed(const PendingKey& key, Entry& e, OrderEnvelope envelope) {
  e.stage = Stage::placed;
  e.envelope = std::move(envelope);
  e.settling = false;
  if (!e.envelope->order_id.empty()) key_of_order_.insert_or_assign(e.envelope->order_id, key);
}

// Erases the entries of `it`'s key that match, drops them from the indexes (unless another entry
// under the key still holds the same id) and the key when it is left empty. True if any matched.
template <class Pred>
bool LedgerState::erase_from(Entries::iterator it, Pred pred) {
  auto& list = it->second;
  std::vector<std::pair<std::string, std::string>> gone;  // ref_id, order_id
  std::erase_if(list, [&](const Entry& e) {
    if (!pred(e)) return false;
    gone.emplace_back(e.ref_id, e.envelope ? e.envelope->order_id : std::string());
    return true;
  });
  auto held = [&](auto&& same) { return std::any_of(list.begin(), list.end(), same); };
  for (const auto& ids : gone) {
    const std::string& ref_id = ids.first;  // not a structured binding: clang 14 cannot capture one
    const std::string& order_id = ids.second;
    if (!ref_id.empty() && !held([&](const Entry& x) { return x.ref_id == ref_id; })) key_of_ref_.erase(ref_id);
    if (!order_id.empty() && !held([&](const Entry& x) { return x.envelope && x.envelope->order_id == order_id; }))
      key_of_order_.erase(order_id);
  }
  if (list.empty()) entries_.erase(it);
  return !gone.empty();
}

}  // namespace oms::safety
