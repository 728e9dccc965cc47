#include "gateway/parse.hpp"

#include <boost/json/parse.hpp>

namespace oms::gateway {
namespace json = boost::json;
namespace {

// Reads one object's fields, keeping the first error so a parser reads as a list of fields.
class Fields {
 public:
  Fields(const json::object& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  const std::optional<FieldError>& error() const { return error_; }
  std::string name(const char* field) const { return codec_detail::join(path_, field); }

  std::string str(const char* field) {
    const json::value* v = find(field, true);
    if (!v) return {};
    if (!v->is_string()) return fail(field, "must be a string"), std::string{};
    return std::string(v->get_string());
  }

  std::optional<std::string> opt_str(const char* field) {
    const json::value* v = find(field, false);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) return fail(field, "must be a string or null"), std::nullopt;
    return std::string(v->get_string());
  }

  bool boolean(const char* field) {
    const json::value* v = find(field, true);
    if (!v) return false;
    if (!v->is_bool()) return fail(field, "must be true or false"), false;
    return v->get_bool();
  }

  std::int64_t integer(const char* field) {
    const json::value* v = find(field, true);
    if (!v) return 0;
    if (v->is_int64()) return v->get_int64();
    return fail(field, "must be an integer"), 0;
  }

  Timestamp time(const char* field) {
    auto text = str(field);
    if (error_) return {};
    auto t = parse_iso8601(text);
    if (!t) return fail(field, "must be an ISO-8601 timestamp"), Timestamp{};
    return *t;
  }

  template <class T>
  T money(const char* field, Sign sign = Sign::non_negative) {
    const json::value* v = find(field, true);
    if (!v) return T{};
    return convert<T>(field, *v, sign);
  }

  // Missing, null and "" all mean "no value": the broker prints optional money all three ways.
  template <class T>
  std::optional<T> opt_money(const char* field, Sign sign = Sign::non_negative) {
    const json::value* v = find(field, false);
    if (!v || v->is_null() || (v->is_string() && v->get_string().empty())) return std::nullopt;
    return convert<T>(field, *v, sign);
  }

  const json::value* find(const char* field, bool required) {
    if (error_) return nullptr;
    const json::value* v = obj_.if_contains(field);
    if (!v && required) fail(field, "is required");
    if (v && required && v->is_null()) return fail(field, "must not be null"), nullptr;
    return v;
  }

  void fail(const char* field, std::string rule) {
    if (!error_) error_ = FieldError{name(field), std::move(rule)};
  }

 private:
  template <class T>
  T convert(const char* field, const json::value& v, Sign sign) {
    auto r = fixed_from_json<typename T::tag_type>(v, sign);
    if (!r) return fail(field, r.error().message()), T{};
    return *r;
  }

  const json::object& obj_;
  std::string path_;
  std::optional<FieldError> error_;
};

const json::object* as_object(const json::value& v) { return v.if_object(); }

std::string index_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

template <class T, class ItemParser>
checked<Page<T>> parse_page(std::string_view body, ItemParser item) {
  auto v = parse_json(body);
  if (!v) return v.error();
  const auto* obj = as_object(*v);
  if (!obj) return FieldError{"", "response must be a JSON object with `results`"};
  Fields f(*obj, "");
  Page<T> page;
  page.next = f.opt_str("next");
  const json::value* results = f.find("results", true);
  if (f.error()) return *f.error();
  if (!results->is_array()) return FieldError{"results", "must be an array"};
  const auto& array = results->get_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    auto r = item(array[i], index_path("results", i));
    if (!r) return r.error();
    page.results.push_back(std::move(*r));
  }
  return page;
}

checked<Execution> parse_execution(const json::value& v, const std::string& path) {
  const auto* obj = as_object(v);
  if (!obj) return FieldError{path, "must be an object"};
  Fields f(*obj, path);
  Execution e;
  e.id = f.str("id");
  e.price = f.money<Price>("price");
  e.quantity = f.money<Quantity>("quantity");
  e.timestamp = f.time("timestamp");
  e.settlement_date = f.opt_str("settlement_date");
  if (f.error()) return *f.error();
  return e;
}

Side parse_side(Fields& f) {
  auto text = f.str("side");
  if (f.error()) return Side::buy;
  if (text == "buy") return Side::buy;
  if (text == "sell") return Side::sell;
  f.fail("side", "must be buy or sell");
  return Side::buy;
}

// Missing or null means none yet; each bad element is named by its index.
checked<std::vector<Execution>> parse_executions(const json::object& order, const std::string& path) {
  std::vector<Execution> out;
  const json::value* v = order.if_contains("executions");
  if (!v || v->is_null()) return out;
  const std::string field = codec_detail::join(path, "executions");
  if (!v->is_array()) return FieldError{field, "must be an array"};
  const auto& array = v->get_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    auto e = parse_execution(array[i], index_path(field, i));
    if (!e) return e.error();
    out.push_back(std::move(*e));
  }
  return out;
}

checked<BrokerOrder> parse_order_at(const json::value& v, const std::string& path) {
  const auto* obj = as_object(v);
  if (!obj) return FieldError{path, "order must be a JSON object"};
  Fields f(*obj, path);
  BrokerOrder o;
  o.id = f.str("id");
  o.ref_id = f.opt_str("ref_id");
  o.url = f.str("url");
  o.account = f.str("account");
  o.instrument = f.str("instrument");
  o.cancel_url = f.opt_str("cancel");
  o.side = parse_side(f);
  o.type = f.str("type");
  o.state = f.str("state");
  o.time_in_force = f.opt_str("time_in_force").value_or("");
  o.price = f.opt_money<Price>("price");
  o.stop_price = f.opt_money<Price>("stop_price");
  o.quantity = f.money<Quantity>("quantity");
  o.cumulative_quantity = f.money<Quantity>("cumulative_quantity");
  o.average_price = f.opt_money<Price>("average_price");
  o.fees = f.opt_money<Price>("fees").value_or(Price{});
  o.reject_reason = f.opt_str("reject_reason");
  o.created_at = f.time("created_at");
  o.updated_at = f.time("updated_at");
  if (f.error()) return *f.error();
  auto executions = parse_executions(*obj, path);
  if (!executions) return executions.error();
  o.executions = std::move(*executions);
  o.raw = *obj;
  return o;
}

checked<TokenResponse> parse_token(const json::object& obj) {
  Fields f(obj, "");
  TokenResponse t;
  t.access_token = f.str("access_token");
  t.refresh_token = f.str("refresh_token");
  t.expires_in = f.integer("expires_in");
  t.token_type = f.opt_str("token_type").value_or("Bearer");
  t.scope = f.opt_str("scope").value_or("");
  if (f.error()) return *f.error();
  if (t.access_token.empty()) return FieldError{"access_token", "must not be empty"};
  if (t.expires_in <= 0) return FieldError{"expires_in", "must be a positive number of seconds"};
  return t;
}

checked<LoginReply> parse_verification(const json::value& v) {
  const auto* obj = as_object(v);
  if (!obj) return FieldError{"verification_workflow", "must be an object"};
  Fields f(*obj, "verification_workflow");
  VerificationRequired r;
  r.workflow_id = f.str("id");
  r.workflow_status = f.opt_str("workflow_status").value_or("");
  if (f.error()) return *f.error();
  return LoginReply(std::move(r));
}

checked<LoginReply> parse_challenge(const json::value& v) {
  const auto* obj = as_object(v);
  if (!obj) return FieldError{"challenge", "must be an object"};
  Fields f(*obj, "challenge");
  ChallengeRequired r{f.str("id")};
  if (f.error()) return *f.error();
  return LoginReply(std::move(r));
}

OrderState normalise(std::string_view s) {
  if (s == "unconfirmed" || s == "queued" || s == "confirmed") return OrderState::queued;
  if (s == "partially_filled") return OrderState::partially_filled;
  if (s == "filled") return OrderState::filled;
  if (s == "cancelled") return OrderState::cancelled;
  if (s == "rejected" || s == "failed") return OrderState::rejected;
  return OrderState::unknown;
}

}  // namespace

checked<json::value> parse_json(std::string_view body) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  json::value v = json::parse(body, ec, {}, options);
  if (ec) return FieldError{"", "response is not valid JSON (" + ec.message() + ")"};
  return v;
}

checked<BrokerOrder> parse_order(const json::value& v) { return parse_order_at(v, ""); }

checked<BrokerOrder> parse_order(std::string_view body) {
  auto v = parse_json(body);
  if (!v) return v.error();
  return parse_order_at(*v, "");
}

checked<Page<BrokerOrder>> parse_order_page(std::string_view body) {
  return parse_page<BrokerOrder>(body, parse_order_at);
}

static checked<Account> parse_account_at(const json::value& v, const std::string& path) {
  const auto* obj = as_object(v);
  if (!obj) return FieldError{path, "account must be a JSON object"};
  Fields f(*obj, path);
  Account a{f.str("url"), f.str("account_number"), f.money<Price>("buying_power", Sign::any),
            f.money<Price>("cash", Sign::any), *obj};
  if (f.error()) return *f.error();
  return a;
}

checked<Page<Account>> parse_accounts(std::string_view body) {
  return parse_page<Account>(body, parse_account_at);
}

static checked<Instrument> parse_instrument_at(const json::value& v, const std::string& path) {
  const auto* obj = as_object(v);
  if (!obj) return FieldError{path, "instrument must be a JSON object"};
  Fields f(*obj, path);
  Instrument i;
  i.url = f.str("url");
  i.id = f.str("id");
  i.symbol = f.str("symbol");
  i.tradeable = f.boolean("tradeable");
  i.min_tick_size = f.opt_money<Price>("min_tick_size");
  if (f.error()) return *f.error();
  i.raw = *obj;
  return i;
}

checked<Page<Instrument>> parse_instruments(std::string_view body) {
  return parse_page<Instrument>(body, parse_instrument_at);
}

static checked<Quote> parse_quote_at(const json::value& v, const std::string& path) {
  const auto* obj = as_object(v);
  if (!obj) return FieldError{path, "quote must be a JSON object"};
  Fields f(*obj, path);
  Quote q;
  q.symbol = f.str("symbol");
  q.bid = f.opt_money<Price>("bid_price");
  q.ask = f.opt_money<Price>("ask_price");
  q.last_trade_price = f.opt_money<Price>("last_trade_price");
  q.updated_at = f.time("updated_at");
  if (f.error()) return *f.error();
  q.raw = *obj;
  return q;
}

checked<Page<std::optional<Quote>>> parse_quotes(std::string_view body) {
  return parse_page<std::optional<Quote>>(
      body, [](const json::value& v, const std::string& path) -> checked<std::optional<Quote>> {
        if (v.is_null()) return std::optional<Quote>{};
        auto r = parse_quote_at(v, path);
        if (!r) return r.error();
        return std::optional<Quote>(std::move(*r));
      });
}

static checked<Position> parse_position_at(const json::value& v, const std::string& path) {
  const auto* obj = as_object(v);
  if (!obj) return FieldError{path, "position must be a JSON object"};
  Fields f(*obj, path);
  Position p{f.str("instrument"), f.money<Quantity>("quantity"),
             f.money<Price>("average_buy_price"), *obj};
  if (f.error()) return *f.error();
  return p;
}

checked<Page<Position>> parse_positions(std::string_view body) {
  return parse_page<Position>(body, parse_position_at);
}

checked<LoginReply> parse_login_reply(std::string_view body) {
  auto v = parse_json(body);
  if (!v) return v.error();
  const auto* obj = as_object(*v);
  if (!obj) return FieldError{"", "login response must be a JSON object"};
  if (obj->contains("access_token")) {
    auto t = parse_token(*obj);
    if (!t) return t.error();
    return LoginReply(std::move(*t));
  }
  if (const auto* w = obj->if_contains("verification_workflow")) return parse_verification(*w);
  if (const auto* c = obj->if_contains("challenge")) return parse_challenge(*c);
  if (obj->contains("mfa_required")) {
    Fields f(*obj, "");
    MfaRequired m{f.opt_str("mfa_type").value_or("")};
    if (f.error()) return *f.error();
    return LoginReply(std::move(m));
  }
  return FieldError{"access_token", "is required"};
}

checked<Account> parse_account(const json::value& v) { return parse_account_at(v, ""); }
checked<Instrument> parse_instrument(const json::value& v) { return parse_instrument_at(v, ""); }
checked<Quote> parse_quote(const json::value& v) { return parse_quote_at(v, ""); }
checked<Position> parse_position(const json::value& v) { return parse_position_at(v, ""); }

OrderStatus to_order_status(const BrokerOrder& order) {
  OrderStatus s;
  s.order_id = order.id;
  s.state = normalise(order.state);
  s.broker_state = order.state;
  s.filled_quantity = order.cumulative_quantity;
  s.average_fill_price = order.average_price;
  // Nothing is pending once the broker has finished with the order, whatever remained unfilled.
  if (!is_terminal(s.state)) {
    auto left = order.quantity.minus(order.cumulative_quantity);
    s.pending_quantity = left && !left->is_negative() ? *left : Quantity{};
  }
  s.updated_at = order.updated_at;
  s.raw = order.raw;
  return s;
}

std::vector<FillEvent> fill_events(const BrokerOrder& order, std::string_view symbol) {
  std::vector<FillEvent> out;
  Quantity cumulative;
  Price spent;
  bool exact = true;
  for (const auto& e : order.executions) {
    FillEvent f;
    f.order_id = order.id;
    f.execution_id = e.id;
    f.symbol = std::string(symbol);
    f.side = order.side;
    f.quantity = e.quantity;
    f.price = e.price;
    f.executed_at = e.timestamp;
    // Sums beyond ±92 billion cannot come from a real account; they only lose the average.
    if (auto c = cumulative.plus(e.quantity)) cumulative = *c;
    auto cost = notional(e.price, e.quantity);
    auto total = cost ? spent.plus(*cost) : cost;
    exact = exact && total.has_value();
    if (total) spent = *total;
    f.cumulative_quantity = cumulative;
    if (exact && !cumulative.is_zero()) {
      auto average = spent.scaled(Quantity::kOne, cumulative.units(), Rounding::half_up);
      if (average) f.average_price = *average;
    }
    f.complete = !order.quantity.is_zero() && cumulative >= order.quantity;
    out.push_back(std::move(f));
  }
  return out;
}

const BrokerOrder* find_by_ref_id(const std::vector<BrokerOrder>& orders, std::string_view ref_id) {
  if (ref_id.empty()) return nullptr;
  for (const auto& o : orders)
    if (o.ref_id && *o.ref_id == ref_id) return &o;
  return nullptr;
}

bool is_open(const BrokerOrder& order) {
  return order.cancel_url.has_value() || !is_terminal(normalise(order.state));
}

}  // namespace oms::gateway
