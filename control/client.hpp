#pragma once
/// A blocking client of the control endpoint, for the `oms` command line, tests and benchmarks:
/// its own io_context on the calling thread, and a deadline on every step, so a wedged owner
/// costs a bounded wait and never a hang.
#include "control/protocol.hpp"
#include "runtime/asio.hpp"

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace oms::control {
namespace asio = boost::asio;

/// Why the client got no answer.
enum class ClientErrc {
  no_owner = 1,  ///< no socket file, or nobody accepts on it (a killed owner's stale socket)
  refused,       ///< the socket exists but may not be used (permissions)
  timed_out,     ///< the owner did not answer within the deadline
  closed,        ///< the owner closed the connection before answering
  protocol,      ///< a line that is not a reply of this protocol version
  interrupted,   ///< interrupt() was called (a signal)
  io,            ///< any other socket failure
};

struct ClientFailure {
  ClientErrc code = ClientErrc::io;
  std::string detail;
};

class Client {
 public:
  using LineHandler = std::function<void(const Reply&)>;

  /// Connects to the socket at `path` within `deadline`.
  static boost::system::result<std::unique_ptr<Client>, ClientFailure> connect(const std::string& path,
                                                                               std::chrono::milliseconds deadline);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Sends `request` (a null id is replaced by the next number) and waits up to `deadline` for its
  /// result or error line; progress and event lines meanwhile go to `on_line`.
  boost::system::result<Reply, ClientFailure> call(Request request, std::chrono::milliseconds deadline,
                                                   const LineHandler& on_line = {});
  /// Delivers event lines to `on_line` for `duration`, or until interrupt().
  boost::system::result<void, ClientFailure> listen(std::chrono::milliseconds duration, const LineHandler& on_line);
  /// Ends the wait in progress with `interrupted` (from a handler running on context()).
  void interrupt();
  /// Where a signal_set for interrupt() can live.
  asio::io_context& context() noexcept { return ctx_; }

 private:
  Client();
  /// The next complete line, waiting at most until `until`.
  boost::system::result<std::string, ClientFailure> read_line(std::chrono::steady_clock::time_point until);
  boost::system::result<void, ClientFailure> write(const std::string& line, std::chrono::steady_clock::time_point until);

  asio::io_context ctx_;
  asio::local::stream_protocol::socket socket_;
  std::string buffer_;
  std::int64_t next_id_ = 1;
  bool interrupted_ = false;
};

}  // namespace oms::control
