#include "messages/order.hpp"

#include <boost/throw_exception.hpp>

#include <stdexcept>

namespace oms {
namespace {
bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool lower(char c) { return c >= 'a' && c <= 'z'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

void throw_exception_from_error(const FieldError& e, const boost::source_location& loc) {
  boost::throw_exception(std::invalid_argument(e.to_string()), loc);
}

std::optional<FieldError> validate_symbol(std::string_view s) {
  auto error = [](const char* rule) { return FieldError{"symbol", rule}; };
  if (s.empty()) return error("is required");
  bool has_lower = false, has_digit = false, has_pair = false;
  for (char c : s) {
    has_lower |= lower(c);
    has_digit |= digit(c);
    has_pair |= c == '-' || c == '/';
  }
  if (has_pair) return error("looks like a crypto pair; only US equities are supported");
  if (has_digit) return error("looks like an option contract; only US equities are supported");
  if (has_lower) return error("must be an uppercase ticker such as TSLA");
  // 1-5 letters, optionally a class suffix of 1-2 letters (BRK.B, BF.A).
  std::size_t dot = s.find('.');
  std::string_view base = s.substr(0, dot);
  std::string_view cls = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  auto letters = [](std::string_view p) {
    for (char c : p)
      if (!upper(c)) return false;
    return true;
  };
  bool ok = !base.empty() && base.size() <= 5 && letters(base) &&
            (dot == std::string_view::npos || (!cls.empty() && cls.size() <= 2 && letters(cls)));
  if (!ok) return error("must be 1-5 uppercase letters with an optional class suffix like BRK.B");
  return std::nullopt;
}

std::optional<FieldError> validate_quantity(Quantity q) {
  if (q.units() <= 0) return FieldError{"quantity", "must be a positive whole number of shares"};
  if (!q.is_whole())
    return FieldError{"quantity", "fractional shares are not supported; use a whole number"};
  return std::nullopt;
}

std::optional<FieldError> validate_reference_price(Price p) {
  if (p.units() <= 0) return FieldError{"reference_price", "must be a positive price"};
  return std::nullopt;
}

std::optional<FieldError> validate(const OrderRequest& r) {
  if (auto e = validate_symbol(r.symbol)) return e;
  if (auto e = validate_quantity(r.quantity)) return e;
  if (auto e = validate_reference_price(r.reference_price)) return e;
  if (r.type != OrderType::limit)
    return FieldError{"type", "market and stop orders are not implemented; use a limit order"};
  return std::nullopt;
}

}  // namespace oms
