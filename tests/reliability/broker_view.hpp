#pragma once
// What the broker saw (GET /_sim/orders) and what the journal holds, folded into the figures the
// reliability tests assert on: duplicates per ref_id, orphans, intents without an outcome.
#include "actors/journal_file.hpp"
#include "control/order_rows.hpp"
#include "messages/money.hpp"
#include "tests/sim/sim_fixture.hpp"

#include <boost/json.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace reltest {

/// One order as the broker holds it.
struct BrokerOrder {
  std::string id, ref_id, symbol, state;
  oms::Quantity quantity, cumulative_quantity;
  std::optional<oms::Price> average_price;
  bool open() const {
    return state == "unconfirmed" || state == "confirmed" || state == "queued" || state == "partially_filled";
  }
};

inline std::string text(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

inline std::vector<BrokerOrder> broker_orders(simtest::SimFixture& sim) {
  auto all = sim.admin_get("/_sim/orders");  // named: a range-for over a temporary's member dangles
  std::vector<BrokerOrder> out;
  for (const auto& v : all.at("results").as_array()) {
    const auto& o = v.as_object();
    BrokerOrder b{text(o, "id"), text(o, "ref_id"), text(o, "symbol"), text(o, "state"), {}, {}, {}};
    b.quantity = oms::Quantity::parse(text(o, "quantity")).value();
    b.cumulative_quantity = oms::Quantity::parse(text(o, "cumulative_quantity")).value();
    if (auto avg = text(o, "average_price"); !avg.empty()) b.average_price = oms::Price::parse(avg).value();
    out.push_back(std::move(b));
  }
  return out;
}

/// Broker orders beyond the first for each ref_id (0 when every intent was placed at most once).
inline int duplicate_orders(const std::vector<BrokerOrder>& orders) {
  std::map<std::string, int> per_ref;
  for (const auto& o : orders) ++per_ref[o.ref_id];
  int extra = 0;
  for (const auto& [ref, n] : per_ref) extra += n - 1;
  return extra;
}

/// The journal folded by ref_id and order id.
struct JournalView {
  std::size_t records = 0;
  bool torn_tail = false;
  std::vector<std::string> malformed;
  std::set<std::string> intents;          ///< ref_ids journalled before sending
  std::set<std::string> settled;          ///< ref_ids with an outcome record
  std::set<std::string> known_order_ids;  ///< broker ids in envelope/adopted records
  std::set<std::string> known_ref_ids;    ///< ref_ids in envelope/adopted records
  std::size_t fills = 0;

  /// Journalled intents with no outcome record.
  std::vector<std::string> unsettled() const {
    std::vector<std::string> out;
    for (const auto& r : intents)
      if (!settled.contains(r)) out.push_back(r);
    return out;
  }
};

inline JournalView read_journal(const std::string& path) {
  oms::journal::OpenReport report;
  JournalView view;
  for (const auto& r : oms::journal::JournalFile::read_all(path, &report)) {
    std::string kind = text(r, "kind"), ref = text(r, "ref_id");
    if (kind == "intent") view.intents.insert(ref);
    if (kind == "envelope" || kind == "adopted") {
      view.known_order_ids.insert(text(r, "order_id"));
      if (!ref.empty()) view.known_ref_ids.insert(ref);
      view.settled.insert(ref);
    }
    if (kind == "intent_abandoned") view.settled.insert(ref);
    // An ambiguous failure is not an outcome: only recovery's look-up settles it.
    if (kind == "submission_failed" && text(r, "category") != "ambiguous_unresolved") view.settled.insert(ref);
    if (kind == "fill") ++view.fills;
  }
  view.records = report.records;
  view.torn_tail = report.repaired_torn_tail;
  view.malformed = report.malformed;
  return view;
}

/// Broker orders whose id the journal never recorded.
inline std::vector<std::string> orphans(const std::vector<BrokerOrder>& orders, const JournalView& journal) {
  std::vector<std::string> out;
  for (const auto& o : orders)
    if (!journal.known_order_ids.contains(o.id)) out.push_back(o.id);
  return out;
}

/// The state the product should show for an order in this broker state (gateway/parse.cpp's
/// normalisation, written out here so the test does not borrow the product's own code).
inline std::string expected_state(const BrokerOrder& o) {
  if (o.state == "unconfirmed" || o.state == "confirmed" || o.state == "queued")
    return o.cumulative_quantity.is_zero() ? "queued" : "partially_filled";
  if (o.state == "failed") return "rejected";
  return o.state;  // partially_filled, filled, cancelled, rejected
}

/// Where the product's own record of the orders — its journal, folded as `oms orders` shows it —
/// disagrees with the broker: one line per order ("<id>: journal says X, broker says Y").
inline std::vector<std::string> disagreements(const std::vector<BrokerOrder>& orders, const std::string& journal) {
  std::map<std::string, oms::control::OrderRow> rows;
  for (auto& row : oms::control::orders_from_journal(oms::journal::JournalFile::read_all(journal)))
    if (!row.order_id.empty()) rows[row.order_id] = row;
  std::vector<std::string> out;
  for (const auto& o : orders) {
    auto it = rows.find(o.id);
    if (it == rows.end()) {
      out.push_back(o.id + ": not in the journal, broker says " + o.state);
      continue;
    }
    const auto& row = it->second;
    auto filled = oms::Quantity::parse(row.filled_quantity);
    if (row.state != expected_state(o) || !filled || *filled != o.cumulative_quantity)
      out.push_back(o.id + ": journal says " + row.state + " filled " + row.filled_quantity + ", broker says " +
                    o.state + " filled " + o.cumulative_quantity.to_string());
  }
  return out;
}

/// The simulator's tradeable universe at or above $1 on the penny grid (sub-dollar prices and
/// instruments with a min_tick_size use other tick rules; untradeable ones are refused).
inline std::vector<std::pair<std::string, std::string>> dollar_symbols() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& spec : rhsim::default_universe())
    if (spec.tradeable && spec.min_tick_size.empty() &&
        oms::Price::parse(spec.price).value() >= oms::Price::parse("1").value())
      out.emplace_back(spec.symbol, spec.price);
  return out;
}

/// `price` lowered by `steps` × $0.02: distinct limits for one symbol (the SafetyLedger's duplicate
/// key is symbol, side and limit price), two cents apart so no pricing offset can round two together.
inline std::string stepped_price(const std::string& price, int steps) {
  auto p = oms::Price::parse(price).value().minus(oms::Price::from_units(2'000'000LL * steps)).value();
  return p.to_string(2);
}

}  // namespace reltest
