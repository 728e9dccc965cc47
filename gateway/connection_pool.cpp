#include "gateway/connection_pool.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/throw_exception.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <optional>

namespace oms::gateway {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using runtime::as_tuple_awaitable;
using runtime::awaitable;
using Clock = std::chrono::steady_clock;

std::string HttpResponse::header(std::string_view name) const {
  auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
  };
  for (const auto& [k, v] : headers)
    if (same(k, name)) return v;
  return {};
}

std::string TransportFailure::to_string() const {
  static constexpr const char* stages[] = {"connect", "TLS handshake", "write", "read"};
  return std::string(stages[static_cast<int>(stage)]) + " failed: " + ec.message() +
         (request_written ? " (after the request was sent)" : " (before the request was sent)");
}

void throw_exception_from_error(const TransportFailure& e, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error(e.to_string()), loc);
}

struct ConnectionPool::Connection {
  Connection(const runtime::strand_type& strand, ssl::context& tls_context, bool tls) {
    if (tls) secure.emplace(strand, tls_context);
    else plain.emplace(strand);
  }
  beast::tcp_stream& tcp() { return secure ? secure->next_layer() : *plain; }
  std::optional<beast::tcp_stream> plain;  // exactly one of the two is set
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  Clock::time_point idle_since{};
  bool reused = false;
  bool keep_alive = true;
};

struct ConnectionPool::Waiter {
  Waiter(const runtime::strand_type& strand, Lane l) : timer(strand, asio::steady_timer::time_point::max()), lane(l) {}
  asio::steady_timer timer;
  Lane lane;
  bool woken = false;
};

namespace {

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string host_header(const Endpoint& e) {
  bool default_port = (e.tls && e.port == "443") || (!e.tls && e.port == "80");
  return default_port ? e.host : e.host + ":" + e.port;
}

// One request/response on an open stream (plain or TLS).
template <class Stream>
awaitable<TransportResult> round_trip(Stream& stream, beast::tcp_stream& tcp, beast::flat_buffer& buffer,
                                      const HttpRequest& req, const Endpoint& endpoint,
                                      const PoolOptions& options, bool& keep_alive) {
  http::request<http::string_body> r{http::string_to_verb(req.method), req.target, 11};
  r.set(http::field::host, host_header(endpoint));
  for (const auto& [name, value] : req.headers) r.set(name, value);
  if (!req.content_type.empty()) r.set(http::field::content_type, req.content_type);
  r.body() = req.body;
  r.keep_alive(true);
  r.prepare_payload();

  tcp.expires_after(options.request_timeout);
  auto [write_ec, written] = co_await http::async_write(stream, r, as_tuple_awaitable);
  if (write_ec) co_return TransportFailure{write_ec, TransportStage::write, false};

  http::response_parser<http::string_body> parser;
  parser.body_limit(options.body_limit);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, as_tuple_awaitable);
  tcp.expires_never();
  if (read_ec) co_return TransportFailure{read_ec, TransportStage::read, true};

  auto& res = parser.get();
  keep_alive = res.keep_alive();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.body = std::move(res.body());
  co_return out;
}

}  // namespace

ConnectionPool::ConnectionPool(runtime::strand_type strand, Endpoint endpoint, PoolOptions options)
    : strand_(std::move(strand)), endpoint_(std::move(endpoint)), options_(std::move(options)),
      tls_(ssl::context::tls_client), surplus_timer_(strand_) {
  tls_.set_verify_mode(ssl::verify_peer);
  tls_.set_default_verify_paths();
  if (!options_.ca_file.empty()) tls_.load_verify_file(options_.ca_file);  // a bad path is a config bug
}

ConnectionPool::~ConnectionPool() = default;

awaitable<TransportResult> ConnectionPool::send(HttpRequest request, Lane lane) {
  auto self = shared_from_this();
  for (int attempt = 0;; ++attempt) {
    auto acquired = co_await acquire(lane);
    if (!acquired) co_return acquired.error();
    ConnectionPtr connection = std::move(*acquired);
    bool reused = connection->reused;
    auto result = co_await exchange(*connection, request);
    bool reusable = result.has_value() && connection->keep_alive;
    release(std::move(connection), reusable);
    // A keep-alive connection the server has closed meanwhile fails before anything was sent:
    // that is no failure of the broker, so try once more on a fresh connection.
    if (!result && reused && !result.error().request_written && attempt == 0) continue;
    co_return result;
  }
}

void ConnectionPool::close() {
  closed_ = true;
  surplus_timer_.cancel();
  open_ -= idle_.size();
  idle_.clear();
  while (!waiters_.empty()) wake_one();
}

awaitable<ConnectionPool::Acquired> ConnectionPool::acquire(Lane lane) {
  for (;;) {
    if (closed_) co_return TransportFailure{asio::error::operation_aborted, TransportStage::connect, false};
    while (!idle_.empty()) {
      ConnectionPtr c = std::move(idle_.front());
      idle_.pop_front();
      if (Clock::now() - c->idle_since < options_.idle_timeout) {
        c->reused = true;
        co_return Acquired(boost::system::in_place_value, std::move(c));
      }
      --open_;  // too old to trust: the server may be about to close it
    }
    if (open_ < std::max(options_.size, options_.max)) {
      ++open_;
      auto c = co_await connect();
      if (!c) {
        --open_;
        wake_one();
      }
      co_return c;
    }
    auto waiter = std::make_shared<Waiter>(strand_, lane);
    auto at = std::find_if(waiters_.begin(), waiters_.end(), [&](const auto& w) { return w->lane > lane; });
    waiters_.insert(at, waiter);
    co_await waiter->timer.async_wait(as_tuple_awaitable);
    if (!waiter->woken) {  // the caller was cancelled
      waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), waiter), waiters_.end());
      co_return TransportFailure{asio::error::operation_aborted, TransportStage::connect, false};
    }
  }
}

awaitable<ConnectionPool::Acquired> ConnectionPool::connect() {
  asio::ip::tcp::resolver resolver(strand_);
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(endpoint_.host, endpoint_.port, as_tuple_awaitable);
  if (resolve_ec) co_return TransportFailure{resolve_ec, TransportStage::connect, false};
  auto c = std::make_unique<Connection>(strand_, tls_, endpoint_.tls);
  c->tcp().expires_after(options_.connect_timeout);
  auto [connect_ec, peer] = co_await c->tcp().async_connect(endpoints, as_tuple_awaitable);
  if (connect_ec) co_return TransportFailure{connect_ec, TransportStage::connect, false};
  if (endpoint_.tls) {
    auto& stream = *c->secure;
    // SNI for host names only; an IP literal is checked against the certificate's IP SAN.
    if (!is_ip_literal(endpoint_.host)) SSL_set_tlsext_host_name(stream.native_handle(), endpoint_.host.c_str());
    stream.set_verify_callback(ssl::host_name_verification(endpoint_.host));
    auto [tls_ec] = co_await stream.async_handshake(ssl::stream_base::client, as_tuple_awaitable);
    if (tls_ec) co_return TransportFailure{tls_ec, TransportStage::tls_handshake, false};
  }
  c->tcp().expires_never();
  ++opened_;
  co_return Acquired(boost::system::in_place_value, std::move(c));
}

awaitable<TransportResult> ConnectionPool::exchange(Connection& c, const HttpRequest& request) {
  if (c.secure)
    co_return co_await round_trip(*c.secure, c.tcp(), c.buffer, request, endpoint_, options_, c.keep_alive);
  co_return co_await round_trip(*c.plain, c.tcp(), c.buffer, request, endpoint_, options_, c.keep_alive);
}

void ConnectionPool::release(ConnectionPtr c, bool reusable) {
  if (closed_ || !reusable) {
    --open_;
  } else {
    c->idle_since = Clock::now();
    idle_.push_front(std::move(c));  // the most recently used is reused first; the oldest lingers out
  }
  close_lingering_surplus();
  wake_one();
}

// Beyond `size`, the idle connections that have lingered long enough are closed, oldest first.
void ConnectionPool::close_lingering_surplus() {
  auto now = Clock::now();
  while (open_ > options_.size && !idle_.empty() && now - idle_.back()->idle_since >= options_.surplus_linger) {
    idle_.pop_back();
    --open_;
  }
  watch_surplus();
}

// One timer for the whole pool, due when the oldest idle surplus connection has lingered.
void ConnectionPool::watch_surplus() {
  if (surplus_watched_ || closed_ || open_ <= options_.size || idle_.empty()) return;
  surplus_watched_ = true;
  surplus_timer_.expires_at(idle_.back()->idle_since + options_.surplus_linger);
  surplus_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!self) return;
    self->surplus_watched_ = false;
    if (!ec) self->close_lingering_surplus();
  });
}

void ConnectionPool::wake_one() {
  if (waiters_.empty()) return;
  auto w = waiters_.front();
  waiters_.pop_front();
  w->woken = true;
  w->timer.cancel();
}

}  // namespace oms::gateway
