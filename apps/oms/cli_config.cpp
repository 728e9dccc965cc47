#include "apps/oms/cli_config.hpp"

#include "gateway/url.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace oms::cli {
namespace {

constexpr const char* kConfigHint = "fix the file; every key is described in docs/configuration.md";

outcome<config::Config> load(const GlobalOptions& globals) {
  std::string path;
  if (globals.config_file) path = *globals.config_file;
  else if (std::filesystem::exists("config.json")) path = "config.json";
  else return config::Config{};  // built-in defaults: paper mode, nothing to read
  auto loaded = config::load_config(path);
  if (loaded) return *loaded;
  const FieldError& e = loaded.error();
  if (e.field.empty() && !std::filesystem::exists(path))
    return usage_error("--config", "cannot read " + path, "give the path of a config.json (see config/config.example.json)");
  return usage_error(e.field.empty() ? "config" : "config " + e.field, e.rule, kConfigHint);
}

std::optional<CliError> apply_overrides(const GlobalOptions& g, config::Config& c) {
  if (g.mode) c.mode = *g.mode == "live" ? ExecutionMode::live : ExecutionMode::paper;
  // A broker named on the command line while the mode stays paper would be silently ignored.
  if (g.broker_url && !g.mode && c.mode == ExecutionMode::paper)
    return usage_error("--broker", "is given but the mode is paper (from the configuration or the default), so no "
                                   "broker would be contacted",
                       "add --mode live to trade with that broker, or --mode paper to run without one");
  if (g.broker_url) {
    if (!gateway::parse_base_url(*g.broker_url))
      return usage_error("--broker", "must be an http:// or https:// URL such as http://127.0.0.1:8080",
                         "give the broker's base URL (a running rh-sim prints it on its first line)");
    c.broker.base_url = *g.broker_url;
  }
  if (g.journal) c.order_management.journal_path = *g.journal;
  if (g.ca_file) {
    if (!std::ifstream(expand_home(*g.ca_file)))
      return usage_error("--ca-file", "cannot read " + *g.ca_file, "give the PEM certificate the broker's TLS uses");
    c.broker.ca_file = *g.ca_file;
  }
  c.broker.ca_file = expand_home(c.broker.ca_file);
  c.broker.token_path = expand_home(c.broker.token_path);
  c.order_management.journal_path = expand_home(c.order_management.journal_path);
  c.order_management.control_socket = expand_home(c.order_management.control_socket);
  // --mode/--broker may make a plain-http live config that the file alone would not be.
  if (auto e = config::check_broker_url(c))
    return usage_error(g.broker_url ? "--broker" : "config " + e->field, e->rule,
                       "use the broker's https:// URL (http:// only for an rh-sim on 127.0.0.1)");
  return std::nullopt;
}

}  // namespace

std::string expand_home(const std::string& path) {
  if (path.rfind("~/", 0) != 0) return path;
  const char* home = std::getenv("HOME");
  if (!home || !*home) return path;
  return std::string(home) + path.substr(1);
}

outcome<config::Config> effective_config(const GlobalOptions& globals) {
  auto config = load(globals);
  if (!config) return config;
  if (auto e = apply_overrides(globals, *config)) return *e;
  return config;
}

}  // namespace oms::cli
