#include "console/monitor.hpp"

#include "actors/journal_file.hpp"
#include "console/heart_report.hpp"
#include "control/order_rows.hpp"
#include "runtime/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/serialize.hpp>

namespace oms::console {
namespace asio = boost::asio;
namespace json = boost::json;
using runtime::awaitable;
using namespace std::chrono_literals;

namespace {

constexpr auto kSampleEvery = 1s;
constexpr std::size_t kRecentFills = 50;
constexpr auto kHeartEvery = 2s;

std::string text_of(const json::object& r, std::string_view key) {
  auto* v = r.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool is_broker_failure(const std::string& category) {
  return category == "broker_rejected" || category == "insufficient_funds" || category == "transient_exhausted" ||
         category == "ambiguous_unresolved";
}

AlertSettings alert_settings(const config::Config& c) {
  AlertSettings s;
  s.session_warning = std::chrono::seconds(c.alerts.session_warning_s);
  s.guardrails.p95_window = std::chrono::seconds(c.alerts.p95_window_s);
  s.guardrails.p95_sustain = std::chrono::seconds(c.alerts.p95_sustain_s);
  s.live = c.mode == ExecutionMode::live;
  return s;
}

void log_failure(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    log::error("console.monitor_failed", {{"error", x.what()}});
  }
}

}  // namespace

Monitor::Monitor(runtime::strand_type strand, control::OwnerPort& port, const config::Config& config,
                 std::shared_ptr<Metrics> metrics, std::shared_ptr<Notifier> notifier, std::function<Timestamp()> now)
    : strand_(std::move(strand)),
      port_(port),
      config_(config),
      metrics_(std::move(metrics)),
      notifier_(std::move(notifier)),
      alerts_(alert_settings(config)),
      timer_(strand_),
      now_(std::move(now)) {}

void Monitor::start() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    // The journal so far sets the state; its alerts were the previous owner's to send.
    for (const auto& r : journal::JournalFile::read_all(self->config_.order_management.journal_path)) {
      self->alerts_.replay(r);
      self->on_record(r);
    }
    self->alerts_.replayed(self->now_());
    asio::co_spawn(self->strand_, self->sample_loop(), log_failure);
  });
}

void Monitor::close() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->closed_ = true;
    self->timer_.cancel();
    self->listeners_.clear();
  });
}

void Monitor::record(json::object record) {
  asio::post(strand_, [self = shared_from_this(), record = std::move(record)] {
    if (self->closed_) return;
    self->on_record(record);
    self->send_alerts(self->alerts_.record(record, self->now_()));
    if (self->listeners_.empty()) return;
    auto kind = text_of(record, "kind");
    json::object data = record;
    data.erase("kind");
    self->broadcast(json::object{{"type", "event"}, {"kind", kind}, {"data", std::move(data)}});
    self->orders_changed();
  });
}

// State the page shows beside the health answer: who halted, why the breaker opened, fills.
void Monitor::on_record(const json::object& r) {
  auto kind = text_of(r, "kind");
  heart_dirty_ = true;
  if (kind == "fill") {
    fills_.push_front(r);
    if (fills_.size() > kRecentFills) fills_.pop_back();
  } else if (kind == "halted") {
    halted_by_ = text_of(r, "requested_by");
    halted_at_ = text_of(r, "ts");
  } else if (kind == "resumed") {
    breaker_reason_.clear();
    broker_failures_in_a_row_ = 0;
  } else if (kind == "envelope") {
    broker_failures_in_a_row_ = 0;
  } else if (kind == "submission_failed") {
    auto category = text_of(r, "category");
    if (category == "insufficient_funds") {
      breaker_reason_ = "insufficient funds: " + text_of(r, "detail");
    } else if (is_broker_failure(category)) {
      ++broker_failures_in_a_row_;
      breaker_reason_ = std::to_string(broker_failures_in_a_row_) + " broker failures in a row; the last: " +
                        text_of(r, "detail");
    }
  }
}

void Monitor::send_alerts(std::vector<Alert> alerts) {
  for (auto& a : alerts) {
    log::warn("alert.raised", {{"id", a.id}, {"summary", a.summary}});
    auto doc = alert_json(a);
    if (notifier_) notifier_->send(doc);
    if (!listeners_.empty()) broadcast(json::object{{"type", "alert"}, {"alert", std::move(doc)}});
  }
}

std::uint64_t Monitor::subscribe(Listener listener) {
  auto id = next_listener_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void Monitor::unsubscribe(std::uint64_t id) { listeners_.erase(id); }

void Monitor::broadcast(json::object message) {
  auto text = std::make_shared<const std::string>(json::serialize(message));
  auto copy = listeners_;  // a listener may unsubscribe itself
  for (auto& [id, listener] : copy) listener(text);
}

// Many records in a burst become one push of the order rows (the journal is read once).
void Monitor::orders_changed() {
  orders_dirty_ = true;
  if (orders_push_pending_) return;
  orders_push_pending_ = true;
  auto push = [](std::shared_ptr<Monitor> self) -> awaitable<void> {
    asio::steady_timer debounce(self->strand_, 250ms);
    co_await debounce.async_wait(runtime::as_tuple_awaitable);
    self->orders_push_pending_ = false;
    if (self->closed_ || self->listeners_.empty()) co_return;
    json::array rows;
    for (const auto& row : self->port_.orders()) rows.push_back(control::order_row_json(row));
    self->broadcast(json::object{{"type", "orders"}, {"orders", std::move(rows)}});
  };
  asio::co_spawn(strand_, push(shared_from_this()), log_failure);
}

awaitable<void> Monitor::sample_loop() {
  auto self = shared_from_this();
  while (!closed_) {
    auto sampled = sample();
    co_await std::move(sampled);
    timer_.expires_after(kSampleEvery);
    co_await timer_.async_wait(runtime::as_tuple_awaitable);
  }
}

awaitable<void> Monitor::sample() {
  auto asked = port_.health();
  control::Health h = co_await std::move(asked);
  if (closed_) co_return;
  health_ = h;
  auto now = now_();
  OwnerState state{h.halted, h.breaker_open, h.breaker_open ? breaker_reason_ : "", h.session_expires_at, h.session};
  send_alerts(alerts_.observe(state, now));
  send_alerts(alerts_.tick(now));
  // Broker requests per minute, from the counter.
  auto total = metrics_->snapshot().broker_requests_total;
  auto minute = std::chrono::duration_cast<std::chrono::minutes>(now.time_since_epoch()).count();
  if (per_minute_.empty() || per_minute_.back().first != minute) per_minute_.emplace_back(minute, 0);
  per_minute_.back().second += total - requests_seen_;
  requests_seen_ = total;
  while (per_minute_.size() > kMinutes) per_minute_.pop_front();
  if (!listeners_.empty()) {
    json::object message{{"type", "state"}, {"state", state_json()}, {"charts", charts_json()}};
    if (!heart_cache_ || heart_dirty_) message["heart"] = heart_json();
    message["fills"] = fills_json();
    broadcast(std::move(message));
  }
}

json::object Monitor::state_json() const {
  json::object s;
  if (!health_) {
    s["state"] = "starting";
    return s;
  }
  const auto& h = *health_;
  s = to_json_object(h);
  s.erase("journal_path");
  s.erase("socket_path");
  s["breaker_reason"] = h.breaker_open ? breaker_reason_ : "";
  s["halted_by"] = h.halted ? halted_by_ : "";
  s["halted_at"] = h.halted ? halted_at_ : "";
  s["now"] = format_iso8601(now_());
  return s;
}

Gauges Monitor::gauges() const {
  Gauges g;
  g.mode = config_.mode == ExecutionMode::live ? "live" : "paper";
  g.console_clients = static_cast<std::int64_t>(listeners_.size());
  if (!health_) return g;
  g.open_orders = health_->open_orders;
  g.in_flight_sends = health_->in_flight_sends;
  g.halted = health_->halted;
  g.breaker_open = health_->breaker_open;
  g.session_expires_at = health_->session_expires_at;
  g.started_at = health_->started_at;
  g.broker_host = health_->broker_host;
  g.ready = health_->state == "ready";
  return g;
}

json::object Monitor::charts_json() const {
  auto m = metrics_->snapshot();
  json::array buckets;
  for (std::size_t i = 0; i < kLatencyBucketsMs.size(); ++i)
    buckets.push_back(json::object{{"le_ms", kLatencyBucketsMs[i]}, {"count", m.latency_buckets[i]}});
  std::uint64_t inf = m.latency_count;
  for (auto c : m.latency_buckets) inf -= c;
  buckets.push_back(json::object{{"le_ms", nullptr}, {"count", inf}});
  json::array minutes;
  for (const auto& [minute, n] : per_minute_)
    minutes.push_back(json::object{{"minute", format_iso8601(Timestamp(std::chrono::minutes(minute)))}, {"requests", n}});
  return json::object{{"latency", std::move(buckets)}, {"latency_count", m.latency_count},
                      {"requests_per_minute", std::move(minutes)}};
}

json::array Monitor::fills_json() const {
  json::array fills;
  for (const auto& f : fills_) fills.push_back(f);
  return fills;
}

json::object Monitor::heart_json() {
  // The whole journal is read: at most once per kHeartEvery while records come.
  if (!heart_cache_ || (heart_dirty_ && std::chrono::steady_clock::now() - heart_at_ >= kHeartEvery)) {
    heart_dirty_ = false;
    heart_cache_ = heart::heart_report_json(heart::compute_heart_report(config_.order_management.journal_path));
    heart_at_ = std::chrono::steady_clock::now();
  }
  return *heart_cache_;
}

awaitable<void> Monitor::refresh() {
  auto sampled = sample();
  co_await std::move(sampled);
}

awaitable<json::object> Monitor::snapshot() {
  auto fresh = sample();
  co_await std::move(fresh);
  json::array rows;
  for (const auto& row : port_.orders()) rows.push_back(control::order_row_json(row));
  co_return json::object{{"state", state_json()}, {"orders", std::move(rows)}, {"fills", fills_json()},
                         {"heart", heart_json()}, {"charts", charts_json()}};
}

json::array Monitor::history(const std::string& order_id) const {
  auto records = journal::JournalFile::read_all(config_.order_management.journal_path);
  std::string ref_id;
  for (const auto& r : records)
    if (text_of(r, "order_id") == order_id && !text_of(r, "ref_id").empty()) ref_id = text_of(r, "ref_id");
  json::array out;
  for (const auto& r : records) {
    auto id = text_of(r, "order_id"), ref = text_of(r, "ref_id");
    if ((!id.empty() && id == order_id) || (!ref.empty() && (ref == ref_id || ref == order_id))) out.push_back(r);
  }
  return out;
}

}  // namespace oms::console
