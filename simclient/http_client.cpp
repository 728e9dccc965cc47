#include "simclient/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>

#include <cctype>
#include <optional>

namespace oms::simclient {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Request = http::request<http::string_body>;
using Deadline = std::chrono::steady_clock::time_point;

boost::json::value Response::json() const {
  error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value(nullptr) : v;
}

bool Response::timed_out() const { return error == beast::error::timeout; }

std::string Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (beast::iequals(key, name)) return value;
  return {};
}

std::string encode_form(const Form& form) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const auto& [key, value] : form) {
    if (!out.empty()) out += '&';
    for (const std::string* part : {&key, &value}) {
      for (unsigned char c : *part) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
          out += static_cast<char>(c);
        else if (c == ' ')
          out += '+';
        else
          out += {'%', hex[c >> 4], hex[c & 15]};
      }
      if (part == &key) out += '=';
    }
  }
  return out;
}

std::string target_of(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto slash = url.find('/', scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

namespace {

// RFC 9110 §9.2.2: sending one of these twice has the effect of sending it once.
bool idempotent(http::verb method) {
  switch (method) {
    case http::verb::get:
    case http::verb::head:
    case http::verb::options:
    case http::verb::trace:
    case http::verb::put:
    case http::verb::delete_:
      return true;
    default:
      return false;
  }
}

// The server hung up (FIN or RST), as opposed to a deadline that passed while it may still work.
bool server_hung_up(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == ssl::error::stream_truncated;
}

}  // namespace

struct HttpClient::Impl {
  asio::io_context ioc;
  std::uint16_t port = 0;
  std::chrono::milliseconds timeout{};
  std::optional<ssl::context> tls;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  std::string token;
  std::vector<std::pair<std::string, std::string>> extra_headers;
  int connects = 0;
  std::size_t requests = 0;
  bool carried = false;   ///< the open connection has carried a whole exchange (it may have sat idle since)
  bool reused = false;    ///< the last attempt went out on a connection that had carried an exchange
  bool answered = false;  ///< the last attempt got at least one byte of an answer

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  bool connected() const { return plain || secure; }

  // Runs one asynchronous operation to completion; the stream's deadline bounds it.
  template <class Start>
  error_code run(Start start) {
    error_code result = asio::error::would_block;
    start([&](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  error_code open(Deadline deadline) {
    close();
    tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
    auto tcp_stream = std::make_unique<beast::tcp_stream>(ioc);
    tcp_stream->expires_at(deadline);
    error_code ec = run([&](auto handler) { tcp_stream->async_connect(endpoint, handler); });
    if (ec) return ec;
    ++connects;
    tcp_stream->socket().set_option(tcp::no_delay(true), ec);
    if (!tls) {
      plain = std::move(tcp_stream);
      return {};
    }
    secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*tcp_stream), *tls);
    secure->set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    ec = run([&](auto handler) { secure->async_handshake(ssl::stream_base::client, handler); });
    if (ec) close();
    return ec;
  }

  void close() {
    error_code ec;
    if (connected()) lowest().socket().close(ec);
    plain.reset();
    secure.reset();
    buffer.clear();
    carried = false;
  }

  // urllib3's is_connection_dropped: an idle keep-alive connection that is readable was closed
  // by the server (FIN or RST) or holds bytes nobody asked for; either way it cannot carry the
  // next request. Nothing has been sent yet, so reopening is safe whatever the method.
  bool server_left() {
    if (buffer.size() > 0) return true;
    auto& socket = lowest().socket();
    error_code ec;
    socket.non_blocking(true, ec);
    char byte = 0;
    socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
    error_code ignored;
    socket.non_blocking(false, ignored);
    return ec != asio::error::would_block;
  }

  template <class Stream>
  Response exchange(Stream& stream, Request& req) {
    Response out;
    out.error = run([&](auto handler) { http::async_write(stream, req, handler); });
    if (out.error) return out;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    out.error = run([&](auto handler) { http::async_read(stream, buffer, parser, handler); });
    answered = parser.got_some() || buffer.size() > 0;
    if (out.error) return out;
    auto res = parser.release();
    out.status = res.result_int();
    out.body = std::move(res.body());
    for (const auto& field : res) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    if (!res.keep_alive()) close();
    return out;
  }

  // One attempt: reopen what the server closed while idle, write the request, read the answer.
  Response attempt(Request& req) {
    Deadline deadline = std::chrono::steady_clock::now() + timeout;
    if (connected() && carried && server_left()) close();
    reused = connected() && carried;
    answered = false;
    if (!connected()) {
      Response failed;
      failed.error = open(deadline);
      if (failed.error) return failed;
    }
    lowest().expires_at(deadline);
    ++requests;
    Response out = secure ? exchange(*secure, req) : exchange(*plain, req);
    if (out.error) close();  // a failed exchange leaves the stream in an unknown state
    else if (connected()) carried = true;
    return out;
  }

  Request build(const std::string& method, const std::string& target, const std::string& body,
                const std::string& content_type) const {
    Request req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(http::field::accept, "*/*");
    req.set("X-Robinhood-API-Version", "1.431.4");
    req.keep_alive(true);
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    for (const auto& [name, value] : extra_headers) req.set(name, value);
    if (!content_type.empty() && (!body.empty() || req.method() == http::verb::post))
      req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    return req;
  }
};

HttpClient::HttpClient(std::uint16_t port, std::string ca_pem, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
  impl_->timeout = timeout;
  if (!ca_pem.empty()) {
    impl_->tls.emplace(ssl::context::tls_client);
    impl_->tls->add_certificate_authority(asio::buffer(ca_pem));
    impl_->tls->set_verify_mode(ssl::verify_peer);
  }
}

HttpClient::~HttpClient() {
  if (impl_) impl_->close();
}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

void HttpClient::set_token(std::string token) { impl_->token = std::move(token); }
void HttpClient::set_header(std::string name, std::string value) {
  impl_->extra_headers.emplace_back(std::move(name), std::move(value));
}
void HttpClient::set_timeout(std::chrono::milliseconds timeout) { impl_->timeout = timeout; }
int HttpClient::connects() const { return impl_->connects; }
std::size_t HttpClient::requests() const { return impl_->requests; }
void HttpClient::close() { impl_->close(); }

bool HttpClient::connect() {
  if (impl_->connected()) return true;
  return !impl_->open(std::chrono::steady_clock::now() + impl_->timeout);
}

Response HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                             const std::string& content_type) {
  Impl& impl = *impl_;
  Request req = impl.build(method, target, body, content_type);
  Response out = impl.attempt(req);
  // The server closed a kept-alive connection as the request went out, before a byte of an
  // answer: most likely an idle close that crossed the request, but the server may have read and
  // acted on it. Only a request whose repetition changes nothing goes out again, once.
  if (out.error && impl.reused && !impl.answered && server_hung_up(out.error) && idempotent(req.method()))
    out = impl.attempt(req);
  return out;
}

}  // namespace oms::simclient
