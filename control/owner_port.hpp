#pragma once
/// What the control endpoint asks of the process that owns the journal. The OrderManager
/// implements it (actors/owner_endpoint.*); control/ itself knows no actor, so the protocol, the
/// server and the client build without the runtime.
#include "config/config.hpp"
#include "control/order_rows.hpp"
#include "control/protocol.hpp"
#include "runtime/asio.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace oms::control {

class OwnerPort {
 public:
  virtual ~OwnerPort() = default;
  /// The owner's state now.
  virtual runtime::awaitable<Health> health() = 0;
  /// Waits up to `limit` for start-up recovery to end; the refusal when it failed or is still running.
  virtual runtime::awaitable<std::optional<Error>> ready(std::chrono::milliseconds limit) = 0;
  virtual runtime::awaitable<SubmissionResult> place(OrderRequest request) = 0;
  virtual runtime::awaitable<StatusReply> status(std::string order_id) = 0;
  /// The journal folded into rows (the owner reads its own journal; it never writes here).
  virtual std::vector<OrderRow> orders() = 0;
  /// The kill switch: `on_halted` is called as soon as the ledger refuses submissions, before
  /// any cancel is sent.
  virtual runtime::awaitable<CancelAllReport> cancel_all(std::string requested_by,
                                                         std::function<void(HaltAck)> on_halted) = 0;
  virtual runtime::awaitable<PendingOrders> resume(std::string requested_by) = 0;
  virtual runtime::awaitable<SyncResult> sync() = 0;
  /// The configuration the owner trades with (its strategies, its mode).
  virtual const config::Config& config() const = 0;
};

}  // namespace oms::control
