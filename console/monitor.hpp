#pragma once
/// What the console shows and what the alerts watch, kept on one strand: the owner's health
/// (asked every second through the control port, like `oms` asks it), the journal's durable
/// records as they come (the control endpoint's event stream), the HEART guardrails and the
/// alert state machine, the recent fills, and broker requests per minute. Live pages subscribe
/// and get each change as one JSON text; alerts go to the Notifier. The order path only posts
/// records here (from the journal's durable hook); nothing here is awaited by it.
#include "config/config.hpp"
#include "console/alert_state.hpp"
#include "console/metrics.hpp"
#include "console/notifier.hpp"
#include "control/owner_port.hpp"
#include "runtime/asio.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace oms::console {

class Monitor : public std::enable_shared_from_this<Monitor> {
 public:
  /// Receives one JSON text per change (on the monitor's strand).
  using Listener = std::function<void(std::shared_ptr<const std::string> message)>;

  /// `now` is the owner's clock (the runtime's: virtual in tests). `notifier` may be null (no alerts).
  Monitor(runtime::strand_type strand, control::OwnerPort& port, const config::Config& config,
          std::shared_ptr<Metrics> metrics, std::shared_ptr<Notifier> notifier, std::function<Timestamp()> now);
  /// Reads the journal (state without alerts) and starts the health sampler.
  void start();
  /// A durable journal record (any thread).
  void record(boost::json::object record);
  void close();
  /// Set before start(): where alerts go.
  void set_notifier(std::shared_ptr<Notifier> notifier) { notifier_ = std::move(notifier); }
  const runtime::strand_type& strand() const { return strand_; }

  // On the strand:
  std::uint64_t subscribe(Listener listener);
  void unsubscribe(std::uint64_t id);
  std::size_t listeners() const { return listeners_.size(); }
  /// Asks the owner's health now and tells the pages (after the kill switch or resume).
  runtime::awaitable<void> refresh();
  /// Everything a page shows, as one object: state (asked now), orders, fills, HEART, charts.
  runtime::awaitable<boost::json::object> snapshot();
  /// The owner's last health answer as the page shows it (no secrets: the journal path is local).
  boost::json::object state_json() const;
  /// The gauges a scrape reports.
  Gauges gauges() const;
  /// Every journal record of one order (by broker id or ref_id), oldest first.
  boost::json::array history(const std::string& order_id) const;
  /// Sends `message` to every live page (the kill switch's progress).
  void broadcast(boost::json::object message);

 private:
  runtime::awaitable<void> sample_loop();
  runtime::awaitable<void> sample();
  void on_record(const boost::json::object& record);
  void send_alerts(std::vector<Alert> alerts);
  boost::json::object charts_json() const;
  boost::json::object heart_json();
  boost::json::array fills_json() const;
  void orders_changed();

  runtime::strand_type strand_;
  control::OwnerPort& port_;
  config::Config config_;
  std::shared_ptr<Metrics> metrics_;
  std::shared_ptr<Notifier> notifier_;
  AlertState alerts_;
  boost::asio::steady_timer timer_;
  bool closed_ = false;
  std::optional<control::Health> health_;
  std::function<Timestamp()> now_;
  std::string breaker_reason_;
  int broker_failures_in_a_row_ = 0;
  std::string halted_by_, halted_at_;
  std::deque<boost::json::object> fills_;  ///< the most recent first
  std::map<std::uint64_t, Listener> listeners_;
  std::uint64_t next_listener_ = 1;
  // Broker requests per minute, the last kMinutes minutes (oldest first).
  static constexpr std::size_t kMinutes = 30;
  std::deque<std::pair<std::int64_t, std::uint64_t>> per_minute_;  ///< (unix minute, requests)
  std::uint64_t requests_seen_ = 0;
  bool orders_dirty_ = true;
  bool orders_push_pending_ = false;
  std::optional<boost::json::object> heart_cache_;
  bool heart_dirty_ = false;
  std::chrono::steady_clock::time_point heart_at_{};
};

}  // namespace oms::console
