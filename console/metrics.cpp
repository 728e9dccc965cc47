#include "console/metrics.hpp"

#include <boost/describe/enum_to_string.hpp>
#include <boost/describe/enumerators.hpp>
#include <boost/mp11/algorithm.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>

namespace oms::console {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

std::size_t status_slot(int status) {
  auto known = std::find(Metrics::kStatuses.begin(), Metrics::kStatuses.end(), status);
  if (known != Metrics::kStatuses.end()) return static_cast<std::size_t>(known - Metrics::kStatuses.begin());
  std::size_t classes = Metrics::kStatuses.size();
  if (status >= 100 && status < 400) return classes;
  if (status >= 400 && status < 500) return classes + 1;
  if (status >= 500 && status < 600) return classes + 2;
  return classes + 3;
}

std::string status_label(std::size_t slot) {
  const auto& known = Metrics::kStatuses;
  if (slot < known.size()) return known[slot] == 0 ? "error" : std::to_string(known[slot]);
  static const char* const classes[] = {"2xx", "4xx", "5xx", "other"};
  return classes[slot - known.size()];
}

// Label values escaped as the exposition format asks (backslash, quote, newline).
std::string escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// Seconds with millisecond precision, from integers (no binary floating point in the product).
std::string seconds(std::int64_t ms) {
  std::string sign = ms < 0 ? "-" : "";
  ms = ms < 0 ? -ms : ms;
  std::string frac = std::to_string(ms % 1000);
  return sign + std::to_string(ms / 1000) + "." + std::string(3 - frac.size(), '0') + frac;
}

std::int64_t unix_seconds(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view labels, std::string_view value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(value).append("\n");
}

void gauge(std::string& out, std::string_view name, std::string_view help, std::int64_t value) {
  header(out, name, "gauge", help);
  sample(out, name, "", std::to_string(value));
}

}  // namespace

Metrics::Metrics() {
  outcome_names_ = {"accepted", "duplicate"};
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<SubmissionErrorCategory>>(
      [&](auto e) { outcome_names_.emplace_back(e.name); });
  outcomes_ = std::make_unique<std::atomic<std::uint64_t>[]>(outcome_names_.size());
  std::strncpy(endpoints_.back().name.data(), "other", endpoints_.back().name.size() - 1);
  endpoints_.back().state.store(2);
}

void Metrics::submission(const SubmissionResult& result) {
  std::size_t slot = 0;
  if (result.envelope) slot = result.duplicate ? 1 : 0;
  else if (result.error) {
    std::string_view name = boost::describe::enum_to_string(result.error->category, "internal");
    auto it = std::find(outcome_names_.begin() + 2, outcome_names_.end(), name);
    slot = static_cast<std::size_t>(it == outcome_names_.end() ? outcome_names_.size() - 1 : it - outcome_names_.begin());
  } else {
    return;  // neither: not an answer a caller can get
  }
  outcomes_[slot].fetch_add(1, relaxed);
}

void Metrics::submission_latency(std::int64_t ms) {
  auto bucket = std::lower_bound(kLatencyBucketsMs.begin(), kLatencyBucketsMs.end(), ms);  // le: ms <= bound
  latency_[static_cast<std::size_t>(bucket - kLatencyBucketsMs.begin())].fetch_add(1, relaxed);
  latency_sum_ms_.fetch_add(ms, relaxed);
}

// Names are claimed once per endpoint (a handful over a process's life); a race between two
// first requests of the same endpoint may claim two slots, which the snapshot adds up.
Metrics::EndpointSlot& Metrics::endpoint_slot(std::string_view endpoint) {
  if (endpoint.empty() || endpoint.size() >= endpoints_[0].name.size()) return endpoints_.back();
  for (std::size_t i = 0; i < kEndpoints; ++i) {
    auto& slot = endpoints_[i];
    int state = slot.state.load(std::memory_order_acquire);
    if (state == 2 && std::string_view(slot.name.data()) == endpoint) return slot;
    if (state == 0) {
      int expected = 0;
      if (slot.state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
        std::memcpy(slot.name.data(), endpoint.data(), endpoint.size());
        slot.state.store(2, std::memory_order_release);
        return slot;
      }
      if (expected == 2 && std::string_view(slot.name.data()) == endpoint) return slot;
    }
  }
  return endpoints_.back();
}

void Metrics::broker_request(std::string_view endpoint, int status) {
  endpoint_slot(endpoint).by_status[status_slot(status)].fetch_add(1, relaxed);
}

MetricsSnapshot Metrics::snapshot() const {
  MetricsSnapshot s;
  for (std::size_t i = 0; i < outcome_names_.size(); ++i) s.submissions.emplace_back(outcome_names_[i], outcomes_[i].load(relaxed));
  for (std::size_t i = 0; i < s.latency_buckets.size(); ++i) s.latency_buckets[i] = latency_[i].load(relaxed);
  for (const auto& b : latency_) s.latency_count += b.load(relaxed);
  s.latency_sum_ms = latency_sum_ms_.load(relaxed);
  std::map<std::pair<std::string, std::string>, std::uint64_t> requests;
  for (const auto& slot : endpoints_) {
    if (slot.state.load(std::memory_order_acquire) != 2) continue;
    for (std::size_t st = 0; st < kStatusSlots; ++st)
      if (auto n = slot.by_status[st].load(relaxed)) requests[{std::string(slot.name.data()), status_label(st)}] += n;
  }
  for (const auto& [key, n] : requests) {
    s.broker_requests.push_back({key.first, key.second, n});
    s.broker_requests_total += n;
  }
  s.rate_limit_waits = rate_limit_waits_.load(relaxed);
  s.fills = fills_.load(relaxed);
  s.alerts_sent = alerts_sent_.load(relaxed);
  s.alerts_failed = alerts_failed_.load(relaxed);
  s.alerts_dropped = alerts_dropped_.load(relaxed);
  return s;
}

std::string render_prometheus(const MetricsSnapshot& c, const Gauges& g) {
  std::string out;
  header(out, "oms_info", "gauge", "The owner's mode and broker host (always 1).");
  sample(out, "oms_info", "mode=\"" + escape(g.mode) + "\",broker_host=\"" + escape(g.broker_host) + "\"", "1");
  gauge(out, "oms_ready", "1 once start-up recovery has finished and submissions may be sent.", g.ready);
  gauge(out, "oms_start_time_seconds", "When the owner started (Unix time).", unix_seconds(g.started_at));

  header(out, "oms_submissions_total", "counter", "Order submissions answered, by outcome (accepted, duplicate, or the error category).");
  for (const auto& [outcome, n] : c.submissions) sample(out, "oms_submissions_total", "outcome=\"" + escape(outcome) + "\"", std::to_string(n));

  header(out, "oms_submission_duration_seconds", "histogram",
         "Submission duration from the intent to the broker's answer, as journalled (latency_ms).");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kLatencyBucketsMs.size(); ++i) {
    cumulative += c.latency_buckets[i];
    sample(out, "oms_submission_duration_seconds_bucket", "le=\"" + seconds(kLatencyBucketsMs[i]) + "\"", std::to_string(cumulative));
  }
  sample(out, "oms_submission_duration_seconds_bucket", "le=\"+Inf\"", std::to_string(c.latency_count));
  sample(out, "oms_submission_duration_seconds_sum", "", seconds(c.latency_sum_ms));
  sample(out, "oms_submission_duration_seconds_count", "", std::to_string(c.latency_count));

  header(out, "oms_broker_requests_total", "counter", "HTTP requests sent to the broker, by endpoint and status (error: no HTTP answer).");
  for (const auto& r : c.broker_requests)
    sample(out, "oms_broker_requests_total", "endpoint=\"" + escape(r.endpoint) + "\",status=\"" + escape(r.status) + "\"",
           std::to_string(r.count));
  header(out, "oms_rate_limit_waits_total", "counter", "Broker requests that waited for the client-side rate limiter.");
  sample(out, "oms_rate_limit_waits_total", "", std::to_string(c.rate_limit_waits));
  header(out, "oms_fills_total", "counter", "Executions journalled (each execution id once).");
  sample(out, "oms_fills_total", "", std::to_string(c.fills));

  gauge(out, "oms_open_orders", "Orders the owner's safety ledger holds as open at the broker.", g.open_orders);
  gauge(out, "oms_in_flight_sends", "Submissions on their way to the broker now.", g.in_flight_sends);
  gauge(out, "oms_halted", "1 while the kill switch is engaged (submissions refused until resume).", g.halted);
  gauge(out, "oms_breaker_open", "1 while the circuit breaker is open (submissions refused until resume).", g.breaker_open);
  if (g.session_expires_at)
    gauge(out, "oms_session_expiry_time_seconds", "When the broker session expires (Unix time).", unix_seconds(*g.session_expires_at));

  header(out, "oms_alerts_total", "counter", "Alerts by delivery result (sent, failed after the retries, dropped from a full queue).");
  sample(out, "oms_alerts_total", "result=\"sent\"", std::to_string(c.alerts_sent));
  sample(out, "oms_alerts_total", "result=\"failed\"", std::to_string(c.alerts_failed));
  sample(out, "oms_alerts_total", "result=\"dropped\"", std::to_string(c.alerts_dropped));
  gauge(out, "oms_console_clients", "Console pages connected for live updates.", g.console_clients);
  return out;
}

}  // namespace oms::console
