#pragma once
/// rh-sim's configuration: the CLI, a JSON config file and the library all fill this struct.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rhsim {

/// Everything the simulator can be told at start; the admin API changes some of it at run time.
struct Options {
  std::uint16_t port = 0;  ///< 0 picks a free port
  std::uint64_t seed = 1;  ///< drives ids, tokens and the random walk
  int latency_ms = 0;      ///< added to every broker (non-admin) round trip
  bool tls = false;
  std::string tls_cert_file, tls_key_file;  ///< empty + tls=true → self-signed at start
  std::string user = "demo", password = "demo";
  std::string mfa_secret;                   ///< base32; non-empty → mfa_code required
  std::string buying_power = "100000.00";
  int cancel_delay_ms = 50;    ///< accepted cancel → cancelled after this long
  int confirm_delay_ms = 0;    ///< unconfirmed → confirmed (or queued) after this long
  bool auto_market = true;     ///< random walk + automatic fills; tests turn it off
  int walk_interval_ms = 1000; ///< one random-walk step per symbol this often
  int tick_ms = 10;            ///< how often timed events (confirm, cancel, fills) are processed
  int token_lifetime_s = 86400;
  int throttle_requests = 1'000'000;  ///< per access token and window; generous by default
  int throttle_window_s = 60;
  int page_size = 100;                ///< results per page of /orders/ and /positions/
  std::string lot_size = "100";       ///< most shares one automatic fill takes; "0" = all
  bool log = true;                    ///< one line per request and fault
  std::string log_file;               ///< empty → stderr
  std::vector<std::pair<std::string, std::string>> symbols;  ///< symbol → price; empty → default
  std::string config_file;
};

/// The ~20 liquid tickers (with plausible prices) used when Options::symbols is empty.
std::vector<std::pair<std::string, std::string>> default_universe();

/// Overrides `options` with the keys of a JSON object (same names as the fields above);
/// false with `error` set on bad JSON, an unknown key or a value of the wrong type.
bool apply_config_json(Options& options, std::string_view json_text, std::string& error);
/// Reads `options.config_file` (if set) and applies it.
bool load_config_file(Options& options, std::string& error);

}  // namespace rhsim
