#pragma once
/// Fixed-point money: prices and quantities as integer counts of 1e-8, the broker's precision.
/// Parsed from and printed to decimal strings exactly; every arithmetic step is checked.
#include <boost/json/fwd.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace oms {

/// Why a decimal could not be parsed or computed.
enum class money_errc {
  empty = 1,          ///< no text at all
  not_a_number,       ///< a character that is not a digit or a single '.'
  exponent,           ///< scientific notation ("1e5") is refused: it hides the precision
  negative,           ///< a minus sign where the value must be ≥ 0
  too_many_decimals,  ///< more fractional digits than allowed (8 at most, fewer by rule)
  overflow,           ///< outside the representable range (about ±92 billion)
  division_by_zero,   ///< a scale or tick of zero
  not_json_decimal,   ///< a JSON value that is neither a decimal string nor an integer
};
const boost::system::error_category& money_category() noexcept;
boost::system::error_code make_error_code(money_errc e) noexcept;

template <class T>
using result = boost::system::result<T>;

/// How to round when an exact result has more than 8 decimals or must land on a tick grid.
enum class Rounding { down, up, toward_zero, half_up };

/// Whether a parse accepts a leading minus sign.
enum class Sign { non_negative, any };

/// Exact decimal with 8 fractional digits. The tag keeps prices and quantities apart.
template <class Tag>
class Fixed {
 public:
  static constexpr int kScale = 8;
  static constexpr std::int64_t kOne = 100'000'000;
  using tag_type = Tag;

  constexpr Fixed() = default;
  /// The value whose integer representation is `units` × 1e-8.
  static constexpr Fixed from_units(std::int64_t units) noexcept { return Fixed(units); }
  /// Whole number of units (shares, dollars); fails on overflow.
  static result<Fixed> from_whole(std::int64_t whole) noexcept;
  /// Parses "249.93", "0.0001", "-1.5" (Sign::any); refuses "1e5", "abc", "1.", ".5", "+1".
  static result<Fixed> parse(std::string_view text, Sign sign = Sign::non_negative,
                             int max_decimals = kScale) noexcept;

  constexpr std::int64_t units() const noexcept { return units_; }
  constexpr bool is_zero() const noexcept { return units_ == 0; }
  constexpr bool is_negative() const noexcept { return units_ < 0; }
  constexpr bool is_whole() const noexcept { return units_ % kOne == 0; }
  /// Number of fractional digits needed to print the value exactly (0..8).
  int decimals() const noexcept;

  /// Exact text, trailing zeros trimmed down to `min_decimals` ("250.3" or "250.30").
  std::string to_string(int min_decimals = 0) const;
  /// Exactly 8 decimals, as the broker prints money ("249.93000000").
  std::string to_broker_string() const { return to_string(kScale); }

  result<Fixed> plus(Fixed other) const noexcept;
  result<Fixed> minus(Fixed other) const noexcept;
  /// this × num / den, rounded as asked; exact 128-bit intermediate.
  result<Fixed> scaled(std::int64_t num, std::int64_t den, Rounding mode) const noexcept;
  /// Nearest multiple of `tick` in the given direction.
  result<Fixed> round_to(Fixed tick, Rounding mode) const noexcept;

  friend constexpr auto operator<=>(Fixed, Fixed) = default;

 private:
  constexpr explicit Fixed(std::int64_t units) noexcept : units_(units) {}
  std::int64_t units_ = 0;
};

struct PriceTag {};
struct QuantityTag {};
struct DecimalTag {};
/// A price in dollars per share.
using Price = Fixed<PriceTag>;
/// A number of shares (whole for equities; the broker prints 8 decimals).
using Quantity = Fixed<QuantityTag>;
/// A plain exact ratio or amount: basis points, percentages, offsets in configuration.
using Decimal = Fixed<DecimalTag>;

extern template class Fixed<PriceTag>;
extern template class Fixed<QuantityTag>;
extern template class Fixed<DecimalTag>;

/// price × quantity in dollars (8 decimals, rounded as asked).
result<Price> notional(Price price, Quantity quantity, Rounding mode = Rounding::half_up) noexcept;

/// JSON: money is written as an exact decimal string; read from a string or a JSON integer.
/// JSON doubles are refused: they have already lost the exact value.
template <class Tag>
result<Fixed<Tag>> fixed_from_json(const boost::json::value& v, Sign sign = Sign::non_negative);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& v, Price p);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& v, Quantity q);
result<Price> tag_invoke(const boost::json::try_value_to_tag<Price>&, const boost::json::value& v);
result<Quantity> tag_invoke(const boost::json::try_value_to_tag<Quantity>&,
                            const boost::json::value& v);

}  // namespace oms

template <>
struct boost::system::is_error_code_enum<oms::money_errc> : std::true_type {};
