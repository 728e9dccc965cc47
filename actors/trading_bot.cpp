#include "actors/trading_bot.hpp"

#include "actors/pricing.hpp"
#include "gateway/ids.hpp"

namespace oms {
using runtime::awaitable;

namespace {

OrderRequest request_of(const TradeSignal& s) {
  return OrderRequest{s.symbol, s.quantity, s.side, s.reference_price, TimeInForce::gfd, false, s.strategy, s.type};
}

SubmissionResult refused(SubmissionErrorCategory category, std::string field, std::string rule, std::string guidance) {
  SubmissionResult r;
  r.error = SubmissionError{category, std::move(field), std::move(rule), std::move(guidance), ""};
  return r;
}

}  // namespace

TradingBot::TradingBot(runtime::Runtime& rt, config::Config config, gateway::Credentials credentials)
    : rt_(rt), config_(std::move(config)) {
  if (config_.mode == ExecutionMode::live)
    order_manager_ = std::make_shared<OrderManager>(rt_, config_, std::move(credentials));
}

TradingBot::TradingBot(runtime::Runtime& rt, config::Config config, std::shared_ptr<OrderManager> order_manager)
    : rt_(rt), config_(std::move(config)), order_manager_(std::move(order_manager)) {}

awaitable<RecoveryReport> TradingBot::start() {
  if (config_.mode == ExecutionMode::live && order_manager_) return order_manager_->start();
  return []() -> awaitable<RecoveryReport> { co_return RecoveryReport{}; }();
}

awaitable<SubmissionResult> TradingBot::execute_trade(TradeSignal signal) {
  if (config_.mode == ExecutionMode::live) return order_manager_->submit(request_of(signal));
  return [](TradingBot* bot, TradeSignal s) -> awaitable<SubmissionResult> { co_return bot->paper_trade(s); }(
      this, std::move(signal));
}

// The legacy paper flow: the same input rules and pricing as live (so paper results predict live
// ones), market and stop orders at the reference (FR-014 leaves paper unaffected), no broker.
SubmissionResult TradingBot::paper_trade(const TradeSignal& signal) {
  auto request = request_of(signal);
  request.type = OrderType::limit;  // validated as a limit order; the type only changes the price
  if (auto e = validate(request))
    return refused(SubmissionErrorCategory::validation, e->field, e->rule, "fix the signal and trade again");
  auto limit = signal.type == OrderType::limit
                   ? pricing::compute_limit_price(signal.side, signal.reference_price,
                                                  config_.order_management.offsets_for(signal.strategy))
                   : checked<Price>(signal.reference_price);
  if (!limit)
    return refused(SubmissionErrorCategory::validation, limit.error().field, limit.error().rule,
                   "check the reference price and the offsets in config.json");
  OrderEnvelope e;
  e.order_id = "paper-" + std::to_string(++paper_sequence_);
  e.ref_id = gateway::new_ref_id();
  e.symbol = signal.symbol;
  e.side = signal.side;
  e.quantity = signal.quantity;
  e.limit_price = *limit;
  e.reference_price = signal.reference_price;
  e.submitted_at = rt_.clock().now();
  e.mode = ExecutionMode::paper;
  e.strategy = signal.strategy;
  paper_trades_.push_back(e);
  SubmissionResult r;
  r.envelope = std::move(e);
  return r;
}

}  // namespace oms
