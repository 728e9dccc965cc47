#pragma once
/// A synchronous HTTP/1.1 keep-alive client on one connection to 127.0.0.1 (Beast), used by the
/// robin_stocks-style baseline, the order seeder and the simulator's admin API. Blocking calls on
/// a private io_context: each client belongs to one thread.
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace oms::bench {

/// A transport failure or an unexpected status: the benchmark run fails with it.
struct HttpError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  boost::json::value json() const;
};

using Form = std::vector<std::pair<std::string, std::string>>;
/// application/x-www-form-urlencoded, as robin_stocks sends order forms.
std::string encode_form(const Form& form);
/// "http://127.0.0.1:1234/orders/?cursor=9" → "/orders/?cursor=9" (the broker hands out full URLs).
std::string target_of(const std::string& url);

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// One request on the kept-alive connection (opened on first use, reopened if the server
  /// closed it). Throws HttpError on a transport failure.
  HttpResponse request(const std::string& method, const std::string& target, const std::string& body = {},
                       const std::string& content_type = {});
  HttpResponse get(const std::string& target) { return request("GET", target); }
  HttpResponse post_form(const std::string& target, const Form& form);
  HttpResponse post_json(const std::string& target, const boost::json::value& body);

  /// Sent as "Authorization: Bearer <token>" from now on.
  void set_token(std::string token) { token_ = std::move(token); }
  /// Requests sent so far.
  std::size_t requests() const noexcept { return requests_; }

 private:
  struct Connection;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  std::string token_;
  std::unique_ptr<Connection> connection_;
  HttpResponse exchange(const std::string& method, const std::string& target, const std::string& body,
                        const std::string& content_type);
  std::size_t requests_ = 0;
  bool answered_ = false;  ///< the last exchange got at least part of an answer
};

/// The simulator's admin API (/_sim/, never delayed): JSON in, JSON out, 2xx or HttpError.
class SimAdmin {
 public:
  explicit SimAdmin(std::uint16_t port) : http_(port) {}
  boost::json::value get(const std::string& path);
  boost::json::value post(const std::string& path, const boost::json::value& body);

 private:
  HttpClient http_;
};

}  // namespace oms::bench
