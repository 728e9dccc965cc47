#pragma once
/// The Robinhood gateway: the only part of the product that speaks to the broker. An actor on
/// the runtime; its operations run on its strand and are awaited from anywhere. Placing an order
/// costs one round trip on the hot path (account and instrument are cached), a retry never
/// creates a second order (same ref_id, look-up before re-sending), and every failure comes back
/// classified with the broker's own words. The session (login, device approval, refresh) is
/// decided by SessionFsm and kept by session_state; gateway_session.cpp only carries them out.
#include "gateway/broker.hpp"
#include "gateway/classify.hpp"
#include "gateway/connection_pool.hpp"
#include "gateway/parse.hpp"
#include "gateway/requests.hpp"
#include "gateway/session_fsm.hpp"
#include "gateway/session_state.hpp"
#include "runtime/actor.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

namespace oms::gateway {

/// Retry policy for broker calls (FR-008, NFR-006).
struct RetrySettings {
  int max_attempts = 3;
  std::chrono::milliseconds base_delay{250};
  std::chrono::milliseconds max_delay{5000};
  int jitter_pct = 20;
  std::uint64_t seed = 0;  ///< 0: seeded from the OS
};

/// Client-side pacing that keeps the bot inside the broker's request budget, so it never meets a
/// 429 in normal use. The defaults are Robinhood's buckets as rh-sim models them
/// (docs/simulator.md): 20 requests of any kind per 15 s, and 8 order POSTs per 15 s on top.
struct RateLimitSettings {
  int burst = 20;       ///< token bucket: requests at once
  int per_second = 20;  ///< token bucket: sustained rate (the window below is what binds)
  /// A broker wait (429 Retry-After, "Expected available in N seconds") longer than this is not
  /// slept: the call fails at once with the broker's wait stated (a long block, not a throttle).
  std::chrono::milliseconds max_broker_wait{60000};
  int window_requests = 20;  ///< requests of any kind in any `window`
  std::chrono::milliseconds window{15000};
  int order_window_requests = 8;  ///< order POSTs in any `order_window`
  std::chrono::milliseconds order_window{15000};
  /// Places kept back from submissions and polls: the kill switch has first claim on the budget.
  int reserved_for_cancels = 4;
};

/// How the login goes when a person is there (`oms login`).
struct LoginSettings {
  std::chrono::seconds approval_timeout{300};     ///< waiting for the app's approval
  std::chrono::milliseconds poll_interval{2000};  ///< between approval polls
};

/// How a person answers the broker during `oms login`. Both may block: `oms login` drives its
/// own io_context and has nothing else to do meanwhile.
struct LoginInteraction {
  /// The broker wants the login approved in the Robinhood app; called on each poll with the
  /// time left.
  std::function<void(std::chrono::seconds left)> awaiting_approval;
  /// A code for the question (sms, email or authenticator); nullopt when none can be had.
  std::function<std::optional<std::string>(const AskCode& question)> read_code;
};

/// Hooks for the owner's metrics (console/metrics.hpp), called on the gateway's strand: each
/// must only bump a counter (they run on the order path).
struct GatewayObserver {
  std::function<void(std::string_view endpoint, int status)> request;  ///< status 0: no HTTP answer
  std::function<void()> rate_limit_wait;  ///< a request waited for the client-side rate limiter
};

/// Everything the gateway is built with.
struct GatewayOptions {
  std::string base_url = "https://api.robinhood.com";
  std::string api_version = "1.431.4";
  int order_form_version = 4;  ///< sent with every order; Robinhood refuses old forms (below 2)
  PoolOptions pool;
  RetrySettings retry;
  RateLimitSettings rate_limit;
  std::string token_path;    ///< file (mode 0600) keeping tokens and the device token; empty: memory only
  std::string device_token;  ///< empty: from the token file, else a new one (stored before first use)
  Credentials credentials;
  LoginSettings login;
  GatewayObserver observer;
};

/// Counters for tests and benchmarks.
struct GatewayStats {
  std::size_t requests = 0;  ///< HTTP requests sent (all attempts)
  std::size_t logins = 0;
  std::size_t refreshes = 0;
  std::size_t connections_opened = 0;  ///< TCP/TLS connections the pool opened (reuse keeps it low)
  std::size_t connections_open = 0;    ///< connections open now, in use or idle
};

class Gateway final : public runtime::Actor<Gateway>, public Broker {
 public:
  Gateway(runtime::Runtime& rt, GatewayOptions options, std::string name = "gateway");
  ~Gateway() override;

  /// Logs in now (otherwise the first call does). Uses the stored token when still valid; a
  /// process with no session logs in with the password once, and a verification workflow is
  /// `login_required` (never a wait, never a second password attempt).
  runtime::awaitable<BrokerResult<void>> login();
  /// `oms login`: a fresh password login from the stored device, walking the device approval
  /// with a person (approve in the app, or type the sms/email/authenticator code).
  runtime::awaitable<BrokerResult<SessionInfo>> login_interactive(LoginInteraction interaction);
  /// The session as `oms session` and the health answer show it.
  runtime::awaitable<std::optional<SessionInfo>> session_info() override;
  /// For long-running owners (a polling bot, `oms serve`): keeps the session alive in the
  /// background — refreshes it ahead of expiry and logs `session.expiring` 24 h and 1 h before —
  /// until close(). Others renew it when they next call the broker (the background timer would
  /// keep a one-shot command's io_context busy).
  void keep_session_alive();
  /// The trading account (cached after the first call).
  runtime::awaitable<BrokerResult<Account>> account() override;
  runtime::awaitable<BrokerResult<Account>> refresh_account() override;
  /// The instrument for a symbol (cached); not_found for an unknown symbol.
  runtime::awaitable<BrokerResult<Instrument>> instrument(std::string symbol) override;
  /// Bid and ask for symbols in one request.
  runtime::awaitable<BrokerResult<std::vector<std::optional<Quote>>>> quotes(std::vector<std::string> symbols) override;
  /// Exactly-once limit order placement (see the header comment).
  runtime::awaitable<BrokerResult<PlacedOrder>> place_limit_order(OrderIntent intent) override;
  /// One order by id.
  runtime::awaitable<BrokerResult<BrokerOrder>> get_order(std::string order_id) override;
  /// Orders updated at or after `since` (every page), or the whole history when null.
  runtime::awaitable<BrokerResult<std::vector<BrokerOrder>>> list_orders(std::optional<Timestamp> since) override;
  /// Open orders only, without walking the whole history (orders updated in the last `window`).
  runtime::awaitable<BrokerResult<std::vector<BrokerOrder>>> list_open_orders() override;
  /// The order with this ref_id among orders updated since `since`, or nullopt.
  runtime::awaitable<BrokerResult<std::optional<BrokerOrder>>> find_by_ref_id(std::string ref_id, Timestamp since) override;
  runtime::awaitable<BrokerResult<std::vector<BrokerOrder>>> list_orders_for_cancel(std::optional<Timestamp> since,
                                                                                    bool open_only) override;
  /// Asks the broker to cancel; not_found when it is no longer cancellable.
  runtime::awaitable<BrokerResult<void>> cancel_order(std::string order_id) override;
  /// Holdings.
  runtime::awaitable<BrokerResult<std::vector<Position>>> positions() override;

  /// The symbol of an instrument URL seen before (responses carry no symbol).
  runtime::awaitable<std::optional<std::string>> symbol_for_instrument(std::string instrument_url) override;
  runtime::awaitable<GatewayStats> stats();
  /// Closes the connection pool; later calls fail with `cancelled`.
  void close() override;
  ExecutionMode mode() const override { return ExecutionMode::live; }

 private:
  friend struct runtime::ActorAccess;
  struct Impl;
  template <class T>
  runtime::awaitable<T> on_strand(runtime::awaitable<T> op);
  std::shared_ptr<Impl> impl_;
};

}  // namespace oms::gateway
