#include "actors/safety_state.hpp"

#include <doctest/doctest.h>

using namespace oms;
using namespace oms::safety;

namespace {
PendingKey key(std::string symbol = "TSLA", Side side = Side::buy, std::string_view price = "249.93") {
  return PendingKey{std::move(symbol), side, Price::parse(price).value()};
}
OrderEnvelope envelope(std::string id) {
  OrderEnvelope e;
  e.order_id = std::move(id);
  e.symbol = "TSLA";
  e.limit_price = Price::parse("249.93").value();
  return e;
}
const Timestamp t0{};
}  // namespace

TEST_CASE("NFR-005: a repeated request for a pending order returns the existing envelope") {
  LedgerState ledger;
  CHECK(ledger.admit(key()).admission == Admission::proceed);
  ledger.submitted(key(), envelope("o1"));
  auto again = ledger.admit(key());
  CHECK(again.admission == Admission::duplicate);
  REQUIRE(again.existing.has_value());
  CHECK(again.existing->order_id == "o1");
  CHECK(ledger.pending() == 1);
}

TEST_CASE("two identical requests racing: the second joins the first instead of sending again") {
  LedgerState ledger;
  CHECK(ledger.admit(key()).admission == Admission::proceed);
  CHECK(ledger.admit(key()).admission == Admission::join_pending);
  ledger.submitted(key(), envelope("o1"));
  CHECK(ledger.admit(key()).admission == Admission::duplicate);
}

TEST_CASE("the key is symbol + side + normalised price: any difference is a new order") {
  LedgerState ledger;
  CHECK(ledger.admit(key("TSLA", Side::buy, "249.93")).admission == Admission::proceed);
  CHECK(ledger.admit(key("TSLA", Side::sell, "249.93")).admission == Admission::proceed);
  CHECK(ledger.admit(key("TSLA", Side::buy, "249.92")).admission == Admission::proceed);
  CHECK(ledger.admit(key("AAPL", Side::buy, "249.93")).admission == Admission::proceed);
  // "249.930" is the same price as "249.93": normalised, so the same key.
  CHECK(ledger.admit(key("TSLA", Side::buy, "249.930")).admission == Admission::join_pending);
}

TEST_CASE("an abandoned submission frees its key; a submitted one is freed only when it finishes") {
  LedgerState ledger;
  ledger.admit(key());
  ledger.abandoned(key());
  CHECK(ledger.pending() == 0);
  CHECK(ledger.admit(key()).admission == Admission::proceed);
  ledger.submitted(key(), envelope("o1"));
  ledger.abandoned(key());  // too late: the broker has it
  CHECK(ledger.pending() == 1);
  CHECK(ledger.finished("unknown") == std::nullopt);
  CHECK(ledger.finished("o1") == key());
  CHECK(ledger.admit(key()).admission == Admission::proceed);
}

TEST_CASE("insufficient funds trips the breaker at once; new submissions are refused with guidance") {
  LedgerState ledger;
  auto trip = ledger.broker_failed(true, "You can only purchase 3 shares of TSLA.", t0);
  REQUIRE(trip.has_value());
  CHECK(trip->reason == TripReason::insufficient_funds);
  auto d = ledger.admit(key());
  CHECK(d.admission == Admission::breaker_open);
  CHECK(d.guidance.find("insufficient buying power") != std::string::npos);
  CHECK(d.guidance.find("oms resume") != std::string::npos);
  CHECK_FALSE(ledger.broker_failed(true, "again", t0).has_value());  // one trip per incident
  ledger.resume();
  CHECK(ledger.admit(key()).admission == Admission::proceed);
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
  ledger.admit(key("TSLA"));
  ledger.submitted(key("TSLA"), envelope("o1"));
  ledger.admit(key("AAPL"));  // in flight, no broker id yet
  ledger.halt();
  ledger.halt();
  CHECK(ledger.admit(key("MSFT")).admission == Admission::halted);
  CHECK(ledger.pending_order_ids() == std::vector<std::string>{"o1"});
  CHECK(ledger.clear().size() == 2);
  CHECK(ledger.pending() == 0);
  CHECK(ledger.admit(key("MSFT")).admission == Admission::halted);
  ledger.resume();
  CHECK(ledger.admit(key("MSFT")).admission == Admission::proceed);
}

TEST_CASE("issue 12: a reserved order is stopped at the last gate when the kill switch engaged after its reservation") {
  LedgerState ledger;
  REQUIRE(ledger.admit(key()).admission == Admission::proceed);
  ledger.halt();
  auto gate = ledger.confirm_send(key());
  CHECK(gate.admission == Admission::halted);
  CHECK(gate.guidance.find("nothing was sent") != std::string::npos);
  CHECK(ledger.in_flight() == 0);
  ledger.abandoned(key());
  CHECK(ledger.pending() == 0);
}

TEST_CASE("issue 12: sends past the last gate are in flight until the broker's answer settles them") {
  LedgerState ledger;
  REQUIRE(ledger.admit(key("TSLA")).admission == Admission::proceed);
  REQUIRE(ledger.admit(key("AAPL")).admission == Admission::proceed);
  CHECK(ledger.in_flight() == 0);  // reserved, not yet past the gate
  CHECK(ledger.confirm_send(key("TSLA")).admission == Admission::proceed);
  CHECK(ledger.confirm_send(key("AAPL")).admission == Admission::proceed);
  CHECK(ledger.in_flight() == 2);
  ledger.halt();  // the kill switch does not recall a send already on its way: it waits for it
  CHECK(ledger.in_flight() == 2);
  ledger.submitted(key("TSLA"), envelope("o1"));
  CHECK(ledger.in_flight() == 1);
  ledger.abandoned(key("AAPL"));
  CHECK(ledger.in_flight() == 0);
  CHECK(ledger.pending_order_ids() == std::vector<std::string>{"o1"});
}

TEST_CASE("issue 12: a kill switch pressed while recovery runs survives the restore of a journal that was not halted") {
  LedgerState ledger;
  ledger.begin_recovery();
  ledger.halt();  // cancel-all reached the owner mid-recovery
  ledger.restore({}, false, std::nullopt);
  CHECK(ledger.halted());
  CHECK(ledger.admit(key()).admission == Admission::halted);
}
