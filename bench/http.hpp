#pragma once
/// The benchmarks' side of the one HTTP client (simclient/): a transport failure or an unexpected
/// answer fails the run with an HttpError.
#include "simclient/http_client.hpp"
#include "simclient/sim_admin.hpp"

#include <chrono>
#include <stdexcept>
#include <string>

namespace oms::bench {

using simclient::Form;
using simclient::HttpClient;
using simclient::Response;
using simclient::SimAdmin;
using simclient::target_of;

/// A transport failure or an unexpected status: the benchmark run fails with it.
struct HttpError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Every request's deadline: a simulated round trip of 100 ms on a loaded machine fits many times.
inline constexpr std::chrono::milliseconds kHttpTimeout = std::chrono::seconds(30);

/// `response` when it came back; HttpError naming `what` ("GET /orders/") when the transport failed.
inline Response checked(Response response, const std::string& what) {
  if (response.error) throw HttpError(what + ": " + response.error.message());
  return response;
}

}  // namespace oms::bench
