#pragma once
// The Broker without sockets (rh-sim's I/O-free core): requests are handed to it with a time
// the test controls, so every step is deterministic and no test sleeps.
#include "apps/rh-sim/broker.hpp"
#include "simclient/http_client.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <string>

namespace simtest {

using oms::simclient::encode_form;
using oms::simclient::Form;

inline const oms::Timestamp kStart = oms::parse_iso8601("2026-11-24T15:00:00Z").value();  // 10:00 New York

/// The Broker tests are about orders, fills and the account: they opt out of device
/// verification and throttling (each has its own tests, which start from the defaults). Time is
/// virtual here, so day orders keep expiring at the close as they do by default.
inline rhsim::Options quiet_frozen() {
  rhsim::Options o;
  o.auto_market = false;
  o.log = false;
  o.verification = "none";
  o.throttle = false;
  return o;
}

/// rh-sim's defaults with only the market frozen and the log quiet.
inline rhsim::Options quiet_strict() {
  rhsim::Options o;
  o.auto_market = false;
  o.log = false;
  return o;
}

struct Harness {
  using SimReply = rhsim::SimReply;
  using json_value = boost::json::value;
  static constexpr const char* kDevice = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

  explicit Harness(rhsim::Options o = quiet_frozen()) : broker(o, kStart) { broker.set_base_url("http://sim"); }

  SimReply call(const std::string& method, const std::string& target, const std::string& body = {},
                const std::string& content_type = "application/x-www-form-urlencoded") {
    rhsim::SimRequest r{method, target, token.empty() ? "" : "Bearer " + token, content_type, body};
    return broker.handle(r, now);
  }
  SimReply form(const std::string& target, const Form& f) { return call("POST", target, encode_form(f)); }
  SimReply post_json(const std::string& target, const std::string& body) {
    return call("POST", target, body, "application/json");
  }
  SimReply admin(const std::string& target, const std::string& body) { return post_json(target, body); }
  static json_value js(const SimReply& r) { return boost::json::parse(r.body); }

  SimReply login(const std::string& password = "demo", const std::string& mfa = {},
                 const std::string& device = kDevice) {
    Form f{{"grant_type", "password"}, {"username", "demo"}, {"password", password}, {"device_token", device}};
    if (!mfa.empty()) f.emplace_back("mfa_code", mfa);
    SimReply r = form("/oauth2/token/", f);
    if (r.status == 200) token = std::string(js(r).at("access_token").as_string());
    return r;
  }

  Form order(const std::string& side, const std::string& price, const std::string& qty,
             const std::string& symbol = "TSLA") {
    return {{"account", "http://sim/accounts/5SIM0001/"},
            {"instrument", "http://sim/instruments/" + broker.market().by_symbol(symbol)->id + "/"},
            {"symbol", symbol}, {"price", price}, {"quantity", qty}, {"ref_id", rng.uuid()},
            {"type", "limit"}, {"time_in_force", "gtc"}, {"trigger", "immediate"}, {"side", side},
            {"market_hours", "regular_hours"}, {"extended_hours", "False"}, {"order_form_version", "4"}};
  }
  std::string place(const std::string& side, const std::string& price, const std::string& qty) {
    SimReply r = form("/orders/", order(side, price, qty));
    REQUIRE(r.status == 201);
    return std::string(js(r).at("id").as_string());
  }
  json_value get(const std::string& id) { return js(call("GET", "/orders/" + id + "/")); }

  rhsim::Broker broker;
  oms::Timestamp now = kStart;
  std::string token;
  rhsim::Rng rng{7};
};

/// A string field, or "null".
inline std::string s(const boost::json::value& v, const char* key) {
  return v.at(key).is_null() ? "null" : std::string(v.at(key).as_string());
}

}  // namespace simtest
