#include "gateway/rate_limiter.hpp"

#include <algorithm>

namespace oms::gateway {
using std::chrono::microseconds;

namespace {

RateLimit sanitise(RateLimit l) {
  l.capacity = std::clamp<std::int64_t>(l.capacity, 1, 1'000'000);
  l.refill_tokens = std::clamp<std::int64_t>(l.refill_tokens, 1, 1'000'000);
  l.refill_period = std::clamp(l.refill_period, microseconds(1), microseconds(std::chrono::hours(24)));
  return l;
}

}  // namespace

TokenBucket::TokenBucket(RateLimit limit, Timestamp now)
    : limit_(sanitise(limit)), credit_(limit_.capacity * limit_.refill_period.count()), last_(now) {}

TokenBucket TokenBucket::per_second(std::int64_t capacity, std::int64_t per_second, Timestamp now) {
  return TokenBucket(RateLimit{capacity, per_second, std::chrono::seconds(1)}, now);
}

std::int64_t TokenBucket::credit_at(Timestamp now) const {
  const std::int64_t full = limit_.capacity * limit_.refill_period.count();
  if (now <= last_) return credit_;
  // Clamp the elapsed time to what fills the bucket, so the product cannot overflow.
  const std::int64_t to_fill = (full - credit_ + limit_.refill_tokens - 1) / limit_.refill_tokens;
  const std::int64_t elapsed = std::min<std::int64_t>((now - last_).count(), std::max<std::int64_t>(to_fill, 0));
  return std::min(full, credit_ + elapsed * limit_.refill_tokens);
}

void TokenBucket::refill(Timestamp now) {
  if (now <= last_) return;
  credit_ = credit_at(now);
  last_ = now;
}

microseconds TokenBucket::wait_for(Timestamp now, std::int64_t n) const {
  n = std::clamp<std::int64_t>(n, 1, limit_.capacity);
  const std::int64_t need = n * limit_.refill_period.count();
  const std::int64_t have = credit_at(now);
  // A pause leaves the clock ahead of `now`: the wait counts from the end of the pause.
  const microseconds paused = now < last_ ? (last_ - now) : microseconds(0);
  if (have >= need) return paused;
  const std::int64_t short_by = need - have;
  return paused + microseconds((short_by + limit_.refill_tokens - 1) / limit_.refill_tokens);
}

microseconds TokenBucket::try_acquire(Timestamp now, std::int64_t n) {
  auto wait = wait_for(now, n);
  if (wait.count() > 0) return wait;
  refill(now);
  credit_ -= std::clamp<std::int64_t>(n, 1, limit_.capacity) * limit_.refill_period.count();
  return microseconds(0);
}

std::int64_t TokenBucket::available(Timestamp now) const {
  if (now < last_) return 0;
  return credit_at(now) / limit_.refill_period.count();
}

void TokenBucket::pause_until(Timestamp until) {
  if (until <= last_ && credit_ == 0) return;
  credit_ = 0;
  last_ = std::max(last_, until);
}

RequestWindow::RequestWindow(std::int64_t limit, microseconds window, microseconds margin)
    : limit_(std::clamp<std::int64_t>(limit, 1, 1'000'000)),
      window_(std::clamp(window, microseconds(1), microseconds(std::chrono::hours(24))) + std::max(margin, microseconds(0))) {}

microseconds RequestWindow::wait_for(Timestamp now, std::int64_t n) const {
  n = std::clamp<std::int64_t>(n, 1, limit_);
  // Requests still inside the window at `now`, oldest first.
  auto first_inside = std::upper_bound(sent_.begin(), sent_.end(), now - window_);
  auto inside = static_cast<std::int64_t>(sent_.end() - first_inside);
  if (inside + n <= limit_) return microseconds(0);
  // The request that must leave the window before `n` more fit.
  Timestamp frees = *(first_inside + (inside + n - limit_ - 1)) + window_;
  return std::max(microseconds(1), std::chrono::duration_cast<microseconds>(frees - now));
}

void RequestWindow::take(Timestamp now) {
  while (!sent_.empty() && sent_.front() <= now - window_) sent_.pop_front();
  // Times are kept sorted: a clock that runs backwards counts as no time passing.
  sent_.push_back(sent_.empty() ? now : std::max(now, sent_.back()));
}

std::int64_t RequestWindow::available(Timestamp now) const {
  auto first_inside = std::upper_bound(sent_.begin(), sent_.end(), now - window_);
  return std::max<std::int64_t>(0, limit_ - static_cast<std::int64_t>(sent_.end() - first_inside));
}

Scheduler::Scheduler(TokenBucket bucket, std::int64_t reserved_for_cancels)
    : bucket_(bucket),
      reserve_(std::clamp<std::int64_t>(reserved_for_cancels, 0, bucket.limit().capacity - 1)) {}

Scheduler::Scheduler(TokenBucket bucket, RequestWindow window, std::int64_t reserved_for_cancels)
    : bucket_(bucket),
      window_(std::move(window)),
      reserve_(std::clamp<std::int64_t>(reserved_for_cancels, 0,
                                        std::min(bucket.limit().capacity, window_->limit()) - 1)) {}

microseconds Scheduler::wait_for(Timestamp now, std::int64_t n) const {
  auto wait = bucket_.wait_for(now, n);
  if (window_) wait = std::max(wait, window_->wait_for(now, n));
  return wait;
}

void Scheduler::enqueue(std::uint64_t id, Priority priority) {
  queues_[static_cast<std::size_t>(priority)].push_back(id);
}

bool Scheduler::remove(std::uint64_t id) {
  for (auto& q : queues_) {
    auto it = std::find(q.begin(), q.end(), id);
    if (it != q.end()) {
      q.erase(it);
      return true;
    }
  }
  return false;
}

void Scheduler::pause(Priority priority, Timestamp until) {
  auto& at = paused_until_[static_cast<std::size_t>(priority)];
  at = std::max(at, until);
}

std::optional<Timestamp> Scheduler::paused_until(Priority priority, Timestamp now) const {
  auto at = paused_until_[static_cast<std::size_t>(priority)];
  if (at <= now) return std::nullopt;
  return at;
}

ScheduleDecision Scheduler::next(Timestamp now) {
  std::optional<Timestamp> wake;
  auto sooner = [&](Timestamp t) { wake = wake ? std::min(*wake, t) : t; };
  for (std::size_t p = 0; p < queues_.size(); ++p) {
    auto& q = queues_[p];
    if (q.empty()) continue;
    const auto priority = static_cast<Priority>(p);
    // A broker wait on this priority leaves the others free to go.
    if (auto until = paused_until(priority, now)) {
      sooner(*until);
      continue;
    }
    // A submission or poll needs the reserve to stay in the bucket after it takes its token.
    const std::int64_t needed = priority == Priority::cancel ? 1 : 1 + reserve_;
    auto wait = wait_for(now, needed);
    if (wait.count() > 0) {
      // Lower priorities need at least as many tokens: none of them can go either.
      sooner(now + wait);
      return WaitUntil{*wake};
    }
    bucket_.try_acquire(now, 1);
    if (window_) window_->take(now);
    Dispatch d{q.front(), priority};
    q.pop_front();
    return d;
  }
  if (wake) return WaitUntil{*wake};
  return Idle{};
}

std::size_t Scheduler::waiting() const noexcept {
  std::size_t n = 0;
  for (const auto& q : queues_) n += q.size();
  return n;
}

}  // namespace oms::gateway
