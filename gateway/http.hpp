#pragma once
/// What the transport sends and gets back, and where a transport failure happened — the
/// difference between "never reached the broker" (safe to retry) and "may have reached it".
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oms::gateway {

/// A request for the broker's host; `target` is the path and query.
struct HttpRequest {
  std::string method = "GET";  ///< GET or POST
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;
};

/// A complete HTTP response (any status).
struct HttpResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// The first header of that name (case-insensitive), or empty.
  std::string header(std::string_view name) const;
};

/// How far a failed exchange got.
enum class TransportStage { connect, tls_handshake, write, read };

/// A failure below HTTP: refused, reset, timed out, TLS. `request_written` says whether the
/// whole request had been handed to the socket — after that the broker may have acted on it.
struct TransportFailure {
  boost::system::error_code ec;
  TransportStage stage = TransportStage::connect;
  bool request_written = false;
  std::string to_string() const;
};
[[noreturn]] void throw_exception_from_error(const TransportFailure& e, const boost::source_location& loc);

/// A response, or the transport failure that prevented one.
using TransportResult = boost::system::result<HttpResponse, TransportFailure>;

}  // namespace oms::gateway
