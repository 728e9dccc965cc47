#pragma once
/// What a failed exchange means for the caller: retry it, find out what happened, or give up.
/// The line that matters is whether the broker may have acted on the request: a lost order POST
/// is never retried blindly and never reported as failed — it is `ambiguous` until looked up.
#include "gateway/requests.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace oms::gateway {

/// The three things a caller can do about a failure.
enum class FailureClass {
  transient,  ///< the broker did not act on it (or acting twice is harmless): retry
  ambiguous,  ///< it may have acted: look the order up by ref_id before anything else
  permanent,  ///< retrying cannot help: report it
};

/// Why, more precisely; the shell branches on a few of these.
enum class FailureReason {
  connect_failed,      ///< refused, unreachable, DNS: nothing was sent
  tls_failed,          ///< handshake failed before anything was sent
  tls_untrusted,       ///< certificate refused: retrying will not fix it
  lost_before_send,    ///< reset or timeout before the whole request was written
  lost_after_send,     ///< reset, timeout or EOF after the request was written
  throttled,           ///< 429
  server_error,        ///< 5xx
  unauthorized,        ///< 401: refresh the token once, then it is permanent
  forbidden,           ///< 403
  not_found,           ///< 404 (for a cancel: the order is no longer cancellable)
  rejected,            ///< 400 with field errors or a detail
  insufficient_funds,  ///< 400 "You can only purchase N shares of SYM."
  duplicate_ref_id,    ///< 400 "Order with this ref_id already exists.": look it up, never failed
  outdated_client,     ///< the broker wants a newer X-Robinhood-API-Version / order form
  unexpected_status,   ///< any other status
};
/// "insufficient_funds", … for logs.
std::string_view to_string(FailureClass c) noexcept;
std::string_view to_string(FailureReason r) noexcept;

/// What went wrong below HTTP, as the transport saw it.
enum class TransportError {
  connection_refused,
  host_unreachable,  ///< DNS failure, no route
  tls_handshake,     ///< handshake failed or was reset
  tls_certificate,   ///< the peer's certificate did not verify
  connection_reset,
  timeout,
  end_of_stream,  ///< the peer closed before a complete response
  other,
};

/// A transport failure and how far the request got.
struct TransportFault {
  TransportError error = TransportError::other;
  /// The whole request was handed to the socket: from here on the broker may have acted on it.
  /// A request cut off part-way cannot have been acted on — the broker lacks its end.
  bool request_written = false;
};

/// The request a failure belongs to.
struct RequestContext {
  RequestKind kind = RequestKind::account;
  bool idempotent = true;
  /// The token was already refreshed for this request: a further 401 is final.
  bool after_refresh = false;
};

/// A classified failure.
struct Failure {
  FailureClass cls = FailureClass::permanent;
  FailureReason reason = FailureReason::unexpected_status;
  int http_status = 0;  ///< 0 for transport failures
  /// The broker's own words ("price: Prices above $1.00 can't have subpenny increments."), or
  /// a description of the transport failure. Never contains request secrets.
  std::string message;
  /// How long the broker asked us to wait (Retry-After, or "Expected available in N seconds.").
  std::optional<std::chrono::milliseconds> retry_after;
};

/// The context of a built request.
RequestContext context_of(const HttpRequestSpec& request, bool after_refresh = false);

/// Classifies a transport failure.
Failure classify_transport(const TransportFault& fault, const RequestContext& request);

/// Classifies an HTTP response; nullopt for a 2xx (success: parse the body instead).
/// `retry_after_header` is the raw Retry-After value, empty when absent; `now` (wall clock)
/// resolves its HTTP-date form.
std::optional<Failure> classify_http(int status, std::string_view body,
                                     std::string_view retry_after_header,
                                     const RequestContext& request,
                                     std::chrono::system_clock::time_point now);

/// The broker's human text from an error body: "detail", else "field: message" pairs joined with
/// "; " (non_field_errors without the prefix). A non-JSON body gives its first line, shortened.
std::string broker_message(std::string_view body);

/// Retry-After as delta-seconds ("14") or an HTTP-date relative to `now`; nullopt if unreadable.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);
/// The wait in a throttle message: "Request was throttled. Expected available in 14 seconds."
std::optional<std::chrono::milliseconds> parse_throttle_wait(std::string_view message);

}  // namespace oms::gateway
