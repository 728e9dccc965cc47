#pragma once
/// Order intents and the envelope that records a submitted order (seed: OrderRequest, OrderEnvelope).
#include "messages/codec.hpp"
#include "messages/money.hpp"
#include "messages/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace oms {

BOOST_DEFINE_ENUM_CLASS(Side, buy, sell)
/// Only `limit` is sent live (FR-014); market and stop exist so they can be refused clearly.
BOOST_DEFINE_ENUM_CLASS(OrderType, limit, market, stop)
/// Robinhood's values: good-till-cancelled, good-for-day.
BOOST_DEFINE_ENUM_CLASS(TimeInForce, gtc, gfd)
/// Paper envelopes never touch the broker; live ones went through the gateway.
BOOST_DEFINE_ENUM_CLASS(ExecutionMode, paper, live)

/// A strategy's intent to trade (seed: OrderRequest).
struct OrderRequest {
  static constexpr const char* message_type = "OrderRequest";
  std::string symbol;
  Quantity quantity;
  Side side = Side::buy;
  Price reference_price;
  TimeInForce time_in_force = TimeInForce::gfd;
  bool extended_hours = false;
  std::string strategy;  ///< selects strategy_overrides; empty = global offsets
  OrderType type = OrderType::limit;
  /// True when a person placed it (the `oms` CLI), not a strategy: counted by the HEART report.
  std::optional<bool> manual_override;
};
BOOST_DESCRIBE_STRUCT(OrderRequest, (), (symbol, quantity, side, reference_price, time_in_force,
                                         extended_hours, strategy, type, manual_override))

/// The record of a submitted order, journalled and returned to the caller (seed: OrderEnvelope).
struct OrderEnvelope {
  static constexpr const char* message_type = "OrderEnvelope";
  std::string order_id;  ///< broker id (paper: "paper-…")
  std::string ref_id;    ///< client idempotency key, the same across every retry
  std::string symbol;
  Side side = Side::buy;
  Quantity quantity;
  Price limit_price;
  Price reference_price;
  Timestamp submitted_at{};
  ExecutionMode mode = ExecutionMode::live;
  std::string strategy;
  boost::json::object raw;  ///< broker payload snapshot for audit
};
BOOST_DESCRIBE_STRUCT(OrderEnvelope, (), (order_id, ref_id, symbol, side, quantity, limit_price,
                                          reference_price, submitted_at, mode, strategy, raw))

/// Equity-only input rules (seed edge cases): an error names the field and the rule.
std::optional<FieldError> validate_symbol(std::string_view symbol);
std::optional<FieldError> validate_quantity(Quantity quantity);
std::optional<FieldError> validate_reference_price(Price price);
/// All of the above plus the order type (FR-014: only limit orders live).
std::optional<FieldError> validate(const OrderRequest& request);

}  // namespace oms
