// Start-up recovery: a process that died mid-flight, restarted on the same journal, ends with no
// duplicate and no orphan, and with its latches as they were.
#include "om_fixture.hpp"

#include "actors/journal_file.hpp"

#include <fstream>

using namespace omtest;
using namespace oms;

namespace {

// What a process that died right after sending (before journalling the envelope) leaves
// behind: the intent in the journal, and — when `placed` — the order at the broker.
void crashed_after_intent(simtest::SimFixture& sim, const TempDir& dir, const std::string& ref_id, bool placed) {
  {
    journal::JournalFile file = journal::JournalFile::open(dir.file("orders.jsonl")).value();
    boost::json::object intent{{"ts", "2026-11-24T15:00:00Z"}, {"kind", "intent"}, {"ref_id", ref_id},
                               {"symbol", "AAPL"}, {"side", "buy"}, {"quantity", "2"},
                               {"limit_price", "189.72"}, {"reference_price", "190.00"}, {"mode", "live"}};
    REQUIRE_FALSE(file.append(intent));
  }
  if (!placed) return;
  gwtest::Harness h(sim);
  h.run([&]() -> oms::runtime::awaitable<void> {
    gateway::OrderIntent intent{ref_id, "AAPL", Side::buy, Quantity::parse("2").value(), Price::parse("189.72").value()};
    auto placed_order = co_await h.gw->place_limit_order(std::move(intent));
    REQUIRE(placed_order.has_value());
  });
}

struct Session {
  explicit Session(simtest::SimFixture& sim, const TempDir& dir)
      : rt(ctx), om(rt, live_config(sim, dir), demo_credentials()) {}
  ~Session() {
    om.close();
    settle(ctx);
  }
  boost::asio::io_context ctx;
  runtime::Runtime rt;
  OrderManager om;
};

std::size_t broker_orders(simtest::SimFixture& sim) {
  return sim.admin_get("/_sim/orders").at("count").to_number<std::size_t>();
}

}  // namespace

TEST_CASE("recovery: an intent the broker received is found by ref_id, and a repeat is a duplicate, not a second order") {
  simtest::SimFixture sim;
  TempDir dir;
  crashed_after_intent(sim, dir, "0b9d5c1e-1111-4c2a-9a55-000000000001", true);
  REQUIRE(broker_orders(sim) == 1);

  Session s(sim, dir);
  auto before = run(s.ctx, s.om.submit(request("AAPL", "2", Side::buy, "190.00")));
  // Refused until start(): nothing may be sent before the journal is settled.
  REQUIRE(before.error.has_value());
  CHECK(before.error->guidance.find("recovery") != std::string::npos);

  auto report = run(s.ctx, s.om.start());
  REQUIRE_MESSAGE(report.ok(), report.error);
  CHECK(report.intents_resolved == 1);
  CHECK(report.intents_not_placed == 0);
  CHECK(report.orders_adopted == 0);
  CHECK(report.pending_restored == 1);

  auto again = run(s.ctx, s.om.submit(request("AAPL", "2", Side::buy, "190.00")));
  REQUIRE(again.envelope.has_value());
  CHECK(again.duplicate);
  CHECK(broker_orders(sim) == 1);
}

TEST_CASE("recovery: an intent the broker never received is journalled as not placed and may be sent again") {
  simtest::SimFixture sim;
  TempDir dir;
  crashed_after_intent(sim, dir, "0b9d5c1e-2222-4c2a-9a55-000000000002", false);
  Session s(sim, dir);
  auto report = run(s.ctx, s.om.start());
  REQUIRE_MESSAGE(report.ok(), report.error);
  CHECK(report.intents_resolved == 1);
  CHECK(report.intents_not_placed == 1);
  auto placed = run(s.ctx, s.om.submit(request("AAPL", "2", Side::buy, "190.00")));
  REQUIRE(placed.envelope.has_value());
  CHECK_FALSE(placed.duplicate);
  CHECK(broker_orders(sim) == 1);
  bool abandoned = false;
  for (const auto& r : journal::JournalFile::read_all(dir.file("orders.jsonl")))
    abandoned = abandoned || r.at("kind") == "intent_abandoned";
  CHECK(abandoned);
}

TEST_CASE("recovery: an open broker order missing from the journal is adopted and the kill switch cancels it") {
  simtest::SimFixture sim;
  TempDir dir;
  {
    gwtest::Harness h(sim);  // placed by someone else (or a journal that was lost)
    h.run([&]() -> oms::runtime::awaitable<void> {
      gateway::OrderIntent intent{"0b9d5c1e-3333-4c2a-9a55-000000000003", "MSFT", Side::buy,
                                  Quantity::parse("1").value(), Price::parse("414.00").value()};
      auto placed = co_await h.gw->place_limit_order(std::move(intent));
      REQUIRE(placed.has_value());
    });
  }
  Session s(sim, dir);
  auto report = run(s.ctx, s.om.start());
  REQUIRE_MESSAGE(report.ok(), report.error);
  CHECK(report.orders_adopted == 1);
  REQUIRE(report.adopted_order_ids.size() == 1);
  auto cancelled = run(s.ctx, s.om.cancel_all_open_orders("test"));
  REQUIRE(cancelled.results.size() == 1);
  CHECK(cancelled.results[0].order_id == report.adopted_order_ids[0]);
  CHECK(cancelled.open_orders_remaining == 0);
}

TEST_CASE("recovery: the kill switch stays latched across a restart until an explicit resume") {
  simtest::SimFixture sim;
  TempDir dir;
  {
    Session s(sim, dir);
    REQUIRE(run(s.ctx, s.om.start()).ok());
    REQUIRE(run(s.ctx, s.om.submit(request("AAPL", "1", Side::buy, "190.00"))).envelope);
    CHECK(run(s.ctx, s.om.cancel_all_open_orders("test")).open_orders_remaining == 0);
  }
  {
    Session s(sim, dir);
    auto report = run(s.ctx, s.om.start());
    CHECK(report.halted);
    auto refused = run(s.ctx, s.om.submit(request("AAPL", "1", Side::buy, "190.00")));
    REQUIRE(refused.error.has_value());
    CHECK(refused.error->category == SubmissionErrorCategory::halted);
    s.om.resume_submissions("test");
    settle(s.ctx);
  }
  Session s(sim, dir);
  auto report = run(s.ctx, s.om.start());
  CHECK_FALSE(report.halted);
  CHECK(run(s.ctx, s.om.submit(request("AAPL", "1", Side::buy, "190.00"))).envelope.has_value());
}

TEST_CASE("recovery: a torn last journal line (killed mid-write) is set aside and recovery goes on") {
  simtest::SimFixture sim;
  TempDir dir;
  {
    std::ofstream out(dir.file("orders.jsonl"));
    out << R"({"ts":"2026-11-24T15:00:00Z","kind":"halted","requested_by":"x"})" << "\n"
        << R"({"ts":"2026-11-24T15:00:01Z","kind":"resumed","requested_by":"x"})" << "\n"
        << R"({"ts":"2026-11-24T15:00:02Z","kind":"intent","ref_id":"abc","sym)";
  }
  Session s(sim, dir);
  auto report = run(s.ctx, s.om.start());
  REQUIRE_MESSAGE(report.ok(), report.error);
  CHECK(report.torn_tail);
  CHECK(report.journal_records == 2);
  CHECK_FALSE(report.halted);
  CHECK(report.intents_resolved == 0);
}

TEST_CASE("recovery: an adopted order gets its symbol from the broker (a new process has no instrument cache)") {
  simtest::SimFixture sim;
  TempDir dir;
  {
    gwtest::Harness h(sim);
    h.run([&]() -> oms::runtime::awaitable<void> {
      gateway::OrderIntent intent{"0b9d5c1e-4444-4c2a-9a55-000000000004", "AAPL", Side::buy,
                                  Quantity::parse("1").value(), Price::parse("189.00").value()};
      auto placed = co_await h.gw->place_limit_order(std::move(intent));
      REQUIRE(placed.has_value());
    });
  }
  Session s(sim, dir);
  REQUIRE(run(s.ctx, s.om.start()).orders_adopted == 1);
  // Adopted with its symbol: an identical request is the duplicate it is, not a second order.
  auto again = run(s.ctx, s.om.submit(request("AAPL", "1", Side::buy, "189.28")));
  REQUIRE(again.envelope.has_value());
  CHECK(again.duplicate);
  CHECK(again.envelope->symbol == "AAPL");
  CHECK(broker_orders(sim) == 1);
}

TEST_CASE("issue 12: start() refuses while another owner holds the journal, naming its pid, and sends nothing") {
  simtest::SimFixture sim;
  TempDir dir;
  auto owner = journal::JournalFile::open(dir.file("orders.jsonl"));  // the running owner
  REQUIRE(owner.has_value());
  REQUIRE_FALSE(owner->append(boost::json::object{{"ts", "2026-11-24T15:00:00Z"}, {"kind", "halted"}}));
  auto requests_before = sim.admin_get("/_sim/requests").at("total").to_number<int>();
  {
    Session s(sim, dir);
    auto report = run(s.ctx, s.om.start());
    CHECK_FALSE(report.ok());
    CHECK(report.journal_owner_pid == ::getpid());
    CHECK(report.error.find("is owned by process " + std::to_string(::getpid())) != std::string::npos);
    CHECK(sim.admin_get("/_sim/requests").at("total").to_number<int>() == requests_before);
    auto refused = run(s.ctx, s.om.submit(request("AAPL", "1", Side::buy, "190.00")));
    CHECK(refused.error.has_value());
  }
  CHECK(broker_orders(sim) == 0);
  // The owner's journal is untouched: still one record, still writable by the owner.
  CHECK(journal::JournalFile::read_all(dir.file("orders.jsonl")).size() == 1);
  CHECK_FALSE(owner->append(boost::json::object{{"kind", "resumed"}}));
}

namespace {
int journalled(const TempDir& dir, const char* kind) {
  int n = 0;
  for (const auto& r : journal::JournalFile::read_all(dir.file("orders.jsonl")))
    if (r.at("kind").as_string() == kind) ++n;
  return n;
}
}  // namespace

TEST_CASE("issue 12: a fill that happened while no process ran is journalled and delivered once at the next start, and never again") {
  simtest::SimFixture sim;
  TempDir dir;
  std::string id;
  {
    Session first(sim, dir);
    REQUIRE(run(first.ctx, first.om.start()).ok());
    auto placed = run(first.ctx, first.om.submit(request("TSLA", "50", Side::buy, "250.30")));
    REQUIRE(placed.envelope.has_value());
    id = placed.envelope->order_id;
  }
  // Nobody is running: the order fills in two executions.
  sim.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"20"})");
  sim.admin("/_sim/fill", R"({"order_id":")" + id + R"("})");
  for (int restart = 0; restart < 3; ++restart) {
    Session s(sim, dir);
    std::vector<FillEvent> fills;
    s.om.on_fill([&](const FillEvent& f) { fills.push_back(f); });  // registered before start()
    auto report = run(s.ctx, s.om.start());
    REQUIRE_MESSAGE(report.ok(), report.error);
    if (restart == 0) {
      REQUIRE(fills.size() == 2);
      CHECK(fills[0].order_id == id);
      CHECK(fills[1].complete);
      CHECK(report.fills_while_down == 2);
      CHECK(report.state_changes_while_down == 1);
      CHECK(report.pending_restored == 0);  // filled: no longer in the duplicate guard
    } else {
      CHECK(fills.empty());
      CHECK(report.fills_while_down == 0);
      CHECK(report.executions_known == 2);
    }
    auto sync = run(s.ctx, s.om.synchronize_open_orders());
    CHECK(sync.fills == 0);
    CHECK(fills.size() == (restart == 0 ? 2u : 0u));
  }
  CHECK(journalled(dir, "fill") == 2);
  CHECK(journalled(dir, "state_change") == 1);
}

TEST_CASE("finding 13.3: after a restart the duplicate guard answers with the journalled envelope (reference_price, submitted_at, strategy)") {
  simtest::SimFixture sim;
  TempDir dir;
  OrderEnvelope original;
  {
    Session first(sim, dir);
    REQUIRE(run(first.ctx, first.om.start()).ok());
    auto placed = run(first.ctx, first.om.submit(request("TSLA", "5", Side::buy, "250.30", "momentum")));
    REQUIRE_MESSAGE(placed.envelope.has_value(), (placed.error ? placed.error->to_string() : ""));
    original = *placed.envelope;
  }
  Session s(sim, dir);
  REQUIRE(run(s.ctx, s.om.start()).ok());
  auto again = run(s.ctx, s.om.submit(request("TSLA", "5", Side::buy, "250.30", "momentum")));
  REQUIRE(again.envelope.has_value());
  CHECK(again.duplicate);
  CHECK(again.envelope->order_id == original.order_id);
  CHECK(again.envelope->reference_price == original.reference_price);
  CHECK(again.envelope->submitted_at == original.submitted_at);
  CHECK(again.envelope->strategy == "momentum");
  CHECK(broker_orders(sim) == 1);
}

TEST_CASE("issue 12: a garbage line in the middle of the journal makes start() refuse, naming the line, before any broker call") {
  simtest::SimFixture sim;
  TempDir dir;
  {
    std::ofstream out(dir.file("orders.jsonl"));
    out << R"({"ts":"2026-11-24T15:00:00Z","kind":"halted","requested_by":"operator"})" << "\n"
        << R"({"ts":"2026-11-24T15:00:01Z","kind":"state_change","order_id":"o1","from":"queued","to":"c{"ts":"x"})" << "\n"
        << R"({"ts":"2026-11-24T15:00:02Z","kind":"resumed","requested_by":"x"})" << "\n";
  }
  Session s(sim, dir);
  auto report = run(s.ctx, s.om.start());
  CHECK_FALSE(report.ok());
  CHECK(report.journal_malformed_lines == std::vector<int>{2});
  CHECK(report.error.find("line 2") != std::string::npos);
  CHECK(report.error.find("oms journal repair") != std::string::npos);
  CHECK(sim.admin_get("/_sim/requests").at("total").to_number<int>() == 0);
  auto refused = run(s.ctx, s.om.submit(request("AAPL", "1", Side::buy, "190.00")));
  CHECK(refused.error.has_value());
  CHECK(broker_orders(sim) == 0);
}

TEST_CASE("issue 12: the journal is read once at open, and records written before start() (a kill switch) are replayed too") {
  simtest::SimFixture sim;
  TempDir dir;
  Session s(sim, dir);
  // The file changes behind the owner's back after it was read: recovery must not read it again.
  { std::ofstream(dir.file("orders.jsonl"), std::ios::app) << "written by nobody we know\n"; }
  auto halted = run(s.ctx, s.om.cancel_all_open_orders("operator"));  // before start(): journalled
  CHECK(halted.submissions_halted);
  auto report = run(s.ctx, s.om.start());
  REQUIRE_MESSAGE(report.ok(), report.error);
  CHECK(report.halted);
  CHECK(report.journal_records == 1);  // the halted record (the line written behind its back is not read)
  auto refused = run(s.ctx, s.om.submit(request("AAPL", "1", Side::buy, "190.00")));
  REQUIRE(refused.error.has_value());
  CHECK(refused.error->category == SubmissionErrorCategory::halted);
}
