#pragma once
/// The subcommands. Each prints its result on stdout (JSON with --json), its error as one line
/// on stderr, and returns the exit code.
#include "apps/oms/cli_args.hpp"
#include "config/config.hpp"

namespace oms::cli {

int run_trade(const Invocation& inv, const config::Config& config);       // buy, sell
int run_status(const Invocation& inv, const config::Config& config);
int run_cancel_all(const Invocation& inv, const config::Config& config);
int run_resume(const Invocation& inv, const config::Config& config);
int run_sync(const Invocation& inv, const config::Config& config);
int run_orders(const Invocation& inv, const config::Config& config);
int run_report(const Invocation& inv, const config::Config& config);
int run_serve(const Invocation& inv, const config::Config& config);
int run_journal(const Invocation& inv, const config::Config& config);  // journal check|repair
int run_demo_command(const Invocation& inv);
int run_login(const Invocation& inv, const config::Config& config);    // login, login --import-token
int run_session(const Invocation& inv, const config::Config& config);

/// Prints the error line and returns its exit code.
int fail(const CliError& error);

/// The whole program: parse, configure, log, dispatch. Never throws.
int run_cli(int argc, char** argv);

}  // namespace oms::cli
