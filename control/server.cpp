#include "control/server.hpp"

#include "runtime/run_on.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>

#include <cerrno>
#include <cstring>
#include <deque>
#include <set>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace oms::control {
namespace json = boost::json;
using runtime::awaitable;
using stream = asio::local::stream_protocol;

namespace {

// A subscriber that reads this far behind is dropped rather than growing without bound.
constexpr std::size_t kMaxQueuedLines = 10'000;
// How long a finishing connection still answers requests already on their way (`shutting_down`).
constexpr auto kLinger = std::chrono::milliseconds(200);
constexpr std::size_t kReadChunk = 4096;

std::string errno_text(int e) { return std::strerror(e); }

// What is at `path` now: nothing, a socket somebody accepts on, a stale socket, or another file.
enum class Occupant { none, live_socket, stale_socket, not_a_socket };

Occupant occupant_of(const std::string& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) return Occupant::none;
  if (!S_ISSOCK(st.st_mode)) return Occupant::not_a_socket;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Occupant::live_socket;  // cannot tell: do not remove what may be alive
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::close(fd);
  if (rc == 0) return Occupant::live_socket;
  // Nobody accepts: the owner that bound it is gone (killed before it could remove it).
  return err == ECONNREFUSED ? Occupant::stale_socket : Occupant::live_socket;
}

unsigned long long inode_of(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0 ? static_cast<unsigned long long>(st.st_ino) : 0;
}

}  // namespace

/// One client: a reader that parses lines and starts their requests, and a single writer that
/// drains the queue of reply and event lines. Everything runs on the connection's strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(stream::socket socket, std::shared_ptr<Server> server)
      : socket_(std::move(socket)), server_(std::move(server)), wake_(socket_.get_executor()),
        linger_(socket_.get_executor()) {
    wake_.expires_at(asio::steady_timer::time_point::max());
    server_->connection_opened();
  }

  void start() {
    auto self = shared_from_this();
    asio::co_spawn(socket_.get_executor(), read_loop(), asio::detached);
    asio::co_spawn(socket_.get_executor(), write_loop(), asio::detached);
  }

  /// Queues a line; any thread.
  void send(std::string line) {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this(), line = std::move(line)]() mutable {
      self->push(std::move(line));
    });
  }

  /// An event line for `topic`, if this connection subscribed to it; any thread.
  void deliver(Topic topic, std::shared_ptr<const std::string> line) {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this(), topic, line] {
      if (self->topics_.count(topic)) self->push(*line);
    });
  }

  /// Closes once the queued lines are written, after a short linger during which a request that
  /// was already on its way is still answered (`shutting_down`: the client sends it to the next
  /// owner) rather than dropped unread. Any thread.
  void finish() {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      self->linger_.expires_after(kLinger);
      self->linger_.async_wait([self](const boost::system::error_code&) {
        self->finishing_ = true;
        boost::system::error_code ignored;
        self->socket_.shutdown(stream::socket::shutdown_receive, ignored);
        self->maybe_close();
      });
    });
  }

  /// Closes now; any thread.
  void abort() {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->close_now(); });
  }

 private:
  awaitable<void> read_loop() {
    auto self = shared_from_this();
    std::string chunk(kReadChunk, '\0');
    for (;;) {
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(chunk), runtime::as_tuple_awaitable);
      if (ec) break;
      take(std::string_view(chunk.data(), n));
    }
    reading_ = false;
    topics_.clear();  // a subscriber that stopped sending has gone: its stream ends
    maybe_close();
  }

  // Splits what arrived into lines; an over-long line is refused once and skipped to its newline.
  void take(std::string_view data) {
    while (!data.empty()) {
      auto nl = data.find('\n');
      std::string_view part = data.substr(0, nl);
      if (!discarding_) pending_.append(part);
      if (!discarding_ && pending_.size() > kMaxLineBytes) {
        discarding_ = true;
        pending_.clear();
        push(encode_error(nullptr, Error{ErrorCode::line_too_long, "", "a request line is at most 65536 bytes",
                                         "send one JSON object per line"}));
      }
      if (nl == std::string_view::npos) return;
      if (!discarding_) line(std::move(pending_));
      pending_.clear();
      discarding_ = false;
      data.remove_prefix(nl + 1);
    }
  }

  void line(std::string text) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) return;  // blank lines are ignored
    auto request = parse_request(text);
    if (!request) {
      push(encode_error(request.error().id, request.error().error));
      return;
    }
    if (!server_->accepting_.load()) {
      push(encode_error(request->id, Error{ErrorCode::shutting_down, "", "the owner is shutting down",
                                           "run the command again: the next owner will answer"}));
      return;
    }
    ++running_;
    server_->request_started();
    asio::co_spawn(socket_.get_executor(), carry_out(std::move(*request)), asio::detached);
  }

  awaitable<void> carry_out(Request request) {
    auto self = shared_from_this();
    std::weak_ptr<Connection> weak = self;
    Dispatcher::Emit emit = [weak](std::string line) {
      if (auto c = weak.lock()) c->send(std::move(line));
    };
    Dispatcher::Subscribe subscribe = [weak](std::vector<Topic> topics) {
      if (auto c = weak.lock())
        asio::dispatch(c->socket_.get_executor(), [c, topics] { c->topics_.insert(topics.begin(), topics.end()); });
    };
    try {
      auto handled = server_->dispatcher_->handle(std::move(request), std::move(emit), std::move(subscribe));
      co_await std::move(handled);
    } catch (...) {
      // handle() turns every failure into an error line; nothing is expected here.
    }
    --running_;
    server_->request_finished();
    maybe_close();
  }

  void push(std::string line) {
    if (closed_) return;
    if (queue_.size() >= kMaxQueuedLines) {
      server_->log("control.client_too_slow", {{"queued_lines", queue_.size()}});
      close_now();
      return;
    }
    queue_.push_back(std::move(line));
    wake_.cancel();
  }

  awaitable<void> write_loop() {
    auto self = shared_from_this();
    while (!closed_) {
      if (queue_.empty()) {
        if (finishing_ || (!reading_ && running_ == 0 && topics_.empty())) break;
        co_await wake_.async_wait(runtime::as_tuple_awaitable);
        wake_.expires_at(asio::steady_timer::time_point::max());
        continue;
      }
      auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(queue_.front()), runtime::as_tuple_awaitable);
      if (ec) break;
      queue_.pop_front();
    }
    close_now();
  }

  // Reader done and nothing in flight: the writer empties the queue and closes.
  void maybe_close() {
    if (finishing_ || (!reading_ && running_ == 0 && topics_.empty())) wake_.cancel();
  }

  void close_now() {
    if (closed_) return;
    closed_ = true;
    linger_.cancel();
    server_->connection_closed();
    boost::system::error_code ignored;
    socket_.shutdown(stream::socket::shutdown_both, ignored);
    socket_.close(ignored);
    wake_.cancel();
  }

  stream::socket socket_;
  std::shared_ptr<Server> server_;
  asio::steady_timer wake_;  // the writer sleeps on it while the queue is empty
  asio::steady_timer linger_;  // finish(): answer late requests a moment before closing
  std::deque<std::string> queue_;
  std::string pending_;
  std::set<Topic> topics_;
  int running_ = 0;
  bool reading_ = true;
  bool discarding_ = false;
  bool finishing_ = false;
  bool closed_ = false;
};

Server::Server(asio::io_context& ctx, ServerOptions options, std::shared_ptr<Dispatcher> dispatcher)
    : ctx_(ctx),
      options_(std::move(options)),
      dispatcher_(std::move(dispatcher)),
      strand_(asio::make_strand(ctx.get_executor())),
      acceptor_(strand_),
      drained_(strand_),
      all_closed_(strand_) {
  drained_.expires_at(asio::steady_timer::time_point::max());
}

Server::~Server() {
  // The socket file goes with the server (it may not have been closed: a bot that never closed).
  if (!closed_.exchange(true) && inode_ != 0 && inode_of(options_.path) == inode_) ::unlink(options_.path.c_str());
}

boost::system::result<std::shared_ptr<Server>, OpenFailure> Server::open(asio::io_context& ctx, ServerOptions options,
                                                                         std::shared_ptr<Dispatcher> dispatcher) {
  const std::string path = options.path;  // a copy: options moves into the server below
  constexpr const char* kKey = "set order_management.control_socket to another path";
  if (path.empty()) return OpenFailure{"the control socket path is empty", kKey};
  if (path.size() >= sizeof(sockaddr_un::sun_path))
    return OpenFailure{"the control socket path " + path + " is " + std::to_string(path.size()) +
                           " bytes; a Unix socket path must be shorter than " +
                           std::to_string(sizeof(sockaddr_un::sun_path)),
                       kKey};
  Occupant before = occupant_of(path);
  if (before == Occupant::not_a_socket)
    return OpenFailure{path + " exists and is not a socket", "remove it, or " + std::string(kKey)};
  if (before == Occupant::live_socket)
    return OpenFailure{"another process already serves " + path,
                       "two owners cannot share a control socket: " + std::string(kKey)};
  // Bound under a temporary name, made 0600, then renamed over the final path: the final path is
  // never reachable with looser permissions, and a stale socket is replaced atomically.
  std::string temp = path + ".new-" + std::to_string(::getpid());
  if (temp.size() >= sizeof(sockaddr_un::sun_path)) temp = path;  // no room for a suffix: bind in place
  std::shared_ptr<Server> server(new Server(ctx, std::move(options), std::move(dispatcher)));
  boost::system::error_code ec;
  if (temp == path) ::unlink(path.c_str());
  else ::unlink(temp.c_str());
  server->acceptor_.open(stream(), ec);
  if (!ec) server->acceptor_.bind(stream::endpoint(temp), ec);
  if (ec) return OpenFailure{"cannot bind " + temp + ": " + ec.message(), "check the folder's permissions, or " + std::string(kKey)};
  if (::chmod(temp.c_str(), 0600) != 0 || (temp != path && ::rename(temp.c_str(), path.c_str()) != 0)) {
    int err = errno;
    ::unlink(temp.c_str());
    return OpenFailure{"cannot install " + path + ": " + errno_text(err), "check the folder's permissions"};
  }
  server->inode_ = inode_of(path);
  server->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return OpenFailure{"cannot listen on " + path + ": " + ec.message(), "check the folder's permissions"};
  if (before == Occupant::stale_socket) server->log("control.stale_socket_replaced", {{"path", path}});
  server->log("control.listening", {{"path", path}});
  asio::co_spawn(server->strand_, server->accept_loop(), asio::detached);
  return server;
}

awaitable<void> Server::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    // Each connection gets a strand of its own (named first: the GCC 12 trap).
    auto connection_strand = asio::make_strand(ctx_.get_executor());
    auto [ec, socket] = co_await acceptor_.async_accept(connection_strand, runtime::as_tuple_awaitable);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (ec) {
      log("control.accept_failed", {{"error", ec.message()}});
      continue;
    }
    admit(std::move(socket));
  }
}

void Server::admit(stream::socket socket) {
  ucred peer{};
  socklen_t len = sizeof peer;
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || peer.uid != ::geteuid()) {
    // Only the account's own user may place or cancel orders through the owner.
    log("control.peer_refused", {{"peer_uid", static_cast<std::int64_t>(peer.uid)}, {"peer_pid", peer.pid}});
    std::string line = encode_error(nullptr, Error{ErrorCode::forbidden, "peer", "only the owner's own user may connect",
                                                   "run the command as the user that runs the owner"});
    boost::system::error_code ignored;
    asio::write(socket, asio::buffer(line), ignored);
    socket.close(ignored);
    return;
  }
  auto connection = std::make_shared<Connection>(std::move(socket), shared_from_this());
  std::erase_if(connections_, [](const std::weak_ptr<Connection>& c) { return c.expired(); });
  connections_.push_back(connection);
  connection->start();
}

void Server::publish(const json::object& record) {
  // No connection open: nobody can be subscribed, and one opening later only sees later records.
  // Spares every journal record an encoding and a hop to this strand when nobody listens.
  if (open_connections_.load() == 0) return;
  std::string kind;
  if (const auto* k = record.if_contains("kind"); k && k->is_string()) kind = std::string(k->get_string());
  auto topic = topic_of(kind);
  if (!topic) return;
  auto line = encode_event(record);
  if (!line) return;
  auto shared = std::make_shared<const std::string>(std::move(*line));
  asio::dispatch(strand_, [self = shared_from_this(), topic = *topic, shared] {
    for (const auto& weak : self->connections_)
      if (auto c = weak.lock()) c->deliver(topic, shared);
  });
}

void Server::stop_accepting() {
  asio::dispatch(strand_, [self = shared_from_this()] { self->on_stop_accepting(); });
}

// New requests are refused with `shutting_down` from now on, also on new connections: a client
// can tell a stopping owner (it answers, it is finishing) from a wedged one (it answers nothing).
void Server::on_stop_accepting() {
  if (!accepting_.exchange(false)) return;
  log("control.stopped_accepting", {{"path", options_.path}, {"in_flight", in_flight_.load()}});
}

// The socket file goes with the acceptor; only our own: a successor may already have bound the path.
void Server::on_close_acceptor() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  if (inode_ != 0 && inode_of(options_.path) == inode_) ::unlink(options_.path.c_str());
  inode_ = 0;
}

void Server::request_finished() {
  if (--in_flight_ == 0) asio::dispatch(strand_, [self = shared_from_this()] { self->drained_.cancel(); });
}

awaitable<void> Server::shutdown(std::chrono::milliseconds grace) {
  auto drain = [](std::shared_ptr<Server> self, std::chrono::milliseconds grace) -> awaitable<void> {
    co_await self->drain(grace);
  };
  auto drained = runtime::run_on(strand_, drain(shared_from_this(), grace));
  co_await std::move(drained);
}

// On strand_ (through run_on): nothing else touches drained_ or connections_ meanwhile.
awaitable<void> Server::drain(std::chrono::milliseconds grace) {
  auto self = shared_from_this();
  on_stop_accepting();
  if (in_flight_.load() > 0) {
    drained_.expires_after(grace);
    co_await drained_.async_wait(runtime::as_tuple_awaitable);
  }
  if (in_flight_.load() > 0) log("control.shutdown_with_requests_in_flight", {{"in_flight", in_flight_.load()}});
  on_close_acceptor();
  for (const auto& weak : connections_)
    if (auto c = weak.lock()) c->finish();
  // The connections linger, answer, flush and close; bounded in case a client does not read.
  if (open_connections_.load() > 0) {
    all_closed_.expires_after(kLinger + std::chrono::seconds(2));
    co_await all_closed_.async_wait(runtime::as_tuple_awaitable);
  }
}

void Server::connection_opened() { ++open_connections_; }

void Server::connection_closed() {
  if (--open_connections_ == 0) asio::dispatch(strand_, [self = shared_from_this()] { self->all_closed_.cancel(); });
}

void Server::close() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->on_stop_accepting();
    self->on_close_acceptor();
    self->closed_ = true;
    self->drained_.cancel();
    for (const auto& weak : self->connections_)
      if (auto c = weak.lock()) c->abort();
    self->connections_.clear();
  });
}

void Server::log(std::string_view event, json::object fields) const {
  if (options_.log) options_.log(event, std::move(fields));
}

}  // namespace oms::control
