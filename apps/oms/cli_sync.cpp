// `oms sync [--once]`: fills as the owner finds them.
#include "apps/oms/cli_commands.hpp"
#include "apps/oms/cli_orders.hpp"
#include "apps/oms/cli_output.hpp"
#include "apps/oms/cli_owner.hpp"
#include "apps/oms/cli_session.hpp"

namespace oms::cli {
namespace json = boost::json;

namespace {

constexpr std::chrono::milliseconds kSyncDeadline{130'000};

// The fill with its symbol, from the journal when the broker's answer did not name it.
FillEvent named(FillEvent fill, JournalSymbols& symbols) {
  if (fill.symbol.empty()) fill.symbol = symbols.of(fill.order_id);
  return fill;
}

// One pass on the owner; its fills, then a summary. When this command became the owner, the
// fills its start-up found (they happened while no process ran) come first: each execution is
// printed once, by whichever command found it.
int once(OwnerLink& link, const config::Config& config, bool as_json, JournalSymbols& symbols) {
  control::Request sync{nullptr, control::SyncArgs{}};
  auto answer = link.call(std::move(sync), kSyncDeadline);
  if (!answer) return fail(answer.error());
  auto result = decode<control::SyncResult>(*answer);
  if (!result) return fail(result.error());
  SyncReport report = result->report;
  if (!report.error.empty())
    return fail(link.named(CliError{exit_code_for_broker_text(report.error), "broker", report.error,
                                    "nothing was lost; run `oms sync --once` again when the broker answers"}));
  std::vector<FillEvent> found;
  if (const Session* own = link.session()) {
    found = own->recovery_fills();
    report.fills += own->recovery().fills_while_down;
    report.state_changes += own->recovery().state_changes_while_down;
  }
  found.insert(found.end(), result->fills.begin(), result->fills.end());
  json::array fills;
  std::string text = as_json ? "" : owner_text(link.owner(), config);
  for (const auto& f : found) {
    if (as_json) fills.push_back(fill_json(named(f, symbols)));
    else text += fill_text(named(f, symbols));
  }
  if (as_json) {
    print_json(with_owner(json::object{{"orders_seen", report.orders_seen},
                                       {"state_changes", report.state_changes},
                                       {"fills", std::move(fills)}},
                          link.owner()));
  } else {
    print_text(text + "sync: " + std::to_string(report.orders_seen) + " orders seen, " +
               std::to_string(report.state_changes) + " state changes, " + std::to_string(report.fills) + " fills\n");
  }
  return exit_ok;
}

}  // namespace

int run_sync(const Invocation& inv, const config::Config& config) {
  bool as_json = inv.globals.json;
  // Following: a Ctrl-C from start-up on must stop it cleanly, so the stop signals wait (held)
  // until it listens for them.
  if (!inv.flag("--once")) block_stop_signals();
  auto link = OwnerLink::connect(config, inv);
  if (!link) return fail(link.error());
  JournalSymbols symbols(config.order_management.journal_path);
  if (inv.flag("--once")) return once(**link, config, as_json, symbols);

  // Every fill the owner journals, whoever found it (its own poller, this command's passes).
  auto print_fill = [&](const control::Reply& line) {
    if (line.kind != control::Reply::Kind::event || line.name != "fill") return;
    auto fill = from_json<FillEvent>(line.data);
    if (!fill) return;
    if (as_json) print_json(with_owner(fill_json(named(*fill, symbols)), (*link)->owner()));
    else print_text(fill_text(named(*fill, symbols)));
  };
  control::Request subscribe{nullptr, control::SubscribeArgs{{control::Topic::fills}}};
  if (auto subscribed = (*link)->call(std::move(subscribe), kSyncDeadline, print_fill); !subscribed)
    return fail(subscribed.error());
  Progress progress(as_json);
  if (!as_json) print_text(owner_text((*link)->owner(), config));
  if (const Session* own = (*link)->session())
    for (const auto& f : own->recovery_fills()) {
      if (as_json) print_json(with_owner(fill_json(named(f, symbols)), (*link)->owner()));
      else print_text(fill_text(named(f, symbols)));
    }
  progress.say("following orders every " + std::to_string(config.order_management.poll_interval_s) +
               " s; fills appear below — Ctrl-C to stop");
  // A pass every poll_interval_s on the owner, whether or not it polls by itself.
  const std::chrono::milliseconds interval{config.order_management.poll_interval_s * 1000};
  (*link)->watch_signals();
  while (!(*link)->signalled()) {
    control::Request sync{nullptr, control::SyncArgs{}};
    auto answer = (*link)->call(std::move(sync), kSyncDeadline, print_fill);
    if (!answer && !(*link)->signalled()) return fail(answer.error());
    if (!(*link)->listen(interval, print_fill)) break;
  }
  progress.say("stopped");
  return exit_ok;
}

}  // namespace oms::cli
