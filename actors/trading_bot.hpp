#pragma once
/// TradingBot (seed FR-009): the bot's single door for trades. `execute_trade(signal)` in paper
/// mode short-circuits as before — priced and enveloped locally, no broker call, no actor hop —
/// and in live mode routes through the OrderManager (validation, ledger, journal, gateway).
#include "actors/order_manager.hpp"

#include <memory>
#include <vector>

namespace oms {

/// A strategy's decision to trade.
struct TradeSignal {
  std::string symbol;
  Side side = Side::buy;
  Quantity quantity;
  Price reference_price;
  std::string strategy;  ///< selects strategy_overrides
  OrderType type = OrderType::limit;
};

class TradingBot {
 public:
  /// Wires an OrderManager from `config` (its defaults when the file said nothing); live mode
  /// takes the credentials, paper mode needs none.
  TradingBot(runtime::Runtime& rt, config::Config config, gateway::Credentials credentials = {});
  /// Uses the bot's own OrderManager (e.g. one shared with other components).
  TradingBot(runtime::Runtime& rt, config::Config config, std::shared_ptr<OrderManager> order_manager);

  /// Live: start-up recovery (OrderManager::start). Paper: nothing to recover.
  runtime::awaitable<RecoveryReport> start();
  /// Paper: a priced paper envelope at once. Live: OrderManager::submit.
  runtime::awaitable<SubmissionResult> execute_trade(TradeSignal signal);
  /// The paper path itself (no coroutine): what execute_trade returns in paper mode.
  SubmissionResult paper_trade(const TradeSignal& signal);

  ExecutionMode mode() const { return config_.mode; }
  /// Null in paper mode unless one was given.
  const std::shared_ptr<OrderManager>& order_manager() const { return order_manager_; }
  /// Paper envelopes so far, oldest first.
  const std::vector<OrderEnvelope>& paper_trades() const { return paper_trades_; }

 private:
  runtime::Runtime& rt_;
  config::Config config_;
  std::shared_ptr<OrderManager> order_manager_;
  std::vector<OrderEnvelope> paper_trades_;
  std::uint64_t paper_sequence_ = 0;
};

}  // namespace oms
