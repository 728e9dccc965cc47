#include "runtime/clock.hpp"

namespace oms::runtime {

Timestamp RealClock::now() const {
  return std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
}

awaitable<error_code> RealClock::sleep_for(Duration d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  auto [ec] = co_await timer.async_wait(as_tuple_awaitable);
  co_return ec;
}

// A sleeper waits on a timer that never expires by itself; the virtual clock wakes it by
// cancelling that timer on the sleeper's own executor, after marking it as woken.
struct VirtualClock::Sleeper {
  explicit Sleeper(const asio::any_io_executor& ex) : timer(ex, asio::steady_timer::time_point::max()) {}
  asio::steady_timer timer;
  bool woken = false;  // touched only on the timer's executor
};

VirtualClock::VirtualClock(Timestamp start) : now_(start) {}

Timestamp VirtualClock::default_start() {
  using namespace std::chrono;
  return sys_days{year{2026} / January / 5} + hours{14} + minutes{30};
}

Timestamp VirtualClock::now() const {
  std::lock_guard lock(mu_);
  return now_;
}

awaitable<error_code> VirtualClock::sleep_for(Duration d) {
  auto sleeper = std::make_shared<Sleeper>(co_await asio::this_coro::executor);
  {
    std::lock_guard lock(mu_);
    sleepers_.emplace(now_ + std::max(d, Duration::zero()), sleeper);
  }
  co_await sleeper->timer.async_wait(as_tuple_awaitable);
  if (!sleeper->woken) {  // cancelled by the caller: forget the registration
    std::lock_guard lock(mu_);
    for (auto it = sleepers_.begin(); it != sleepers_.end(); ++it) {
      if (it->second == sleeper) {
        sleepers_.erase(it);
        break;
      }
    }
    co_return asio::error::operation_aborted;
  }
  co_return error_code{};
}

bool VirtualClock::wake_next(Timestamp until) {
  std::shared_ptr<Sleeper> sleeper;
  {
    std::lock_guard lock(mu_);
    if (sleepers_.empty() || sleepers_.begin()->first > until) return false;
    now_ = std::max(now_, sleepers_.begin()->first);
    sleeper = sleepers_.begin()->second;
    sleepers_.erase(sleepers_.begin());
  }
  asio::post(sleeper->timer.get_executor(), [sleeper] {
    sleeper->woken = true;
    sleeper->timer.cancel();
  });
  return true;
}

void VirtualClock::advance(Duration d, const std::function<void()>& drain) {
  Timestamp target = now() + d;
  drain();
  while (wake_next(target)) drain();
  std::lock_guard lock(mu_);
  now_ = std::max(now_, target);
}

void VirtualClock::run_until_idle(const std::function<void()>& drain, Duration limit) {
  Timestamp stop = now() + limit;
  drain();
  while (wake_next(stop)) drain();
}

std::size_t VirtualClock::sleepers() const {
  std::lock_guard lock(mu_);
  return sleepers_.size();
}

}  // namespace oms::runtime
