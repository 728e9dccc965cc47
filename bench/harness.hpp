#pragma once
/// What every figure needs: rh-sim on its own thread, an OrderManager on its own runtime, a fast
/// order seeder, the benchmark configuration, and printing.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/json/object.hpp>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "actors/order_manager.hpp"
#include "apps/rh-sim/hosted.hpp"
#include "bench/http.hpp"
#include "bench/stats.hpp"

namespace oms::bench {

/// A run that cannot produce its figure (a refused order, an order left open): `make bench` fails.
struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What the command line chose.
struct BenchOptions {
  bool quick = false;
  std::vector<int> rtts_ms{0, 20, 50, 100};
  std::filesystem::path work_dir;  ///< journals and token files (on disk: fsync costs what it costs)
};

/// rh-sim started on its own io_context and thread, so it never shares the product's threads.
class SimHost : public rhsim::HostedSimulator {
 public:
  explicit SimHost(int latency_ms);
};

/// The product's configuration for benchmarks: the defaults except the client-side rate limit,
/// raised so the token bucket (4 requests/s by default) does not dominate every figure.
config::Config live_config(const std::string& base_url, const std::filesystem::path& journal,
                           const std::filesystem::path& token);
config::Config paper_config(const std::filesystem::path& journal);
/// What results.json records of the configuration used.
boost::json::object config_summary();

/// An OrderManager on its own runtime with `threads` threads; closed and joined on destruction.
class OmHost {
 public:
  OmHost(const config::Config& config, unsigned threads);
  ~OmHost();
  OrderManager& om() { return *om_; }
  runtime::Runtime& rt() { return rt_; }

  /// Runs `op` on the runtime and blocks the calling thread for its result.
  template <class T>
  T wait(runtime::awaitable<T> op, std::chrono::seconds limit = std::chrono::seconds(300)) {
    auto done = std::make_shared<std::promise<T>>();
    auto result = done->get_future();
    boost::asio::co_spawn(rt_.context(), std::move(op), [done](std::exception_ptr e, T value) {
      if (e)
        done->set_exception(e);
      else
        done->set_value(std::move(value));
    });
    if (result.wait_for(limit) != std::future_status::ready)
      throw BenchError("the order manager did not answer in time");
    return result.get();
  }
  void wait_void(runtime::awaitable<void> op, std::chrono::seconds limit = std::chrono::seconds(300));
  /// Start-up recovery; a failure is a BenchError.
  void start();
  /// HTTP requests the live gateway has sent so far.
  std::size_t gateway_requests();

 private:
  runtime::Runtime rt_;
  std::unique_ptr<OrderManager> om_;
};

/// Places resting limit buys straight through the API on several connections (setup, untimed).
class Seeder {
 public:
  explicit Seeder(std::uint16_t port);
  /// `count` buys of 1 share in `symbol`, each at its own price just under `top`; waits until the
  /// broker has confirmed them all. Returns their ids.
  std::vector<std::string> place(const std::string& symbol, int count, double top);

 private:
  std::uint16_t port_;
  std::string token_, account_url_;
  std::map<std::string, std::string> instrument_urls_;
};

/// Runs fn(0) … fn(n-1) on n threads at once; rethrows the first failure after all have ended.
void parallel_for(int n, const std::function<void(int)>& fn);

/// Logs in to the simulator (demo/demo) and returns an access token.
std::string sim_login(HttpClient& http);

/// A valid ticker for an index: "B" followed by four letters (BAAAA, BAAAB, …), prefixed by `lead`.
std::string ticker(char lead, std::size_t index);
/// "12.34" for a price in cents.
std::string cents_text(long cents);
/// Median fdatasync latency of a small append-only file in `dir`, in microseconds.
double fdatasync_us(const std::filesystem::path& dir, int samples = 40);

/// A line of progress on stdout, flushed (figures print as they run).
void say(const std::string& line);
std::string fmt(double value, int decimals = 1);

}  // namespace oms::bench
