#pragma once
/// A classified broker failure as every caller sees it. Kept apart from broker.hpp so the pure
/// core (the session machine, tests) can use it without Asio.
#include "gateway/classify.hpp"

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace oms::gateway {

/// What kind of refusal or failure it was.
enum class ErrorKind {
  validation,          ///< 400 field errors (bad tick, decimals, quantity)
  insufficient_funds,  ///< "You can only purchase N shares of SYM."
  not_found,           ///< 404: unknown order, or no longer cancellable
  unauthorized,        ///< 401 after a refresh and a fresh login
  forbidden,           ///< 403
  throttled,           ///< 429 until the retries ran out, or a broker wait above the cap
  server,              ///< 5xx until the retries ran out
  network,             ///< connect/read/write/TLS failures until the retries ran out
  ambiguous_unresolved,///< the order's fate is still unknown after the look-ups
  login_required,      ///< no usable session: `oms login` (or the named credential) fixes it
  protocol,            ///< the broker answered something we cannot parse
  cancelled,           ///< the caller or shutdown cancelled the operation
};
std::string_view to_string(ErrorKind kind) noexcept;

/// A classified failure. `detail` is the broker's text or ours; it never contains a secret.
/// For `login_required` it reads "<cause> — <what to do>".
struct BrokerError {
  FailureClass failure = FailureClass::permanent;
  ErrorKind kind = ErrorKind::protocol;
  int http_status = 0;
  std::string detail;
  int attempts = 0;
  FailureReason reason = FailureReason::unexpected_status;  ///< the classifier's finer reason
  /// The broker's stated wait (429 Retry-After, "Expected available in N seconds"), if any.
  std::optional<std::chrono::milliseconds> retry_after;
  std::string to_string() const;
};
[[noreturn]] void throw_exception_from_error(const BrokerError& e, const boost::source_location& loc);

/// The error of an operation cut short by the caller or shutdown.
BrokerError cancelled_error();

template <class T>
using BrokerResult = boost::system::result<T, BrokerError>;

}  // namespace oms::gateway
