#include "control/client.hpp"

#include <boost/asio/write.hpp>

namespace oms::control {
using stream = asio::local::stream_protocol;
using clock = std::chrono::steady_clock;

namespace {

ClientFailure failure_of(const boost::system::error_code& ec) {
  namespace err = asio::error;
  if (ec == err::connection_refused || ec == boost::system::errc::no_such_file_or_directory)
    return {ClientErrc::no_owner, ec.message()};
  if (ec == boost::system::errc::permission_denied) return {ClientErrc::refused, ec.message()};
  if (ec == err::eof || ec == err::connection_reset || ec == err::broken_pipe) return {ClientErrc::closed, ec.message()};
  return {ClientErrc::io, ec.message()};
}

// Runs `ctx` until `done` or `until`; on the deadline the operation is cancelled and run to its end.
template <class Socket>
bool run_until(asio::io_context& ctx, Socket& socket, const bool& done, clock::time_point until) {
  ctx.restart();
  // One handler at a time: other work on the context (a signal_set) must not keep us past `done`.
  while (!done && clock::now() < until) {
    if (ctx.run_one_until(until) == 0 && ctx.stopped()) break;
  }
  if (done) return true;
  boost::system::error_code ignored;
  socket.cancel(ignored);
  ctx.restart();
  while (!done && ctx.run_one() > 0) {
  }
  return false;
}

}  // namespace

Client::Client() : socket_(ctx_) {}
Client::~Client() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

boost::system::result<std::unique_ptr<Client>, ClientFailure> Client::connect(const std::string& path,
                                                                              std::chrono::milliseconds deadline) {
  std::unique_ptr<Client> c(new Client());
  bool done = false;
  boost::system::error_code result;
  c->socket_.async_connect(stream::endpoint(path), [&](const boost::system::error_code& ec) {
    result = ec;
    done = true;
  });
  if (!run_until(c->ctx_, c->socket_, done, clock::now() + deadline))
    return ClientFailure{ClientErrc::timed_out, "connecting to " + path + " took longer than " +
                                                    std::to_string(deadline.count()) + " ms"};
  if (result) return failure_of(result);
  return c;
}

void Client::interrupt() {
  interrupted_ = true;
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

boost::system::result<void, ClientFailure> Client::write(const std::string& line, clock::time_point until) {
  bool done = false;
  boost::system::error_code result;
  asio::async_write(socket_, asio::buffer(line), [&](const boost::system::error_code& ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!run_until(ctx_, socket_, done, until)) return ClientFailure{ClientErrc::timed_out, "the owner does not read"};
  if (result) return failure_of(result);
  return {};
}

boost::system::result<std::string, ClientFailure> Client::read_line(clock::time_point until) {
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (interrupted_) return ClientFailure{ClientErrc::interrupted, "interrupted"};
    std::string chunk(4096, '\0');
    bool done = false;
    boost::system::error_code result;
    std::size_t got = 0;
    socket_.async_read_some(asio::buffer(chunk), [&](const boost::system::error_code& ec, std::size_t n) {
      result = ec;
      got = n;
      done = true;
    });
    bool finished = run_until(ctx_, socket_, done, until);
    if (interrupted_) return ClientFailure{ClientErrc::interrupted, "interrupted"};
    if (!finished) return ClientFailure{ClientErrc::timed_out, "the owner did not answer in time"};
    if (result) return failure_of(result);
    buffer_.append(chunk.data(), got);
  }
}

boost::system::result<Reply, ClientFailure> Client::call(Request request, std::chrono::milliseconds deadline,
                                                         const LineHandler& on_line) {
  auto until = clock::now() + deadline;
  if (request.id.is_null()) request.id = next_id_++;
  if (auto w = write(encode_request(request), until); !w) return w.error();
  for (;;) {
    auto line = read_line(until);
    if (!line) return line.error();
    auto reply = parse_reply(*line);
    if (!reply) return ClientFailure{ClientErrc::protocol, reply.error().to_string()};
    bool mine = reply->id == request.id;
    bool final = reply->kind == Reply::Kind::result || reply->kind == Reply::Kind::error;
    // An error with a null id answers a line the owner could not read: ours, on this connection.
    if (final && (mine || (reply->kind == Reply::Kind::error && reply->id.is_null()))) return *reply;
    if (on_line) on_line(*reply);
  }
}

boost::system::result<void, ClientFailure> Client::listen(std::chrono::milliseconds duration,
                                                          const LineHandler& on_line) {
  auto until = clock::now() + duration;
  for (;;) {
    auto line = read_line(until);
    if (!line) {
      if (line.error().code == ClientErrc::timed_out) return {};
      return line.error();
    }
    auto reply = parse_reply(*line);
    if (!reply) return ClientFailure{ClientErrc::protocol, reply.error().to_string()};
    if (on_line) on_line(*reply);
  }
}

}  // namespace oms::control
