// The Prometheus counters and their text format (console/metrics.*).
#include "console/metrics.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <thread>

using namespace oms;
using namespace oms::console;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

SubmissionResult accepted() {
  SubmissionResult r;
  r.envelope = OrderEnvelope{};
  return r;
}

SubmissionResult failed(SubmissionErrorCategory c) {
  SubmissionResult r;
  r.error = SubmissionError{c, "", "", "", ""};
  return r;
}

}  // namespace

TEST_CASE("submissions are counted by outcome, every category listed from zero") {
  Metrics m;
  m.submission(accepted());
  m.submission(accepted());
  auto dup = accepted();
  dup.duplicate = true;
  m.submission(dup);
  m.submission(failed(SubmissionErrorCategory::halted));
  auto text = render_prometheus(m.snapshot(), Gauges{});
  CHECK(has_line(text, "oms_submissions_total{outcome=\"accepted\"} 2"));
  CHECK(has_line(text, "oms_submissions_total{outcome=\"duplicate\"} 1"));
  CHECK(has_line(text, "oms_submissions_total{outcome=\"halted\"} 1"));
  CHECK(has_line(text, "oms_submissions_total{outcome=\"broker_rejected\"} 0"));
  CHECK(has_line(text, "# TYPE oms_submissions_total counter"));
}

TEST_CASE("the latency histogram is cumulative, in seconds, with +Inf, sum and count") {
  Metrics m;
  for (std::int64_t ms : {10, 50, 51, 700, 1600, 40000}) m.submission_latency(ms);
  auto text = render_prometheus(m.snapshot(), Gauges{});
  CHECK(has_line(text, "# TYPE oms_submission_duration_seconds histogram"));
  CHECK(has_line(text, "oms_submission_duration_seconds_bucket{le=\"0.050\"} 2"));
  CHECK(has_line(text, "oms_submission_duration_seconds_bucket{le=\"0.100\"} 3"));
  CHECK(has_line(text, "oms_submission_duration_seconds_bucket{le=\"0.750\"} 4"));
  CHECK(has_line(text, "oms_submission_duration_seconds_bucket{le=\"1.500\"} 4"));
  CHECK(has_line(text, "oms_submission_duration_seconds_bucket{le=\"2.500\"} 5"));
  CHECK(has_line(text, "oms_submission_duration_seconds_bucket{le=\"30.000\"} 5"));
  CHECK(has_line(text, "oms_submission_duration_seconds_bucket{le=\"+Inf\"} 6"));
  CHECK(has_line(text, "oms_submission_duration_seconds_sum 42.411"));
  CHECK(has_line(text, "oms_submission_duration_seconds_count 6"));
}

TEST_CASE("broker requests are counted by endpoint and status, a transport failure as error") {
  Metrics m;
  m.broker_request("place_order", 201);
  m.broker_request("place_order", 201);
  m.broker_request("place_order", 429);
  m.broker_request("place_order", 0);
  m.broker_request("list_orders", 200);
  m.broker_request("list_orders", 418);
  m.rate_limit_wait();
  auto text = render_prometheus(m.snapshot(), Gauges{});
  CHECK(has_line(text, "oms_broker_requests_total{endpoint=\"place_order\",status=\"201\"} 2"));
  CHECK(has_line(text, "oms_broker_requests_total{endpoint=\"place_order\",status=\"429\"} 1"));
  CHECK(has_line(text, "oms_broker_requests_total{endpoint=\"place_order\",status=\"error\"} 1"));
  CHECK(has_line(text, "oms_broker_requests_total{endpoint=\"list_orders\",status=\"4xx\"} 1"));
  CHECK(has_line(text, "oms_rate_limit_waits_total 1"));
  CHECK(m.snapshot().broker_requests_total == 6);
}

TEST_CASE("counters from many threads add up (lock-free, no request lost)") {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 1000; ++i) {
        m.broker_request(t % 2 ? "get_order" : "cancel_order", 200);
        m.submission_latency(i);
      }
    });
  for (auto& t : threads) t.join();
  auto s = m.snapshot();
  CHECK(s.broker_requests_total == 4000);
  CHECK(s.latency_count == 4000);
}

TEST_CASE("the gauges show halted, breaker, open orders and the session expiry") {
  Gauges g;
  g.halted = true;
  g.open_orders = 3;
  g.session_expires_at = Timestamp(std::chrono::seconds(1'800'000'000));
  g.mode = "live";
  g.broker_host = "api.robinhood.com";
  auto text = render_prometheus(Metrics().snapshot(), g);
  CHECK(has_line(text, "oms_halted 1"));
  CHECK(has_line(text, "oms_breaker_open 0"));
  CHECK(has_line(text, "oms_open_orders 3"));
  CHECK(has_line(text, "oms_session_expiry_time_seconds 1800000000"));
  CHECK(has_line(text, "oms_info{mode=\"live\",broker_host=\"api.robinhood.com\"} 1"));
  CHECK(text.find("# TYPE oms_session_expiry_time_seconds gauge") != std::string::npos);
  CHECK_FALSE(has_line(render_prometheus(Metrics().snapshot(), Gauges{}), "oms_session_expiry_time_seconds 0"));
}

TEST_CASE("every metric name has the oms_ prefix and a HELP and TYPE line") {
  Metrics m;
  m.broker_request("login", 200);
  auto text = render_prometheus(m.snapshot(), Gauges{});
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    INFO(l);
    if (l.rfind("# HELP ", 0) == 0 || l.rfind("# TYPE ", 0) == 0) CHECK(l.substr(7, 4) == "oms_");
    else CHECK(l.rfind("oms_", 0) == 0);
  }
}
