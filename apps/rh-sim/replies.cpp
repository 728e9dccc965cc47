#include "apps/rh-sim/replies.hpp"

#include <boost/json.hpp>

#include <charconv>

namespace rhsim::detail {
namespace json = boost::json;

namespace {
// A client that posts JSON numbers ("price": 10.08) means the short decimal it wrote; Boost.JSON
// would print it as 1.008E1, so render the shortest fixed-notation text that reads back the same.
std::string fixed_text(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return ec == std::errc{} ? std::string(buf, end) : std::string{};
}
}  // namespace

SimReply json_reply(unsigned status, const json::value& body) {
  SimReply reply;
  reply.status = status;
  reply.body = json::serialize(body);
  return reply;
}

SimReply detail_reply(unsigned status, std::string_view text) {
  return json_reply(status, json::object{{"detail", text}});
}

SimReply not_found() { return detail_reply(404, "Not found."); }

SimReply field_error(std::string_view field, std::string_view message) {
  json::object body;
  body[field] = json::array{json::string(message)};
  return json_reply(400, body);
}

Params body_params(const SimRequest& request) {
  if (request.content_type.find("json") == std::string::npos)
    return parse_urlencoded(request.body);
  Params out;
  boost::system::error_code ec;
  json::value v = json::parse(request.body, ec);
  if (ec || !v.is_object()) return out;
  for (auto& [key, value] : v.get_object()) {
    if (auto* s = value.if_string()) out[std::string(key)] = std::string(*s);
    else if (value.is_bool()) out[std::string(key)] = value.get_bool() ? "True" : "False";
    else if (value.is_double()) out[std::string(key)] = fixed_text(value.get_double());
    else if (!value.is_null()) out[std::string(key)] = json::serialize(value);
  }
  return out;
}

std::optional<json::value> body_json(const SimRequest& request) {
  if (request.body.find_first_not_of(" \r\n\t") == std::string::npos) return json::object{};
  boost::system::error_code ec;
  json::value v = json::parse(request.body, ec);
  if (ec) return std::nullopt;
  return v;
}

std::optional<std::string> text_of(const json::value& object, std::string_view key) {
  auto* obj = object.if_object();
  if (!obj) return std::nullopt;
  auto* v = obj->if_contains(key);
  if (!v) return std::nullopt;
  if (auto* s = v->if_string()) return std::string(*s);
  if (v->is_int64() || v->is_uint64()) return json::serialize(*v);
  return std::nullopt;
}

}  // namespace rhsim::detail
