#pragma once
/// Account-data cache invalidation (FR-011): buying power and positions go stale on fills and cancels.
#include "messages/codec.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <string>

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

}  // namespace oms
