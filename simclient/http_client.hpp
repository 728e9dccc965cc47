#pragma once
/// The one HTTP client of the tests, the benchmarks and `oms demo` (the product's broker client
/// is gateway/): synchronous HTTP/1.1 keep-alive, plain or TLS, to 127.0.0.1 only. Each call runs
/// on a private io_context under a deadline, so a server that never answers shows up as an error
/// instead of a hung caller. One thread at a time per client.
#include <boost/system/error_code.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oms::simclient {

/// Status, body and headers, or `error` when the transport failed (drop, reset, timeout).
struct Response {
  unsigned status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  boost::system::error_code error;

  /// The body as JSON; null when it is not JSON.
  boost::json::value json() const;
  /// The deadline passed before the reply came.
  bool timed_out() const;
  /// The first header of that name (any case); empty when absent.
  std::string header(std::string_view name) const;
};

using Form = std::vector<std::pair<std::string, std::string>>;
/// application/x-www-form-urlencoded as python requests writes it (robin_stocks' order forms):
/// unreserved characters as they are, a space as '+', every other byte %XX.
std::string encode_form(const Form& form);
/// "http://127.0.0.1:1234/orders/?cursor=9" → "/orders/?cursor=9" (the broker hands out full URLs).
std::string target_of(const std::string& url);

class HttpClient {
 public:
  /// Connects lazily to 127.0.0.1:port; with `ca_pem` it speaks TLS, trusts only that certificate
  /// and checks the host name 127.0.0.1.
  explicit HttpClient(std::uint16_t port, std::string ca_pem = {},
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  /// One request on the kept-alive connection, within the deadline (connect, TLS handshake, write
  /// and read together). A connection the server closed while it sat idle is reopened before the
  /// request goes out. A request is sent a second time, on a new connection, only when all of
  /// these hold: its method is idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), the
  /// connection had already carried an exchange, and the server closed it without a byte of an
  /// answer. A POST is never sent twice: the server may have acted on it. A timeout is never
  /// retried.
  Response request(const std::string& method, const std::string& target, const std::string& body = {},
                   const std::string& content_type = "application/x-www-form-urlencoded; charset=utf-8");
  Response get(const std::string& target) { return request("GET", target); }
  Response post_form(const std::string& target, const Form& form) {
    return request("POST", target, encode_form(form));
  }
  Response post_json(const std::string& target, const std::string& json) {
    return request("POST", target, json, "application/json");
  }

  /// Sent as "Authorization: Bearer <token>" from now on (empty: no header).
  void set_token(std::string token);
  /// One more header on every request from now on (a client's own session headers).
  void set_header(std::string name, std::string value);
  void set_timeout(std::chrono::milliseconds timeout);
  /// TCP connections opened so far (keep-alive reuses one).
  int connects() const;
  /// Requests written to a connection so far (a request sent again counts twice).
  std::size_t requests() const;
  /// Opens the connection now (for many-connection tests); false on failure.
  bool connect();
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace oms::simclient
