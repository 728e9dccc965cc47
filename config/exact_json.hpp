#pragma once
/// JSON for configuration files, read without losing a digit: a number with a fraction or an
/// exponent is kept as its source text (a JSON string), so "0.5" and 0.5 both reach the money
/// parser exactly. Integers stay integers. Comments are refused, as in plain JSON.
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <string_view>

namespace oms::config {

/// Parses `text`; an error carries the position in `where` ("line 3, column 14").
boost::system::result<boost::json::value> parse_exact_json(std::string_view text, std::string* where = nullptr);

}  // namespace oms::config
