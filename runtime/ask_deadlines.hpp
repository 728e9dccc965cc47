#pragma once
/// The timeouts of pending asks on the real clock: one steady timer for all of them.
///
/// Why: an order makes about five asks, and a steady_timer armed and cancelled per ask (two
/// reactor locks, a completion, and often a wake-up of another thread) was a visible part of its
/// CPU. Asks use few distinct timeouts, so each timeout's deadlines arrive in order: one queue per
/// timeout, whose front is its earliest, and one timer armed at the earliest front. An ask that
/// ends leaves its entry behind, held weakly; such entries are dropped when they reach the front,
/// when their queue has doubled, or at their deadline at the latest. The timer is outstanding
/// work only while some ask waits, so an embedded io_context's run() still returns when the
/// runtime is idle.
///
/// The same entries end the pending asks when the runtime stops (operation_canceled): an ask on
/// the real clock is tracked here only, not also in the runtime's stop listeners (a second lock
/// and registry entry per ask).
///
/// The virtual clock keeps one alarm per ask: tests step time to each ask's exact deadline.
#include "runtime/asio.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace oms::runtime::detail {

/// Something with a deadline in AskDeadlines (a pending ask's reply slot).
class Expiring {
 public:
  virtual ~Expiring() = default;
  /// At most once, from a thread running the io_context. Must be thread-safe.
  virtual void on_deadline() = 0;
  /// The runtime is stopping: ends the wait now (from the thread calling Runtime::stop, or the
  /// one adding the entry after it). Thread-safe; a wait already ended ignores it.
  virtual void on_runtime_stop() = 0;
};

class AskDeadlines : public std::enable_shared_from_this<AskDeadlines> {
 public:
  using clock = std::chrono::steady_clock;
  explicit AskDeadlines(asio::io_context& ctx) : timer_(ctx) {}

  /// One ask waiting: `who` is told `timeout` from now, unless it is gone by then; told at once
  /// that the runtime stopped when it already has.
  void add(clock::duration timeout, std::weak_ptr<Expiring> who);
  /// One ask added earlier has ended (however it ended): when none waits, the timer is cancelled.
  void done();
  /// No more deadlines: the runtime is stopping; every pending ask is ended (on_runtime_stop),
  /// and so is any added later.
  void stop();

  /// Marks an ask's wait; done() when the wait ends, or when its coroutine is destroyed.
  class Waiting {
   public:
    Waiting(std::shared_ptr<AskDeadlines> d, clock::duration timeout, std::weak_ptr<Expiring> who)
        : deadlines_(std::move(d)) {
      deadlines_->add(timeout, std::move(who));
    }
    ~Waiting() { deadlines_->done(); }
    Waiting(const Waiting&) = delete;
    Waiting& operator=(const Waiting&) = delete;

   private:
    std::shared_ptr<AskDeadlines> deadlines_;
  };

 private:
  struct Entry {
    clock::time_point at;
    std::weak_ptr<Expiring> who;
  };
  struct Queue {
    std::deque<Entry> entries;
    std::size_t prune_at = 64;
  };
  void arm_locked(clock::time_point at);
  void on_timer();

  std::mutex mu_;
  std::map<clock::duration, Queue> queues_;
  std::size_t waiting_ = 0;
  std::optional<clock::time_point> armed_;
  bool stopped_ = false;
  asio::steady_timer timer_;
};

}  // namespace oms::runtime::detail
