#pragma once
/// config.json: the broker connection and the `order_management` block (seed FR-003). Every
/// value is validated with an error that names the field and the rule; unknown keys are errors,
/// so a typo never falls back to a default silently. Money-like values are parsed exactly.
#include "messages/codec.hpp"
#include "messages/money.hpp"
#include "messages/order.hpp"

#include <boost/describe/enum.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace oms::config {

BOOST_DEFINE_ENUM_CLASS(OffsetMode, bps, absolute)
/// What the fat-finger collar does when it has no quote to judge against (GET /quotes/ failed
/// or named no price): refuse the order (fail closed, the default), or send it unchecked.
BOOST_DEFINE_ENUM_CLASS(MissingQuote, refuse, allow)

/// "~/x" → "$HOME/x" (paths in config.json are written for a shell user); other paths, and
/// every path when HOME is not set, are returned unchanged.
std::string expand_home(const std::string& path);

/// How far from the reference price limits are placed (seed: PriceOffsetConfig).
struct PriceOffsetConfig {
  OffsetMode offset_mode = OffsetMode::bps;
  Decimal buy_offset = Decimal::from_units(15 * Decimal::kOne);   ///< bps, or dollars when absolute
  Decimal sell_offset = Decimal::from_units(10 * Decimal::kOne);
  Decimal max_slippage_pct = Decimal::from_units(Decimal::kOne / 2);  ///< 0.5 %
};

/// A strategy's overrides; each absent field falls back to the global value.
struct StrategyOverride {
  std::optional<OffsetMode> offset_mode;
  std::optional<Decimal> buy_offset;
  std::optional<Decimal> sell_offset;
  std::optional<Decimal> max_slippage_pct;
};

/// Broker-call retries (FR-008, NFR-006).
struct RetryConfig {
  int max_attempts = 3;
  int base_delay_ms = 250;
  int max_delay_ms = 5000;
  int jitter_pct = 20;  ///< each delay varies by up to ± this share
};

/// Client-side pacing that keeps the bot inside the broker's request budget (defaults: Robinhood's
/// buckets as rh-sim models them — 20 requests per 15 s, 8 order POSTs per 15 s).
struct RateLimitConfig {
  int burst = 20;         ///< token bucket: requests allowed at once
  int per_second = 20;    ///< token bucket: sustained rate (the windows below bind first by default)
  int window_requests = 20;        ///< requests of any kind in any window_s
  int window_s = 15;
  int order_window_requests = 8;   ///< order POSTs in any order_window_s
  int order_window_s = 15;
  int reserved_for_cancels = 4;    ///< places kept back from submissions and polls for the kill switch
  /// A broker wait longer than this (429 Retry-After, "Expected available in N seconds") is not
  /// slept: the request fails at once with the broker's wait stated. Other lanes are not held.
  int max_broker_wait_s = 60;
};

/// Socket deadlines for broker requests.
struct TimeoutConfig {
  int connect_ms = 3000;
  int request_ms = 10000;
};

/// Settling an order whose outcome is unknown (actors/settlement_fsm.hpp): the owner looks it up
/// by ref_id in the background until the broker shows it or proves it absent.
struct SettlementConfig {
  int quiet_ms = 60'000;       ///< absence is proven only by a listing begun this long after the last attempt
  int base_delay_ms = 1000;    ///< first look-up backoff, doubling
  int max_delay_ms = 30'000;   ///< backoff cap
  int timeout_s = 900;         ///< gives up after this (the key stays reserved as unresolved)
  int wait_ms = 60'000;        ///< how long an identical request waits for the outcome
};

/// Everything under "order_management".
struct OrderManagementConfig {
  PriceOffsetConfig offsets;
  std::map<std::string, StrategyOverride, std::less<>> strategy_overrides;
  Decimal price_collar_pct = Decimal::from_units(5 * Decimal::kOne);  ///< fat-finger guard vs the quote; 0 = off
  MissingQuote price_collar_on_missing_quote = MissingQuote::refuse;
  RetryConfig retry;
  int poll_interval_s = 15;
  std::string journal_path = "logs/orders.jsonl";
  /// The owner's control socket (docs/control-protocol.md); empty: `<journal_path>.sock`.
  std::string control_socket;
  RateLimitConfig rate_limit;
  TimeoutConfig timeouts;
  int pool_size = 4;   ///< connections kept open between bursts
  int pool_max = 64;   ///< connections the pool may grow to when work is waiting (a cancel-all)
  int kill_switch_deadline_s = 30;  ///< a kill switch run reports what it could not confirm by then
  int account_cache_ttl_s = 30;
  int breaker_consecutive_failures = 5;  ///< broker failures in a row that trip the breaker
  SettlementConfig settlement;

  /// The offsets a strategy uses: its overrides field by field, else the global values.
  PriceOffsetConfig offsets_for(std::string_view strategy) const;
  /// control_socket, or `<journal_path>.sock` when it is not set.
  std::string control_socket_path() const { return control_socket.empty() ? journal_path + ".sock" : control_socket; }
};

/// Where the broker is.
struct BrokerConfig {
  std::string base_url = "https://api.robinhood.com";
  std::string ca_file;  ///< extra CA bundle (e.g. the simulator's certificate); system store otherwise
  std::string api_version = "1.431.4";
  int order_form_version = 4;  ///< sent with every order; Robinhood refuses forms below 2
  std::string token_path = expand_home("~/.config/oms/token.json");
};

/// The operator console (docs/runbook.md, "The console"): a web page and /metrics served by the
/// journal's owner. Off unless `listen` is set (or `oms serve --http` gives it).
struct ConsoleConfig {
  /// "127.0.0.1:8470" (port 0 picks a free one); loopback only: the console has no TLS. Empty: off.
  std::string listen;
  /// A second token that only reads GET /metrics (a Prometheus scraper's), ≥ 32 characters;
  /// empty: /metrics takes the console's own token.
  std::string scrape_token;
};

/// Where alerts go (docs/runbook.md, "Alerts"): a webhook, a command, either or both. Off when neither is set.
struct AlertsConfig {
  std::string webhook_url;    ///< JSON POST, retried with backoff; http:// or https://
  std::string command;        ///< run with /bin/sh -c, the alert as JSON on its stdin
  int command_timeout_s = 10;  ///< a command still running then is killed
  int queue_limit = 256;       ///< alerts waiting for delivery; beyond it the oldest are dropped (and counted)
  int session_warning_s = 3600;  ///< "session expiring" this long before the broker session ends
  /// The Task Success guardrail (seed: P95 submission > 1500 ms sustained 10 min): the P95 over
  /// the last `p95_window_s`, breached once it has stayed above 1500 ms for `p95_sustain_s`.
  int p95_window_s = 60;
  int p95_sustain_s = 600;
  bool enabled() const { return !webhook_url.empty() || !command.empty(); }
};

/// The whole config.json.
struct Config {
  ExecutionMode mode = ExecutionMode::paper;
  BrokerConfig broker;
  OrderManagementConfig order_management;
  ConsoleConfig console;
  AlertsConfig alerts;
};

/// The rule `console.listen` breaks, or empty when "host:port" is a loopback address and a port.
std::string check_console_listen(std::string_view listen);

/// Parses config.json text. Errors name the field ("order_management.buy_offset") and the rule.
/// `~` in the file paths (journal_path, broker.token_path, broker.ca_file) is expanded; relative
/// paths stay relative (to the working directory).
checked<Config> parse_config(std::string_view json_text);
/// Reads and parses a file; a missing or unreadable file is an error naming the path. Relative
/// file paths (also the defaults, e.g. logs/orders.jsonl) resolve against the file's folder, so
/// a bot or `oms` run from any folder finds the same journal.
checked<Config> load_config(const std::string& path);
/// What load_config does to the file paths: `~` expanded, then a relative path made absolute
/// against `base_dir` (when not empty).
void resolve_paths(Config& config, const std::filesystem::path& base_dir);
/// Live mode talks to the broker over TLS: a plain http:// base_url is refused unless its host
/// is loopback (a local simulator). Null when the URL is acceptable for the mode.
std::optional<FieldError> check_broker_url(const Config& config);

}  // namespace oms::config
