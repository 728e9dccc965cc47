#include "config/config.hpp"
#include "config/exact_json.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <fstream>

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
}

TEST_CASE("a missing config file is an error naming the path") {
  auto c = load_config("/nonexistent/config.json");
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().rule.find("/nonexistent/config.json") != std::string::npos);
}
