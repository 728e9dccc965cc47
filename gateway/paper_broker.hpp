#pragma once
/// The paper broker: orders fill locally against a reference-price model, with no network and no
/// credentials, through the same Submitter, Canceller and StatusPoller as live orders.
///
/// The model: each symbol has a market price — the latest reference price a strategy sent, or
/// one set with set_market_price(). A buy limit at or above the market price fills at once at its
/// limit; below it, the order rests until the market price falls to the limit (sells mirror it).
/// Market and stop orders (FR-014 lets paper mode keep them) fill at once at the reference price.
/// Fills are whole (paper has no queue position to model). Buying power is reserved by open buys.
#include "gateway/broker.hpp"
#include "runtime/actor.hpp"

#include <map>
#include <memory>
#include <string>

namespace oms::gateway {

struct PaperOptions {
  Price buying_power = Price::from_units(100'000 * Price::kOne);
  std::string account_number = "PAPER0001";
  /// Order ids are "paper-<run>-<sequence>": unique across runs (several `oms` processes share
  /// one journal), and in placement order within a run. Empty: 12 random hex digits.
  std::string run_id;
};

class PaperBroker final : public runtime::Actor<PaperBroker>, public Broker {
 public:
  PaperBroker(runtime::Runtime& rt, PaperOptions options = {}, std::string name = "paper-broker");
  ~PaperBroker() override;

  ExecutionMode mode() const override { return ExecutionMode::paper; }
  runtime::awaitable<BrokerResult<Account>> account() override;
  runtime::awaitable<BrokerResult<Account>> refresh_account() override { return account(); }
  runtime::awaitable<BrokerResult<std::vector<std::optional<Quote>>>> quotes(std::vector<std::string> symbols) override;
  runtime::awaitable<BrokerResult<PlacedOrder>> place_limit_order(OrderIntent intent) override;
  runtime::awaitable<BrokerResult<BrokerOrder>> get_order(std::string order_id) override;
  runtime::awaitable<BrokerResult<std::vector<BrokerOrder>>> list_orders(std::optional<Timestamp> since) override;
  runtime::awaitable<BrokerResult<std::vector<BrokerOrder>>> list_open_orders() override;
  runtime::awaitable<BrokerResult<std::optional<BrokerOrder>>> find_by_ref_id(std::string ref_id,
                                                                               Timestamp since) override;
  runtime::awaitable<BrokerResult<void>> cancel_order(std::string order_id) override;
  runtime::awaitable<BrokerResult<std::vector<Position>>> positions() override;
  runtime::awaitable<std::optional<std::string>> symbol_for_instrument(std::string instrument_url) override;
  void close() override;

  /// Moves the market model: resting orders the new price reaches fill.
  runtime::awaitable<void> set_market_price(std::string symbol, Price price);

  struct State;

 private:
  friend struct runtime::ActorAccess;
  std::shared_ptr<State> state_;
};

}  // namespace oms::gateway
