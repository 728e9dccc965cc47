#pragma once
/// Every request the gateway sends to the broker, built as plain data: method, target, headers,
/// body. The I/O shell adds `Authorization` (see authorization_header) and sends it as is.
/// Form fields and their order follow robin_stocks, the client the broker is used to.
#include "gateway/url.hpp"
#include "messages/codec.hpp"
#include "messages/money.hpp"
#include "messages/order.hpp"
#include "messages/time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oms::gateway {

/// The public OAuth client id of Robinhood's web app, which robin_stocks also uses.
inline constexpr std::string_view kClientId = "c82SH0WZOsabOXGP2sxqcj34FxkvfnWRZBKlBjFS";
/// Content type of every POST body the broker accepts from robin_stocks.
inline constexpr std::string_view kFormContentType =
    "application/x-www-form-urlencoded; charset=utf-8";

/// Which broker operation a request performs; drives classification and rate-limit priority.
enum class RequestKind {
  login,
  refresh,
  account,
  instrument,
  quotes,
  place_order,
  get_order,
  list_orders,
  cancel_order,
  positions,
  verification,  ///< the device-approval flow (pathfinder, push prompt, challenge)
};
/// "place_order", … for logs and metrics.
std::string_view to_string(RequestKind kind) noexcept;

/// One HTTP request, ready for the transport.
struct HttpRequestSpec {
  std::string method = "GET";  ///< GET or POST
  std::string target;          ///< path and query, base path included
  Params headers;              ///< without Host, Content-Type, Content-Length and Authorization
  std::string body;
  std::string content_type;  ///< empty for GET
  /// Safe to send again after a lost response; false only for POST /orders/.
  bool idempotent = true;
  /// Needs `Authorization: Bearer …`; false for the token requests themselves.
  bool authenticated = true;
  RequestKind kind = RequestKind::account;
  /// "POST /orders/ [place_order] account=…&password=***": secrets replaced, safe to log.
  std::string redacted() const;
};

/// Settings shared by every request.
struct RequestOptions {
  BaseUrl base;
  /// Robinhood refuses outdated clients by this header; configurable for when it moves on.
  std::string api_version = "1.431.4";
  std::string client_id = std::string(kClientId);
  int order_form_version = 4;
};

/// `Authorization: <token_type> <access_token>` for the shell to append.
std::pair<std::string, std::string> authorization_header(std::string_view token_type,
                                                         std::string_view access_token);

/// Credentials for the password grant. Never logged: HttpRequestSpec::redacted hides them.
struct LoginParams {
  std::string username;
  std::string password;
  std::string device_token;           ///< UUID generated once per installation and kept
  std::optional<std::string> mfa_code;  ///< TOTP code when the account uses an authenticator app
  std::string request_id;             ///< fresh UUID per attempt; omitted when empty
  int expires_in = 86400;
  std::string scope = "internal";
  std::string challenge_type = "sms";
};

/// A limit order as the broker's order form takes it.
struct PlaceOrderParams {
  std::string account_url;     ///< Account::url, ends in '/'
  std::string instrument_url;  ///< Instrument::url
  std::string symbol;
  Price price;
  Quantity quantity;
  std::string ref_id;  ///< idempotency key: the same UUID on every retry of this order
  Side side = Side::buy;
  TimeInForce time_in_force = TimeInForce::gfd;
  bool extended_hours = false;
  /// regular_hours, extended_hours or all_day_hours; must agree with extended_hours (the broker
  /// refuses a mismatch). Empty: market_hours_for(extended_hours).
  std::string market_hours;
  /// The quote the price came from, sent by robin_stocks and the web app; omitted when absent.
  std::optional<Price> ask_price;
  std::optional<Price> bid_price;
  std::optional<Timestamp> bid_ask_timestamp;
  /// The instrument's min_tick_size: the price must be a multiple of it. Null: $0.01 / $0.0001.
  std::optional<Price> min_tick_size;
  /// The instrument's `tradeable`: the broker refuses every order for an untradeable one.
  bool tradeable = true;
};

/// "extended_hours" for an extended-hours order, else "regular_hours".
std::string_view market_hours_for(bool extended_hours) noexcept;

/// POST /oauth2/token/ with grant_type=password.
HttpRequestSpec login_request(const RequestOptions& o, const LoginParams& p);
/// POST /oauth2/token/ with grant_type=refresh_token.
HttpRequestSpec refresh_request(const RequestOptions& o, std::string_view refresh_token,
                                std::string_view device_token = {});
/// POST /oauth2/token/ with grant_type=refresh_token is never marked idempotent: the token is
/// single-use. The device-approval flow (robin_stocks' `_validate_sherrif_id`), JSON bodies:
/// POST /pathfinder/user_machine/ {"device_id","flow":"suv","input":{"workflow_id"}}.
HttpRequestSpec user_machine_request(const RequestOptions& o, std::string_view device_token,
                                     std::string_view workflow_id);
/// GET /pathfinder/inquiries/{machine}/user_view/: the challenge to answer.
HttpRequestSpec inquiry_request(const RequestOptions& o, std::string_view machine_id);
/// GET /push/{challenge}/get_prompts_status/: has the app approved the prompt yet?
HttpRequestSpec prompt_status_request(const RequestOptions& o, std::string_view challenge_id);
/// POST /challenge/{challenge}/respond/ {"response": code} (sms / email codes).
HttpRequestSpec challenge_response_request(const RequestOptions& o, std::string_view challenge_id,
                                           std::string_view code);
/// POST /pathfinder/inquiries/{machine}/user_view/ {"sequence":0,"user_input":{"status":"continue"}}.
HttpRequestSpec inquiry_continue_request(const RequestOptions& o, std::string_view machine_id);
/// GET /accounts/?default_to_all_accounts=true.
HttpRequestSpec accounts_request(const RequestOptions& o);
/// GET /instruments/?symbol=SYM.
HttpRequestSpec instrument_request(const RequestOptions& o, std::string_view symbol);
/// GET /quotes/?symbols=A,B (the comma is sent as %2C, as requests does).
HttpRequestSpec quotes_request(const RequestOptions& o, const std::vector<std::string>& symbols);
/// POST /orders/: a limit order. Refuses a non-UUID ref_id, a zero price or quantity, a bad symbol,
/// and what the broker's order form refuses: an untradeable instrument, a price off the
/// instrument's min_tick_size, market_hours that are not one of the three sessions or disagree
/// with extended_hours, an order_form_version below 2.
checked<HttpRequestSpec> place_order_request(const RequestOptions& o, const PlaceOrderParams& p);
/// GET /orders/{id}/.
checked<HttpRequestSpec> get_order_request(const RequestOptions& o, std::string_view order_id);
/// GET /orders/, only orders updated at or after `updated_since` when given.
HttpRequestSpec list_orders_request(const RequestOptions& o,
                                    std::optional<Timestamp> updated_since = std::nullopt);
/// POST /orders/{id}/cancel/ with an empty body.
checked<HttpRequestSpec> cancel_order_request(const RequestOptions& o, std::string_view order_id);
/// GET /positions/?nonzero=true.
HttpRequestSpec positions_request(const RequestOptions& o);
/// GET of a page link (`next`) from a list response, refused when it points to another host.
checked<HttpRequestSpec> next_page_request(const RequestOptions& o, RequestKind kind,
                                           std::string_view next_url);

}  // namespace oms::gateway
