#include "gateway/requests.hpp"

#include "gateway/ids.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <array>

namespace oms::gateway {
namespace {

constexpr std::array<std::string_view, 7> kSecretFields = {
    "password", "refresh_token", "access_token", "mfa_code", "device_token", "username", "code"};

bool is_secret(std::string_view name) {
  for (auto s : kSecretFields)
    if (name == s) return true;
  return false;
}

Params standard_headers(const RequestOptions& o) {
  // No Accept-Encoding: the transport does not inflate gzip, and identity is always allowed.
  return {{"Accept", "*/*"}, {"X-Robinhood-API-Version", o.api_version}};
}

HttpRequestSpec get(const RequestOptions& o, RequestKind kind, std::string target) {
  HttpRequestSpec r;
  r.method = "GET";
  r.target = std::move(target);
  r.headers = standard_headers(o);
  r.kind = kind;
  return r;
}

HttpRequestSpec post_form(const RequestOptions& o, RequestKind kind, std::string target,
                          const Params& form, bool idempotent) {
  HttpRequestSpec r;
  r.method = "POST";
  r.target = std::move(target);
  r.headers = standard_headers(o);
  r.body = form_encode(form);
  r.content_type = std::string(kFormContentType);
  r.idempotent = idempotent;
  r.kind = kind;
  return r;
}

// Python's str(bool), which is what requests puts in a form for True/False.
const char* python_bool(bool b) { return b ? "True" : "False"; }

std::optional<FieldError> check_order_id(std::string_view id) {
  if (id.empty()) return FieldError{"order_id", "is required"};
  for (char c : id) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-' || c == '_';
    if (!ok) return FieldError{"order_id", "may contain only letters, digits, '-' and '_'"};
  }
  return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

std::string redact_form(std::string_view body) {
  std::string out;
  while (!body.empty()) {
    auto amp = body.find('&');
    auto pair = body.substr(0, amp);
    auto eq = pair.find('=');
    auto name = pair.substr(0, eq);
    if (!out.empty()) out += '&';
    auto decoded = form_unescape(name);
    if (eq != std::string_view::npos && decoded && is_secret(*decoded)) {
      out += name;
      out += "=***";
    } else {
      out += pair;
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return out;
}

std::string session_of(const PlaceOrderParams& p) {
  return p.market_hours.empty() ? std::string(market_hours_for(p.extended_hours)) : p.market_hours;
}

// The broker's order-form rules (docs/simulator.md "Order form"), checked before anything is sent.
std::optional<FieldError> check_order_form(const RequestOptions& o, const PlaceOrderParams& p) {
  if (!p.tradeable)
    return FieldError{"symbol", p.symbol + " is not tradeable at the broker (instrument tradeable=false)"};
  if (p.min_tick_size && p.min_tick_size->units() > 0 && p.price.units() % p.min_tick_size->units() != 0)
    return FieldError{"price", p.price.to_string(2) + " is not a multiple of the instrument's min_tick_size " +
                                   p.min_tick_size->to_string(2)};
  std::string h = session_of(p);
  if (h != "regular_hours" && h != "extended_hours" && h != "all_day_hours")
    return FieldError{"market_hours", "must be regular_hours, extended_hours or all_day_hours"};
  if (p.extended_hours != (h != "regular_hours"))
    return FieldError{"market_hours", h + " disagrees with extended_hours=" + python_bool(p.extended_hours) +
                                          " (regular_hours goes with False, the others with True)"};
  if (o.order_form_version < 2)
    return FieldError{"order_form_version", "must be 2 or more (the broker refuses older order forms)"};
  return std::nullopt;
}

}  // namespace

std::string_view to_string(RequestKind kind) noexcept {
  switch (kind) {
    case RequestKind::login: return "login";
    case RequestKind::refresh: return "refresh";
    case RequestKind::account: return "account";
    case RequestKind::instrument: return "instrument";
    case RequestKind::quotes: return "quotes";
    case RequestKind::place_order: return "place_order";
    case RequestKind::get_order: return "get_order";
    case RequestKind::list_orders: return "list_orders";
    case RequestKind::cancel_order: return "cancel_order";
    case RequestKind::positions: return "positions";
    case RequestKind::verification: return "verification";
  }
  return "unknown";
}

std::string HttpRequestSpec::redacted() const {
  std::string out = method + " " + target + " [" + std::string(to_string(kind)) + "]";
  for (const auto& [name, value] : headers) {
    bool secret = iequals(name, "authorization") || iequals(name, "cookie");
    out += " " + name + ": " + (secret ? "***" : value) + ";";
  }
  if (body.empty()) return out;
  if (content_type.starts_with("application/x-www-form-urlencoded"))
    return out + " body: " + redact_form(body);
  return out + " body: <" + std::to_string(body.size()) + " bytes>";
}

std::pair<std::string, std::string> authorization_header(std::string_view token_type,
                                                         std::string_view access_token) {
  std::string type = token_type.empty() ? std::string("Bearer") : std::string(token_type);
  return {"Authorization", type + " " + std::string(access_token)};
}

HttpRequestSpec login_request(const RequestOptions& o, const LoginParams& p) {
  Params form = {
      {"client_id", o.client_id},
      {"expires_in", std::to_string(p.expires_in)},
      {"grant_type", "password"},
      {"password", p.password},
      {"scope", p.scope},
      {"username", p.username},
      {"challenge_type", p.challenge_type},
      {"device_token", p.device_token},
      {"try_passkeys", python_bool(false)},
      {"token_request_path", "/login"},
      {"create_read_only_secondary_token", python_bool(true)},
  };
  if (!p.request_id.empty()) form.emplace_back("request_id", p.request_id);
  if (p.mfa_code) form.emplace_back("mfa_code", *p.mfa_code);
  // Safe to repeat after a lost response: a second grant only mints another token.
  auto r = post_form(o, RequestKind::login, make_target(o.base, "/oauth2/token/"), form, true);
  r.authenticated = false;
  return r;
}

HttpRequestSpec refresh_request(const RequestOptions& o, std::string_view refresh_token,
                                std::string_view device_token) {
  Params form = {
      {"client_id", o.client_id},
      {"expires_in", "86400"},
      {"grant_type", "refresh_token"},
      {"refresh_token", std::string(refresh_token)},
      {"scope", "internal"},
  };
  if (!device_token.empty()) form.emplace_back("device_token", std::string(device_token));
  // Never safe to repeat: refresh tokens are single-use, so a lost reply may already have spent
  // this one (and rotated it into a token we never saw). The session machine decides.
  auto r = post_form(o, RequestKind::refresh, make_target(o.base, "/oauth2/token/"), form, false);
  r.authenticated = false;
  return r;
}

namespace {

HttpRequestSpec verification_request(const RequestOptions& o, std::string method, std::string path,
                                     const boost::json::object* body) {
  HttpRequestSpec r = get(o, RequestKind::verification, make_target(o.base, path));
  r.method = std::move(method);
  if (body) {
    r.body = boost::json::serialize(*body);
    r.content_type = "application/json";
  }
  // No token yet: the device is being approved so that one can be granted.
  r.authenticated = false;
  return r;
}

}  // namespace

HttpRequestSpec user_machine_request(const RequestOptions& o, std::string_view device_token,
                                     std::string_view workflow_id) {
  boost::json::object body{{"device_id", device_token},
                           {"flow", "suv"},
                           {"input", boost::json::object{{"workflow_id", workflow_id}}}};
  return verification_request(o, "POST", "/pathfinder/user_machine/", &body);
}

HttpRequestSpec inquiry_request(const RequestOptions& o, std::string_view machine_id) {
  return verification_request(o, "GET", "/pathfinder/inquiries/" + std::string(machine_id) + "/user_view/", nullptr);
}

HttpRequestSpec prompt_status_request(const RequestOptions& o, std::string_view challenge_id) {
  return verification_request(o, "GET", "/push/" + std::string(challenge_id) + "/get_prompts_status/", nullptr);
}

HttpRequestSpec challenge_response_request(const RequestOptions& o, std::string_view challenge_id,
                                           std::string_view code) {
  boost::json::object body{{"response", code}};
  return verification_request(o, "POST", "/challenge/" + std::string(challenge_id) + "/respond/", &body);
}

HttpRequestSpec inquiry_continue_request(const RequestOptions& o, std::string_view machine_id) {
  boost::json::object body{{"sequence", 0}, {"user_input", boost::json::object{{"status", "continue"}}}};
  return verification_request(o, "POST", "/pathfinder/inquiries/" + std::string(machine_id) + "/user_view/",
                              &body);
}

HttpRequestSpec accounts_request(const RequestOptions& o) {
  return get(o, RequestKind::account,
             make_target(o.base, "/accounts/", {{"default_to_all_accounts", "true"}}));
}

HttpRequestSpec instrument_request(const RequestOptions& o, std::string_view symbol) {
  return get(o, RequestKind::instrument,
             make_target(o.base, "/instruments/", {{"symbol", std::string(symbol)}}));
}

HttpRequestSpec quotes_request(const RequestOptions& o, const std::vector<std::string>& symbols) {
  std::string joined;
  for (const auto& s : symbols) {
    if (!joined.empty()) joined += ',';
    joined += s;
  }
  return get(o, RequestKind::quotes, make_target(o.base, "/quotes/", {{"symbols", joined}}));
}

std::string_view market_hours_for(bool extended_hours) noexcept {
  return extended_hours ? "extended_hours" : "regular_hours";
}

checked<HttpRequestSpec> place_order_request(const RequestOptions& o, const PlaceOrderParams& p) {
  if (auto e = validate_symbol(p.symbol)) return *e;
  if (auto e = validate_quantity(p.quantity)) return *e;
  if (p.price.is_zero() || p.price.is_negative()) return FieldError{"price", "must be greater than 0"};
  if (!is_uuid(p.ref_id)) return FieldError{"ref_id", "must be a UUID"};
  if (p.account_url.empty()) return FieldError{"account", "is required (the account's url)"};
  if (p.instrument_url.empty()) return FieldError{"instrument", "is required (the instrument's url)"};
  if (auto e = check_order_form(o, p)) return *e;
  Params form = {
      {"account", p.account_url},
      {"instrument", p.instrument_url},
      {"symbol", p.symbol},
      {"price", p.price.to_string(2)},
  };
  if (p.ask_price) form.emplace_back("ask_price", p.ask_price->to_string(2));
  if (p.bid_price) form.emplace_back("bid_price", p.bid_price->to_string(2));
  if (p.bid_ask_timestamp) form.emplace_back("bid_ask_timestamp", format_iso8601(*p.bid_ask_timestamp));
  form.insert(form.end(), {
      {"quantity", p.quantity.to_string()},
      {"ref_id", p.ref_id},
      {"type", "limit"},
      {"time_in_force", p.time_in_force == TimeInForce::gtc ? "gtc" : "gfd"},
      {"trigger", "immediate"},
      {"side", p.side == Side::buy ? "buy" : "sell"},
      {"market_hours", session_of(p)},
      {"extended_hours", python_bool(p.extended_hours)},
      {"order_form_version", std::to_string(o.order_form_version)},
  });
  return post_form(o, RequestKind::place_order, make_target(o.base, "/orders/"), form, false);
}

checked<HttpRequestSpec> get_order_request(const RequestOptions& o, std::string_view order_id) {
  if (auto e = check_order_id(order_id)) return *e;
  return get(o, RequestKind::get_order,
             make_target(o.base, "/orders/" + percent_encode(order_id) + "/"));
}

HttpRequestSpec list_orders_request(const RequestOptions& o, std::optional<Timestamp> updated_since) {
  Params query;
  if (updated_since) query.emplace_back("updated_at[gte]", format_iso8601(*updated_since));
  return get(o, RequestKind::list_orders, make_target(o.base, "/orders/", query));
}

checked<HttpRequestSpec> cancel_order_request(const RequestOptions& o, std::string_view order_id) {
  if (auto e = check_order_id(order_id)) return *e;
  // Idempotent: cancelling twice cannot cancel anything else; the second gets a 4xx at worst.
  return post_form(o, RequestKind::cancel_order,
                   make_target(o.base, "/orders/" + percent_encode(order_id) + "/cancel/"), {}, true);
}

HttpRequestSpec positions_request(const RequestOptions& o) {
  return get(o, RequestKind::positions, make_target(o.base, "/positions/", {{"nonzero", "true"}}));
}

checked<HttpRequestSpec> next_page_request(const RequestOptions& o, RequestKind kind,
                                           std::string_view next_url) {
  auto target = resolve_next(o.base, next_url);
  if (!target) return FieldError{"next", target.error().message()};
  return get(o, kind, std::move(*target));
}

}  // namespace oms::gateway
