// `oms serve`: this process becomes the journal's owner and stays it until SIGTERM or SIGINT —
// the runtime, the poller and the control endpoint, for bots in any language and for the
// operator's other `oms` commands.
#include "apps/oms/cli_commands.hpp"
#include "apps/oms/cli_output.hpp"
#include "apps/oms/cli_owner.hpp"
#include "apps/oms/cli_session.hpp"

#include <filesystem>

namespace oms::cli {

int run_serve(const Invocation& inv, const config::Config& configured) {
  config::Config config = configured;
  if (auto http = inv.option("--http")) {
    if (auto rule = config::check_console_listen(*http); !rule.empty())
      return fail(CliError{exit_usage, "--http", rule, "e.g. oms serve --http 127.0.0.1:8470"});
    config.console.listen = *http;
  }
  block_stop_signals();  // SIGTERM during start-up: a clean stop once it listens, not a kill
  auto link = OwnerLink::connect(config, inv, OwnerNeeds{true});
  if (!link) return fail(link.error());
  const auto& owner = (*link)->owner();
  if (!(*link)->local())
    return fail(CliError{exit_failure, "serve",
                         "process " + std::to_string(owner.owner_pid) + " already owns the journal " +
                             owner.journal_path + " and serves " + owner.socket_path,
                         "use it (every oms command reaches it), or stop it first"});
  std::error_code ec;
  auto path = std::filesystem::absolute(owner.socket_path, ec);
  // The one line a supervisor or a test waits for.
  print_text("serving " + (ec ? owner.socket_path : path.string()) + "\n");
  // The console's address with its token, once: the operator opens it (a secret: never logged).
  if (auto url = (*link)->console_url(); !url.empty()) print_text("console " + url + "\n");
  Progress progress(inv.globals.json);
  progress.say(owner_text(owner, config).substr(0, owner_text(owner, config).size() - 1) +
               "; SIGTERM or Ctrl-C stops it");
  (*link)->watch_signals();
  while ((*link)->listen(std::chrono::hours(24), {})) {
  }
  progress.say("stopping: requests in flight finish, then the socket is removed");
  return exit_ok;  // the link's end drains the endpoint and stops the runtime
}

}  // namespace oms::cli
