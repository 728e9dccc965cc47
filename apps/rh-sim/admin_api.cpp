// The /_sim/ admin API: JSON in and out, no authentication, never faulted or throttled.
#include "apps/rh-sim/broker.hpp"
#include "apps/rh-sim/replies.hpp"

#include <boost/json.hpp>

namespace rhsim {
namespace json = boost::json;
using namespace detail;
using oms::Price;
using oms::Quantity;
using oms::Timestamp;

namespace {

SimReply admin_error(unsigned status, std::string_view message) {
  return json_reply(status, json::object{{"error", message}});
}

SimReply ok() { return json_reply(200, json::object{{"ok", true}}); }

std::optional<bool> flag(const json::value& body, std::string_view key) {
  auto* obj = body.if_object();
  auto* v = obj ? obj->if_contains(key) : nullptr;
  if (!v || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

std::optional<int> number(const json::value& body, std::string_view key) {
  auto* obj = body.if_object();
  auto* v = obj ? obj->if_contains(key) : nullptr;
  if (!v || !(v->is_int64() || v->is_uint64())) return std::nullopt;
  return static_cast<int>(v->to_number<std::int64_t>());
}

bool known_fault(std::string_view kind) {
  for (std::string_view k : {"delay", "timeout", "drop_after_accept", "http_500", "http_502",
                             "http_503", "http_429", "reset", "fill_during_cancel"})
    if (k == kind) return true;
  return false;
}

}  // namespace

SimReply Broker::dispatch_admin(const SimRequest& request, const std::string& path, Timestamp now) {
  const std::string& m = request.method;
  verification_.expire(now);
  if (path.starts_with("/_sim/devices")) return admin_devices(request, path);
  if (m == "GET") {
    if (path == "/_sim/verifications") return admin_verifications();
    if (path == "/_sim/throttle") return admin_throttle(json::object{});
    if (path == "/_sim/orders") return admin_orders();
    if (path == "/_sim/requests") return admin_requests();
    if (path == "/_sim/state") return admin_state();
    if (path == "/_sim/faults") {
      json::array list;
      for (const Fault& f : faults_)
        list.push_back(json::object{{"method", f.method}, {"path", f.path}, {"kind", f.kind}, {"count", f.count}});
      return json_reply(200, json::object{{"faults", list}});
    }
    return admin_error(404, "no such admin endpoint");
  }
  if (m == "DELETE" && path == "/_sim/faults") {
    faults_.clear();
    return ok();
  }
  if (m != "POST") return admin_error(405, "admin endpoints take GET or POST");
  auto body = body_json(request);
  if (!body || !body->is_object()) return admin_error(400, "body must be a JSON object");
  if (path == "/_sim/price") return admin_price(*body, now);
  if (path == "/_sim/fill") return admin_fill(*body, now);
  if (path == "/_sim/account") return admin_account(*body, now);
  if (path == "/_sim/position") return admin_position(*body, now);
  if (path == "/_sim/reject") return admin_reject(*body, now);
  if (path == "/_sim/faults") return admin_faults(*body);
  if (path == "/_sim/market") return admin_market(*body);
  if (path == "/_sim/throttle") return admin_throttle(*body);
  if (path == "/_sim/instrument") return admin_instrument(*body);
  if (path == "/_sim/tokens") return admin_tokens(*body, now);
  if (path == "/_sim/verifications/approve") return admin_verdict(*body, true);
  if (path == "/_sim/verifications/deny") return admin_verdict(*body, false);
  if (path == "/_sim/reset") {
    reset(now);
    return ok();
  }
  if (path == "/_sim/expire_tokens") {
    for (auto& [token, expiry] : access_tokens_) expiry = now;
    return ok();
  }
  if (path == "/_sim/requests/reset") {
    request_log_.clear();
    request_counts_.clear();
    return ok();
  }
  if (path == "/_sim/end_of_day") {
    // Day orders do not outlive the session; good-till-cancelled ones do.
    for (Order& order : orders_)
      if (order.open() && order.time_in_force == "gfd") close(order, OrderState::cancelled, now);
    return ok();
  }
  if (path == "/_sim/advance") {
    advance(now);
    return ok();
  }
  return admin_error(404, "no such admin endpoint");
}

SimReply Broker::admin_price(const json::value& body, Timestamp now) {
  auto symbol = text_of(body, "symbol");
  auto price_text = text_of(body, "price");
  if (!symbol || !price_text) return admin_error(400, "need symbol and price");
  auto price = Price::parse(*price_text);
  if (!price || price->is_zero()) return admin_error(400, "price must be a positive decimal string");
  std::optional<Price> bid, ask;
  if (auto t = text_of(body, "bid")) bid = or_value(Price::parse(*t), *price);
  if (auto t = text_of(body, "ask")) ask = or_value(Price::parse(*t), *price);
  if (!market_.set_price(*symbol, *price, bid, ask, now)) return admin_error(400, "bid above ask");
  const Instrument* i = market_.by_symbol(*symbol);
  return json_reply(200, quote_json(*i, *market_.quote(*symbol)));
}

SimReply Broker::admin_fill(const json::value& body, Timestamp now) {
  auto id = text_of(body, "order_id");
  Order* order = id ? find_order_mut(*id) : nullptr;
  if (!order) return admin_error(404, "no such order");
  if (!order->open()) return admin_error(409, std::string("order is ") + state_name(order->state));
  Quantity quantity = order->remaining();
  if (auto t = text_of(body, "quantity")) {
    auto q = Quantity::parse(*t);
    if (!q || q->is_zero()) return admin_error(400, "quantity must be a positive decimal string");
    quantity = std::min(*q, quantity);
  }
  Price price;
  if (auto t = text_of(body, "price")) {
    auto p = Price::parse(*t);
    if (!p || p->is_zero()) return admin_error(400, "price must be a positive decimal string");
    price = *p;
  } else if (!marketable(*order, price)) {
    price = or_value(order->price, price);
  }
  if (order->state == OrderState::unconfirmed || order->state == OrderState::queued)
    order->state = OrderState::confirmed;
  fill(*order, quantity, price, now);
  return json_reply(200, order_json(*order));
}

SimReply Broker::admin_account(const json::value& body, Timestamp now) {
  if (auto t = text_of(body, "buying_power")) {
    auto bp = Price::parse(*t);
    if (!bp) return admin_error(400, "buying_power must be a decimal string");
    // Buying power is cash less what open orders hold, so move cash to make it come out right.
    account_.cash = or_value(bp->plus(account_.held_for_orders), *bp);
  }
  if (auto t = text_of(body, "cash")) {
    auto cash = Price::parse(*t);
    if (!cash) return admin_error(400, "cash must be a decimal string");
    account_.cash = *cash;
  }
  account_.updated_at = now;
  return json_reply(200, account_json());
}

SimReply Broker::admin_position(const json::value& body, Timestamp now) {
  auto symbol = text_of(body, "symbol");
  auto qty = text_of(body, "quantity");
  if (!symbol || !qty || !market_.by_symbol(*symbol)) return admin_error(400, "need a known symbol and quantity");
  auto q = Quantity::parse(*qty);
  if (!q) return admin_error(400, "quantity must be a decimal string");
  Position& pos = account_.positions[*symbol];
  if (pos.created_at == Timestamp{}) pos.created_at = now;
  pos.quantity = *q;
  if (auto t = text_of(body, "average_buy_price")) pos.average_buy_price = or_value(Price::parse(*t), Price{});
  pos.updated_at = now;
  return json_reply(200, position_json(*symbol, pos));
}

SimReply Broker::admin_reject(const json::value& body, Timestamp now) {
  auto id = text_of(body, "order_id");
  Order* order = id ? find_order_mut(*id) : nullptr;
  if (!order) return admin_error(404, "no such order");
  if (!order->open()) return admin_error(409, std::string("order is ") + state_name(order->state));
  std::string state = or_value(text_of(body, "state"), "rejected");
  if (state != "rejected" && state != "failed") return admin_error(400, "state is rejected or failed");
  order->reject_reason = or_value(text_of(body, "reason"), "market_closed");
  close(*order, state == "failed" ? OrderState::failed : OrderState::rejected, now);
  return json_reply(200, order_json(*order));
}

SimReply Broker::admin_faults(const json::value& body) {
  Fault f;
  f.method = or_value(text_of(body, "method"), "");
  f.path = or_value(text_of(body, "path"), "");
  f.kind = or_value(text_of(body, "kind"), "");
  f.count = or_value(number(body, "count"), 1);
  f.delay_ms = or_value(number(body, "delay_ms"), 0);
  f.retry_after_s = or_value(number(body, "retry_after_s"), 1);
  f.process = or_value(flag(body, "process"), false);
  if (f.method.empty() || f.path.empty() || !known_fault(f.kind) || f.count < 1)
    return admin_error(400, "need method, path, a known kind and count >= 1");
  faults_.push_back(f);
  log("rh-sim fault armed: " + f.kind + " x" + std::to_string(f.count) + " on " + f.method + " " + f.path);
  return ok();
}

SimReply Broker::admin_market(const json::value& body) {
  if (auto paused = flag(body, "paused")) random_walk_ = auto_fill_ = !*paused;
  if (auto walk = flag(body, "random_walk")) random_walk_ = *walk;
  if (auto fills = flag(body, "auto_fill")) auto_fill_ = *fills;
  if (auto open = flag(body, "open")) market_open_ = *open;
  if (auto ms = number(body, "cancel_delay_ms")) options_.cancel_delay_ms = *ms;
  if (auto ms = number(body, "confirm_delay_ms")) options_.confirm_delay_ms = *ms;
  if (auto lot = text_of(body, "lot_size")) lot_size_ = or_value(Quantity::parse(*lot), lot_size_);
  return json_reply(200, json::object{{"random_walk", random_walk_}, {"auto_fill", auto_fill_},
                                      {"open", market_open_}, {"lot_size", lot_size_.to_string()}});
}

// Setting a budget switches throttling on unless the body says otherwise; every call starts
// the buckets afresh.
SimReply Broker::admin_throttle(const json::value& body) {
  bool budget_given = false;
  auto set = [&](const char* key, int& field) {
    if (auto n = number(body, key)) field = *n, budget_given = true;
  };
  set("requests", options_.throttle_requests);
  set("window_s", options_.throttle_window_s);
  set("order_requests", options_.throttle_order_requests);
  set("order_window_s", options_.throttle_order_window_s);
  if (budget_given) options_.throttle = true;
  if (auto on = flag(body, "enabled")) options_.throttle = *on;
  if (!body.as_object().empty()) configure_throttle();
  return json_reply(200, json::object{{"enabled", options_.throttle},
                                      {"requests", options_.throttle_requests},
                                      {"window_s", options_.throttle_window_s},
                                      {"order_requests", options_.throttle_order_requests},
                                      {"order_window_s", options_.throttle_order_window_s}});
}

// {"symbol":"XYZ","min_tick_size":"0.05"|null,"tradeable":false}: how an instrument trades.
SimReply Broker::admin_instrument(const json::value& body) {
  auto symbol = text_of(body, "symbol");
  const Instrument* inst = symbol ? market_.by_symbol(*symbol) : nullptr;
  if (!inst) return admin_error(400, "need a known symbol");
  std::optional<Price> tick = inst->min_tick;
  const json::value* t = body.as_object().if_contains("min_tick_size");
  if (t && t->is_null()) tick.reset();
  else if (auto text = text_of(body, "min_tick_size")) {
    auto parsed = Price::parse(*text);
    if (!parsed || parsed->is_zero()) return admin_error(400, "min_tick_size must be a positive decimal string or null");
    tick = *parsed;
  }
  bool tradeable = or_value(flag(body, "tradeable"), inst->tradeable);
  market_.set_trading(*symbol, tick, tradeable);
  return json_reply(200, instrument_json(*market_.by_symbol(*symbol)));
}

// A session as a logged-in browser holds it: {"expires_in_s":N} or {"exp":UNIX} (in the past
// for an expired one), optionally {"refresh":true} for a refresh token too.
SimReply Broker::admin_tokens(const json::value& body, Timestamp now) {
  std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::int64_t exp = now_s + options_.token_lifetime_s;
  if (auto in = number(body, "expires_in_s")) exp = now_s + *in;
  const json::value* e = body.as_object().if_contains("exp");
  if (e && (e->is_int64() || e->is_uint64())) exp = e->to_number<std::int64_t>();
  std::string access = mint_access_token(exp, now);
  json::value refresh = nullptr;
  if (or_value(flag(body, "refresh"), false)) refresh = json::value(mint_refresh_token(now));
  Timestamp expires_at{std::chrono::seconds(exp)};
  return json_reply(200, json::object{{"access_token", access}, {"token_type", "Bearer"}, {"exp", exp},
                                      {"expires_at", oms::format_iso8601(expires_at)},
                                      {"refresh_token", refresh}});
}

// Every workflow of the run, newest last. The code is there so a test can type it; the device
// token is not (it is a secret of the client).
SimReply Broker::admin_verifications() const {
  json::array results;
  for (const Workflow& w : verification_.workflows())
    results.push_back(json::object{
        {"id", w.challenge_id}, {"workflow_id", w.id},
        {"machine_id", w.machine_id.empty() ? json::value(nullptr) : json::value(w.machine_id)},
        {"type", w.type}, {"status", status_name(w.status)}, {"workflow_status", w.workflow_status()},
        {"code", w.code.empty() ? json::value(nullptr) : json::value(w.code)},
        {"remaining_attempts", w.attempts_left},
        {"created_at", oms::format_iso8601(w.created_at)}, {"expires_at", oms::format_iso8601(w.expires_at)}});
  return json_reply(200, json::object{{"type", verification_.type()}, {"results", std::move(results)}});
}

// The account holder taps approve (or deny) in the app: {"id":C} for one challenge, {} for
// every pending one. For sms/email, approving stands for typing the right code.
SimReply Broker::admin_verdict(const json::value& body, bool approve) {
  auto id = text_of(body, "id");
  int changed = 0;
  for (Workflow& w : verification_.workflows()) {
    if (id && w.challenge_id != *id) continue;
    if (!w.pending()) {
      if (id) return admin_error(409, std::string("challenge is ") + status_name(w.status));
      continue;
    }
    w.status = approve ? ChallengeStatus::validated : ChallengeStatus::denied;
    ++changed;
    log("rh-sim verification " + w.challenge_id + (approve ? " approved" : " denied") + " by the account holder");
  }
  if (id && changed == 0) return admin_error(404, "no such challenge");
  return json_reply(200, json::object{{approve ? "approved" : "denied", changed}});
}

// GET /_sim/devices → {"count":N}; POST /_sim/devices {"device_token":T} remembers one;
// POST /_sim/devices/forget {} forgets them all (every later login is verified again).
SimReply Broker::admin_devices(const SimRequest& request, const std::string& path) {
  if (request.method == "GET" && path == "/_sim/devices")
    return json_reply(200, json::object{{"count", verification_.known_count()}});
  if (request.method != "POST") return admin_error(405, "admin endpoints take GET or POST");
  auto body = body_json(request);
  if (!body || !body->is_object()) return admin_error(400, "body must be a JSON object");
  if (path == "/_sim/devices/forget") {
    verification_.forget_all();
    return ok();
  }
  auto device = text_of(*body, "device_token");
  if (path != "/_sim/devices" || !device || device->empty()) return admin_error(400, "need device_token");
  verification_.remember(*device);
  return ok();
}

SimReply Broker::admin_orders() const {
  json::array results;
  for (const Order& o : orders_) {
    json::object j = order_json(o);
    j["symbol"] = o.symbol;  // admin-only convenience; the real API never returns it
    auto sent = [](const std::string& text) { return text.empty() ? json::value(nullptr) : json::value(text); };
    j["sent_quote"] = json::object{{"ask_price", sent(o.sent_ask)}, {"bid_price", sent(o.sent_bid)},
                                   {"bid_ask_timestamp", sent(o.sent_bid_ask_timestamp)}};
    results.push_back(std::move(j));
  }
  return json_reply(200, json::object{{"count", orders_.size()}, {"results", std::move(results)}});
}

SimReply Broker::admin_requests() const {
  json::object counts;
  for (const auto& [route, n] : request_counts_) counts[route] = n;
  json::array log;
  for (const LoggedRequest& r : request_log_)
    log.push_back(json::object{{"seq", r.seq}, {"at", oms::format_iso8601(r.at)}, {"method", r.method},
                               {"path", r.path}, {"status", r.status},
                               {"fault", r.fault.empty() ? json::value(nullptr) : json::value(r.fault)}});
  return json_reply(200, json::object{{"total", request_log_.size()}, {"counts", counts}, {"log", log}});
}

SimReply Broker::admin_state() const {
  json::array positions;
  for (const auto& [symbol, p] : account_.positions) {
    json::object j = position_json(symbol, p);
    j["symbol"] = symbol;
    positions.push_back(std::move(j));
  }
  return json_reply(200, json::object{{"account", account_json()}, {"positions", positions},
                                      {"base_url", base_url_}});
}

}  // namespace rhsim
