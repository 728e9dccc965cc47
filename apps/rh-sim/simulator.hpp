#pragma once
/// rh-sim as a library: a Robinhood equity API simulator served over HTTP(S) on 127.0.0.1,
/// running on a caller-supplied io_context (tests and `oms demo` start it in-process).
#include "apps/rh-sim/options.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace rhsim {

/// The HTTP(S) server around the Broker. Not thread-safe: call it from one thread; it runs
/// all of its work on a strand of the io_context and starts no thread itself.
class Simulator {
 public:
  Simulator(boost::asio::io_context& ctx, Options options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  /// Binds 127.0.0.1 (port 0 = any free port) and starts serving; returns the port.
  /// Throws std::runtime_error if it cannot bind or set up TLS.
  std::uint16_t start();
  /// Closes the acceptor and every connection and cancels timers; completes on the context.
  void stop();
  /// "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
  std::string base_url() const;
  /// The self-signed certificate (PEM) a client should trust when TLS is on; else empty.
  std::string certificate_pem() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace rhsim
