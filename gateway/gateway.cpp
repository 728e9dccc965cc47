#include "gateway/gateway.hpp"

#include "gateway/ids.hpp"
#include "gateway/outcome.hpp"
#include "gateway/rate_limiter.hpp"
#include "gateway/retry.hpp"
#include "gateway/token_store.hpp"
#include "gateway/totp.hpp"
#include "gateway/url.hpp"
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

std::string_view to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::validation: return "validation";
    case ErrorKind::insufficient_funds: return "insufficient_funds";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::unauthorized: return "unauthorized";
    case ErrorKind::forbidden: return "forbidden";
    case ErrorKind::throttled: return "throttled";
    case ErrorKind::server: return "server";
    case ErrorKind::network: return "network";
    case ErrorKind::ambiguous_unresolved: return "ambiguous_unresolved";
    case ErrorKind::login_required: return "login_required";
    case ErrorKind::protocol: return "protocol";
    case ErrorKind::cancelled: return "cancelled";
  }
  return "unknown";
}

std::string BrokerError::to_string() const {
  std::string out(gateway::to_string(kind));
  if (http_status) out += " (HTTP " + std::to_string(http_status) + ")";
  if (!detail.empty()) out += ": " + detail;
  if (attempts > 1) out += " after " + std::to_string(attempts) + " attempts";
  return out;
}

void throw_exception_from_error(const BrokerError& e, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error(e.to_string()), loc);
}

Credentials Credentials::from_environment() {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  return Credentials{env("RH_USERNAME"), env("RH_PASSWORD"), env("RH_MFA_SECRET"), env("RH_MFA_CODE")};
}

// ---------------------------------------------------------------------------------------------
// State, touched only on the gateway's strand.
struct Gateway::Impl : std::enable_shared_from_this<Gateway::Impl> {
  struct Token {
    std::string access;
    std::string refresh;
    std::string type = "Bearer";
    Timestamp expires_at{};
  };
  // A login in progress: later callers wait for it instead of logging in again.
  struct LoginFlight {
    explicit LoginFlight(const runtime::strand_type& s) : done(s, asio::steady_timer::time_point::max()) {}
    asio::steady_timer done;
    std::optional<BrokerError> error;
    bool finished = false;
  };

  Impl(runtime::Runtime& rt, runtime::strand_type strand, GatewayOptions o, BaseUrl base)
      : runtime(rt), strand(strand), options(std::move(o)),
        request_options{std::move(base), options.api_version, std::string(kClientId), options.order_form_version},
        pool(std::make_shared<ConnectionPool>(
            strand, Endpoint{request_options.base.tls, request_options.base.host, std::to_string(request_options.base.port)},
            options.pool)),
        scheduler(TokenBucket::per_second(options.rate_limit.burst, options.rate_limit.per_second, rt.clock().now())),
        retry{options.retry.max_attempts, options.retry.base_delay, options.retry.max_delay, options.retry.jitter_pct * 10},
        rng(options.retry.seed ? options.retry.seed : std::random_device{}()) {
    load_stored_session();
    if (device_token.empty()) device_token = options.device_token.empty() ? new_device_token() : options.device_token;
  }

  // A stored session saves a login (and keeps the device token the broker already trusts).
  void load_stored_session() {
    if (options.token_path.empty()) return;
    auto stored = load_session(options.token_path);
    if (!stored) {
      if (stored.error().code != token_store_errc::not_found) {
        store_error = BrokerError{FailureClass::permanent, ErrorKind::login_required, 0, stored.error().message, 0};
        log::error("broker.token_store_refused", {{"reason", stored.error().message}});
      }
      return;
    }
    device_token = options.device_token.empty() ? stored->device_token : options.device_token;
    token = Token{stored->access_token, stored->refresh_token, stored->token_type, stored->expires_at};
  }
  void save_stored_session() {
    if (options.token_path.empty() || !token) return;
    StoredSession s{token->access, token->refresh, token->type, token->expires_at, device_token};
    if (auto saved = save_session(options.token_path, s); !saved)
      log::error("broker.token_store_write_failed", {{"reason", saved.error().message}});
  }

  // Waits for the rate limiter's go-ahead; cancels are admitted before submissions and polls.
  awaitable<bool> admit(Lane lane);
  void grant_ready(Timestamp& wake_at);

  Timestamp now() const { return runtime.clock().now(); }

  awaitable<BrokerResult<HttpResponse>> call(HttpRequestSpec spec, Lane lane);
  awaitable<BrokerResult<void>> ensure_token(bool force_fresh);
  awaitable<BrokerResult<void>> do_login();
  awaitable<BrokerResult<void>> password_grant();
  awaitable<BrokerResult<bool>> refresh_grant();
  awaitable<BrokerResult<Account>> get_account(bool fresh);
  awaitable<BrokerResult<Instrument>> get_instrument(std::string symbol);
  awaitable<BrokerResult<PlacedOrder>> place(OrderIntent intent);
  awaitable<BrokerResult<std::vector<BrokerOrder>>> list(std::optional<Timestamp> since, bool stop_at_first_match,
                                                         std::string ref_id);
  awaitable<BrokerResult<std::optional<BrokerOrder>>> find_ref(std::string ref_id, Timestamp since);
  awaitable<BrokerResult<std::vector<std::optional<Quote>>>> get_quotes(std::vector<std::string> symbols);
  awaitable<BrokerResult<BrokerOrder>> get_order(std::string order_id);
  awaitable<BrokerResult<std::vector<BrokerOrder>>> open_orders();
  awaitable<BrokerResult<void>> cancel(std::string order_id);
  awaitable<BrokerResult<std::vector<Position>>> get_positions();
  awaitable<std::optional<std::string>> symbol_of(std::string instrument_url);
  awaitable<GatewayStats> get_stats();
  void remember(const Instrument& i) { symbol_by_url[i.url] = i.symbol; }

  runtime::Runtime& runtime;
  runtime::strand_type strand;
  GatewayOptions options;
  RequestOptions request_options;
  std::shared_ptr<ConnectionPool> pool;
  struct Admission {
    explicit Admission(const runtime::strand_type& s) : signal(s, asio::steady_timer::time_point::max()) {}
    asio::steady_timer signal;
    bool granted = false;
  };
  Scheduler scheduler;
  std::map<std::uint64_t, std::shared_ptr<Admission>> admissions;
  std::uint64_t next_admission = 0;
  RetryPolicy retry;
  std::mt19937_64 rng;
  std::optional<BrokerError> store_error;
  std::optional<Token> token;
  std::string device_token;
  std::shared_ptr<LoginFlight> flight;
  std::optional<Account> account;
  std::map<std::string, Instrument, std::less<>> instruments;
  std::map<std::string, std::string, std::less<>> symbol_by_url;
  GatewayStats stats;
  bool closed = false;
};

namespace {

BrokerError cancelled_error() {
  return BrokerError{FailureClass::permanent, ErrorKind::cancelled, 0, "the operation was cancelled", 0};
}

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
awaitable<BrokerResult<HttpResponse>> Gateway::Impl::call(HttpRequestSpec spec, Lane lane) {
  auto self = shared_from_this();
  bool reauthenticated = false;
  for (int attempt = 1;; ++attempt) {
    if (closed) co_return cancelled_error();
    if (!co_await admit(lane)) co_return cancelled_error();
    HttpRequest request = to_http(spec);
    if (spec.authenticated) {
      auto auth = co_await ensure_token(false);
      if (!auth) co_return auth.error();
      request.headers.push_back(authorization_header(token->type, token->access));
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
    if (outcome.unauthorized && spec.authenticated && !reauthenticated) {
      // An expired or revoked token: refresh (or log in again) once, not counted as an attempt.
      reauthenticated = true;
      --attempt;
      if (token) token->expires_at = Timestamp{};  // keep the refresh token: try it first
      continue;
    }
    BrokerError error = outcome.error;
    error.attempts = attempt;
    if (outcome.retry_after) scheduler.pause_until(now() + *outcome.retry_after);  // the broker's budget, not ours
    Failure failure{error.failure, error.reason, error.http_status, error.detail, outcome.retry_after};
    if (!should_retry(retry, failure, attempt)) co_return error;
    if (co_await runtime.clock().sleep_for(next_delay(retry, attempt, outcome.retry_after, rng)))
      co_return cancelled_error();
  }
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

awaitable<BrokerResult<void>> Gateway::Impl::ensure_token(bool force_fresh) {
  auto self = shared_from_this();
  if (store_error) co_return *store_error;
  if (!force_fresh && token && now() + 60s < token->expires_at) co_return BrokerResult<void>();
  if (flight) {  // someone else is logging in: wait for them
    auto f = flight;
    if (!f->finished) co_await f->done.async_wait(as_tuple_awaitable);
    if (!f->finished) co_return cancelled_error();
    if (f->error) co_return *f->error;
    co_return BrokerResult<void>();
  }
  flight = std::make_shared<LoginFlight>(strand);
  auto f = flight;
  auto result = co_await do_login();
  f->finished = true;
  if (!result) f->error = result.error();
  f->done.cancel();
  flight.reset();
  co_return result;
}

awaitable<BrokerResult<void>> Gateway::Impl::do_login() {
  if (token && !token->refresh.empty()) {
    auto refreshed = co_await refresh_grant();
    if (refreshed && *refreshed) co_return BrokerResult<void>();
  }
  co_return co_await password_grant();
}

awaitable<BrokerResult<bool>> Gateway::Impl::refresh_grant() {
  auto spec = refresh_request(request_options, token->refresh, device_token);
  ++stats.refreshes;
  auto response = co_await call(std::move(spec), Lane::cancel);
  if (!response) co_return ok(false);  // fall back to a full login
  auto reply = parse_login_reply(response->body);
  if (!reply || !std::holds_alternative<TokenResponse>(*reply)) co_return ok(false);
  const auto& t = std::get<TokenResponse>(*reply);
  token = Token{t.access_token, t.refresh_token, t.token_type.empty() ? "Bearer" : t.token_type,
                now() + std::chrono::seconds(t.expires_in)};
  log::info("broker.token_refreshed", {{"expires_in_s", t.expires_in}});
  save_stored_session();
  co_return ok(true);
}

awaitable<BrokerResult<void>> Gateway::Impl::password_grant() {
  const Credentials& c = options.credentials;
  if (c.username.empty() || c.password.empty())
    co_return BrokerError{FailureClass::permanent, ErrorKind::login_required, 0,
                          "no Robinhood credentials: set RH_USERNAME and RH_PASSWORD", 0};
  LoginParams params{c.username, c.password, device_token, std::nullopt, new_ref_id()};
  if (!c.mfa_code.empty()) {
    params.mfa_code = c.mfa_code;
  } else if (!c.mfa_secret.empty()) {
    auto key = base32_decode(c.mfa_secret);
    if (!key)
      co_return BrokerError{FailureClass::permanent, ErrorKind::login_required, 0,
                            "RH_MFA_SECRET is not a base32 authenticator secret", 0};
    auto unix_time = std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch());
    params.mfa_code = totp(*key, unix_time);
  }
  ++stats.logins;
  // Token requests use the cancel lane: every other request is waiting on them.
  auto response = co_await call(login_request(request_options, params), Lane::cancel);
  if (!response) {
    BrokerError e = response.error();
    if (e.http_status == 400 || e.http_status == 401) {
      e.kind = ErrorKind::login_required;
      // The broker answers 400 {"mfa_required": true} when the authenticator code is missing.
      bool mfa = e.detail.find("mfa_required") != std::string::npos;
      e.detail = mfa ? "the account requires an authenticator code: set RH_MFA_SECRET (or RH_MFA_CODE)"
                     : "login refused: " + e.detail + " (check RH_USERNAME / RH_PASSWORD / MFA)";
    }
    co_return e;
  }
  auto reply = parse_login_reply(response->body);
  if (!reply) co_return protocol_error(reply.error(), response->status);
  if (std::holds_alternative<MfaRequired>(*reply))
    co_return BrokerError{FailureClass::permanent, ErrorKind::login_required, response->status,
                          "the account requires an authenticator code: set RH_MFA_SECRET (or RH_MFA_CODE)", 1};
  if (!std::holds_alternative<TokenResponse>(*reply))
    co_return BrokerError{FailureClass::permanent, ErrorKind::login_required, response->status,
                          "the broker wants this device verified first: approve the login in the Robinhood app, "
                          "then retry",
                          1};
  const auto& t = std::get<TokenResponse>(*reply);
  token = Token{t.access_token, t.refresh_token, t.token_type.empty() ? "Bearer" : t.token_type,
                now() + std::chrono::seconds(t.expires_in)};
  log::info("broker.logged_in", {{"user", log::mask_identifier(c.username)}, {"expires_in_s", t.expires_in}});
  save_stored_session();
  co_return BrokerResult<void>();
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
                                                                     std::string ref_id) {
  std::vector<BrokerOrder> out;
  auto spec = list_orders_request(request_options, since);
  for (int page_no = 0; page_no < 10'000; ++page_no) {
    auto response = co_await call(spec, Lane::poll);
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

// Exactly once: the same ref_id on every POST; after an ambiguous failure or a "ref_id already
// exists" answer, the order is looked up among recent orders before anything is re-sent.
awaitable<BrokerResult<PlacedOrder>> Gateway::Impl::place(OrderIntent intent) {
  auto self = shared_from_this();
  auto acct = co_await get_account(false);
  if (!acct) co_return acct.error();
  auto inst = co_await get_instrument(intent.symbol);
  if (!inst) co_return inst.error();
  auto spec = place_order_request(request_options, order_params(intent, acct->url, *inst));
  if (!spec) co_return BrokerError{FailureClass::permanent, ErrorKind::validation, 0, spec.error().to_string(), 0};
  // Broker clocks differ from ours: look back a generous margin before the first attempt.
  Timestamp look_since = now() - 5min;
  PlacedOrder placed;
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
    if (e.failure != FailureClass::ambiguous && !duplicate) co_return e;
    // Did the broker take it? Ask before sending again.
    for (int look = 0; look < (duplicate ? 5 : 1); ++look) {
      auto found = co_await find_ref(intent.ref_id, look_since);
      if (!found) co_return BrokerError{FailureClass::ambiguous, ErrorKind::ambiguous_unresolved, 0,
                                        "order state unknown and the look-up failed: " + found.error().to_string(), post};
      if (*found) {
        log::info("broker.order_recovered", {{"ref_id", intent.ref_id}, {"order_id", (*found)->id}, {"posts", post}});
        placed.order = std::move(**found);
        placed.found_by_lookup = true;
        co_return ok(std::move(placed));
      }
      if (duplicate && co_await runtime.clock().sleep_for(next_delay(retry, look + 1, std::nullopt, rng)))
        co_return cancelled_error();
    }
    if (duplicate)
      co_return BrokerError{FailureClass::ambiguous, ErrorKind::ambiguous_unresolved, 400,
                            "the broker says ref_id " + intent.ref_id + " exists but it is not in the order list yet", post};
    if (post < retry.max_attempts && co_await runtime.clock().sleep_for(next_delay(retry, post, std::nullopt, rng)))
      co_return cancelled_error();
  }
  co_return BrokerError{FailureClass::ambiguous, ErrorKind::ambiguous_unresolved, 0,
                        "no answer from the broker and the order is not in its list; resolve ref_id " + intent.ref_id +
                            " before placing it again",
                        placed.posts};
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

awaitable<BrokerResult<std::vector<BrokerOrder>>> Gateway::Impl::open_orders() {
  // Robinhood expires GTC orders after 90 days, so nothing older can still be open.
  auto all = co_await list(now() - std::chrono::hours(24 * 92), false, {});
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

Gateway::~Gateway() = default;

// Each public operation hands its coroutine to the strand and returns the awaitable at once:
// no lambda or temporary is built inside a co_await expression (the GCC 12 trap in
// docs/architecture.md), and `keep` holds the state alive until the operation ends.
namespace {
template <class T, class Self>
awaitable<T> keep([[maybe_unused]] Self self, awaitable<T> op) {  // `self` only holds the state alive
  co_return co_await std::move(op);
}
}  // namespace

template <class T>
awaitable<T> Gateway::on_strand(awaitable<T> op) {
  return runtime::run_on(strand(), keep<T>(impl_, std::move(op)));
}

awaitable<BrokerResult<void>> Gateway::login() { return on_strand(impl_->ensure_token(false)); }
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
    impl->pool->close();
  });
}

}  // namespace oms::gateway
