#include "messages/money.hpp"

#include <boost/json/value.hpp>

#include <limits>

namespace oms {
namespace {

__extension__ typedef __int128 i128;  // exact intermediate for 64×64-bit products
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

class MoneyCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "money"; }
  std::string message(int ev) const override {
    switch (static_cast<money_errc>(ev)) {
      case money_errc::empty: return "is empty; expected a decimal number such as 249.93";
      case money_errc::not_a_number: return "is not a decimal number (digits with at most one '.')";
      case money_errc::exponent: return "uses an exponent; write the plain decimal instead";
      case money_errc::negative: return "must not be negative";
      case money_errc::too_many_decimals: return "has too many decimal places";
      case money_errc::overflow: return "is out of range";
      case money_errc::division_by_zero: return "divides by zero";
      case money_errc::not_json_decimal: return "must be a decimal string or an integer";
    }
    return "unknown money error";
  }
};

result<std::int64_t> narrow(i128 v) noexcept {
  if (v > kMax || v < kMin) return make_error_code(money_errc::overflow);
  return static_cast<std::int64_t>(v);
}

// num / den rounded per mode; den > 0.
i128 divide(i128 num, i128 den, Rounding mode) noexcept {
  i128 q = num / den;
  i128 r = num % den;
  if (r == 0) return q;
  bool positive = num > 0;
  switch (mode) {
    case Rounding::toward_zero: return q;
    case Rounding::down: return positive ? q : q - 1;
    case Rounding::up: return positive ? q + 1 : q;
    case Rounding::half_up: {
      i128 twice = (r < 0 ? -r : r) * 2;
      if (twice >= den) return positive ? q + 1 : q - 1;
      return q;
    }
  }
  return q;
}

}  // namespace

const boost::system::error_category& money_category() noexcept {
  static const MoneyCategory category;
  return category;
}

boost::system::error_code make_error_code(money_errc e) noexcept {
  return {static_cast<int>(e), money_category()};
}

template <class Tag>
result<Fixed<Tag>> Fixed<Tag>::from_whole(std::int64_t whole) noexcept {
  auto units = narrow(static_cast<i128>(whole) * kOne);
  if (!units) return units.error();
  return Fixed(*units);
}

template <class Tag>
result<Fixed<Tag>> Fixed<Tag>::parse(std::string_view text, Sign sign, int max_decimals) noexcept {
  if (text.empty()) return make_error_code(money_errc::empty);
  bool negative = text.front() == '-';
  if (negative) {
    if (sign == Sign::non_negative) return make_error_code(money_errc::negative);
    text.remove_prefix(1);
  }
  std::size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  for (char c : text) {
    if (c == 'e' || c == 'E') return make_error_code(money_errc::exponent);
  }
  auto all_digits = [](std::string_view s) {
    for (char c : s)
      if (c < '0' || c > '9') return false;
    return true;
  };
  bool has_dot = dot != std::string_view::npos;
  if (whole.empty() || !all_digits(whole) || !all_digits(frac) || (has_dot && frac.empty()))
    return make_error_code(money_errc::not_a_number);
  // Trailing zeros carry no precision: "1.500000000" is exactly 1.5.
  while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
  if (static_cast<int>(frac.size()) > max_decimals || frac.size() > kScale)
    return make_error_code(money_errc::too_many_decimals);

  i128 units = 0;
  for (char c : whole) {
    units = units * 10 + (c - '0');
    if (units > static_cast<i128>(kMax)) return make_error_code(money_errc::overflow);
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(kScale); ++i)
    units = units * 10 + (i < frac.size() ? frac[i] - '0' : 0);
  if (negative) units = -units;
  auto narrowed = narrow(units);
  if (!narrowed) return narrowed.error();
  return Fixed(*narrowed);
}

template <class Tag>
int Fixed<Tag>::decimals() const noexcept {
  std::int64_t frac = units_ % kOne;
  if (frac == 0) return 0;
  int digits = kScale;
  while (frac % 10 == 0) {
    frac /= 10;
    --digits;
  }
  return digits;
}

template <class Tag>
std::string Fixed<Tag>::to_string(int min_decimals) const {
  // Unsigned magnitude: |INT64_MIN| does not fit in int64.
  std::uint64_t magnitude = units_ < 0 ? 0 - static_cast<std::uint64_t>(units_)
                                       : static_cast<std::uint64_t>(units_);
  std::string out = units_ < 0 ? "-" : "";
  out += std::to_string(magnitude / kOne);
  std::string frac = std::to_string(magnitude % kOne);
  frac.insert(0, kScale - frac.size(), '0');
  std::size_t keep = frac.size();
  std::size_t floor = static_cast<std::size_t>(min_decimals < 0 ? 0 : min_decimals > kScale ? kScale : min_decimals);
  while (keep > floor && frac[keep - 1] == '0') --keep;
  if (keep > 0) out += "." + frac.substr(0, keep);
  return out;
}

template <class Tag>
result<Fixed<Tag>> Fixed<Tag>::plus(Fixed other) const noexcept {
  auto sum = narrow(static_cast<i128>(units_) + other.units_);
  if (!sum) return sum.error();
  return Fixed(*sum);
}

template <class Tag>
result<Fixed<Tag>> Fixed<Tag>::minus(Fixed other) const noexcept {
  auto diff = narrow(static_cast<i128>(units_) - other.units_);
  if (!diff) return diff.error();
  return Fixed(*diff);
}

template <class Tag>
result<Fixed<Tag>> Fixed<Tag>::scaled(std::int64_t num, std::int64_t den, Rounding mode) const noexcept {
  if (den == 0) return make_error_code(money_errc::division_by_zero);
  i128 n = static_cast<i128>(units_) * num;
  i128 d = den;
  if (d < 0) {
    n = -n;
    d = -d;
  }
  auto out = narrow(divide(n, d, mode));
  if (!out) return out.error();
  return Fixed(*out);
}

template <class Tag>
result<Fixed<Tag>> Fixed<Tag>::round_to(Fixed tick, Rounding mode) const noexcept {
  if (tick.units_ <= 0) return make_error_code(money_errc::division_by_zero);
  i128 steps = divide(units_, tick.units_, mode);
  auto out = narrow(steps * tick.units_);
  if (!out) return out.error();
  return Fixed(*out);
}

template class Fixed<PriceTag>;
template class Fixed<QuantityTag>;
template class Fixed<DecimalTag>;

result<Price> notional(Price price, Quantity quantity, Rounding mode) noexcept {
  i128 product = static_cast<i128>(price.units()) * quantity.units();
  auto units = narrow(divide(product, Quantity::kOne, mode));
  if (!units) return units.error();
  return Price::from_units(*units);
}

template <class Tag>
result<Fixed<Tag>> fixed_from_json(const boost::json::value& v, Sign sign) {
  if (const auto* s = v.if_string()) return Fixed<Tag>::parse(std::string_view(*s), sign);
  if (const auto* i = v.if_int64()) {
    if (*i < 0 && sign == Sign::non_negative) return make_error_code(money_errc::negative);
    return Fixed<Tag>::from_whole(*i);
  }
  if (const auto* u = v.if_uint64()) {
    if (*u > static_cast<std::uint64_t>(kMax)) return make_error_code(money_errc::overflow);
    return Fixed<Tag>::from_whole(static_cast<std::int64_t>(*u));
  }
  return make_error_code(money_errc::not_json_decimal);
}
template result<Price> fixed_from_json<PriceTag>(const boost::json::value&, Sign);
template result<Quantity> fixed_from_json<QuantityTag>(const boost::json::value&, Sign);
template result<Decimal> fixed_from_json<DecimalTag>(const boost::json::value&, Sign);

void tag_invoke(const boost::json::value_from_tag&, boost::json::value& v, Price p) {
  v = p.to_string(2);
}
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& v, Quantity q) {
  v = q.to_string();
}
result<Price> tag_invoke(const boost::json::try_value_to_tag<Price>&, const boost::json::value& v) {
  return fixed_from_json<PriceTag>(v);
}
result<Quantity> tag_invoke(const boost::json::try_value_to_tag<Quantity>&,
                            const boost::json::value& v) {
  return fixed_from_json<QuantityTag>(v);
}

}  // namespace oms
