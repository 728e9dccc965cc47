#pragma once
/// HTTP/1.1 keep-alive connections to one broker host, plain or TLS (verification on, SNI), with
/// connect and request deadlines. Several requests run at once, one per connection, and the pool
/// grows to the work (bounded by PoolOptions::max), so a cancel-all is not serialised behind a
/// few sockets. Every wait is cancellable through the
/// awaiting coroutine's cancellation slot.
#include "gateway/http.hpp"
#include "runtime/asio.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <string>

namespace oms::gateway {

/// Who is waiting for a connection: cancels go first, then submissions, then polls.
enum class Lane { cancel = 0, submit = 1, poll = 2 };

/// The broker's address as the transport needs it.
struct Endpoint {
  bool tls = true;
  std::string host;
  std::string port;
};

/// Pool sizing and deadlines. The pool keeps `size` connections between bursts and grows to the
/// work — one connection per request waiting — up to `max` (a cancel-all sends every cancel at
/// once); a connection beyond `size` is closed once it has been idle for `surplus_linger`. The
/// linger is what keeps a steady load above `size` (16 strategies placing at once) on warm
/// connections: closing a surplus connection the moment it fell idle made the next request of the
/// same load open a new one (a TCP and a TLS handshake, up to 3 RTT) about every second request.
struct PoolOptions {
  std::size_t size = 4;
  std::size_t max = 32;
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds idle_timeout{20000};  ///< older idle connections are closed, not reused
  std::chrono::milliseconds surplus_linger{5000};  ///< how long a connection beyond `size` may stay idle
  std::string ca_file;                            ///< extra trust anchor (the simulator's certificate)
  std::size_t body_limit = 8 * 1024 * 1024;
};

/// Not thread-safe: used from one strand (the gateway actor's).
class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
 public:
  ConnectionPool(runtime::strand_type strand, Endpoint endpoint, PoolOptions options);
  ~ConnectionPool();

  /// Sends one request on a pooled connection (opening one if the pool has room, else waiting in
  /// `lane` order) and reads the whole response.
  runtime::awaitable<TransportResult> send(HttpRequest request, Lane lane);
  /// Closes idle connections and fails later sends; in-flight ones end when their callers are
  /// cancelled or their deadline passes.
  void close();

  std::size_t open_connections() const noexcept { return open_; }
  std::size_t idle_connections() const noexcept { return idle_.size(); }
  /// Connections opened over the pool's life (reuse shows as a small number).
  std::size_t connections_opened() const noexcept { return opened_; }
  const Endpoint& endpoint() const noexcept { return endpoint_; }

 private:
  struct Connection;
  struct Waiter;
  using ConnectionPtr = std::unique_ptr<Connection>;
  using Acquired = boost::system::result<ConnectionPtr, TransportFailure>;

  runtime::awaitable<Acquired> acquire(Lane lane);
  runtime::awaitable<Acquired> connect();
  runtime::awaitable<TransportResult> exchange(Connection& c, const HttpRequest& request);
  void release(ConnectionPtr c, bool reusable);
  void wake_one();
  void close_lingering_surplus();
  void watch_surplus();

  runtime::strand_type strand_;
  Endpoint endpoint_;
  PoolOptions options_;
  boost::asio::ssl::context tls_;
  std::deque<ConnectionPtr> idle_;
  std::deque<std::shared_ptr<Waiter>> waiters_;  // ordered by lane, then arrival
  boost::asio::steady_timer surplus_timer_;      // due when the oldest idle surplus connection has lingered
  bool surplus_watched_ = false;
  std::size_t open_ = 0;
  std::size_t opened_ = 0;
  bool closed_ = false;
};

}  // namespace oms::gateway
