// The seed's non-functional requirements that behaviour can show: NFR-002 (every broker response
// persisted), NFR-003 (logs mask identities and carry the audit fields), NFR-005 (duplicates,
// including a race) and NFR-006 (cancel and status retry transient failures).
// NFR-001 (latency) is measured by `oms report` / the benchmarks, not asserted here (no timing
// assertions in tests); NFR-004 (docs, unit tests, coverage) is a property of the codebase.
#include "requirements_fixture.hpp"

#include <fstream>
#include <sstream>

using namespace reqtest;

namespace {

std::vector<boost::json::object> of_kind(const std::vector<boost::json::object>& records, const char* kind) {
  std::vector<boost::json::object> out;
  for (const auto& r : records)
    if (r.at("kind") == kind) out.push_back(r);
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("NFR-002: every broker response is persisted to the journal, also when retries run out") {
  simtest::SimFixture sim;
  sim.admin("/_sim/position", R"({"symbol":"TSLA","quantity":"5"})");
  Live live(sim);
  auto placed = live.buy("TSLA", "2", "250.30");  // accepted
  REQUIRE_MESSAGE(placed.envelope.has_value(), why(placed));
  auto refused = live.sell("MSFT", "1", "415.00");  // refused by the broker (no shares)
  REQUIRE(refused.error.has_value());
  fault(sim, "POST", "/orders/", "http_503", 3);
  auto exhausted = live.buy("AAPL", "1", "190.00");  // unreachable after three attempts
  REQUIRE(exhausted.error.has_value());
  CHECK(exhausted.error->category == SubmissionErrorCategory::transient_exhausted);
  auto cancelled = live.run(live.om.cancel_all_open_orders("test"));
  REQUIRE(cancelled.results.size() == 1);

  auto records = live.journal_once([](const auto& written) { return !of_kind(written, "cancel_result").empty(); });
  auto envelopes = of_kind(records, "envelope");
  REQUIRE(envelopes.size() == 1);
  CHECK(envelopes[0].at("raw").at("id").as_string() == placed.envelope->order_id);  // the broker's payload
  auto failures = of_kind(records, "submission_failed");
  REQUIRE(failures.size() == 2);
  std::map<std::string, boost::json::object> failed_by_ref;
  for (auto& f : failures) failed_by_ref[std::string(f.at("ref_id").as_string())] = f;
  const auto& rejection = failed_by_ref[refused.error->ref_id];
  CHECK(rejection.at("category").as_string() == "broker_rejected");
  CHECK(rejection.at("http_status").to_number<int>() == 400);
  CHECK(rejection.at("detail").as_string() == "Not enough shares to sell.");
  const auto& exhaustion = failed_by_ref[exhausted.error->ref_id];
  CHECK(exhaustion.at("category").as_string() == "transient_exhausted");
  CHECK(exhaustion.at("attempts").to_number<int>() == 3);
  CHECK(exhaustion.at("http_status").to_number<int>() == 503);
  auto cancels = of_kind(records, "cancel_result");
  REQUIRE(cancels.size() == 1);
  CHECK(cancels[0].at("order_id").as_string() == placed.envelope->order_id);
  CHECK(cancels[0].at("outcome").as_string() == "cancelled");
  // Every intent has its outcome: three intents, one envelope, two failures.
  CHECK(of_kind(records, "intent").size() == 3);
}

TEST_CASE("NFR-003: logs mask the username, password, device token and tokens, and carry order_id, symbol, side, "
          "limit_price, attempt and latency_ms") {
  auto options = simtest::frozen_options();
  options.user = "trader.alice.q7";
  options.password = "pw-Zx81-secret";
  simtest::SimFixture sim(options);
  TempDir logs;
  auto log_path = logs.file("oms.jsonl");
  REQUIRE(oms::log::add_json_file(log_path, oms::log::Level::debug));
  std::string token_file;
  std::string order_id;
  {
    Live live(sim, "", nullptr, gateway::Credentials{options.user, options.password, "", ""});
    auto placed = live.buy("TSLA", "3", "250.30");
    REQUIRE_MESSAGE(placed.envelope.has_value(), why(placed));
    order_id = placed.envelope->order_id;
    CHECK(live.run(live.om.get_order_status(order_id)).status.has_value());
    token_file = read_text(live.dir.file("token.json"));
  }
  oms::log::reset_files();
  auto session = boost::json::parse(token_file).as_object();
  std::vector<std::string> secrets{options.user, options.password};
  for (const char* key : {"access_token", "refresh_token", "device_token"}) {
    REQUIRE(session.at(key).is_string());
    REQUIRE_FALSE(session.at(key).as_string().empty());
    secrets.emplace_back(session.at(key).as_string());
  }

  auto text = read_text(log_path);
  REQUIRE_FALSE(text.empty());
  for (const auto& secret : secrets) CHECK_MESSAGE(text.find(secret) == std::string::npos, "a secret is in the log");

  bool logged_in = false, submitted = false, login_request = false;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto r = boost::json::parse(line).as_object();
    if (r.at("event") == "broker.logged_in") {
      logged_in = true;
      CHECK(r.at("user").as_string() == oms::log::mask_identifier(options.user));
    }
    if (r.at("event") == "broker.request" && r.at("kind") == "login") login_request = true;
    if (r.at("event") == "order.submitted") {
      submitted = true;
      CHECK(r.at("order_id").as_string() == order_id);
      CHECK(r.at("symbol").as_string() == "TSLA");
      CHECK(r.at("side").as_string() == "buy");
      CHECK(r.at("limit_price").as_string() == "249.93");
      CHECK(r.at("attempt").to_number<int>() == 1);
      CHECK(r.at("latency_ms").is_int64());
    }
  }
  CHECK(logged_in);
  CHECK(login_request);  // the login request itself was logged, with its form masked
  CHECK(submitted);
}

TEST_CASE("NFR-005: a request for a key already pending returns the existing envelope without a second broker call, "
          "also when two identical requests race") {
  simtest::SimFixture sim;
  Live live(sim);
  auto first = live.buy("TSLA", "50", "250.30");
  REQUIRE_MESSAGE(first.envelope.has_value(), why(first));
  auto posts = order_posts(sim);
  auto again = live.buy("TSLA", "50", "250.30");
  REQUIRE(again.envelope.has_value());
  CHECK(again.duplicate);
  CHECK(again.envelope->order_id == first.envelope->order_id);
  // The key is symbol + side + normalised limit: 250.305 also prices at 249.93.
  auto same_limit = live.buy("TSLA", "50", "250.305");
  REQUIRE(same_limit.envelope.has_value());
  CHECK(same_limit.duplicate);
  CHECK(same_limit.envelope->order_id == first.envelope->order_id);
  // No order call at all (a quote older than 2 s may be re-read for the price collar).
  CHECK(order_posts(sim) == posts);
  CHECK(broker_orders(sim) == 1);

  // Two identical requests at once, neither knowing of the other.
  std::optional<SubmissionResult> a, b;
  live.om.submit(request("AAPL", "10", Side::buy, "190.00"), [&](std::exception_ptr, SubmissionResult r) { a = r; });
  live.om.submit(request("AAPL", "10", Side::buy, "190.00"), [&](std::exception_ptr, SubmissionResult r) { b = r; });
  REQUIRE(live.run_until([&] { return a && b; }));
  REQUIRE_MESSAGE(a->envelope.has_value(), why(*a));
  REQUIRE_MESSAGE(b->envelope.has_value(), why(*b));
  CHECK(a->envelope->order_id == b->envelope->order_id);
  CHECK(a->duplicate != b->duplicate);  // exactly one of them was sent
  CHECK(broker_orders(sim) == 2);
  CHECK(order_posts(sim) == 2);
}

TEST_CASE("NFR-006: cancellation and status queries retry transient failures (timeout or 5xx) up to 3 times "
          "before escalating") {
  simtest::SimFixture sim;
  // A request deadline no healthy loopback request comes near even on a loaded 2-core machine, so
  // the only timeout is the injected one and the request counts below are exact (finding 22).
  Live live(sim, R"("timeouts":{"connect_ms":5000,"request_ms":3000})");
  auto one = live.buy("TSLA", "1", "250.30");
  auto two = live.buy("AAPL", "1", "190.00");
  REQUIRE_MESSAGE(one.envelope.has_value(), why(one));
  REQUIRE_MESSAGE(two.envelope.has_value(), why(two));
  const auto id = one.envelope->order_id;

  // Status: a timeout, then a 502 — the third attempt answers.
  auto gets = route_count(sim, "GET /orders/{id}/");
  fault(sim, "GET", "/orders/" + id + "/", "timeout", 1);
  fault(sim, "GET", "/orders/" + id + "/", "http_502", 1);
  auto status = live.run(live.om.get_order_status(id));
  REQUIRE_MESSAGE(status.status.has_value(), status.error);
  CHECK(status.status->state == OrderState::queued);
  CHECK(route_count(sim, "GET /orders/{id}/") == gets + 3);

  // Three 5xx in a row: escalated as an error after exactly three attempts.
  gets = route_count(sim, "GET /orders/{id}/");
  fault(sim, "GET", "/orders/" + id + "/", "http_500", 3);
  auto failed = live.run(live.om.get_order_status(id));
  CHECK_FALSE(failed.status.has_value());
  CHECK(failed.error.find(id) != std::string::npos);
  CHECK(failed.category == StatusErrorCategory::transient_exhausted);
  CHECK(route_count(sim, "GET /orders/{id}/") == gets + 3);

  // Cancel: the first order's cancel fails twice with 503 and then goes through; the second's
  // fails three times and is reported failed (still open), not silently dropped.
  fault(sim, "POST", "/orders/" + id + "/cancel/", "http_503", 2);
  fault(sim, "POST", "/orders/" + two.envelope->order_id + "/cancel/", "http_500", 3);
  auto report = live.run(live.om.cancel_all_open_orders("test"));
  REQUIRE(report.results.size() == 2);
  std::map<std::string, CancelResult> by_id;
  for (auto& r : report.results) by_id[r.order_id] = r;
  CHECK(by_id[id].outcome == CancelOutcome::cancelled);
  CHECK(by_id[two.envelope->order_id].outcome == CancelOutcome::failed);
  CHECK_FALSE(by_id[two.envelope->order_id].detail.empty());
  CHECK(cancel_posts(sim) == 6);
  CHECK(report.open_orders_remaining == 1);
}

namespace {
/// The SafetyChecks state a failure must leave as it was: pending keys, latches.
PendingOrders ledger_state(Live& live) {
  auto asked = live.run(runtime::ask<PendingOrders>(live.om.ledger(), PendingOrdersQuery{}, 10s));
  REQUIRE(asked.has_value());
  auto state = *asked;
  std::sort(state.order_ids.begin(), state.order_ids.end());
  return state;
}
}  // namespace

TEST_CASE("finding 20: acceptance 5 — a network timeout on every attempt gives an OrderSubmissionError with "
          "guidance, logs order.submission_failed with the payload masked, and leaves SafetyChecks untouched") {
  auto options = simtest::frozen_options();
  options.user = "trader.tim.k4";
  options.password = "pw-Timeout-91q";
  simtest::SimFixture sim(options);
  TempDir logs;
  auto log_path = logs.file("oms.jsonl");
  REQUIRE(oms::log::add_json_file(log_path, oms::log::Level::info));
  std::string token_file, ref_id;
  {
    // A breaker that trips at the first failure it counts shows the failure count unchanged too.
    // The settlement may prove the lost order absent 200 ms after the last attempt.
    Live live(sim,
              R"("breaker_consecutive_failures":1,"timeouts":{"connect_ms":2000,"request_ms":1000},)"
              R"("settlement":{"quiet_ms":200,"base_delay_ms":20,"max_delay_ms":100})",
              nullptr,
              gateway::Credentials{options.user, options.password, "", ""});
    auto resting = live.buy("AAPL", "1", "190.00");  // one pending key before
    REQUIRE_MESSAGE(resting.envelope.has_value(), why(resting));
    auto before = ledger_state(live);
    REQUIRE(before.order_ids.size() == 1);

    fault(sim, "POST", "/orders/", "timeout", 3);  // the broker never answers, on every attempt
    auto failed = live.buy("TSLA", "2", "250.30");
    REQUIRE(failed.error.has_value());
    CHECK(order_posts(sim) == 4);  // three attempts with one ref_id, after the first order
    CHECK_FALSE(failed.error->ref_id.empty());
    CHECK(failed.error->guidance.find(failed.error->ref_id) != std::string::npos);
    ref_id = failed.error->ref_id;

    auto after = ledger_state(live);
    CHECK(after.order_ids == before.order_ids);
    CHECK(after.halted == before.halted);
    CHECK(after.breaker_open == before.breaker_open);
    CHECK_FALSE(after.breaker_open);
    // What it leaves is its own key, reserved as unresolved until it is settled (finding 13.1):
    // the same request waits for the settlement, which proves the order absent now that the
    // broker answers, and it is placed once, under the first attempt's ref_id.
    REQUIRE(after.unresolved.size() == 1);
    CHECK(after.unresolved.front().ref_id == ref_id);
    auto again = live.buy("TSLA", "2", "250.30");
    REQUIRE_MESSAGE(again.envelope.has_value(), why(again));
    CHECK_FALSE(again.duplicate);
    CHECK(again.envelope->ref_id == ref_id);
    CHECK(ledger_state(live).unresolved.empty());
    token_file = read_text(live.dir.file("token.json"));
  }
  oms::log::reset_files();
  auto text = read_text(log_path);
  auto session = boost::json::parse(token_file).as_object();
  std::vector<std::string> secrets{options.user, options.password};
  for (const char* key : {"access_token", "refresh_token", "device_token"})
    secrets.emplace_back(session.at(key).as_string());
  std::optional<boost::json::object> failure;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto r = boost::json::parse(line).as_object();
    if (r.at("event") != "order.submission_failed" || r.at("ref_id") != ref_id.c_str()) continue;
    failure = r;
    for (const auto& secret : secrets) CHECK_MESSAGE(line.find(secret) == std::string::npos, "a secret is logged");
  }
  REQUIRE(failure.has_value());
  CHECK(failure->at("symbol").as_string() == "TSLA");
  CHECK(failure->at("attempt").to_number<int>() == 3);
  const auto& payload = failure->at("payload").as_object();  // the order as it was sent
  CHECK(payload.at("ref_id").as_string() == ref_id);
  CHECK(payload.at("quantity").as_string() == "2");
  CHECK(payload.at("limit_price").as_string() == "249.93");
}
