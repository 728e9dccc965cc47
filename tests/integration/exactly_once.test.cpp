// Never a second order (issue 13, findings 1–3): an OrderManager against rh-sim whose order POST
// is lost and whose look-ups fail. The outcome stays unresolved, the key stays reserved, the
// owner settles it in the background, and an identical request gets the found order — or places
// it once, under the same ref_id, when the broker proved it absent.
#include "om_fixture.hpp"

#include "actors/journal_file.hpp"
#include "actors/journal_replay.hpp"
#include "control/client.hpp"

#include <future>
#include <thread>

using namespace omtest;
using namespace oms;

namespace {

struct Session {
  Session(simtest::SimFixture& sim, const TempDir& dir, const std::string& extra)
      : rt(ctx), om(rt, live_config(sim, dir, extra), demo_credentials()) {
    auto report = run(ctx, om.start());
    REQUIRE_MESSAGE(report.ok(), report.error);
  }
  ~Session() {
    om.close();
    settle(ctx);
  }
  SubmissionResult submit(const char* symbol, const char* qty, const char* reference) {
    return run(ctx, om.submit(request(symbol, qty, Side::buy, reference)));
  }
  PendingOrders ledger() {
    auto ask_ledger = [](std::shared_ptr<actors::SafetyLedger> l) -> runtime::awaitable<PendingOrders> {
      PendingOrdersQuery query;
      auto reply = co_await runtime::ask<PendingOrders>(l, std::move(query), 5s);
      REQUIRE(reply.has_value());
      co_return *reply;
    };
    return run(ctx, ask_ledger(om.ledger()));
  }
  boost::asio::io_context ctx;
  runtime::Runtime rt;
  OrderManager om;
};

// Fast settlement look-ups; the quiet period as each test needs it.
std::string fast_settlement(int quiet_ms) {
  return R"("settlement":{"quiet_ms":)" + std::to_string(quiet_ms) +
         R"(,"base_delay_ms":20,"max_delay_ms":100,"wait_ms":30000},"timeouts":{"connect_ms":1000,"request_ms":300})";
}

void fault(simtest::SimFixture& sim, const char* method, const char* kind, int count) {
  sim.admin("/_sim/faults", std::string(R"({"method":")") + method + R"(","path":"/orders/","kind":")" + kind +
                                R"(","count":)" + std::to_string(count) + "}");
}

boost::json::array broker_orders(simtest::SimFixture& sim) {
  auto all = sim.admin_get("/_sim/orders");  // named: a range-for over a temporary's member dangles
  return all.at("results").as_array();
}

int posts(simtest::SimFixture& sim) {
  auto log = sim.admin_get("/_sim/requests");
  const auto* n = log.at("counts").as_object().if_contains("POST /orders/");
  return n ? n->to_number<int>() : 0;
}

// The owner's `health` answer, read through its control socket as a client reads it: the
// blocking client runs on its own thread while the test's io_context serves the owner.
boost::json::object health(Session& s) {
  std::promise<boost::json::object> answer;
  auto got = answer.get_future();
  std::thread client([&] {
    boost::json::object out;
    if (auto c = control::Client::connect(s.om.control_socket(), 5s)) {
      control::Request ask{nullptr, control::HealthArgs{}};
      auto reply = (*c)->call(std::move(ask), 10s);
      if (reply && reply->result.is_object()) out = reply->result.as_object();
    }
    answer.set_value(std::move(out));
  });
  s.ctx.restart();
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (got.wait_for(0s) != std::future_status::ready && std::chrono::steady_clock::now() < deadline)
    s.ctx.run_one_for(50ms);
  client.join();
  return got.get();
}

recovery::JournalReplay replayed(const TempDir& dir) {
  return recovery::replay(journal::JournalFile::read_all(dir.file("orders.jsonl")));
}

}  // namespace

TEST_CASE("finding 1: an identical buy after an unresolved timeout waits for settlement and places no second order") {
  simtest::SimFixture sim;
  TempDir dir;
  Session s(sim, dir, fast_settlement(60'000));
  // The order is accepted but the answer is lost, and every look-up the gateway makes fails
  // (3 look-ups × 3 attempts); the owner's own look-ups then meet 30 more failures (10 of them,
  // backing off), so the requests below find the intent still unresolved.
  fault(sim, "POST", "drop_after_accept", 1);
  fault(sim, "GET", "http_500", 9 + 30);
  auto first = s.submit("TSLA", "1", "250.00");
  REQUIRE(first.error.has_value());
  CHECK(first.error->category == SubmissionErrorCategory::ambiguous_unresolved);
  const std::string ref_id = first.error->ref_id;
  REQUIRE_FALSE(ref_id.empty());
  CHECK(first.error->guidance.find("identical request waits") != std::string::npos);

  // Unresolved in the ledger, visible with its ref_id (the health answer reads this).
  auto held = s.ledger();
  REQUIRE(held.unresolved.size() == 1);
  CHECK(held.unresolved[0].ref_id == ref_id);

  // Same key, another quantity: refused at once, naming the unresolved intent; nothing sent.
  int posts_before = posts(sim);
  auto other = s.submit("TSLA", "40", "250.00");
  REQUIRE(other.error.has_value());
  CHECK(other.error->category == SubmissionErrorCategory::pending_conflict);
  CHECK(other.error->message.find(ref_id) != std::string::npos);
  CHECK(posts(sim) == posts_before);

  // The identical request waits for the settlement and gets the order the broker holds.
  auto again = s.submit("TSLA", "1", "250.00");
  REQUIRE_MESSAGE(again.envelope.has_value(), (again.error ? again.error->to_string() : ""));
  CHECK(again.duplicate);
  CHECK(again.envelope->ref_id == ref_id);
  auto orders = broker_orders(sim);
  REQUIRE(orders.size() == 1);
  CHECK(again.envelope->order_id == orders[0].at("id").as_string());
  CHECK(posts(sim) == posts_before);
  // Journalled as found: a restart knows the order, and the intent is settled.
  auto replay = replayed(dir);
  CHECK(replay.unresolved.empty());
  CHECK(replay.orders.contains(again.envelope->order_id));
  CHECK(s.ledger().unresolved.empty());
  CHECK(s.ledger().order_ids == std::vector<std::string>{again.envelope->order_id});
}

TEST_CASE("finding 1: when the broker proves the order absent, the identical request places it once, under the first attempt's ref_id") {
  simtest::SimFixture sim;
  TempDir dir;
  Session s(sim, dir, fast_settlement(500));
  fault(sim, "POST", "timeout", 3);  // never processed, never answered: every attempt
  auto first = s.submit("AAPL", "2", "190.00");
  REQUIRE(first.error.has_value());
  CHECK(first.error->category == SubmissionErrorCategory::ambiguous_unresolved);
  const std::string ref_id = first.error->ref_id;
  CHECK(broker_orders(sim).empty());

  auto again = s.submit("AAPL", "2", "190.00");
  REQUIRE_MESSAGE(again.envelope.has_value(), (again.error ? again.error->to_string() : ""));
  CHECK_FALSE(again.duplicate);
  // The same ref_id: a late copy of the first attempt could never become a second order.
  CHECK(again.envelope->ref_id == ref_id);
  auto orders = broker_orders(sim);
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].at("ref_id").as_string() == ref_id);
  settle(s.ctx);  // the envelope is journalled behind the result (group commit)
  auto replay = replayed(dir);
  CHECK(replay.unresolved.empty());
  CHECK(replay.orders.contains(again.envelope->order_id));
}

TEST_CASE("finding 1: a settlement that cannot reach the broker gives up at its timeout and the key stays reserved") {
  simtest::SimFixture sim;
  TempDir dir;
  Session s(sim, dir,
            R"("settlement":{"quiet_ms":0,"base_delay_ms":20,"max_delay_ms":50,"timeout_s":1,"wait_ms":5000},)"
            R"("timeouts":{"connect_ms":1000,"request_ms":300})");
  fault(sim, "POST", "drop_after_accept", 1);
  fault(sim, "GET", "http_500", 1000);
  auto first = s.submit("MSFT", "1", "414.00");
  REQUIRE(first.error.has_value());
  CHECK(first.error->category == SubmissionErrorCategory::ambiguous_unresolved);
  // Waits, then is told the outcome is still unknown: nothing new was sent.
  auto again = s.submit("MSFT", "1", "414.00");
  REQUIRE(again.error.has_value());
  CHECK(again.error->category == SubmissionErrorCategory::ambiguous_unresolved);
  CHECK(again.error->ref_id == first.error->ref_id);
  CHECK(broker_orders(sim).size() == 1);
  CHECK(s.ledger().unresolved.size() == 1);
  // The owner's health shows it: how many are unresolved, and the oldest.
  auto h = health(s);
  REQUIRE_FALSE(h.empty());
  CHECK(h.at("unresolved_intents") == 1);
  CHECK(h.at("oldest_unresolved_ref_id") == boost::json::value(first.error->ref_id));
  CHECK(h.at("oldest_unresolved_since").is_string());
  bool gave_up = false;
  for (const auto& r : journal::JournalFile::read_all(dir.file("orders.jsonl")))
    gave_up = gave_up || r.at("kind").as_string() == "settlement_gave_up";
  CHECK(gave_up);
  // The broker is back: the next identical request rearms the settlement and gets the order.
  sim.client().request("DELETE", "/_sim/faults");
  auto later = s.submit("MSFT", "1", "414.00");
  REQUIRE_MESSAGE(later.envelope.has_value(), (later.error ? later.error->to_string() : ""));
  CHECK(later.duplicate);
  CHECK(later.envelope->ref_id == first.error->ref_id);
  CHECK(broker_orders(sim).size() == 1);
}

TEST_CASE("finding 2: after an ambiguous attempt and an empty look-up, a re-send that fails transiently leaves the outcome ambiguous") {
  simtest::SimFixture sim;
  TempDir dir;
  Session s(sim, dir, fast_settlement(60'000));
  fault(sim, "POST", "timeout", 1);    // the first attempt: may have reached the broker
  fault(sim, "POST", "http_503", 3);  // the re-send: refused before any work, retries exhausted
  auto r = s.submit("TSLA", "1", "250.00");
  REQUIRE(r.error.has_value());
  CHECK(r.error->category == SubmissionErrorCategory::ambiguous_unresolved);
  CHECK(r.error->guidance.find("nothing was placed") == std::string::npos);
  auto replay = replayed(dir);
  REQUIRE(replay.unresolved.size() == 1);  // replay does not treat it as settled
  CHECK(replay.unresolved[0].ref_id == r.error->ref_id);
  CHECK(s.ledger().unresolved.size() == 1);
}

TEST_CASE("finding 2: after an ambiguous attempt and an empty look-up, a re-send refused for good leaves the outcome ambiguous") {
  auto options = simtest::frozen_options();
  options.buying_power = "100.00";  // the re-send is refused: "You can only purchase 0 shares"
  simtest::SimFixture sim(options);
  TempDir dir;
  Session s(sim, dir, fast_settlement(60'000));
  fault(sim, "POST", "timeout", 1);
  auto r = s.submit("AAPL", "1", "190.00");
  REQUIRE(r.error.has_value());
  CHECK(r.error->category == SubmissionErrorCategory::ambiguous_unresolved);
  CHECK(r.error->message.find("You can only purchase") != std::string::npos);  // the re-send's words kept
  auto replay = replayed(dir);
  REQUIRE(replay.unresolved.size() == 1);
  CHECK(replay.unresolved[0].ref_id == r.error->ref_id);
}

TEST_CASE("finding 3: a request on a pending key with a different quantity is refused naming the pending order; the identical one gets its envelope") {
  simtest::SimFixture sim;
  TempDir dir;
  Session s(sim, dir, fast_settlement(60'000));
  auto placed = s.submit("TSLA", "1", "250.00");
  REQUIRE(placed.envelope.has_value());
  CHECK(placed.envelope->limit_price.to_string(2) == "249.63");
  int posts_before = posts(sim);
  auto bigger = s.submit("TSLA", "40", "250.00");
  REQUIRE(bigger.error.has_value());
  CHECK(bigger.error->category == SubmissionErrorCategory::pending_conflict);
  CHECK(bigger.error->message.find(placed.envelope->order_id) != std::string::npos);
  CHECK(bigger.error->message.find("quantity 1") != std::string::npos);
  CHECK(posts(sim) == posts_before);
  auto same = s.submit("TSLA", "1", "250.00");
  REQUIRE(same.envelope.has_value());
  CHECK(same.duplicate);
  CHECK(same.envelope->order_id == placed.envelope->order_id);
  CHECK(same.envelope->quantity == placed.envelope->quantity);
  CHECK(broker_orders(sim).size() == 1);
}

TEST_CASE("issue 13: an order the settlement finds open while the kill switch holds is cancelled, not left open") {
  simtest::SimFixture sim;
  TempDir dir;
  Session s(sim, dir, fast_settlement(60'000) + R"(,"kill_switch_deadline_s":1)");
  // The order reaches the broker but its answer is lost, and every listing fails: neither the
  // submission's look-ups nor the kill switch's listing can see it.
  fault(sim, "POST", "drop_after_accept", 1);
  fault(sim, "GET", "http_500", 100000);
  auto first = s.submit("TSLA", "1", "250.00");
  REQUIRE(first.error.has_value());
  REQUIRE(first.error->category == SubmissionErrorCategory::ambiguous_unresolved);
  auto report = run(s.ctx, s.om.cancel_all_open_orders("test"));
  CHECK(report.open_orders_remaining == -1);  // it could not list the broker's orders
  auto orders = broker_orders(sim);
  REQUIRE(orders.size() == 1);
  const std::string id(orders[0].at("id").as_string());
  REQUIRE(orders[0].at("state").as_string() != "cancelled");
  // The broker answers again: the settlement finds the order, and it is cancelled too.
  sim.admin_delete("/_sim/faults");
  auto state = [&] { return std::string(broker_orders(sim)[0].at("state").as_string()); };
  s.ctx.restart();
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (state() != "cancelled" && std::chrono::steady_clock::now() < deadline) s.ctx.run_for(50ms);
  CHECK(state() == "cancelled");
  // The kill switch's second run confirms it and releases it from the ledger.
  while (!s.ledger().order_ids.empty() && std::chrono::steady_clock::now() < deadline) s.ctx.run_for(50ms);
  CHECK(s.ledger().halted);
  CHECK(s.ledger().order_ids.empty());
  auto replay = replayed(dir);
  CHECK(replay.unresolved.empty());
  REQUIRE(replay.orders.contains(id));
  CHECK(replay.orders.at(id).finished);
}
