#pragma once
/// Broker-side order, account and position records (plain data; the Broker changes them).
#include "messages/money.hpp"
#include "messages/time.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rhsim {

/// Order states, spelled as Robinhood spells them (state_name()).
enum class OrderState { unconfirmed, queued, confirmed, partially_filled, filled, cancelled, rejected, failed };
const char* state_name(OrderState state);

/// One fill.
struct Execution {
  std::string id;
  oms::Price price;
  oms::Quantity quantity;
  oms::Timestamp at{};
};

/// An equity order as the broker keeps it.
struct Order {
  std::uint64_t seq = 0;  ///< creation order; the pagination cursor
  std::string id, ref_id, symbol, instrument_id;
  std::string side, type, trigger, time_in_force, market_hours, order_form_version;
  bool extended_hours = false;
  /// ask_price, bid_price, bid_ask_timestamp as the client sent them ("" = absent); not checked,
  /// shown by /_sim/orders so tests can see what a client sent.
  std::string sent_ask, sent_bid, sent_bid_ask_timestamp;
  std::optional<oms::Price> price, stop_price, preset_percent_limit;
  oms::Quantity quantity, cumulative;
  std::vector<Execution> executions;
  OrderState state = OrderState::unconfirmed;
  std::optional<std::string> reject_reason;
  oms::Timestamp created_at{}, updated_at{}, last_transaction_at{};
  std::optional<oms::Timestamp> confirm_at;  ///< when it leaves `unconfirmed`
  std::optional<oms::Timestamp> cancel_at;   ///< an accepted cancel takes effect then
  std::optional<oms::Timestamp> expires_at;  ///< a `gfd` order is cancelled at this close
  bool stop_triggered = false;
  oms::Price reserve_per_share;  ///< buying power held per unfilled share (buys)
  oms::Price reserved;           ///< buying power still held for this order

  /// Not yet in a final state: can still fill or be cancelled.
  bool open() const;
  oms::Quantity remaining() const;
};

/// Shares held in one instrument.
struct Position {
  oms::Quantity quantity, held_for_buys, held_for_sells;
  oms::Price average_buy_price;
  oms::Timestamp created_at{}, updated_at{};
};

/// The single brokerage account of the simulated user.
struct Account {
  std::string number = "5SIM0001";
  oms::Price cash, held_for_orders;
  std::map<std::string, Position, std::less<>> positions;  ///< by symbol
  oms::Timestamp updated_at{};

  /// cash − held_for_orders, never below zero.
  oms::Price buying_power() const;
};

}  // namespace rhsim
