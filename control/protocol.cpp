#include "control/protocol.hpp"

#include "config/exact_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <set>

namespace oms::control {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxIdBytes = 128;
constexpr const char* kSeeDoc = "see docs/control-protocol.md";

Error bad(std::string field, std::string rule, std::string what_to_do = kSeeDoc) {
  return Error{ErrorCode::bad_request, std::move(field), std::move(rule), std::move(what_to_do)};
}

std::string op_names() {
  std::string out;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<Op>>([&](auto e) {
    out += (out.empty() ? "" : ", ") + std::string(e.name);
  });
  return out;
}

// The fields of one request object: each read is remembered, so any other key is refused
// (a typo never falls back to a default).
class Fields {
 public:
  explicit Fields(const json::object& o) : o_(o) {}

  const json::value* find(std::string_view key) {
    seen_.insert(std::string(key));
    return o_.if_contains(key);
  }
  std::optional<Error> text(std::string_view key, std::optional<std::string>& out, bool required) {
    const auto* v = find(key);
    if (!v) return required ? std::optional<Error>(bad(std::string(key), "is required")) : std::nullopt;
    if (!v->is_string() || v->get_string().empty()) return bad(std::string(key), "must be a non-empty string");
    out = std::string(v->get_string());
    return std::nullopt;
  }
  std::optional<Error> flag(std::string_view key, bool& out) {
    const auto* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_bool()) return bad(std::string(key), "must be true or false");
    out = v->get_bool();
    return std::nullopt;
  }
  template <class E>
  std::optional<Error> enumeration(std::string_view key, E& out, bool required, const char* allowed) {
    const auto* v = find(key);
    if (!v) return required ? std::optional<Error>(bad(std::string(key), "is required")) : std::nullopt;
    if (!v->is_string() || !boost::describe::enum_from_string(v->get_string().c_str(), out))
      return bad(std::string(key), std::string("must be one of ") + allowed);
    return std::nullopt;
  }
  template <class Tag>
  std::optional<Error> money(std::string_view key, Fixed<Tag>& out, const char* example) {
    const auto* v = find(key);
    if (!v) return bad(std::string(key), "is required");
    auto parsed = fixed_from_json<Tag>(*v);
    if (!parsed)
      return bad(std::string(key), std::string("must be a decimal string such as \"") + example + "\" (" +
                                       parsed.error().message() + ")");
    out = *parsed;
    return std::nullopt;
  }
  std::optional<Error> unknown(Op op) const {
    for (const auto& [key, value] : o_)
      if (!seen_.count(std::string(key)))
        return bad(std::string(key), std::string("is not a field of op ") + boost::describe::enum_to_string(op, "?"));
    return std::nullopt;
  }

 private:
  const json::object& o_;
  std::set<std::string> seen_;
};

bool valid_order_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
}

std::optional<Error> place_args(Fields& f, PlaceArgs& out) {
  OrderRequest& r = out.order;
  if (auto e = f.enumeration("side", r.side, true, "\"buy\" or \"sell\"")) return e;
  std::optional<std::string> symbol;
  if (auto e = f.text("symbol", symbol, true)) return e;
  r.symbol = *symbol;
  if (auto e = validate_symbol(r.symbol)) return bad("symbol", e->rule);
  if (auto e = f.money("quantity", r.quantity, "50")) return e;
  if (auto e = validate_quantity(r.quantity)) return bad("quantity", e->rule);
  if (auto e = f.money("reference_price", r.reference_price, "250.30")) return e;
  if (auto e = validate_reference_price(r.reference_price)) return bad("reference_price", e->rule);
  if (const auto* v = f.find("strategy")) {
    if (!v->is_string()) return bad("strategy", "must be a string (leave it out for the global offsets)");
    r.strategy = std::string(v->get_string());
  }
  if (auto e = f.enumeration("time_in_force", r.time_in_force, false, "\"gfd\" or \"gtc\"")) return e;
  if (auto e = f.enumeration("type", r.type, false, "\"limit\", \"market\" or \"stop\"")) return e;
  if (auto e = f.flag("extended_hours", r.extended_hours)) return e;
  bool manual = false;
  if (auto e = f.flag("manual_override", manual)) return e;
  r.manual_override = manual;
  return std::nullopt;
}

std::optional<Error> orders_args(Fields& f, OrdersArgs& out) {
  if (auto e = f.text("symbol", out.symbol, false)) return e;
  if (out.symbol)
    if (auto e = validate_symbol(*out.symbol)) return bad("symbol", e->rule);
  return f.text("state", out.state, false);
}

std::optional<Error> subscribe_args(Fields& f, SubscribeArgs& out) {
  const auto* v = f.find("topics");
  if (!v) {
    out.topics = {Topic::fills, Topic::orders, Topic::safety};
    return std::nullopt;
  }
  if (!v->is_array() || v->get_array().empty())
    return bad("topics", "must be a non-empty array of \"fills\", \"orders\", \"safety\"");
  for (const auto& t : v->get_array()) {
    Topic topic{};
    if (!t.is_string() || !boost::describe::enum_from_string(t.get_string().c_str(), topic))
      return bad("topics", "must name only \"fills\", \"orders\" or \"safety\"");
    if (std::find(out.topics.begin(), out.topics.end(), topic) == out.topics.end()) out.topics.push_back(topic);
  }
  return std::nullopt;
}

std::optional<Error> requested_by(Fields& f, std::string& out) {
  std::optional<std::string> who;
  if (auto e = f.text("requested_by", who, false)) return e;
  if (who) out = who->substr(0, 64);
  return std::nullopt;
}

// The operation's own fields, into `args`.
std::optional<Error> read_args(Op op, Fields& f, Args& args) {
  switch (op) {
    case Op::health: args = HealthArgs{}; return std::nullopt;
    case Op::sync: args = SyncArgs{}; return std::nullopt;
    case Op::place: {
      PlaceArgs a;
      if (auto e = place_args(f, a)) return e;
      args = std::move(a);
      return std::nullopt;
    }
    case Op::status: {
      StatusArgs a;
      std::optional<std::string> id;
      if (auto e = f.text("order_id", id, true)) return e;
      if (!valid_order_id(*id)) return bad("order_id", "must be a broker order id (letters, digits, '-' and '_')");
      a.order_id = *id;
      args = std::move(a);
      return std::nullopt;
    }
    case Op::orders: {
      OrdersArgs a;
      if (auto e = orders_args(f, a)) return e;
      args = std::move(a);
      return std::nullopt;
    }
    case Op::cancel_all: {
      CancelAllArgs a;
      if (auto e = requested_by(f, a.requested_by)) return e;
      args = std::move(a);
      return std::nullopt;
    }
    case Op::resume: {
      ResumeArgs a;
      if (auto e = requested_by(f, a.requested_by)) return e;
      args = std::move(a);
      return std::nullopt;
    }
    case Op::subscribe: {
      SubscribeArgs a;
      if (auto e = subscribe_args(f, a)) return e;
      args = std::move(a);
      return std::nullopt;
    }
  }
  return bad("op", "is not handled");
}

std::optional<Error> read_id(const json::object& o, json::value& id) {
  const auto* v = o.if_contains("id");
  if (!v) return bad("id", "is required: a string or an integer the replies will carry");
  if (v->is_string()) {
    if (v->get_string().empty() || v->get_string().size() > kMaxIdBytes)
      return bad("id", "must be a string of 1 to 128 characters, or an integer");
  } else if (!v->is_int64() && !v->is_uint64()) {
    return bad("id", "must be a string of 1 to 128 characters, or an integer");
  }
  id = *v;
  return std::nullopt;
}

std::optional<Error> read_version(const json::object& o) {
  const auto* v = o.if_contains("v");
  if (!v) return bad("v", "is required: the protocol version, 1");
  if (!v->is_int64() || v->get_int64() != kVersion)
    return Error{ErrorCode::unsupported_version, "v", "this owner speaks protocol version " + std::to_string(kVersion),
                 "send \"v\":1 (docs/control-protocol.md lists the versions)"};
  return std::nullopt;
}

json::object envelope(const json::value& id) {
  return json::object{{"v", kVersion}, {"id", id}};
}

std::string line_of(const json::object& o) { return json::serialize(o) + "\n"; }

json::object error_json(const Error& e) {
  return json::object{{"code", boost::describe::enum_to_string(e.code, "internal")},
                      {"field", e.field},
                      {"rule", e.rule},
                      {"what_to_do", e.what_to_do}};
}

std::string string_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::string Error::to_string() const {
  std::string out = field.empty() ? rule : field + ": " + rule;
  return what_to_do.empty() ? out : out + " — " + what_to_do;
}

// Args lists the operations in the order Op declares them.
static_assert(std::variant_size_v<Args> == boost::mp11::mp_size<boost::describe::describe_enumerators<Op>>::value);
Op Request::op() const { return static_cast<Op>(args.index()); }

boost::system::result<Request, Refusal> parse_request(std::string_view line) {
  if (line.size() > kMaxLineBytes)
    return Refusal{nullptr, Error{ErrorCode::line_too_long, "", "a request line is at most 65536 bytes", kSeeDoc}};
  std::string where;
  auto parsed = config::parse_exact_json(line, &where);
  if (!parsed || !parsed->is_object())
    return Refusal{nullptr, Error{ErrorCode::bad_json, "",
                                  parsed ? "a request must be one JSON object on one line"
                                         : "not valid JSON at " + where + " (" + parsed.error().message() + ")",
                                  kSeeDoc}};
  const json::object& o = parsed->get_object();
  Request request;
  if (auto e = read_id(o, request.id)) return Refusal{nullptr, *e};
  if (auto e = read_version(o)) return Refusal{request.id, *e};
  const auto* op_value = o.if_contains("op");
  Op op{};
  if (!op_value) return Refusal{request.id, bad("op", "is required: one of " + op_names())};
  if (!op_value->is_string() || !boost::describe::enum_from_string(op_value->get_string().c_str(), op))
    return Refusal{request.id, Error{ErrorCode::unknown_op, "op", "must be one of " + op_names(), kSeeDoc}};
  Fields fields(o);
  for (const char* envelope_key : {"v", "id", "op"}) fields.find(envelope_key);
  if (auto e = read_args(op, fields, request.args)) return Refusal{request.id, *e};
  if (auto e = fields.unknown(op)) return Refusal{request.id, *e};
  return request;
}

std::string encode_request(const Request& request) {
  json::object o = envelope(request.id);
  o["op"] = boost::describe::enum_to_string(request.op(), "health");
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, PlaceArgs>) {
          const OrderRequest& r = a.order;
          o["side"] = boost::describe::enum_to_string(r.side, "buy");
          o["symbol"] = r.symbol;
          o["quantity"] = r.quantity.to_string();
          o["reference_price"] = r.reference_price.to_string();
          if (!r.strategy.empty()) o["strategy"] = r.strategy;
          if (r.time_in_force != TimeInForce::gfd) o["time_in_force"] = boost::describe::enum_to_string(r.time_in_force, "");
          if (r.type != OrderType::limit) o["type"] = boost::describe::enum_to_string(r.type, "");
          if (r.extended_hours) o["extended_hours"] = true;
          if (r.manual_override.value_or(false)) o["manual_override"] = true;
        } else if constexpr (std::is_same_v<A, StatusArgs>) {
          o["order_id"] = a.order_id;
        } else if constexpr (std::is_same_v<A, OrdersArgs>) {
          if (a.symbol) o["symbol"] = *a.symbol;
          if (a.state) o["state"] = *a.state;
        } else if constexpr (std::is_same_v<A, CancelAllArgs> || std::is_same_v<A, ResumeArgs>) {
          o["requested_by"] = a.requested_by;
        } else if constexpr (std::is_same_v<A, SubscribeArgs>) {
          json::array topics;
          for (Topic t : a.topics) topics.emplace_back(boost::describe::enum_to_string(t, ""));
          o["topics"] = std::move(topics);
        }
      },
      request.args);
  return line_of(o);
}

std::string encode_result(const json::value& id, json::value result) {
  json::object o = envelope(id);
  o["ok"] = true;
  o["result"] = std::move(result);
  return line_of(o);
}

std::string encode_error(const json::value& id, const Error& error) {
  json::object o = envelope(id);
  o["ok"] = false;
  o["error"] = error_json(error);
  return line_of(o);
}

std::string encode_progress(const json::value& id, std::string_view stage, json::object data) {
  json::object o = envelope(id);
  o["progress"] = stage;
  o["data"] = std::move(data);
  return line_of(o);
}

std::optional<Topic> topic_of(std::string_view kind) {
  if (kind == "fill") return Topic::fills;
  if (kind == "envelope" || kind == "state_change" || kind == "cancel_result" || kind == "submission_failed" ||
      kind == "adopted" || kind == "intent_abandoned")
    return Topic::orders;
  if (kind == "halted" || kind == "resumed" || kind == "breaker_tripped" || kind == "circuit_breaker_tripped")
    return Topic::safety;
  return std::nullopt;
}

std::optional<std::string> encode_event(const json::object& record) {
  std::string kind = string_of(record, "kind");
  auto topic = topic_of(kind);
  if (!topic) return std::nullopt;
  json::object data = record;
  data.erase("kind");
  json::object o{{"v", kVersion}, {"event", kind}, {"topic", boost::describe::enum_to_string(*topic, "")},
                 {"data", std::move(data)}};
  return line_of(o);
}

boost::system::result<Reply, Error> parse_reply(std::string_view line) {
  auto not_a_reply = [](std::string rule) {
    return Error{ErrorCode::bad_json, "reply", std::move(rule), "the owner speaks another protocol; update oms"};
  };
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return not_a_reply("is not a JSON object");
  const json::object& o = v.get_object();
  const auto* version = o.if_contains("v");
  if (!version || !version->is_int64() || version->get_int64() != kVersion)
    return not_a_reply("carries no protocol version 1");
  Reply r;
  if (const auto* id = o.if_contains("id")) r.id = *id;
  auto object_at = [&](const char* key) {
    const auto* d = o.if_contains(key);
    return d && d->is_object() ? d->get_object() : json::object{};
  };
  if (o.contains("event")) {
    r.kind = Reply::Kind::event;
    r.name = string_of(o, "event");
    r.data = object_at("data");
  } else if (o.contains("progress")) {
    r.kind = Reply::Kind::progress;
    r.name = string_of(o, "progress");
    r.data = object_at("data");
  } else if (const auto* ok = o.if_contains("ok"); ok && ok->is_bool()) {
    if (ok->get_bool()) {
      r.kind = Reply::Kind::result;
      if (const auto* result = o.if_contains("result")) r.result = *result;
    } else {
      r.kind = Reply::Kind::error;
      json::object e = object_at("error");
      ErrorCode code = ErrorCode::internal;
      boost::describe::enum_from_string(string_of(e, "code").c_str(), code);
      r.error = Error{code, string_of(e, "field"), string_of(e, "rule"), string_of(e, "what_to_do")};
    }
  } else {
    return not_a_reply("is neither a result, an error, progress nor an event");
  }
  return r;
}

}  // namespace oms::control
