#pragma once
/// Reply builders shared by the Broker's translation units (internal).
#include "apps/rh-sim/http_types.hpp"
#include "apps/rh-sim/util.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string_view>

namespace rhsim::detail {

SimReply json_reply(unsigned status, const boost::json::value& body);
/// {"detail": text}, Django REST framework's shape for non-field errors.
SimReply detail_reply(unsigned status, std::string_view text);
/// 404 {"detail":"Not found."}.
SimReply not_found();
/// {field: [message]} with status 400.
SimReply field_error(std::string_view field, std::string_view message);
/// The request body as key → text: form-encoded, or a JSON object (scalars turned to text).
Params body_params(const SimRequest& request);
/// The body parsed as JSON; an empty body is an empty object.
std::optional<boost::json::value> body_json(const SimRequest& request);
/// Reads a JSON string or integer as text (admin API money and ids).
std::optional<std::string> text_of(const boost::json::value& object, std::string_view key);

}  // namespace rhsim::detail
