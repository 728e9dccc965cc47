#include "actors/safety_state.hpp"

#include <algorithm>
#include <cctype>

namespace oms::safety {

bool is_buying_power_rejection(std::string_view reason) {
  std::string lower(reason);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (std::string_view says : {"insufficient", "buying power", "buying_power", "you can only purchase"})
    if (lower.find(says) != std::string::npos) return true;
  return false;
}

Decision LedgerState::admit(const PendingKey& key) {
  if (recovering_)
    return {Admission::halted, std::nullopt,
            "start-up recovery has not finished: await OrderManager::start() before submitting"};
  if (halted_)
    return {Admission::halted, std::nullopt,
            "submissions are halted by the kill switch; run `oms resume` once the incident is over"};
  if (trip_) {
    std::string why = trip_->reason == TripReason::insufficient_funds
                          ? "the broker reported insufficient buying power (" + trip_->detail + ")"
                          : "the broker refused " + std::to_string(failures_to_trip_) + " orders in a row (" +
                                trip_->detail + ")";
    return {Admission::breaker_open, std::nullopt,
            "the circuit breaker is open: " + why + "; check the account, then run `oms resume`"};
  }
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    entries_.emplace(key, Entry{});
    return {Admission::proceed, std::nullopt, {}};
  }
  if (!it->second.envelope) return {Admission::join_pending, std::nullopt, {}};
  return {Admission::duplicate, it->second.envelope, {}};
}

void LedgerState::restore(const std::vector<OrderEnvelope>& open_orders, bool halted,
                          std::optional<CircuitBreakerTripped> trip) {
  for (const auto& e : open_orders) entries_[PendingKey{e.symbol, e.side, e.limit_price}].envelope = e;
  halted_ = halted_ || halted;  // a kill switch pressed while recovery ran stays pressed
  trip_ = std::move(trip);
  recovering_ = false;
}

Decision LedgerState::confirm_send(const PendingKey& key) {
  if (halted_)
    return {Admission::halted, std::nullopt,
            "submissions were halted by the kill switch before this order was sent; nothing was sent — "
            "run `oms resume` once the incident is over"};
  entries_[key].sending = true;
  return {Admission::proceed, std::nullopt, {}};
}

std::size_t LedgerState::in_flight() const {
  std::size_t n = 0;
  for (const auto& [key, entry] : entries_) n += entry.sending && !entry.envelope ? 1 : 0;
  return n;
}

void LedgerState::submitted(const PendingKey& key, const OrderEnvelope& envelope) { entries_[key].envelope = envelope; }

void LedgerState::abandoned(const PendingKey& key) {
  auto it = entries_.find(key);
  if (it != entries_.end() && !it->second.envelope) entries_.erase(it);
}

std::optional<PendingKey> LedgerState::finished(const std::string& order_id) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.envelope && it->second.envelope->order_id == order_id) {
      PendingKey key = it->first;
      entries_.erase(it);
      return key;
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

std::vector<std::string> LedgerState::pending_order_ids() const {
  std::vector<std::string> out;
  for (const auto& [key, entry] : entries_)
    if (entry.envelope) out.push_back(entry.envelope->order_id);
  return out;
}

std::vector<PendingKey> LedgerState::clear() {
  std::vector<PendingKey> out;
  for (const auto& [key, entry] : entries_) out.push_back(key);
  entries_.clear();
  return out;
}

}  // namespace oms::safety
