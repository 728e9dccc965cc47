#include "runtime/ask_deadlines.hpp"

#include <algorithm>
#include <vector>

namespace oms::runtime::detail {

void AskDeadlines::add(clock::duration timeout, std::weak_ptr<Expiring> who) {
  auto at = clock::now() + timeout;
  std::unique_lock lock(mu_);
  ++waiting_;
  if (stopped_) {
    lock.unlock();
    if (auto alive = who.lock()) alive->on_runtime_stop();  // asked after stop: ends at once
    return;
  }
  Queue& q = queues_[timeout];
  while (!q.entries.empty() && q.entries.front().who.expired()) q.entries.pop_front();
  if (q.entries.size() >= q.prune_at) {
    std::erase_if(q.entries, [](const Entry& e) { return e.who.expired(); });
    q.prune_at = std::max<std::size_t>(64, q.entries.size() * 2);
  }
  q.entries.push_back(Entry{at, std::move(who)});
  if (!armed_ || at < *armed_) arm_locked(at);
}

void AskDeadlines::done() {
  std::lock_guard lock(mu_);
  if (waiting_ > 0) --waiting_;
  // Idle: nothing may hold the io_context. The entries left are all of ended asks.
  if (waiting_ == 0 && armed_) {
    timer_.cancel();
    armed_.reset();
  }
}

void AskDeadlines::stop() {
  std::vector<std::shared_ptr<Expiring>> pending;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (auto& [timeout, q] : queues_)
      for (auto& e : q.entries)
        if (auto alive = e.who.lock()) pending.push_back(std::move(alive));
    queues_.clear();
    timer_.cancel();
    armed_.reset();
  }
  for (auto& who : pending) who->on_runtime_stop();  // outside the lock: it resumes the asker
}

void AskDeadlines::arm_locked(clock::time_point at) {
  armed_ = at;
  timer_.expires_at(at);  // a wait already pending ends with operation_aborted
  timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->on_timer();
  });
}

void AskDeadlines::on_timer() {
  std::vector<std::shared_ptr<Expiring>> due;
  {
    std::lock_guard lock(mu_);
    armed_.reset();
    if (stopped_) return;
    auto now = clock::now();
    std::optional<clock::time_point> next;
    for (auto& [timeout, q] : queues_) {
      while (!q.entries.empty() && (q.entries.front().at <= now || q.entries.front().who.expired())) {
        if (q.entries.front().at <= now)
          if (auto alive = q.entries.front().who.lock()) due.push_back(std::move(alive));
        q.entries.pop_front();
      }
      if (!q.entries.empty()) next = std::min(next.value_or(clock::time_point::max()), q.entries.front().at);
    }
    if (next && waiting_ > 0) arm_locked(*next);
  }
  for (auto& who : due) who->on_deadline();  // outside the lock: it resumes the asker
}

}  // namespace oms::runtime::detail
