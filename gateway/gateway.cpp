// The gateway's calls: rate limiting, authentication, classification, retries, and the broker
// operations. The session half (login, approval, refresh, keeper) is gateway_session.cpp.
#include "gateway/gateway_impl.hpp"

#include "gateway/ids.hpp"
#include "gateway/outcome.hpp"
#include "runtime/log.hpp"
#include "runtime/run_on.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/throw_exception.hpp>

#include <cstdlib>
#include <stdexcept>

namespace oms::gateway {
namespace asio = boost::asio;
namespace json = boost::json;
using runtime::as_tuple_awaitable;
using runtime::awaitable;
using runtime::use_awaitable;
using namespace std::chrono_literals;

Gateway::Impl::Impl(runtime::Runtime& rt, runtime::strand_type strand, GatewayOptions o, BaseUrl base)
    : runtime(rt), strand(strand), options(std::move(o)),
      request_options{std::move(base), options.api_version, std::string(kClientId), options.order_form_version},
      pool(std::make_shared<ConnectionPool>(
          strand, Endpoint{request_options.base.tls, request_options.base.host, std::to_string(request_options.base.port)},
          options.pool)),
      scheduler(TokenBucket::per_second(options.rate_limit.burst, options.rate_limit.per_second, rt.clock().now()),
                RequestWindow(options.rate_limit.window_requests, options.rate_limit.window),
                options.rate_limit.reserved_for_cancels),
      order_posts(options.rate_limit.order_window_requests, options.rate_limit.order_window),
      retry{options.retry.max_attempts, options.retry.base_delay, options.retry.max_delay, options.retry.jitter_pct * 10,
            options.rate_limit.max_broker_wait},
      rng(options.retry.seed ? options.retry.seed : std::random_device{}()),
      keeper_signal(strand, asio::steady_timer::time_point::max()) {
  load_stored_session();
}

namespace {

BrokerError protocol_error(const FieldError& e, int status) {
  return BrokerError{FailureClass::permanent, ErrorKind::protocol, status,
                     "unexpected broker response: " + e.to_string(), 1};
}

HttpRequest to_http(const HttpRequestSpec& spec) {
  HttpRequest r;
  r.method = spec.method;
  r.target = spec.target;
  r.headers = spec.headers;
  r.body = spec.body;
  r.content_type = spec.content_type;
  return r;
}

template <class T>
BrokerResult<T> ok(T value) {
  return BrokerResult<T>(boost::system::in_place_value, std::move(value));
}


// The order form for an intent: the session from extended_hours, the quote the collar checked,
// and how the instrument trades, so that place_order_request refuses before any POST what the
// broker would refuse.
PlaceOrderParams order_params(const OrderIntent& intent, const std::string& account_url, const Instrument& inst) {
  PlaceOrderParams p{account_url, inst.url, intent.symbol, intent.limit_price, intent.quantity, intent.ref_id,
                     intent.side, intent.time_in_force, intent.extended_hours};
  p.market_hours = std::string(market_hours_for(intent.extended_hours));  // never all_day_hours: not offered
  p.ask_price = intent.ask_price;
  p.bid_price = intent.bid_price;
  p.bid_ask_timestamp = intent.bid_ask_timestamp;
  p.min_tick_size = inst.min_tick_size;
  p.tradeable = inst.tradeable;
  return p;
}

}  // namespace

// One broker call with authentication, rate limiting, classification and retries. Returns the
// 2xx response, or the classified failure. Ambiguous failures are returned, never retried here:
// only the caller knows how to settle them (place_order looks the ref_id up).
awaitable<BrokerResult<HttpResponse>> Gateway::Impl::call(HttpRequestSpec spec, Lane lane, bool answers_4xx) {
  auto self = shared_from_this();
  bool reauthenticated = false;
  for (int attempt = 1;; ++attempt) {
    if (closed) co_return cancelled_error();
    if (auto held = beyond_wait_cap(lane)) co_return *held;
    if (!co_await admit(lane)) co_return cancelled_error();
    if (spec.kind == RequestKind::place_order && !co_await admit_order_post()) co_return cancelled_error();
    HttpRequest request = to_http(spec);
    if (spec.authenticated) {
      auto auth = co_await ensure_token();
      if (!auth) co_return auth.error();
      request.headers.push_back(authorization_header(session.token_type, session.access_token));
    }
    auto started = std::chrono::steady_clock::now();
    auto response = co_await pool->send(std::move(request), lane);
    auto latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    ++stats.requests;
    if (options.observer.request) options.observer.request(to_string(spec.kind), response ? response->status : 0);
    Outcome outcome = response ? outcome_of(spec, *response, reauthenticated) : outcome_of(spec, response.error(), reauthenticated);
    log::write(outcome.ok ? log::Level::info : log::Level::warning, "broker.request",
               {{"request", spec.redacted()}, {"kind", to_string(spec.kind)}, {"attempt", attempt},
                {"latency_ms", latency_ms}, {"status", response ? response->status : 0},
                {"outcome", outcome.summary()}});
    if (outcome.ok) co_return ok(std::move(*response));
    // The session machine reads refusals itself (a verification workflow comes as a 403).
    bool answer = response && response->status >= 400 && response->status < 500 && response->status != 408 &&
                  response->status != 429;
    if (answers_4xx && answer) co_return ok(std::move(*response));
    if (outcome.unauthorized && spec.authenticated && !reauthenticated) {
      // The token was refused: renew it once (refresh, or another process's newer session);
      // not counted as an attempt.
      reauthenticated = true;
      --attempt;
      token_refused();
      continue;
    }
    BrokerError error = outcome.error;
    error.attempts = attempt;
    // The broker's stated wait holds this lane only: a poll's throttle never delays a cancel.
    // Session requests ride the cancel lane for priority, but their throttle is their own.
    bool session_request = spec.kind == RequestKind::login || spec.kind == RequestKind::refresh ||
                           spec.kind == RequestKind::verification;
    if (outcome.retry_after && !session_request)
      scheduler.pause(static_cast<Priority>(static_cast<int>(lane)), now() + *outcome.retry_after);
    if (outcome.retry_after && *outcome.retry_after > options.rate_limit.max_broker_wait)
      co_return wait_too_long(lane, now() + *outcome.retry_after);
    // A throttled cancel goes back to the kill switch with the broker's wait: it retries within
    // its own deadline and reports the wait per order, rather than sleeping here blindly.
    error.retry_after = outcome.retry_after;
    if (outcome.retry_after && lane == Lane::cancel && !session_request) co_return error;
    Failure failure{error.failure, error.reason, error.http_status, error.detail, outcome.retry_after};
    if (!should_retry(retry, failure, attempt)) co_return error;
    if (co_await runtime.clock().sleep_for(next_delay(retry, attempt, outcome.retry_after, rng)))
      co_return cancelled_error();
  }
}

std::optional<BrokerError> Gateway::Impl::beyond_wait_cap(Lane lane) {
  auto until = scheduler.paused_until(static_cast<Priority>(static_cast<int>(lane)), now());
  if (!until || *until - now() <= options.rate_limit.max_broker_wait) return std::nullopt;
  return wait_too_long(lane, *until);
}

BrokerError Gateway::Impl::wait_too_long(Lane lane, Timestamp until) const {
  auto secs = std::chrono::ceil<std::chrono::seconds>(until - now()).count();
  auto cap = std::chrono::ceil<std::chrono::seconds>(options.rate_limit.max_broker_wait).count();
  static constexpr const char* kLaneNames[] = {"cancel", "order", "read"};
  return BrokerError{FailureClass::transient, ErrorKind::throttled, 429,
                     std::string("the broker asked to wait ") + std::to_string(secs) + " s before more " +
                         kLaneNames[static_cast<int>(lane)] + " requests (until " + format_iso8601(until) +
                         "); that is longer than the " + std::to_string(cap) + " s cap, so nothing was sent",
                     0, FailureReason::throttled, std::chrono::duration_cast<std::chrono::milliseconds>(until - now())};
}

// Hands out every go-ahead the scheduler allows now; `wake_at` is when to ask again.
void Gateway::Impl::grant_ready(Timestamp& wake_at) {
  for (;;) {
    auto decision = scheduler.next(now());
    if (auto* d = std::get_if<Dispatch>(&decision)) {
      auto it = admissions.find(d->id);
      if (it == admissions.end()) continue;
      it->second->granted = true;
      it->second->signal.cancel();
      continue;
    }
    if (auto* w = std::get_if<WaitUntil>(&decision)) wake_at = w->at;
    return;
  }
}

awaitable<bool> Gateway::Impl::admit(Lane lane) {
  auto self = shared_from_this();
  std::uint64_t id = next_admission++;
  auto admission = std::make_shared<Admission>(strand);
  admissions.emplace(id, admission);
  scheduler.enqueue(id, static_cast<Priority>(static_cast<int>(lane)));
  auto wait_signal = [](std::shared_ptr<Admission> a) -> awaitable<void> {
    co_await a->signal.async_wait(as_tuple_awaitable);
  };
  for (bool waited = false;; waited = true) {
    Timestamp wake_at = now();
    grant_ready(wake_at);
    if (admission->granted) {
      if (waited && options.observer.rate_limit_wait) options.observer.rate_limit_wait();
      break;
    }
    using namespace asio::experimental::awaitable_operators;
    auto woke = co_await (wait_signal(admission) || runtime.clock().sleep_for(std::max(wake_at - now(), runtime::Duration(1))));
    auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
    if (cancelled || closed || (woke.index() == 1 && std::get<1>(woke) && !admission->granted)) {
      scheduler.remove(id);
      admissions.erase(id);
      co_return false;
    }
  }
  admissions.erase(id);
  co_return true;
}

awaitable<bool> Gateway::Impl::admit_order_post() {
  auto self = shared_from_this();
  for (;;) {
    auto wait = order_posts.wait_for(now());
    if (wait.count() == 0) break;
    if (closed || co_await runtime.clock().sleep_for(wait)) co_return false;
  }
  order_posts.take(now());
  co_return true;
}

awaitable<BrokerResult<Account>> Gateway::Impl::get_account(bool fresh) {
  if (account && !fresh) co_return ok(*account);
  auto response = co_await call(accounts_request(request_options), Lane::submit);
  if (!response) co_return response.error();
  auto page = parse_accounts(response->body);
  if (!page) co_return protocol_error(page.error(), response->status);
  if (page->results.empty())
    co_return BrokerError{FailureClass::permanent, ErrorKind::not_found, response->status,
                          "the login has no brokerage account", 1};
  account = page->results.front();
  co_return ok(*account);
}

awaitable<BrokerResult<Instrument>> Gateway::Impl::get_instrument(std::string symbol) {
  if (auto it = instruments.find(symbol); it != instruments.end()) co_return ok(it->second);
  auto response = co_await call(instrument_request(request_options, symbol), Lane::submit);
  if (!response) co_return response.error();
  auto page = parse_instruments(response->body);
  if (!page) co_return protocol_error(page.error(), response->status);
  for (auto& i : page->results) {
    if (i.symbol != symbol) continue;
    remember(i);
    instruments[symbol] = i;
    co_return ok(i);
  }
  co_return BrokerError{FailureClass::permanent, ErrorKind::not_found, response->status,
                        "no instrument for symbol " + symbol, 1};
}

// Walks the order list (updated since `since`), following `next` links on the same host.
awaitable<BrokerResult<std::vector<BrokerOrder>>> Gateway::Impl::list(std::optional<Timestamp> since,
                                                                     bool stop_at_first_match,
                                                                     std::string ref_id, Lane lane) {
  std::vector<BrokerOrder> out;
  auto spec = list_orders_request(request_options, since);
  for (int page_no = 0; page_no < 10'000; ++page_no) {
    auto response = co_await call(spec, lane);
    if (!response) co_return response.error();
    auto page = parse_order_page(response->body);
    if (!page) co_return protocol_error(page.error(), response->status);
    for (auto& o : page->results) {
      bool match = stop_at_first_match && o.ref_id && *o.ref_id == ref_id;
      out.push_back(std::move(o));
      if (match) co_return ok(std::move(out));
    }
    if (!page->next) break;
    auto next = next_page_request(request_options, RequestKind::list_orders, *page->next);
    if (!next) co_return protocol_error(next.error(), response->status);
    spec = std::move(*next);
  }
  co_return ok(std::move(out));
}

awaitable<BrokerResult<std::optional<BrokerOrder>>> Gateway::Impl::find_ref(std::string ref_id, Timestamp since) {
  auto orders = co_await list(since, true, ref_id);
  if (!orders) co_return orders.error();
  for (auto& o : *orders)
    if (o.ref_id && *o.ref_id == ref_id) co_return ok(std::optional<BrokerOrder>(std::move(o)));
  co_return ok(std::optional<BrokerOrder>());
}

// The ref_id look-up after an ambiguous POST, with its own retries: a failed listing is asked
// again after a backoff (the shell used to give up on the first failure and call the order
// unresolved). `until_found`: the broker said the ref_id exists, so keep looking while the
// listing does not show it yet.
awaitable<BrokerResult<std::optional<BrokerOrder>>> Gateway::Impl::look_up(std::string ref_id, Timestamp since,
                                                                          int tries, bool until_found) {
  auto self = shared_from_this();
  std::optional<BrokerError> last_error;
  for (int look = 1; look <= tries; ++look) {
    auto found = co_await find_ref(ref_id, since);
    if (found && (*found || !until_found)) co_return found;
    if (found) last_error.reset();
    else {
      last_error = found.error();
      log::warn("broker.look_up_failed", {{"ref_id", ref_id}, {"look", look}, {"error", last_error->to_string()}});
      if (last_error->kind == ErrorKind::cancelled) break;
    }
    if (look < tries && co_await runtime.clock().sleep_for(next_delay(retry, look, std::nullopt, rng))) {
      last_error = cancelled_error();
      break;
    }
  }
  if (last_error) co_return *last_error;
  co_return ok(std::optional<BrokerOrder>());
}

// Exactly once: the same ref_id on every POST; after an ambiguous failure or a "ref_id already
// exists" answer, the order is looked up among recent orders before anything is re-sent. Once
// any attempt may have reached the broker, the outcome stays ambiguous until the order is found:
// a re-send that then fails (transiently or for good — even "insufficient funds", which the
// first attempt may be the cause of) says nothing about the first attempt, so it is never
// reported as "nothing was placed".
awaitable<BrokerResult<PlacedOrder>> Gateway::Impl::place(OrderIntent intent) {
  auto self = shared_from_this();
  // A session that cannot be renewed still cancels and polls until it expires, but opens nothing.
  if (auto refused = submissions_refused()) co_return *refused;
  auto acct = co_await get_account(false);
  if (!acct) co_return acct.error();
  auto inst = co_await get_instrument(intent.symbol);
  if (!inst) co_return inst.error();
  // The look-ups above may have found the session unrenewable: still nothing is opened.
  if (auto refused = submissions_refused()) co_return *refused;
  auto spec = place_order_request(request_options, order_params(intent, acct->url, *inst));
  if (!spec) co_return BrokerError{FailureClass::permanent, ErrorKind::validation, 0, spec.error().to_string(), 0};
  // Broker clocks differ from ours: look back a generous margin before the first attempt.
  Timestamp look_since = now() - 5min;
  PlacedOrder placed;
  bool may_exist = false;  // an earlier attempt may have reached the broker
  auto unresolved = [&](std::string why) {
    return BrokerError{FailureClass::ambiguous, ErrorKind::ambiguous_unresolved, 0,
                       std::move(why) + "; resolve ref_id " + intent.ref_id + " before placing it again", placed.posts};
  };
  for (int post = 1; post <= retry.max_attempts; ++post) {
    placed.posts = post;
    auto response = co_await call(*spec, Lane::submit);
    if (response) {
      auto order = parse_order(response->body);
      if (!order) co_return protocol_error(order.error(), response->status);
      placed.order = std::move(*order);
      co_return ok(std::move(placed));
    }
    const BrokerError& e = response.error();
    bool duplicate = is_duplicate_ref_id(e);
    // A cancelled POST may have been written before it was cancelled.
    bool doubtful = e.failure == FailureClass::ambiguous || duplicate || e.kind == ErrorKind::cancelled;
    if (!doubtful) {
      if (!may_exist) co_return e;
      co_return unresolved("an earlier attempt may be at the broker, and the re-send failed: " + e.to_string());
    }
    may_exist = true;
    if (e.kind == ErrorKind::cancelled) co_return unresolved("cancelled while the order was being sent");
    // Did the broker take it? Ask (retrying a failed look-up) before sending again.
    std::string ref_id = intent.ref_id;
    auto found = co_await look_up(std::move(ref_id), look_since, duplicate ? 5 : retry.max_attempts, duplicate);
    if (!found) co_return unresolved("order state unknown and the look-up failed: " + found.error().to_string());
    if (*found) {
      log::info("broker.order_recovered", {{"ref_id", intent.ref_id}, {"order_id", (*found)->id}, {"posts", post}});
      placed.order = std::move(**found);
      placed.found_by_lookup = true;
      co_return ok(std::move(placed));
    }
    if (duplicate)
      co_return BrokerError{FailureClass::ambiguous, ErrorKind::ambiguous_unresolved, 400,
                            "the broker says ref_id " + intent.ref_id + " exists but it is not in the order list yet", post};
    if (post < retry.max_attempts && co_await runtime.clock().sleep_for(next_delay(retry, post, std::nullopt, rng)))
      co_return unresolved("cancelled between attempts");
  }
  co_return unresolved("no answer from the broker and the order is not in its list");
}

awaitable<BrokerResult<std::vector<std::optional<Quote>>>> Gateway::Impl::get_quotes(std::vector<std::string> symbols) {
  auto response = co_await call(quotes_request(request_options, symbols), Lane::submit);
  if (!response) co_return response.error();
  auto page = parse_quotes(response->body);
  if (!page) co_return protocol_error(page.error(), response->status);
  co_return ok(std::move(page->results));
}

awaitable<BrokerResult<BrokerOrder>> Gateway::Impl::get_order(std::string order_id) {
  auto spec = get_order_request(request_options, order_id);
  if (!spec) co_return BrokerError{FailureClass::permanent, ErrorKind::validation, 0, spec.error().to_string(), 0};
  auto response = co_await call(std::move(*spec), Lane::poll);
  if (!response) co_return response.error();
  auto order = parse_order(response->body);
  if (!order) co_return protocol_error(order.error(), response->status);
  co_return ok(std::move(*order));
}

awaitable<BrokerResult<std::vector<BrokerOrder>>> Gateway::Impl::open_orders(Lane lane) {
  // Robinhood expires GTC orders after 90 days, so nothing older can still be open.
  auto all = co_await list(now() - std::chrono::hours(24 * 92), false, {}, lane);
  if (!all) co_return all.error();
  std::vector<BrokerOrder> open;
  for (auto& o : *all)
    if (is_open(o)) open.push_back(std::move(o));
  co_return ok(std::move(open));
}

awaitable<BrokerResult<void>> Gateway::Impl::cancel(std::string order_id) {
  auto spec = cancel_order_request(request_options, order_id);
  if (!spec) co_return BrokerError{FailureClass::permanent, ErrorKind::validation, 0, spec.error().to_string(), 0};
  auto response = co_await call(std::move(*spec), Lane::cancel);
  if (!response) co_return response.error();
  co_return BrokerResult<void>();
}

awaitable<BrokerResult<std::vector<Position>>> Gateway::Impl::get_positions() {
  std::vector<Position> out;
  auto spec = positions_request(request_options);
  for (int page_no = 0; page_no < 1000; ++page_no) {
    auto response = co_await call(spec, Lane::poll);
    if (!response) co_return response.error();
    auto page = parse_positions(response->body);
    if (!page) co_return protocol_error(page.error(), response->status);
    for (auto& p : page->results) out.push_back(std::move(p));
    if (!page->next) break;
    auto next = next_page_request(request_options, RequestKind::positions, *page->next);
    if (!next) co_return protocol_error(next.error(), response->status);
    spec = std::move(*next);
  }
  co_return ok(std::move(out));
}

// Order payloads carry an instrument URL, not a symbol. A process that has not looked the
// instrument up yet (a restart, an order placed elsewhere) asks the broker once.
awaitable<std::optional<std::string>> Gateway::Impl::symbol_of(std::string instrument_url) {
  if (auto it = symbol_by_url.find(instrument_url); it != symbol_by_url.end()) co_return it->second;
  auto spec = next_page_request(request_options, RequestKind::instrument, instrument_url);  // same host only
  if (!spec) co_return std::nullopt;
  auto response = co_await call(std::move(*spec), Lane::poll);
  if (!response) co_return std::nullopt;
  auto body = parse_json(response->body);
  if (!body) co_return std::nullopt;
  auto instrument = parse_instrument(*body);
  if (!instrument) co_return std::nullopt;
  remember(*instrument);
  co_return instrument->symbol;
}

awaitable<GatewayStats> Gateway::Impl::get_stats() {
  GatewayStats out = stats;
  out.connections_opened = pool->connections_opened();
  out.connections_open = pool->open_connections();
  co_return out;
}

// ---------------------------------------------------------------------------------------------
// The public face: each operation runs on the gateway's strand.

namespace {
BaseUrl parse_or_throw(const std::string& url) {
  auto base = parse_base_url(url);
  if (!base) throw std::invalid_argument("broker base_url '" + url + "' is not a valid http(s) URL");
  return *base;
}
}  // namespace

Gateway::Gateway(runtime::Runtime& rt, GatewayOptions options, std::string name)
    : Actor(rt, std::move(name)),
      impl_(std::make_shared<Impl>(rt, strand(), options, parse_or_throw(options.base_url))) {}

void Gateway::keep_session_alive() {
  asio::dispatch(strand(), [impl = impl_] {
    impl->keeper_wanted = true;
    impl->start_keeper();
  });
}

Gateway::~Gateway() = default;

// Each public operation hands its coroutine to the strand and returns the awaitable at once:
// no lambda or temporary is built inside a co_await expression (the GCC 12 trap in
// docs/architecture.md), and `keep` holds the state alive until the operation ends.
namespace {
template <class T, class Self>
awaitable<T> keep([[maybe_unused]] Self self, awaitable<T> op) {  // `self` only holds the state alive
  co_return co_await std::move(op);
}
template <class ImplPtr>
awaitable<std::optional<SessionInfo>> session_info_of(ImplPtr impl) {
  co_return co_await impl->info();
}
}  // namespace

template <class T>
awaitable<T> Gateway::on_strand(awaitable<T> op) {
  return runtime::run_on(strand(), keep<T>(impl_, std::move(op)));
}

awaitable<BrokerResult<void>> Gateway::login() { return on_strand(impl_->ensure_token()); }
awaitable<BrokerResult<SessionInfo>> Gateway::login_interactive(LoginInteraction interaction) {
  return on_strand(impl_->interactive_login(std::move(interaction)));
}
awaitable<std::optional<SessionInfo>> Gateway::session_info() {
  return on_strand(session_info_of(impl_));
}
awaitable<BrokerResult<Account>> Gateway::account() { return on_strand(impl_->get_account(false)); }
awaitable<BrokerResult<Account>> Gateway::refresh_account() { return on_strand(impl_->get_account(true)); }
awaitable<BrokerResult<Instrument>> Gateway::instrument(std::string symbol) {
  return on_strand(impl_->get_instrument(std::move(symbol)));
}
awaitable<BrokerResult<std::vector<std::optional<Quote>>>> Gateway::quotes(std::vector<std::string> symbols) {
  return on_strand(impl_->get_quotes(std::move(symbols)));
}
awaitable<BrokerResult<PlacedOrder>> Gateway::place_limit_order(OrderIntent intent) {
  return on_strand(impl_->place(std::move(intent)));
}
awaitable<BrokerResult<BrokerOrder>> Gateway::get_order(std::string order_id) {
  return on_strand(impl_->get_order(std::move(order_id)));
}
awaitable<BrokerResult<std::vector<BrokerOrder>>> Gateway::list_orders(std::optional<Timestamp> since) {
  return on_strand(impl_->list(since, false, {}));
}
awaitable<BrokerResult<std::vector<BrokerOrder>>> Gateway::list_open_orders() { return on_strand(impl_->open_orders()); }
awaitable<BrokerResult<std::vector<BrokerOrder>>> Gateway::list_orders_for_cancel(std::optional<Timestamp> since,
                                                                                  bool open_only) {
  if (open_only) return on_strand(impl_->open_orders(Lane::cancel));
  return on_strand(impl_->list(since, false, {}, Lane::cancel));
}
awaitable<BrokerResult<std::optional<BrokerOrder>>> Gateway::find_by_ref_id(std::string ref_id, Timestamp since) {
  return on_strand(impl_->find_ref(std::move(ref_id), since));
}
awaitable<BrokerResult<void>> Gateway::cancel_order(std::string order_id) {
  return on_strand(impl_->cancel(std::move(order_id)));
}
awaitable<BrokerResult<std::vector<Position>>> Gateway::positions() { return on_strand(impl_->get_positions()); }
awaitable<std::optional<std::string>> Gateway::symbol_for_instrument(std::string instrument_url) {
  return on_strand(impl_->symbol_of(std::move(instrument_url)));
}
awaitable<GatewayStats> Gateway::stats() { return on_strand(impl_->get_stats()); }

void Gateway::close() {
  asio::dispatch(strand(), [impl = impl_] {
    impl->closed = true;
    impl->keeper_signal.cancel();
    impl->pool->close();
  });
}

}  // namespace oms::gateway
