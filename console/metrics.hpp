#pragma once
/// The owner's Prometheus metrics (GET /metrics, names prefixed `oms_`). Counters are plain
/// atomics bumped where the event already happens (the gateway's strand, the journal's
/// durable-record hook, OrderManager::submit's answer): no lock, no message, no allocation on
/// the order path. Gauges (open orders, halted, breaker, session expiry) are read from the
/// owner's health answer when a scrape asks. Rendering is pure and unit-tested.
#include "messages/submission.hpp"
#include "messages/time.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oms::console {

/// Upper bounds (ms) of the submission-latency histogram's buckets; +Inf is implicit. 750 and
/// 1500 are the seed's Task Success target and guardrail.
inline constexpr std::array<std::int64_t, 11> kLatencyBucketsMs{50, 100, 250, 500, 750, 1000, 1500, 2500, 5000, 10000, 30000};

/// One endpoint × status count of broker requests.
struct BrokerRequestCount {
  std::string endpoint;  ///< "place_order", "list_orders", …
  std::string status;    ///< "200", "429", … or "error" (no HTTP answer: refused, reset, timed out)
  std::uint64_t count = 0;
};

/// Everything the counters hold at one moment.
struct MetricsSnapshot {
  /// outcome → count: "accepted", "duplicate", then every SubmissionErrorCategory ("halted", …).
  std::vector<std::pair<std::string, std::uint64_t>> submissions;
  std::array<std::uint64_t, kLatencyBucketsMs.size()> latency_buckets{};  ///< per bucket, not cumulative
  std::uint64_t latency_count = 0;
  std::int64_t latency_sum_ms = 0;
  std::vector<BrokerRequestCount> broker_requests;
  std::uint64_t broker_requests_total = 0;
  std::uint64_t rate_limit_waits = 0;
  std::uint64_t fills = 0;
  std::uint64_t alerts_sent = 0;
  std::uint64_t alerts_failed = 0;   ///< given up after the retries (webhook) or failed (command)
  std::uint64_t alerts_dropped = 0;  ///< pushed out of a full queue
};

/// The owner's state a scrape reads (from the health answer).
struct Gauges {
  std::int64_t open_orders = 0;
  std::int64_t in_flight_sends = 0;
  bool halted = false;
  bool breaker_open = false;
  std::optional<Timestamp> session_expires_at;
  Timestamp started_at{};
  std::string mode;         ///< "paper" | "live"
  std::string broker_host;  ///< empty in paper
  bool ready = false;       ///< start-up recovery finished
  std::int64_t console_clients = 0;
};

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Any thread; lock-free.
  /// A submission's answer as the caller got it.
  void submission(const SubmissionResult& result);
  /// A submission's duration as the journal recorded it (`latency_ms` of envelope / submission_failed).
  void submission_latency(std::int64_t ms);
  /// One HTTP request to the broker; status 0: no HTTP answer.
  void broker_request(std::string_view endpoint, int status);
  /// A broker request waited for the client-side rate limiter.
  void rate_limit_wait() { rate_limit_waits_.fetch_add(1, std::memory_order_relaxed); }
  void fill() { fills_.fetch_add(1, std::memory_order_relaxed); }
  void alert_sent() { alerts_sent_.fetch_add(1, std::memory_order_relaxed); }
  void alert_failed() { alerts_failed_.fetch_add(1, std::memory_order_relaxed); }
  void alert_dropped() { alerts_dropped_.fetch_add(1, std::memory_order_relaxed); }

  MetricsSnapshot snapshot() const;

  /// Broker endpoints counted separately; later ones share the last slot ("other").
  static constexpr std::size_t kEndpoints = 31;
  /// Statuses counted separately; any other goes to its class ("2xx", "4xx", "5xx").
  static constexpr std::array<int, 16> kStatuses{0, 200, 201, 202, 204, 400, 401, 403, 404, 405, 409, 429, 500, 502, 503, 504};
  static constexpr std::size_t kStatusSlots = kStatuses.size() + 4;  ///< + 1xx/2xx/3xx, 4xx, 5xx, other

 private:
  struct EndpointSlot {
    std::atomic<int> state{0};  ///< 0 free, 1 being named, 2 named
    std::array<char, 32> name{};
    std::array<std::atomic<std::uint64_t>, kStatusSlots> by_status{};
  };
  EndpointSlot& endpoint_slot(std::string_view endpoint);

  std::vector<std::string> outcome_names_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> outcomes_;
  std::array<std::atomic<std::uint64_t>, kLatencyBucketsMs.size() + 1> latency_{};  // + the +Inf bucket
  std::atomic<std::int64_t> latency_sum_ms_{0};
  std::array<EndpointSlot, kEndpoints + 1> endpoints_{};  // the last one is "other"
  std::atomic<std::uint64_t> rate_limit_waits_{0};
  std::atomic<std::uint64_t> fills_{0};
  std::atomic<std::uint64_t> alerts_sent_{0};
  std::atomic<std::uint64_t> alerts_failed_{0};
  std::atomic<std::uint64_t> alerts_dropped_{0};
};

/// The Prometheus text exposition format (version 0.0.4) of the counters and gauges.
std::string render_prometheus(const MetricsSnapshot& counters, const Gauges& gauges);

/// The content type of render_prometheus's output.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace oms::console
