#include "stack_fixture.hpp"

#include "gateway/token_import.hpp"
#include "gateway/token_store.hpp"

#include <filesystem>
#include <set>

using namespace gwtest;
using namespace std::chrono_literals;

namespace {

OrderRequest tsla_buy_50() { return limit_buy("TSLA", "50", "250.30"); }

// Requests rh-sim saw on one route ("GET /quotes/"), faulted ones included.
std::int64_t route_count(simtest::SimFixture& sim, const char* route) {
  auto counts = sim.admin_get("/_sim/requests").at("counts").as_object();
  const auto* n = counts.if_contains(route);
  return n ? n->to_number<std::int64_t>() : 0;
}

// Virtual time that starts at the wall time: the session's tokens expire on it, and rh-sim
// stamps orders and tokens with the wall clock.
std::shared_ptr<oms::runtime::VirtualClock> wall_time_clock() {
  return std::make_shared<oms::runtime::VirtualClock>(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
}

// Moves the Stack's virtual clock by `d`, running whatever wakes on the way.
void advance(Stack& stack, oms::runtime::VirtualClock& clock, oms::runtime::Duration d) {
  clock.advance(d, [&] {
    stack.ctx.restart();
    stack.ctx.poll();
  });
}

// Runs the io_context until every task the actors spawned has finished (a quote refresh behind
// an order included), or 20 s of real time went by.
bool run_until_tasks_finish(Stack& stack) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (stack.rt.running_tasks() > 0 && std::chrono::steady_clock::now() < deadline) {
    stack.ctx.restart();
    stack.ctx.run_for(5ms);
  }
  return stack.rt.running_tasks() == 0;
}

// A Stack on a session imported from the browser (no refresh token: nothing can renew it) places
// one TSLA order; then the broker drops the session and, once that order's quote is stale, a
// second TSLA order must fetch a quote. Returns its result; `records`: the journal's after it.
SubmissionResult order_after_session_revoked(simtest::SimFixture& sim, const oms::config::Config& config,
                                             std::vector<boost::json::object>& records) {
  static int counter = 0;
  struct TempDir {
    std::filesystem::path path;
    ~TempDir() { std::filesystem::remove_all(path); }
  } dir{std::filesystem::temp_directory_path() /
        ("oms-collar-session-" + std::to_string(::getpid()) + "-" + std::to_string(counter++))};
  std::filesystem::remove_all(dir.path);
  auto token_path = (dir.path / "token.json").string();
  auto clock = wall_time_clock();
  auto minted = sim.admin("/_sim/tokens", R"({"expires_in_s":2592000})");
  std::string access_token(minted.at("access_token").as_string());
  auto session = oms::gateway::imported_session(access_token, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", clock->now());
  REQUIRE(session.has_value());
  REQUIRE(oms::gateway::save_session(token_path, *session).has_value());
  SubmissionResult r;
  {
    Stack stack(sim, config, [&](GatewayOptions& o) {
      o.token_path = token_path;
      o.credentials = Credentials{};  // no password to log in again with
    }, clock);
    auto first = stack.submit(limit_buy("TSLA", "1", "249.00"));  // the instrument is known from here on
    REQUIRE_MESSAGE(first.envelope.has_value(), (first.error ? first.error->to_string() : ""));
    sim.admin("/_sim/expire_tokens", "{}");  // the broker no longer honours the session
    advance(stack, *clock, 2100ms);          // past the quote's freshness: the next order fetches one
    r = stack.submit(limit_buy("TSLA", "1", "248.90"));
    records = stack.journal_records();
  }
  return r;
}

}  // namespace

TEST_CASE("acceptance 1: a TSLA buy of 50 at reference 250.30 with 15 bps is placed at 249.93 and journalled") {
  simtest::SimFixture sim;
  Stack stack(sim);
  auto result = stack.submit(tsla_buy_50());
  REQUIRE_MESSAGE(result.envelope.has_value(), (result.error ? result.error->to_string() : ""));
  const auto& e = *result.envelope;
  CHECK(e.limit_price.to_string(2) == "249.93");
  CHECK(e.mode == ExecutionMode::live);
  CHECK_FALSE(result.duplicate);
  auto broker = sim.admin_get("/_sim/orders");
  REQUIRE(broker.at("count").to_number<int>() == 1);
  const auto& order = broker.at("results").as_array()[0];
  CHECK(order.at("id").as_string() == e.order_id);
  CHECK(order.at("price").as_string() == "249.93000000");
  CHECK(order.at("quantity").as_string() == "50.00000000");
  CHECK(order.at("ref_id").as_string() == e.ref_id);
  auto records = stack.journal_records();
  REQUIRE(records.size() == 2);
  CHECK(records[0].at("kind").as_string() == "intent");  // written before the broker saw anything
  CHECK(records[0].at("ref_id").as_string() == e.ref_id);
  CHECK(records[1].at("kind").as_string() == "envelope");
  CHECK(records[1].at("order_id").as_string() == e.order_id);
  CHECK(records[1].at("limit_price").as_string() == "249.93");
}

TEST_CASE("NFR-005: an identical request while the first is pending returns the same envelope, no broker call") {
  simtest::SimFixture sim;
  Stack stack(sim);
  auto first = stack.submit(tsla_buy_50());
  REQUIRE(first.envelope.has_value());
  auto requests_before = sim.admin_get("/_sim/requests").at("total").to_number<int>();
  auto again = stack.submit(tsla_buy_50());
  REQUIRE(again.envelope.has_value());
  CHECK(again.duplicate);
  CHECK(again.envelope->order_id == first.envelope->order_id);
  CHECK(sim.admin_get("/_sim/requests").at("total").to_number<int>() == requests_before);
  CHECK(sim.admin_get("/_sim/orders").at("count").to_number<int>() == 1);
}

TEST_CASE("insufficient funds: the error carries the broker's words, and the breaker refuses the next order") {
  simtest::SimFixture sim;
  sim.admin("/_sim/account", R"({"buying_power":"1000.00"})");
  Stack stack(sim);
  auto r = stack.submit(tsla_buy_50());
  REQUIRE(r.error.has_value());
  CHECK(r.error->category == SubmissionErrorCategory::insufficient_funds);
  CHECK(r.error->message.find("You can only purchase") != std::string::npos);
  auto small = tsla_buy_50();
  small.quantity = Quantity::parse("1").value();
  auto next = stack.submit(small);
  REQUIRE(next.error.has_value());
  CHECK(next.error->category == SubmissionErrorCategory::breaker_open);
  CHECK(next.error->guidance.find("oms resume") != std::string::npos);
  auto records = stack.journal_records();
  // The intent, the broker's refusal (NFR-002), and the breaker's trip (journalled: a restart keeps it).
  std::multiset<std::string> kinds;
  for (const auto& rec : records) kinds.insert(std::string(rec.at("kind").as_string()));
  CHECK(kinds == std::multiset<std::string>{"intent", "submission_failed", "breaker_tripped"});
  CHECK(records[0].at("kind").as_string() == "intent");
}

TEST_CASE("FR-014 and input rules: market orders and bad input never reach the broker") {
  simtest::SimFixture sim;
  Stack stack(sim);
  auto market = tsla_buy_50();
  market.type = OrderType::market;
  auto r = stack.submit(market);
  REQUIRE(r.error.has_value());
  CHECK(r.error->category == SubmissionErrorCategory::not_implemented);
  CHECK(r.error->guidance == "use a limit order");
  auto lower = tsla_buy_50();
  lower.symbol = "tsla";
  auto v = stack.submit(lower);
  REQUIRE(v.error.has_value());
  CHECK(v.error->category == SubmissionErrorCategory::validation);
  CHECK(v.error->field == "symbol");
  CHECK(sim.admin_get("/_sim/orders").at("count").to_number<int>() == 0);
  CHECK(stack.journal_records().empty());
}

TEST_CASE("acceptance 5: when retries run out the caller gets an error with guidance, the ledger is left free") {
  simtest::SimFixture sim;
  Stack stack(sim);
  sim.admin("/_sim/faults", R"({"method":"POST","path":"/orders/","kind":"http_503","count":3})");
  auto r = stack.submit(tsla_buy_50());
  REQUIRE(r.error.has_value());
  CHECK(r.error->category == SubmissionErrorCategory::transient_exhausted);
  CHECK(r.error->guidance.find("nothing was placed") != std::string::npos);
  CHECK_FALSE(r.error->ref_id.empty());
  auto records = stack.journal_records();
  REQUIRE(records.size() == 2);
  CHECK(records[1].at("kind").as_string() == "submission_failed");
  // The same request goes through once the broker is back: the failed one left no reservation.
  auto again = stack.submit(tsla_buy_50());
  REQUIRE(again.envelope.has_value());
  CHECK_FALSE(again.duplicate);
}

TEST_CASE("the price collar refuses a limit far from the broker's quote (fat finger) without sending it") {
  simtest::SimFixture sim;
  Stack stack(sim);
  // rh-sim quotes TSLA at $250; a reference of 2503.00 (a slipped digit) is 10x away.
  auto r = stack.submit(limit_buy("TSLA", "1", "2503.00"));
  REQUIRE(r.error.has_value());
  CHECK(r.error->category == SubmissionErrorCategory::validation);
  CHECK(r.error->field == "limit_price");
  CHECK(r.error->guidance.find("fat finger") != std::string::npos);
  CHECK(sim.admin_get("/_sim/orders").at("count").to_number<int>() == 0);
}

TEST_CASE("finding 12: with GET /quotes/ failing the collar fails closed: the order is refused with "
          "\"no quote to check against\" and what to do, nothing is sent") {
  simtest::SimFixture sim;
  Stack stack(sim);
  sim.admin("/_sim/faults", R"({"method":"GET","path":"/quotes/","kind":"http_503","count":20})");
  // The market is near 250; a reference of 100 would be far outside the collar if it could judge.
  auto r = stack.submit(limit_buy("TSLA", "1", "100.00"));
  REQUIRE(r.error.has_value());
  CHECK(r.error->category == SubmissionErrorCategory::validation);
  CHECK(r.error->field == "quote");
  CHECK(r.error->message.find("no quote to check against") != std::string::npos);
  CHECK(r.error->message.find("not sent") != std::string::npos);
  CHECK(r.error->guidance.find("price_collar_on_missing_quote") != std::string::npos);
  CHECK(sim.admin_get("/_sim/orders").at("count").to_number<int>() == 0);
  CHECK(route_count(sim, "GET /quotes/") >= 1);  // it did ask
  CHECK(route_count(sim, "POST /orders/") == 0);
  CHECK(stack.journal_records().empty());
}

TEST_CASE("finding 12: price_collar_on_missing_quote \"allow\" sends the order unchecked when no quote comes") {
  simtest::SimFixture sim;
  auto config = oms::config::parse_config(R"({"order_management":{"price_collar_on_missing_quote":"allow"}})");
  REQUIRE(config.has_value());
  Stack stack(sim, *config);
  sim.admin("/_sim/faults", R"({"method":"GET","path":"/quotes/","kind":"http_503","count":20})");
  auto r = stack.submit(limit_buy("TSLA", "1", "249.00"));
  REQUIRE_MESSAGE(r.envelope.has_value(), (r.error ? r.error->to_string() : ""));
  CHECK(sim.admin_get("/_sim/orders").at("count").to_number<int>() == 1);
}

TEST_CASE("finding 12: price_collar_pct 0 turns the collar off: no quote is asked for") {
  simtest::SimFixture sim;
  auto config = oms::config::parse_config(R"({"order_management":{"price_collar_pct":0}})");
  REQUIRE(config.has_value());
  Stack stack(sim, *config);
  sim.admin("/_sim/faults", R"({"method":"GET","path":"/quotes/","kind":"http_503","count":20})");
  auto r = stack.submit(limit_buy("TSLA", "1", "100.00"));  // far from the market: nothing judges it
  REQUIRE_MESSAGE(r.envelope.has_value(), (r.error ? r.error->to_string() : ""));
  CHECK(route_count(sim, "GET /quotes/") == 0);
}

TEST_CASE("issue 15: an order that uses a quote about to go stale refreshes it behind itself: a steady bot never waits "
          "for the collar's quote") {
  simtest::SimFixture sim;
  auto clock = wall_time_clock();
  Stack stack(sim, clock);
  REQUIRE(stack.submit(limit_buy("TSLA", "1", "249.00")).envelope.has_value());
  CHECK(route_count(sim, "GET /quotes/") == 1);
  advance(stack, *clock, 1600ms);  // the quote is older than the refresh-ahead age (1.5 s), still fresh (2 s)
  REQUIRE(stack.submit(limit_buy("TSLA", "1", "248.90")).envelope.has_value());
  REQUIRE(run_until_tasks_finish(stack));  // the refresh runs behind the order (virtual time stands still)
  CHECK(route_count(sim, "GET /quotes/") == 2);
  advance(stack, *clock, 500ms);  // 2.1 s: past the first quote's freshness, not the refreshed one's (1.6 s)
  REQUIRE(stack.submit(limit_buy("TSLA", "1", "248.80")).envelope.has_value());
  CHECK(route_count(sim, "GET /quotes/") == 2);  // served by the refreshed quote: no fetch in its path
  CHECK(route_count(sim, "POST /orders/") == 3);
}

TEST_CASE("issue 15: orders in one symbol that need its quote at once share one quote request") {
  auto options = simtest::frozen_options();
  options.latency_ms = 30;  // the first quote is still in flight when the others ask for theirs
  simtest::SimFixture sim(options);
  Stack stack(sim);
  constexpr int kOrders = 5;
  std::vector<std::optional<SubmissionResult>> results(kOrders);
  for (int i = 0; i < kOrders; ++i) {
    boost::asio::co_spawn(stack.ctx, [&, i]() -> awaitable<void> {
      auto request = limit_buy("TSLA", "1", "249." + std::to_string(10 + i));  // distinct keys: no duplicate guard
      auto reply = co_await oms::runtime::ask<SubmissionResult>(stack.submitter, std::move(request), 30s);
      if (reply) results[static_cast<std::size_t>(i)] = *reply;
    }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  }
  stack.ctx.restart();
  auto done = [&] { return std::all_of(results.begin(), results.end(), [](const auto& r) { return r.has_value(); }); };
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!done() && std::chrono::steady_clock::now() < deadline) stack.ctx.run_for(5ms);
  REQUIRE(done());
  for (const auto& r : results) CHECK_MESSAGE(r->envelope.has_value(), (r->error ? r->error->to_string() : ""));
  CHECK(route_count(sim, "GET /quotes/") == 1);
  CHECK(route_count(sim, "POST /orders/") == kOrders);
}

TEST_CASE("a collar quote refused for want of a session is login_required with the `oms login` guidance, not "
          "\"no quote to check against\"; nothing is sent") {
  simtest::SimFixture sim;
  std::vector<boost::json::object> records;
  auto r = order_after_session_revoked(sim, oms::config::Config{}, records);
  REQUIRE(r.error.has_value());
  CHECK(r.error->category == SubmissionErrorCategory::login_required);
  CHECK(r.error->guidance.find("oms login") != std::string::npos);
  CHECK(r.error->message.find("no quote to check against") == std::string::npos);
  CHECK(r.error->message.find("not sent") != std::string::npos);
  CHECK(route_count(sim, "GET /quotes/") == 2);   // it did ask; the broker refused the session
  CHECK(route_count(sim, "POST /orders/") == 1);  // the first order only
  CHECK(records.size() == 2);                     // the first order's intent and envelope only
}

TEST_CASE("with price_collar_on_missing_quote \"allow\", an order whose collar quote was refused for want of a "
          "session goes on unchecked and ends as login_required at the gateway, journalled, nothing sent") {
  simtest::SimFixture sim;
  auto config = oms::config::parse_config(R"({"order_management":{"price_collar_on_missing_quote":"allow"}})");
  REQUIRE(config.has_value());
  std::vector<boost::json::object> records;
  auto r = order_after_session_revoked(sim, *config, records);
  REQUIRE(r.error.has_value());
  CHECK(r.error->category == SubmissionErrorCategory::login_required);
  CHECK(r.error->guidance.find("oms login") != std::string::npos);
  CHECK(route_count(sim, "POST /orders/") == 1);  // the first order only
  // The failure is journalled: the console's login_required alert reads it.
  REQUIRE_FALSE(records.empty());
  CHECK(records.back().at("kind").as_string() == "submission_failed");
  CHECK(records.back().at("category").as_string() == "login_required");
}

TEST_CASE("an instrument look-up refused for want of a session is login_required with the `oms login` guidance") {
  simtest::SimFixture sim;
  Stack stack(sim, [](GatewayOptions& o) { o.credentials = Credentials{}; });  // no session, no password
  auto r = stack.submit(limit_buy("TSLA", "1", "249.00"));
  REQUIRE(r.error.has_value());
  CHECK(r.error->category == SubmissionErrorCategory::login_required);
  CHECK(r.error->guidance.find("oms login") != std::string::npos);
  CHECK(route_count(sim, "POST /orders/") == 0);
  CHECK(stack.journal_records().empty());
}
