// The seed's edge cases, live against rh-sim: duplicates, insufficient funds, a fill racing the
// kill switch, and inputs refused before anything reaches the broker.
#include "apps/oms/demo_scenarios.hpp"

#include <boost/json.hpp>

namespace oms::cli::demo {
namespace json = boost::json;

namespace {

// A request refused locally: the right category, the named field, and not one broker request.
void expect_refused(Demo& d, Scenario& s, const std::string& asked, OrderRequest request, const char* category,
                    const char* field) {
  s.asked.push_back(asked);
  d.forget_requests();
  auto r = d.submit(std::move(request));
  s.came_back.push_back(describe(r));
  s.expect(error_category(r) == category, asked + " → " + category);
  s.expect(r.error && r.error->field == field, asked + " → the error names " + field);
  s.expect(d.requests_seen() == "no requests", asked + " → nothing sent to the broker");
  s.got += (s.got.empty() ? "" : "; ") + error_category(r) + (r.error ? " (" + r.error->field + ")" : "");
}

}  // namespace

void duplicate_request(Demo& d, Scenario& s) {
  s = Scenario{"edge: duplicate request", "same envelope, duplicate=true, 1 POST"};
  s.asked.push_back("place_limit_buy META 2, reference 500.00, twice in a row");
  d.forget_requests();
  auto first = d.submit(limit_order("META", Side::buy, "2", "500.00"));
  auto again = d.submit(limit_order("META", Side::buy, "2", "500.00"));
  s.broker_saw.push_back(d.requests_seen());
  s.came_back.push_back("first: " + describe(first));
  s.came_back.push_back("again: " + describe(again));
  bool same = first.envelope && again.envelope && first.envelope->order_id == again.envelope->order_id;
  s.expect(same, "the same envelope (same broker order id)");
  s.expect(!first.duplicate && again.duplicate, "the repeat is flagged duplicate=true");
  s.expect(d.requests("POST /orders/") == 1, "one POST /orders/ for both");
  s.got = std::string(same ? "same order id" : "different orders") + ", duplicate=" + (again.duplicate ? "true" : "false") +
          ", " + std::to_string(d.requests("POST /orders/")) + " POST";
}

void insufficient_funds(Demo& d, Scenario& s) {
  s = Scenario{"edge: insufficient funds", "rejected, breaker trips, resume works"};
  d.sim.post("/_sim/account", json::object{{"buying_power", "100.00"}});
  s.asked.push_back("buying power $100.00 (/_sim/account); place_limit_buy GOOGL 10, reference 170.00");
  d.forget_requests();
  auto rejected = d.submit(limit_order("GOOGL", Side::buy, "10", "170.00"));
  s.came_back.push_back(describe(rejected));
  s.expect(error_category(rejected) == "insufficient_funds", "OrderSubmissionError insufficient_funds");
  s.expect(d.requests("POST /orders/") == 1, "no automatic retry");
  s.asked.push_back("then place_limit_buy F 1, reference 11.00");
  auto refused = d.submit(limit_order("F", Side::buy, "1", "11.00"));
  s.came_back.push_back(describe(refused));
  s.expect(error_category(refused) == "breaker_open", "the next submission refused: breaker_open");
  s.expect(d.ledger().breaker_open, "the SafetyLedger's breaker is open");
  s.broker_saw.push_back(d.requests_seen());
  s.expect(d.requests("POST /orders/") == 1, "the refused order never reached the broker");

  d.sim.post("/_sim/account", json::object{{"buying_power", "100000.00"}});
  d.om.resume_submissions("operator");
  s.asked.push_back("buying power restored; resume_submissions(\"operator\"); F 1 again");
  auto after = d.submit(limit_order("F", Side::buy, "1", "11.00"));
  s.came_back.push_back("after resume: " + describe(after));
  s.expect(after.envelope.has_value(), "after resume the order is placed");
  s.got = error_category(rejected) + " → " + error_category(refused) + " → " + (after.envelope ? "placed" : "failed");
}

void fill_during_cancel(Demo& d, Scenario& s) {
  s = Scenario{"edge: fill during cancel-all", "filled, no 2nd cancel, rest cancelled"};
  auto ko = d.submit(limit_order("KO", Side::buy, "10", "70.00"));
  s.expect(ko.envelope.has_value(), "the KO order is placed");
  if (!ko.envelope) {
    s.came_back.push_back(describe(ko));
    return;
  }
  const auto id = ko.envelope->order_id;
  const auto cancel_path = "/orders/" + id + "/cancel/";
  d.sim.post("/_sim/faults",
             json::object{{"method", "POST"}, {"path", cancel_path}, {"kind", "fill_during_cancel"}, {"count", 1}});
  int open_before = d.open_broker_orders();
  s.asked.push_back("KO buy 10 open with " + std::to_string(open_before - 1) +
                    " other open orders; the broker fills KO as its cancel arrives; cancel_all_open_orders()");
  d.forget_requests();
  auto report = d.wait(d.om.cancel_all_open_orders("operator"));
  s.broker_saw.push_back(d.requests_seen());
  auto order = d.broker_order(id);
  if (order) s.broker_saw.push_back("KO order " + describe_broker_order(*order));
  std::optional<CancelOutcome> ko_outcome;
  int others_done = 0;
  for (const auto& r : report.results) {
    s.came_back.push_back(r.symbol + " " + r.order_id.substr(0, 8) + "… " +
                          boost::describe::enum_to_string(r.outcome, "?") + (r.detail.empty() ? "" : " — " + r.detail));
    if (r.order_id == id) ko_outcome = r.outcome;
    else others_done += r.outcome == CancelOutcome::cancelled || r.outcome == CancelOutcome::partially_filled_then_cancelled;
  }
  long ko_cancels = d.requests_to("POST", cancel_path);
  s.expect(ko_outcome == CancelOutcome::filled, "the KO order reported filled");
  s.expect(ko_cancels == 1, "exactly one cancel request for it (no redundant cancel)");
  s.expect(order && order->at("state").as_string() == "filled", "the broker shows it filled");
  s.expect(others_done == open_before - 1, "the other open orders cancelled");
  s.expect(report.open_orders_remaining == 0, "nothing left open");
  d.om.resume_submissions("operator");
  s.got = std::string("KO ") + (ko_outcome ? boost::describe::enum_to_string(*ko_outcome, "?") : "missing") + ", " +
          std::to_string(ko_cancels) + " cancel, " + std::to_string(others_done) + " cancelled";
}

void price_not_positive(Demo& d, Scenario& s) {
  s = Scenario{"edge: price ≤ 0", "validation error, nothing sent"};
  expect_refused(d, s, "buy SNDL 100, reference 0.50, strategy \"deep\" (buy_offset $1.00)",
                 limit_order("SNDL", Side::buy, "100", "0.50", "deep"), "validation", "limit_price");
  expect_refused(d, s, "buy SNDL 100, reference 0.00", limit_order("SNDL", Side::buy, "100", "0.00"), "validation",
                 "reference_price");
  s.broker_saw.push_back("no requests");
}

void equity_only_inputs(Demo& d, Scenario& s) {
  s = Scenario{"edge: fractional, option ticker", "validation errors naming the field"};
  expect_refused(d, s, "buy TSLA 1.5 shares", limit_order("TSLA", Side::buy, "1.5", "250.30"), "validation",
                 "quantity");
  expect_refused(d, s, "buy TSLA240621C00250000 1", limit_order("TSLA240621C00250000", Side::buy, "1", "5.00"),
                 "validation", "symbol");
  s.broker_saw.push_back("no requests");
}

void market_order(Demo& d, Scenario& s) {
  s = Scenario{"edge: market order", "not_implemented: use a limit order"};
  auto request = limit_order("TSLA", Side::buy, "1", "250.30");
  request.type = OrderType::market;
  expect_refused(d, s, "a market buy TSLA 1", std::move(request), "not_implemented", "type");
  s.expect(!s.came_back.empty() && s.came_back.back().find("use a limit order") != std::string::npos,
           "guidance: use a limit order");
  s.broker_saw.push_back("no requests");
}

}  // namespace oms::cli::demo
