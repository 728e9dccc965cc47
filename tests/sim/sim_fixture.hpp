#pragma once
// A fresh simulator per test: in-process on port 0, its io_context on a background thread.
#include "apps/rh-sim/hosted.hpp"
#include "apps/rh-sim/util.hpp"
#include "gateway/totp.hpp"
#include "simclient/http_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <thread>

namespace simtest {

// The one HTTP client (simclient/) under the names the tests use.
using oms::simclient::Form;
using oms::simclient::HttpClient;
using oms::simclient::Response;

/// Options for tests that exercise something other than the login and the broker's limits: a
/// frozen market (no random walk, no automatic fills) and a short cancel delay. rh-sim is as
/// strict as Robinhood by default; these tests opt out of what they do not measure, explicitly:
inline rhsim::Options frozen_options() {
  rhsim::Options o;
  o.auto_market = false;
  o.cancel_delay_ms = 20;
  o.log = false;
  o.verification = "none";  // every device is known: these tests log in, they do not test device approval
  o.throttle = false;       // they send bursts Robinhood would throttle; the throttle tests turn it on
  o.gfd_expiry = false;     // wall-clock tests must not see a day order expire because 4 pm New York passed
  return o;
}

/// The strict defaults (device verification by prompt, throttling, day orders expiring), with
/// only the market frozen and the log quiet: what the tests of those rules start from.
inline rhsim::Options strict_options() {
  rhsim::Options o;
  o.auto_market = false;
  o.log = false;
  return o;
}

class SimFixture {
 public:
  explicit SimFixture(rhsim::Options options = frozen_options()) : host_(options), sim_(host_.sim()) {
    port_ = host_.port();
    admin_client_.emplace(port_, sim_.certificate_pem());
  }
  ~SimFixture() { admin_client_.reset(); }  // before the simulator stops

  std::uint16_t port() const { return port_; }
  rhsim::Simulator& sim() { return sim_; }
  std::string base() const { return sim_.base_url(); }
  HttpClient client() { return HttpClient(port_, sim_.certificate_pem()); }

  /// The form robin_stocks 3.4 posts to /oauth2/token/ for a password login.
  static Form login_form(const std::string& device = device_token, const std::string& password = "demo") {
    return {{"client_id", "c82SH0WZOsabOXGP2sxqcj34FxkvfnWRZBKlBjFS"},
            {"expires_in", "86400"},
            {"grant_type", "password"},
            {"password", password},
            {"scope", "internal"},
            {"username", "demo"},
            {"device_token", device},
            {"try_passkeys", "False"},
            {"token_request_path", "/login"},
            {"create_read_only_secondary_token", "True"}};
  }

  /// A client logged in as demo/demo (from a device the simulator knows).
  HttpClient login() {
    HttpClient c = client();
    auto r = c.post_form("/oauth2/token/", login_form());
    c.set_token(std::string(r.json().at("access_token").as_string()));
    return c;
  }

  std::string account_url() { return base() + "/accounts/5SIM0001/"; }
  std::string instrument_url(HttpClient& c, const std::string& symbol) {
    auto r = c.get("/instruments/?symbol=" + symbol);
    return std::string(r.json().at("results").at(0).at("url").as_string());
  }
  std::string new_ref_id() { return rng_.uuid(); }

  /// The form robin_stocks sends for a limit order.
  Form limit_order(HttpClient& c, const std::string& symbol, const std::string& side,
                   const std::string& price, const std::string& quantity, std::string ref_id = {}) {
    if (ref_id.empty()) ref_id = new_ref_id();
    return {{"account", account_url()},  {"instrument", instrument_url(c, symbol)},
            {"symbol", symbol},          {"price", price},
            {"quantity", quantity},      {"ref_id", ref_id},
            {"type", "limit"},           {"time_in_force", "gtc"},
            {"trigger", "immediate"},    {"side", side},
            {"market_hours", "regular_hours"}, {"extended_hours", "False"},
            {"order_form_version", "4"}};
  }

  /// Posts an admin call; returns the parsed JSON reply.
  boost::json::value admin(const std::string& path, const std::string& json) {
    return admin_client_->post_json(path, json).json();
  }
  boost::json::value admin_get(const std::string& path) { return admin_client_->get(path).json(); }
  /// DELETE on an admin route (DELETE /_sim/faults clears every armed fault).
  void admin_delete(const std::string& path) { admin_client_->request("DELETE", path); }

  static constexpr const char* device_token = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

 private:
  rhsim::HostedSimulator host_;
  rhsim::Simulator& sim_;
  std::uint16_t port_ = 0;
  rhsim::Rng rng_{42};
  std::optional<HttpClient> admin_client_;
};

/// Polls GET /orders/{id}/ until its state is `state` (or about two seconds pass).
inline std::string wait_for_state(HttpClient& c, const std::string& id, const std::string& state) {
  std::string seen;
  for (int i = 0; i < 200; ++i) {
    seen = std::string(c.get("/orders/" + id + "/").json().at("state").as_string());
    if (seen == state) return seen;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return seen;
}

inline std::string str(const boost::json::value& v, const char* key) {
  const auto& x = v.at(key);
  return x.is_string() ? std::string(x.as_string()) : boost::json::serialize(x);
}

}  // namespace simtest
