#pragma once
// The gateway's state, shared by its two halves: gateway.cpp (calls, rate limiting, orders) and
// gateway_session.cpp (login, device approval, refresh, the session keeper). Private to them.
#include "gateway/gateway.hpp"
#include "gateway/rate_limiter.hpp"
#include "gateway/retry.hpp"
#include "gateway/session_fsm.hpp"
#include "gateway/session_state.hpp"
#include "gateway/token_store.hpp"
#include "gateway/url.hpp"

#include <boost/asio/steady_timer.hpp>

namespace oms::gateway {

// Touched only on the gateway's strand.
struct Gateway::Impl : std::enable_shared_from_this<Gateway::Impl> {
  // A login or refresh in progress: later callers wait for it instead of starting another.
  struct LoginFlight {
    explicit LoginFlight(const runtime::strand_type& s)
        : done(s, boost::asio::steady_timer::time_point::max()) {}
    boost::asio::steady_timer done;
    std::optional<BrokerError> error;
    bool finished = false;
  };
  struct Admission {
    explicit Admission(const runtime::strand_type& s) : signal(s, boost::asio::steady_timer::time_point::max()) {}
    boost::asio::steady_timer signal;
    bool granted = false;
  };

  Impl(runtime::Runtime& rt, runtime::strand_type strand, GatewayOptions o, BaseUrl base);

  Timestamp now() const { return runtime.clock().now(); }

  // --- calls (gateway.cpp) ---
  /// One broker call with authentication, rate limiting, classification and retries.
  /// `answers_4xx`: a 4xx other than 408/429 is an answer (the session machine reads its body).
  runtime::awaitable<BrokerResult<HttpResponse>> call(HttpRequestSpec spec, Lane lane, bool answers_4xx = false);
  runtime::awaitable<bool> admit(Lane lane);
  /// Waits (cancellably) until an order POST fits the broker's order budget, then counts it.
  runtime::awaitable<bool> admit_order_post();
  void grant_ready(Timestamp& wake_at);
  /// The broker's wait on this lane is longer than the cap: the call fails with it stated.
  std::optional<BrokerError> beyond_wait_cap(Lane lane);
  BrokerError wait_too_long(Lane lane, Timestamp until) const;
  runtime::awaitable<BrokerResult<Account>> get_account(bool fresh);
  runtime::awaitable<BrokerResult<Instrument>> get_instrument(std::string symbol);
  runtime::awaitable<BrokerResult<PlacedOrder>> place(OrderIntent intent);
  runtime::awaitable<BrokerResult<std::vector<BrokerOrder>>> list(std::optional<Timestamp> since,
                                                                  bool stop_at_first_match, std::string ref_id,
                                                                  Lane lane = Lane::poll);
  runtime::awaitable<BrokerResult<std::optional<BrokerOrder>>> find_ref(std::string ref_id, Timestamp since);
  /// find_ref with retries after a failed listing (`until_found`: also while it lacks the ref_id).
  runtime::awaitable<BrokerResult<std::optional<BrokerOrder>>> look_up(std::string ref_id, Timestamp since, int tries,
                                                                       bool until_found);
  runtime::awaitable<BrokerResult<std::vector<std::optional<Quote>>>> get_quotes(std::vector<std::string> symbols);
  runtime::awaitable<BrokerResult<BrokerOrder>> get_order(std::string order_id);
  runtime::awaitable<BrokerResult<std::vector<BrokerOrder>>> open_orders(Lane lane = Lane::poll);
  runtime::awaitable<BrokerResult<void>> cancel(std::string order_id);
  runtime::awaitable<BrokerResult<std::vector<Position>>> get_positions();
  runtime::awaitable<std::optional<std::string>> symbol_of(std::string instrument_url);
  runtime::awaitable<GatewayStats> get_stats();
  void remember(const Instrument& i) { symbol_by_url[i.url] = i.symbol; }

  // --- the session (gateway_session.cpp) ---
  void load_stored_session();
  /// A usable access token for the next request: the current one, a refreshed one, or (with no
  /// session at all) one password login per process.
  runtime::awaitable<BrokerResult<void>> ensure_token();
  runtime::awaitable<BrokerResult<void>> renew();
  runtime::awaitable<BrokerResult<void>> refresh();
  runtime::awaitable<BrokerResult<void>> password_login(SessionSettings settings, const LoginInteraction* ui);
  runtime::awaitable<BrokerResult<SessionInfo>> interactive_login(LoginInteraction ui);
  /// Runs the session machine from `step` until it grants or refuses.
  runtime::awaitable<SessionStep> drive(SessionFsm& fsm, SessionStep step, const LoginInteraction* ui);
  runtime::awaitable<SessionInfo> info();
  /// A 401 on a request: the access token is no longer good, whatever its expiry says.
  void token_refused() { access_refused = true; }
  bool usable(Timestamp at) const;
  /// Another process (`oms login`, a refresh) may have stored a newer session: use it.
  bool adopt_stored_if_newer();
  /// Writes the session (tokens, device, origin) atomically; false (logged) when it cannot.
  bool store(const StoredSession& s);
  /// The device token is written before the first login attempt, so every retry is one device.
  std::optional<BrokerError> store_device_first();
  void granted(const Granted& grant, SessionOrigin origin);
  void start_keeper();
  runtime::awaitable<void> keep_session();
  runtime::awaitable<void> keep_once();
  /// Logs `session.expiring` for each mark crossed (from the keeper, or lazily from calls).
  void note_expiry();
  /// New submissions are refused once the session cannot be renewed (cancels still go).
  std::optional<BrokerError> submissions_refused() const;

  runtime::Runtime& runtime;
  runtime::strand_type strand;
  GatewayOptions options;
  RequestOptions request_options;
  std::shared_ptr<ConnectionPool> pool;
  Scheduler scheduler;
  RequestWindow order_posts;  // the broker's separate budget for POST /orders/
  std::map<std::uint64_t, std::shared_ptr<Admission>> admissions;
  std::uint64_t next_admission = 0;
  RetryPolicy retry;
  std::mt19937_64 rng;

  StoredSession session;       // tokens and device, mirrored in options.token_path
  SessionKeeping keeping;      // refresh failures and expiry warnings already logged
  bool device_stored = false;  // the device token is on disk (or there is no disk to keep it)
  bool access_refused = false; // the broker answered 401 to the current access token
  bool password_tried = false; // one password login per process, never a loop
  std::optional<BrokerError> latched;  // a login problem: `oms login` fixes it, retrying does not
  std::shared_ptr<LoginFlight> flight;
  boost::asio::steady_timer keeper_signal;  // cancelled to make the keeper look again
  bool keeper_wanted = false;   // keep_session_alive() was called
  bool keeper_running = false;

  std::optional<Account> account;
  std::map<std::string, Instrument, std::less<>> instruments;
  std::map<std::string, std::string, std::less<>> symbol_by_url;
  GatewayStats stats;
  bool closed = false;
};

}  // namespace oms::gateway
