#pragma once
/// The five figures of issue 7, and issue 12's kill-switch figure. Each prints its numbers as it goes and returns them for
/// results.json; a run that errors throws BenchError (and `make bench` fails).
#include <boost/json/object.hpp>

#include "bench/harness.hpp"

namespace oms::bench {

/// 1. Cancel-all latency, 1/5/25/100 open orders, ours vs the baseline, until all are confirmed.
boost::json::object cancel_all_figure(const BenchOptions& options);
/// 2. Submission latency P50/P95/P99 and broker requests per order, ours vs the baseline.
boost::json::object submission_figure(const BenchOptions& options);
/// 3. CPU time per order through the actor path (paper) vs direct pricing; execute_trade overhead.
boost::json::object overhead_figure(const BenchOptions& options);
/// 4. Fill detection: poller at 15 s, 1 s and 250 ms; time from the broker's fill to the callback.
boost::json::object fill_detection_figure(const BenchOptions& options);
/// 5. Throughput: orders per second through the runtime (paper) on 1 and 2 threads.
boost::json::object throughput_figure(const BenchOptions& options);
/// 6. Issue 12: from `oms cancel-all` (a control client) starting to a busy owner refusing
/// submissions; and from the `oms` process starting to the owner's `halted` record.
boost::json::object halt_figure(const BenchOptions& options);
/// 7. Issue 16: submission latency with no alerts, and with alerts queued behind a hung webhook.
boost::json::object alerts_figure(const BenchOptions& options);

}  // namespace oms::bench
