// The Beast shell around the Broker: an acceptor, one coroutine per keep-alive connection,
// and a ticking timer for everything that happens with time. All of it runs on one strand,
// which is what serialises access to the Broker.
#include "apps/rh-sim/broker.hpp"
#include "apps/rh-sim/simulator.hpp"
#include "apps/rh-sim/tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <fstream>
#include <iostream>
#include <list>
#include <sstream>
#include <stdexcept>

namespace rhsim {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
template <class T = void>
using awaitable = asio::awaitable<T>;
constexpr auto use_awaitable = asio::use_awaitable;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

namespace {
oms::Timestamp wall_now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}
constexpr auto kIdleTimeout = 120s;
constexpr auto kWriteTimeout = 30s;
}  // namespace

class Simulator::Impl : public std::enable_shared_from_this<Impl> {
 public:
  /// What stop() must close or cancel for one connection.
  struct Live {
    beast::tcp_stream* tcp;
    asio::steady_timer* hold;
  };

  Impl(asio::io_context& ctx, Options options)
      : strand_(asio::make_strand(ctx)), options_(std::move(options)), broker_(options_, wall_now()),
        acceptor_(strand_), tick_(strand_) {
    if (!options_.log_file.empty()) log_file_.open(options_.log_file, std::ios::app);
    broker_.set_logger([this](const std::string& line) { write_log(line); });
  }

  void write_log(const std::string& line) {
    if (!options_.log) return;
    std::ostream& out = log_file_.is_open() ? static_cast<std::ostream&>(log_file_) : std::cerr;
    out << line << '\n';
    out.flush();
  }

  void setup_tls() {
    ssl_.emplace(ssl::context::tls_server);
    ssl_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (!options_.tls_cert_file.empty()) {
      ssl_->use_certificate_chain_file(options_.tls_cert_file);
      ssl_->use_private_key_file(options_.tls_key_file, ssl::context::pem);
      std::ifstream in(options_.tls_cert_file);
      std::stringstream text;
      text << in.rdbuf();
      cert_pem_ = text.str();
      return;
    }
    std::string error;
    auto pair = make_self_signed(error);
    if (!pair) throw std::runtime_error(error);
    ssl_->use_certificate_chain(asio::buffer(pair->cert_pem));
    ssl_->use_private_key(asio::buffer(pair->key_pem), ssl::context::pem);
    cert_pem_ = pair->cert_pem;
  }

  std::string base_url() const {
    return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }

  void shutdown() {
    stopped_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    tick_.cancel();
    for (Live& live : live_) {
      live.tcp->socket().close(ec);
      live.hold->cancel();
    }
  }

  std::function<void(std::exception_ptr)> on_done(std::string what) {
    return [self = shared_from_this(), what](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        self->write_log("rh-sim " + what + " failed: " + x.what());
      }
    };
  }

  asio::strand<asio::io_context::executor_type> strand_;
  Options options_;
  Broker broker_;
  tcp::acceptor acceptor_;
  asio::steady_timer tick_;
  std::optional<ssl::context> ssl_;
  std::string cert_pem_;
  std::uint16_t port_ = 0;
  std::list<Live> live_;
  bool stopped_ = false;
  std::ofstream log_file_;
};

namespace {
using Impl = Simulator::Impl;

// Removes a connection from the live list however its coroutine ends.
struct LiveGuard {
  Impl& impl;
  std::list<Impl::Live>::iterator it;
  ~LiveGuard() { impl.live_.erase(it); }
};

SimRequest to_sim_request(http::request<http::string_body>& req) {
  SimRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  out.authorization = std::string(req[http::field::authorization]);
  out.content_type = std::string(req[http::field::content_type]);
  out.body = std::move(req.body());
  return out;
}

http::response<http::string_body> to_response(SimReply& reply, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(reply.status), version};
  res.set(http::field::server, "rh-sim");
  res.set(http::field::content_type, reply.content_type);
  for (auto& [name, value] : reply.headers) res.set(name, value);
  res.body() = std::move(reply.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

// A `timeout` fault: say nothing and wait for the client to give up (or for stop()).
awaitable<void> wait_for_peer_close(beast::tcp_stream& tcp) {
  tcp.expires_never();
  char scratch[512];
  for (;;) {
    auto [ec, n] = co_await tcp.socket().async_read_some(asio::buffer(scratch), as_tuple_awaitable);
    if (ec) co_return;
  }
}

void abort_connection(beast::tcp_stream& tcp) {
  boost::system::error_code ec;
  // Linger 0 makes close() send RST instead of FIN: a "connection reset by peer" for the client.
  tcp.socket().set_option(asio::socket_base::linger(true, 0), ec);
  tcp.socket().close(ec);
}

// `stream` and `hold` belong to the caller's frame, which awaits this coroutine to its end.
template <class Stream>
awaitable<void> serve(std::shared_ptr<Impl> self, Stream& stream, asio::steady_timer& hold) {
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  while (!self->stopped_) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    tcp.expires_after(kIdleTimeout);
    auto [rec, n] = co_await http::async_read(stream, buffer, parser, as_tuple_awaitable);
    if (rec) co_return;
    auto req = parser.release();
    SimRequest request = to_sim_request(req);
    SimReply reply = self->broker_.handle(request, wall_now());
    if (reply.hold_ms > 0) {
      hold.expires_after(std::chrono::milliseconds(reply.hold_ms));
      auto [hec] = co_await hold.async_wait(as_tuple_awaitable);
      if (hec || self->stopped_) co_return;
    }
    if (reply.transport == Transport::drop) {
      boost::system::error_code ec;
      tcp.socket().shutdown(tcp::socket::shutdown_both, ec);
      tcp.socket().close(ec);
      co_return;
    }
    if (reply.transport == Transport::reset) {
      abort_connection(tcp);
      co_return;
    }
    if (reply.transport == Transport::timeout) {
      co_await wait_for_peer_close(tcp);
      co_return;
    }
    bool keep_alive = req.keep_alive();
    auto res = to_response(reply, req.version(), keep_alive);
    tcp.expires_after(kWriteTimeout);
    auto [wec, written] = co_await http::async_write(stream, res, as_tuple_awaitable);
    if (wec || !keep_alive) break;
  }
  boost::system::error_code ec;
  tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
}

awaitable<void> run_session(std::shared_ptr<Impl> self, tcp::socket socket) {
  if (self->stopped_) co_return;  // accepted just before stop() ran
  asio::steady_timer hold(socket.get_executor());
  beast::tcp_stream tcp(std::move(socket));
  if (!self->ssl_) {
    LiveGuard guard{*self, self->live_.insert(self->live_.end(), Impl::Live{&tcp, &hold})};
    co_await serve(self, tcp, hold);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), *self->ssl_);
  // Registered before the handshake so that stop() also ends connections that never finish it.
  beast::tcp_stream& lowest = beast::get_lowest_layer(stream);
  LiveGuard guard{*self, self->live_.insert(self->live_.end(), Impl::Live{&lowest, &hold})};
  lowest.expires_after(10s);
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, as_tuple_awaitable);
  if (ec) co_return;
  co_await serve(self, stream, hold);
}

awaitable<void> run_acceptor(std::shared_ptr<Impl> self) {
  while (!self->stopped_) {
    auto [ec, socket] = co_await self->acceptor_.async_accept(as_tuple_awaitable);
    if (self->stopped_ || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors or similar: back off briefly instead of spinning.
      self->write_log("rh-sim accept failed: " + ec.message());
      asio::steady_timer pause(self->strand_, 50ms);
      co_await pause.async_wait(as_tuple_awaitable);
      continue;
    }
    boost::system::error_code opt_ec;
    socket.set_option(tcp::no_delay(true), opt_ec);
    asio::co_spawn(self->strand_, run_session(self, std::move(socket)), self->on_done("session"));
  }
}

awaitable<void> run_ticks(std::shared_ptr<Impl> self) {
  while (!self->stopped_) {
    self->tick_.expires_after(self->broker_.tick_interval());
    auto [ec] = co_await self->tick_.async_wait(as_tuple_awaitable);
    if (ec || self->stopped_) co_return;
    self->broker_.advance(wall_now());
  }
}

}  // namespace

Simulator::Simulator(asio::io_context& ctx, Options options)
    : impl_(std::make_shared<Impl>(ctx, std::move(options))) {}

Simulator::~Simulator() { stop(); }

std::uint16_t Simulator::start() {
  Impl& impl = *impl_;
  if (impl.options_.tls) impl.setup_tls();
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), impl.options_.port);
  impl.acceptor_.open(endpoint.protocol());
  impl.acceptor_.set_option(asio::socket_base::reuse_address(true));
  boost::system::error_code ec;
  impl.acceptor_.bind(endpoint, ec);
  if (ec) throw std::runtime_error("rh-sim cannot bind 127.0.0.1:" + std::to_string(endpoint.port()) +
                                   ": " + ec.message());
  impl.acceptor_.listen(asio::socket_base::max_listen_connections);
  impl.port_ = impl.acceptor_.local_endpoint().port();
  impl.broker_.set_base_url(impl.base_url());
  asio::co_spawn(impl.strand_, run_acceptor(impl_), impl.on_done("acceptor"));
  asio::co_spawn(impl.strand_, run_ticks(impl_), impl.on_done("ticker"));
  return impl.port_;
}

void Simulator::stop() {
  if (!impl_) return;
  asio::dispatch(impl_->strand_, [self = impl_] { self->shutdown(); });
}

std::string Simulator::base_url() const { return impl_->base_url(); }

std::string Simulator::certificate_pem() const { return impl_->cert_pem_; }

}  // namespace rhsim
