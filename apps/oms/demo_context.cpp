// The demo's view of both sides: the order manager's answers and, through rh-sim's admin API,
// what the broker actually received.
#include "apps/oms/demo_scenarios.hpp"
#include "runtime/log.hpp"

#include <boost/json.hpp>

#include <fstream>

namespace oms::cli::demo {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::string text(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

long count_of(const json::value& v) {
  if (v.is_int64()) return static_cast<long>(v.as_int64());
  if (v.is_uint64()) return static_cast<long>(v.as_uint64());
  return 0;
}

bool open_state(const std::string& state) {
  return state == "unconfirmed" || state == "confirmed" || state == "queued" || state == "partially_filled";
}

}  // namespace

PendingOrders Demo::ledger() {
  PendingOrdersQuery query;
  auto reply = wait(runtime::ask<PendingOrders>(om.ledger(), std::move(query), 10s));
  if (!reply) throw DemoError("the safety ledger did not answer: " + reply.error().message());
  return *reply;
}

void Demo::forget_requests() { sim.post("/_sim/requests/reset", json::object{}); }

long Demo::requests(const std::string& route) {
  auto counts = sim.get("/_sim/requests").at("counts").as_object();
  auto* n = counts.if_contains(route);
  return n ? count_of(*n) : 0;
}

std::string Demo::requests_seen() {
  auto counts = sim.get("/_sim/requests").at("counts").as_object();
  std::string out;
  for (const auto& [route, n] : counts) {
    if (count_of(n) == 0) continue;
    out += (out.empty() ? "" : ", ") + std::string(route) + " ×" + std::to_string(count_of(n));
  }
  return out.empty() ? "no requests" : out;
}

long Demo::requests_to(const std::string& method, const std::string& fragment) {
  long n = 0;
  auto seen = sim.get("/_sim/requests");  // named: a range-for over a member of a temporary dangles
  for (const auto& entry : seen.at("log").as_array()) {
    const auto& e = entry.as_object();
    if (text(e, "method") == method && text(e, "path").find(fragment) != std::string::npos) ++n;
  }
  return n;
}

std::vector<json::object> Demo::broker_orders() {
  std::vector<json::object> out;
  auto orders = sim.get("/_sim/orders");
  for (const auto& o : orders.at("results").as_array()) out.push_back(o.as_object());
  return out;
}

std::optional<json::object> Demo::broker_order(const std::string& id) {
  for (auto& o : broker_orders())
    if (text(o, "id") == id) return o;
  return std::nullopt;
}

int Demo::open_broker_orders() {
  int n = 0;
  for (const auto& o : broker_orders()) n += open_state(text(o, "state")) ? 1 : 0;
  return n;
}

bool Demo::log_has(const std::string& event, const std::string& needle) const {
  log::flush();  // info lines wait in the sink's buffer for a few milliseconds
  std::ifstream log(run_dir / "oms.log");
  std::string line;
  std::string quoted_event = "\"" + event + "\"";
  while (std::getline(log, line))
    if (line.find(quoted_event) != std::string::npos && line.find(needle) != std::string::npos) return true;
  return false;
}

OrderRequest limit_order(std::string symbol, Side side, std::string_view quantity, std::string_view reference,
                         std::string strategy) {
  OrderRequest r;
  r.symbol = std::move(symbol);
  r.side = side;
  r.quantity = Quantity::parse(quantity).value();
  r.reference_price = Price::parse(reference).value();
  r.strategy = std::move(strategy);
  return r;
}

std::string error_category(const SubmissionResult& r) {
  return r.error ? boost::describe::enum_to_string(r.error->category, "?") : "";
}

std::string describe(const SubmissionResult& r) {
  if (r.error) return "OrderSubmissionError " + error_category(r) + ": " + r.error->to_string();
  if (!r.envelope) return "nothing";
  const auto& e = *r.envelope;
  return std::string("envelope order_id=") + e.order_id + " " + boost::describe::enum_to_string(e.side, "") + " " +
         e.quantity.to_string() + " " + e.symbol + " limit " + e.limit_price.to_string(2) + " submitted_at " +
         format_iso8601(e.submitted_at) + " mode " + boost::describe::enum_to_string(e.mode, "") +
         (r.duplicate ? " duplicate=true" : " duplicate=false");
}

std::string describe(const OrderStatus& s) {
  return std::string("OrderStatus ") + boost::describe::enum_to_string(s.state, "?") + ", filled " +
         s.filled_quantity.to_string() + ", average fill price " +
         (s.average_fill_price ? s.average_fill_price->to_string(2) : std::string("none")) + ", pending " +
         s.pending_quantity.to_string() + ", updated_at " + format_iso8601(s.updated_at) + ", raw " +
         std::to_string(s.raw.size()) + " fields";
}

Price broker_price(const json::object& order, const char* field) {
  auto p = Price::parse(text(order, field));
  return p ? *p : Price{};
}

Quantity broker_quantity(const json::object& order, const char* field) {
  auto q = Quantity::parse(text(order, field));
  return q ? *q : Quantity{};
}

std::string describe_broker_order(const json::object& o) {
  return text(o, "side") + " " + broker_quantity(o, "quantity").to_string() + " " + text(o, "symbol") + " limit " +
         broker_price(o, "price").to_string(2) + " " + text(o, "state") + " (filled " +
         broker_quantity(o, "cumulative_quantity").to_string() + ")";
}

std::vector<ScenarioFn> all_scenarios() {
  return {limit_buy,         limit_sell_exit,    kill_switch,        partial_fill_status,
          network_timeout,   duplicate_request,  insufficient_funds, fill_during_cancel,
          price_not_positive, equity_only_inputs, market_order};
}

}  // namespace oms::cli::demo
