#include "bench/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>

namespace oms::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpClient::Connection {
  asio::io_context ctx;
  beast::tcp_stream stream{ctx};
  beast::flat_buffer buffer;
  bool open = false;
};

boost::json::value HttpResponse::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) throw HttpError("not JSON (HTTP " + std::to_string(status) + "): " + body.substr(0, 200));
  return v;
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

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout)
    : port_(port), timeout_(timeout), connection_(std::make_unique<Connection>()) {}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                                 const std::string& content_type) {
  // A keep-alive connection the server closed while it sat idle (a long wait between runs) fails
  // before any answer: once more on a new connection, as urllib3 does for robin_stocks.
  bool reused = connection_->open;
  try {
    return exchange(method, target, body, content_type);
  } catch (const HttpError&) {
    if (!reused || answered_) throw;
  }
  return exchange(method, target, body, content_type);
}

HttpResponse HttpClient::exchange(const std::string& method, const std::string& target, const std::string& body,
                                  const std::string& content_type) {
  auto& c = *connection_;
  beast::error_code ec;
  answered_ = false;
  if (!c.open) {
    c.stream.expires_after(timeout_);
    c.stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port_), ec);
    if (ec) throw HttpError("connect to 127.0.0.1:" + std::to_string(port_) + ": " + ec.message());
    c.stream.socket().set_option(asio::ip::tcp::no_delay(true));
    c.open = true;
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::accept, "*/*");
  req.set("X-Robinhood-API-Version", "1.431.4");
  if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
  if (!content_type.empty()) req.set(http::field::content_type, content_type);
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
  c.stream.expires_after(timeout_);
  http::write(c.stream, req, ec);
  http::response<http::string_body> res;
  if (!ec) http::read(c.stream, c.buffer, res, ec);
  ++requests_;
  answered_ = !ec || ec == http::error::partial_message;  // something came back: never resend
  if (ec) {
    c.stream.close();
    c.open = false;
    throw HttpError(method + " " + target + ": " + ec.message());
  }
  if (!res.keep_alive()) {
    c.stream.close();
    c.open = false;
  }
  return HttpResponse{res.result_int(), std::move(res.body())};
}

HttpResponse HttpClient::post_form(const std::string& target, const Form& form) {
  return request("POST", target, encode_form(form), "application/x-www-form-urlencoded; charset=utf-8");
}

HttpResponse HttpClient::post_json(const std::string& target, const boost::json::value& body) {
  return request("POST", target, boost::json::serialize(body), "application/json");
}

namespace {
boost::json::value checked(const std::string& what, const HttpResponse& r) {
  if (r.status < 200 || r.status >= 300)
    throw HttpError(what + " answered HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200));
  return r.json();
}
}  // namespace

boost::json::value SimAdmin::get(const std::string& path) { return checked("GET " + path, http_.get(path)); }

boost::json::value SimAdmin::post(const std::string& path, const boost::json::value& body) {
  return checked("POST " + path, http_.post_json(path, body));
}

}  // namespace oms::bench
