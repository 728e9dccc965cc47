// Device verification (issue 14): a login from a device the account does not know meets the
// "sheriff" workflow robin_stocks 3.4 walks in `_validate_sherrif_id`, and only an approved device
// gets tokens. Broker-level with a virtual clock (expiry needs no waiting), and one HTTP test.
#include "gateway/totp.hpp"
#include "tests/sim/broker_harness.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace rhsim;
using namespace std::chrono_literals;
namespace json = boost::json;
using simtest::Harness;
using simtest::quiet_strict;
using simtest::s;

namespace {

Options with_verification(const std::string& type) {
  Options o = quiet_strict();
  o.verification = type;
  o.throttle = false;  // a whole flow plus retries stays within the budget; throttling is tested elsewhere
  return o;
}

/// One walk through the flow as robin_stocks makes it, step by step.
struct Flow {
  Harness& h;
  std::string device = Harness::kDevice;
  std::string workflow, machine, challenge;

  /// The login's 403, and the workflow id from it.
  SimReply start() {
    SimReply r = h.login("demo", {}, device);
    if (r.status == 403) workflow = s(Harness::js(r).at("verification_workflow"), "id");
    return r;
  }
  SimReply user_machine() {
    std::string body = R"({"device_id":")" + device + R"(","flow":"suv","input":{"workflow_id":")" + workflow + R"("}})";
    SimReply r = h.post_json("/pathfinder/user_machine/", body);
    if (r.status == 200) machine = s(Harness::js(r), "id");
    return r;
  }
  json::value inquiry() {
    json::value v = Harness::js(h.call("GET", "/pathfinder/inquiries/" + machine + "/user_view/"));
    challenge = s(v.at("context").at("sheriff_challenge"), "id");
    return v.at("context").at("sheriff_challenge");
  }
  std::string prompt_status() {
    return s(Harness::js(h.call("GET", "/push/" + challenge + "/get_prompts_status/")), "challenge_status");
  }
  SimReply respond(const std::string& code) {
    return h.form("/challenge/" + challenge + "/respond/", {{"response", code}});
  }
  SimReply finish() {
    return h.post_json("/pathfinder/inquiries/" + machine + "/user_view/",
                       R"({"sequence":0,"user_input":{"status":"continue"}})");
  }
  std::string result() { return s(Harness::js(finish()).at("type_context"), "result"); }
  /// The code the account holder received (sms/email), from the admin list.
  std::string code() {
    json::value list = Harness::js(h.call("GET", "/_sim/verifications"));  // named: the loop must not dangle
    for (auto& v : list.at("results").as_array())
      if (s(v, "id") == challenge) return s(v, "code");
    return {};
  }
};

}  // namespace

TEST_CASE("verification (prompt): an unknown device gets 403 with a pending workflow, the app approves it, and the same login then succeeds") {
  Harness h(with_verification("prompt"));
  Flow f{h};
  SimReply first = f.start();
  REQUIRE(first.status == 403);
  CHECK(s(Harness::js(first).at("verification_workflow"), "workflow_status") == "workflow_status_internal_pending");
  CHECK(h.token.empty());
  REQUIRE(f.user_machine().status == 200);
  json::value challenge = f.inquiry();
  CHECK(s(challenge, "type") == "prompt");
  CHECK(s(challenge, "status") == "issued");
  CHECK(f.prompt_status() == "issued");
  CHECK(f.result() == "workflow_status_internal_pending");  // not approved yet
  CHECK(h.login().status == 403);                           // the device is still unknown: a second workflow

  std::string approve = R"({"id":")" + f.challenge + R"("})";
  CHECK(Harness::js(h.admin("/_sim/verifications/approve", approve)).at("approved").as_int64() == 1);
  CHECK(f.prompt_status() == "validated");
  CHECK(s(f.inquiry(), "status") == "validated");
  CHECK(f.result() == "workflow_status_approved");
  SimReply second = h.login();
  REQUIRE(second.status == 200);
  CHECK(h.call("GET", "/accounts/").status == 200);
}

TEST_CASE("verification: an approved device is remembered — later logins from it skip verification, another device does not") {
  Harness h(with_verification("prompt"));
  Flow f{h};
  REQUIRE(f.start().status == 403);
  f.user_machine();
  f.inquiry();
  h.admin("/_sim/verifications/approve", R"({"id":")" + f.challenge + R"("})");
  REQUIRE(f.result() == "workflow_status_approved");
  for (int i = 0; i < 3; ++i) CHECK(h.login().status == 200);
  CHECK(Harness::js(h.call("GET", "/_sim/verifications")).at("results").as_array().size() == 1);  // no new workflow
  CHECK(h.login("demo", {}, "11111111-2222-4333-8444-555555555555").status == 403);
  CHECK(Harness::js(h.call("GET", "/_sim/devices")).at("count").as_int64() == 1);
}

TEST_CASE("verification: approval is not enough until the client continues the workflow, as robin_stocks does") {
  Harness h(with_verification("prompt"));
  Flow f{h};
  f.start();
  f.user_machine();
  f.inquiry();
  h.admin("/_sim/verifications/approve", "{}");
  CHECK(f.prompt_status() == "validated");
  SimReply early = h.login();
  CHECK(early.status == 403);  // validated, but the workflow was not finished: a fresh one starts
  CHECK(f.result() == "workflow_status_approved");
  CHECK(h.login().status == 200);
}

TEST_CASE("verification (sms): the right code validates the challenge and approves the workflow") {
  Harness h(with_verification("sms"));
  Flow f{h};
  REQUIRE(f.start().status == 403);
  f.user_machine();
  json::value challenge = f.inquiry();
  CHECK(s(challenge, "type") == "sms");
  CHECK(challenge.at("remaining_attempts").as_int64() == 3);
  std::string code = f.code();
  REQUIRE(code.size() == 6);
  SimReply r = f.respond(code);
  REQUIRE(r.status == 200);
  CHECK(s(Harness::js(r), "status") == "validated");
  CHECK(f.result() == "workflow_status_approved");
  CHECK(h.login().status == 200);
}

TEST_CASE("verification (email): the code also arrives by JSON respond and the device is approved") {
  Harness h(with_verification("email"));
  Flow f{h};
  f.start();
  f.user_machine();
  CHECK(s(f.inquiry(), "type") == "email");
  SimReply r = h.post_json("/challenge/" + f.challenge + "/respond/", R"({"response":")" + f.code() + R"("})");
  CHECK(r.status == 200);
  CHECK(f.result() == "workflow_status_approved");
  CHECK(h.login().status == 200);
}

TEST_CASE("verification (sms): a wrong code is 400 with the attempts left, and three wrong codes fail the workflow") {
  Harness h(with_verification("sms"));
  Flow f{h};
  f.start();
  f.user_machine();
  f.inquiry();
  std::string good = f.code();
  std::string bad = good == "123456" ? "654321" : "123456";
  SimReply first = f.respond(bad);
  CHECK(first.status == 400);
  CHECK(s(Harness::js(first), "detail") == "Invalid code.");
  CHECK(Harness::js(first).at("challenge").at("remaining_attempts").as_int64() == 2);
  f.respond(bad);
  SimReply third = f.respond(bad);
  CHECK(third.status == 400);
  CHECK(s(Harness::js(third).at("challenge"), "status") == "failed");
  // The right code is too late now; the workflow is failed and the device still unknown.
  CHECK(f.respond(good).status == 400);
  CHECK(f.result() == "workflow_status_failed");
  CHECK(h.login().status == 403);
}

TEST_CASE("verification: a denied prompt answers denied, the workflow is denied, and the next login starts a new workflow") {
  Harness h(with_verification("prompt"));
  Flow f{h};
  f.start();
  f.user_machine();
  f.inquiry();
  std::string denied_workflow = f.workflow;
  h.admin("/_sim/verifications/deny", "{}");
  CHECK(f.prompt_status() == "denied");
  CHECK(f.result() == "workflow_status_denied");
  SimReply again = f.start();
  CHECK(again.status == 403);
  CHECK(f.workflow != denied_workflow);
  auto list = Harness::js(h.call("GET", "/_sim/verifications")).at("results").as_array();
  REQUIRE(list.size() == 2);
  CHECK(s(list[0], "status") == "denied");
  CHECK(s(list[1], "status") == "issued");
}

TEST_CASE("verification: an unanswered challenge expires after verification_timeout_s and cannot be approved") {
  Options o = with_verification("sms");
  o.verification_timeout_s = 120;
  Harness h(o);
  Flow f{h};
  f.start();
  f.user_machine();
  f.inquiry();
  std::string code = f.code();
  h.now += 119s;
  CHECK(s(f.inquiry(), "status") == "issued");
  h.now += 1s;
  CHECK(s(f.inquiry(), "status") == "expired");
  CHECK(f.respond(code).status == 400);
  CHECK(f.result() == "workflow_status_expired");
  CHECK(h.admin("/_sim/verifications/approve", R"({"id":")" + f.challenge + R"("})").status == 409);
  CHECK(h.login().status == 403);
}

TEST_CASE("verification: user_machine refuses an unknown workflow and a device that did not start it") {
  Harness h(with_verification("prompt"));
  Flow f{h};
  f.start();
  Flow other{h, "11111111-2222-4333-8444-555555555555", f.workflow};
  CHECK(other.user_machine().status == 400);
  Flow unknown{h, Harness::kDevice, "00000000-0000-4000-8000-000000000000"};
  CHECK(unknown.user_machine().status == 404);
  CHECK(h.post_json("/pathfinder/user_machine/", R"({"device_id":"x","input":{}})").status == 400);
  CHECK(h.call("GET", "/pathfinder/inquiries/nope/user_view/").status == 404);
  CHECK(f.user_machine().status == 200);
  std::string machine = f.machine;
  CHECK(f.user_machine().status == 200);
  CHECK(f.machine == machine);  // asked twice, the same inquiry
}

TEST_CASE("verification: the admin list names every workflow with its code (sms/email) and never the device token") {
  Harness h(with_verification("sms"));
  Flow f{h};
  f.start();
  SimReply list = h.call("GET", "/_sim/verifications");
  CHECK(list.body.find(Harness::kDevice) == std::string::npos);
  auto v = Harness::js(list);
  CHECK(s(v, "type") == "sms");
  auto entry = v.at("results").at(0);
  CHECK(s(entry, "workflow_id") == f.workflow);
  CHECK(s(entry, "status") == "issued");
  CHECK(s(entry, "code").size() == 6);
  CHECK(h.admin("/_sim/verifications/approve", R"({"id":"no-such"})").status == 404);
  CHECK(h.admin("/_sim/verifications/deny", R"({"id":")" + s(entry, "id") + R"("})").status == 200);
  CHECK(h.admin("/_sim/verifications/deny", R"({"id":")" + s(entry, "id") + R"("})").status == 409);
}

TEST_CASE("--verification none logs any device in; a known device can also be given up front") {
  Options none = with_verification("none");
  Harness h(none);
  CHECK(h.login().status == 200);
  CHECK(h.login("demo", {}, "11111111-2222-4333-8444-555555555555").status == 200);
  Options known = with_verification("prompt");
  known.known_devices = {Harness::kDevice};
  Harness k(known);
  CHECK(k.login().status == 200);
  CHECK(k.login("demo", {}, "11111111-2222-4333-8444-555555555555").status == 403);
  k.admin("/_sim/devices/forget", "{}");
  CHECK(k.login().status == 403);
}

TEST_CASE("verification: wrong credentials are refused before any workflow, and the authenticator code is asked for after the device") {
  Options o = with_verification("prompt");
  o.mfa_secret = "JBSWY3DPEHPK3PXP";
  Harness h(o);
  CHECK(h.login("wrong").status == 400);
  CHECK(Harness::js(h.call("GET", "/_sim/verifications")).at("results").as_array().empty());
  auto key = oms::gateway::base32_decode("JBSWY3DPEHPK3PXP").value();
  auto unix = std::chrono::duration_cast<std::chrono::seconds>(h.now.time_since_epoch());
  std::string code = oms::gateway::totp(key, unix);
  Flow f{h};
  CHECK(h.login("demo", code).status == 403);  // a valid TOTP does not approve a new device
  f.workflow = s(Harness::js(h.call("GET", "/_sim/verifications")).at("results").at(0), "workflow_id");
  f.user_machine();
  f.inquiry();
  h.admin("/_sim/verifications/approve", "{}");
  REQUIRE(f.result() == "workflow_status_approved");
  CHECK(Harness::js(h.login()).at("mfa_required").as_bool());
  CHECK(h.login("demo", code).status == 200);
}
