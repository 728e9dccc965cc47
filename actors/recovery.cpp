#include "actors/recovery.hpp"

#include "actors/journal_file.hpp"
#include "actors/journal_replay.hpp"
#include "runtime/log.hpp"
#include "runtime/run_on.hpp"

#include <set>

namespace oms::actors {
namespace json = boost::json;
using runtime::awaitable;
using namespace std::chrono_literals;

namespace {

// Broker clocks and ours disagree a little: look a minute further back than the first intent.
constexpr auto kLookBackMargin = 60s;
// The start-up pass may walk many orders after a long downtime.
constexpr auto kPassTimeout = 120s;

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
  recovery::KnownOrder k{o.id, i.ref_id, i.symbol, i.side, i.quantity, i.limit_price, i.mode, !gateway::is_open(o)};
  k.reference_price = i.reference_price;
  k.submitted_at = o.created_at;
  k.strategy = i.strategy;
  return k;
}

// "line 7 (starts with `{"ts":"2026-…","kind":"state_change",…"to":"c{"ts"`)".
std::string first_bad_line(const journal::OpenReport& read) {
  const auto& bad = read.bad_lines.front();
  return "line " + std::to_string(bad.line) + " (starts with `" + bad.start + "`)";
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
    journal::OpenReport read;
    auto all = co_await records(read);
    if (!read_journal(all, read)) co_return report_;
    std::vector<OrderEnvelope> open;
    // Paper orders live in memory: a previous process's paper book is gone, only latches remain.
    if (parts_.broker->mode() == ExecutionMode::live) {
      if (!co_await settle_intents()) co_return report_;
      if (!co_await catch_up() || !co_await adopt_and_collect(open)) {
        // The broker could not be listed: the journal still knows what this account has open, and
        // the kill switch must be able to cancel it (it retries the listing itself). Submissions
        // stay refused.
        if (report_.broker_unavailable) co_await restore_ledger(known_open_orders());
        co_return report_;
      }
    }
    co_await restore_ledger(std::move(open));
    co_return report_;
  }

 private:
  // The journal is read once, when the Journal opened it under the lock; recovery takes those
  // records (plus any written since) on the journal's strand. Only a second start() reads the
  // file again.
  awaitable<std::vector<json::object>> records(journal::OpenReport& read) {
    auto take = [](std::shared_ptr<Journal> j) -> awaitable<std::optional<std::vector<json::object>>> {
      co_return j->take_startup_records();
    };
    auto op = take(parts_.journal);  // named: no lambda inside a co_await expression (GCC 12)
    auto taken = co_await runtime::run_on(parts_.journal->strand(), std::move(op));
    if (taken) {
      read = parts_.journal->open_report();
      co_return std::move(*taken);
    }
    co_return journal::JournalFile::read_all(parts_.journal_path, &read);
  }

  // The journal is the truth: a line in the middle that cannot be read may have been anything
  // (an intent, a fill, the kill switch), so nothing is traded until a person has looked.
  bool read_journal(const std::vector<json::object>& records, const journal::OpenReport& read) {
    if (!read.malformed.empty()) {
      for (const auto& bad : read.bad_lines) report_.journal_malformed_lines.push_back(static_cast<int>(bad.line));
      return fail("journal " + parts_.journal_path + " " + first_bad_line(read) + " is not a readable record" +
                  (read.malformed.size() > 1 ? " (" + std::to_string(read.malformed.size()) + " such lines)" : "") +
                  " — nothing was sent; run `oms journal check` to see every unreadable line, then `oms journal repair`"
                  " (keeps a backup, moves them aside, halts submissions until `oms resume`)");
    }
    replay_ = recovery::replay(records);
    report_.journal_records = replay_.records;
    for (const auto& m : replay_.malformed) log::warn("recovery.malformed_record", {{"where", m}});
    return true;
  }

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

  // Step 1: every live intent without a broker id goes through the settlement protocol
  // (actors/settlement_fsm.hpp); one listing is each one's first look-up. Found → its envelope
  // is journalled; proven absent → journalled as never placed; anything else (the listing failed,
  // or it came too soon after the last attempt to prove absence) → the intent stays unresolved:
  // its key is reserved in the ledger and the Settler goes on in the background. Nothing else is
  // blocked by it: other keys trade as soon as recovery ends.
  awaitable<bool> settle_intents() {
    std::vector<recovery::JournalIntent> live;
    for (const auto& i : replay_.unresolved)
      if (i.mode == ExecutionMode::live) live.push_back(i);
    if (live.empty()) co_return true;
    auto now = clock().now();
    std::vector<settlement::Fsm> fsms;
    std::optional<Timestamp> since;
    for (const auto& intent : live) {
      // A process that stopped while sending may have sent up to its end, which was before now.
      fsms.emplace_back(intent.at, intent.attempts_ended_at.value_or(now), now, parts_.settlement);
      auto window = fsms.back().begin_look_up(now);
      if (!since || *window < *since) since = window;
    }
    auto orders = co_await parts_.broker->list_orders(since);
    auto done = clock().now();
    if (!orders) log::warn("recovery.settlement_deferred", {{"intents", live.size()}, {"error", orders.error().to_string()}});
    for (std::size_t n = 0; n < live.size(); ++n) {
      const auto& intent = live[n];
      auto& fsm = fsms[n];
      const gateway::BrokerOrder* found = orders ? gateway::find_by_ref_id(*orders, intent.ref_id) : nullptr;
      auto step = !orders ? fsm.failed(done, orders.error().to_string())
                          : found ? fsm.found(done) : fsm.not_found(now, done);
      if (found) {
        gateway::BrokerOrder order = *found;
        recovery::JournalIntent settled = intent;
        if (!co_await settle_found(std::move(settled), std::move(order))) co_return false;
      } else if (std::holds_alternative<settlement::ProvenAbsent>(step)) {
        ++report_.intents_resolved;
        ++report_.intents_not_placed;
        json::object data{{"ref_id", intent.ref_id}, {"symbol", intent.symbol},
                          {"reason", "not at the broker after a restart: it was never placed"}};
        if (!co_await journal("intent_abandoned", std::move(data))) co_return fail("the journal refused a record");
      } else {
        auto at = std::get_if<settlement::LookUpAt>(&step);
        still_unresolved(intent, at ? std::optional<Timestamp>(at->at) : std::nullopt);
        // Visible to `oms orders --state unresolved` until the settlement journals its outcome.
        json::object data{{"ref_id", intent.ref_id}, {"symbol", intent.symbol},
                          {"reason", !orders ? "the start-up look-up failed: " + orders.error().to_string()
                                             : std::string("not at the broker yet, too soon after the last attempt "
                                                           "to prove it absent")}};
        if (!co_await journal("intent_unresolved", std::move(data))) co_return fail("the journal refused a record");
      }
    }
    co_return true;
  }

  // Found at the broker (by the first look-up, or open under its ref_id): its envelope.
  awaitable<bool> settle_found(recovery::JournalIntent intent, gateway::BrokerOrder found) {
    ++report_.intents_resolved;
    auto known = known_from(intent, found);
    auto data = order_record(known);
    data["reference_price"] = intent.reference_price.to_string(2);
    data["submitted_at"] = format_iso8601(found.created_at);
    data["strategy"] = intent.strategy;
    data["raw"] = found.raw;
    data["recovered"] = true;
    if (!co_await journal("envelope", std::move(data))) co_return fail("the journal refused a record");
    log::warn("recovery.intent_found_at_broker", {{"ref_id", intent.ref_id}, {"order_id", found.id}});
    replay_.orders[found.id] = known;
    // Tracked from nothing: whatever it did at the broker is news, reported once.
    replay_.progress.try_emplace(found.id).first->second.order_id = found.id;
    co_return true;
  }

  void still_unresolved(const recovery::JournalIntent& i, std::optional<Timestamp> next_look_up) {
    PendingKey key{i.symbol, i.side, i.limit_price};
    unresolved_.push_back(UnresolvedIntent{i.ref_id, key, i.quantity, i.at});
    settle_later_.push_back(SettleIntent{i.ref_id, key, i.quantity, i.reference_price, i.strategy, i.mode, i.at,
                                         i.attempts_ended_at.value_or(clock().now()), next_look_up});
    report_.unresolved_ref_ids.push_back(i.ref_id);
    log::warn("recovery.intent_unresolved", {{"ref_id", i.ref_id}, {"symbol", i.symbol},
                                             {"limit_price", i.limit_price.to_string(2)}});
  }

  runtime::Clock& clock() const { return parts_.ledger->runtime().clock(); }

  // Step 2: what happened while no process ran. The poller resumes from the journal (the
  // executions and states already journalled, the cursor) and makes one pass before anything can
  // be submitted: fills, cancels and rejections of known orders are journalled and delivered to
  // the fill callbacks once, and nothing this process places can be mistaken for history.
  awaitable<bool> catch_up() {
    if (!parts_.poller) co_return true;
    auto seed = replay_.poller_seed(parts_.broker->mode(), parts_.poller->runtime().clock().now());
    report_.executions_known = static_cast<int>(replay_.executions);
    post(parts_.poller, std::move(seed), "recovery");  // handled before the pass: one mailbox
    SynchronizeOpenOrders pass;
    auto synced = co_await runtime::ask<SyncReport>(parts_.poller, std::move(pass), kPassTimeout, "recovery");
    if (!synced) co_return fail("the status poller did not answer the start-up pass");
    if (!synced->error.empty()) {
      report_.broker_unavailable = true;
      co_return fail("could not list broker orders to catch up: " + synced->error);
    }
    report_.fills_while_down = static_cast<int>(synced->fills);
    report_.state_changes_while_down = static_cast<int>(synced->state_changes);
    poll_cursor_ = synced->cursor;
    co_return true;
  }

  // Step 3: what is open at the broker now; unknown orders are adopted.
  awaitable<bool> adopt_and_collect(std::vector<OrderEnvelope>& open) {
    auto listed = co_await parts_.broker->list_open_orders();
    if (!listed) {
      report_.broker_unavailable = true;
      co_return fail("could not list open broker orders: " + listed.error().to_string());
    }
    for (const auto& o : *listed) {
      auto known = replay_.orders.find(o.id);
      if (known == replay_.orders.end()) {
        gateway::BrokerOrder unknown = o;
        // An intent still unresolved shows here under its ref_id: it is that intent's order.
        auto mine = o.ref_id ? unresolved_index(*o.ref_id) : -1;
        if (mine >= 0) {
          auto intent = *intent_of(*o.ref_id);
          forget_unresolved(static_cast<std::size_t>(mine));
          if (!co_await settle_found(std::move(intent), std::move(unknown))) co_return false;
        } else if (!co_await adopt(std::move(unknown))) {
          co_return false;
        }
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
    k.submitted_at = order.created_at;
    auto data = order_record(k);
    data["submitted_at"] = format_iso8601(order.created_at);
    data["broker_state"] = order.state;
    data["raw"] = order.raw;
    if (!co_await journal("adopted", std::move(data))) co_return fail("the journal refused a record");
    log::warn("recovery.order_adopted", {{"order_id", order.id}, {"symbol", k.symbol}});
    ++report_.orders_adopted;
    report_.adopted_order_ids.push_back(order.id);
    replay_.orders[order.id] = std::move(k);
    co_return true;
  }

  // The live orders the journal knows and has not seen finish (recovery could not ask the broker).
  std::vector<OrderEnvelope> known_open_orders() const {
    std::vector<OrderEnvelope> open;
    for (const auto& [id, known] : replay_.orders)
      if (!known.finished && known.mode == ExecutionMode::live && !known.symbol.empty())
        open.push_back(recovery::envelope_of(known));
    return open;
  }

  int unresolved_index(const std::string& ref_id) const {
    for (std::size_t n = 0; n < unresolved_.size(); ++n)
      if (unresolved_[n].ref_id == ref_id) return static_cast<int>(n);
    return -1;
  }
  std::optional<recovery::JournalIntent> intent_of(const std::string& ref_id) const {
    for (const auto& i : replay_.unresolved)
      if (i.ref_id == ref_id) return i;
    return std::nullopt;
  }
  void forget_unresolved(std::size_t n) {
    std::erase(report_.unresolved_ref_ids, unresolved_[n].ref_id);
    unresolved_.erase(unresolved_.begin() + static_cast<long>(n));
    settle_later_.erase(settle_later_.begin() + static_cast<long>(n));
  }

  // Step 4: the ledger gets the open orders, the unresolved intents (their keys stay reserved)
  // and the latches; submissions open (unless latched, or recovery failed); the Settler takes
  // the unresolved on.
  awaitable<void> restore_ledger(std::vector<OrderEnvelope> open) {
    report_.pending_restored = static_cast<int>(open.size());
    report_.intents_unresolved = static_cast<int>(unresolved_.size());
    RestoreLedger restore{std::move(open), replay_.halted, replay_.trip, unresolved_, report_.error};
    auto state = co_await runtime::ask<PendingOrders>(parts_.ledger, std::move(restore), 10s, "recovery");
    if (!state) {
      if (report_.ok()) fail("the safety ledger did not answer");
      co_return;
    }
    // After the ledger holds them: a settlement's result always finds its entry.
    for (auto& s : settle_later_) {
      if (parts_.settler) post(parts_.settler, std::move(s), "recovery");
    }
    report_.halted = state->halted;
    report_.breaker_open = state->breaker_open;
    auto summary = to_json_object(report_);
    // The next start resumes polling here (see JournalReplay::resume_cursor).
    if (poll_cursor_) summary["poll_cursor"] = format_iso8601(*poll_cursor_);
    co_await journal("recovery", std::move(summary));
    if (report_.ok()) log::info("recovery.completed", to_json_object(report_));
    else log::warn("recovery.ledger_from_journal", {{"open_orders", report_.pending_restored}, {"error", report_.error}});
  }

  RecoveryParts parts_;
  recovery::JournalReplay replay_;
  std::vector<UnresolvedIntent> unresolved_;  ///< still unknown after the first look-up
  std::vector<SettleIntent> settle_later_;    ///< the same, for the Settler (same order)
  RecoveryReport report_;
  std::optional<Timestamp> poll_cursor_;
};

}  // namespace

awaitable<RecoveryReport> recover(RecoveryParts parts) {
  auto recovery = std::make_shared<Recovery>(std::move(parts));
  co_return co_await recovery->run();
}

}  // namespace oms::actors
