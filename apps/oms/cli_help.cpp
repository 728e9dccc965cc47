#include "apps/oms/cli_help.hpp"

#include <cstdio>

namespace oms::cli {
namespace {

constexpr const char* kGlobalOptions =
    "Global options (before or after the command):\n"
    "  --config FILE     configuration (default ./config.json if present, else built-in defaults;\n"
    "                    see docs/configuration.md)\n"
    "  --broker URL      broker base URL, e.g. a running rh-sim at http://127.0.0.1:8080 (with\n"
    "                    mode paper, from the config or the default, --mode must be given too)\n"
    "  --mode paper|live paper never calls the broker; live places real orders\n"
    "  --journal PATH    order journal (default: order_management.journal_path, logs/orders.jsonl)\n"
    "  --log-dir DIR     JSON-lines logs go to DIR/oms.log (default logs)\n"
    "  --ca-file FILE    also trust this PEM certificate (rh-sim --tls --tls-cert-out FILE)\n"
    "  --json            machine-readable output on stdout\n"
    "  -h, --help        this help\n";

constexpr const char* kOwner =
    "One process owns a journal at a time: a bot embedding the runtime, `oms serve`, or this\n"
    "command. buy, sell, status, cancel-all, resume and sync are carried out by the live owner\n"
    "when one answers on the control socket (--json adds \"owner_pid\"); otherwise this command\n"
    "becomes the owner until it ends. Every output names the mode (paper or live, and the broker).\n"
    "orders and report only read the journal.\n";

constexpr const char* kCredentials =
    "Credentials come from the environment only: RH_USERNAME, RH_PASSWORD and RH_MFA_SECRET (base32)\n"
    "or RH_MFA_CODE (one-time code). They are never printed or logged. `oms login` logs in once (with\n"
    "the device approval Robinhood asks of a new device) and stores the session in broker.token_path;\n"
    "every other command, a bot and `oms serve` use that session and never wait for an approval.\n";

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0  ok\n"
    "  1  other failure (journal owned by another process, unreadable or not writable; internal\n"
    "     error; see DIR/oms.log)\n"
    "  2  bad usage or validation error\n"
    "  3  the broker rejected the request (including insufficient funds)\n"
    "  4  the broker was unreachable after the retries, or an order's outcome is still unknown\n"
    "     (unresolved: the owner keeps settling it; an identical request waits for it)\n"
    "  5  refused: circuit breaker open or submissions halted (check the account, then `oms resume`),\n"
    "     or another order holds the same symbol, side and price with another quantity\n"
    "  6  login required: no usable broker session, or the credentials, the MFA code or the device\n"
    "     approval failed — run `oms login` (the line says which)\n"
    "  7  another process owns the journal and does not answer (a wedged owner): the error names\n"
    "     its pid; stop it (`kill PID`, then `kill -9 PID`) and run the command again\n"
    "Errors are one line on stderr: \"oms: <field>: <rule> — <what to do>\".\n";

const std::vector<CommandSpec> kCommands = {
    {Command::buy, "buy", {"symbol", "quantity"}, {"--ref", "--strategy"}, {"--ref"}, {},
     "oms buy SYMBOL QTY --ref PRICE [--strategy NAME]",
     "place a limit buy priced from a reference price",
     "Places a limit buy of QTY whole shares of SYMBOL (an uppercase US equity ticker). The limit is\n"
     "PRICE minus the configured buy offset (15 bps by default), on the broker's tick, toward PRICE.\n"
     "The order is flagged manual_override=true in the journal. A repeated identical request\n"
     "prints the existing order with duplicate=true instead of placing a second one.\n\n"
     "Options:\n"
     "  --ref PRICE        reference price, e.g. 250.30 (required)\n"
     "  --strategy NAME    use that strategy's offsets from order_management.strategy_overrides\n\n"
     "Example:\n"
     "  oms buy TSLA 50 --ref 250.30      # limit 249.93 with the default 15 bps\n"
     "  --json prints {order_id, ref_id, symbol, side, quantity, limit_price, reference_price,\n"
     "  submitted_at, mode, strategy, duplicate}.\n"},
    {Command::sell, "sell", {"symbol", "quantity"}, {"--ref", "--strategy"}, {"--ref"}, {},
     "oms sell SYMBOL QTY --ref PRICE [--strategy NAME]",
     "place a limit sell priced from a reference price",
     "Places a limit sell: PRICE plus the configured sell offset (10 bps by default). Otherwise as\n"
     "`oms buy`.\n\n"
     "Options:\n"
     "  --ref PRICE        reference price, e.g. 252.10 (required)\n"
     "  --strategy NAME    use that strategy's offsets\n\n"
     "Example:\n"
     "  oms sell TSLA 50 --ref 252.10 --strategy exit\n"},
    {Command::status, "status", {"order_id"}, {}, {}, {},
     "oms status ORDER_ID",
     "show one order's current state at the broker",
     "Asks the broker for the order and prints its normalised status: state (queued,\n"
     "partially_filled, filled, cancelled, rejected, unknown), filled_quantity, average_fill_price,\n"
     "pending_quantity, updated_at and, with --json, the broker's raw payload.\n"},
    {Command::cancel_all, "cancel-all", {}, {}, {}, {},
     "oms cancel-all",
     "the kill switch: halt submissions and cancel every open order",
     "Halts new submissions first, then cancels every open equity order concurrently and\n"
     "confirms how each ended (a fill that wins the race is reported as filled). Prints one line\n"
     "per order and a summary. Exits 0 only when every order ended cancelled or filled and the\n"
     "broker lists no open order. Submissions stay halted until `oms resume`.\n"},
    {Command::sync, "sync", {}, {}, {}, {"--once"},
     "oms sync [--once]",
     "follow open orders and print fills as they happen",
     "Polls the broker every order_management.poll_interval_s seconds and prints each new fill,\n"
     "until Ctrl-C (SIGINT) or SIGTERM. With --json each fill is one JSON line.\n\n"
     "Options:\n"
     "  --once    one synchronisation pass, then a summary (orders seen, state changes, fills)\n"},
    {Command::orders, "orders", {}, {"--symbol", "--state"}, {}, {},
     "oms orders [--symbol SYMBOL] [--state STATE]",
     "list the orders in the journal, newest first",
     "Reads the order journal (no broker call) and prints one row per order: what was asked,\n"
     "the broker's id, the last known state and fills.\n\n"
     "Options:\n"
     "  --symbol SYMBOL   only this ticker\n"
     "  --state STATE     only this state: pending (intent journalled, no outcome yet), queued,\n"
     "                    partially_filled, filled, cancelled, rejected, unknown, failed (the\n"
     "                    submission failed), not_placed (found never sent after a restart)\n"},
    {Command::report, "report", {}, {"--since"}, {}, {},
     "oms report [--since DATE]",
     "the HEART metrics from the journal, against the seed's targets",
     "Submissions, broker success rate, P50/P95 order_submission_duration_ms, cancels,\n"
     "manual_override=true orders and the share of automated trades, each with its target and\n"
     "guardrail.\n\n"
     "Options:\n"
     "  --since DATE      only records at or after DATE (2026-11-24 or 2026-11-24T14:30:00Z)\n"},
    {Command::journal, "journal", {"action"}, {}, {}, {},
     "oms journal check|repair",
     "check the order journal, or repair it by moving unreadable lines aside",
     "check (read-only, safe while a bot runs): counts the records and lists every line that does\n"
     "not parse (number and first bytes) and a torn last line. Exits 0 when clean, 1 otherwise.\n"
     "Start-up refuses to trade while a line in the middle does not parse.\n\n"
     "repair (only while no process owns the journal: stop the bot or `oms serve` first): keeps a\n"
     "backup (<journal>.bak-YYYYMMDD-HHMMSS), moves the unreadable lines with their numbers to\n"
     "<journal>.rejected-YYYYMMDD-HHMMSS, rewrites the journal atomically and appends a `halted`\n"
     "record (a lost line may have been the kill switch): check the account, then `oms resume`.\n"
     "--json prints what was found or done.\n"},
    {Command::resume, "resume", {}, {}, {}, {},
     "oms resume",
     "re-open submissions after the kill switch or the circuit breaker",
     "Releases the kill-switch latch and closes the circuit breaker, then prints the new state.\n"
     "Check the account first (buying power, open orders) when the breaker tripped.\n"},
    {Command::login, "login", {}, {"--import-token", "--timeout"}, {}, {},
     "oms login [--timeout SECONDS] | oms login --import-token FILE|-",
     "log in to Robinhood once (device approval included) and store the session",
     "Logs in with RH_USERNAME / RH_PASSWORD (asked for on a terminal when unset) and RH_MFA_SECRET\n"
     "or RH_MFA_CODE, from the device token kept in broker.token_path (created once, stored before the\n"
     "first attempt, so the broker sees one device). A new device must be approved: for a prompt,\n"
     "\"approve this login in the Robinhood app\" is shown with a countdown while oms waits; for a\n"
     "text-message or e-mail code, oms asks for it on the terminal, or reads one line from standard\n"
     "input when that is not a terminal. The session (mode 0600, folder 0700) is then used by every\n"
     "other command and bot, refreshed before it expires while an owner runs.\n\n"
     "Options:\n"
     "  --timeout SECONDS        how long to wait for the app's approval (default 300)\n"
     "  --import-token FILE|-    store an access token (a JWT) taken from a logged-in browser\n"
     "                           session instead: the token on the first line (\"Bearer \" allowed),\n"
     "                           optionally a refresh token on the second, or a JSON object\n"
     "                           {\"access_token\", \"refresh_token\"}. Its `exp` is read; its signature\n"
     "                           is not checked (the broker checks it on first use). A malformed\n"
     "                           token exits 2, an expired one 6.\n\n"
     "Exit 0 when logged in; 6 when the login was refused, denied or not approved in time.\n"},
    {Command::session, "session", {}, {}, {}, {},
     "oms session",
     "show the stored broker session: user, device, how obtained, expiry",
     "Reads broker.token_path (no broker call) and shows the session: state (valid, expiring,\n"
     "renewal_failed, expired, none), the masked user and device, how it was obtained (password\n"
     "login, with device approval, or an imported token), when it expires and whether it can be\n"
     "refreshed. Exits 0 when it is usable, 6 when `oms login` is needed.\n"},
    {Command::serve, "serve", {}, {"--http"}, {}, {},
     "oms serve [--http 127.0.0.1:PORT]",
     "own the journal and serve the control socket until SIGTERM or Ctrl-C",
     "Becomes the owner of the journal (its lock), recovers it against the broker, polls open\n"
     "orders every order_management.poll_interval_s and serves the control socket\n"
     "(order_management.control_socket, default <journal>.sock; docs/control-protocol.md): bots in\n"
     "any language place and follow orders through it, and every other `oms` command is carried\n"
     "out by this process. Prints one line, `serving <socket path>`, when ready. SIGTERM or Ctrl-C:\n"
     "stops accepting, lets requests in flight finish, removes the socket, exits 0. Fails when\n"
     "another process already owns the journal.\n\n"
     "Options:\n"
     "  --http ADDR       also serve the operator console (live orders, the kill switch, HEART,\n"
     "                    /metrics) on this loopback address (port 0 picks one; config:\n"
     "                    console.listen); prints `console http://ADDR/?token=TOKEN` once\n"},
    {Command::demo, "demo", {}, {"--run-root"}, {}, {},
     "oms demo [--run-root DIR]",
     "the scenario demo against an in-process simulator (what `make run` starts)",
     "Starts rh-sim on 127.0.0.1, runs the runtime live against it and walks through the seed's\n"
     "acceptance scenarios and edge cases, then prints a summary table and the HEART report.\n"
     "Needs no configuration and no credentials.\n\n"
     "Options:\n"
     "  --run-root DIR    where the run folder (journal and logs) is created (default runs)\n"},
};

}  // namespace

const std::vector<CommandSpec>& commands() { return kCommands; }

std::string overview_help() {
  std::string out =
      "oms — order management for Robinhood trading bots\n\n"
      "Usage: oms [global options] COMMAND [arguments]\n\nCommands:\n";
  for (const auto& c : kCommands) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-12s %s\n", c.name, c.summary);
    out += line;
  }
  // append(), not a chain of `+`: GCC 12 warns falsely (-Warray-bounds) on long temporaries.
  out.append("\nRun `oms COMMAND --help` for a command's arguments.\n\n");
  out.append(kGlobalOptions).append("\n").append(kOwner).append("\n").append(kCredentials).append("\n");
  out.append(kExitCodes);
  return out;
}

std::string command_help(const CommandSpec& spec) {
  std::string out = "Usage: ";
  out.append(spec.usage).append("\n\n").append(spec.summary).append(".\n\n").append(spec.details).append("\n");
  out.append(kGlobalOptions).append("\n").append(kExitCodes);
  return out;
}

}  // namespace oms::cli
