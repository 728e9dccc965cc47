#include "actors/safety_state.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace oms;
using namespace oms::safety;

namespace {
PendingKey key(std::string symbol = "TSLA", Side side = Side::buy, std::string_view price = "249.93") {
  return PendingKey{std::move(symbol), side, Price::parse(price).value()};
}
Quantity q(std::string_view text = "50") { return Quantity::parse(text).value(); }
OrderEnvelope envelope(std::string id, std::string ref_id = "r1", std::string_view quantity = "50") {
  OrderEnvelope e;
  e.order_id = std::move(id);
  e.ref_id = std::move(ref_id);
  e.symbol = "TSLA";
  e.quantity = q(quantity);
  e.limit_price = Price::parse("249.93").value();
  return e;
}
const Timestamp t0{};
}  // namespace

TEST_CASE("NFR-005: a repeated request for a pending order returns the existing envelope") {
  LedgerState ledger;
  CHECK(ledger.admit(key(), q(), "r1").admission == Admission::proceed);
  ledger.submitted(key(), envelope("o1"));
  auto again = ledger.admit(key(), q(), "r2");
  CHECK(again.admission == Admission::duplicate);
  REQUIRE(again.existing.has_value());
  CHECK(again.existing->order_id == "o1");
  CHECK(ledger.pending() == 1);
}

TEST_CASE("two identical requests racing: the second joins the first instead of sending again") {
  LedgerState ledger;
  CHECK(ledger.admit(key(), q(), "r3").admission == Admission::proceed);
  CHECK(ledger.admit(key(), q(), "r4").admission == Admission::join_pending);
  ledger.submitted(key(), envelope("o1", "r3"));
  CHECK(ledger.admit(key(), q(), "r5").admission == Admission::duplicate);
}

TEST_CASE("the key is symbol + side + normalised price: any difference is a new order") {
  LedgerState ledger;
  CHECK(ledger.admit(key("TSLA", Side::buy, "249.93"), q(), "r6").admission == Admission::proceed);
  CHECK(ledger.admit(key("TSLA", Side::sell, "249.93"), q(), "r7").admission == Admission::proceed);
  CHECK(ledger.admit(key("TSLA", Side::buy, "249.92"), q(), "r8").admission == Admission::proceed);
  CHECK(ledger.admit(key("AAPL", Side::buy, "249.93"), q(), "r9").admission == Admission::proceed);
  // "249.930" is the same price as "249.93": normalised, so the same key.
  CHECK(ledger.admit(key("TSLA", Side::buy, "249.930"), q(), "r10").admission == Admission::join_pending);
}

TEST_CASE("an abandoned submission frees its key; a submitted one is freed only when it finishes") {
  LedgerState ledger;
  ledger.admit(key(), q(), "r11");
  ledger.abandoned(key(), "r11");
  CHECK(ledger.pending() == 0);
  CHECK(ledger.admit(key(), q(), "r12").admission == Admission::proceed);
  ledger.submitted(key(), envelope("o1", "r12"));
  ledger.abandoned(key(), "r12");  // too late: the broker has it
  CHECK(ledger.pending() == 1);
  CHECK(ledger.finished("unknown") == std::nullopt);
  CHECK(ledger.finished("o1") == key());
  CHECK(ledger.admit(key(), q(), "r13").admission == Admission::proceed);
}

TEST_CASE("insufficient funds trips the breaker at once; new submissions are refused with guidance") {
  LedgerState ledger;
  auto trip = ledger.broker_failed(true, "You can only purchase 3 shares of TSLA.", t0);
  REQUIRE(trip.has_value());
  CHECK(trip->reason == TripReason::insufficient_funds);
  auto d = ledger.admit(key(), q(), "r14");
  CHECK(d.admission == Admission::breaker_open);
  CHECK(d.guidance.find("insufficient buying power") != std::string::npos);
  CHECK(d.guidance.find("oms resume") != std::string::npos);
  CHECK_FALSE(ledger.broker_failed(true, "again", t0).has_value());  // one trip per incident
  ledger.resume();
  CHECK(ledger.admit(key(), q(), "r15").admission == Admission::proceed);
}

TEST_CASE("N consecutive broker failures trip the breaker; a success in between resets the count") {
  LedgerState ledger(3);
  CHECK_FALSE(ledger.broker_failed(false, "503", t0).has_value());
  CHECK_FALSE(ledger.broker_failed(false, "503", t0).has_value());
  ledger.broker_succeeded();
  CHECK_FALSE(ledger.broker_failed(false, "503", t0).has_value());
  CHECK_FALSE(ledger.broker_failed(false, "503", t0).has_value());
  auto trip = ledger.broker_failed(false, "503", t0);
  REQUIRE(trip.has_value());
  CHECK(trip->reason == TripReason::consecutive_failures);
  CHECK(ledger.breaker_open());
}

TEST_CASE("the kill switch latches until an explicit resume, and the ledger lists what to cancel") {
  LedgerState ledger;
  ledger.admit(key("TSLA"), q(), "r16");
  ledger.submitted(key("TSLA"), envelope("o1", "r16"));
  ledger.admit(key("AAPL"), q(), "r17");  // in flight, no broker id yet
  ledger.halt();
  ledger.halt();
  CHECK(ledger.admit(key("MSFT"), q(), "r18").admission == Admission::halted);
  CHECK(ledger.pending_order_ids() == std::vector<std::string>{"o1"});
  CHECK(ledger.clear().size() == 2);
  CHECK(ledger.pending() == 0);
  CHECK(ledger.admit(key("MSFT"), q(), "r19").admission == Admission::halted);
  ledger.resume();
  CHECK(ledger.admit(key("MSFT"), q(), "r20").admission == Admission::proceed);
}

TEST_CASE("issue 12: a reserved order is stopped at the last gate when the kill switch engaged after its reservation") {
  LedgerState ledger;
  REQUIRE(ledger.admit(key(), q(), "r1").admission == Admission::proceed);
  ledger.halt();
  auto gate = ledger.confirm_send(key(), "r1");
  CHECK(gate.admission == Admission::halted);
  CHECK(gate.guidance.find("nothing was sent") != std::string::npos);
  CHECK(ledger.in_flight() == 0);
  ledger.abandoned(key(), "r1");
  CHECK(ledger.pending() == 0);
}

TEST_CASE("issue 12: sends past the last gate are in flight until the broker's answer settles them") {
  LedgerState ledger;
  REQUIRE(ledger.admit(key("TSLA"), q(), "r1").admission == Admission::proceed);
  REQUIRE(ledger.admit(key("AAPL"), q(), "r2").admission == Admission::proceed);
  CHECK(ledger.in_flight() == 0);  // reserved, not yet past the gate
  CHECK(ledger.confirm_send(key("TSLA"), "r1").admission == Admission::proceed);
  CHECK(ledger.confirm_send(key("AAPL"), "r2").admission == Admission::proceed);
  CHECK(ledger.in_flight() == 2);
  ledger.halt();  // the kill switch does not recall a send already on its way: it waits for it
  CHECK(ledger.in_flight() == 2);
  ledger.submitted(key("TSLA"), envelope("o1", "r1"));
  CHECK(ledger.in_flight() == 1);
  ledger.abandoned(key("AAPL"), "r2");
  CHECK(ledger.in_flight() == 0);
  CHECK(ledger.pending_order_ids() == std::vector<std::string>{"o1"});
}

TEST_CASE("issue 12 and finding 1: a send that ends unresolved is no longer in flight, and its key stays reserved") {
  LedgerState ledger;
  REQUIRE(ledger.admit(key(), q("1"), "r1").admission == Admission::proceed);
  REQUIRE(ledger.confirm_send(key(), "r1").admission == Admission::proceed);
  CHECK(ledger.in_flight() == 1);
  ledger.unresolved(key(), "r1", Timestamp{});
  CHECK(ledger.in_flight() == 0);  // the POST has ended; its settlement only looks up
  CHECK(ledger.unresolved_intents().size() == 1);
  CHECK(ledger.admit(key(), q("2"), "r2").admission == Admission::conflict);
}

TEST_CASE("the last gate refuses a send whose reservation the ledger does not hold") {
  LedgerState ledger;
  REQUIRE(ledger.admit(key(), q("1"), "r1").admission == Admission::proceed);
  CHECK(ledger.confirm_send(key(), "r-unknown").admission == Admission::halted);
  CHECK(ledger.in_flight() == 0);
}

TEST_CASE("issue 12: a kill switch pressed while recovery runs survives the restore of a journal that was not halted") {
  LedgerState ledger;
  ledger.begin_recovery();
  ledger.halt();  // cancel-all reached the owner mid-recovery
  ledger.restore({}, {}, false, std::nullopt);
  CHECK(ledger.halted());
  CHECK(ledger.admit(key(), q(), "r21").admission == Admission::halted);
}

namespace {
IntentSettled settled(std::string ref_id, SettlementOutcome outcome, std::optional<OrderEnvelope> env = std::nullopt,
                      bool finished = false) {
  return IntentSettled{std::move(ref_id), key(), outcome, std::move(env), finished, "test"};
}
}  // namespace

TEST_CASE("finding 3: a request on a pending key with a different quantity is refused naming the pending order") {
  LedgerState ledger;
  REQUIRE(ledger.admit(key(), q("1"), "r1").admission == Admission::proceed);
  ledger.submitted(key(), envelope("o1", "r1", "1"));
  auto other = ledger.admit(key(), q("40"), "r2");
  CHECK(other.admission == Admission::conflict);
  CHECK(other.guidance.find("order o1") != std::string::npos);
  CHECK(other.guidance.find("quantity 1") != std::string::npos);
  CHECK_FALSE(other.existing.has_value());
  auto same = ledger.admit(key(), q("1"), "r3");
  CHECK(same.admission == Admission::duplicate);
  REQUIRE(same.existing.has_value());
  CHECK(same.existing->order_id == "o1");
  CHECK(ledger.pending() == 1);  // the refused one reserved nothing
  // While the first is still being sent, another quantity is refused too (naming its ref_id).
  REQUIRE(ledger.admit(key("AAPL"), q("1"), "r4").admission == Admission::proceed);
  auto racing = ledger.admit(key("AAPL"), q("2"), "r5");
  CHECK(racing.admission == Admission::conflict);
  CHECK(racing.guidance.find("r4") != std::string::npos);
}

TEST_CASE("finding 3: restore keeps every open order sharing a key, each released by its own finish") {
  LedgerState ledger;
  ledger.begin_recovery();
  auto a = envelope("o1", "ra", "1");
  auto b = envelope("o2", "rb", "2");
  ledger.restore({a, b}, {}, false, std::nullopt);
  CHECK(ledger.pending() == 2);
  auto ids = ledger.pending_order_ids();
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{"o1", "o2"});
  CHECK(ledger.admit(key(), q("2"), "r1").existing->order_id == "o2");  // identical to the second
  CHECK(ledger.admit(key(), q("3"), "r2").admission == Admission::conflict);
  CHECK(ledger.finished("o1") == key());
  CHECK(ledger.pending_order_ids() == std::vector<std::string>{"o2"});
  CHECK(ledger.admit(key(), q("1"), "r3").admission == Admission::conflict);  // o2 still holds the key
  CHECK(ledger.finished("o2") == key());
  CHECK(ledger.admit(key(), q("1"), "r4").admission == Admission::proceed);
}

TEST_CASE("finding 1: an unresolved submission keeps its key reserved; identical requests await the settlement") {
  LedgerState ledger;
  REQUIRE(ledger.admit(key(), q("1"), "r1").admission == Admission::proceed);
  ledger.unresolved(key(), "r1", t0);
  CHECK(ledger.stage_of("r1") == Stage::unresolved);
  auto identical = ledger.admit(key(), q("1"), "r2");
  CHECK(identical.admission == Admission::await_settlement);
  CHECK(identical.ref_id == "r1");
  CHECK_FALSE(identical.rearm);  // its settlement is running
  CHECK_FALSE(ledger.settlement_answer("r1").has_value());  // keep waiting
  auto other = ledger.admit(key(), q("2"), "r3");
  CHECK(other.admission == Admission::conflict);
  CHECK(other.guidance.find("r1") != std::string::npos);
  CHECK(other.guidance.find("unresolved") != std::string::npos);
  // Abandoning is for definite failures: an unresolved entry is not released by it.
  ledger.abandoned(key(), "r1");
  CHECK(ledger.stage_of("r1") == Stage::unresolved);
  auto visible = ledger.unresolved_intents();
  REQUIRE(visible.size() == 1);
  CHECK(visible[0].ref_id == "r1");
  CHECK(visible[0].quantity == q("1"));
  CHECK(ledger.pending_order_ids().empty());  // nothing known at the broker to cancel
  CHECK(ledger.clear().empty());              // only a settlement frees it
  CHECK(ledger.pending() == 1);
}

TEST_CASE("finding 1: found → identical requests get the order; proven absent → the key is free for the same ref_id") {
  LedgerState found;
  found.admit(key(), q("1"), "r1");
  found.unresolved(key(), "r1", t0);
  found.settled(settled("r1", SettlementOutcome::found, envelope("o1", "r1", "1")));
  CHECK(found.stage_of("r1") == Stage::placed);
  CHECK(found.settlement_answer("r1")->admission == Admission::duplicate);
  CHECK(found.admit(key(), q("1"), "r2").existing->order_id == "o1");
  CHECK(found.pending_order_ids() == std::vector<std::string>{"o1"});

  LedgerState absent;
  absent.admit(key(), q("1"), "r1");
  absent.unresolved(key(), "r1", t0);
  absent.settled(settled("r1", SettlementOutcome::proven_absent));
  CHECK(absent.pending() == 0);
  auto answer = absent.settlement_answer("r1");
  REQUIRE(answer.has_value());
  CHECK(answer->admission == Admission::retry);
  CHECK(answer->ref_id == "r1");
  // The next identical request — a waiter or not — is sent under the absent intent's ref_id.
  auto again = absent.admit(key(), q("1"), "r7");
  CHECK(again.admission == Admission::proceed);
  CHECK(again.ref_id == "r1");
  CHECK(absent.admit(key(), q("1"), "r9").admission == Admission::join_pending);  // everyone else joins it
}

TEST_CASE("finding 1: a settlement that gave up keeps the key reserved; an identical request rearms it") {
  LedgerState ledger;
  ledger.admit(key(), q("1"), "r1");
  ledger.unresolved(key(), "r1", t0);
  ledger.settled(settled("r1", SettlementOutcome::gave_up));
  auto told = ledger.settlement_answer("r1");
  REQUIRE(told.has_value());
  CHECK(told->admission == Admission::unresolved);
  CHECK(told->guidance.find("r1") != std::string::npos);
  auto identical = ledger.admit(key(), q("1"), "r2");
  CHECK(identical.admission == Admission::await_settlement);
  CHECK(identical.rearm);
  CHECK_FALSE(ledger.settlement_answer("r1").has_value());  // settling again: wait
  CHECK_FALSE(ledger.admit(key(), q("1"), "r3").rearm);      // rearmed once
}

TEST_CASE("finding 1: restore reserves the keys of intents still unresolved after the start-up look-up") {
  LedgerState ledger;
  ledger.begin_recovery();
  ledger.restore({}, {UnresolvedIntent{"r1", key(), q("1"), t0}}, false, std::nullopt);
  CHECK(ledger.admit(key(), q("1"), "r2").admission == Admission::await_settlement);
  CHECK(ledger.admit(key(), q("5"), "r3").admission == Admission::conflict);
  CHECK(ledger.admit(key("AAPL"), q("1"), "r4").admission == Admission::proceed);  // other keys trade
}

TEST_CASE("an order reported placed or found after the poller saw it finish does not keep its key") {
  LedgerState ledger;
  ledger.admit(key(), q("1"), "r1");
  CHECK_FALSE(ledger.finished("o1").has_value());  // the fill was seen first
  ledger.submitted(key(), envelope("o1", "r1", "1"));
  CHECK(ledger.pending() == 0);

  ledger.admit(key(), q("1"), "r2");
  ledger.unresolved(key(), "r2", t0);
  ledger.finished("o2");
  ledger.settled(settled("r2", SettlementOutcome::found, envelope("o2", "r2", "1")));
  CHECK(ledger.pending() == 0);
  ledger.admit(key(), q("1"), "r3");
  ledger.unresolved(key(), "r3", t0);
  ledger.settled(settled("r3", SettlementOutcome::found, envelope("o3", "r3", "1"), true));  // found already filled
  CHECK(ledger.pending() == 0);
}

TEST_CASE("finding 5: a recovery that could not list the broker restores the journal's open orders for the kill switch "
          "and keeps refusing submissions, naming why") {
  LedgerState ledger;
  ledger.begin_recovery();
  ledger.restore({envelope("o1", "r1", "1")}, {}, false, std::nullopt, "could not list open broker orders: 503");
  CHECK(ledger.pending_order_ids() == std::vector<std::string>{"o1"});  // what cancel-all cancels
  CHECK(ledger.recovering());
  auto refused = ledger.admit(key("AAPL"), q("1"), "r2");
  CHECK(refused.admission == Admission::halted);
  CHECK(refused.guidance.find("could not finish (could not list open broker orders: 503)") != std::string::npos);
  CHECK(refused.guidance.find("kill switch still works") != std::string::npos);
  CHECK(ledger.pending() == 1);  // the refused request reserved nothing
}

TEST_CASE("issue 15: with thousands of open orders every entry is still found by its ref_id and its order id") {
  // The ledger indexes entries by ref_id and order id (a scan of every entry made each
  // submission O(open orders)); this walks every path that adds, changes or removes an entry.
  LedgerState ledger;
  constexpr int kOrders = 3000;
  auto k = [](int i) { return key("S" + std::to_string(i % 300), Side::buy, std::to_string(10 + i / 300) + ".00"); };
  for (int i = 0; i < kOrders; ++i) {
    auto ref = "r" + std::to_string(i);
    REQUIRE(ledger.admit(k(i), q(), ref).admission == Admission::proceed);
    REQUIRE(ledger.confirm_send(k(i), ref).admission == Admission::proceed);
    auto e = envelope("o" + std::to_string(i), ref);
    e.symbol = k(i).symbol;
    e.limit_price = k(i).limit_price;
    if (i % 3 == 0) ledger.submitted(k(i), e);
    else if (i % 3 == 1) ledger.unresolved(k(i), ref, t0);
    else ledger.abandoned(k(i), ref);
  }
  CHECK(ledger.in_flight() == 0);
  CHECK(ledger.pending() == 2 * kOrders / 3);
  for (int i = 0; i < kOrders; ++i) {
    auto ref = "r" + std::to_string(i);
    auto stage = ledger.stage_of(ref);
    if (i % 3 == 0) CHECK(stage == Stage::placed);
    else if (i % 3 == 1) CHECK(stage == Stage::unresolved);
    else CHECK(stage == std::nullopt);
  }
  // Settled found: the unresolved ones become placed under their order ids.
  for (int i = 1; i < kOrders; i += 3) {
    auto e = envelope("o" + std::to_string(i), "r" + std::to_string(i));
    ledger.settled(IntentSettled{"r" + std::to_string(i), k(i), SettlementOutcome::found, e, false});
  }
  // Every placed order is released by its own id, newest first, and no other.
  for (int i = kOrders - 1; i >= 0; --i) {
    if (i % 3 == 2) {
      CHECK(ledger.finished("o" + std::to_string(i)) == std::nullopt);
      continue;
    }
    CHECK(ledger.finished("o" + std::to_string(i)) == k(i));
    CHECK(ledger.stage_of("r" + std::to_string(i)) == std::nullopt);
  }
  CHECK(ledger.pending() == 0);
  // A freed key and ref_id are usable again; clear() forgets the placed, keeps the unresolved.
  CHECK(ledger.admit(k(0), q(), "r0").admission == Admission::proceed);
  ledger.submitted(k(0), envelope("o0", "r0"));
  CHECK(ledger.admit(k(1), q(), "r1").admission == Admission::proceed);
  ledger.unresolved(k(1), "r1", t0);
  CHECK(ledger.clear().size() == 1);
  CHECK(ledger.finished("o0") == std::nullopt);
  CHECK(ledger.stage_of("r0") == std::nullopt);
  CHECK(ledger.stage_of("r1") == Stage::unresolved);
}

TEST_CASE("pending orders are listed in key order (symbol, side, price), whatever order they came in") {
  LedgerState ledger;
  std::vector<std::pair<PendingKey, std::string>> placed{{key("TSLA", Side::buy, "10.00"), "o1"},
                                                         {key("AAPL", Side::sell, "3.00"), "o2"},
                                                         {key("MSFT", Side::buy, "7.00"), "o3"},
                                                         {key("AAPL", Side::buy, "5.00"), "o4"},
                                                         {key("TSLA", Side::buy, "2.00"), "o5"}};
  int n = 0;
  for (const auto& [k, id] : placed) {
    std::string ref = "ref-" + std::to_string(n++);
    REQUIRE(ledger.admit(k, q(), ref).admission == Admission::proceed);
    auto e = envelope(id, ref);
    e.symbol = k.symbol;
    e.limit_price = k.limit_price;
    ledger.submitted(k, e);
  }
  CHECK(ledger.pending_order_ids() == std::vector<std::string>{"o4", "o2", "o3", "o5", "o1"});
  auto cleared = ledger.clear();
  REQUIRE(cleared.size() == 5);
  CHECK(std::is_sorted(cleared.begin(), cleared.end()));
}
