#pragma once
/// rh-sim's admin API (/_sim/, never delayed or faulted) over the one HTTP client: JSON in, JSON
/// out, a 2xx answer or SimAdminError. The benchmarks (plain HTTP) and `oms demo` (TLS) arm
/// faults, force fills and read what the broker saw through it. One thread at a time.
#include "simclient/http_client.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace oms::simclient {

/// An admin call failed (transport error, a non-2xx answer, a reply that is not JSON): the
/// message names the method, the path and the status with an excerpt of the body.
struct SimAdminError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SimAdmin {
 public:
  /// Plain HTTP to 127.0.0.1:port, or TLS trusting only `ca_pem` when it is given.
  explicit SimAdmin(std::uint16_t port, std::string ca_pem = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));

  /// The parsed JSON reply; throws SimAdminError.
  boost::json::value get(const std::string& path);
  boost::json::value post(const std::string& path, const boost::json::value& body);
  boost::json::value del(const std::string& path);

 private:
  boost::json::value call(const std::string& method, const std::string& path, const std::string& body);

  HttpClient http_;
};

}  // namespace oms::simclient
