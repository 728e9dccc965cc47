#pragma once
/// The gateway's reading of one exchange: success, or a classified BrokerError with the wait the
/// broker asked for. Glue between the transport's error codes and the pure classifier.
#include "gateway/classify.hpp"
#include "gateway/gateway.hpp"
#include "gateway/http.hpp"
#include "gateway/requests.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace oms::gateway {

/// What one attempt came to.
struct Outcome {
  bool ok = false;
  bool unauthorized = false;  ///< a 401 that a token refresh may cure
  BrokerError error;          ///< meaningful when !ok
  std::optional<std::chrono::milliseconds> retry_after;
  /// "ok", or "transient/throttled" etc. for the attempt log.
  std::string summary() const;
};

/// An HTTP response to `spec`. `after_refresh`: the token was already renewed for this request.
Outcome outcome_of(const HttpRequestSpec& spec, const HttpResponse& response, bool after_refresh);
/// A transport failure of `spec`.
Outcome outcome_of(const HttpRequestSpec& spec, const TransportFailure& failure, bool after_refresh);
/// The broker already has an order with this ref_id: look it up, never report it as failed.
bool is_duplicate_ref_id(const BrokerError& error);
/// Maps a classified failure onto the kind callers branch on.
ErrorKind kind_of(FailureReason reason);

}  // namespace oms::gateway
