#pragma once
/// Robinhood's request throttling as rh-sim models it (docs/simulator.md "Throttling model and
/// its sources"): sliding-window budgets per bucket, shared by every client of the simulator
/// (one account behind one address, as a bot and its tools are).
#include "messages/time.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

namespace rhsim {

/// At most `limit` requests in any `window`.
class WindowBudget {
 public:
  void configure(int limit, std::chrono::seconds window);
  /// Whole seconds until one more request fits; 0 when it fits now.
  std::int64_t wait_s(oms::Timestamp now);
  void take(oms::Timestamp now) { times_.push_back(now); }
  void clear() { times_.clear(); }
  int limit() const { return limit_; }
  std::chrono::seconds window() const { return window_; }

 private:
  std::deque<oms::Timestamp> times_;
  int limit_ = 1;
  std::chrono::seconds window_{1};
};

/// The two buckets the evidence shows: everything (login included), and order POSTs on top.
class Throttle {
 public:
  void configure(bool enabled, int requests, int window_s, int order_requests, int order_window_s);
  /// nullopt: the request is admitted and counted. Otherwise the seconds to wait (≥ 1); a
  /// refused request counts in no bucket.
  std::optional<std::int64_t> admit(bool order_post, oms::Timestamp now);
  void clear();
  bool enabled() const { return enabled_; }
  const WindowBudget& general() const { return general_; }
  const WindowBudget& orders() const { return orders_; }

 private:
  bool enabled_ = true;
  WindowBudget general_, orders_;
};

}  // namespace rhsim
