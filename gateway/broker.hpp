#pragma once
/// The broker as the actors see it: the live Robinhood `Gateway` and the `PaperBroker` both
/// implement it, so paper and live orders go through the same Submitter, Canceller and poller.
/// Every operation is an awaitable that runs on the implementation's own strand.
#include "gateway/broker_error.hpp"
#include "gateway/classify.hpp"
#include "gateway/parse.hpp"
#include "gateway/session_state.hpp"
#include "runtime/asio.hpp"

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace oms::gateway {

/// A limit order to place. `ref_id` is journalled by the caller before the first attempt.
struct OrderIntent {
  std::string ref_id;
  std::string symbol;
  Side side = Side::buy;
  Quantity quantity;
  Price limit_price;
  TimeInForce time_in_force = TimeInForce::gfd;
  bool extended_hours = false;
  OrderType type = OrderType::limit;      ///< market/stop reach only the paper broker (FR-014)
  std::optional<Price> reference_price;   ///< the strategy's price; the paper broker's market model
  /// The quote the price collar checked the limit against, sent with the order as robin_stocks
  /// and the web app send it; absent when no quote was fetched (never invented).
  std::optional<Price> ask_price;
  std::optional<Price> bid_price;
  std::optional<Timestamp> bid_ask_timestamp;
};

/// The order the broker holds for an intent, and how we learnt of it.
struct PlacedOrder {
  BrokerOrder order;
  int posts = 0;                 ///< POST /orders/ attempts made
  bool found_by_lookup = false;  ///< recovered through the ref_id look-up after an ambiguity
};

class Broker {
 public:
  virtual ~Broker() = default;
  /// live: Robinhood (or rh-sim); paper: local fills, no network.
  virtual ExecutionMode mode() const = 0;
  /// The trading account (may be cached: its URL and number do not change).
  virtual runtime::awaitable<BrokerResult<Account>> account() = 0;
  /// The trading account read now (buying power changes with every fill).
  virtual runtime::awaitable<BrokerResult<Account>> refresh_account() = 0;
  /// Bid and ask for symbols in one request.
  virtual runtime::awaitable<BrokerResult<std::vector<std::optional<Quote>>>> quotes(std::vector<std::string> symbols) = 0;
  /// How the symbol trades (tradeable, min_tick_size); not_found for an unknown symbol. A broker
  /// without instruments (paper) trades everything on the standard tick grid.
  virtual runtime::awaitable<BrokerResult<Instrument>> instrument(std::string symbol) {
    Instrument any;
    any.symbol = std::move(symbol);
    any.tradeable = true;
    co_return any;
  }
  /// Exactly-once placement keyed by the intent's ref_id.
  virtual runtime::awaitable<BrokerResult<PlacedOrder>> place_limit_order(OrderIntent intent) = 0;
  /// One order by id.
  virtual runtime::awaitable<BrokerResult<BrokerOrder>> get_order(std::string order_id) = 0;
  /// Orders updated at or after `since`, or the whole history when null.
  virtual runtime::awaitable<BrokerResult<std::vector<BrokerOrder>>> list_orders(std::optional<Timestamp> since) = 0;
  /// Open orders only.
  virtual runtime::awaitable<BrokerResult<std::vector<BrokerOrder>>> list_open_orders() = 0;
  /// The kill switch's listing: orders updated at or after `since` (open ones whatever their
  /// age when `open_only`), sent with the cancels' priority so that no poll's or submission's
  /// throttle holds it back. A paper book has no lanes.
  virtual runtime::awaitable<BrokerResult<std::vector<BrokerOrder>>> list_orders_for_cancel(std::optional<Timestamp> since,
                                                                                            bool open_only) {
    if (open_only) return list_open_orders();
    return list_orders(since);
  }
  /// The order with this ref_id among orders updated since `since`, or nullopt.
  virtual runtime::awaitable<BrokerResult<std::optional<BrokerOrder>>> find_by_ref_id(std::string ref_id,
                                                                                       Timestamp since) = 0;
  /// Asks the broker to cancel; not_found when it is no longer cancellable.
  virtual runtime::awaitable<BrokerResult<void>> cancel_order(std::string order_id) = 0;
  /// Holdings.
  virtual runtime::awaitable<BrokerResult<std::vector<Position>>> positions() = 0;
  /// The symbol of an instrument URL seen before (order payloads carry no symbol).
  virtual runtime::awaitable<std::optional<std::string>> symbol_for_instrument(std::string instrument_url) = 0;
  /// The broker session (how obtained, expiry, refreshable); nullopt when there is none to keep
  /// (paper mode).
  virtual runtime::awaitable<std::optional<SessionInfo>> session_info() { co_return std::nullopt; }
  /// Ends every connection; later calls fail with `cancelled`.
  virtual void close() = 0;
};

}  // namespace oms::gateway
