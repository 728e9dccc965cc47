// The journal's view of the world, without I/O (the first half of start-up recovery).
#include "actors/journal_replay.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace oms;
using namespace oms::recovery;
namespace json = boost::json;

namespace {

json::object rec(std::string_view text) { return json::parse(text).as_object(); }

json::object intent(const char* ref, const char* ts = "2026-11-24T15:00:00Z", const char* symbol = "AAPL") {
  return json::object{{"ts", ts},          {"kind", "intent"},          {"ref_id", ref},
                      {"symbol", symbol},  {"side", "buy"},             {"quantity", "2"},
                      {"limit_price", "189.72"}, {"reference_price", "190.00"}, {"strategy", "s1"},
                      {"mode", "live"}};
}

json::object envelope(const char* order_id, const char* ref, const char* kind = "envelope", const char* mode = "live") {
  return json::object{{"ts", "2026-11-24T15:00:01Z"}, {"kind", kind},          {"order_id", order_id},
                      {"ref_id", ref},                {"symbol", "AAPL"},      {"side", "buy"},
                      {"quantity", "2"},              {"limit_price", "189.72"}, {"mode", mode}};
}

json::object failed(const char* ref, const char* category) {
  return json::object{{"ts", "2026-11-24T15:00:02Z"}, {"kind", "submission_failed"}, {"ref_id", ref},
                      {"category", category}, {"detail", "You can only purchase 4 shares of AAPL."}};
}

json::object state_change(const char* order_id, const char* to) {
  return json::object{{"kind", "state_change"}, {"order_id", order_id}, {"from", "queued"}, {"to", to}};
}

json::object cancel_result(const char* order_id, const char* outcome) {
  return json::object{{"kind", "cancel_result"}, {"order_id", order_id}, {"outcome", outcome}};
}

json::object latch(const char* kind) { return json::object{{"kind", kind}, {"requested_by", "operator"}}; }

}  // namespace

TEST_CASE("journal replay: an intent without an envelope is unresolved, with its fields") {
  auto r = replay({intent("ref-2", "2026-11-24T15:00:05Z"), intent("ref-1", "2026-11-24T15:00:00Z", "MSFT")});
  CHECK(r.records == 2);
  REQUIRE(r.unresolved.size() == 2);
  const auto& first = r.unresolved[0].ref_id == "ref-1" ? r.unresolved[0] : r.unresolved[1];
  CHECK(first.symbol == "MSFT");
  CHECK(first.side == Side::buy);
  CHECK(first.quantity == Quantity::parse("2").value());
  CHECK(first.limit_price == Price::parse("189.72").value());
  CHECK(first.reference_price == Price::parse("190.00").value());
  CHECK(first.strategy == "s1");
  CHECK(first.mode == ExecutionMode::live);
  REQUIRE(r.earliest_unresolved().has_value());
  CHECK(*r.earliest_unresolved() == parse_iso8601("2026-11-24T15:00:00Z").value());
  CHECK(r.orders.empty());
  CHECK(r.malformed.empty());
}

TEST_CASE("journal replay: an envelope or an adopted order settles its intent and becomes a known open order") {
  auto r = replay({intent("ref-1"), intent("ref-2"), envelope("ord-1", "ref-1"), envelope("ord-2", "ref-2", "adopted"),
                   envelope("ord-3", "", "adopted")});
  CHECK(r.unresolved.empty());
  CHECK_FALSE(r.earliest_unresolved().has_value());
  CHECK(r.known_ref_ids == std::set<std::string>{"ref-1", "ref-2"});
  REQUIRE(r.orders.size() == 3);
  CHECK(r.orders.at("ord-1").ref_id == "ref-1");
  CHECK_FALSE(r.orders.at("ord-3").finished);
  CHECK(r.open_orders(ExecutionMode::live).size() == 3);
  CHECK(r.open_orders(ExecutionMode::paper).empty());
}

TEST_CASE("journal replay: an envelope written before its intent is read still settles it") {
  // A late intent for a ref_id that already has an envelope is not unresolved.
  auto r = replay({envelope("ord-1", "ref-1"), intent("ref-1")});
  CHECK(r.unresolved.empty());
}

TEST_CASE("journal replay: a submission failure settles its intent unless it is ambiguous_unresolved") {
  auto r = replay({intent("ref-rejected"), failed("ref-rejected", "broker_rejected"), intent("ref-transient"),
                   failed("ref-transient", "transient_exhausted"), intent("ref-ambiguous"),
                   failed("ref-ambiguous", "ambiguous_unresolved")});
  REQUIRE(r.unresolved.size() == 1);
  CHECK(r.unresolved[0].ref_id == "ref-ambiguous");  // may exist at the broker: look it up
  CHECK_FALSE(r.trip.has_value());
}

TEST_CASE("journal replay: intent_abandoned (recovery found nothing at the broker) settles the intent") {
  auto r = replay({intent("ref-1"), json::object{{"kind", "intent_abandoned"}, {"ref_id", "ref-1"}}});
  CHECK(r.unresolved.empty());
}

TEST_CASE("journal replay: an insufficient_funds failure leaves the circuit breaker tripped") {
  auto r = replay({intent("ref-1"), failed("ref-1", "insufficient_funds")});
  CHECK(r.unresolved.empty());
  REQUIRE(r.trip.has_value());
  CHECK(r.trip->reason == TripReason::insufficient_funds);
  CHECK(r.trip->detail == "You can only purchase 4 shares of AAPL.");
  CHECK(r.trip->at == parse_iso8601("2026-11-24T15:00:02Z").value());
}

TEST_CASE("journal replay: halted and resumed latch in journal order") {
  CHECK(replay({latch("halted")}).halted);
  CHECK_FALSE(replay({latch("halted"), latch("resumed")}).halted);
  CHECK(replay({latch("halted"), latch("resumed"), latch("halted")}).halted);
  CHECK(replay({latch("resumed"), latch("halted")}).halted);
  // A resume also closes the breaker; a trip after the resume stays.
  CHECK_FALSE(replay({failed("r", "insufficient_funds"), latch("resumed")}).trip.has_value());
  CHECK(replay({latch("resumed"), failed("r", "insufficient_funds")}).trip.has_value());
  CHECK_FALSE(replay({}).halted);
}

TEST_CASE("journal replay: a terminal state change or a settled cancel result finishes an order") {
  auto r = replay({envelope("filled", "r1"), state_change("filled", "filled"),
                   envelope("rejected", "r2"), state_change("rejected", "rejected"),
                   envelope("partial", "r3"), state_change("partial", "partially_filled"),
                   envelope("cancelled", "r4"), cancel_result("cancelled", "cancelled"),
                   envelope("raced", "r5"), cancel_result("raced", "filled"),
                   envelope("refused", "r6"), cancel_result("refused", "failed")});
  CHECK(r.orders.at("filled").finished);
  CHECK(r.orders.at("rejected").finished);
  CHECK_FALSE(r.orders.at("partial").finished);
  CHECK(r.orders.at("cancelled").finished);
  CHECK(r.orders.at("raced").finished);
  CHECK_FALSE(r.orders.at("refused").finished);  // the cancel failed: still open at the broker
  std::set<std::string> open;
  for (const auto& o : r.open_orders(ExecutionMode::live)) open.insert(o.order_id);
  CHECK(open == std::set<std::string>{"partial", "refused"});
}

TEST_CASE("journal replay: a late duplicate envelope does not reopen a finished order") {
  auto r = replay({envelope("o1", "r1"), state_change("o1", "filled"), envelope("o1", "r1", "adopted")});
  CHECK(r.orders.at("o1").finished);
  CHECK(r.open_orders(ExecutionMode::live).empty());
}

TEST_CASE("journal replay: a state change for an order the journal never saw leaves no order behind") {
  auto r = replay({state_change("ghost", "cancelled"), cancel_result("ghost-2", "cancelled")});
  CHECK(r.orders.empty());
}

TEST_CASE("journal replay: paper and live orders are told apart") {
  auto r = replay({envelope("p1", "r1", "envelope", "paper"), envelope("l1", "r2")});
  REQUIRE(r.open_orders(ExecutionMode::paper).size() == 1);
  CHECK(r.open_orders(ExecutionMode::paper)[0].order_id == "p1");
  REQUIRE(r.open_orders(ExecutionMode::live).size() == 1);
  CHECK(r.open_orders(ExecutionMode::live)[0].order_id == "l1");
}

TEST_CASE("journal replay: a malformed record is reported with its position and skipped") {
  auto no_side = intent("ref-bad");
  no_side.erase("side");
  auto no_id = envelope("", "ref-x");
  auto bad_price = envelope("o2", "ref-y");
  bad_price["limit_price"] = "12.3.4";
  auto r = replay({intent("ref-good"), no_side, no_id, bad_price, envelope("o1", "ref-good")});
  CHECK(r.records == 5);
  REQUIRE(r.malformed.size() == 3);
  CHECK(r.malformed[0].find("record 2 (intent)") != std::string::npos);
  CHECK(r.malformed[1].find("record 3 (envelope)") != std::string::npos);
  CHECK(r.malformed[2].find("record 4 (envelope)") != std::string::npos);
  // The records around them still count.
  CHECK(r.unresolved.empty());
  CHECK(r.orders.size() == 1);
  CHECK(r.orders.contains("o1"));
}

TEST_CASE("journal replay: unknown kinds are counted and ignored") {
  auto r = replay({rec(R"({"kind":"fill","order_id":"o1"})"), rec(R"({"kind":"recovery_summary"})")});
  CHECK(r.records == 2);
  CHECK(r.malformed.empty());
  CHECK(r.orders.empty());
}

TEST_CASE("journal replay: key_of and envelope_of describe a known order as the ledger keys and returns it") {
  auto r = replay({envelope("o1", "r1")});
  const auto& order = r.orders.at("o1");
  auto key = key_of(order);
  CHECK(key == PendingKey{"AAPL", Side::buy, Price::parse("189.72").value()});
  auto e = envelope_of(order);
  CHECK(e.order_id == "o1");
  CHECK(e.ref_id == "r1");
  CHECK(e.symbol == "AAPL");
  CHECK(e.side == Side::buy);
  CHECK(e.quantity == Quantity::parse("2").value());
  CHECK(e.limit_price == Price::parse("189.72").value());
  CHECK(e.mode == ExecutionMode::live);
}

namespace {

json::object full_envelope(const char* order_id, const char* updated_at) {
  auto e = envelope(order_id, "ref-1");
  e["reference_price"] = "190.00";
  e["submitted_at"] = "2026-11-24T15:00:01.250000Z";
  e["strategy"] = "momentum";
  e["raw"] = json::object{{"id", order_id}, {"state", "confirmed"}, {"updated_at", updated_at}};
  return e;
}

json::object fill(const char* order_id, const char* execution, const char* quantity, const char* cumulative,
                  const char* broker_updated_at, const char* poll_cursor = nullptr) {
  json::object f{{"kind", "fill"},         {"order_id", order_id},   {"execution_id", execution},
                 {"quantity", quantity},   {"cumulative_quantity", cumulative}, {"price", "189.72"},
                 {"broker_updated_at", broker_updated_at}};
  if (poll_cursor) f["poll_cursor"] = poll_cursor;
  return f;
}

Timestamp t(const char* iso) { return parse_iso8601(iso).value(); }

}  // namespace

TEST_CASE("finding 13.3: the envelope rebuilt by recovery keeps the journalled reference_price, submitted_at and strategy") {
  auto r = replay({intent("ref-1"), full_envelope("o1", "2026-11-24T15:00:01Z")});
  auto e = envelope_of(r.orders.at("o1"));
  CHECK(e.reference_price == Price::parse("190.00").value());
  CHECK(e.submitted_at == t("2026-11-24T15:00:01.25Z"));
  CHECK(e.strategy == "momentum");
}

TEST_CASE("issue 12: replay collects every journalled execution, each order's last state and broker time, and the poll cursor") {
  auto sc = state_change("o1", "partially_filled");
  sc["filled_quantity"] = "1";
  sc["broker_updated_at"] = "2026-11-24T15:00:09Z";
  sc["poll_cursor"] = "2026-11-24T15:00:05Z";
  auto r = replay({full_envelope("o1", "2026-11-24T15:00:01Z"),
                   fill("o1", "e1", "1", "1", "2026-11-24T15:00:09Z", "2026-11-24T15:00:05Z"), sc,
                   fill("o1", "e1", "1", "1", "2026-11-24T15:00:09Z"),  // the same execution journalled twice (old bug)
                   fill("o9", "x1", "3", "3", "2026-11-24T15:00:07Z")});  // an order the poller saw, never ours
  CHECK(r.executions == 2);
  const auto& o1 = r.progress.at("o1");
  CHECK(o1.state == OrderState::partially_filled);
  CHECK(o1.filled_quantity == Quantity::parse("1").value());
  CHECK(o1.executed_quantity == Quantity::parse("1").value());
  CHECK(o1.execution_ids == std::vector<std::string>{"e1"});
  REQUIRE(o1.updated_at.has_value());
  CHECK(*o1.updated_at == t("2026-11-24T15:00:09Z"));
  CHECK(r.progress.at("o9").execution_ids == std::vector<std::string>{"x1"});
  REQUIRE(r.poll_cursor.has_value());
  CHECK(*r.poll_cursor == t("2026-11-24T15:00:05Z"));
  CHECK(*r.resume_cursor() == t("2026-11-24T15:00:05Z"));
}

TEST_CASE("issue 12: a cancel result's final status and a recovery summary's cursor are journalled progress too") {
  json::object cancel{{"kind", "cancel_result"}, {"order_id", "o1"}, {"outcome", "cancelled"},
                      {"final_status", json::object{{"order_id", "o1"}, {"state", "cancelled"}, {"filled_quantity", "0"},
                                                    {"updated_at", "2026-11-24T15:01:00Z"}}}};
  json::object summary{{"kind", "recovery"}, {"poll_cursor", "2026-11-24T15:02:00Z"}};
  auto r = replay({full_envelope("o1", "2026-11-24T15:00:01Z"), cancel, summary});
  CHECK(r.progress.at("o1").state == OrderState::cancelled);
  CHECK(*r.progress.at("o1").updated_at == t("2026-11-24T15:01:00Z"));
  CHECK(*r.poll_cursor == t("2026-11-24T15:02:00Z"));
}

TEST_CASE("issue 12: without a journalled cursor, polling resumes at the oldest open order's broker time") {
  auto r = replay({full_envelope("o1", "2026-11-24T15:00:30Z"), full_envelope("o2", "2026-11-24T15:00:10Z"),
                   full_envelope("o3", "2026-11-24T14:00:00Z"), state_change("o3", "filled")});
  REQUIRE(r.resume_cursor().has_value());
  CHECK(*r.resume_cursor() == t("2026-11-24T15:00:10Z"));  // o3 is finished: it does not hold polling back
  // An open order of unknown age (no broker time journalled): no safe resume point.
  CHECK_FALSE(replay({envelope("o1", "r1")}).resume_cursor().has_value());
}

TEST_CASE("issue 12: the poller seed: open orders and recently finished ones, live only; a new journal bootstraps a day back") {
  auto sc = state_change("old", "filled");
  sc["broker_updated_at"] = "2026-11-20T10:00:00Z";
  json::object summary{{"kind", "recovery"}, {"poll_cursor", "2026-11-24T15:02:00Z"}};
  auto r = replay({full_envelope("old", "2026-11-20T09:00:00Z"), sc, full_envelope("open", "2026-11-24T15:00:00Z"),
                   fill("recent", "r1", "1", "1", "2026-11-24T15:01:30Z"), envelope("paper-1", "p", "envelope", "paper"),
                   summary});
  auto seed = r.poller_seed(ExecutionMode::live, t("2030-01-01T00:00:00Z"));
  REQUIRE(seed.cursor.has_value());
  CHECK(*seed.cursor == t("2026-11-24T15:02:00Z"));
  CHECK_FALSE(seed.bootstrap_since.has_value());
  std::set<std::string> seeded;
  for (const auto& o : seed.orders) seeded.insert(o.order_id);
  CHECK(seeded == std::set<std::string>{"open", "recent"});  // "old" finished days before the cursor; paper is not live
  CHECK(r.poller_seed(ExecutionMode::paper, t("2030-01-01T00:00:00Z")).orders.empty());

  auto fresh = replay({});
  auto boot = fresh.poller_seed(ExecutionMode::live, t("2026-11-24T15:00:00Z"));
  CHECK_FALSE(boot.cursor.has_value());
  REQUIRE(boot.bootstrap_since.has_value());
  CHECK(*boot.bootstrap_since == t("2026-11-23T15:00:00Z"));
}
