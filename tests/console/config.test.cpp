// config.json's console and alerts keys: each rule refused in one line naming the field.
#include "config/config.hpp"

#include <doctest/doctest.h>

using namespace oms::config;

namespace {
std::string error_of(const std::string& json) {
  auto c = parse_config(json);
  return c ? std::string() : c.error().field + ": " + c.error().rule;
}
}  // namespace

TEST_CASE("the console and alerts are off by default") {
  auto c = parse_config("{}");
  REQUIRE(c.has_value());
  CHECK(c->console.listen.empty());
  CHECK_FALSE(c->alerts.enabled());
  CHECK(c->alerts.p95_sustain_s == 600);
}

TEST_CASE("console.listen must be a loopback address and a port") {
  for (const char* ok : {"127.0.0.1:8470", "127.0.0.1:0", "[::1]:8470", "127.1.2.3:1"}) {
    INFO(ok);
    CHECK(error_of(std::string(R"({"console":{"listen":")") + ok + "\"}}").empty());
  }
  for (const char* bad : {"0.0.0.0:8470", "192.168.1.5:8470", "localhost:8470", "127.0.0.1", "127.0.0.1:99999",
                          "127.0.0.1:x", ":8470", "127.0.0:8470", "[::]:8470"}) {
    INFO(bad);
    CHECK(error_of(std::string(R"({"console":{"listen":")") + bad + "\"}}").rfind("console.listen: must be a loopback", 0) == 0);
  }
}

TEST_CASE("console.scrape_token must be long enough, and unknown console keys are refused") {
  CHECK(error_of(R"({"console":{"scrape_token":"short"}})").rfind("console.scrape_token: must be at least 32", 0) == 0);
  CHECK(error_of(R"({"console":{"scrape_token":"0123456789abcdef0123456789abcdef"}})").empty());
  CHECK(error_of(R"({"console":{"listn":"127.0.0.1:1"}})").rfind("console.listn: is not a known setting (did you mean \"listen\"?)", 0) == 0);
}

TEST_CASE("alerts: a webhook URL, a command, their limits") {
  auto c = parse_config(R"({"alerts":{"webhook_url":"http://127.0.0.1:9/hook","command":"cat > /tmp/a","command_timeout_s":3}})");
  REQUIRE(c.has_value());
  CHECK(c->alerts.enabled());
  CHECK(c->alerts.command_timeout_s == 3);
  CHECK(error_of(R"({"alerts":{"webhook_url":"ftp://x"}})") == "alerts.webhook_url: must start with https:// or http://");
  CHECK(error_of(R"({"alerts":{"command_timeout_s":0}})") == "alerts.command_timeout_s: must be a whole number from 1 to 600");
  CHECK(error_of(R"({"alerts":{"p95_sustain_s":0}})") == "alerts.p95_sustain_s: must be a whole number from 1 to 86400");
  CHECK(error_of(R"({"alerts":{"webhook":"http://x"}})").rfind("alerts.webhook: is not a known setting", 0) == 0);
}
