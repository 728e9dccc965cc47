// The seed's five acceptance scenarios, live against rh-sim. Each checks what came back and
// what the broker saw; the order they run in matters (3 cancels what 1 and 2 left open).
#include "apps/oms/demo_scenarios.hpp"

#include <boost/json.hpp>

namespace oms::cli::demo {
namespace json = boost::json;

namespace {

// The envelope matches an order the broker holds, at the same price, size and side.
void expect_at_broker(Demo& d, Scenario& s, const OrderEnvelope& e) {
  auto order = d.broker_order(e.order_id);
  s.expect(order.has_value(), "the broker holds order " + e.order_id);
  if (!order) return;
  s.broker_saw.push_back("order " + describe_broker_order(*order));
  s.expect(broker_price(*order, "price") == e.limit_price, "the broker's limit equals the envelope's");
  s.expect(broker_quantity(*order, "quantity") == e.quantity, "the broker's quantity equals the envelope's");
}

// One accepted order: limit price, broker id, submission time, exactly one POST /orders/.
void expect_placed(Demo& d, Scenario& s, const SubmissionResult& r, const char* limit) {
  s.came_back.push_back(describe(r));
  s.broker_saw.push_back(d.requests_seen());
  s.expect(r.envelope.has_value(), "an OrderEnvelope");
  if (!r.envelope) return;
  const auto& e = *r.envelope;
  s.expect(e.limit_price.to_string(2) == limit, std::string("limit price ") + limit);
  s.expect(!e.order_id.empty(), "a broker order id");
  s.expect(e.submitted_at != Timestamp{}, "a submission timestamp");
  s.expect(!r.duplicate, "a new order, not a duplicate");
  s.expect(d.requests("POST /orders/") == 1, "exactly one POST /orders/");
  expect_at_broker(d, s, e);
  s.got = "limit " + e.limit_price.to_string(2) + ", order " + e.order_id.substr(0, 8) + "…";
}

}  // namespace

void limit_buy(Demo& d, Scenario& s) {
  s = Scenario{"1. limit buy, 15 bps", "limit 249.93, envelope with id and time"};
  s.asked.push_back("place_limit_buy TSLA 50, reference 250.30, buy_offset 15 bps");
  d.forget_requests();
  auto r = d.submit(limit_order("TSLA", Side::buy, "50", "250.30"));
  expect_placed(d, s, r, "249.93");
}

void limit_sell_exit(Demo& d, Scenario& s) {
  s = Scenario{"2. limit sell, strategy exit", "limit 252.14, order id recorded and logged"};
  d.sim.post("/_sim/position", json::object{{"symbol", "TSLA"}, {"quantity", "50"}, {"average_buy_price", "240.00"}});
  s.asked.push_back("(the account holds 50 TSLA) place_limit_sell TSLA 50, reference 252.10, strategy \"exit\" "
                    "(absolute sell_offset $0.04)");
  d.forget_requests();
  auto r = d.submit(limit_order("TSLA", Side::sell, "50", "252.10", "exit"));
  expect_placed(d, s, r, "252.14");
  if (r.envelope) {
    bool logged = d.log_has("order.submitted", r.envelope->order_id);
    s.expect(logged, "an order.submitted log line with the order id");
    s.came_back.push_back(logged ? "oms.log: order.submitted with order_id, symbol, side, limit_price, latency_ms"
                                 : "oms.log: no order.submitted line");
  }
}

void kill_switch(Demo& d, Scenario& s) {
  s = Scenario{"3. kill switch", "all cancelled, 0 open, ledger cleared"};
  auto aapl = d.submit(limit_order("AAPL", Side::buy, "10", "190.00"));
  auto msft = d.submit(limit_order("MSFT", Side::buy, "5", "415.00"));
  s.expect(aapl.envelope && msft.envelope, "the AAPL and MSFT orders are placed first");
  int open_before = d.open_broker_orders();
  auto pending_before = d.ledger().order_ids.size();
  s.asked.push_back("with " + std::to_string(open_before) + " open orders (TSLA buy, TSLA sell, AAPL, MSFT; " +
                    std::to_string(pending_before) + " in the ledger): cancel_all_open_orders()");
  d.forget_requests();
  auto report = d.wait(d.om.cancel_all_open_orders("operator"));
  s.broker_saw.push_back(d.requests_seen());
  int open_after = d.open_broker_orders();
  s.broker_saw.push_back(std::to_string(open_after) + " open orders left at the broker");
  auto ledger = d.ledger();
  int cancelled = 0;
  for (const auto& r : report.results) {
    s.came_back.push_back(r.symbol + " " + r.order_id.substr(0, 8) + "… " +
                          boost::describe::enum_to_string(r.outcome, "?"));
    cancelled += r.outcome == CancelOutcome::cancelled ? 1 : 0;
  }
  s.came_back.push_back("open_orders_remaining " + std::to_string(report.open_orders_remaining) + ", ledger holds " +
                        std::to_string(ledger.order_ids.size()) + ", submissions halted: " +
                        (ledger.halted ? "yes" : "no"));
  s.expect(open_before >= 4, "at least four open orders before the kill switch");
  s.expect(cancelled == open_before, "each open order cancelled");
  s.expect(report.open_orders_remaining == 0 && open_after == 0, "no open order left at the broker");
  s.expect(ledger.order_ids.empty(), "the ledger's pending entries cleared");
  s.expect(ledger.halted, "submissions halted until an explicit resume");
  d.om.resume_submissions("operator");
  s.expect(!d.ledger().halted, "resume_submissions re-opens submissions");
  s.came_back.push_back("resume_submissions(\"operator\"): submissions open again");
  s.got = std::to_string(cancelled) + "/" + std::to_string(open_before) + " cancelled, " + std::to_string(open_after) +
          " open, ledger " + std::to_string(ledger.order_ids.size());
}

void partial_fill_status(Demo& d, Scenario& s) {
  s = Scenario{"4. status after a partial fill", "partially_filled, 8 @ 179.73, time, raw"};
  auto placed = d.submit(limit_order("AMZN", Side::buy, "20", "180.00"));
  s.expect(placed.envelope.has_value(), "the AMZN order is placed");
  if (!placed.envelope) {
    s.came_back.push_back(describe(placed));
    return;
  }
  const auto id = placed.envelope->order_id;
  d.sim.post("/_sim/fill", json::object{{"order_id", id}, {"quantity", "8"}});
  s.asked.push_back("AMZN buy 20 at limit " + placed.envelope->limit_price.to_string(2) +
                    "; the broker fills 8 (/_sim/fill); get_order_status(" + id.substr(0, 8) + "…)");
  d.forget_requests();
  auto reply = d.wait(d.om.get_order_status(id));
  s.broker_saw.push_back(d.requests_seen());
  if (auto order = d.broker_order(id)) s.broker_saw.push_back("order " + describe_broker_order(*order));
  s.expect(reply.status.has_value(), "an OrderStatus");
  if (!reply.status) {
    s.came_back.push_back("OrderStatusError: " + reply.error);
    return;
  }
  const auto& st = *reply.status;
  s.came_back.push_back(describe(st));
  s.expect(st.state == OrderState::partially_filled, "state partially_filled");
  s.expect(st.filled_quantity.to_string() == "8", "filled quantity 8");
  s.expect(st.average_fill_price && st.average_fill_price->to_string(2) == "179.73", "average fill price 179.73");
  s.expect(st.pending_quantity.to_string() == "12", "12 shares still pending");
  s.expect(st.updated_at != Timestamp{}, "a last-update timestamp");
  s.expect(st.raw.contains("executions"), "the raw broker payload for audit");
  s.got = std::string(boost::describe::enum_to_string(st.state, "?")) + ", filled " + st.filled_quantity.to_string() +
          " @ " + (st.average_fill_price ? st.average_fill_price->to_string(2) : std::string("-"));
}

void network_timeout(Demo& d, Scenario& s) {
  s = Scenario{"5. network timeout", "error + guidance, ledger untouched, ≤1 order"};
  auto orders_before = d.broker_orders().size();
  auto ledger_before = d.ledger();
  d.sim.post("/_sim/faults", json::object{{"method", "POST"}, {"path", "/orders/"}, {"kind", "timeout"}, {"count", 1000}});
  s.asked.push_back("every POST /orders/ times out (rh-sim fault); place_limit_buy NVDA 10, reference 120.00");
  d.forget_requests();
  auto failed = d.submit(limit_order("NVDA", Side::buy, "10", "120.00"));
  s.broker_saw.push_back(d.requests_seen());
  d.sim.del("/_sim/faults");
  s.came_back.push_back(describe(failed));
  auto category = error_category(failed);
  s.expect(category == "transient_exhausted" || category == "ambiguous_unresolved",
           "OrderSubmissionError transient_exhausted or ambiguous_unresolved");
  s.expect(failed.error && !failed.error->guidance.empty(), "actionable guidance");
  auto created = d.broker_orders().size() - orders_before;
  s.broker_saw.push_back(std::to_string(created) + " order(s) created at the broker");
  s.expect(created <= 1, "never two broker orders for one intent");
  s.expect(d.log_has("order.submission_failed", failed.error ? failed.error->ref_id : "?"),
           "the failure logged with its ref_id");
  auto ledger_after = d.ledger();
  s.expect(ledger_after.order_ids == ledger_before.order_ids && !ledger_after.breaker_open,
           "the ledger untouched (no pending entry, breaker closed)");
  // The same request once the network is back: a new order, not a duplicate of the failed one.
  auto retry = d.submit(limit_order("NVDA", Side::buy, "10", "120.00"));
  s.came_back.push_back("the same request after the fault is cleared: " + describe(retry));
  s.expect(retry.envelope && !retry.duplicate, "the same request afterwards is placed, not reported as duplicate");
  s.got = category + ", " + std::to_string(created) + " orders; then " +
          (retry.envelope ? (retry.duplicate ? "duplicate" : "placed") : "failed");
}

}  // namespace oms::cli::demo
