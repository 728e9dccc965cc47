#pragma once
/// The control endpoint's I/O shell: a Unix domain socket beside the journal (mode 0600, peer
/// uid checked with SO_PEERCRED), one reader, a queue and a single writer per connection, every
/// request handled concurrently by the Dispatcher (a cancel-all never waits behind a placement),
/// durable journal records fanned out to subscribers. Knows no actor and no logger: the owner
/// passes a log hook.
#include "control/dispatcher.hpp"
#include "runtime/asio.hpp"

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace oms::control {
namespace asio = boost::asio;

/// Why the endpoint could not be opened: the rule broken and what the operator can do.
struct OpenFailure {
  std::string rule;
  std::string what_to_do;
};

struct ServerOptions {
  std::string path;  ///< the socket file
  /// Structured log hook: an event name ("control.listening") and its fields.
  std::function<void(std::string_view event, boost::json::object fields)> log;
};

class Connection;

class Server : public std::enable_shared_from_this<Server> {
 public:
  /// Binds `options.path` (a stale socket left by a killed owner is detected — nobody accepts on
  /// it — and replaced; a live one or a file that is not a socket is an error) and starts
  /// accepting on `ctx`.
  static boost::system::result<std::shared_ptr<Server>, OpenFailure> open(asio::io_context& ctx, ServerOptions options,
                                                                          std::shared_ptr<Dispatcher> dispatcher);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  const std::string& path() const noexcept { return options_.path; }
  /// Delivers a durable journal record to the connections subscribed to its topic. Any thread.
  void publish(const boost::json::object& record);
  /// Stops taking requests: those in flight go on, new ones (on any connection, old or new) are
  /// refused with `shutting_down`, so clients know the owner is alive and finishing. Any thread.
  void stop_accepting();
  /// stop_accepting(), then waits until no request is in flight (at most `grace`), then removes
  /// the socket file and closes every connection.
  runtime::awaitable<void> shutdown(std::chrono::milliseconds grace);
  /// Closes the socket file and every connection now. Idempotent, any thread.
  void close();
  /// Requests being carried out now, over every connection.
  std::size_t in_flight() const noexcept { return in_flight_.load(); }

 private:
  friend class Connection;
  Server(asio::io_context& ctx, ServerOptions options, std::shared_ptr<Dispatcher> dispatcher);
  runtime::awaitable<void> accept_loop();
  runtime::awaitable<void> drain(std::chrono::milliseconds grace);
  void admit(asio::local::stream_protocol::socket socket);
  void on_stop_accepting();  // on strand_
  void on_close_acceptor();  // on strand_
  void log(std::string_view event, boost::json::object fields) const;
  void request_started() { ++in_flight_; }
  void request_finished();
  void connection_opened();
  void connection_closed();

  asio::io_context& ctx_;
  ServerOptions options_;
  std::shared_ptr<Dispatcher> dispatcher_;
  runtime::strand_type strand_;
  asio::local::stream_protocol::acceptor acceptor_;
  asio::steady_timer drained_;  ///< cancelled when the last request in flight ends
  asio::steady_timer all_closed_;  ///< cancelled when the last connection closes (shutdown)
  std::atomic<int> open_connections_{0};
  std::vector<std::weak_ptr<Connection>> connections_;  // on strand_
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<bool> accepting_{true};
  std::atomic<bool> closed_{false};
  unsigned long long inode_ = 0;  ///< the socket file we bound: removed only while it is still ours
};

}  // namespace oms::control
