#include "config/config.hpp"
#include "config/exact_json.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

using namespace oms;
using namespace oms::config;

namespace {
Decimal dec(std::string_view s) { return Decimal::parse(s).value(); }
FieldError error_of(std::string_view text) {
  auto r = parse_config(text);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}
}  // namespace

TEST_CASE("an empty config gives the seed's defaults") {
  auto c = parse_config("{}").value();
  CHECK(c.mode == ExecutionMode::paper);
  CHECK(c.broker.base_url == "https://api.robinhood.com");
  const auto& om = c.order_management;
  CHECK(om.offsets.offset_mode == OffsetMode::bps);
  CHECK(om.offsets.buy_offset == dec("15"));
  CHECK(om.offsets.sell_offset == dec("10"));
  CHECK(om.offsets.max_slippage_pct == dec("0.5"));
  CHECK(om.retry.max_attempts == 3);
  CHECK(om.poll_interval_s == 15);
  CHECK(om.journal_path == "logs/orders.jsonl");
  CHECK(om.price_collar_pct == dec("5"));
}

TEST_CASE("JSON numbers with fractions are read exactly, never through a double") {
  auto c = parse_config(R"({"order_management":{"offset_mode":"absolute","buy_offset":0.04,
      "sell_offset":"0.04","max_slippage_pct":0.1}})").value();
  CHECK(c.order_management.offsets.buy_offset == dec("0.04"));
  CHECK(c.order_management.offsets.sell_offset == dec("0.04"));
  CHECK(c.order_management.offsets.max_slippage_pct.units() == 10'000'000);
  auto v = parse_exact_json(R"({"a":0.30000000000000004,"b":7,"c":[1.5,-2]})").value();
  CHECK(v.at("a").as_string() == "0.30000000000000004");
  CHECK(v.at("b").as_int64() == 7);
  CHECK(v.at("c").as_array()[0].as_string() == "1.5");
}

TEST_CASE("strategy overrides fall back field by field to the global values") {
  auto c = parse_config(R"({"order_management":{"buy_offset":20,
      "strategy_overrides":{"scalper":{"buy_offset":5},"exit":{"offset_mode":"absolute","sell_offset":"0.04"}}}})").value();
  auto scalper = c.order_management.offsets_for("scalper");
  CHECK(scalper.buy_offset == dec("5"));
  CHECK(scalper.sell_offset == dec("10"));
  CHECK(scalper.offset_mode == OffsetMode::bps);
  auto exit = c.order_management.offsets_for("exit");
  CHECK(exit.offset_mode == OffsetMode::absolute);
  CHECK(exit.sell_offset == dec("0.04"));
  CHECK(exit.buy_offset == dec("20"));
  CHECK(c.order_management.offsets_for("unknown").buy_offset == dec("20"));
  CHECK(c.order_management.offsets_for("").buy_offset == dec("20"));
}

TEST_CASE("a typo is an error that names the key and suggests the right one") {
  auto e = error_of(R"({"order_management":{"buy_ofset":15}})");
  CHECK(e.field == "order_management.buy_ofset");
  CHECK(e.rule == "is not a known setting (did you mean \"buy_offset\"?)");
  CHECK(error_of(R"({"order_managment":{}})").field == "order_managment");
  CHECK(error_of(R"({"order_management":{"strategy_overrides":{"s":{"sell_ofset":1}}}})").field ==
        "order_management.strategy_overrides.s.sell_ofset");
  CHECK(error_of(R"({"order_management":{"retry":{"attempts":3}}})").field == "order_management.retry.attempts");
}

TEST_CASE("each rule is enforced with the field named") {
  CHECK(error_of(R"({"order_management":{"offset_mode":"pct"}})").to_string() ==
        "order_management.offset_mode: must be one of \"bps\" or \"absolute\"");
  CHECK(error_of(R"({"order_management":{"buy_offset":-3}})").to_string() ==
        "order_management.buy_offset: must not be negative");
  CHECK(error_of(R"({"order_management":{"buy_offset":1e5}})").rule.find("exponent") != std::string::npos);
  CHECK(error_of(R"({"order_management":{"buy_offset":true}})").field == "order_management.buy_offset");
  CHECK(error_of(R"({"order_management":{"max_slippage_pct":0}})").field == "order_management.max_slippage_pct");
  CHECK(error_of(R"({"order_management":{"max_slippage_pct":100}})").field == "order_management.max_slippage_pct");
  CHECK(error_of(R"({"order_management":{"retry":{"max_attempts":0}}})").to_string() ==
        "order_management.retry.max_attempts: must be a whole number from 1 to 10");
  CHECK(error_of(R"({"order_management":{"retry":{"base_delay_ms":500,"max_delay_ms":100}}})").field ==
        "order_management.retry.max_delay_ms");
  CHECK(error_of(R"({"order_management":{"poll_interval_s":2.5}})").field == "order_management.poll_interval_s");
  CHECK(error_of(R"({"order_management":{"journal_path":""}})").field == "order_management.journal_path");
  CHECK(error_of(R"({"order_management":[]})").to_string() == "order_management: must be an object");
  CHECK(error_of(R"({"mode":"yolo"})").field == "mode");
  CHECK(error_of(R"({"broker":{"base_url":"ftp://x"}})").field == "broker.base_url");
}

TEST_CASE("malformed JSON reports where") {
  auto e = error_of("{\n  \"mode\": \"paper\",\n  oops\n}");
  CHECK(e.rule.find("line 3") != std::string::npos);
  CHECK(error_of("[]").rule == "config must be a JSON object");
  CHECK(error_of("{} trailing").rule.find("not valid JSON") != std::string::npos);
}

TEST_CASE("the documented example config parses") {
  auto c = load_config(OMS_SOURCE_DIR "/config/config.example.json");
  REQUIRE_MESSAGE(c.has_value(), c.error().to_string());
  CHECK(c->order_management.strategy_overrides.size() >= 1);
  CHECK(c->console.listen.empty());  // the console and alerts are shown with their defaults: off
  CHECK_FALSE(c->alerts.enabled());
  CHECK(c->alerts.p95_sustain_s == 600);
}

TEST_CASE("a missing config file is an error naming the path") {
  auto c = load_config("/nonexistent/config.json");
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().rule.find("/nonexistent/config.json") != std::string::npos);
}

TEST_CASE("finding 9: a plain-http broker URL is refused in live mode unless the host is loopback") {
  auto e = error_of(R"({"mode":"live","broker":{"base_url":"http://api.robinhood.com"}})");
  CHECK(e.field == "broker.base_url");
  CHECK(e.rule.find("https://") != std::string::npos);
  CHECK(error_of(R"({"mode":"live","broker":{"base_url":"http://127.0.0.1.example.com:80"}})").field ==
        "broker.base_url");
  CHECK(error_of(R"({"broker":{"base_url":"HTTP://10.0.0.7:8080"},"mode":"live"})").field == "broker.base_url");
  // Loopback (a local rh-sim), TLS anywhere, and paper mode (which never calls the broker) pass.
  for (const char* ok : {R"({"mode":"live","broker":{"base_url":"http://127.0.0.1:8080"}})",
                         R"({"mode":"live","broker":{"base_url":"http://localhost:8080/rh"}})",
                         R"({"mode":"live","broker":{"base_url":"http://[::1]:8080"}})",
                         R"({"mode":"live","broker":{"base_url":"https://api.robinhood.com"}})",
                         R"({"mode":"paper","broker":{"base_url":"http://api.robinhood.com"}})"}) {
    auto c = parse_config(ok);
    CHECK_MESSAGE(c.has_value(), ok);
  }
}

TEST_CASE("finding 9: a key that appears twice in config.json is refused, naming the key") {
  auto e = error_of(R"({"mode":"live","mode":"paper"})");
  CHECK(e.field == "mode");
  CHECK(e.rule.find("appears twice") != std::string::npos);
  CHECK(e.rule.find("column") != std::string::npos);
  CHECK(error_of(R"({"order_management":{"retry":{"max_attempts":3,"max_attempts":1}}})").field ==
        "order_management.retry.max_attempts");
  CHECK(error_of(R"({"order_management":{"strategy_overrides":{"s":{},"s":{"buy_offset":1}}}})").field ==
        "order_management.strategy_overrides.s");
  // The same key in two different objects is fine.
  CHECK(parse_config(R"({"order_management":{"buy_offset":1,"strategy_overrides":{"s":{"buy_offset":2}}}})")
            .has_value());
  std::string where, duplicate;
  CHECK_FALSE(parse_exact_json(R"([{"a":1},{"a":2,"a":3}])", &where, &duplicate).has_value());
  CHECK(duplicate == "[].a");
}

TEST_CASE("finding 12: the collar's answer to a missing quote is a config choice, refuse by default") {
  CHECK(parse_config("{}").value().order_management.price_collar_on_missing_quote == MissingQuote::refuse);
  CHECK(parse_config(R"({"order_management":{"price_collar_on_missing_quote":"allow"}})")
            .value()
            .order_management.price_collar_on_missing_quote == MissingQuote::allow);
  CHECK(error_of(R"({"order_management":{"price_collar_on_missing_quote":"skip"}})").to_string() ==
        "order_management.price_collar_on_missing_quote: must be one of \"refuse\" or \"allow\"");
}

namespace {
// A folder of its own under the temp directory, removed at the end.
struct ConfigDir {
  ConfigDir() : path(std::filesystem::temp_directory_path() / ("oms-config-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path / "bot");
  }
  ~ConfigDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& text) const {
    auto file = (path / "bot" / "config.json").string();
    std::ofstream(file) << text;
    return file;
  }
  std::filesystem::path path;
};
}  // namespace

TEST_CASE("finding 15: file paths in config.json resolve against the file's folder, not the working directory") {
  ConfigDir dir;
  auto file = dir.write(R"({"order_management":{"journal_path":"state/orders.jsonl"},
      "broker":{"token_path":"../secrets/token.json","ca_file":"sim.pem"}})");
  auto before = std::filesystem::current_path();
  std::filesystem::current_path(dir.path);  // somewhere else than the file's folder
  auto c = load_config("bot/config.json");
  std::filesystem::current_path(before);
  REQUIRE_MESSAGE(c.has_value(), c.error().to_string());
  auto bot = std::filesystem::canonical(dir.path / "bot");
  CHECK(c->order_management.journal_path == (bot / "state/orders.jsonl").string());
  CHECK(c->broker.token_path == (bot.parent_path() / "secrets/token.json").string());
  CHECK(c->broker.ca_file == (bot / "sim.pem").string());
  // The default journal path belongs to the file's folder too; absolute paths stay as written.
  auto defaults = load_config(dir.write(R"({"order_management":{}})")).value();
  CHECK(defaults.order_management.journal_path == (bot / "logs/orders.jsonl").string());
  auto absolute = load_config(dir.write(R"({"order_management":{"journal_path":"/var/oms/orders.jsonl"}})")).value();
  CHECK(absolute.order_management.journal_path == "/var/oms/orders.jsonl");
  CHECK(absolute.broker.ca_file.empty());  // "" still means the system trust store
}

TEST_CASE("finding 15: ~ in config paths is expanded for an embedding bot too, also in the defaults") {
  std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
  REQUIRE_FALSE(home.empty());
  auto c = parse_config(R"({"order_management":{"journal_path":"~/oms/orders.jsonl"},
      "broker":{"token_path":"~/oms/token.json"}})").value();
  CHECK(c.order_management.journal_path == home + "/oms/orders.jsonl");
  CHECK(c.broker.token_path == home + "/oms/token.json");
  CHECK(Config{}.broker.token_path == home + "/.config/oms/token.json");
  CHECK(parse_config("{}").value().broker.token_path == home + "/.config/oms/token.json");
  CHECK(parse_config("{}").value().order_management.journal_path == "logs/orders.jsonl");  // relative stays relative
  CHECK(expand_home("~user/x") == "~user/x");
}
