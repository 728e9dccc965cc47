#pragma once
/// One `oms` run's connection to the product: an OrderManager on an io_context driven by this
/// thread. Opening it runs start-up recovery, so every command that talks to the broker sees
/// the journal's duplicate guard, kill-switch latch and breaker. The only Asio-heavy part of
/// the CLI; the commands call it synchronously.
#include "apps/oms/cli_error.hpp"
#include "config/config.hpp"
#include "messages/cancel.hpp"
#include "messages/recovery.hpp"
#include "messages/safety.hpp"
#include "messages/status.hpp"
#include "messages/submission.hpp"

#include <functional>
#include <memory>
#include <string>

namespace oms::cli {

/// Holds SIGINT and SIGTERM pending (this thread and those it starts) until poll_until_signal
/// listens for them.
void block_stop_signals();

class Session {
 public:
  using FillPrinter = std::function<void(const FillEvent&)>;

  /// Builds the OrderManager (credentials from RH_USERNAME, RH_PASSWORD, RH_MFA_SECRET /
  /// RH_MFA_CODE) and runs recovery; a failed recovery is an error (nothing is sent). What
  /// recovery settled is said on a terminal (not with --json). `on_fill` sees the fills that
  /// recovery found (they happened while no process ran; each is delivered once, then).
  static outcome<std::unique_ptr<Session>> open(const config::Config& config, bool json, FillPrinter on_fill = nullptr);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const RecoveryReport& recovery() const;
  SubmissionResult submit(OrderRequest request);
  StatusReply status(std::string order_id);
  CancelAllReport cancel_all(std::string requested_by);
  /// One synchronisation pass; `on_fill` sees each new execution.
  SyncReport sync_once(FillPrinter on_fill);
  /// Polls every poll_interval_s, calling `on_fill`, until SIGINT or SIGTERM (also one that
  /// arrived while they were blocked by block_stop_signals()).
  void poll_until_signal(FillPrinter on_fill);
  /// Releases the kill switch and closes the breaker; the ledger's state afterwards.
  PendingOrders resume(std::string requested_by);

 private:
  struct Impl;
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace oms::cli
