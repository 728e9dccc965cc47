#pragma once
/// JSON for configuration files, read without losing a digit: a number with a fraction or an
/// exponent is kept as its source text (a JSON string), so "0.5" and 0.5 both reach the money
/// parser exactly. Integers stay integers. Comments are refused, as in plain JSON. A key that
/// appears twice in one object is refused too (plain JSON parsers keep one of the two silently).
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <string_view>

namespace oms::config {

/// Parses `text`; an error carries the position in `where` ("line 3, column 14") and, when a key
/// appears twice in one object, its dotted path in `duplicate_key` ("order_management.retry").
boost::system::result<boost::json::value> parse_exact_json(std::string_view text, std::string* where = nullptr,
                                                           std::string* duplicate_key = nullptr);

}  // namespace oms::config
