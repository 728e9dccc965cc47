#pragma once
/// This `oms` run as the journal's owner: an OrderManager on a runtime thread of its own, serving
/// the control endpoint while the command runs. Opening it runs start-up recovery, so whatever
/// the command asks sees the journal's duplicate guard, kill-switch latch and breaker. The
/// command itself then talks to it through the control socket like any other client (one code
/// path, cli_owner.cpp). The only Asio-heavy part of the CLI besides the client.
#include "apps/oms/cli_error.hpp"
#include "config/config.hpp"
#include "messages/recovery.hpp"
#include "messages/status.hpp"

#include <memory>
#include <string>
#include <vector>

namespace oms::cli {

/// Holds SIGINT and SIGTERM pending (this thread and the threads it starts) until
/// release_stop_signals(): a long-running command (sync, serve) stops cleanly even when the
/// signal arrives during its start-up.
void block_stop_signals();
/// Delivers the held signals to this thread, once something listens for them.
void release_stop_signals();

class Session {
 public:
  /// A session, or the pid of the process that holds the journal (another owner won the race).
  struct Opened {
    std::unique_ptr<Session> session;
    int locked_by = 0;
  };

  /// Builds the OrderManager (credentials from RH_USERNAME, RH_PASSWORD, RH_MFA_SECRET /
  /// RH_MFA_CODE), opens the endpoint and runs recovery; a failed recovery is an error (nothing is
  /// sent). What recovery settled is said on a terminal (not with --json). `poll`: the
  /// StatusPoller runs every poll_interval_s, and the console and alerts run when configured
  /// (`oms serve`). `kill_switch`: a recovery that failed only because the broker's orders could
  /// not be listed still opens the session (submissions blocked, the journal's open orders in the
  /// ledger), so `oms cancel-all` halts and cancels them.
  static outcome<Opened> open(const config::Config& config, bool json, bool poll = false, bool kill_switch = false);
  /// Stops accepting, lets the requests of other clients in flight finish, closes, stops.
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const RecoveryReport& recovery() const;
  /// The fills start-up recovery found (they happened while no process ran): journalled and
  /// delivered once, now — the command that became the owner prints them.
  const std::vector<FillEvent>& recovery_fills() const;
  const std::string& socket_path() const;
  /// The console's URL with its token, when this owner serves it (`oms serve --http`).
  std::string console_url() const;

 private:
  struct Impl;
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace oms::cli
