// `oms`: parse, configure, open the logs, dispatch; every failure ends as one line on stderr.
#include "apps/oms/cli_commands.hpp"
#include "apps/oms/cli_config.hpp"
#include "apps/oms/cli_help.hpp"
#include "apps/oms/cli_output.hpp"
#include "apps/oms/demo.hpp"
#include "runtime/log.hpp"

#include <exception>

namespace oms::cli {
namespace {

// Boost.Log prints to the terminal while no sink exists, so nothing is logged before open_logs().
bool logs_open = false;

// JSON lines in DIR/oms.log; the console stays quiet (the CLI prints its own one-line errors).
std::optional<CliError> open_logs(const std::string& dir) {
  std::string path = dir + "/oms.log";
  if (!log::add_json_file(path))
    return usage_error("--log-dir", "cannot write " + path, "choose a writable folder with --log-dir DIR");
  logs_open = true;
  return std::nullopt;
}

int dispatch(const Invocation& inv, const config::Config& config) {
  switch (inv.command()) {
    case Command::buy:
    case Command::sell: return run_trade(inv, config);
    case Command::status: return run_status(inv, config);
    case Command::cancel_all: return run_cancel_all(inv, config);
    case Command::resume: return run_resume(inv, config);
    case Command::sync: return run_sync(inv, config);
    case Command::orders: return run_orders(inv, config);
    case Command::report: return run_report(inv, config);
    case Command::serve: return run_serve(inv, config);
    case Command::journal: return run_journal(inv, config);
    case Command::login: return run_login(inv, config);
    case Command::session: return run_session(inv, config);
    case Command::demo:
    case Command::none: break;
  }
  return fail(usage_error("command", "is required", "run `oms --help` for the commands"));
}

int run(int argc, char** argv) {
  auto inv = parse_args(std::vector<std::string>(argv + 1, argv + argc));
  if (!inv) return fail(inv.error());
  if (inv->help) {
    print_text(inv->spec ? command_help(*inv->spec) : overview_help());
    return exit_ok;
  }
  // The demo brings its own simulator, configuration and run folder.
  if (inv->command() == Command::demo) return run_demo_command(*inv);
  auto config = effective_config(inv->globals);
  if (!config) return fail(config.error());
  if (auto e = open_logs(inv->globals.log_dir)) return fail(*e);
  log::info("cli.command", {{"command", inv->spec->name},
                            {"mode", boost::describe::enum_to_string(config->mode, "")},
                            {"json", inv->globals.json}});
  return dispatch(*inv, *config);
}

}  // namespace

int fail(const CliError& error) {
  print_error(error);
  if (logs_open) log::warn("cli.error", {{"exit_code", error.exit_code}, {"error", error.line()}});
  return error.exit_code;
}

int run_demo_command(const Invocation& inv) {
  DemoOptions options;
  if (auto root = inv.option("--run-root")) options.run_root = *root;
  options.json = inv.globals.json;
  return run_demo(options);
}

int run_cli(int argc, char** argv) {
  log::set_console(false);  // quiet from the first line: errors are printed once, by fail()
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    // A bug, not an operator error: still one line, no stack trace.
    return fail(CliError{exit_failure, "internal", e.what(), "this is a bug; the log (--log-dir, default logs/oms.log) has details"});
  } catch (...) {
    return fail(CliError{exit_failure, "internal", "unknown failure", "this is a bug; see the log"});
  }
}

}  // namespace oms::cli
