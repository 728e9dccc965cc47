#pragma once
/// A small synchronous HTTPS client for rh-sim's admin API (/_sim/): the demo arms faults, forces
/// fills and reads what the broker saw. Each call opens one connection on a private io_context
/// with a deadline, so a stuck simulator shows up as an error instead of a hung demo.
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace oms::cli::demo {

/// An admin call failed (transport error or a non-2xx answer): the scenario that made it fails.
struct SimAdminError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SimAdmin {
 public:
  /// Talks TLS to 127.0.0.1:port and trusts only `ca_pem` (the simulator's self-signed certificate).
  SimAdmin(std::uint16_t port, std::string ca_pem, std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// The parsed JSON reply; throws SimAdminError.
  boost::json::value get(const std::string& path);
  boost::json::value post(const std::string& path, const boost::json::value& body);
  boost::json::value del(const std::string& path);

 private:
  boost::json::value call(const char* method, const std::string& path, std::string body);

  std::uint16_t port_;
  std::string ca_pem_;
  std::chrono::milliseconds timeout_;
};

}  // namespace oms::cli::demo
