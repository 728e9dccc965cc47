#pragma once
/// Delivers alerts (docs/runbook.md, "Alerts"): a webhook (JSON POST, retried with backoff) and
/// a command (run with /bin/sh -c, the alert as JSON on its stdin, killed after its timeout),
/// either or both. Each has its own bounded queue and its own worker on the notifier's strand,
/// so a hung webhook delays neither the command nor anything else: send() only queues (the
/// oldest alert is dropped, and counted, when a queue is full). Nothing here is on the order path.
#include "config/config.hpp"
#include "console/metrics.hpp"
#include "runtime/asio.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <deque>
#include <memory>
#include <string>

namespace oms::console {

class Notifier : public std::enable_shared_from_this<Notifier> {
 public:
  /// The webhook's retries: at most kAttempts, waiting kFirstDelay, doubling up to kMaxDelay.
  static constexpr int kAttempts = 6;
  static constexpr std::chrono::milliseconds kFirstDelay{500};
  static constexpr std::chrono::milliseconds kMaxDelay{30'000};

  /// `identity` goes with every alert as "owner" (pid, mode, broker host, journal).
  Notifier(boost::asio::io_context& ctx, config::AlertsConfig config, std::shared_ptr<Metrics> metrics,
           boost::json::object identity);
  ~Notifier();
  /// The webhook URL's rule, when it cannot be used; empty when fine (or none is configured).
  std::string check() const;
  /// Queues `alert` (alert_json) for every configured channel. Any thread; never waits.
  void send(boost::json::object alert);
  /// Stops the workers; queued alerts are not sent.
  void close();

 private:
  struct Channel;
  void enqueue(const std::shared_ptr<Channel>& channel, std::shared_ptr<const std::string> body);
  runtime::awaitable<void> work(std::shared_ptr<Channel> channel);
  runtime::awaitable<bool> post_webhook(std::shared_ptr<const std::string> body);
  runtime::awaitable<bool> run_command(std::shared_ptr<const std::string> body);

  boost::asio::io_context& ctx_;
  config::AlertsConfig config_;
  std::shared_ptr<Metrics> metrics_;
  boost::json::object identity_;
  runtime::strand_type strand_;
  std::shared_ptr<Channel> webhook_;
  std::shared_ptr<Channel> command_;
  std::shared_ptr<void> pool_;  ///< the webhook's connection (gateway::ConnectionPool), made on first use
  bool closed_ = false;
};

}  // namespace oms::console
