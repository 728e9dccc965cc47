// config.json text → Config. Any text is either a configuration that obeys the documented
// ranges or a FieldError with a rule; never a crash, never an exception.
#include "config/config.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace oms;
using namespace oms::config;
using oms::fuzz::require;

bool is_percentage(Decimal pct) {
  return !pct.is_zero() && !pct.is_negative() && pct < Decimal::from_units(100 * Decimal::kOne);
}

// The validation promises of config.hpp, checked on what parse_config accepted.
void check_accepted(const Config& c) {
  const auto& om = c.order_management;
  require(!om.offsets.buy_offset.is_negative() && !om.offsets.sell_offset.is_negative());
  require(is_percentage(om.offsets.max_slippage_pct));
  require(!om.price_collar_pct.is_negative());
  require(om.retry.max_attempts >= 1 && om.retry.max_delay_ms >= om.retry.base_delay_ms);
  require(om.retry.jitter_pct >= 0 && om.retry.jitter_pct <= 100);
  require(om.poll_interval_s >= 1 && om.pool_size >= 1 && om.rate_limit.burst >= 1);
  require(!om.journal_path.empty() && !c.broker.base_url.empty());
  for (const auto& [name, o] : om.strategy_overrides) {
    require(!name.empty());
    if (o.max_slippage_pct) require(is_percentage(*o.max_slippage_pct));
    // What a strategy resolves to is the global block with its own fields laid over it.
    PriceOffsetConfig resolved = om.offsets_for(name);
    require(resolved.buy_offset == o.buy_offset.value_or(om.offsets.buy_offset));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = parse_config(oms::fuzz::as_text(data, size));
  if (!parsed) {
    require(!parsed.error().rule.empty());
    return 0;
  }
  check_accepted(*parsed);
  return 0;
}
