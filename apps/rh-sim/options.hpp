#pragma once
/// rh-sim's configuration: the CLI, a JSON config file and the library all fill this struct.
/// The defaults are as strict as Robinhood (device verification, throttling, the order form);
/// a test that needs leniency asks for it here, explicitly.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rhsim {

/// One symbol of the universe: its starting price and how its instrument trades.
struct SymbolSpec {
  std::string symbol;
  std::string price;           ///< decimal text, e.g. "250.00"
  std::string min_tick_size;   ///< "" → null (the usual $0.01 / $0.0001 rules); e.g. "0.05"
  bool tradeable = true;
};

/// Everything the simulator can be told at start; the admin API changes some of it at run time.
struct Options {
  std::uint16_t port = 0;  ///< 0 picks a free port
  std::uint64_t seed = 1;  ///< drives ids, tokens and the random walk
  int latency_ms = 0;      ///< added to every broker (non-admin) round trip
  bool tls = false;
  std::string tls_cert_file, tls_key_file;  ///< empty + tls=true → self-signed at start
  std::string user = "demo", password = "demo";
  std::string mfa_secret;                   ///< base32; non-empty → mfa_code required

  // Device verification: a login from a device the account does not know answers 403 with a
  // verification_workflow until the device is approved (docs/simulator.md "Device verification").
  std::string verification = "prompt";     ///< prompt | sms | email | none (every device known)
  int verification_timeout_s = 300;        ///< an unanswered workflow expires after this long
  int verification_attempts = 3;           ///< wrong sms/email codes before the workflow fails
  std::vector<std::string> known_devices;  ///< device tokens approved before the run

  // Tokens: access tokens are JWT-shaped; refresh tokens work once and expire.
  int token_lifetime_s = 86400;
  int refresh_token_lifetime_s = 7 * 86400;

  // Throttling, modelled on the evidence in docs/simulator.md "Throttling model and its sources".
  bool throttle = true;
  int throttle_requests = 20;        ///< every request (login included) per window, all clients
  int throttle_window_s = 15;
  int throttle_order_requests = 8;   ///< POST /orders/ per window, on top of the above
  int throttle_order_window_s = 15;

  std::string buying_power = "100000.00";
  int cancel_delay_ms = 50;    ///< accepted cancel → cancelled after this long
  int confirm_delay_ms = 0;    ///< unconfirmed → confirmed (or queued) after this long
  bool auto_market = true;     ///< random walk + automatic fills; tests turn it off
  int walk_interval_ms = 1000; ///< one random-walk step per symbol this often
  int tick_ms = 10;            ///< how often timed events (confirm, cancel, fills) are processed
  bool gfd_expiry = true;      ///< open `gfd` orders are cancelled at the 4 pm New York close
  bool zero_average_buy_price = false;  ///< positions report average_buy_price 0, as settled ones may
  int page_size = 100;                ///< results per page of /orders/ and /positions/
  std::string lot_size = "100";       ///< most shares one automatic fill takes; "0" = all
  bool log = true;                    ///< one line per request and fault
  std::string log_file;               ///< empty → stderr
  std::vector<SymbolSpec> symbols;    ///< the universe; empty → default_universe()
  std::string config_file;
};

/// The ~20 liquid tickers (with plausible prices) used when Options::symbols is empty, plus
/// TICK and NICK (min_tick_size 0.05) and DLST (not tradeable).
std::vector<SymbolSpec> default_universe();

/// "prompt", "sms", "email" or "none".
bool valid_verification(std::string_view type);

/// Overrides `options` with the keys of a JSON object (same names as the fields above);
/// false with `error` set on bad JSON, an unknown key or a value of the wrong type.
bool apply_config_json(Options& options, std::string_view json_text, std::string& error);
/// Reads `options.config_file` (if set) and applies it.
bool load_config_file(Options& options, std::string& error);

}  // namespace rhsim
