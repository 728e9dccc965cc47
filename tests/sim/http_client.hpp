#pragma once
// A small synchronous HTTP(S)/1.1 keep-alive client for the simulator's tests (test-only; the
// product's client lives in gateway/). Each call has a deadline, so a fault that never answers
// shows up as an error instead of a hung test.
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace simtest {

/// Status, body and headers, or `error` when the transport failed (drop, reset, timeout).
struct Response {
  unsigned status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  boost::system::error_code error;

  boost::json::value json() const;
  /// The deadline passed before the reply came.
  bool timed_out() const;
  std::string header(std::string_view name) const;
};

using Form = std::vector<std::pair<std::string, std::string>>;
std::string encode_form(const Form& form);

class HttpClient {
 public:
  /// Connects lazily to 127.0.0.1:port; with `ca_pem` it speaks TLS and trusts only that cert.
  explicit HttpClient(std::uint16_t port, std::string ca_pem = {},
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;

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
  /// Opens the connection now (for many-connection tests); false on failure.
  bool connect();
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace simtest
