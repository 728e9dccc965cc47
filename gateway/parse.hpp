#pragma once
/// Broker JSON → project types. Money stays exact (8-decimal strings → Price/Quantity), every
/// object keeps its raw payload, and bad input of any shape comes back as a FieldError naming the
/// field ("results[2].price: must not be negative") — never an exception, never a crash.
/// Error texts name fields and rules only, never values, so tokens cannot leak into logs.
#include "messages/codec.hpp"
#include "messages/money.hpp"
#include "messages/order.hpp"
#include "messages/status.hpp"
#include "messages/time.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace oms::gateway {

/// One fill inside an order.
struct Execution {
  std::string id;
  Price price;
  Quantity quantity;
  Timestamp timestamp{};
  std::optional<std::string> settlement_date;  ///< "2026-11-26"; kept as text
};

/// An equity order as the broker reports it.
struct BrokerOrder {
  std::string id;
  std::optional<std::string> ref_id;  ///< null for orders placed outside the API
  std::string url;
  std::string account;
  std::string instrument;
  std::optional<std::string> cancel_url;  ///< the `cancel` link; present while the order is open
  Side side = Side::buy;
  std::string type;           ///< "limit", "market"
  std::string state;          ///< the broker's word; see to_order_status
  std::string time_in_force;  ///< "gfd", "gtc"; empty when absent
  std::optional<Price> price;  ///< null for market orders placed elsewhere
  std::optional<Price> stop_price;
  Quantity quantity;
  Quantity cumulative_quantity;
  std::optional<Price> average_price;  ///< null until the first fill
  Price fees;
  std::vector<Execution> executions;
  std::optional<std::string> reject_reason;
  Timestamp created_at{};
  Timestamp updated_at{};
  boost::json::object raw;
};

/// A brokerage account (the first of GET /accounts/ is the one orders go to).
struct Account {
  std::string url;
  std::string account_number;
  Price buying_power;  ///< dollars; may be negative on a margin call
  Price cash;          ///< dollars; may be negative on margin
  boost::json::object raw;
};

/// A tradable security.
struct Instrument {
  std::string url;
  std::string id;
  std::string symbol;
  bool tradeable = false;
  std::optional<Price> min_tick_size;  ///< usually null: then the price rules apply
  boost::json::object raw;
};

/// Top of book for one symbol. Prices are null when the broker has none (halted, no trades).
struct Quote {
  std::string symbol;
  std::optional<Price> bid;
  std::optional<Price> ask;
  std::optional<Price> last_trade_price;
  Timestamp updated_at{};
  boost::json::object raw;
};

/// A holding.
struct Position {
  std::string instrument;
  Quantity quantity;
  Price average_buy_price;
  boost::json::object raw;
};

/// One page of a list endpoint; `next` is the broker's absolute link to the following page.
template <class T>
struct Page {
  std::vector<T> results;
  std::optional<std::string> next;
};

/// A granted session.
struct TokenResponse {
  std::string access_token;
  std::string refresh_token;
  std::int64_t expires_in = 0;  ///< seconds
  std::string token_type;       ///< "Bearer"
  std::string scope;
};

/// The device must be approved first (pathfinder/challenge flow): no token yet.
struct VerificationRequired {
  std::string workflow_id;
  std::string workflow_status;
};
/// The account wants an authenticator code: repeat the login with `mfa_code`.
struct MfaRequired {
  std::string mfa_type;  ///< "app" or "sms" when the broker says
};
/// An SMS/e-mail challenge to answer at /challenge/{id}/respond/.
struct ChallengeRequired {
  std::string challenge_id;
};
/// What a POST /oauth2/token/ answered with HTTP 200.
using LoginReply = std::variant<TokenResponse, VerificationRequired, MfaRequired, ChallengeRequired>;

/// Parses a body as JSON (depth-limited; trailing garbage refused).
checked<boost::json::value> parse_json(std::string_view body);

/// One order object (GET /orders/{id}/, the 201 of POST /orders/).
checked<BrokerOrder> parse_order(const boost::json::value& v);
checked<BrokerOrder> parse_order(std::string_view body);
/// Resolves parse_order("…") to the body overload rather than a JSON string value.
inline checked<BrokerOrder> parse_order(const char* body) { return parse_order(std::string_view(body)); }
/// GET /orders/ pages.
checked<Page<BrokerOrder>> parse_order_page(std::string_view body);
/// GET /accounts/.
checked<Page<Account>> parse_accounts(std::string_view body);
checked<Account> parse_account(const boost::json::value& v);
/// GET /instruments/?symbol= (empty results for an unknown symbol).
checked<Page<Instrument>> parse_instruments(std::string_view body);
checked<Instrument> parse_instrument(const boost::json::value& v);
/// GET /quotes/?symbols=: a null slot (unknown symbol) stays nullopt, in request order.
checked<Page<std::optional<Quote>>> parse_quotes(std::string_view body);
checked<Quote> parse_quote(const boost::json::value& v);
/// GET /positions/.
checked<Page<Position>> parse_positions(std::string_view body);
checked<Position> parse_position(const boost::json::value& v);
/// A 200 from POST /oauth2/token/: a token, or what the broker wants before it grants one.
checked<LoginReply> parse_login_reply(std::string_view body);

/// Normalised status: unconfirmed/queued/confirmed → queued, partially_filled, filled,
/// cancelled (executions kept in filled_quantity), rejected/failed → rejected, else unknown.
OrderStatus to_order_status(const BrokerOrder& order);
/// One FillEvent per execution, in the broker's order, with running cumulative quantity and
/// average price (exact, rounded half-up at 8 decimals). The caller drops execution ids it has
/// already seen. `symbol` is the caller's: order payloads do not carry it.
std::vector<FillEvent> fill_events(const BrokerOrder& order, std::string_view symbol);
/// The order carrying `ref_id` (how a lost or duplicate submission is found), or null.
const BrokerOrder* find_by_ref_id(const std::vector<BrokerOrder>& orders, std::string_view ref_id);
/// True while the order can still fill or be cancelled: a cancel link, or a non-terminal state.
bool is_open(const BrokerOrder& order);

}  // namespace oms::gateway
