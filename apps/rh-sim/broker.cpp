// The Broker's front door: request routing, faults, throttling, the request log, and the
// passage of time. Logins, tokens and device verification are in auth_api.cpp.
#include "apps/rh-sim/broker.hpp"

#include "apps/rh-sim/replies.hpp"
#include "gateway/totp.hpp"

#include <boost/json.hpp>

namespace rhsim {
namespace json = boost::json;
using namespace detail;
using oms::Price;
using oms::Quantity;
using oms::Timestamp;

namespace {

constexpr std::size_t kMaxLoggedRequests = 100'000;

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// "/orders/1b2c…/cancel/" → "/orders/{id}/cancel/" so tests can count round trips per route.
std::string route_of(std::string_view path) {
  std::string out;
  while (!path.empty()) {
    std::size_t slash = path.find('/', 1);
    std::string_view segment = path.substr(0, slash);
    out += is_uuid(segment.substr(1)) ? std::string("/{id}") : std::string(segment);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
  }
  return out;
}

}  // namespace

Broker::Broker(Options options, Timestamp now)
    : options_(std::move(options)), rng_(options_.seed), verification_(options_) {
  if (options_.symbols.empty()) options_.symbols = default_universe();
  if (!options_.mfa_secret.empty()) {
    auto key = oms::gateway::base32_decode(options_.mfa_secret);
    if (key) mfa_key_ = *key;
  }
  reset(now);
}

void Broker::configure_throttle() {
  throttle_.configure(options_.throttle, options_.throttle_requests, options_.throttle_window_s,
                      options_.throttle_order_requests, options_.throttle_order_window_s);
}

void Broker::reset(Timestamp now) {
  rng_ = Rng(options_.seed);
  market_.reset(options_.symbols, now);
  account_ = Account{};
  account_.cash = or_value(Price::parse(options_.buying_power), Price{});
  account_.updated_at = now;
  orders_.clear();
  order_index_.clear();
  cancels_pending_.clear();
  ref_ids_.clear();
  faults_.clear();
  configure_throttle();
  request_log_.clear();
  request_counts_.clear();
  order_seq_ = 0;
  random_walk_ = auto_fill_ = options_.auto_market;
  market_open_ = true;
  last_walk_ = now;
  lot_size_ = or_value(Quantity::parse(options_.lot_size), Quantity{});
}

std::chrono::milliseconds Broker::tick_interval() const {
  return std::chrono::milliseconds(options_.tick_ms > 0 ? options_.tick_ms : 10);
}

void Broker::log(const std::string& line) const {
  if (log_ && options_.log) log_(line);
}

void Broker::record(const SimRequest& request, const std::string& path, unsigned status,
                    const std::string& fault, Timestamp now) {
  std::string line = "rh-sim " + oms::format_iso8601(now) + " " + request.method + " " + path +
                     " -> " + std::to_string(status);
  if (!fault.empty()) line += " [fault " + fault + "]";
  log(line);
  if (starts_with(path, "/_sim/")) return;
  request_log_.push_back({++request_seq_, now, request.method, path, status, fault});
  if (request_log_.size() > kMaxLoggedRequests) request_log_.pop_front();
  ++request_counts_[request.method + " " + route_of(path)];
}

SimReply Broker::handle(const SimRequest& request, Timestamp now) {
  auto [path, query] = split_target(request.target);
  settle_cancels(now);
  if (starts_with(path, "/_sim/")) {
    Reply reply = dispatch_admin(request, path, now);
    record(request, path, reply.status, "", now);
    return reply;
  }
  Reply reply;
  std::string fault_kind;
  if (auto fault = take_fault(request.method, path)) {
    fault_kind = fault->kind;
    reply = apply_fault(*fault, request, path, query, now);
  } else {
    reply = dispatch_api(request, path, query, now);
  }
  reply.hold_ms += options_.latency_ms;
  record(request, path, reply.transport == Transport::respond ? reply.status : 0, fault_kind, now);
  return reply;
}

SimReply Broker::dispatch_api(const SimRequest& request, const std::string& path,
                              const Params& query, Timestamp now) {
  const std::string& m = request.method;
  // Every request counts, login included (robin_stocks #304); order POSTs also have their own.
  if (auto wait = throttle_.admit(m == "POST" && path == "/orders/", now)) {
    Reply reply = detail_reply(
        429, "Request was throttled. Expected available in " + std::to_string(*wait) + " seconds.");
    reply.headers.emplace_back("Retry-After", std::to_string(*wait));
    return reply;
  }
  if (path == "/oauth2/token/" || path == "/oauth2/token") return token_endpoint(request, now);
  // The verification flow runs before there is a token.
  if (starts_with(path, "/pathfinder/") || starts_with(path, "/challenge/") || starts_with(path, "/push/"))
    return verification_api(request, path, now);
  if (auto denied = authenticate(request, now)) return *denied;

  if (starts_with(path, "/accounts/") && m == "GET") return get_accounts(path);
  if (path == "/positions/" && m == "GET") return get_positions(query);
  if (starts_with(path, "/instruments/") && m == "GET") return get_instruments(path, query);
  if (starts_with(path, "/quotes/") && m == "GET") return get_quotes(path, query);
  if (path == "/orders/") {
    if (m == "POST") return place_order(body_params(request), now);
    if (m == "GET") return list_orders(query);
    return detail_reply(405, "Method \"" + m + "\" not allowed.");
  }
  if (starts_with(path, "/orders/")) {
    std::string_view rest = std::string_view(path).substr(8);
    std::size_t slash = rest.find('/');
    std::string_view id = rest.substr(0, slash);
    std::string_view tail = slash == std::string_view::npos ? "" : rest.substr(slash);
    if ((tail == "/" || tail.empty()) && m == "GET") return get_order(id);
    if (tail == "/cancel/" && m == "POST") return cancel_order(id, now);
  }
  return not_found();
}

std::optional<Fault> Broker::take_fault(const std::string& method, const std::string& path) {
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->method != method || !starts_with(path, it->path)) continue;
    // A cancel race only makes sense on a cancel; don't let it eat an order POST.
    bool is_cancel = path.size() >= 8 && path.ends_with("/cancel/");
    if (it->kind == "fill_during_cancel" && !is_cancel) continue;
    Fault fault = *it;
    if (--it->count <= 0) faults_.erase(it);
    return fault;
  }
  return std::nullopt;
}

SimReply Broker::apply_fault(const Fault& fault, const SimRequest& request, const std::string& path,
                             const Params& query, Timestamp now) {
  const std::string& k = fault.kind;
  Reply reply;
  if (k == "delay" || k == "drop_after_accept") {
    reply = dispatch_api(request, path, query, now);
    if (k == "delay") reply.hold_ms += fault.delay_ms;
    else reply.transport = Transport::drop;
  } else if (k == "fill_during_cancel") {
    // The fill races ahead of the cancel: the order completes at its limit (or the touch)
    // before the cancel is looked at, so the cancel finds nothing left to cancel.
    std::string_view rest = std::string_view(path).substr(std::min<std::size_t>(8, path.size()));
    if (Order* order = find_order_mut(rest.substr(0, rest.find('/')))) {
      Price price;
      if (!marketable(*order, price)) price = or_value(order->price, price);
      if (order->open() && !price.is_zero()) fill(*order, order->remaining(), price, now);
    }
    reply = dispatch_api(request, path, query, now);
  } else if (k == "timeout") {
    if (fault.process) reply = dispatch_api(request, path, query, now);
    reply.transport = Transport::timeout;
  } else if (k == "reset") {
    reply.transport = Transport::reset;
  } else if (k == "http_429") {
    reply = detail_reply(429, "Request was throttled. Expected available in " +
                                  std::to_string(fault.retry_after_s) + " seconds.");
    reply.headers.emplace_back("Retry-After", std::to_string(fault.retry_after_s));
  } else if (k == "http_500") {
    reply = detail_reply(500, "A server error occurred.");
  } else {
    // Gateways in front of the API answer 502/503 with HTML, not JSON.
    unsigned status = k == "http_502" ? 502 : 503;
    reply.status = status;
    reply.content_type = "text/html";
    reply.body = "<html><body><h1>" + std::to_string(status) +
                 (status == 502 ? " Bad Gateway" : " Service Unavailable") + "</h1></body></html>";
  }
  return reply;
}

void Broker::advance(Timestamp now) {
  if (random_walk_ && options_.walk_interval_ms > 0 &&
      now - last_walk_ >= std::chrono::milliseconds(options_.walk_interval_ms)) {
    market_.walk(rng_, now);
    last_walk_ = now;
  }
  for (Order& order : orders_) {
    if (!order.open()) continue;
    if (order.state == OrderState::unconfirmed && order.confirm_at && now >= *order.confirm_at) {
      order.state = market_open_ ? OrderState::confirmed : OrderState::queued;
      order.updated_at = now;
    } else if (order.state == OrderState::queued && market_open_) {
      order.state = OrderState::confirmed;
      order.updated_at = now;
    }
    if (auto_fill_ && (order.state == OrderState::confirmed || order.state == OrderState::partially_filled))
      auto_fill(order, now);
    // Day orders do not outlive the session (pyrh #65).
    if (order.open() && order.expires_at && now >= *order.expires_at) close(order, OrderState::cancelled, now);
  }
  settle_cancels(now);  // after this tick's fills: a fill that lands first wins over the cancel
  verification_.expire(now);
}

void Broker::settle_cancels(Timestamp now) {
  std::erase_if(cancels_pending_, [&](std::size_t i) {
    Order& order = orders_[i];
    if (order.open() && now >= *order.cancel_at) close(order, OrderState::cancelled, now);
    return !order.open();
  });
}

Order* Broker::find_order_mut(std::string_view id) {
  auto it = order_index_.find(id);
  return it == order_index_.end() ? nullptr : &orders_[it->second];
}

const Order* Broker::find_order(std::string_view id) const {
  auto it = order_index_.find(id);
  return it == order_index_.end() ? nullptr : &orders_[it->second];
}

}  // namespace rhsim
