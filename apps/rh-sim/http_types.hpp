#pragma once
/// The I/O-free request and reply the Broker speaks; the Beast shell converts to and from them.
#include <string>
#include <utility>
#include <vector>

namespace rhsim {

/// One HTTP request as the broker needs it (the shell drops everything else).
struct SimRequest {
  std::string method;         ///< "GET", "POST", "DELETE"
  std::string target;         ///< path plus query, as on the request line
  std::string authorization;  ///< the Authorization header, empty if absent
  std::string content_type;
  std::string body;
};

/// What the connection does after the broker has decided (faults that are about the socket).
enum class Transport {
  respond,  ///< write the reply (after hold_ms)
  drop,     ///< close the connection without a reply (the request may have been processed)
  timeout,  ///< never reply; keep the connection open until the peer gives up
  reset,    ///< abort the connection with a TCP reset
};

/// One HTTP reply plus how to deliver it.
struct SimReply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  Transport transport = Transport::respond;
  int hold_ms = 0;  ///< configured latency plus any `delay` fault
};

}  // namespace rhsim
