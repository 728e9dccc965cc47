#include "config/config.hpp"

#include "config/exact_json.hpp"

#include <boost/describe/enum_from_string.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

namespace oms::config {
namespace {

namespace json = boost::json;
using Error = std::optional<FieldError>;

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// Reads the fields of one JSON object, remembering which keys were known.
class Fields {
 public:
  Fields(const json::object& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  std::string field(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  const json::value* find(std::string_view key) {
    known_.insert(std::string(key));
    return obj_.if_contains(key);
  }

  Error decimal(std::string_view key, Decimal& out, const char* rule_if_negative = "must not be negative") {
    const auto* v = find(key);
    if (!v) return {};
    auto d = fixed_from_json<DecimalTag>(*v, Sign::any);
    if (!d) return FieldError{field(key), "must be a decimal number such as 15 or \"0.04\" (" + d.error().message() + ")"};
    if (d->is_negative()) return FieldError{field(key), rule_if_negative};
    out = *d;
    return {};
  }
  Error optional_decimal(std::string_view key, std::optional<Decimal>& out) {
    if (!obj_.contains(key)) return (void)find(key), Error{};
    Decimal d;
    if (auto e = decimal(key, d)) return e;
    out = d;
    return {};
  }
  Error integer(std::string_view key, int& out, int min, int max) {
    const auto* v = find(key);
    if (!v) return {};
    if (!v->is_int64() || v->get_int64() < min || v->get_int64() > max)
      return FieldError{field(key), "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max)};
    out = static_cast<int>(v->get_int64());
    return {};
  }
  Error text(std::string_view key, std::string& out, bool allow_empty) {
    const auto* v = find(key);
    if (!v) return {};
    if (!v->is_string() || (!allow_empty && v->get_string().empty()))
      return FieldError{field(key), allow_empty ? "must be a string" : "must be a non-empty string"};
    out = std::string(v->get_string());
    return {};
  }
  template <class E>
  Error enumeration(std::string_view key, E& out, const char* allowed) {
    const auto* v = find(key);
    if (!v) return {};
    if (!v->is_string() || !boost::describe::enum_from_string(v->get_string().c_str(), out))
      return FieldError{field(key), std::string("must be one of ") + allowed};
    return {};
  }
  template <class E>
  Error optional_enumeration(std::string_view key, std::optional<E>& out, const char* allowed) {
    if (!obj_.contains(key)) return (void)find(key), Error{};
    E e{};
    if (auto err = enumeration(key, e, allowed)) return err;
    out = e;
    return {};
  }
  // Null when the key is absent; an error when present but not an object.
  Error object(std::string_view key, const json::object*& out) {
    out = nullptr;
    const auto* v = find(key);
    if (!v) return {};
    if (!v->is_object()) return FieldError{field(key), "must be an object"};
    out = &v->get_object();
    return {};
  }
  // Any key not read is a typo or an unsupported setting.
  Error unknown_keys() const {
    for (const auto& [key, value] : obj_) {
      if (known_.count(std::string(key))) continue;
      std::string rule = "is not a known setting";
      std::string best;
      std::size_t best_distance = 3;
      for (const auto& k : known_) {
        std::size_t d = edit_distance(key, k);
        if (d < best_distance) best_distance = d, best = k;
      }
      if (!best.empty()) rule += " (did you mean \"" + best + "\"?)";
      return FieldError{field(key), rule};
    }
    return {};
  }

 private:
  const json::object& obj_;
  std::string path_;
  std::set<std::string> known_;
};

constexpr const char* kOffsetModes = "\"bps\" or \"absolute\"";

Error check_slippage(const std::string& field, const Decimal& pct) {
  if (pct.is_zero() || pct >= Decimal::from_units(100 * Decimal::kOne))
    return FieldError{field, "must be greater than 0 and less than 100 (a percentage)"};
  return {};
}

Error read_override(const json::value& v, const std::string& path, StrategyOverride& out) {
  if (!v.is_object()) return FieldError{path, "must be an object"};
  Fields f(v.get_object(), path);
  if (auto e = f.optional_enumeration("offset_mode", out.offset_mode, kOffsetModes)) return e;
  if (auto e = f.optional_decimal("buy_offset", out.buy_offset)) return e;
  if (auto e = f.optional_decimal("sell_offset", out.sell_offset)) return e;
  if (auto e = f.optional_decimal("max_slippage_pct", out.max_slippage_pct)) return e;
  if (out.max_slippage_pct)
    if (auto e = check_slippage(f.field("max_slippage_pct"), *out.max_slippage_pct)) return e;
  return f.unknown_keys();
}

Error read_retry(Fields& parent, RetryConfig& out) {
  const json::object* obj;
  if (auto e = parent.object("retry", obj); e || !obj) return e;
  Fields f(*obj, parent.field("retry"));
  if (auto e = f.integer("max_attempts", out.max_attempts, 1, 10)) return e;
  if (auto e = f.integer("base_delay_ms", out.base_delay_ms, 1, 60'000)) return e;
  if (auto e = f.integer("max_delay_ms", out.max_delay_ms, 1, 300'000)) return e;
  if (auto e = f.integer("jitter_pct", out.jitter_pct, 0, 100)) return e;
  if (out.max_delay_ms < out.base_delay_ms)
    return FieldError{f.field("max_delay_ms"), "must be at least base_delay_ms"};
  return f.unknown_keys();
}

Error read_rate_limit(Fields& parent, RateLimitConfig& out) {
  const json::object* obj;
  if (auto e = parent.object("rate_limit", obj); e || !obj) return e;
  Fields f(*obj, parent.field("rate_limit"));
  if (auto e = f.integer("burst", out.burst, 1, 1000)) return e;
  if (auto e = f.integer("per_second", out.per_second, 1, 1000)) return e;
  if (auto e = f.integer("max_broker_wait_s", out.max_broker_wait_s, 0, 86'400)) return e;
  if (auto e = f.integer("window_requests", out.window_requests, 1, 1'000'000)) return e;
  if (auto e = f.integer("window_s", out.window_s, 1, 3600)) return e;
  if (auto e = f.integer("order_window_requests", out.order_window_requests, 1, 1'000'000)) return e;
  if (auto e = f.integer("order_window_s", out.order_window_s, 1, 3600)) return e;
  if (auto e = f.integer("reserved_for_cancels", out.reserved_for_cancels, 0, 1000)) return e;
  if (out.reserved_for_cancels >= out.window_requests)
    return FieldError{f.field("reserved_for_cancels"), "must be less than window_requests"};
  return f.unknown_keys();
}

Error read_timeouts(Fields& parent, TimeoutConfig& out) {
  const json::object* obj;
  if (auto e = parent.object("timeouts", obj); e || !obj) return e;
  Fields f(*obj, parent.field("timeouts"));
  if (auto e = f.integer("connect_ms", out.connect_ms, 1, 120'000)) return e;
  if (auto e = f.integer("request_ms", out.request_ms, 1, 300'000)) return e;
  return f.unknown_keys();
}

Error read_settlement(Fields& parent, SettlementConfig& out) {
  const json::object* obj;
  if (auto e = parent.object("settlement", obj); e || !obj) return e;
  Fields f(*obj, parent.field("settlement"));
  if (auto e = f.integer("quiet_ms", out.quiet_ms, 0, 3'600'000)) return e;
  if (auto e = f.integer("base_delay_ms", out.base_delay_ms, 1, 600'000)) return e;
  if (auto e = f.integer("max_delay_ms", out.max_delay_ms, 1, 3'600'000)) return e;
  if (auto e = f.integer("timeout_s", out.timeout_s, 1, 7 * 86'400)) return e;
  // An embedding bot's submit waits 120 s in all: the wait must end before that.
  if (auto e = f.integer("wait_ms", out.wait_ms, 0, 100'000)) return e;
  if (out.max_delay_ms < out.base_delay_ms)
    return FieldError{f.field("max_delay_ms"), "must be at least base_delay_ms"};
  return f.unknown_keys();
}

Error read_offsets(Fields& f, PriceOffsetConfig& out) {
  if (auto e = f.enumeration("offset_mode", out.offset_mode, kOffsetModes)) return e;
  if (auto e = f.decimal("buy_offset", out.buy_offset)) return e;
  if (auto e = f.decimal("sell_offset", out.sell_offset)) return e;
  if (auto e = f.decimal("max_slippage_pct", out.max_slippage_pct)) return e;
  return check_slippage(f.field("max_slippage_pct"), out.max_slippage_pct);
}

Error read_order_management(Fields& root, OrderManagementConfig& out) {
  const json::object* obj;
  if (auto e = root.object("order_management", obj); e || !obj) return e;
  Fields f(*obj, "order_management");
  if (auto e = read_offsets(f, out.offsets)) return e;
  const json::object* overrides;
  if (auto e = f.object("strategy_overrides", overrides)) return e;
  if (overrides) {
    for (const auto& [name, value] : *overrides) {
      std::string path = f.field("strategy_overrides") + "." + std::string(name);
      if (name.empty()) return FieldError{path, "strategy names must not be empty"};
      if (auto e = read_override(value, path, out.strategy_overrides[std::string(name)])) return e;
    }
  }
  if (auto e = f.decimal("price_collar_pct", out.price_collar_pct)) return e;
  if (auto e = f.enumeration("price_collar_on_missing_quote", out.price_collar_on_missing_quote,
                             "\"refuse\" or \"allow\""))
    return e;
  if (auto e = read_retry(f, out.retry)) return e;
  if (auto e = f.integer("poll_interval_s", out.poll_interval_s, 1, 3600)) return e;
  if (auto e = f.text("journal_path", out.journal_path, false)) return e;
  if (auto e = f.text("control_socket", out.control_socket, false)) return e;
  if (auto e = read_rate_limit(f, out.rate_limit)) return e;
  if (auto e = read_timeouts(f, out.timeouts)) return e;
  if (auto e = f.integer("pool_size", out.pool_size, 1, 64)) return e;
  if (auto e = f.integer("pool_max", out.pool_max, 1, 256)) return e;
  if (out.pool_max < out.pool_size) return FieldError{f.field("pool_max"), "must be at least pool_size"};
  if (auto e = f.integer("kill_switch_deadline_s", out.kill_switch_deadline_s, 1, 3600)) return e;
  if (auto e = f.integer("account_cache_ttl_s", out.account_cache_ttl_s, 0, 86'400)) return e;
  if (auto e = f.integer("breaker_consecutive_failures", out.breaker_consecutive_failures, 1, 1000)) return e;
  if (auto e = read_settlement(f, out.settlement)) return e;
  return f.unknown_keys();
}

// "127.0.0.1", "localhost", "[::1]" of "http://host:port/path".
bool loopback_host(std::string_view url) {
  auto rest = url.substr(url.find("://") + 3);
  std::string_view host;
  if (rest.starts_with('[')) {
    host = rest.substr(0, rest.find(']') + 1);
  } else {
    host = rest.substr(0, rest.find_first_of(":/"));
  }
  std::string lower(host);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "localhost" || lower == "[::1]") return true;
  // 127.0.0.0/8: four dot-separated numbers, the first 127.
  if (!lower.starts_with("127.")) return false;
  int dots = 0;
  for (char c : lower) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  return dots == 3;
}

Error read_broker(Fields& root, BrokerConfig& out) {
  const json::object* obj;
  if (auto e = root.object("broker", obj); e || !obj) return e;
  Fields f(*obj, "broker");
  if (auto e = f.text("base_url", out.base_url, false)) return e;
  if (out.base_url.rfind("https://", 0) != 0 && out.base_url.rfind("http://", 0) != 0)
    return FieldError{f.field("base_url"), "must start with https:// (or http:// for a local simulator)"};
  if (auto e = f.text("ca_file", out.ca_file, true)) return e;
  if (auto e = f.text("api_version", out.api_version, false)) return e;
  if (auto e = f.integer("order_form_version", out.order_form_version, 2, 1000)) return e;
  if (auto e = f.text("token_path", out.token_path, false)) return e;
  return f.unknown_keys();
}

Error read_console(Fields& root, ConsoleConfig& out) {
  const json::object* obj;
  if (auto e = root.object("console", obj); e || !obj) return e;
  Fields f(*obj, "console");
  if (auto e = f.text("listen", out.listen, true)) return e;
  if (auto rule = check_console_listen(out.listen); !out.listen.empty() && !rule.empty())
    return FieldError{f.field("listen"), rule};
  if (auto e = f.text("scrape_token", out.scrape_token, true)) return e;
  if (!out.scrape_token.empty() && out.scrape_token.size() < 32)
    return FieldError{f.field("scrape_token"), "must be at least 32 characters (e.g. `openssl rand -hex 16`)"};
  return f.unknown_keys();
}

Error read_alerts(Fields& root, AlertsConfig& out) {
  const json::object* obj;
  if (auto e = root.object("alerts", obj); e || !obj) return e;
  Fields f(*obj, "alerts");
  if (auto e = f.text("webhook_url", out.webhook_url, true)) return e;
  if (!out.webhook_url.empty() && out.webhook_url.rfind("https://", 0) != 0 && out.webhook_url.rfind("http://", 0) != 0)
    return FieldError{f.field("webhook_url"), "must start with https:// or http://"};
  if (auto e = f.text("command", out.command, true)) return e;
  if (auto e = f.integer("command_timeout_s", out.command_timeout_s, 1, 600)) return e;
  if (auto e = f.integer("queue_limit", out.queue_limit, 1, 100'000)) return e;
  if (auto e = f.integer("session_warning_s", out.session_warning_s, 60, 7 * 86'400)) return e;
  if (auto e = f.integer("p95_window_s", out.p95_window_s, 1, 86'400)) return e;
  if (auto e = f.integer("p95_sustain_s", out.p95_sustain_s, 1, 86'400)) return e;
  return f.unknown_keys();
}

}  // namespace

std::string check_console_listen(std::string_view listen) {
  const std::string rule =
      "must be a loopback address and port such as 127.0.0.1:8470 or [::1]:8470 (port 0 picks a free one); the "
      "console has no TLS: reach it from elsewhere through an SSH tunnel";
  auto colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == listen.size()) return rule;
  auto host = listen.substr(0, colon), port = listen.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos || std::stoul(std::string(port)) > 65535)
    return rule;
  if (host == "[::1]") return {};
  // 127.0.0.0/8, dotted quad.
  int parts = 0;
  std::size_t start = 0;
  for (;;) {
    auto dot = host.find('.', start);
    auto part = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty() || part.size() > 3 || part.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoi(std::string(part)) > 255)
      return rule;
    if (parts == 0 && part != "127") return rule;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4 ? std::string() : rule;
}

PriceOffsetConfig OrderManagementConfig::offsets_for(std::string_view strategy) const {
  PriceOffsetConfig out = offsets;
  auto it = strategy_overrides.find(strategy);
  if (it == strategy_overrides.end()) return out;
  const StrategyOverride& o = it->second;
  if (o.offset_mode) out.offset_mode = *o.offset_mode;
  if (o.buy_offset) out.buy_offset = *o.buy_offset;
  if (o.sell_offset) out.sell_offset = *o.sell_offset;
  if (o.max_slippage_pct) out.max_slippage_pct = *o.max_slippage_pct;
  return out;
}

std::string expand_home(const std::string& path) {
  if (path != "~" && !path.starts_with("~/")) return path;
  const char* home = std::getenv("HOME");
  if (!home || !*home) return path;
  return std::string(home) + path.substr(1);
}

void resolve_paths(Config& config, const std::filesystem::path& base_dir) {
  auto resolve = [&](std::string& path) {
    if (path.empty()) return;  // ca_file "": the system store
    path = expand_home(path);
    std::filesystem::path p(path);
    if (base_dir.empty() || p.is_absolute()) return;
    std::error_code ec;
    auto base = std::filesystem::absolute(base_dir, ec);
    if (!ec) path = (base / p).lexically_normal().string();
  };
  resolve(config.order_management.journal_path);
  resolve(config.order_management.control_socket);
  resolve(config.broker.token_path);
  resolve(config.broker.ca_file);
}

std::optional<FieldError> check_broker_url(const Config& config) {
  const auto& url = config.broker.base_url;
  if (config.mode != ExecutionMode::live || !url.starts_with("http://") || loopback_host(url)) return std::nullopt;
  return FieldError{"broker.base_url",
                    "must start with https:// in live mode (plain http:// sends the session token unencrypted; "
                    "it is accepted only for a simulator on loopback: 127.0.0.1, [::1] or localhost)"};
}

checked<Config> parse_config(std::string_view text) {
  std::string where, duplicate;
  auto parsed = parse_exact_json(text, &where, &duplicate);
  if (!parsed && !duplicate.empty())
    return FieldError{duplicate, "appears twice (at " + where + "); a JSON parser would silently keep one of "
                                 "the two values: keep only the one you mean"};
  if (!parsed) return FieldError{"", "config is not valid JSON at " + where + " (" + parsed.error().message() + ")"};
  if (!parsed->is_object()) return FieldError{"", "config must be a JSON object"};
  Config config;
  Fields root(parsed->get_object(), "");
  if (auto e = root.enumeration("mode", config.mode, "\"paper\" or \"live\"")) return *e;
  if (auto e = read_broker(root, config.broker)) return *e;
  if (auto e = read_order_management(root, config.order_management)) return *e;
  if (auto e = read_console(root, config.console)) return *e;
  if (auto e = read_alerts(root, config.alerts)) return *e;
  if (auto e = root.unknown_keys()) return *e;
  if (auto e = check_broker_url(config)) return *e;
  resolve_paths(config, {});
  return checked<Config>(boost::system::in_place_value, std::move(config));
}

checked<Config> load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return FieldError{"", "cannot read config file " + path};
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto config = parse_config(buffer.str());
  if (!config) return FieldError{config.error().field, config.error().rule + " (in " + path + ")"};
  auto folder = std::filesystem::path(path).parent_path();
  resolve_paths(*config, folder.empty() ? std::filesystem::path(".") : folder);
  return config;
}

}  // namespace oms::config
