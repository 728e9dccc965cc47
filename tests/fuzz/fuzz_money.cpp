// Decimal text → Price / Quantity / Decimal. Whatever parses prints back to the same value
// (exact money must survive the journal and the broker form), keeps the sign and precision
// rules it was parsed under, and rounds onto tick grids without crossing the value.
// "A|B" inputs also exercise the two-operand arithmetic.
#include "fuzz_check.hpp"
#include "messages/money.hpp"

#include <array>
#include <limits>
#include <optional>

namespace {

using namespace oms;
using oms::fuzz::require;
__extension__ typedef __int128 i128;  // the exact reference the checked arithmetic must match

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::array kRoundings = {Rounding::down, Rounding::up, Rounding::toward_zero, Rounding::half_up};

template <class Tag>
void check_round_trip(Fixed<Tag> value) {
  for (int min_decimals : {0, 2, 8}) {
    auto again = Fixed<Tag>::parse(value.to_string(min_decimals), Sign::any);
    require(again && *again == value);
  }
  auto broker = Fixed<Tag>::parse(value.to_broker_string(), Sign::any);
  require(broker && *broker == value);
}

template <class Tag>
void check_round_to(Fixed<Tag> value, Fixed<Tag> tick) {
  for (Rounding mode : kRoundings) {
    auto r = value.round_to(tick, mode);
    if (tick.units() <= 0) {
      require(!r);
      continue;
    }
    if (!r) continue;  // the nearest grid point is out of range
    const i128 diff = static_cast<i128>(r->units()) - value.units();
    require(r->units() % tick.units() == 0 && diff < tick.units() && -diff < tick.units());
    if (mode == Rounding::down) require(*r <= value);
    if (mode == Rounding::up) require(*r >= value);
    if (mode == Rounding::toward_zero) require(value.is_negative() ? *r >= value : *r <= value);
  }
}

template <class Tag>
void check_scaled(Fixed<Tag> value) {
  auto same = value.scaled(1, 1, Rounding::half_up);
  require(same && *same == value);
  require(!value.scaled(3, 0, Rounding::down));
  constexpr std::array<std::pair<std::int64_t, std::int64_t>, 6> kFactors = {
      {{kMax, 1}, {kMin, -1}, {1, kMin}, {-1, 3}, {15, 10'000}, {kMin, kMax}}};
  for (auto [num, den] : kFactors)
    for (Rounding mode : kRoundings) (void)value.scaled(num, den, mode);
}

template <class Tag>
void check_value(Fixed<Tag> value) {
  check_round_trip(value);
  check_round_to(value, Fixed<Tag>::from_units(1'000'000));  // 0.01
  check_round_to(value, Fixed<Tag>::from_units(10'000));     // 0.0001
  check_scaled(value);
}

// Every sign rule and decimal limit; all that accept must agree on one value.
template <class Tag>
std::optional<Fixed<Tag>> parse_every_way(std::string_view text) {
  std::optional<Fixed<Tag>> agreed;
  for (Sign sign : {Sign::non_negative, Sign::any}) {
    for (int max_decimals = 0; max_decimals <= Fixed<Tag>::kScale; ++max_decimals) {
      auto r = Fixed<Tag>::parse(text, sign, max_decimals);
      if (!r) continue;
      require(r->decimals() <= max_decimals);
      if (sign == Sign::non_negative) require(!r->is_negative());
      if (agreed) require(*agreed == *r);
      else agreed = *r;
    }
  }
  // A looser rule never refuses what a stricter one accepted.
  if (agreed) require(Fixed<Tag>::parse(text, Sign::any).has_value());
  if (agreed) check_value(*agreed);
  return agreed;
}

template <class Tag>
void check_pair(Fixed<Tag> a, Fixed<Tag> b) {
  const i128 sum = static_cast<i128>(a.units()) + b.units();
  const i128 difference = static_cast<i128>(a.units()) - b.units();
  auto plus = a.plus(b);
  auto minus = a.minus(b);
  require(plus.has_value() == (sum >= kMin && sum <= kMax));
  require(minus.has_value() == (difference >= kMin && difference <= kMax));
  if (plus) require(plus->units() == sum);
  if (minus) require(minus->units() == difference);
  check_round_to(a, b);
  for (Rounding mode : kRoundings) (void)a.scaled(a.units(), b.units(), mode);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = oms::fuzz::as_text(data, size);
  auto bar = text.find('|');
  std::string_view first = text.substr(0, bar);
  auto price = parse_every_way<PriceTag>(first);
  auto quantity = parse_every_way<QuantityTag>(first);
  auto decimal = parse_every_way<DecimalTag>(first);
  // The tag keeps prices and quantities apart, never changes what a text means.
  require(price.has_value() == quantity.has_value() && quantity.has_value() == decimal.has_value());
  if (bar == std::string_view::npos) return 0;
  auto second = parse_every_way<QuantityTag>(text.substr(bar + 1));
  if (price && second) {
    check_pair(*quantity, *second);
    for (Rounding mode : kRoundings) (void)notional(*price, *second, mode);
  }
  return 0;
}
