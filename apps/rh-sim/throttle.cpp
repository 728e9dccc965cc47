#include "apps/rh-sim/throttle.hpp"

#include <algorithm>

namespace rhsim {

void WindowBudget::configure(int limit, std::chrono::seconds window) {
  limit_ = std::max(limit, 1);
  window_ = std::max(window, std::chrono::seconds(1));
  times_.clear();
}

std::int64_t WindowBudget::wait_s(oms::Timestamp now) {
  while (!times_.empty() && times_.front() + window_ <= now) times_.pop_front();
  if (static_cast<int>(times_.size()) < limit_) return 0;
  // The request that must leave the window before one more fits.
  oms::Timestamp frees = times_[times_.size() - static_cast<std::size_t>(limit_)] + window_;
  return std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(frees - now).count());
}

void Throttle::configure(bool enabled, int requests, int window_s, int order_requests, int order_window_s) {
  enabled_ = enabled;
  general_.configure(requests, std::chrono::seconds(window_s));
  orders_.configure(order_requests, std::chrono::seconds(order_window_s));
}

std::optional<std::int64_t> Throttle::admit(bool order_post, oms::Timestamp now) {
  if (!enabled_) return std::nullopt;
  std::int64_t wait = general_.wait_s(now);
  if (order_post) wait = std::max(wait, orders_.wait_s(now));
  if (wait > 0) return wait;
  general_.take(now);
  if (order_post) orders_.take(now);
  return std::nullopt;
}

void Throttle::clear() {
  general_.clear();
  orders_.clear();
}

}  // namespace rhsim
