#pragma once
/// Settlement of an unresolved intent: an order whose POST may or may not have reached the broker
/// is looked up by its ref_id in the background until the broker shows it or proves it absent
/// (actors/settlement_fsm.hpp says when absence is proven, actors/settlement.hpp runs it).
#include "messages/codec.hpp"
#include "messages/money.hpp"
#include "messages/order.hpp"
#include "messages/safety.hpp"
#include "messages/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <optional>
#include <string>

namespace oms {

/// Settle this intent (the Submitter after an ambiguous outcome, recovery for what it found
/// unresolved). A second one for a ref_id being settled is ignored.
struct SettleIntent {
  static constexpr const char* message_type = "SettleIntent";
  std::string ref_id;
  PendingKey key;  ///< symbol, side, limit price
  Quantity quantity;
  Price reference_price;
  std::string strategy;
  ExecutionMode mode = ExecutionMode::live;
  Timestamp intent_at{};        ///< the intent's journal time: the look-up window starts before it
  Timestamp last_attempt_at{};  ///< no POST with this ref_id was sent after it (our clock)
  std::optional<Timestamp> first_look_up_at;  ///< when the first look-up is due (default: now)
};
BOOST_DESCRIBE_STRUCT(SettleIntent, (), (ref_id, key, quantity, reference_price, strategy, mode, intent_at,
                                         last_attempt_at, first_look_up_at))

/// An identical request waits for an intent whose settlement had given up: look again now (and
/// for another settlement timeout).
struct RearmSettlement {
  static constexpr const char* message_type = "RearmSettlement";
  std::string ref_id;
};
BOOST_DESCRIBE_STRUCT(RearmSettlement, (), (ref_id))

/// How a settlement ended.
BOOST_DEFINE_ENUM_CLASS(SettlementOutcome,
                        found,          ///< the broker holds the order: `envelope` (journalled)
                        proven_absent,  ///< never placed: the key is free (journalled intent_abandoned)
                        gave_up)        ///< still unknown after the settlement timeout: stays unresolved

/// The Settler's result, for the SafetyLedger (and whoever waits there).
struct IntentSettled {
  static constexpr const char* message_type = "IntentSettled";
  std::string ref_id;
  PendingKey key;
  SettlementOutcome outcome = SettlementOutcome::gave_up;
  std::optional<OrderEnvelope> envelope;  ///< found
  bool finished = false;                  ///< found already filled, cancelled or rejected
  std::string detail;                     ///< what was seen (the last look-up error for gave_up)
};
BOOST_DESCRIBE_STRUCT(IntentSettled, (), (ref_id, key, outcome, envelope, finished, detail))

}  // namespace oms
