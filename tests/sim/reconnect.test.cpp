// The one HTTP client (simclient/) on a kept-alive connection the server closes: against a tiny
// scripted HTTP/1.1 server on loopback, so each way of closing happens exactly when the test says.
#include "simclient/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

using oms::simclient::Form;
using oms::simclient::HttpClient;
using namespace std::chrono_literals;

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

/// What the server does with each request it reads, in order (after the script: answer).
enum class Step {
  answer,             ///< 200 "ok", keep-alive
  answer_then_close,  ///< 200 "ok" with keep-alive, then closes the idle connection
  hang_up,            ///< closes without a byte of an answer
  partial_then_close, ///< the head and 3 of 100 body bytes, then closes
  silent,             ///< says nothing until the client gives up
};

/// One connection at a time on 127.0.0.1, on its own thread; counts what it saw.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<Step> script) : script_(std::move(script)) {
    asio::co_spawn(ioc_, serve(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~ScriptedServer() {
    ioc_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  int accepted() const { return accepted_; }
  int received() const { return received_; }
  int closed() const { return closed_; }
  /// Polls until the server has closed `n` connections (or 10 s pass).
  bool wait_closed(int n) const {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (closed_ < n && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    return closed_ >= n;
  }

 private:
  asio::awaitable<void> serve() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
      if (ec) co_return;
      ++accepted_;
      co_await converse(std::move(socket));
    }
  }

  asio::awaitable<void> converse(tcp::socket socket) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [rec, n] = co_await http::async_read(socket, buffer, req, kTuple);
      if (rec) break;
      ++received_;
      Step step = next_ < script_.size() ? script_[next_++] : Step::answer;
      if (step == Step::hang_up) break;
      if (step == Step::silent) {
        co_await until_peer_closes(socket);
        break;
      }
      if (step == Step::partial_then_close) {
        std::string partial = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc";
        auto bytes = asio::buffer(partial);
        co_await asio::async_write(socket, bytes, kTuple);
        break;
      }
      http::response<http::string_body> res{http::status::ok, 11};
      res.body() = "ok";
      res.keep_alive(true);
      res.prepare_payload();
      auto [wec, written] = co_await http::async_write(socket, res, kTuple);
      if (wec || step == Step::answer_then_close) break;
    }
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    ++closed_;
  }

  static asio::awaitable<void> until_peer_closes(tcp::socket& socket) {
    char scratch[256];
    for (;;) {
      auto bytes = asio::buffer(scratch);
      auto [ec, n] = co_await socket.async_read_some(bytes, kTuple);
      if (ec) co_return;
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_, {asio::ip::make_address("127.0.0.1"), 0}};
  std::uint16_t port_ = acceptor_.local_endpoint().port();
  std::vector<Step> script_;
  std::size_t next_ = 0;
  std::atomic<int> accepted_{0}, received_{0}, closed_{0};
  std::thread thread_;
};

/// What the caller and the server saw of a second request, sent on the connection the first one
/// kept alive.
struct Seen {
  bool answered;         ///< the caller got the server's 200
  bool timed_out;
  int received;          ///< requests the server read, the first one included
  int connects;          ///< connections the client opened
  std::size_t requests;  ///< requests the client wrote
  bool operator==(const Seen&) const = default;
};
std::ostream& operator<<(std::ostream& out, const Seen& s) {
  return out << "{answered " << s.answered << ", timed_out " << s.timed_out << ", received " << s.received
             << ", connects " << s.connects << ", requests " << s.requests << "}";
}

/// GET /accounts/, then `method` /orders/ (a POST carries an order form) within `timeout`, with the
/// server following `script`; with `after_close`, the second request waits until the server has
/// closed the first connection.
Seen second_request(std::vector<Step> script, const std::string& method, bool after_close = false,
                    std::chrono::milliseconds timeout = 5000ms) {
  ScriptedServer server(std::move(script));
  HttpClient c(server.port());
  REQUIRE(c.get("/accounts/").status == 200);
  if (after_close) REQUIRE(server.wait_closed(1));
  c.set_timeout(timeout);
  Form order{{"symbol", "TSLA"}, {"side", "buy"}, {"quantity", "1"}};
  auto r = method == "POST" ? c.post_form("/orders/", order) : c.request(method, "/orders/");
  return {!r.error && r.status == 200, r.timed_out(), server.received(), c.connects(), c.requests()};
}

}  // namespace

TEST_CASE("a keep-alive connection the server closed while idle is reopened before the request goes out") {
  // A POST too: nothing of it was written to the dead connection, so it goes out exactly once.
  CHECK(second_request({Step::answer_then_close, Step::answer}, "POST", true) == Seen{true, false, 2, 2, 2});
}

TEST_CASE("a GET whose reused connection the server closes without a byte of answer is sent once more, on a new connection") {
  CHECK(second_request({Step::answer, Step::hang_up, Step::answer}, "GET") == Seen{true, false, 3, 2, 3});
}

TEST_CASE("the GET is sent again only once: a second hang-up is the caller's error") {
  CHECK(second_request({Step::answer, Step::hang_up, Step::hang_up, Step::answer}, "GET") ==
        Seen{false, false, 3, 2, 3});
}

TEST_CASE("a POST the server hangs up on is not sent again: the server may have acted on it") {
  CHECK(second_request({Step::answer, Step::hang_up, Step::answer}, "POST") == Seen{false, false, 2, 1, 2});
}

TEST_CASE("a request whose answer was partial is not sent again") {
  CHECK(second_request({Step::answer, Step::partial_then_close, Step::answer}, "GET") == Seen{false, false, 2, 1, 2});
}

TEST_CASE("a request that timed out is not sent again") {
  CHECK(second_request({Step::answer, Step::silent, Step::answer}, "GET", false, 300ms) == Seen{false, true, 2, 1, 2});
}

TEST_CASE("after a failed exchange the next request opens a new connection") {
  ScriptedServer server({Step::answer, Step::hang_up, Step::answer});
  HttpClient c(server.port());
  REQUIRE(c.get("/accounts/").status == 200);
  CHECK(c.post_form("/orders/", {{"symbol", "TSLA"}}).error);
  CHECK(c.get("/accounts/").status == 200);
  CHECK(c.connects() == 2);
}

TEST_CASE("a form is encoded as python requests encodes it: a space as '+', reserved bytes as %XX") {
  CHECK(oms::simclient::encode_form({{"a b", "c+d&e=f"}, {"ref_id", "x-y_z.~"}}) == "a+b=c%2Bd%26e%3Df&ref_id=x-y_z.~");
  CHECK(oms::simclient::target_of("http://127.0.0.1:1234/orders/?cursor=9") == "/orders/?cursor=9");
  CHECK(oms::simclient::target_of("https://127.0.0.1:1234") == "/");
  CHECK(oms::simclient::target_of("/orders/") == "/orders/");
}
