#pragma once
/// The CacheInvalidator owns AccountData (buying power and positions) with a TTL, and drops it
/// whenever an order fills or is cancelled (FR-011), so a strategy sizing its next order never
/// reads buying power from before its last fill.
#include "gateway/broker.hpp"
#include "messages/cache.hpp"
#include "runtime/actor.hpp"

#include <chrono>
#include <optional>

namespace oms::actors {

class CacheInvalidator final
    : public runtime::Actor<CacheInvalidator, InvalidateAccountCache, runtime::Ask<GetAccountData, AccountData>> {
 public:
  CacheInvalidator(runtime::Runtime& rt, std::chrono::seconds ttl, std::shared_ptr<gateway::Broker> broker,
                   std::string name = "cache_invalidator");

  /// Counters for tests: broker reads and invalidations so far (read on the strand's owner only
  /// after the runtime is idle).
  std::size_t broker_reads() const { return reads_; }
  std::size_t invalidations() const { return invalidations_; }

 private:
  friend struct runtime::ActorAccess;
  void on(InvalidateAccountCache m);
  void on(runtime::Ask<GetAccountData, AccountData> m);
  runtime::awaitable<void> refresh(runtime::ReplyTo<AccountData> reply);

  std::chrono::seconds ttl_;
  std::shared_ptr<gateway::Broker> broker_;
  std::optional<AccountData> cached_;
  std::uint64_t generation_ = 0;  ///< bumped by each invalidation: a read that raced one is not cached
  std::size_t reads_ = 0;
  std::size_t invalidations_ = 0;
};

}  // namespace oms::actors
