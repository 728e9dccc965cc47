#pragma once
/// The Submitter: turns an OrderRequest into exactly one broker order. Validate → price →
/// reserve (SafetyLedger) → journal the intent with its ref_id (write-ahead, fsync) → gateway →
/// journal the envelope (not awaited: one fdatasync on the critical path) → reply. Every failure
/// is journalled too (NFR-002). An outcome the gateway could not settle stays `unresolved`: the
/// key stays reserved and the Settler looks the ref_id up in the background; an identical request
/// meanwhile waits for its result (up to settlement.wait_ms) and gets the found order, or places
/// it once (same ref_id) when the broker proved it absent.
#include "actors/journal.hpp"
#include "actors/safety_ledger.hpp"
#include "actors/settlement.hpp"
#include "config/config.hpp"
#include "gateway/broker.hpp"
#include "messages/submission.hpp"
#include "runtime/actor.hpp"

#include <boost/asio/steady_timer.hpp>

#include <map>
#include <set>
#include <variant>

namespace oms::actors {

class Submitter final : public runtime::Actor<Submitter, runtime::Ask<OrderRequest, SubmissionResult>> {
 public:
  Submitter(runtime::Runtime& rt, config::OrderManagementConfig config, std::shared_ptr<SafetyLedger> ledger,
            std::shared_ptr<Journal> journal, std::shared_ptr<gateway::Broker> gateway,
            std::shared_ptr<Settler> settler, std::string name = "submitter");

 private:
  friend struct runtime::ActorAccess;
  void on(runtime::Ask<OrderRequest, SubmissionResult> m);
  /// The quote the collar checked, sent with the order (ask/bid/timestamp); empty when none.
  struct QuoteSnapshot {
    std::optional<Price> ask, bid;
    std::optional<Timestamp> at;
  };

  runtime::awaitable<void> submit(OrderRequest request, runtime::ReplyTo<SubmissionResult> reply);
  /// Reserves the key (waiting for a settlement when an identical order's outcome is unknown)
  /// and places the order, or answers with the existing one or the refusal.
  runtime::awaitable<SubmissionResult> reserve_and_place(OrderRequest request, Price limit, PendingKey key);
  runtime::awaitable<SubmissionResult> place(OrderRequest request, Price limit, PendingKey key, QuoteSnapshot quote,
                                             std::string ref_id);
  /// An identical order's outcome is unknown: wait for its settlement (bounded by wait_ms).
  runtime::awaitable<std::optional<Reservation>> await_settlement(Reservation pending);
  runtime::awaitable<bool> journal(JournalRecord record);
  /// The fat-finger collar: nothing when the order may go, else the reply that ends it.
  runtime::awaitable<std::optional<SubmissionResult>> check_collar(std::string symbol, Side side, Price limit);
  /// The instrument's trading rules, or the reply that ends the submission (before any POST).
  runtime::awaitable<std::variant<gateway::Instrument, SubmissionResult>> trading_rules(std::string symbol);
  QuoteSnapshot quote_for_order(const std::string& symbol) const;
  /// The limit for a request on the instrument's grid (`min_tick`, else the penny rules).
  checked<Price> limit_for(const OrderRequest& request, std::optional<Price> min_tick) const;

  struct CachedQuote {
    Price price;
    Timestamp fetched_at;
    QuoteSnapshot quote;
  };
  static constexpr auto kQuoteFreshness = std::chrono::seconds(2);
  /// A quote older than this (and still fresh) is used, and refreshed behind the order: a bot
  /// trading a symbol steadily never waits for the collar's quote (an order that had to fetch it
  /// took two RTTs instead of one).
  static constexpr auto kQuoteRefreshAhead = std::chrono::milliseconds(1500);
  /// The collar's price in a broker quote (last trade, else the side's touch), or nothing.
  static std::optional<CachedQuote> collar_quote(const std::vector<std::optional<gateway::Quote>>& quotes, Side side,
                                                 Timestamp fetched_at);
  runtime::awaitable<void> refresh_quote(std::string symbol, Side side);

  using QuotesResult = gateway::BrokerResult<std::vector<std::optional<gateway::Quote>>>;
  /// One quote request in flight per symbol: orders that need the same symbol's quote at once
  /// (a bot's strategies, a burst after the quote went stale) wait for it instead of each
  /// sending their own, so each of them takes one RTT for the quote, not a queue of them.
  struct QuoteFetch {
    explicit QuoteFetch(const runtime::strand_type& strand, Timestamp started)
        : done(strand, boost::asio::steady_timer::time_point::max()), started(started) {}
    boost::asio::steady_timer done;  ///< cancelled when the answer is in: the waiters' wake-up
    Timestamp started;               ///< the answer's age counts from here
    std::optional<QuotesResult> result;
  };
  struct FetchedQuotes {
    QuotesResult result;
    Timestamp asked_at;
  };
  runtime::awaitable<FetchedQuotes> fetch_quote(std::string symbol);

  config::OrderManagementConfig config_;
  std::shared_ptr<SafetyLedger> ledger_;
  std::shared_ptr<Journal> journal_;
  std::shared_ptr<gateway::Broker> gateway_;
  std::shared_ptr<Settler> settler_;
  std::map<std::string, CachedQuote> quotes_;  // symbol → latest price, for the collar
  std::set<std::string> refreshing_;           // symbols whose quote is being refreshed ahead
  std::map<std::string, std::shared_ptr<QuoteFetch>> fetching_;  // symbol → its request in flight
};

}  // namespace oms::actors
