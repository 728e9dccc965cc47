#pragma once
/// The simulated Robinhood back end, free of I/O: HTTP-shaped requests in, replies out, and
/// `advance(now)` for everything that happens with time (confirmations, cancels, fills, prices).
#include "apps/rh-sim/http_types.hpp"
#include "apps/rh-sim/market.hpp"
#include "apps/rh-sim/options.hpp"
#include "apps/rh-sim/orders.hpp"
#include "apps/rh-sim/throttle.hpp"
#include "apps/rh-sim/util.hpp"
#include "apps/rh-sim/verification.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace rhsim {

/// A fault armed through /_sim/faults for the next `count` matching requests.
struct Fault {
  std::string method, path, kind;  ///< path matches as a prefix
  int count = 1;
  int delay_ms = 0;       ///< kind "delay"
  int retry_after_s = 1;  ///< kind "http_429"
  bool process = false;   ///< kind "timeout": handle the request before going silent
};

/// One line of the request log (never a body, header or credential).
struct LoggedRequest {
  std::uint64_t seq = 0;
  oms::Timestamp at{};
  std::string method, path;
  unsigned status = 0;
  std::string fault;
};

class Broker {
 public:
  explicit Broker(Options options, oms::Timestamp now = {});

  /// Where clients reach us; order, account and instrument URLs are built from it.
  void set_base_url(std::string url) { base_url_ = std::move(url); }
  const std::string& base_url() const { return base_url_; }
  /// Receives one line per request and per fault.
  void set_logger(std::function<void(const std::string&)> log) { log_ = std::move(log); }

  /// Answers one request (API or /_sim/ admin) at time `now`.
  SimReply handle(const SimRequest& request, oms::Timestamp now);
  /// Runs whatever is due at `now`: confirmations, accepted cancels, price steps, fills.
  void advance(oms::Timestamp now);
  /// Accepted cancels whose delay has passed take effect: every request sees them from the moment
  /// they are due, not from the next tick (a reader polling for the cancel must not wait a tick).
  void settle_cancels(oms::Timestamp now);
  /// How often the shell should call advance().
  std::chrono::milliseconds tick_interval() const;

  const Order* find_order(std::string_view id) const;
  const std::vector<Order>& orders() const { return orders_; }
  const Account& account() const { return account_; }
  Market& market() { return market_; }
  const DeviceVerification& verification() const { return verification_; }

 private:
  using Reply = SimReply;
  using Json = boost::json::object;

  void reset(oms::Timestamp now);
  Reply dispatch_api(const SimRequest& request, const std::string& path, const Params& query,
                     oms::Timestamp now);
  Reply dispatch_admin(const SimRequest& request, const std::string& path, oms::Timestamp now);

  // Faults, auth and throttling.
  std::optional<Fault> take_fault(const std::string& method, const std::string& path);
  Reply apply_fault(const Fault& fault, const SimRequest& request, const std::string& path,
                    const Params& query, oms::Timestamp now);
  std::optional<Reply> authenticate(const SimRequest& request, oms::Timestamp now);
  void configure_throttle();

  // /oauth2/token/ and device verification (auth_api.cpp).
  Reply token_endpoint(const SimRequest& request, oms::Timestamp now);
  Reply login(const Params& form, oms::Timestamp now);
  Reply refresh(const Params& form, oms::Timestamp now);
  Reply issue_tokens(oms::Timestamp now);
  /// A JWT access token valid until `expires_at` (Unix seconds), recorded as ours.
  std::string mint_access_token(std::int64_t expires_at, oms::Timestamp now);
  std::string mint_refresh_token(oms::Timestamp now);
  bool mfa_code_ok(std::string_view code, oms::Timestamp now) const;
  Reply verification_api(const SimRequest& request, const std::string& path, oms::Timestamp now);
  Reply user_machine(const SimRequest& request);
  Reply user_view(const SimRequest& request, std::string_view machine_id);
  Reply prompt_status(std::string_view challenge_id);
  Reply challenge_respond(const SimRequest& request, std::string_view challenge_id);
  Json challenge_json(const Workflow& w) const;

  // Reads.
  Reply get_accounts(const std::string& path) const;
  Reply get_positions(const Params& query) const;
  Reply get_instruments(const std::string& path, const Params& query) const;
  Reply get_quotes(const std::string& path, const Params& query) const;

  // Orders.
  Reply place_order(const Params& form, oms::Timestamp now);
  Reply list_orders(const Params& query) const;
  Reply get_order(std::string_view id) const;
  Reply cancel_order(std::string_view id, oms::Timestamp now);
  std::optional<Json> validate_order(const Params& form, Order& order) const;
  std::optional<Reply> reserve(Order& order);

  // Fills and the account.
  void fill(Order& order, oms::Quantity quantity, oms::Price price, oms::Timestamp now);
  void close(Order& order, OrderState state, oms::Timestamp now);
  void auto_fill(Order& order, oms::Timestamp now);
  bool marketable(const Order& order, oms::Price& fill_price) const;
  Order* find_order_mut(std::string_view id);

  // Admin (/_sim/...).
  Reply admin_price(const boost::json::value& body, oms::Timestamp now);
  Reply admin_fill(const boost::json::value& body, oms::Timestamp now);
  Reply admin_account(const boost::json::value& body, oms::Timestamp now);
  Reply admin_position(const boost::json::value& body, oms::Timestamp now);
  Reply admin_reject(const boost::json::value& body, oms::Timestamp now);
  Reply admin_faults(const boost::json::value& body);
  Reply admin_market(const boost::json::value& body);
  Reply admin_throttle(const boost::json::value& body);
  Reply admin_instrument(const boost::json::value& body);
  Reply admin_tokens(const boost::json::value& body, oms::Timestamp now);
  Reply admin_verifications() const;
  Reply admin_verdict(const boost::json::value& body, bool approve);
  Reply admin_devices(const SimRequest& request, const std::string& path);
  Reply admin_orders() const;
  Reply admin_requests() const;
  Reply admin_state() const;

  // JSON views.
  Json order_json(const Order& order) const;
  Json account_json() const;
  Json position_json(const std::string& symbol, const Position& position) const;
  Json instrument_json(const Instrument& instrument) const;
  Json quote_json(const Instrument& instrument, const Quote& quote) const;
  std::string account_url() const;
  std::string instrument_url(const std::string& id) const;
  std::string order_url(const std::string& id) const;

  void log(const std::string& line) const;
  void record(const SimRequest& request, const std::string& path, unsigned status,
              const std::string& fault, oms::Timestamp now);

  Options options_;
  std::string base_url_ = "http://127.0.0.1";
  std::function<void(const std::string&)> log_;
  Rng rng_;
  Market market_;
  Account account_;
  std::vector<Order> orders_;
  std::map<std::string, std::size_t, std::less<>> order_index_;
  std::vector<std::size_t> cancels_pending_;  ///< orders_ indexes with an accepted cancel, maybe closed since
  std::set<std::string, std::less<>> ref_ids_;
  std::vector<Fault> faults_;
  std::map<std::string, oms::Timestamp, std::less<>> access_tokens_;   ///< token → expiry
  std::map<std::string, oms::Timestamp, std::less<>> refresh_tokens_;  ///< unused token → expiry
  Throttle throttle_;
  DeviceVerification verification_;
  std::deque<LoggedRequest> request_log_;
  std::map<std::string, std::uint64_t, std::less<>> request_counts_;
  std::uint64_t request_seq_ = 0;
  std::uint64_t order_seq_ = 0;
  bool random_walk_ = true, auto_fill_ = true, market_open_ = true;
  oms::Timestamp last_walk_{};
  oms::Quantity lot_size_;
  std::vector<std::uint8_t> mfa_key_;
};

}  // namespace rhsim
