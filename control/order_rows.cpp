#include "control/order_rows.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>
#include <memory>

namespace oms::control {
namespace json = boost::json;

namespace {

std::string text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_null()) return {};
  return json::serialize(*v);
}

void take(const json::object& o, std::string_view key, std::string& into) {
  if (auto v = text(o, key); !v.empty()) into = std::move(v);
}

// Rows are found by ref_id (the intent comes first) or by broker id (adopted orders, fills).
class Folder {
 public:
  void apply(const json::object& r, std::size_t index) {
    OrderRow* row = find_or_create(r, index);
    if (!row) return;  // a record about no order (breaker, resume, …)
    take(r, "ts", row->updated_at);
    if (row->created_at.empty()) row->created_at = row->updated_at;
    std::string kind = text(r, "kind");
    if (kind == "intent" || kind == "envelope" || kind == "adopted") describe(*row, r);
    if (kind == "envelope") envelope(*row, r);
    else if (kind == "submission_failed") failed(*row, r);
    else if (kind == "settlement_gave_up") gave_up(*row, r);
    else if (kind == "intent_unresolved") still_unknown(*row, r);
    else if (kind == "state_change") state_change(*row, r);
    else if (kind == "fill") fill(*row, r);
    else if (kind == "cancel_result") cancel_result(*row, r);
    else if (kind == "adopted") row->state = "queued";  // open at the broker when recovery found it
    else if (kind == "intent_abandoned") abandoned(*row, r);
  }

  std::vector<OrderRow> rows() const {
    std::vector<OrderRow> out;
    for (const auto& row : rows_) out.push_back(*row);
    std::sort(out.begin(), out.end(), [](const OrderRow& a, const OrderRow& b) { return a.first_seen > b.first_seen; });
    return out;
  }

 private:
  OrderRow* find_or_create(const json::object& r, std::size_t index) {
    std::string ref_id = text(r, "ref_id");
    std::string order_id = text(r, "order_id");
    OrderRow* by_ref = nullptr;
    OrderRow* by_id = nullptr;
    if (auto it = by_ref_.find(ref_id); !ref_id.empty() && it != by_ref_.end()) by_ref = it->second;
    if (auto it = by_id_.find(order_id); !order_id.empty() && it != by_id_.end()) by_id = it->second;
    // Polls may journal an order's fills before recovery journals the envelope that links it to
    // its intent: one order, so one row.
    if (by_ref && by_id && by_ref != by_id) merge(*by_ref, by_id);
    OrderRow* row = by_ref ? by_ref : by_id;
    if (!row) {
      if (ref_id.empty() && order_id.empty()) return nullptr;
      rows_.push_back(std::make_unique<OrderRow>());
      row = rows_.back().get();
      row->first_seen = index;
    }
    if (!ref_id.empty() && row->ref_id.empty()) row->ref_id = ref_id, by_ref_[ref_id] = row;
    if (!order_id.empty() && row->order_id.empty()) row->order_id = order_id, by_id_[order_id] = row;
    return row;
  }

  void merge(OrderRow& into, OrderRow* from) {
    into.order_id = from->order_id;
    into.state = from->state;
    into.filled_quantity = from->filled_quantity;
    into.average_fill_price = from->average_fill_price;
    into.updated_at = from->updated_at;
    by_id_[from->order_id] = &into;
    std::erase_if(rows_, [&](const std::unique_ptr<OrderRow>& r) { return r.get() == from; });
  }

  static void describe(OrderRow& row, const json::object& r) {
    take(r, "symbol", row.symbol);
    take(r, "side", row.side);
    take(r, "quantity", row.quantity);
    take(r, "limit_price", row.limit_price);
    take(r, "reference_price", row.reference_price);
    take(r, "strategy", row.strategy);
    take(r, "mode", row.mode);
    if (const auto* m = r.if_contains("manual_override"); m && m->is_bool()) row.manual_override = m->get_bool();
  }

  static void state_change(OrderRow& row, const json::object& r) {
    take(r, "to", row.state);
    take(r, "filled_quantity", row.filled_quantity);
  }

  static void abandoned(OrderRow& row, const json::object& r) {
    row.state = "not_placed";
    row.detail = text(r, "reason");
  }

  // Before the broker's word: what the row says until an envelope arrives.
  static bool before_broker(const std::string& state) {
    return state == "pending" || state == "failed" || state == "unresolved" || state == "not_placed";
  }

  // The order is at the broker: placed now, or found later (recovery or settlement, flagged
  // `recovered`) after the submission had reported a failure or an unknown outcome. Its state is
  // the broker's as the envelope saw it; later state changes and fills move it on. A row the
  // poller already moved (fills journalled before the envelope) keeps its state.
  static void envelope(OrderRow& row, const json::object& r) {
    if (!before_broker(row.state)) return;
    row.state = "queued";
    const auto* raw = r.if_contains("raw");
    if (!raw || !raw->is_object()) return;
    std::string broker_state = text(raw->get_object(), "state");
    if (broker_state == "partially_filled" || broker_state == "filled" || broker_state == "cancelled")
      row.state = broker_state;
    else if (broker_state == "rejected" || broker_state == "failed")
      row.state = "rejected";
    take(raw->get_object(), "cumulative_quantity", row.filled_quantity);
    if (auto avg = text(raw->get_object(), "average_price"); !avg.empty()) row.average_fill_price = avg;
    if (const auto* recovered = r.if_contains("recovered"); recovered && recovered->is_bool() && recovered->get_bool())
      row.detail = row.detail.empty() ? "found at the broker later" : "found at the broker later (was " + row.detail + ")";
  }

  static void failed(OrderRow& row, const json::object& r) {
    std::string category = text(r, "category");
    std::string detail = text(r, "detail");
    // An unknown outcome is not a failure: the order may be at the broker, and is being settled.
    row.state = category == "ambiguous_unresolved" ? "unresolved" : "failed";
    row.detail = category.empty() ? detail : (detail.empty() ? category : category + ": " + detail);
  }

  // Start-up recovery could not settle it yet: the owner goes on looking it up.
  static void still_unknown(OrderRow& row, const json::object& r) {
    if (row.state != "unresolved" && row.state != "pending") return;
    row.state = "unresolved";
    row.detail = text(r, "reason");
  }

  static void gave_up(OrderRow& row, const json::object& r) {
    if (row.state != "unresolved" && row.state != "pending") return;
    row.state = "unresolved";
    row.detail = "settlement gave up (restart or an identical request looks again): " + text(r, "detail");
  }

  static void fill(OrderRow& row, const json::object& r) {
    take(r, "symbol", row.symbol);
    take(r, "cumulative_quantity", row.filled_quantity);
    if (auto avg = text(r, "average_price"); !avg.empty()) row.average_fill_price = avg;
    const auto* complete = r.if_contains("complete");
    if (complete && complete->is_bool() && complete->get_bool()) row.state = "filled";
    else if (row.state == "pending" || row.state == "queued" || row.state == "unknown") row.state = "partially_filled";
  }

  static void cancel_result(OrderRow& row, const json::object& r) {
    take(r, "symbol", row.symbol);
    std::string outcome = text(r, "outcome");
    if (outcome == "cancelled" || outcome == "partially_filled_then_cancelled") row.state = "cancelled";
    else if (outcome == "filled") row.state = "filled";
    else if (outcome == "failed") row.detail = "cancel failed: " + text(r, "detail");
    const auto* final_status = r.if_contains("final_status");
    if (!final_status || !final_status->is_object()) return;
    const auto& s = final_status->get_object();
    take(s, "state", row.state);
    take(s, "filled_quantity", row.filled_quantity);
    if (auto avg = text(s, "average_fill_price"); !avg.empty()) row.average_fill_price = avg;
  }

  std::vector<std::unique_ptr<OrderRow>> rows_;
  std::map<std::string, OrderRow*> by_ref_;
  std::map<std::string, OrderRow*> by_id_;
};

}  // namespace

const std::vector<std::string>& order_row_states() {
  static const std::vector<std::string> states = {"pending", "queued",  "partially_filled", "filled",     "cancelled",
                                                  "rejected", "unknown", "failed",           "not_placed", "unresolved"};
  return states;
}

std::vector<OrderRow> orders_from_journal(const std::vector<json::object>& records) {
  Folder folder;
  for (std::size_t i = 0; i < records.size(); ++i) folder.apply(records[i], i);
  return folder.rows();
}

json::object order_row_json(const OrderRow& row) {
  return json::object{{"order_id", row.order_id},
                      {"ref_id", row.ref_id},
                      {"symbol", row.symbol},
                      {"side", row.side},
                      {"quantity", row.quantity},
                      {"limit_price", row.limit_price},
                      {"reference_price", row.reference_price},
                      {"strategy", row.strategy},
                      {"mode", row.mode},
                      {"manual_override", row.manual_override},
                      {"state", row.state},
                      {"filled_quantity", row.filled_quantity},
                      {"average_fill_price", row.average_fill_price ? json::value(*row.average_fill_price)
                                                                    : json::value(nullptr)},
                      {"created_at", row.created_at},
                      {"updated_at", row.updated_at},
                      {"detail", row.detail}};
}

}  // namespace oms::control
