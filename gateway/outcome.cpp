#include "gateway/outcome.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <openssl/ssl.h>

namespace oms::gateway {
namespace asio = boost::asio;

namespace {

TransportError transport_error(const TransportFailure& f) {
  const auto& ec = f.ec;
  if (ec == asio::error::connection_refused) return TransportError::connection_refused;
  if (ec == asio::error::host_not_found || ec == asio::error::host_unreachable ||
      ec == asio::error::network_unreachable || ec == asio::error::host_not_found_try_again)
    return TransportError::host_unreachable;
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
      ec == asio::error::connection_aborted)
    return TransportError::connection_reset;
  if (ec == boost::beast::error::timeout || ec == asio::error::timed_out) return TransportError::timeout;
  if (ec == boost::beast::http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::ssl::error::stream_truncated || ec == boost::beast::http::error::partial_message)
    return TransportError::end_of_stream;
  if (f.stage == TransportStage::tls_handshake) {
    bool untrusted = ec.category() == asio::error::get_ssl_category() &&
                     ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
    return untrusted ? TransportError::tls_certificate : TransportError::tls_handshake;
  }
  return TransportError::other;
}

}  // namespace

ErrorKind kind_of(FailureReason reason) {
  switch (reason) {
    case FailureReason::connect_failed:
    case FailureReason::tls_failed:
    case FailureReason::tls_untrusted:
    case FailureReason::lost_before_send:
    case FailureReason::lost_after_send: return ErrorKind::network;
    case FailureReason::throttled: return ErrorKind::throttled;
    case FailureReason::server_error: return ErrorKind::server;
    case FailureReason::unauthorized: return ErrorKind::unauthorized;
    case FailureReason::forbidden: return ErrorKind::forbidden;
    case FailureReason::not_found: return ErrorKind::not_found;
    case FailureReason::rejected:
    case FailureReason::duplicate_ref_id:
    case FailureReason::outdated_client: return ErrorKind::validation;
    case FailureReason::insufficient_funds: return ErrorKind::insufficient_funds;
    case FailureReason::unexpected_status: return ErrorKind::protocol;
  }
  return ErrorKind::protocol;
}

std::string Outcome::summary() const {
  if (ok) return "ok";
  return std::string(to_string(error.failure)) + "/" + std::string(to_string(error.kind));
}

Outcome outcome_of(const HttpRequestSpec& spec, const HttpResponse& response, bool after_refresh) {
  auto failure = classify_http(response.status, response.body, response.header("Retry-After"),
                               context_of(spec, after_refresh), std::chrono::system_clock::now());
  if (!failure) return Outcome{true};
  Outcome out;
  out.unauthorized = failure->reason == FailureReason::unauthorized && !after_refresh;
  out.retry_after = failure->retry_after;
  out.error = BrokerError{failure->cls, kind_of(failure->reason), failure->http_status, failure->message, 1,
                          failure->reason};
  return out;
}

Outcome outcome_of(const HttpRequestSpec& spec, const TransportFailure& failure, bool after_refresh) {
  Outcome out;
  if (failure.ec == asio::error::operation_aborted) {
    out.error = BrokerError{FailureClass::permanent, ErrorKind::cancelled, 0, "the operation was cancelled", 1};
    return out;
  }
  auto f = classify_transport(TransportFault{transport_error(failure), failure.request_written},
                              context_of(spec, after_refresh));
  out.error = BrokerError{f.cls, kind_of(f.reason), 0, f.message + " (" + failure.to_string() + ")", 1, f.reason};
  return out;
}

bool is_duplicate_ref_id(const BrokerError& error) { return error.reason == FailureReason::duplicate_ref_id; }

}  // namespace oms::gateway
