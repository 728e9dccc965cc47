#include "actors/journal_replay.hpp"

#include "actors/poll_state.hpp"

#include "messages/cancel.hpp"

#include <algorithm>
#include "messages/status.hpp"
#include "messages/submission.hpp"

namespace oms::recovery {
namespace json = boost::json;

namespace {

std::string text(const json::object& r, const char* key) {
  const auto* v = r.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

template <class E>
bool enum_field(const json::object& r, const char* key, E& out) {
  auto t = text(r, key);
  return !t.empty() && boost::describe::enum_from_string(t.c_str(), out);
}

template <class T>
bool money_field(const json::object& r, const char* key, T& out) {
  auto parsed = T::parse(text(r, key));
  if (!parsed) return false;
  out = *parsed;
  return true;
}

Timestamp time_field(const json::object& r, const char* key = "ts") {
  auto t = parse_iso8601(text(r, key));
  return t ? *t : Timestamp{};
}

std::optional<Timestamp> optional_time(const json::object& r, const char* key) {
  auto t = parse_iso8601(text(r, key));
  return t ? std::optional<Timestamp>(*t) : std::nullopt;
}

const json::object* object_field(const json::object& r, const char* key) {
  const auto* v = r.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

// Keeps the later of two broker times.
void later(std::optional<Timestamp>& slot, std::optional<Timestamp> t) {
  if (t && (!slot || *t > *slot)) slot = t;
}

// The fields intents, envelopes and adopted orders share. False when one is missing.
template <class Out>
bool order_fields(const json::object& r, Out& out) {
  out.ref_id = text(r, "ref_id");
  out.symbol = text(r, "symbol");
  bool ok = enum_field(r, "side", out.side) && money_field(r, "quantity", out.quantity) &&
            money_field(r, "limit_price", out.limit_price);
  if (!enum_field(r, "mode", out.mode)) out.mode = ExecutionMode::live;
  return ok;
}

class Replayer {
 public:
  void record(const json::object& r, std::size_t line) {
    ++out_.records;
    auto kind = text(r, "kind");
    if (kind == "intent") intent(r, line);
    else if (kind == "envelope" || kind == "adopted") known(r, line);
    else if (kind == "submission_failed") failed(r);
    else if (kind == "intent_abandoned") pending_.erase(text(r, "ref_id"));
    else if (kind == "state_change") state_change(r);
    else if (kind == "cancel_result") cancel_result(r);
    else if (kind == "fill") fill(r);
    else if (kind == "breaker_tripped") breaker_tripped(r);
    else if (kind == "halted") out_.halted = true;
    else if (kind == "resumed") {
      out_.halted = false;
      out_.trip.reset();
    }
    later(out_.poll_cursor, optional_time(r, "poll_cursor"));  // fill, state_change, recovery
  }

  JournalReplay finish() {
    for (auto& [ref, intent] : pending_)
      if (!out_.known_ref_ids.contains(ref)) out_.unresolved.push_back(intent);
    return std::move(out_);
  }

 private:
  void malformed(const std::string& kind, std::size_t line) {
    out_.malformed.push_back("record " + std::to_string(line) + " (" + kind + "): a required field is missing");
  }

  void intent(const json::object& r, std::size_t line) {
    JournalIntent i;
    if (!order_fields(r, i) || i.ref_id.empty()) return malformed("intent", line);
    money_field(r, "reference_price", i.reference_price);
    i.strategy = text(r, "strategy");
    i.at = time_field(r);
    pending_[i.ref_id] = std::move(i);
  }

  void known(const json::object& r, std::size_t line) {
    KnownOrder o;
    o.order_id = text(r, "order_id");
    if (!order_fields(r, o) || o.order_id.empty()) return malformed(text(r, "kind"), line);
    money_field(r, "reference_price", o.reference_price);
    o.submitted_at = time_field(r, "submitted_at");
    o.strategy = text(r, "strategy");
    auto& p = progress(o.order_id);
    if (const auto* raw = object_field(r, "raw")) later(p.updated_at, optional_time(*raw, "updated_at"));
    if (!o.ref_id.empty()) {
      out_.known_ref_ids.insert(o.ref_id);
      pending_.erase(o.ref_id);
    }
    auto& slot = out_.orders[o.order_id];
    bool finished = slot.finished;  // a late duplicate record must not reopen a finished order
    slot = std::move(o);
    slot.finished = finished;
  }

  // A definitive failure settles the intent; an ambiguous one leaves it for the look-up.
  void failed(const json::object& r) {
    SubmissionErrorCategory category{};
    bool known_category = enum_field(r, "category", category);
    if (known_category && category == SubmissionErrorCategory::ambiguous_unresolved) return;
    pending_.erase(text(r, "ref_id"));
    if (known_category && category == SubmissionErrorCategory::insufficient_funds)
      out_.trip = CircuitBreakerTripped{TripReason::insufficient_funds, text(r, "detail"), time_field(r)};
  }

  // A trip seen after submission (an accepted order later rejected for buying power).
  void breaker_tripped(const json::object& r) {
    TripReason reason = TripReason::consecutive_failures;
    enum_field(r, "reason", reason);
    out_.trip = CircuitBreakerTripped{reason, text(r, "detail"), time_field(r)};
  }

  void state_change(const json::object& r) {
    OrderState to{};
    if (!enum_field(r, "to", to)) return;
    std::string id = text(r, "order_id");
    if (is_terminal(to)) out_.orders[id].finished = true;
    auto& p = progress(id);
    p.state = to;
    money_field(r, "filled_quantity", p.filled_quantity);
    later(p.updated_at, optional_time(r, "broker_updated_at"));
  }

  void cancel_result(const json::object& r) {
    CancelOutcome outcome{};
    if (!enum_field(r, "outcome", outcome) || outcome == CancelOutcome::failed) return;
    std::string id = text(r, "order_id");
    out_.orders[id].finished = true;
    // The confirmed final state, when the canceller read it.
    const auto* status = object_field(r, "final_status");
    OrderState state{};
    if (!status || !enum_field(*status, "state", state)) return;
    auto& p = progress(id);
    p.state = state;
    money_field(*status, "filled_quantity", p.filled_quantity);
    later(p.updated_at, optional_time(*status, "updated_at"));
  }

  // A delivered execution: never to be delivered again.
  void fill(const json::object& r) {
    std::string id = text(r, "order_id");
    std::string execution = text(r, "execution_id");
    if (id.empty() || execution.empty()) return;
    auto& p = progress(id);
    later(p.updated_at, optional_time(r, "broker_updated_at"));
    Quantity cumulative;
    if (money_field(r, "cumulative_quantity", cumulative) && cumulative > p.filled_quantity)
      p.filled_quantity = cumulative;
    if (std::find(p.execution_ids.begin(), p.execution_ids.end(), execution) != p.execution_ids.end()) return;
    p.execution_ids.push_back(execution);
    ++out_.executions;
    Quantity quantity;
    if (money_field(r, "quantity", quantity))
      if (auto sum = p.executed_quantity.plus(quantity)) p.executed_quantity = *sum;
  }

  TrackedOrder& progress(const std::string& order_id) {
    auto& p = out_.progress[order_id];
    p.order_id = order_id;
    return p;
  }

  JournalReplay out_;
  std::map<std::string, JournalIntent> pending_;  // ref_id → intent without an outcome yet
};

}  // namespace

std::optional<Timestamp> JournalReplay::earliest_unresolved() const {
  std::optional<Timestamp> earliest;
  for (const auto& i : unresolved)
    if (!earliest || i.at < *earliest) earliest = i.at;
  return earliest;
}

std::vector<KnownOrder> JournalReplay::open_orders(ExecutionMode mode) const {
  std::vector<KnownOrder> out;
  for (const auto& [id, o] : orders)
    if (!o.finished && o.mode == mode && !o.symbol.empty()) out.push_back(o);
  return out;
}

JournalReplay replay(const std::vector<json::object>& records) {
  Replayer r;
  for (std::size_t i = 0; i < records.size(); ++i) r.record(records[i], i + 1);
  auto out = r.finish();
  // Orders known only from a state_change/cancel_result (no envelope) carry no symbol: drop them.
  std::erase_if(out.orders, [](const auto& entry) { return entry.second.symbol.empty() && entry.second.finished; });
  return out;
}

std::optional<Timestamp> JournalReplay::resume_cursor() const {
  if (poll_cursor) return poll_cursor;
  std::optional<Timestamp> oldest;
  for (const auto& [id, o] : orders) {
    if (o.finished || o.mode != ExecutionMode::live) continue;
    auto p = progress.find(id);
    if (p == progress.end() || !p->second.updated_at) return std::nullopt;  // an open order of unknown age
    if (!oldest || *p->second.updated_at < *oldest) oldest = p->second.updated_at;
  }
  return oldest;
}

RestoreTracks JournalReplay::poller_seed(ExecutionMode mode, Timestamp local_now) const {
  RestoreTracks seed;
  if (mode != ExecutionMode::live) return seed;
  seed.cursor = resume_cursor();
  if (!seed.cursor) seed.bootstrap_since = local_now - kBootstrapLookBack;
  Timestamp horizon = (seed.cursor ? *seed.cursor : *seed.bootstrap_since) - orders::PollState::kRetention;
  for (const auto& [id, p] : progress) {
    auto known = orders.find(id);
    if (known != orders.end() && known->second.mode != mode) continue;
    bool finished = is_terminal(p.state) || (known != orders.end() && known->second.finished);
    // Finished long before the resume point: no pass will list it again.
    if (finished && p.updated_at && *p.updated_at < horizon) continue;
    seed.orders.push_back(p);
  }
  return seed;
}

PendingKey key_of(const KnownOrder& order) { return PendingKey{order.symbol, order.side, order.limit_price}; }

OrderEnvelope envelope_of(const KnownOrder& order) {
  OrderEnvelope e;
  e.order_id = order.order_id;
  e.ref_id = order.ref_id;
  e.symbol = order.symbol;
  e.side = order.side;
  e.quantity = order.quantity;
  e.limit_price = order.limit_price;
  e.reference_price = order.reference_price;
  e.submitted_at = order.submitted_at;
  e.mode = order.mode;
  e.strategy = order.strategy;
  return e;
}

}  // namespace oms::recovery
