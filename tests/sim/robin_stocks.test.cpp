// rh-sim with its strict defaults (device verification by prompt, throttling on) against the
// exact request shapes of robin_stocks 3.4: its session headers, its login form
// (authentication.py `login`), its `_validate_sherrif_id` calls (JSON where it sends JSON, form
// where it sends form), and the order form of orders.py `order`. A client that speaks the real
// API must work against rh-sim unchanged.
#include "tests/sim/sim_fixture.hpp"

#include <doctest/doctest.h>

using namespace simtest;
namespace json = boost::json;

namespace {

// helper.py's SESSION headers.
void robin_stocks_headers(HttpClient& c) {
  c.set_header("Accept-Encoding", "gzip,deflate,br");
  c.set_header("Accept-Language", "en-US,en;q=1");
  c.set_header("Connection", "keep-alive");
  c.set_header("User-Agent", "*");
}

// authentication.py generate_device_token(): 16 random bytes, dashes after bytes 4, 6, 8, 10.
constexpr const char* kRobinStocksDevice = "3fa2b1c0-9e8d-7c6b-5a49-382716050403";

}  // namespace

TEST_CASE("robin_stocks 3.4's login, device verification and limit order work against rh-sim's strict defaults") {
  SimFixture sim(strict_options());
  HttpClient c = sim.client();
  robin_stocks_headers(c);

  // login(): form-encoded, and a 403 whose JSON carries the workflow.
  Form login = SimFixture::login_form(kRobinStocksDevice);
  auto first = c.post_form("/oauth2/token/", login);
  REQUIRE(first.status == 403);
  std::string workflow = str(first.json().at("verification_workflow"), "id");
  CHECK(str(first.json().at("verification_workflow"), "workflow_status") == "workflow_status_internal_pending");

  // _validate_sherrif_id(): request_post(..., json=True) for the machine.
  auto machine = c.post_json("/pathfinder/user_machine/",
                             R"({"device_id":")" + std::string(kRobinStocksDevice) +
                                 R"(","flow":"suv","input":{"workflow_id":")" + workflow + R"("}})");
  REQUIRE(machine.status == 200);
  std::string inquiries = "/pathfinder/inquiries/" + str(machine.json(), "id") + "/user_view/";
  auto view = c.get(inquiries);
  REQUIRE(view.status == 200);
  auto challenge = view.json().at("context").at("sheriff_challenge");
  CHECK(str(challenge, "type") == "prompt");
  CHECK(str(challenge, "status") == "issued");
  std::string prompt = "/push/" + str(challenge, "id") + "/get_prompts_status/";
  CHECK(str(c.get(prompt).json(), "challenge_status") == "issued");

  // The account holder taps "approve" in the app.
  sim.admin("/_sim/verifications/approve", "{}");
  CHECK(str(c.get(prompt).json(), "challenge_status") == "validated");
  auto finished = c.post_json(inquiries, R"({"sequence":0,"user_input":{"status":"continue"}})");
  REQUIRE(finished.status == 200);
  CHECK(str(finished.json().at("type_context"), "result") == "workflow_status_approved");

  // The same payload again, the same device token: tokens.
  auto second = c.post_form("/oauth2/token/", login);
  REQUIRE(second.status == 200);
  auto tokens = second.json();
  CHECK(str(tokens, "token_type") == "Bearer");
  c.set_token(str(tokens, "access_token"));

  // order(): the reads it makes, then its form (stop_price None is dropped by requests).
  auto account = c.get("/accounts/?default_to_all_accounts=true").json().at("results").at(0);
  auto instrument = c.get("/instruments/?symbol=TSLA").json().at("results").at(0);
  auto quote = c.get("/quotes/?symbols=TSLA").json().at("results").at(0);
  Form order{{"account", str(account, "url")},
             {"instrument", str(instrument, "url")},
             {"symbol", "TSLA"},
             {"price", "249.5"},
             {"ask_price", "250.01"},
             {"bid_ask_timestamp", "2026-11-24 10:00:00.123456"},
             {"bid_price", "249.99"},
             {"quantity", "2"},
             {"ref_id", sim.new_ref_id()},
             {"type", "limit"},
             {"time_in_force", "gtc"},
             {"trigger", "immediate"},
             {"side", "buy"},
             {"market_hours", "regular_hours"},
             {"extended_hours", "False"},
             {"order_form_version", "4"},
             {"preset_percent_limit", "0.05"}};
  CHECK(!str(quote, "ask_price").empty());
  auto placed = c.post_form("/orders/", order);
  REQUIRE(placed.status == 201);
  CHECK(str(placed.json(), "state") == "unconfirmed");
  CHECK(str(placed.json(), "market_hours") == "regular_hours");
  CHECK(placed.json().at("order_form_version").as_int64() == 4);
  CHECK(c.post_form(str(placed.json(), "cancel").substr(sim.base().size()), {}).status == 200);
}

TEST_CASE("robin_stocks' sms respond (form-encoded {response: code}) validates the challenge over HTTP") {
  rhsim::Options o = strict_options();
  o.verification = "sms";
  SimFixture sim(o);
  HttpClient c = sim.client();
  robin_stocks_headers(c);
  auto first = c.post_form("/oauth2/token/", SimFixture::login_form(kRobinStocksDevice));
  REQUIRE(first.status == 403);
  auto machine = c.post_json("/pathfinder/user_machine/",
                             R"({"device_id":")" + std::string(kRobinStocksDevice) + R"(","flow":"suv","input":{"workflow_id":")" +
                                 str(first.json().at("verification_workflow"), "id") + R"("}})");
  std::string inquiries = "/pathfinder/inquiries/" + str(machine.json(), "id") + "/user_view/";
  std::string challenge = str(c.get(inquiries).json().at("context").at("sheriff_challenge"), "id");
  std::string code = str(sim.admin_get("/_sim/verifications").at("results").at(0), "code");
  auto answered = c.post_form("/challenge/" + challenge + "/respond/", {{"response", code}});
  REQUIRE(answered.status == 200);
  CHECK(str(answered.json(), "status") == "validated");
  CHECK(str(c.post_json(inquiries, R"({"sequence":0,"user_input":{"status":"continue"}})").json().at("type_context"),
            "result") == "workflow_status_approved");
  CHECK(c.post_form("/oauth2/token/", SimFixture::login_form(kRobinStocksDevice)).status == 200);
}
