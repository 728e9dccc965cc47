#pragma once
/// rh-sim on its own io_context thread, as a broker across the network would be. Tests,
/// `oms demo`, the example bot and the benchmarks host one so the simulator never shares the
/// product's threads or state.
#include "apps/rh-sim/simulator.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <string>
#include <thread>

namespace rhsim {

class HostedSimulator {
 public:
  /// Binds 127.0.0.1 (options.port, 0 = any free port) and starts serving on a new thread.
  explicit HostedSimulator(const Options& options);
  /// Stops the simulator and joins its thread.
  ~HostedSimulator();
  HostedSimulator(const HostedSimulator&) = delete;
  HostedSimulator& operator=(const HostedSimulator&) = delete;

  Simulator& sim() { return sim_; }
  std::uint16_t port() const { return port_; }
  std::string base_url() const { return sim_.base_url(); }

 private:
  boost::asio::io_context ctx_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  Simulator sim_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace rhsim
