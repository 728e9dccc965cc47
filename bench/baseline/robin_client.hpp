#pragma once
/// The baseline: a client that follows robin_stocks 3.4's request pattern over the same transport
/// as the product (Beast, HTTP/1.1 keep-alive, one connection, one request at a time).
///   order():                  GET account, GET instrument, GET quote (ask), GET quote (bid),
///                             then POST /orders/ — one after another, every time.
///   cancel_all_stock_orders(): walk every page of GET /orders/ (the whole history), then POST
///                             each open order's cancel URL in turn, confirming nothing.
/// Written from the request pattern documented in /work/shared/robinhood-api.md; no robin_stocks
/// code is used.
#include <boost/json/object.hpp>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "bench/http.hpp"

namespace oms::bench {

class RobinStocksBaseline {
 public:
  RobinStocksBaseline(std::uint16_t port, std::string username, std::string password);

  /// POST /oauth2/token/ (password grant); every later request carries the token.
  void login();
  /// A limit buy the way robin_stocks' order() places it: five requests in a row. Returns the
  /// order id; throws HttpError when the broker refuses.
  std::string order_buy_limit(const std::string& symbol, const std::string& quantity, const std::string& price);
  /// robin_stocks' cancel_all_stock_orders(): returns how many cancels were posted.
  std::size_t cancel_all_stock_orders();
  /// What a robin_stocks caller has to add to know the cancels took: walk the whole history again
  /// until no order is open. Returns the number of walks; throws if `deadline` passes first.
  std::size_t wait_until_no_open_orders(std::chrono::milliseconds deadline);
  /// Requests sent so far (login included).
  std::size_t requests() const noexcept { return http_.requests(); }

 private:
  /// Every order in the history, page after page (robin_stocks' request_get(..., 'pagination')).
  std::vector<boost::json::object> all_orders();
  boost::json::value get_json(const std::string& target);
  std::string new_uuid();

  HttpClient http_;
  std::string username_, password_;
  std::mt19937_64 rng_;
};

}  // namespace oms::bench
