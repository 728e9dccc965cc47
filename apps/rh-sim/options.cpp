#include "apps/rh-sim/options.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

namespace rhsim {
namespace json = boost::json;

std::vector<SymbolSpec> default_universe() {
  static constexpr std::pair<const char*, const char*> kLiquid[] = {
      {"TSLA", "250.00"}, {"AAPL", "190.00"}, {"MSFT", "415.00"}, {"AMZN", "180.00"},
      {"GOOGL", "170.00"}, {"META", "500.00"}, {"NVDA", "120.00"}, {"AMD", "150.00"},
      {"NFLX", "650.00"}, {"SPY", "560.00"},  {"QQQ", "480.00"},  {"IWM", "220.00"},
      {"JPM", "210.00"},  {"BAC", "40.00"},   {"F", "11.00"},     {"T", "19.00"},
      {"INTC", "22.00"},  {"PLTR", "40.00"},  {"SOFI", "9.00"},   {"KO", "70.00"},
      {"DIS", "95.00"},   {"SNDL", "0.5500"}};
  std::vector<SymbolSpec> out;
  for (auto [symbol, price] : kLiquid) out.push_back({symbol, price, "", true});
  // Robinhood reports min_tick_size 0.05 for some instruments and refuses off-tick prices
  // (pyrh #113), and lists instruments that cannot be traded (tradeable false).
  out.push_back({"TICK", "25.45", "0.05", true});
  out.push_back({"NICK", "7.25", "0.05", true});
  out.push_back({"DLST", "3.10", "", false});
  return out;
}

bool valid_verification(std::string_view type) {
  return type == "prompt" || type == "sms" || type == "email" || type == "none";
}

namespace {

bool read_int(const json::value& v, int& out) {
  if (!v.is_int64() && !v.is_uint64()) return false;
  out = static_cast<int>(v.to_number<std::int64_t>());
  return true;
}

bool read_string(const json::value& v, std::string& out) {
  if (auto* s = v.if_string()) {
    out = std::string(*s);
    return true;
  }
  // Money may come as a JSON integer; doubles are refused because they are not exact.
  if (v.is_int64() || v.is_uint64()) {
    out = std::to_string(v.to_number<std::int64_t>());
    return true;
  }
  return false;
}

// {"TSLA":"250.00"} or {"TICK":{"price":"25.45","min_tick_size":"0.05","tradeable":true}}.
bool read_symbol(std::string_view symbol, const json::value& v, SymbolSpec& out) {
  out = SymbolSpec{std::string(symbol), "", "", true};
  if (read_string(v, out.price)) return true;
  auto* spec = v.if_object();
  if (!spec) return false;
  for (auto& [key, value] : *spec) {
    bool ok = key == "price"           ? read_string(value, out.price)
              : key == "min_tick_size" ? value.is_null() || read_string(value, out.min_tick_size)
              : key == "tradeable"     ? value.is_bool() && (out.tradeable = value.get_bool(), true)
                                       : false;
    if (!ok) return false;
  }
  return !out.price.empty();
}

bool read_symbols(const json::value& v, Options& o) {
  auto* obj = v.if_object();
  if (!obj) return false;
  o.symbols.clear();
  for (auto& [key, value] : *obj) {
    SymbolSpec spec;
    if (!read_symbol(key, value, spec)) return false;
    o.symbols.push_back(std::move(spec));
  }
  return true;
}

bool read_devices(const json::value& v, Options& o) {
  auto* list = v.if_array();
  if (!list) return false;
  o.known_devices.clear();
  for (const auto& item : *list) {
    auto* s = item.if_string();
    if (!s) return false;
    o.known_devices.emplace_back(*s);
  }
  return true;
}

bool apply_key(Options& o, std::string_view key, const json::value& v) {
  int n = 0;
  if (key == "port") return read_int(v, n) && (o.port = static_cast<std::uint16_t>(n), true);
  if (key == "seed") return read_int(v, n) && (o.seed = static_cast<std::uint64_t>(n), true);
  if (key == "latency_ms") return read_int(v, o.latency_ms);
  if (key == "cancel_delay_ms") return read_int(v, o.cancel_delay_ms);
  if (key == "confirm_delay_ms") return read_int(v, o.confirm_delay_ms);
  if (key == "walk_interval_ms") return read_int(v, o.walk_interval_ms);
  if (key == "tick_ms") return read_int(v, o.tick_ms);
  if (key == "token_lifetime_s") return read_int(v, o.token_lifetime_s);
  if (key == "refresh_token_lifetime_s") return read_int(v, o.refresh_token_lifetime_s);
  if (key == "throttle") return v.is_bool() && (o.throttle = v.get_bool(), true);
  if (key == "throttle_requests") return read_int(v, o.throttle_requests);
  if (key == "throttle_window_s") return read_int(v, o.throttle_window_s);
  if (key == "throttle_order_requests") return read_int(v, o.throttle_order_requests);
  if (key == "throttle_order_window_s") return read_int(v, o.throttle_order_window_s);
  if (key == "verification")
    return read_string(v, o.verification) && valid_verification(o.verification);
  if (key == "verification_timeout_s") return read_int(v, o.verification_timeout_s);
  if (key == "verification_attempts") return read_int(v, o.verification_attempts);
  if (key == "known_devices") return read_devices(v, o);
  if (key == "gfd_expiry") return v.is_bool() && (o.gfd_expiry = v.get_bool(), true);
  if (key == "zero_average_buy_price")
    return v.is_bool() && (o.zero_average_buy_price = v.get_bool(), true);
  if (key == "page_size") return read_int(v, o.page_size);
  if (key == "tls") return v.is_bool() && (o.tls = v.get_bool(), true);
  if (key == "auto_market") return v.is_bool() && (o.auto_market = v.get_bool(), true);
  if (key == "log") return v.is_bool() && (o.log = v.get_bool(), true);
  if (key == "tls_cert_file") return read_string(v, o.tls_cert_file);
  if (key == "tls_key_file") return read_string(v, o.tls_key_file);
  if (key == "user") return read_string(v, o.user);
  if (key == "password") return read_string(v, o.password);
  if (key == "mfa_secret") return read_string(v, o.mfa_secret);
  if (key == "buying_power") return read_string(v, o.buying_power);
  if (key == "lot_size") return read_string(v, o.lot_size);
  if (key == "log_file") return read_string(v, o.log_file);
  if (key == "symbols") return read_symbols(v, o);
  return false;
}

}  // namespace

bool apply_config_json(Options& options, std::string_view json_text, std::string& error) {
  boost::system::error_code ec;
  json::value root = json::parse(json_text, ec);
  if (ec || !root.is_object()) {
    error = "config is not a JSON object";
    return false;
  }
  for (auto& [key, value] : root.get_object()) {
    if (!apply_key(options, key, value)) {
      error = "config key '" + std::string(key) + "' is unknown or has the wrong type";
      return false;
    }
  }
  return true;
}

bool load_config_file(Options& options, std::string& error) {
  if (options.config_file.empty()) return true;
  std::ifstream in(options.config_file);
  if (!in) {
    error = "cannot read config file " + options.config_file;
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  return apply_config_json(options, text.str(), error);
}

}  // namespace rhsim
