#pragma once
// How a test waits for another thread or process: it polls a condition until it holds or a
// generous deadline passes. Never a sleep as synchronisation, and nothing here is timed.
#include <chrono>
#include <thread>

namespace testsupport {

template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds deadline = std::chrono::seconds(30),
                std::chrono::milliseconds every = std::chrono::milliseconds(5)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(every);
  }
  return done();
}

}  // namespace testsupport
