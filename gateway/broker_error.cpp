#include "gateway/broker_error.hpp"

#include <boost/throw_exception.hpp>

#include <stdexcept>

namespace oms::gateway {

std::string_view to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::validation: return "validation";
    case ErrorKind::insufficient_funds: return "insufficient_funds";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::unauthorized: return "unauthorized";
    case ErrorKind::forbidden: return "forbidden";
    case ErrorKind::throttled: return "throttled";
    case ErrorKind::server: return "server";
    case ErrorKind::network: return "network";
    case ErrorKind::ambiguous_unresolved: return "ambiguous_unresolved";
    case ErrorKind::login_required: return "login_required";
    case ErrorKind::protocol: return "protocol";
    case ErrorKind::cancelled: return "cancelled";
  }
  return "unknown";
}

BrokerError cancelled_error() {
  return BrokerError{FailureClass::permanent, ErrorKind::cancelled, 0, "the operation was cancelled", 0};
}

std::string BrokerError::to_string() const {
  std::string out(gateway::to_string(kind));
  if (http_status) out += " (HTTP " + std::to_string(http_status) + ")";
  if (!detail.empty()) out += ": " + detail;
  if (attempts > 1) out += " after " + std::to_string(attempts) + " attempts";
  return out;
}

void throw_exception_from_error(const BrokerError& e, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error(e.to_string()), loc);
}

}  // namespace oms::gateway
