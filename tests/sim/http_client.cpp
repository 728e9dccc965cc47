#include "tests/sim/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include <optional>

namespace simtest {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

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
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
        else {
          out += '%';
          out += hex[c >> 4];
          out += hex[c & 15];
        }
      }
      if (part == &key) out += '=';
    }
  }
  return out;
}

struct HttpClient::Impl {
  asio::io_context ioc;
  std::uint16_t port;
  std::chrono::milliseconds timeout;
  std::optional<ssl::context> tls;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  std::string token;
  std::vector<std::pair<std::string, std::string>> extra_headers;
  int connects = 0;

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

  error_code open() {
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    auto tcp_stream = std::make_unique<beast::tcp_stream>(ioc);
    tcp_stream->expires_after(timeout);
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
    if (ec) secure.reset();
    return ec;
  }

  void close() {
    error_code ec;
    if (connected()) lowest().socket().close(ec);
    plain.reset();
    secure.reset();
    buffer.clear();
  }

  template <class Stream>
  Response exchange(Stream& stream, http::request<http::string_body>& req) {
    Response out;
    lowest().expires_after(timeout);
    out.error = run([&](auto handler) { http::async_write(stream, req, handler); });
    if (out.error) return out;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    lowest().expires_after(timeout);
    out.error = run([&](auto handler) { http::async_read(stream, buffer, parser, handler); });
    if (out.error) return out;
    auto res = parser.release();
    out.status = res.result_int();
    out.body = res.body();
    for (const auto& field : res) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    if (!res.keep_alive()) close();
    return out;
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

void HttpClient::set_token(std::string token) { impl_->token = std::move(token); }
void HttpClient::set_header(std::string name, std::string value) {
  impl_->extra_headers.emplace_back(std::move(name), std::move(value));
}
void HttpClient::set_timeout(std::chrono::milliseconds timeout) { impl_->timeout = timeout; }
int HttpClient::connects() const { return impl_->connects; }
void HttpClient::close() { impl_->close(); }

bool HttpClient::connect() {
  if (impl_->connected()) return true;
  return !impl_->open();
}

Response HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                             const std::string& content_type) {
  Impl& impl = *impl_;
  if (!impl.connected()) {
    Response failed;
    failed.error = impl.open();
    if (failed.error) return failed;
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(impl.port));
  req.set(http::field::accept, "*/*");
  req.set("X-Robinhood-API-Version", "1.431.4");
  req.keep_alive(true);
  if (!impl.token.empty()) req.set(http::field::authorization, "Bearer " + impl.token);
  for (const auto& [name, value] : impl.extra_headers) req.set(name, value);
  if (!body.empty() || method == "POST") {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.prepare_payload();
  Response out = impl.secure ? impl.exchange(*impl.secure, req) : impl.exchange(*impl.plain, req);
  if (out.error) impl.close();  // a failed exchange leaves the stream in an unknown state
  return out;
}

}  // namespace simtest
