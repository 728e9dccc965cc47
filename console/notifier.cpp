#include "console/notifier.hpp"

#include "gateway/connection_pool.hpp"
#include "gateway/url.hpp"
#include "runtime/log.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace oms::console {
namespace asio = boost::asio;
namespace json = boost::json;
using runtime::awaitable;
using namespace std::chrono_literals;

struct Notifier::Channel {
  explicit Channel(const runtime::strand_type& s, std::string n, std::size_t l)
      : wake(s, asio::steady_timer::time_point::max()), name(std::move(n)), limit(l) {}
  asio::steady_timer wake;  ///< cancelled when an alert is queued
  std::string name;         ///< "webhook" | "command"
  std::size_t limit;
  std::deque<std::shared_ptr<const std::string>> queue;
  bool running = false;
  asio::cancellation_signal stop;  ///< cuts the worker's current delivery short at close()
};

namespace {

// The child gets the owner's environment without the broker credentials.
std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view v(*e);
    if (v.rfind("RH_", 0) == 0) continue;  // RH_USERNAME, RH_PASSWORD, RH_MFA_SECRET, RH_MFA_CODE
    env.emplace_back(v);
  }
  return env;
}

void log_delivery(const std::string& channel, const std::string& body, bool ok, std::string detail) {
  auto alert = json::parse(body).as_object();
  json::object fields{{"channel", channel}, {"id", alert["id"]}, {"event", alert["event"]}};
  if (!detail.empty()) fields["detail"] = detail;
  if (ok) log::info("alert.sent", std::move(fields));
  else log::error("alert.failed", std::move(fields));
}

}  // namespace

Notifier::Notifier(asio::io_context& ctx, config::AlertsConfig config, std::shared_ptr<Metrics> metrics,
                   json::object identity)
    : ctx_(ctx),
      config_(std::move(config)),
      metrics_(std::move(metrics)),
      identity_(std::move(identity)),
      strand_(asio::make_strand(ctx.get_executor())) {
  auto limit = static_cast<std::size_t>(config_.queue_limit);
  if (!config_.webhook_url.empty()) webhook_ = std::make_shared<Channel>(strand_, "webhook", limit);
  if (!config_.command.empty()) command_ = std::make_shared<Channel>(strand_, "command", limit);
}

Notifier::~Notifier() = default;

std::string Notifier::check() const {
  if (config_.webhook_url.empty()) return {};
  auto url = gateway::parse_base_url(config_.webhook_url.substr(0, config_.webhook_url.find('/', 8)));
  if (!url) return "alerts.webhook_url: " + url.error().message();
  return {};
}

void Notifier::send(json::object alert) {
  alert["owner"] = identity_;
  auto body = std::make_shared<const std::string>(json::serialize(alert));
  asio::dispatch(strand_, [self = shared_from_this(), body] {
    if (self->closed_) return;
    if (self->webhook_) self->enqueue(self->webhook_, body);
    if (self->command_) self->enqueue(self->command_, body);
  });
}

void Notifier::close() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->closed_ = true;
    for (auto* c : {&self->webhook_, &self->command_})
      if (*c) {
        (*c)->queue.clear();
        (*c)->wake.cancel();
        // A delivery in progress (a hung webhook's request, a backoff, a command's wait) ends now:
        // the owner's shutdown does not wait for a receiver's deadline.
        (*c)->stop.emit(asio::cancellation_type::terminal);
      }
    if (self->pool_) std::static_pointer_cast<gateway::ConnectionPool>(self->pool_)->close();
  });
}

// On strand_.
void Notifier::enqueue(const std::shared_ptr<Channel>& channel, std::shared_ptr<const std::string> body) {
  if (channel->queue.size() >= channel->limit) {
    channel->queue.pop_front();  // the newest alert says more about now than the oldest
    metrics_->alert_dropped();
    log::error("alert.dropped", {{"channel", channel->name}, {"reason", "the queue is full"}});
  }
  channel->queue.push_back(std::move(body));
  channel->wake.cancel();
  if (channel->running) return;
  channel->running = true;
  auto task = work(channel);
  asio::co_spawn(strand_, std::move(task), asio::bind_cancellation_slot(channel->stop.slot(), [](std::exception_ptr e) {
    if (e) try { std::rethrow_exception(e); } catch (const std::exception& x) { log::error("alert.worker_failed", {{"error", x.what()}}); }
  }));
}

awaitable<void> Notifier::work(std::shared_ptr<Channel> channel) {
  auto self = shared_from_this();
  // close() cancels the delivery in progress: its operations answer operation_aborted (as_tuple)
  // instead of the coroutine throwing at its next co_await.
  co_await asio::this_coro::throw_if_cancelled(false);
  while (!closed_ && !channel->queue.empty()) {
    auto body = channel->queue.front();
    channel->queue.pop_front();
    bool ok = false;
    if (channel == webhook_) {
      auto delivered = post_webhook(body);
      ok = co_await std::move(delivered);
    } else {
      auto ran = run_command(body);
      ok = co_await std::move(ran);
    }
    if (closed_) break;
    if (ok) metrics_->alert_sent();
    else metrics_->alert_failed();
  }
  channel->running = false;
}

awaitable<bool> Notifier::post_webhook(std::shared_ptr<const std::string> body) {
  auto self = shared_from_this();
  const auto& url = config_.webhook_url;
  auto path_at = url.find('/', url.find("//") + 2);
  auto base = gateway::parse_base_url(url.substr(0, path_at));
  if (!base) {
    log_delivery("webhook", *body, false, "alerts.webhook_url: " + base.error().message());
    co_return false;
  }
  if (!pool_) {
    gateway::PoolOptions options;
    options.size = 1;
    options.connect_timeout = 3s;
    options.request_timeout = 5s;  // a hung receiver costs this, then a retry; nobody waits on it
    pool_ = std::make_shared<gateway::ConnectionPool>(
        strand_, gateway::Endpoint{base->tls, base->host, std::to_string(base->port)}, options);
  }
  auto pool = std::static_pointer_cast<gateway::ConnectionPool>(pool_);
  std::string target = path_at == std::string::npos ? "/" : url.substr(path_at);
  auto delay = kFirstDelay;
  std::string detail;
  for (int attempt = 1; attempt <= kAttempts && !closed_; ++attempt) {
    gateway::HttpRequest request;
    request.method = "POST";
    request.target = target;
    request.body = *body;
    request.content_type = "application/json";
    request.headers = {{"User-Agent", "oms-alerts/1"}};
    auto sent = pool->send(std::move(request), gateway::Lane::submit);
    auto response = co_await std::move(sent);
    if (closed_) {
      log_delivery("webhook", *body, false, "stopped with the owner");
      co_return false;
    }
    if (response && response->status >= 200 && response->status < 300) {
      log_delivery("webhook", *body, true, attempt > 1 ? "attempt " + std::to_string(attempt) : "");
      co_return true;
    }
    detail = response ? "HTTP " + std::to_string(response->status) : response.error().to_string();
    log::warn("alert.webhook_retry", {{"attempt", attempt}, {"detail", detail}});
    if (attempt == kAttempts) break;
    asio::steady_timer timer(strand_, delay);
    co_await timer.async_wait(runtime::as_tuple_awaitable);
    delay = std::min(delay * 2, kMaxDelay);
  }
  log_delivery("webhook", *body, false, detail + " after " + std::to_string(kAttempts) + " attempts");
  co_return false;
}

awaitable<bool> Notifier::run_command(std::shared_ptr<const std::string> body) {
  auto self = shared_from_this();
  // A socket pair, not a pipe: a command that exits without reading its stdin must not SIGPIPE the owner.
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    log_delivery("command", *body, false, std::string("socketpair: ") + std::strerror(errno));
    co_return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: a timeout kills the command's children too
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  auto env = child_environment();
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string shell = "/bin/sh", dash_c = "-c", command = config_.command;
  char* argv[] = {shell.data(), dash_c.data(), command.data(), nullptr};
  pid_t pid = 0;
  int spawned = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (spawned != 0) {
    ::close(fds[0]);
    log_delivery("command", *body, false, std::string("cannot start /bin/sh: ") + std::strerror(spawned));
    co_return false;
  }
  // Shared with the deadline's handler, which may run after this frame is gone.
  auto stdin_owner = std::make_shared<asio::local::stream_protocol::socket>(strand_);
  auto& stdin_socket = *stdin_owner;
  boost::system::error_code ec;
  stdin_socket.assign(asio::local::stream_protocol(), fds[0], ec);
  std::string line = *body + "\n";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config_.command_timeout_s);
  asio::steady_timer write_deadline(strand_, deadline);
  write_deadline.async_wait([stdin_owner](boost::system::error_code e) {
    if (!e) stdin_owner->close();  // a command that never reads: give up writing at the deadline
  });
  auto [write_ec, n] = co_await asio::async_write(stdin_socket, asio::buffer(line), runtime::as_tuple_awaitable);
  write_deadline.cancel();
  stdin_socket.close();
  // Waits for the exit without SIGCHLD (the owner's other children are not ours to reap).
  int status = 0;
  std::string detail;
  for (auto poll = 5ms;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0) {
      detail = std::string("waitpid: ") + std::strerror(errno);
      break;
    }
    if (closed_ || std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      detail = closed_ ? "stopped with the owner" : "killed after " + std::to_string(config_.command_timeout_s) + " s";
      break;
    }
    asio::steady_timer timer(strand_, poll);
    co_await timer.async_wait(runtime::as_tuple_awaitable);
    poll = std::min(poll * 2, std::chrono::milliseconds(100));
  }
  bool ok = detail.empty() && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok && detail.empty())
    detail = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status)) : "killed by a signal";
  if (write_ec && ok) detail = "";  // it exited 0 without reading everything: its choice
  log_delivery("command", *body, ok, detail);
  co_return ok;
}

}  // namespace oms::console
