#pragma once
/// The operator console's server (docs/runbook.md, "The console"): HTTP and a WebSocket on a
/// loopback address, served by the journal's owner with Beast. The page and its files come from
/// the binary; its state, live updates and the HEART table from the Monitor; its two acts, the
/// kill switch and resume, go through the control Dispatcher like any `oms` command (no second
/// path into the actors); GET /metrics renders the counters. Every request passes
/// console/auth.* first. Runs on the monitor's strand.
#include "console/auth.hpp"
#include "console/metrics.hpp"
#include "console/monitor.hpp"
#include "control/dispatcher.hpp"
#include "runtime/asio.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/result.hpp>

#include <map>
#include <memory>
#include <string>

namespace oms::console {

struct ConsoleOptions {
  std::string listen;        ///< "127.0.0.1:0"
  std::string scrape_token;  ///< config console.scrape_token (may be empty)
  std::string token_path;    ///< where the access token is stored (0600)
};

class Console : public std::enable_shared_from_this<Console> {
 public:
  /// Binds, stores a new token and starts accepting; the refusal in one line otherwise.
  static boost::system::result<std::shared_ptr<Console>, std::string> open(ConsoleOptions options,
                                                                           std::shared_ptr<Monitor> monitor,
                                                                           control::OwnerPort& port,
                                                                           std::shared_ptr<Metrics> metrics);
  ~Console();
  /// "http://127.0.0.1:PORT/?token=TOKEN": the one line an operator opens.
  std::string url() const;
  std::uint16_t port() const noexcept { return port_; }
  /// Stops accepting and closes every connection (idempotent, any thread).
  void close();

 private:
  struct Connection;
  Console(ConsoleOptions options, std::shared_ptr<Monitor> monitor, control::OwnerPort& port,
          std::shared_ptr<Metrics> metrics);
  runtime::awaitable<void> accept_loop();
  runtime::awaitable<void> serve(std::shared_ptr<Connection> connection);
  runtime::awaitable<void> live(std::shared_ptr<Connection> connection);
  runtime::awaitable<boost::json::value> act(control::Args args);

  ConsoleOptions options_;
  std::shared_ptr<Monitor> monitor_;
  std::shared_ptr<Metrics> metrics_;
  control::Dispatcher dispatcher_;
  runtime::strand_type strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Secrets secrets_;
  std::uint16_t port_ = 0;
  std::string host_;  ///< "127.0.0.1:PORT"
  std::map<std::uint64_t, std::weak_ptr<Connection>> connections_;
  std::uint64_t next_connection_ = 1;
  std::uint64_t next_request_ = 1;
  bool closed_ = false;
};

}  // namespace oms::console
