#include "actors/safety_ledger.hpp"

#include <boost/asio/detached.hpp>
#include <doctest/doctest.h>

using namespace oms;
using namespace oms::runtime;
using namespace std::chrono_literals;

namespace {
PendingKey tsla() { return PendingKey{"TSLA", Side::buy, Price::parse("249.93").value()}; }
}  // namespace

TEST_CASE("racing identical requests: the second waits and receives the first one's envelope") {
  asio::io_context ctx;
  auto clock = std::make_shared<VirtualClock>();
  Runtime rt(ctx, {clock, nullptr});
  auto ledger = std::make_shared<actors::SafetyLedger>(rt, 5);
  std::optional<Reservation> first, second;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    ReserveSubmission r{tsla()};
    auto a = co_await ask<Reservation>(ledger, std::move(r), 5s);
    if (a) first = *a;
  }, asio::detached);
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    ReserveSubmission r{tsla()};
    auto b = co_await ask<Reservation>(ledger, std::move(r), 5s);
    if (b) second = *b;
  }, asio::detached);
  ctx.poll();
  REQUIRE(first.has_value());
  CHECK(first->admission == Admission::proceed);
  CHECK_FALSE(second.has_value());  // parked until the first one's outcome
  OrderEnvelope e;
  e.order_id = "o1";
  post(ledger, SubmissionSucceeded{tsla(), e});
  ctx.restart();
  ctx.poll();
  REQUIRE(second.has_value());
  CHECK(second->admission == Admission::duplicate);
  REQUIRE(second->existing.has_value());
  CHECK(second->existing->order_id == "o1");
}

TEST_CASE("a joined submission that fails gives the joiner the same failure, and funds errors trip the breaker") {
  asio::io_context ctx;
  Runtime rt(ctx);
  auto ledger = std::make_shared<actors::SafetyLedger>(rt, 5);
  std::vector<Reservation> answers;
  for (int i = 0; i < 2; ++i)
    asio::co_spawn(ctx, [&]() -> awaitable<void> {
      ReserveSubmission r{tsla()};
      auto a = co_await ask<Reservation>(ledger, std::move(r), 5s);
      if (a) answers.push_back(*a);
    }, asio::detached);
  ctx.poll();
  post(ledger, SubmissionAbandoned{tsla(), "You can only purchase 3 shares of TSLA.", true, true});
  ctx.restart();
  ctx.poll();
  REQUIRE(answers.size() == 2);
  CHECK(answers[1].abandoned);
  CHECK(answers[1].guidance.find("You can only purchase") != std::string::npos);
  std::optional<Reservation> after;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    ReserveSubmission r{PendingKey{"AAPL", Side::buy, Price::parse("100").value()}};
    auto a = co_await ask<Reservation>(ledger, std::move(r), 5s);
    if (a) after = *a;
  }, asio::detached);
  ctx.restart();
  ctx.poll();
  REQUIRE(after.has_value());
  CHECK(after->admission == Admission::breaker_open);
}

TEST_CASE("halt refuses submissions and the pending query reports it") {
  asio::io_context ctx;
  Runtime rt(ctx);
  auto ledger = std::make_shared<actors::SafetyLedger>(rt, 5);
  post(ledger, HaltSubmissions{"operator"});
  std::optional<Reservation> refused;
  std::optional<PendingOrders> pending;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    ReserveSubmission r{tsla()};
    auto a = co_await ask<Reservation>(ledger, std::move(r), 5s);
    if (a) refused = *a;
    PendingOrdersQuery query;
    auto p = co_await ask<PendingOrders>(ledger, std::move(query), 5s);
    if (p) pending = *p;
  }, asio::detached);
  ctx.run();
  REQUIRE(refused.has_value());
  CHECK(refused->admission == Admission::halted);
  REQUIRE(pending.has_value());
  CHECK(pending->halted);
}

TEST_CASE("issue 12: the kill switch's wait for sends in flight is answered when the last one settles") {
  asio::io_context ctx;
  auto clock = std::make_shared<VirtualClock>();
  Runtime rt(ctx, {clock, nullptr});
  auto ledger = std::make_shared<actors::SafetyLedger>(rt, 5);
  std::optional<Reservation> gate;
  std::optional<PendingOrders> settled;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    ReserveSubmission r{tsla()};
    co_await ask<Reservation>(ledger, std::move(r), 5s);
    ConfirmSend c{tsla()};
    auto g = co_await ask<Reservation>(ledger, std::move(c), 5s);
    if (g) gate = *g;
  }, asio::detached);
  ctx.poll();
  REQUIRE(gate.has_value());
  CHECK(gate->admission == Admission::proceed);
  post(ledger, HaltSubmissions{"test"});
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    AwaitSendsSettled wait;
    auto s = co_await ask<PendingOrders>(ledger, std::move(wait), 5s);
    if (s) settled = *s;
  }, asio::detached);
  ctx.restart();
  ctx.poll();
  CHECK_FALSE(settled.has_value());  // the send that passed the gate has not been answered yet
  OrderEnvelope e;
  e.order_id = "o1";
  post(ledger, SubmissionSucceeded{tsla(), e});
  ctx.restart();
  ctx.poll();
  REQUIRE(settled.has_value());
  CHECK(settled->halted);
  CHECK(settled->in_flight == 0);
  CHECK(settled->order_ids == std::vector<std::string>{"o1"});  // the kill switch cancels it
}
