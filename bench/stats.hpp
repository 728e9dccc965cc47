#pragma once
/// Latency samples and their summaries (nearest-rank percentiles, as `oms report` uses), plus the
/// clocks the benchmarks read: wall time and this process's CPU time.
#include <boost/json/object.hpp>
#include <chrono>
#include <cstddef>
#include <utility>
#include <vector>

namespace oms::bench {

/// The nearest-rank percentile of `values` (p in 0..100); 0 for no values.
double percentile(std::vector<double> values, double p);

/// What a table row shows of one set of samples (milliseconds unless a field says otherwise).
struct Summary {
  std::size_t count = 0;
  double min = 0, p50 = 0, p95 = 0, p99 = 0, max = 0, mean = 0;
};
Summary summarize(const std::vector<double>& values);
/// {"count", "min_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms"}.
boost::json::object to_json(const Summary& s);

/// Milliseconds between two steady-clock points.
double ms_between(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to);
/// CPU time this process has used so far (every thread, user + system), in nanoseconds.
double process_cpu_ns();
/// CPU time this process has used so far, split into user and system (kernel) time, in nanoseconds.
std::pair<double, double> process_user_system_ns();
/// The 1, 5 and 15 minute load averages (other work on the machine shows here).
std::vector<double> load_average();

}  // namespace oms::bench
