#include "apps/rh-sim/hosted.hpp"

#include <chrono>

namespace rhsim {

HostedSimulator::HostedSimulator(const Options& options) : guard_(ctx_.get_executor()), sim_(ctx_, options) {
  port_ = sim_.start();
  thread_ = std::thread([this] { ctx_.run(); });
}

HostedSimulator::~HostedSimulator() {
  sim_.stop();
  guard_.reset();
  // stop() closes everything, so run() returns by itself; the deadline only guards a bug.
  for (int i = 0; i < 300 && !ctx_.stopped(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ctx_.stop();
  thread_.join();
}

}  // namespace rhsim
