#include "actors/order_state.hpp"

#include <doctest/doctest.h>

#include <array>
#include <chrono>

using namespace oms;
using namespace oms::orders;
using S = OrderState;

namespace {
constexpr std::array<S, 6> kStates{S::queued, S::partially_filled, S::filled, S::cancelled, S::rejected, S::unknown};

Quantity qty(std::string_view s) { return Quantity::parse(s).value(); }
Timestamp at(int seconds) { return Timestamp{} + std::chrono::seconds(seconds); }

OrderStatus snapshot(S state, std::string_view filled = "0", int seconds = 0, std::string id = "o1") {
  OrderStatus s;
  s.order_id = std::move(id);
  s.state = state;
  s.filled_quantity = qty(filled);
  s.updated_at = at(seconds);
  return s;
}

FillEvent execution(std::string id, std::string_view quantity, std::string order_id = "o1") {
  FillEvent f;
  f.order_id = std::move(order_id);
  f.execution_id = std::move(id);
  f.symbol = "TSLA";
  f.quantity = qty(quantity);
  f.price = Price::parse("249.93").value();
  return f;
}

std::string label(S from, S to, bool proof) {
  return boost::describe::enum_to_string(from, "?") + std::string(" -> ") + boost::describe::enum_to_string(to, "?") +
         (proof ? " with new executions" : " without");
}

// The legal moves, written out independently of the implementation. Rows: from; columns: to in
// kStates order (queued, partially_filled, filled, cancelled, rejected, unknown).
// 'y' legal, 'n' illegal, 'p' legal only when executions prove a fill.
constexpr std::array<const char*, 6> kMatrix{
    "yyyyyn",  // queued
    "nyyynn",  // partially_filled
    "nnynnn",  // filled
    "nppynn",  // cancelled
    "nnnnyn",  // rejected
    "yyyyyy",  // unknown
};

bool expected(std::size_t from, std::size_t to, bool proof) {
  char c = kMatrix[from][to];
  return c == 'y' || (c == 'p' && proof);
}
}  // namespace

TEST_CASE("is_legal matches the transition table for every from x to, with and without proof of a fill") {
  int legal = 0;
  for (std::size_t f = 0; f < kStates.size(); ++f)
    for (std::size_t t = 0; t < kStates.size(); ++t)
      for (bool proof : {false, true}) {
        CAPTURE(label(kStates[f], kStates[t], proof));
        CHECK(is_legal(kStates[f], kStates[t], proof) == expected(f, t, proof));
        CHECK(illegal_reason(kStates[f], kStates[t], proof).empty() == expected(f, t, proof));
        legal += expected(f, t, proof) ? 1 : 0;
      }
  CHECK(legal == 2 * 17 + 2);  // 17 moves always legal, 2 more (cancelled → fill) with proof
}

TEST_CASE("apply follows the table for every from x to: legal moves are applied, illegal ones change nothing") {
  for (std::size_t f = 0; f < kStates.size(); ++f)
    for (std::size_t t = 0; t < kStates.size(); ++t)
      for (bool proof : {false, true}) {
        CAPTURE(label(kStates[f], kStates[t], proof));
        OrderTrack track("o1");
        REQUIRE(track.apply(snapshot(kStates[f], "0", 10), {}).transition == Transition::applied);
        REQUIRE(track.state() == kStates[f]);
        // Proof: a later snapshot with a larger filled quantity and an execution not seen before.
        auto next = snapshot(kStates[t], proof ? "5" : "0", 20);
        std::vector<FillEvent> executions;
        if (proof) executions.push_back(execution("e1", "5"));
        auto u = track.apply(next, executions);
        CHECK(u.from == kStates[f]);
        CHECK(u.to == kStates[t]);
        if (!expected(f, t, proof)) {
          CHECK(u.transition == Transition::illegal);
          CHECK_FALSE(u.why.empty());
          CHECK(u.new_fills.empty());
          CHECK(track.state() == kStates[f]);
          CHECK(track.status()->updated_at == at(10));
          CHECK(track.filled_quantity() == qty("0"));
        } else {
          CHECK(u.transition == (f == t && !proof ? Transition::unchanged : Transition::applied));
          CHECK(u.why.empty());
          CHECK(u.new_fills.size() == (proof ? 1u : 0u));
          CHECK(track.state() == kStates[t]);
          CHECK(track.status()->updated_at == at(20));
          CHECK(track.filled_quantity() == qty(proof ? "5" : "0"));
        }
      }
}

TEST_CASE("before the first snapshot the order is unknown, with no status and nothing filled") {
  OrderTrack track("o1");
  CHECK(track.order_id() == "o1");
  CHECK(track.state() == S::unknown);
  CHECK_FALSE(track.status().has_value());
  CHECK(track.filled_quantity() == qty("0"));
}

TEST_CASE("the first snapshot is always applied, even one that says unknown") {
  OrderTrack track("o1");
  auto u = track.apply(snapshot(S::unknown), {});
  CHECK(u.transition == Transition::applied);
  REQUIRE(track.status().has_value());
  CHECK(track.status()->order_id == "o1");
}

TEST_CASE("an ambiguous submission goes straight to whatever the broker says, fills included") {
  OrderTrack track("o1");
  track.apply(snapshot(S::unknown, "0", 1), {});
  auto u = track.apply(snapshot(S::filled, "10", 2), {execution("e1", "4"), execution("e2", "6")});
  CHECK(u.transition == Transition::applied);
  CHECK(u.from == S::unknown);
  CHECK(u.to == S::filled);
  REQUIRE(u.new_fills.size() == 2);
  CHECK(u.new_fills[0].execution_id == "e1");
  CHECK(u.new_fills[1].execution_id == "e2");
  CHECK(track.filled_quantity() == qty("10"));
}

TEST_CASE("a partial fill growing is applied; the same quantity again is unchanged") {
  OrderTrack track("o1");
  track.apply(snapshot(S::queued, "0", 1), {});
  auto first = track.apply(snapshot(S::partially_filled, "3", 2), {execution("e1", "3")});
  CHECK(first.transition == Transition::applied);
  auto more = track.apply(snapshot(S::partially_filled, "5", 3), {execution("e1", "3"), execution("e2", "2")});
  CHECK(more.transition == Transition::applied);
  REQUIRE(more.new_fills.size() == 1);
  CHECK(more.new_fills[0].execution_id == "e2");
  auto again = track.apply(snapshot(S::partially_filled, "5", 4), {execution("e1", "3"), execution("e2", "2")});
  CHECK(again.transition == Transition::unchanged);
  CHECK(again.new_fills.empty());
  CHECK(track.filled_quantity() == qty("5"));
  CHECK(track.status()->updated_at == at(4));  // the newest view is kept even when unchanged
}

TEST_CASE("executions reported twice are delivered once, ever") {
  OrderTrack track("o1");
  auto u = track.apply(snapshot(S::partially_filled, "3", 1), {execution("e1", "3"), execution("e1", "3")});
  REQUIRE(u.new_fills.size() == 1);
  CHECK(track.filled_quantity() == qty("3"));
  auto later = track.apply(snapshot(S::filled, "3", 2), {execution("e1", "3")});
  CHECK(later.transition == Transition::applied);
  CHECK(later.new_fills.empty());
  CHECK(track.filled_quantity() == qty("3"));
}

TEST_CASE("an execution listed after the quantity it explains is still delivered, once") {
  // The broker's cumulative quantity can run ahead of its executions list.
  OrderTrack track("o1");
  track.apply(snapshot(S::partially_filled, "3", 1), {});
  auto u = track.apply(snapshot(S::partially_filled, "3", 2), {execution("e1", "3")});
  CHECK(u.transition == Transition::unchanged);
  REQUIRE(u.new_fills.size() == 1);
  CHECK(u.new_fills[0].execution_id == "e1");
  CHECK(track.filled_quantity() == qty("3"));
}

TEST_CASE("a fill reported after the cancel is legal when a new execution proves it") {
  OrderTrack track("o1");
  track.apply(snapshot(S::partially_filled, "3", 1), {execution("e1", "3")});
  track.apply(snapshot(S::cancelled, "3", 2), {execution("e1", "3")});
  auto u = track.apply(snapshot(S::filled, "10", 3), {execution("e1", "3"), execution("e2", "7")});
  CHECK(u.transition == Transition::applied);
  CHECK(u.from == S::cancelled);
  REQUIRE(u.new_fills.size() == 1);
  CHECK(u.new_fills[0].execution_id == "e2");
  CHECK(track.state() == S::filled);
}

TEST_CASE("a fill reported after the cancel is legal when only the cumulative quantity proves it") {
  OrderTrack track("o1");
  track.apply(snapshot(S::cancelled, "0", 1), {});
  auto u = track.apply(snapshot(S::partially_filled, "2", 2), {});
  CHECK(u.transition == Transition::applied);
  CHECK(track.state() == S::partially_filled);
}

TEST_CASE("a cancelled order claimed filled without any new execution is illegal and says why") {
  OrderTrack track("o1");
  track.apply(snapshot(S::cancelled, "3", 1), {execution("e1", "3")});
  auto u = track.apply(snapshot(S::filled, "3", 2), {execution("e1", "3")});
  CHECK(u.transition == Transition::illegal);
  CHECK(u.why.find("cancelled") != std::string::npos);
  CHECK(u.why.find("executions") != std::string::npos);
  CHECK(track.state() == S::cancelled);
}

TEST_CASE("final states say which rule refused the move") {
  CHECK(illegal_reason(S::filled, S::queued, true) == "filled is final: no move to queued");
  CHECK(illegal_reason(S::rejected, S::filled, true) == "rejected is final: no move to filled");
  CHECK(illegal_reason(S::cancelled, S::queued, true) == "cancelled is final: no move to queued");
  CHECK(illegal_reason(S::partially_filled, S::queued, false).find("only to filled or cancelled") != std::string::npos);
  CHECK(illegal_reason(S::queued, S::unknown, false).find("never goes back to unknown") != std::string::npos);
}

TEST_CASE("a snapshot older than the applied one is stale and not applied, even when its state is legal") {
  OrderTrack track("o1");
  track.apply(snapshot(S::queued, "0", 10), {});
  auto u = track.apply(snapshot(S::filled, "5", 9), {execution("e1", "5")});
  CHECK(u.transition == Transition::stale);
  CHECK(u.why.find("updated_at") != std::string::npos);
  CHECK(u.new_fills.empty());
  CHECK(track.state() == S::queued);
  CHECK(track.filled_quantity() == qty("0"));
  // Nothing was recorded: the same execution in a current snapshot is new.
  auto current = track.apply(snapshot(S::filled, "5", 11), {execution("e1", "5")});
  CHECK(current.new_fills.size() == 1);
}

TEST_CASE("a snapshot with less filled than the applied one is stale, whatever its timestamp") {
  OrderTrack track("o1");
  track.apply(snapshot(S::partially_filled, "5", 10), {execution("e1", "5")});
  auto u = track.apply(snapshot(S::partially_filled, "3", 12), {});
  CHECK(u.transition == Transition::stale);
  CHECK(u.why.find("filled quantity") != std::string::npos);
  CHECK(track.status()->filled_quantity == qty("5"));
  CHECK(track.status()->updated_at == at(10));
}

TEST_CASE("an old queued snapshot arriving after the fill is stale, not an illegal move back") {
  OrderTrack track("o1");
  track.apply(snapshot(S::queued, "0", 1), {});
  track.apply(snapshot(S::filled, "5", 3), {execution("e1", "5")});
  CHECK(track.apply(snapshot(S::queued, "0", 2), {}).transition == Transition::stale);
  CHECK(track.state() == S::filled);
}

TEST_CASE("a snapshot with the same timestamp as the applied one is not stale") {
  OrderTrack track("o1");
  track.apply(snapshot(S::queued, "0", 5), {});
  CHECK(track.apply(snapshot(S::cancelled, "0", 5), {}).transition == Transition::applied);
}

TEST_CASE("a snapshot or execution of another order is refused") {
  OrderTrack track("o1");
  auto other = track.apply(snapshot(S::queued, "0", 1, "o2"), {});
  CHECK(other.transition == Transition::illegal);
  CHECK(other.why.find("another order") != std::string::npos);
  CHECK_FALSE(track.status().has_value());
  auto mixed = track.apply(snapshot(S::filled, "5", 1), {execution("e1", "5", "o2")});
  CHECK(mixed.transition == Transition::illegal);
  CHECK(mixed.new_fills.empty());
  CHECK(track.filled_quantity() == qty("0"));
}

TEST_CASE("transitions have names for the caller's log") {
  CHECK(std::string(boost::describe::enum_to_string(Transition::stale, "")) == "stale");
  CHECK(std::string(boost::describe::enum_to_string(Transition::illegal, "")) == "illegal");
}
