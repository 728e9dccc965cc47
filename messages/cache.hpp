#pragma once
/// Account-data cache invalidation (FR-011): buying power and positions go stale on fills and cancels.
#include "messages/codec.hpp"
#include "messages/money.hpp"
#include "messages/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <string>
#include <vector>

namespace oms {

BOOST_DEFINE_ENUM_CLASS(InvalidationReason, fill, cancellation, manual)

/// Drop cached buying_power and positions.
struct InvalidateAccountCache {
  static constexpr const char* message_type = "InvalidateAccountCache";
  InvalidationReason reason = InvalidationReason::manual;
  std::string order_id;
  std::string symbol;
};
BOOST_DESCRIBE_STRUCT(InvalidateAccountCache, (), (reason, order_id, symbol))

/// Ask for AccountData; `fresh` forces a broker read even inside the TTL.
struct GetAccountData {
  static constexpr const char* message_type = "GetAccountData";
  bool fresh = false;
};
BOOST_DESCRIBE_STRUCT(GetAccountData, (), (fresh))

/// One holding, by symbol when the broker's instrument is known.
struct Holding {
  std::string symbol;  ///< empty when the instrument was never seen
  std::string instrument;
  Quantity quantity;
  Price average_buy_price;
};
BOOST_DESCRIBE_STRUCT(Holding, (), (symbol, instrument, quantity, average_buy_price))

/// The seed's AccountData: buying power and positions, cached with a TTL (FR-011).
struct AccountData {
  static constexpr const char* message_type = "AccountData";
  Price buying_power;
  std::vector<Holding> positions;
  Timestamp fetched_at{};
  bool from_cache = false;  ///< served inside the TTL without a broker call
  std::string error;        ///< non-empty: the broker could not be read (other fields empty)
};
BOOST_DESCRIBE_STRUCT(AccountData, (), (buying_power, positions, fetched_at, from_cache, error))

}  // namespace oms
