// `oms cancel-all` (the kill switch) and `oms resume`.
#include "apps/oms/cli_commands.hpp"
#include "apps/oms/cli_orders.hpp"
#include "apps/oms/cli_output.hpp"
#include "apps/oms/cli_owner.hpp"

namespace oms::cli {
namespace json = boost::json;
namespace {

struct Tally {
  int cancelled = 0, filled = 0, already_finished = 0, failed = 0;
  bool unreachable = false;  ///< a failure looked like the broker not answering
};

Tally tally(const CancelAllReport& report) {
  Tally t;
  for (const auto& r : report.results) {
    switch (r.outcome) {
      case CancelOutcome::cancelled:
      case CancelOutcome::partially_filled_then_cancelled: ++t.cancelled; break;
      case CancelOutcome::filled: ++t.filled; break;
      case CancelOutcome::already_finished: ++t.already_finished; break;
      case CancelOutcome::failed:
        ++t.failed;
        t.unreachable |= exit_code_for_broker_text(r.detail) == exit_broker_unreachable;
        break;
    }
  }
  t.unreachable |= report.open_orders_remaining < 0;
  return t;
}

json::object result_json(const CancelResult& r) {
  return json::object{{"order_id", r.order_id},
                      {"symbol", r.symbol},
                      {"outcome", boost::describe::enum_to_string(r.outcome, "failed")},
                      {"final_status", r.final_status ? json::value(status_json(*r.final_status)) : json::value(nullptr)},
                      {"detail", r.detail}};
}

json::object report_json(const CancelAllReport& report, const Tally& t, bool ok) {
  json::array results;
  for (const auto& r : report.results) results.push_back(result_json(r));
  return json::object{{"results", std::move(results)},
                      {"summary", json::object{{"orders", report.results.size()},
                                               {"cancelled", t.cancelled},
                                               {"filled", t.filled},
                                               {"already_finished", t.already_finished},
                                               {"failed", t.failed},
                                               {"open_orders_remaining", report.open_orders_remaining},
                                               {"submissions_halted", report.submissions_halted},
                                               {"ok", ok}}}};
}

std::string report_text(const CancelAllReport& report, const Tally& t, const control::Health& owner) {
  std::string out;
  if (report.results.empty()) {
    out = "no open orders\n";
  } else {
    Table table({"ORDER_ID", "SYMBOL", "OUTCOME", "FILLED", "DETAIL"});
    for (const auto& r : report.results)
      table.add({r.order_id.empty() ? "-" : r.order_id, r.symbol.empty() ? "-" : r.symbol,
                 boost::describe::enum_to_string(r.outcome, "failed"),
                 r.final_status ? r.final_status->filled_quantity.to_string() : "-", r.detail});
    out = table.render();
  }
  std::string remaining = report.open_orders_remaining < 0 ? "could not be listed"
                                                            : std::to_string(report.open_orders_remaining);
  out += "summary: " + std::to_string(report.results.size()) + " orders: " + std::to_string(t.cancelled) +
         " cancelled, " + std::to_string(t.filled) + " filled, " + std::to_string(t.already_finished) +
         " already finished, " + std::to_string(t.failed) + " failed; open at the broker now: " + remaining + "; " +
         (report.submissions_halted ? "submissions halted until `oms resume`" : "submissions open") + "\n";
  if (owner.mode == ExecutionMode::paper) out += "paper mode: no broker was contacted (paper orders live in the owner's memory)\n";
  return out;
}

// As long as the owner may take to confirm every cancel.
constexpr std::chrono::milliseconds kCancelAllDeadline{200'000};
constexpr std::chrono::milliseconds kResumeDeadline{70'000};

}  // namespace

int run_cancel_all(const Invocation& inv, const config::Config& config) {
  Progress progress(inv.globals.json);
  auto link = OwnerLink::connect(config, inv);
  if (!link) return fail(link.error());
  const auto& owner = (*link)->owner();
  control::Request cancel_all{nullptr, control::CancelAllArgs{"cli"}};
  // The owner acknowledges the halt as soon as its ledger refuses submissions, before any cancel.
  auto on_line = [&](const control::Reply& line) {
    if (line.kind == control::Reply::Kind::progress && line.name == "halted")
      progress.say("kill switch: submissions halted on the owner (pid " + std::to_string(owner.owner_pid) +
                   "); cancelling every open order and confirming each…");
  };
  auto answer = (*link)->call(std::move(cancel_all), kCancelAllDeadline, on_line);
  if (!answer) return fail(answer.error());
  auto decoded = decode<CancelAllReport>(*answer);
  if (!decoded) return fail(decoded.error());
  CancelAllReport report = std::move(*decoded);
  JournalSymbols symbols(config.order_management.journal_path);
  for (auto& r : report.results)
    if (r.symbol.empty()) r.symbol = symbols.of(r.order_id);
  Tally t = tally(report);
  bool ok = t.failed == 0 && report.open_orders_remaining == 0;
  if (inv.globals.json) print_json(with_owner(report_json(report, t, ok), owner));
  else print_text(owner_text(owner, config) + report_text(report, t, owner));
  if (ok) return exit_ok;
  return fail((*link)->named(CliError{t.unreachable ? exit_broker_unreachable : exit_broker_rejected, "cancel-all",
                                      std::to_string(t.failed) + " cancels not confirmed, " +
                                          (report.open_orders_remaining < 0
                                               ? std::string("open orders could not be listed")
                                               : std::to_string(report.open_orders_remaining) +
                                                     " orders still open at the broker"),
                                      "run `oms cancel-all` again; submissions stay halted"}));
}

int run_resume(const Invocation& inv, const config::Config& config) {
  auto link = OwnerLink::connect(config, inv);
  if (!link) return fail(link.error());
  const auto& owner = (*link)->owner();
  control::Request resume{nullptr, control::ResumeArgs{"cli"}};
  auto answer = (*link)->call(std::move(resume), kResumeDeadline);
  if (!answer) return fail(answer.error());
  auto decoded = decode<PendingOrders>(*answer);
  if (!decoded) return fail(decoded.error());
  const PendingOrders& state = *decoded;
  bool open = !state.halted && !state.breaker_open;
  if (inv.globals.json) {
    print_json(with_owner(json::object{{"submissions", open ? "open" : "blocked"},
                                       {"halted", state.halted},
                                       {"breaker_open", state.breaker_open},
                                       {"pending_orders", state.order_ids.size()}},
                          owner));
  } else {
    print_text(owner_text(owner, config) + "submissions: " + (open ? "open" : "blocked") + " (kill switch " +
               (state.halted ? "latched" : "released") + ", circuit breaker " +
               (state.breaker_open ? "open" : "closed") + "; " + std::to_string(state.order_ids.size()) +
               " pending orders)\n");
  }
  if (open) return exit_ok;
  return fail((*link)->named(CliError{exit_halted, "submissions", "still blocked after the resume", "see the log for why"}));
}

}  // namespace oms::cli
