#include "actors/recovery.hpp"

#include "actors/journal_file.hpp"
#include "actors/journal_replay.hpp"
#include "runtime/log.hpp"

#include <set>

namespace oms::actors {
namespace json = boost::json;
using runtime::awaitable;
using namespace std::chrono_literals;

namespace {

// Broker clocks and ours disagree a little: look a minute further back than the first intent.
constexpr auto kLookBackMargin = 60s;

json::object order_record(const recovery::KnownOrder& k) {
  return json::object{{"order_id", k.order_id},
                      {"ref_id", k.ref_id},
                      {"symbol", k.symbol},
                      {"side", boost::describe::enum_to_string(k.side, "")},
                      {"quantity", k.quantity.to_string()},
                      {"limit_price", k.limit_price.to_string(2)},
                      {"mode", boost::describe::enum_to_string(k.mode, "")}};
}

recovery::KnownOrder known_from(const recovery::JournalIntent& i, const gateway::BrokerOrder& o) {
  return recovery::KnownOrder{o.id, i.ref_id, i.symbol, i.side, i.quantity, i.limit_price, i.mode, !gateway::is_open(o)};
}

class Recovery {
 public:
  explicit Recovery(RecoveryParts parts) : parts_(std::move(parts)) {}

  awaitable<RecoveryReport> run() {
    // Only the journal's owner may recover and trade: another process owning it (or a journal
    // that cannot be opened) stops here, before any broker call.
    if (!parts_.journal->healthy()) {
      report_.journal_owner_pid = parts_.journal->owner_pid();
      fail(parts_.journal->open_error());
      co_return report_;
    }
    report_.torn_tail = parts_.journal->open_report().repaired_torn_tail;
    replay_ = recovery::replay(journal::JournalFile::read_all(parts_.journal_path));
    report_.journal_records = replay_.records;
    for (const auto& m : replay_.malformed) log::warn("recovery.malformed_record", {{"where", m}});
    std::vector<OrderEnvelope> open;
    // Paper orders live in memory: a previous process's paper book is gone, only latches remain.
    if (parts_.broker->mode() == ExecutionMode::live) {
      if (!co_await settle_intents() || !co_await adopt_and_collect(open)) co_return report_;
    }
    co_await restore_ledger(std::move(open));
    co_return report_;
  }

 private:
  // `kind` is a literal: a const char* parameter keeps string conversions out of the co_await
  // expressions that call this (the GCC 12 trap).
  awaitable<bool> journal(const char* kind, json::object data) {
    JournalRecord record{kind, std::move(data)};
    auto ack = co_await runtime::ask<JournalAck>(parts_.journal, std::move(record), 10s, "recovery");
    co_return ack && ack->durable;
  }

  bool fail(std::string what) {
    report_.error = std::move(what);
    log::error("recovery.failed", {{"error", report_.error}});
    return false;
  }

  // Step 1: every live intent without a broker id, settled by its ref_id.
  awaitable<bool> settle_intents() {
    std::vector<recovery::JournalIntent> live;
    for (const auto& i : replay_.unresolved)
      if (i.mode == ExecutionMode::live) live.push_back(i);
    if (live.empty()) co_return true;
    std::optional<Timestamp> since = replay_.earliest_unresolved();
    if (since) *since -= kLookBackMargin;
    auto orders = co_await parts_.broker->list_orders(since);
    if (!orders) co_return fail("could not list broker orders to settle intents: " + orders.error().to_string());
    for (const auto& intent : live) {
      ++report_.intents_resolved;
      const auto* found = gateway::find_by_ref_id(*orders, intent.ref_id);
      if (!found) {
        ++report_.intents_not_placed;
        json::object data{{"ref_id", intent.ref_id}, {"symbol", intent.symbol},
                          {"reason", "not at the broker after a restart: it was never placed"}};
        if (!co_await journal("intent_abandoned", std::move(data))) co_return fail("the journal refused a record");
        continue;
      }
      auto known = known_from(intent, *found);
      auto data = order_record(known);
      data["reference_price"] = intent.reference_price.to_string(2);
      data["submitted_at"] = format_iso8601(found->created_at);
      data["strategy"] = intent.strategy;
      data["raw"] = found->raw;
      data["recovered"] = true;
      if (!co_await journal("envelope", std::move(data))) co_return fail("the journal refused a record");
      log::warn("recovery.intent_found_at_broker", {{"ref_id", intent.ref_id}, {"order_id", found->id}});
      replay_.orders[found->id] = known;
    }
    co_return true;
  }

  // Step 2: what is open at the broker now; unknown orders are adopted.
  awaitable<bool> adopt_and_collect(std::vector<OrderEnvelope>& open) {
    auto listed = co_await parts_.broker->list_open_orders();
    if (!listed) co_return fail("could not list open broker orders: " + listed.error().to_string());
    for (const auto& o : *listed) {
      auto known = replay_.orders.find(o.id);
      if (known == replay_.orders.end()) {
        gateway::BrokerOrder unknown = o;
        if (!co_await adopt(std::move(unknown))) co_return false;
        known = replay_.orders.find(o.id);
      }
      if (!known->second.symbol.empty()) open.push_back(recovery::envelope_of(known->second));
    }
    co_return true;
  }

  awaitable<bool> adopt(gateway::BrokerOrder order) {
    std::string instrument = order.instrument;  // named: no temporaries inside co_await (GCC 12)
    auto symbol = co_await parts_.broker->symbol_for_instrument(std::move(instrument));
    recovery::KnownOrder k{order.id, order.ref_id.value_or(""), symbol.value_or(""), order.side, order.quantity,
                           order.price.value_or(Price{}), ExecutionMode::live, false};
    auto data = order_record(k);
    data["broker_state"] = order.state;
    data["raw"] = order.raw;
    if (!co_await journal("adopted", std::move(data))) co_return fail("the journal refused a record");
    log::warn("recovery.order_adopted", {{"order_id", order.id}, {"symbol", k.symbol}});
    ++report_.orders_adopted;
    report_.adopted_order_ids.push_back(order.id);
    replay_.orders[order.id] = std::move(k);
    co_return true;
  }

  // Step 3: the ledger gets the open orders and the latches; submissions open (unless latched).
  awaitable<void> restore_ledger(std::vector<OrderEnvelope> open) {
    report_.pending_restored = static_cast<int>(open.size());
    RestoreLedger restore{std::move(open), replay_.halted, replay_.trip};
    auto state = co_await runtime::ask<PendingOrders>(parts_.ledger, std::move(restore), 10s, "recovery");
    if (!state) {
      fail("the safety ledger did not answer");
      co_return;
    }
    report_.halted = state->halted;
    report_.breaker_open = state->breaker_open;
    auto summary = to_json(report_).as_object();
    co_await journal("recovery", std::move(summary));
    log::info("recovery.completed", to_json(report_).as_object());
  }

  RecoveryParts parts_;
  recovery::JournalReplay replay_;
  RecoveryReport report_;
};

}  // namespace

awaitable<RecoveryReport> recover(RecoveryParts parts) {
  auto recovery = std::make_shared<Recovery>(std::move(parts));
  co_return co_await recovery->run();
}

}  // namespace oms::actors
