#include "runtime/clock.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>

namespace oms::runtime {

namespace {

// Clock::alarm's default: a spawned sleep, cancelled through its cancellation slot.
struct SpawnedAlarm final : Alarm {
  asio::cancellation_signal signal;
  void cancel() override { signal.emit(asio::cancellation_type::terminal); }
};

awaitable<void> sleep_then(Clock& clock, Duration d, std::function<void()> fire) {
  auto ec = co_await clock.sleep_for(d);
  if (!ec) fire();
}

struct TimerAlarm final : Alarm {
  explicit TimerAlarm(const asio::any_io_executor& ex, Duration d) : timer(ex, d) {}
  asio::steady_timer timer;
  void cancel() override { timer.cancel(); }
};

}  // namespace

std::shared_ptr<Alarm> Clock::alarm(const asio::any_io_executor& ex, Duration d, std::function<void()> fire) {
  auto alarm = std::make_shared<SpawnedAlarm>();
  // The handler keeps the signal alive until the sleep has ended.
  asio::co_spawn(ex, sleep_then(*this, d, std::move(fire)),
                 asio::bind_cancellation_slot(alarm->signal.slot(), [alarm](std::exception_ptr) {}));
  return alarm;
}

std::shared_ptr<Alarm> RealClock::alarm(const asio::any_io_executor& ex, Duration d, std::function<void()> fire) {
  auto alarm = std::make_shared<TimerAlarm>(ex, d);
  alarm->timer.async_wait([alarm, fire = std::move(fire)](const error_code& ec) {
    if (!ec) fire();
  });
  return alarm;
}

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

std::shared_ptr<VirtualClock::Sleeper> VirtualClock::enroll(const asio::any_io_executor& ex, Duration d) {
  auto sleeper = std::make_shared<Sleeper>(ex);
  std::lock_guard lock(mu_);
  sleepers_.emplace(now_ + std::max(d, Duration::zero()), sleeper);
  return sleeper;
}

void VirtualClock::forget(const std::shared_ptr<Sleeper>& sleeper) {
  std::lock_guard lock(mu_);
  for (auto it = sleepers_.begin(); it != sleepers_.end(); ++it) {
    if (it->second == sleeper) {
      sleepers_.erase(it);
      break;
    }
  }
}

awaitable<error_code> VirtualClock::sleep_for(Duration d) {
  auto sleeper = enroll(co_await asio::this_coro::executor, d);
  co_await sleeper->timer.async_wait(as_tuple_awaitable);
  if (!sleeper->woken) {  // cancelled by the caller: forget the registration
    forget(sleeper);
    co_return asio::error::operation_aborted;
  }
  co_return error_code{};
}

namespace {
struct VirtualAlarm final : Alarm {
  std::function<void()> stop;
  void cancel() override { stop(); }
};
}  // namespace

std::shared_ptr<Alarm> VirtualClock::alarm(const asio::any_io_executor& ex, Duration d, std::function<void()> fire) {
  auto sleeper = enroll(ex, d);
  sleeper->timer.async_wait([this, sleeper, fire = std::move(fire)](const error_code&) {
    if (sleeper->woken) fire();
    else forget(sleeper);  // cancelled
  });
  auto alarm = std::make_shared<VirtualAlarm>();
  std::weak_ptr<Sleeper> weak = sleeper;
  alarm->stop = [weak] {
    if (auto s = weak.lock()) s->timer.cancel();
  };
  return alarm;
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
