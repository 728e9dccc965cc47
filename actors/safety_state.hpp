#pragma once
/// The SafetyLedger's state, without I/O or actors (seed: SafetyChecks): the pending-order cache
/// keyed by symbol + side + normalised limit price, the circuit breaker and the kill-switch latch.
/// The actor owns one of these and turns its answers into messages.
///
/// A key holds one entry per order reserved under it, each in one of three stages:
/// - sending: reserved, the POST is in flight (an identical request joins it);
/// - placed: at the broker with a known envelope (an identical request gets it back);
/// - unresolved: the outcome is unknown — the broker may hold it — and a settlement is looking it
///   up (an identical request waits for the settlement; nothing else may use the key).
/// Several entries share a key only when the broker already holds several orders under it
/// (adopted at start-up, or placed before this guard existed); a new request is never added
/// beside an existing one: identical (same quantity) is answered with the existing order, another
/// quantity is refused naming it.
#include "messages/order.hpp"
#include "messages/safety.hpp"
#include "messages/settlement.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace oms::safety {

/// True when a broker's reject_reason (or refusal text) says the account lacked buying power:
/// "insufficient_buying_power", "Insufficient funds", "You can only purchase 4 shares of TSLA.".
bool is_buying_power_rejection(std::string_view reason);

/// The answer to `admit` (and to a request waiting for a settlement).
struct Decision {
  Admission admission = Admission::proceed;
  std::optional<OrderEnvelope> existing;  ///< for duplicate
  std::string guidance;                   ///< for refusals: why, and what the operator should do
  /// proceed/retry: the ref_id to send with; join_pending: the one in flight;
  /// await_settlement/unresolved: the unresolved intent's.
  std::string ref_id;
  bool rearm = false;  ///< await_settlement: its settlement had given up; start it again
};

/// Where a reserved order stands (see the header comment).
enum class Stage { sending, unresolved, placed };

/// Pending orders, breaker and kill switch. Plain state: the SafetyLedger actor serialises access.
class LedgerState {
 public:
  /// `failures_to_trip`: consecutive broker failures that open the breaker (config
  /// breaker_consecutive_failures).
  explicit LedgerState(int failures_to_trip = 5) : failures_to_trip_(failures_to_trip) {}

  /// May this order be sent now? Reserves the key under `ref_id` when the answer is `proceed`.
  Decision admit(const PendingKey& key, Quantity quantity, const std::string& ref_id);
  /// What a request waiting for the settlement of `ref_id` is told now; nullopt while the
  /// settlement runs (keep waiting).
  std::optional<Decision> settlement_answer(const std::string& ref_id) const;
  /// Right before sending the order reserved under `ref_id`: `proceed` marks it in flight,
  /// `halted` refuses it (the kill switch engaged after the reservation; the caller abandons it).
  Decision confirm_send(const PendingKey& key, const std::string& ref_id);
  /// Sends confirmed and not yet answered by the broker (an unresolved one is answered: its
  /// settlement only looks up).
  std::size_t in_flight() const;

  /// The reserved order reached the broker (found by its envelope's ref_id): later identical
  /// requests get this envelope.
  void submitted(const PendingKey& key, OrderEnvelope envelope);
  /// The reserved order never reached the broker, or the broker refused it: forget it. The
  /// breaker is the caller's business (broker_failed), and a failure without a broker decision
  /// (transient exhaustion, a network timeout) leaves it untouched (seed scenario 5). A placed or
  /// unresolved entry stays.
  void abandoned(const PendingKey& key, const std::string& ref_id);
  /// The reserved order's outcome is unknown: the key stays reserved as `unresolved`.
  void unresolved(const PendingKey& key, const std::string& ref_id, Timestamp at);
  /// A settlement's result: found → placed (released at once when already finished), proven
  /// absent → the key is free, gave up → stays unresolved (an identical request rearms it).
  void settled(const IntentSettled& result);
  /// The order finished (filled, cancelled, rejected): its key is free again. Returns the key.
  /// An id the ledger does not hold yet is remembered for a while: a submission or settlement
  /// may report the order after the poller saw it finish.
  std::optional<PendingKey> finished(const std::string& order_id);

  /// Broker refusals feed the breaker: insufficient funds trips it at once; so do
  /// `failures_to_trip` refusals in a row. A success resets the count.
  std::optional<CircuitBreakerTripped> broker_failed(bool insufficient_funds, const std::string& detail, Timestamp at);
  void broker_succeeded() { consecutive_failures_ = 0; }

  /// Start-up recovery: refuse submissions until restore().
  void begin_recovery() { recovering_ = true; }
  /// Recovery's result: every open order back in the duplicate guard (several may share a key),
  /// the intents still being settled reserved as unresolved, latches as they were (a halt
  /// engaged while recovery ran stays engaged). `recovery_failed` non-empty: recovery could not
  /// finish (the broker could not be listed) — the orders are held for the kill switch and
  /// submissions stay refused, naming that cause.
  void restore(const std::vector<OrderEnvelope>& open_orders, const std::vector<UnresolvedIntent>& unresolved,
               bool halted, std::optional<CircuitBreakerTripped> trip, std::string recovery_failed = {});
  bool recovering() const noexcept { return recovering_; }

  /// The kill switch: new submissions are refused until resume().
  void halt() { halted_ = true; }
  /// Operator reset: reopens submissions and closes the breaker.
  void resume();

  bool halted() const noexcept { return halted_; }
  bool breaker_open() const noexcept { return trip_.has_value(); }
  const std::optional<CircuitBreakerTripped>& trip() const noexcept { return trip_; }
  /// Entries of every stage.
  std::size_t pending() const noexcept;
  /// Order ids the ledger knows are at the broker (the Canceller cancels these too).
  std::vector<std::string> pending_order_ids() const;
  /// Intents whose outcome is unknown, oldest first (health, `oms orders`).
  std::vector<UnresolvedIntent> unresolved_intents() const;
  /// The stage of the entry reserved under `ref_id`, if any.
  std::optional<Stage> stage_of(const std::string& ref_id) const;
  /// Clears every entry but the unresolved ones (only a settlement frees those). Returns the
  /// keys cleared.
  std::vector<PendingKey> clear();

  /// How many finished-but-unknown order ids are remembered (see finished()).
  static constexpr std::size_t kFinishedMemory = 4096;
  /// How many proven-absent ref_ids are kept for reuse (see absent_refs_).
  static constexpr std::size_t kAbsentMemory = 1024;

 private:
  struct Entry {
    std::string ref_id;
    Quantity quantity;
    Stage stage = Stage::sending;
    std::optional<OrderEnvelope> envelope;  ///< placed
    bool settling = false;                  ///< unresolved: a settlement is running
    Timestamp since{};                      ///< unresolved: since when
    bool confirmed = false;                 ///< sending, past confirm_send: the broker may create it any moment
  };
  struct KeyHash {
    std::size_t operator()(const PendingKey& k) const noexcept {
      std::size_t h = std::hash<std::string>{}(k.symbol);
      h ^= std::hash<std::int64_t>{}(k.limit_price.units()) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
      return h ^ static_cast<std::size_t>(k.side);
    }
  };
  // Hashed: with thousands of open orders a tree's string compares were a visible part of each
  // submission. Listings that reach other actors are sorted by key (by_key), as the tree was.
  using Entries = std::unordered_map<PendingKey, std::vector<Entry>, KeyHash>;
  std::vector<const Entries::value_type*> by_key() const;

  Entry* find(const std::string& ref_id);
  const Entry* find(const std::string& ref_id) const;
  void erase_ref(const std::string& ref_id);
  // Every entry goes in and out through these, which keep the two indexes below true.
  Entry& add(const PendingKey& key, Entry e);
  void placed(const PendingKey& key, Entry& e, OrderEnvelope envelope);
  template <class Pred>
  bool erase_from(Entries::iterator it, Pred pred);
  bool finished_before(const std::string& order_id) const { return finished_unmatched_.contains(order_id); }
  std::string describe(const PendingKey& key, const std::vector<Entry>& holders) const;

  Entries entries_;
  /// Which key holds a ref_id / an order id: lookups by either stay O(1) however many orders are
  /// open (a linear search of every entry made each submission O(open orders)).
  std::unordered_map<std::string, PendingKey> key_of_ref_;
  std::unordered_map<std::string, PendingKey> key_of_order_;
  /// Intents proven absent, by key and quantity: the next identical request is sent under the
  /// same ref_id, so even a copy of the first attempt that broke the quiet-period bound could not
  /// become a second order (the broker refuses a ref_id twice). Bounded, oldest dropped.
  std::map<std::pair<PendingKey, Quantity>, std::string> absent_refs_;
  std::deque<std::pair<PendingKey, Quantity>> absent_order_;
  std::set<std::string> finished_unmatched_;
  std::deque<std::string> finished_order_;  ///< finished_unmatched_ in arrival order (bounded)
  int failures_to_trip_;
  int consecutive_failures_ = 0;
  std::optional<CircuitBreakerTripped> trip_;
  bool halted_ = false;
  bool recovering_ = false;
  std::string recovery_failed_;  ///< why recovery could not finish (submissions stay refused)
};

}  // namespace oms::safety
