#include "console/console.hpp"

#include "console/token.hpp"
#include "console/web_assets.hpp"
#include "runtime/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <deque>

namespace oms::console {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using asio::ip::tcp;
using runtime::awaitable;
using namespace std::chrono_literals;

namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr std::size_t kMaxQueuedMessages = 2000;  ///< a page this far behind is disconnected

void log_failure(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    log::error("console.connection_failed", {{"error", x.what()}});
  }
}

// Every answer: nothing cached, nothing framed, nothing fetched from elsewhere.
Response answer(const Request& req, http::status status, std::string body = {}, std::string_view type = {}) {
  Response res{status, req.version()};
  res.set(http::field::server, "oms-console");
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Content-Security-Policy",
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
          "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  if (!type.empty()) res.set(http::field::content_type, type);
  res.body() = std::move(body);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

Response json_answer(const Request& req, const json::value& doc, http::status status = http::status::ok) {
  return answer(req, status, json::serialize(doc), "application/json");
}

std::string header(const Request& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string() : std::string(it->value());
}

}  // namespace

struct Console::Connection {
  explicit Connection(tcp::socket s) : http(std::move(s)) {}
  beast::tcp_stream http;
  std::unique_ptr<websocket::stream<beast::tcp_stream>> ws;
  std::deque<std::shared_ptr<const std::string>> outbox;  ///< live messages waiting to be written
  std::unique_ptr<asio::steady_timer> wake;
  bool closing = false;
  void close() {
    closing = true;
    beast::error_code ec;
    if (ws) beast::get_lowest_layer(*ws).socket().close(ec);
    else http.socket().close(ec);
    if (wake) wake->cancel();
  }
};

Console::Console(ConsoleOptions options, std::shared_ptr<Monitor> monitor, control::OwnerPort& port,
                 std::shared_ptr<Metrics> metrics)
    : options_(std::move(options)),
      monitor_(std::move(monitor)),
      metrics_(std::move(metrics)),
      dispatcher_(port),
      strand_(monitor_->strand()),
      acceptor_(strand_) {}

Console::~Console() = default;

boost::system::result<std::shared_ptr<Console>, std::string> Console::open(ConsoleOptions options,
                                                                           std::shared_ptr<Monitor> monitor,
                                                                           control::OwnerPort& port,
                                                                           std::shared_ptr<Metrics> metrics) {
  if (auto rule = config::check_console_listen(options.listen); !rule.empty()) return "console.listen: " + rule;
  auto colon = options.listen.rfind(':');
  std::string host = options.listen.substr(0, colon);
  auto bare = host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  auto port_number = static_cast<unsigned short>(std::stoul(options.listen.substr(colon + 1)));
  std::shared_ptr<Console> c(new Console(std::move(options), std::move(monitor), port, std::move(metrics)));
  beast::error_code ec;
  auto address = asio::ip::make_address(bare, ec);
  tcp::endpoint endpoint(address, port_number);
  if (!ec) c->acceptor_.open(endpoint.protocol(), ec);
  if (!ec) c->acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) c->acceptor_.bind(endpoint, ec);
  if (!ec) c->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "console.listen: cannot listen on " + c->options_.listen + " (" + ec.message() + ")";
  c->port_ = c->acceptor_.local_endpoint().port();
  c->host_ = host + ":" + std::to_string(c->port_);

  c->secrets_.token = random_token();
  c->secrets_.csrf = random_token();
  c->secrets_.scrape_token = c->options_.scrape_token;
  c->secrets_.cookie_name = "oms_console_" + std::to_string(c->port_);
  c->secrets_.hosts = {c->host_};
  if (address.is_loopback()) c->secrets_.hosts.push_back("localhost:" + std::to_string(c->port_));
  for (const auto& h : c->secrets_.hosts) c->secrets_.origins.push_back("http://" + h);
  if (auto stored = store_token(c->options_.token_path, c->secrets_.token); !stored) {
    c->acceptor_.close(ec);
    return stored.error();
  }
  asio::co_spawn(c->strand_, c->accept_loop(), log_failure);
  log::info("console.listening", {{"address", c->host_}, {"token_file", c->options_.token_path}});
  return c;
}

std::string Console::url() const { return "http://" + host_ + "/?token=" + secrets_.token; }

void Console::close() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    if (self->closed_) return;
    self->closed_ = true;
    beast::error_code ec;
    self->acceptor_.close(ec);
    for (auto& [id, weak] : self->connections_)
      if (auto c = weak.lock()) c->close();
    self->connections_.clear();
  });
}

awaitable<void> Console::accept_loop() {
  auto self = shared_from_this();
  while (!closed_) {
    auto [ec, socket] = co_await acceptor_.async_accept(runtime::as_tuple_awaitable);
    if (ec) {
      if (closed_ || ec == asio::error::operation_aborted) break;
      log::warn("console.accept_failed", {{"error", ec.message()}});
      continue;
    }
    auto connection = std::make_shared<Connection>(std::move(socket));
    auto id = next_connection_++;
    connections_[id] = connection;
    auto run = [](std::shared_ptr<Console> c, std::shared_ptr<Connection> conn, std::uint64_t id) -> awaitable<void> {
      auto served = c->serve(conn);
      co_await std::move(served);
      c->connections_.erase(id);
    };
    asio::co_spawn(strand_, run(self, connection, id), log_failure);
  }
}

// The kill switch and resume, as the control protocol carries them out for `oms`.
awaitable<json::value> Console::act(control::Args args) {
  auto self = shared_from_this();
  control::Request request{json::value("console-" + std::to_string(next_request_++)), std::move(args)};
  auto result = std::make_shared<json::value>();
  auto emit = [self, result](std::string line) {
    auto reply = control::parse_reply(line);
    if (!reply) return;
    if (reply->kind == control::Reply::Kind::progress) {
      json::object message{{"type", "kill_switch"}, {"stage", reply->name}, {"data", reply->data}};
      asio::dispatch(self->strand_, [self, message = std::move(message)]() mutable {
        self->monitor_->broadcast(std::move(message));
      });
    } else if (reply->kind == control::Reply::Kind::result) {
      *result = json::object{{"ok", true}, {"result", reply->result}};
    } else if (reply->kind == control::Reply::Kind::error) {
      *result = json::object{{"ok", false}, {"error", reply->error.to_string()}};
    }
  };
  control::Dispatcher::Subscribe no_subscription = [](std::vector<control::Topic>) {};
  auto handled = dispatcher_.handle(std::move(request), emit, no_subscription);
  co_await std::move(handled);
  auto refreshed = monitor_->refresh();  // the pages see the new state at once, not at the next sample
  co_await std::move(refreshed);
  co_return *result;
}

awaitable<void> Console::serve(std::shared_ptr<Connection> conn) {
  auto self = shared_from_this();
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(64 * 1024);
    conn->http.expires_after(60s);
    auto [read_ec, n] = co_await http::async_read(conn->http, buffer, parser, runtime::as_tuple_awaitable);
    if (read_ec || closed_) co_return;
    Request req = parser.release();
    std::string method(req.method_string()), target(req.target()), host = header(req, "Host"),
        cookie = header(req, "Cookie"), authorization = header(req, "Authorization"),
        csrf = header(req, kCsrfHeader), origin = header(req, "Origin");
    RequestFacts facts{method, target, host, cookie, authorization, csrf, origin, websocket::is_upgrade(req)};
    Decision decision = authorize(facts, secrets_);
    Response res;
    if (!decision.allowed()) {
      // The status and nothing else: no hint of what was wrong, no page, no way around.
      res = answer(req, static_cast<http::status>(decision.status()));
      res.keep_alive(false);
      if (decision.verdict != Verdict::unauthorized)
        log::warn("console.refused", {{"status", decision.status()}, {"path", decision.path}});
    } else if (decision.verdict == Verdict::set_cookie) {
      res = answer(req, http::status::see_other);
      res.set(http::field::location, decision.location);
      res.set(http::field::set_cookie, session_cookie(secrets_));
    } else if (facts.websocket && decision.path == "/live") {
      conn->ws = std::make_unique<websocket::stream<beast::tcp_stream>>(std::move(conn->http));
      auto upgraded = [](std::shared_ptr<Console> c, std::shared_ptr<Connection> conn, Request req) -> awaitable<void> {
        beast::get_lowest_layer(*conn->ws).expires_never();
        auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
        timeouts.idle_timeout = 30s;
        timeouts.keep_alive_pings = true;
        conn->ws->set_option(timeouts);
        auto [ec] = co_await conn->ws->async_accept(req, runtime::as_tuple_awaitable);
        if (ec) co_return;
        auto session = c->live(conn);
        co_await std::move(session);
      };
      auto run = upgraded(self, conn, std::move(req));
      co_await std::move(run);
      co_return;
    } else {
      const auto& path = decision.path;
      bool get = req.method() == http::verb::get || req.method() == http::verb::head;
      bool post = req.method() == http::verb::post;
      if (get && path == "/metrics") {
        res = answer(req, http::status::ok, render_prometheus(metrics_->snapshot(), monitor_->gauges()),
                     kPrometheusContentType);
      } else if (get && path == "/api/snapshot") {
        auto snap = monitor_->snapshot();
        json::object doc = co_await std::move(snap);
        doc["csrf"] = secrets_.csrf;
        doc["csrf_header"] = kCsrfHeader;
        res = json_answer(req, doc);
      } else if (get && path == "/api/history") {
        auto q = req.target().find('?');
        auto id = q == std::string_view::npos ? std::string_view() : query_value(req.target().substr(q + 1), "order_id");
        res = id.empty() ? answer(req, http::status::bad_request, "order_id is required", "text/plain")
                         : json_answer(req, json::object{{"order_id", std::string(id)},
                                                         {"records", monitor_->history(std::string(id))}});
      } else if (post && path == "/api/kill-switch") {
        log::warn("console.kill_switch", {{"requested_by", "console"}});
        auto acted = act(control::CancelAllArgs{"console"});
        json::value doc = co_await std::move(acted);
        monitor_->broadcast(json::object{{"type", "kill_switch"}, {"stage", "done"}, {"data", doc}});
        res = json_answer(req, doc);
      } else if (post && path == "/api/resume") {
        log::warn("console.resume", {{"requested_by", "console"}});
        auto acted = act(control::ResumeArgs{"console"});
        json::value doc = co_await std::move(acted);
        res = json_answer(req, doc);
      } else if (auto* asset = get ? find_web_asset(path) : nullptr) {
        res = answer(req, http::status::ok, std::string(asset->body), asset->content_type);
      } else if (get || post) {
        res = answer(req, http::status::not_found);
      } else {
        res = answer(req, http::status::method_not_allowed);
      }
      if (req.method() == http::verb::head) res.body().clear();
    }
    bool keep = res.keep_alive();
    auto [write_ec, written] = co_await http::async_write(conn->http, res, runtime::as_tuple_awaitable);
    if (write_ec || !keep || closed_) {
      beast::error_code ec;
      conn->http.socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
  }
}

// A page's live feed: every change the monitor broadcasts, in order, through one writer.
awaitable<void> Console::live(std::shared_ptr<Connection> conn) {
  auto self = shared_from_this();
  conn->wake = std::make_unique<asio::steady_timer>(strand_, asio::steady_timer::time_point::max());
  std::weak_ptr<Connection> weak = conn;
  auto id = monitor_->subscribe([weak](std::shared_ptr<const std::string> message) {
    auto c = weak.lock();
    if (!c || c->closing) return;
    if (c->outbox.size() >= kMaxQueuedMessages) return c->close();
    c->outbox.push_back(std::move(message));
    c->wake->cancel();
  });
  auto hello = monitor_->snapshot();
  json::object first = co_await std::move(hello);
  first["type"] = "snapshot";
  conn->outbox.push_front(std::make_shared<const std::string>(json::serialize(first)));
  auto writer = [](std::shared_ptr<Connection> c) -> awaitable<void> {
    while (!c->closing) {
      if (c->outbox.empty()) {
        c->wake->expires_at(asio::steady_timer::time_point::max());
        co_await c->wake->async_wait(runtime::as_tuple_awaitable);
        continue;
      }
      auto message = c->outbox.front();
      c->outbox.pop_front();
      c->ws->text(true);
      auto [ec, n] = co_await c->ws->async_write(asio::buffer(*message), runtime::as_tuple_awaitable);
      if (ec) {
        c->close();
        co_return;
      }
    }
  };
  asio::co_spawn(strand_, writer(conn), log_failure);
  // The page sends nothing; reading notices its close (and answers pings).
  beast::flat_buffer incoming;
  for (;;) {
    auto [ec, n] = co_await conn->ws->async_read(incoming, runtime::as_tuple_awaitable);
    if (ec) break;
    incoming.consume(incoming.size());
  }
  monitor_->unsubscribe(id);
  conn->close();
}

}  // namespace oms::console
