// `oms sync [--once]`: the StatusPoller in the foreground, printing fills as they happen.
#include "apps/oms/cli_commands.hpp"
#include "apps/oms/cli_orders.hpp"
#include "apps/oms/cli_output.hpp"
#include "apps/oms/cli_session.hpp"

namespace oms::cli {
namespace json = boost::json;

namespace {

// The fill with its symbol, from the journal when the broker's answer did not name it.
FillEvent named(FillEvent fill, JournalSymbols& symbols) {
  if (fill.symbol.empty()) fill.symbol = symbols.of(fill.order_id);
  return fill;
}

// The fills recovery delivered (they happened while no process ran) come first: each is
// printed once, by whichever command found it.
int once(const config::Config& config, bool as_json, JournalSymbols& symbols) {
  json::array fills;
  Session::FillPrinter printer = [&](const FillEvent& f) {
    if (as_json) fills.push_back(fill_json(named(f, symbols)));
    else print_text(fill_text(named(f, symbols)));
  };
  auto session = Session::open(config, as_json, printer);
  if (!session) return fail(session.error());
  SyncReport report = (*session)->sync_once(printer);
  if (!report.error.empty())
    return fail(CliError{exit_code_for_broker_text(report.error), "broker", report.error,
                         "nothing was lost; run `oms sync --once` again when the broker answers"});
  const auto& recovered = (*session)->recovery();
  report.state_changes += recovered.state_changes_while_down;
  report.fills += recovered.fills_while_down;
  if (as_json) {
    print_json(json::object{{"orders_seen", report.orders_seen},
                            {"state_changes", report.state_changes},
                            {"fills", std::move(fills)}});
  } else {
    print_text("sync: " + std::to_string(report.orders_seen) + " orders seen, " +
               std::to_string(report.state_changes) + " state changes, " + std::to_string(report.fills) +
               " fills\n");
  }
  return exit_ok;
}

}  // namespace

int run_sync(const Invocation& inv, const config::Config& config) {
  bool as_json = inv.globals.json;
  JournalSymbols symbols(config.order_management.journal_path);
  if (inv.flag("--once")) return once(config, as_json, symbols);
  // --json: one JSON object per fill, one per line, so a consumer can read them as they come.
  Session::FillPrinter printer = [as_json, &symbols](const FillEvent& f) {
    if (as_json) print_json(fill_json(named(f, symbols)));
    else print_text(fill_text(named(f, symbols)));
  };
  // Start-up may already print fills (found while nothing ran): a Ctrl-C from then on must stop
  // the loop cleanly, so the stop signals wait (blocked) until the loop listens for them.
  block_stop_signals();
  auto session = Session::open(config, as_json, printer);
  if (!session) return fail(session.error());
  Progress progress(as_json);
  progress.say("following orders every " + std::to_string(config.order_management.poll_interval_s) +
               " s; fills appear below — Ctrl-C to stop");
  (*session)->poll_until_signal(printer);
  progress.say("stopped");
  return exit_ok;
}

}  // namespace oms::cli
