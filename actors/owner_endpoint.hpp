#pragma once
/// The OrderManager's side of the control endpoint (docs/control-protocol.md): it serves the
/// journal owner's socket, answers requests through the same OrderManager calls a bot makes,
/// tracks start-up (recovering → ready or recovery_failed) and streams durable journal records
/// to subscribers. One per OrderManager; its state lives on its own strand.
#include "control/owner_port.hpp"
#include "control/server.hpp"
#include "runtime/runtime.hpp"

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace oms {
class OrderManager;
}

namespace oms::actors {

class OwnerEndpoint final : public control::OwnerPort,
                            public runtime::StopListener,
                            public std::enable_shared_from_this<OwnerEndpoint> {
 public:
  /// Where start-up is.
  enum class Phase { recovering, ready, recovery_failed, stopping };

  OwnerEndpoint(runtime::Runtime& rt, OrderManager& om, const config::Config& config);
  ~OwnerEndpoint() override;

  /// Binds the socket and starts accepting; the refusal (one line: rule — what to do) otherwise.
  std::optional<std::string> open();
  bool serving() const noexcept { return server_.load() != nullptr; }
  const std::string& socket_path() const noexcept { return socket_path_; }
  /// Start-up progress (any thread): requests waiting for `ready` are released or refused.
  void set_phase(Phase phase, std::string error = {});
  /// A durable journal record for subscribers (any thread).
  void publish(const boost::json::object& record);
  /// A fill the poller announced (on the poller's strand): kept for the `sync` in progress.
  void fill_seen(const FillEvent& fill);
  /// Stops accepting, lets requests in flight finish (at most `grace`), closes the connections.
  runtime::awaitable<void> shutdown(std::chrono::milliseconds grace);
  /// Closes the endpoint now (idempotent, any thread).
  void close();
  void on_runtime_stop() override { close(); }

  // control::OwnerPort
  runtime::awaitable<control::Health> health() override;
  runtime::awaitable<std::optional<control::Error>> ready(std::chrono::milliseconds limit) override;
  runtime::awaitable<SubmissionResult> place(OrderRequest request) override;
  runtime::awaitable<StatusReply> status(std::string order_id) override;
  std::vector<control::OrderRow> orders() override;
  runtime::awaitable<CancelAllReport> cancel_all(std::string requested_by,
                                                 std::function<void(control::HaltAck)> on_halted) override;
  runtime::awaitable<PendingOrders> resume(std::string requested_by) override;
  runtime::awaitable<control::SyncResult> sync() override;
  const config::Config& config() const override { return config_; }

 private:
  runtime::awaitable<PendingOrders> ledger_state();
  runtime::awaitable<std::optional<control::Error>> wait_ready(std::chrono::milliseconds limit);
  std::optional<control::Error> phase_refusal() const;
  /// Throws (an `internal` error line for the client) once the endpoint is closed: the
  /// OrderManager may be gone by the time a request in flight resumes.
  void require_open() const;

  runtime::Runtime& rt_;
  OrderManager& om_;
  config::Config config_;
  std::string socket_path_;
  runtime::strand_type strand_;  // phase_, waiters_
  Phase phase_ = Phase::recovering;
  std::string recovery_error_;
  std::list<std::shared_ptr<boost::asio::steady_timer>> waiters_;  // requests waiting for ready
  std::shared_ptr<control::Dispatcher> dispatcher_;
  std::atomic<std::shared_ptr<control::Server>> server_;  // set by open(), read by any thread
  std::atomic<bool> closed_{false};  // after close(), nothing here touches the OrderManager again
  Timestamp started_at_{};
  // The `sync` passes in progress collect the fills the poller announces (poller strand only).
  std::vector<std::shared_ptr<std::vector<FillEvent>>> fill_collectors_;
};

}  // namespace oms::actors
