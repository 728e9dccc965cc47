#pragma once
// `oms serve --http 127.0.0.1:0` as a subprocess against an in-process rh-sim (the CLI tests'
// fixture), the console's URL read from its stdout, and a webhook receiver on loopback.
#include "tests/cli/cli_fixture.hpp"
#include "simclient/http_client.hpp"
#include "tests/eventually.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <csignal>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

namespace consoletest {
using namespace std::chrono_literals;

/// testsupport::eventually, polling every 20 ms: a poll here may run a script in the browser.
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds deadline = 30s) {
  return testsupport::eventually(std::move(done), deadline, 20ms);
}

/// Takes alerts as a webhook would: each POST's JSON body is kept; `hang` never answers.
class WebhookReceiver {
 public:
  explicit WebhookReceiver(bool hang = false) : hang_(hang), acceptor_(ctx_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~WebhookReceiver() {
    stopping_ = true;
    // A blocking accept() is not woken by close() from another thread: a connection wakes it.
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket wake(ctx_);
    wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/oms"; }
  std::vector<boost::json::object> alerts() const {
    std::lock_guard lock(mutex_);
    return alerts_;
  }
  /// Alerts received whose event is `event`.
  std::size_t count(const std::string& event) const {
    std::size_t n = 0;
    for (const auto& a : alerts()) n += a.at("event").as_string() == event;
    return n;
  }
  std::size_t requests() const { return requests_.load(); }

 private:
  void serve() {
    namespace http = boost::beast::http;
    std::vector<boost::asio::ip::tcp::socket> held;  // hung connections stay open until the end
    while (!stopping_) {
      boost::system::error_code ec;
      auto socket = acceptor_.accept(ec);
      if (ec || stopping_) break;
      if (hang_) {
        ++requests_;
        held.push_back(std::move(socket));
        continue;
      }
      boost::beast::flat_buffer buffer;
      for (;;) {
        http::request<http::string_body> req;
        http::read(socket, buffer, req, ec);
        if (ec) break;
        ++requests_;
        {
          std::lock_guard lock(mutex_);
          alerts_.push_back(boost::json::parse(req.body()).as_object());
          paths_.push_back(std::string(req.target()));
        }
        http::response<http::string_body> res{http::status::ok, req.version()};
        res.body() = "{}";
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        http::write(socket, res, ec);
        if (ec || !req.keep_alive()) break;
      }
    }
  }
  bool hang_;
  boost::asio::io_context ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> requests_{0};
  mutable std::mutex mutex_;
  std::vector<boost::json::object> alerts_;
  std::vector<std::string> paths_;
};

/// rh-sim, `oms serve --http 127.0.0.1:0` with `alerts` (a JSON object's text, or empty), the URL.
class ConsoleFixture : public clitest::CliFixture {
 public:
  explicit ConsoleFixture(const std::string& alerts = "", rhsim::Options options = simtest::frozen_options())
      : CliFixture(options) {
    username = options.user;  // the owner logs in with the simulator's credentials
    password = options.password;
    auto config = clitest::config_json(sim.base(), dir);
    // Broker requests may take longer than the CLI tests allow (the P95 test delays them 1.7 s).
    config.replace(config.find(R"("request_ms":1000)"), 17, R"("request_ms":5000)");
    if (!alerts.empty()) config = config.substr(0, config.size() - 1) + R"(,"alerts":)" + alerts + "}";
    write_config(config);
    serve = std::make_unique<clitest::Child>(argv({"serve", "--http", "127.0.0.1:0"}), env(), dir.string());
    bool up = serve->wait_for_output([](const std::string& out) {
      auto at = out.find("console http://");
      return at != std::string::npos && out.find('\n', at) != std::string::npos;
    }, 60s);
    INFO("oms serve printed: ", serve->out());
    REQUIRE(up);
    auto out = serve->out();
    auto at = out.find("console http://") + 8;
    url = out.substr(at, out.find('\n', at) - at);
    auto colon = url.find(':', 7);
    port = static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1)));
    token = url.substr(url.find("?token=") + 7);
    host = "127.0.0.1:" + std::to_string(port);
  }
  ~ConsoleFixture() {
    if (serve) {
      serve->signal(SIGTERM);
      serve->finish();
    }
  }

  /// A client that has visited the URL: it carries the cookie the console set.
  simtest::HttpClient browser() {
    simtest::HttpClient c(port);
    auto first = c.get("/?token=" + token);
    REQUIRE(first.status == 303);
    auto cookie = first.header("Set-Cookie");
    c.set_header("Cookie", cookie.substr(0, cookie.find(';')));
    return c;
  }
  /// The CSRF header's value, as the page gets it.
  std::string csrf(simtest::HttpClient& c) {
    auto snap = c.get("/api/snapshot");
    REQUIRE(snap.status == 200);
    return std::string(snap.json().at("csrf").as_string());
  }
  boost::json::object state(simtest::HttpClient& c) { return c.get("/api/snapshot").json().at("state").as_object(); }

  std::unique_ptr<clitest::Child> serve;
  std::string url, token, host;
  std::uint16_t port = 0;
};

}  // namespace consoletest
