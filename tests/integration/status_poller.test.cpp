#include "stack_fixture.hpp"

using namespace gwtest;

TEST_CASE("acceptance 4: after a partial fill get_order_status reports partially_filled with the fill details") {
  simtest::SimFixture sim;
  Stack stack(sim);
  auto placed = stack.submit(limit_buy("TSLA", "50", "250.30"));
  REQUIRE(placed.envelope.has_value());
  const std::string id = placed.envelope->order_id;
  sim.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"20","price":"249.93"})");
  auto reply = stack.ask_actor<StatusReply>(stack.poller, GetOrderStatus{id});
  REQUIRE_MESSAGE(reply.status.has_value(), reply.error);
  const auto& s = *reply.status;
  CHECK(s.state == OrderState::partially_filled);
  CHECK(s.filled_quantity == Quantity::parse("20").value());
  REQUIRE(s.average_fill_price.has_value());
  CHECK(s.average_fill_price->to_string(2) == "249.93");
  CHECK(s.pending_quantity == Quantity::parse("30").value());
  CHECK(s.updated_at > placed.envelope->submitted_at - std::chrono::minutes(1));
  CHECK(s.raw.contains("executions"));  // the raw payload snapshot for audit
}

TEST_CASE("an unknown order id is an error that names it") {
  simtest::SimFixture sim;
  Stack stack(sim);
  auto reply = stack.ask_actor<StatusReply>(stack.poller, GetOrderStatus{"00000000-0000-4000-8000-000000000000"});
  CHECK_FALSE(reply.status.has_value());
  CHECK(reply.error.find("00000000-0000-4000-8000-000000000000") != std::string::npos);
  CHECK(reply.error.find("not_found") != std::string::npos);
}

TEST_CASE("FR-007: synchronisation calls the fill callback once per execution and releases finished orders") {
  simtest::SimFixture sim;
  Stack stack(sim);
  std::vector<FillEvent> fills;
  stack.poller->on_fill([&](const FillEvent& f) { fills.push_back(f); });
  auto placed = stack.submit(limit_buy("TSLA", "50", "250.30"));
  REQUIRE(placed.envelope.has_value());
  const std::string id = placed.envelope->order_id;
  sim.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"20","price":"249.93"})");
  auto first = stack.ask_actor<SyncReport>(stack.poller, SynchronizeOpenOrders{});
  CHECK(first.error.empty());
  CHECK(first.fills == 1);
  auto second = stack.ask_actor<SyncReport>(stack.poller, SynchronizeOpenOrders{});
  CHECK(second.fills == 0);  // the same execution reported again is not a second fill
  sim.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"30","price":"249.90"})");
  auto third = stack.ask_actor<SyncReport>(stack.poller, SynchronizeOpenOrders{});
  CHECK(third.fills == 1);
  REQUIRE(fills.size() == 2);
  CHECK(fills[0].symbol == "TSLA");
  CHECK(fills[0].quantity == Quantity::parse("20").value());
  CHECK_FALSE(fills[0].complete);
  CHECK(fills[1].complete);
  CHECK(fills[1].cumulative_quantity == Quantity::parse("50").value());
  // Filled: the ledger let go of it, so the same request is a new order, not a duplicate.
  auto again = stack.submit(limit_buy("TSLA", "50", "250.30"));
  REQUIRE(again.envelope.has_value());
  CHECK_FALSE(again.duplicate);
  bool journalled_fill = false;
  for (auto& r : stack.journal_records()) journalled_fill |= r.at("kind").as_string() == "fill";
  CHECK(journalled_fill);
}

namespace {
// Our clock a day ahead of the broker's (a badly set machine clock): the broker's timestamps
// must be the only ones compared with the broker's.
class AheadClock final : public oms::runtime::Clock {
 public:
  Timestamp now() const override { return real_.now() + std::chrono::hours(24); }
  oms::runtime::awaitable<oms::runtime::error_code> sleep_for(oms::runtime::Duration d) override {
    return real_.sleep_for(d);
  }

 private:
  oms::runtime::RealClock real_;
};
}  // namespace

TEST_CASE("finding 13.11: with our clock a day ahead of the broker's, later passes still see fills (the cursor is the broker's updated_at)") {
  simtest::SimFixture sim;
  Stack stack(sim, std::make_shared<AheadClock>());
  std::vector<FillEvent> fills;
  stack.poller->on_fill([&](const FillEvent& f) { fills.push_back(f); });
  auto placed = stack.submit(limit_buy("TSLA", "50", "250.30"));
  REQUIRE(placed.envelope.has_value());
  const std::string id = placed.envelope->order_id;
  auto first = stack.ask_actor<SyncReport>(stack.poller, SynchronizeOpenOrders{});
  REQUIRE(first.error.empty());
  REQUIRE(first.cursor.has_value());
  CHECK(*first.cursor < std::chrono::system_clock::now() + std::chrono::hours(1));  // broker time, not ours
  sim.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"20","price":"249.93"})");
  auto second = stack.ask_actor<SyncReport>(stack.poller, SynchronizeOpenOrders{});
  CHECK(second.error.empty());
  CHECK(second.fills == 1);  // the old cursor (our clock − 60 s) listed nothing here
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].order_id == id);
}
