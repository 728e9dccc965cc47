#include "actors/cache_invalidator.hpp"

#include "runtime/log.hpp"

namespace oms::actors {
using runtime::awaitable;

CacheInvalidator::CacheInvalidator(runtime::Runtime& rt, std::chrono::seconds ttl,
                                   std::shared_ptr<gateway::Broker> broker, std::string name)
    : Actor(rt, std::move(name)), ttl_(ttl), broker_(std::move(broker)) {}

void CacheInvalidator::on(InvalidateAccountCache m) {
  ++generation_;
  ++invalidations_;
  if (!cached_) return;
  cached_.reset();
  log::info("account_cache.invalidated", {{"reason", boost::describe::enum_to_string(m.reason, "")},
                                          {"order_id", m.order_id}, {"symbol", m.symbol}});
}

void CacheInvalidator::on(runtime::Ask<GetAccountData, AccountData> m) {
  bool fresh_enough = cached_ && runtime().clock().now() - cached_->fetched_at < ttl_;
  if (fresh_enough && !m.body.fresh) {
    auto copy = *cached_;
    copy.from_cache = true;
    m.reply_to.send(std::move(copy), name());
    return;
  }
  spawn(refresh(std::move(m.reply_to)), "account refresh");
}

awaitable<void> CacheInvalidator::refresh(runtime::ReplyTo<AccountData> reply) {
  auto self = shared_from_this();
  auto started_generation = generation_;
  ++reads_;
  AccountData data;
  data.fetched_at = runtime().clock().now();
  auto account = co_await broker_->refresh_account();
  auto positions = co_await broker_->positions();
  if (!account || !positions) {
    data.error = !account ? account.error().to_string() : positions.error().to_string();
    reply.send(std::move(data), name());
    co_return;
  }
  data.buying_power = account->buying_power;
  for (auto& p : *positions) {
    std::string instrument = p.instrument;  // named: no temporaries inside co_await (GCC 12)
    auto symbol = co_await broker_->symbol_for_instrument(std::move(instrument));
    data.positions.push_back(Holding{symbol.value_or(std::string()), p.instrument, p.quantity, p.average_buy_price});
  }
  // A fill or cancel that arrived while we were reading makes this read stale: answer it, but
  // do not cache it.
  if (generation_ == started_generation) cached_ = data;
  reply.send(std::move(data), name());
}

}  // namespace oms::actors
