// The control endpoint's I/O shell over real Unix sockets, with a scripted owner behind it:
// socket mode and peer uid, stale and live sockets, bad lines on a surviving connection,
// requests handled concurrently, subscriptions, shutdown, and the client's deadlines.
#include "control/client.hpp"
#include "control/server.hpp"
#include "tests/eventually.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace oms;
using namespace oms::control;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

/// An owner whose placements wait until the test opens the gate.
class ScriptedOwner final : public OwnerPort {
 public:
  explicit ScriptedOwner(asio::io_context& ctx) : gate_(ctx) { gate_.expires_at(asio::steady_timer::time_point::max()); }

  runtime::awaitable<Health> health() override {
    Health h;
    h.owner_pid = ::getpid();
    h.state = "ready";
    co_return h;
  }
  runtime::awaitable<std::optional<Error>> ready(std::chrono::milliseconds) override { co_return std::nullopt; }
  runtime::awaitable<SubmissionResult> place(OrderRequest request) override {
    ++placing;
    co_await gate_.async_wait(runtime::as_tuple_awaitable);
    SubmissionResult r;
    r.envelope = OrderEnvelope{"order-1", "ref-1", request.symbol, request.side, request.quantity};
    co_return r;
  }
  runtime::awaitable<StatusReply> status(std::string) override { co_return StatusReply{}; }
  std::vector<OrderRow> orders() override { return {}; }
  runtime::awaitable<CancelAllReport> cancel_all(std::string, std::function<void(HaltAck)> on_halted) override {
    on_halted(HaltAck{static_cast<std::int64_t>(placing.load())});
    co_return CancelAllReport{};
  }
  runtime::awaitable<PendingOrders> resume(std::string) override { co_return PendingOrders{}; }
  runtime::awaitable<SyncResult> sync() override { co_return SyncResult{}; }
  const config::Config& config() const override { return config_; }

  /// Lets every waiting placement finish (any thread).
  void open_gate() {
    asio::post(gate_.get_executor(), [this] { gate_.cancel(); });
  }
  std::atomic<int> placing{0};

 private:
  asio::steady_timer gate_;
  config::Config config_;
};

std::string temp_socket(const std::string& name) {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() / ("oms-ctl-" + std::to_string(::getpid()) + "-" +
                                                       std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

/// A server on its own io_context thread, as an owner runs it.
struct Endpoint {
  explicit Endpoint(std::string socket_path = temp_socket("orders.jsonl.sock"))
      : path(std::move(socket_path)), owner(ctx), dispatcher(std::make_shared<Dispatcher>(owner)) {}
  ~Endpoint() {
    if (server) server->close();
    work.reset();
    if (thread.joinable()) thread.join();
    std::filesystem::remove_all(std::filesystem::path(path).parent_path());
  }
  boost::system::result<std::shared_ptr<Server>, OpenFailure> open() {
    ServerOptions options;
    options.path = path;
    options.log = [this](std::string_view event, boost::json::object) {
      std::lock_guard lock(mu);  // test-side bookkeeping, read after the fact
      events.emplace_back(event);
    };
    auto opened = Server::open(ctx, std::move(options), dispatcher);
    if (opened) server = *opened;
    if (!thread.joinable()) thread = std::thread([this] { ctx.run(); });
    return opened;
  }
  bool logged(const std::string& event) {
    std::lock_guard lock(mu);
    return std::find(events.begin(), events.end(), event) != events.end();
  }

  std::string path;
  asio::io_context ctx;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{ctx.get_executor()};
  ScriptedOwner owner;
  std::shared_ptr<Dispatcher> dispatcher;
  std::shared_ptr<Server> server;
  std::thread thread;
  std::mutex mu;
  std::vector<std::string> events;
};

/// A plain socket that writes raw bytes and reads lines, with a deadline (a client written in C).
class Raw {
 public:
  explicit Raw(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    connected = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Raw() { ::close(fd_); }
  void send(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::write(fd_, bytes.data() + off, bytes.size() - off);
      REQUIRE(n > 0);
      off += static_cast<std::size_t>(n);
    }
  }
  /// The next line, or "" after 10 s (a hang is a failure, not a wait).
  std::string line() {
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string out = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return out;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10'000) <= 0) return "";
      char chunk[4096];
      ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n <= 0) return "";
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  boost::json::object reply() {
    std::string l = line();
    REQUIRE_MESSAGE(!l.empty(), "no reply line");
    return boost::json::parse(l).as_object();
  }
  bool connected = false;

 private:
  int fd_ = -1;
  std::string buf_;
};

using testsupport::eventually;

std::string error_code(const boost::json::object& reply) {
  return std::string(reply.at("error").at("code").as_string());
}

}  // namespace

TEST_CASE("the control socket is created with mode 0600") {
  Endpoint e;
  REQUIRE(e.open().has_value());
  struct stat st{};
  REQUIRE(::stat(e.path.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("a peer running as another user is refused (SO_PEERCRED) and the owner's own user is served") {
  Endpoint e;
  REQUIRE(e.open().has_value());
  ::chmod(e.path.c_str(), 0666);  // the file mode is one guard; the peer uid check must hold on its own
  if (::geteuid() != 0) {
    MESSAGE("not root: cannot become another user to test the refusal");
    return;
  }
  // The child uses system calls and stack buffers only: this process has other threads.
  char sun_path[sizeof(sockaddr_un::sun_path)] = {};
  std::strncpy(sun_path, e.path.c_str(), sizeof sun_path - 1);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, sun_path, sizeof sun_path);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ::_exit(4);
    const char request[] = "{\"v\":1,\"id\":1,\"op\":\"health\"}\n";
    // The owner may already have refused and closed: no SIGPIPE, and read its answer anyway.
    [[maybe_unused]] ssize_t sent = ::send(fd, request, sizeof request - 1, MSG_NOSIGNAL);
    char reply[4096] = {};
    std::size_t got = 0;
    pollfd p{fd, POLLIN, 0};
    while (got < sizeof reply - 1 && ::poll(&p, 1, 10'000) > 0) {
      ssize_t n = ::read(fd, reply + got, sizeof reply - 1 - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    bool forbidden = std::strstr(reply, "\"code\":\"forbidden\"") && !std::strstr(reply, "owner_pid");
    ::_exit(forbidden ? 0 : 6);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(e.logged("control.peer_refused"));
  Raw mine(e.path);
  mine.send(R"({"v":1,"id":1,"op":"health"})" "\n");
  CHECK(mine.reply().at("ok").as_bool());
}

TEST_CASE("bad request lines get one clear error each and the connection survives to answer the next") {
  Endpoint e;
  REQUIRE(e.open().has_value());
  Raw raw(e.path);
  REQUIRE(raw.connected);
  raw.send("this is not json\n");
  CHECK(error_code(raw.reply()) == "bad_json");
  raw.send(R"({"v":1,"id":"x","op":"place","side":"buy","symbol":"TSLA","quantity":"1.5","reference_price":"1"})" "\n");
  auto bad = raw.reply();
  CHECK(bad.at("id") == "x");
  CHECK(error_code(bad) == "bad_request");
  CHECK(bad.at("error").at("field") == "quantity");
  raw.send(R"({"v":9,"id":2,"op":"health"})" "\n");
  CHECK(error_code(raw.reply()) == "unsupported_version");
  raw.send(std::string(kMaxLineBytes + 10, 'x') + "\n");
  CHECK(error_code(raw.reply()) == "line_too_long");
  raw.send("\r\n\n");  // blank lines are ignored
  raw.send(R"({"v":1,"id":3,"op":"health"})" "\r\n");
  auto ok = raw.reply();
  CHECK(ok.at("id") == 3);
  CHECK(ok.at("ok").as_bool());
  CHECK(ok.at("result").at("owner_pid") == ::getpid());
}

TEST_CASE("a request split across writes, and two requests in one write, are each answered") {
  Endpoint e;
  REQUIRE(e.open().has_value());
  Raw raw(e.path);
  raw.send(R"({"v":1,"id":1,)");
  raw.send(R"("op":"health"})" "\n" R"({"v":1,"id":2,"op":"health"})" "\n");
  CHECK(raw.reply().at("id") == 1);
  CHECK(raw.reply().at("id") == 2);
}

TEST_CASE("a cancel_all is answered while a placement on the same connection is still in flight") {
  Endpoint e;
  REQUIRE(e.open().has_value());
  Raw raw(e.path);
  raw.send(R"({"v":1,"id":"buy","op":"place","side":"buy","symbol":"TSLA","quantity":"1","reference_price":"250"})" "\n");
  raw.send(R"({"v":1,"id":"kill","op":"cancel_all"})" "\n");
  auto halted = raw.reply();
  CHECK(halted.at("id") == "kill");
  CHECK(halted.at("progress") == "halted");
  CHECK(halted.at("data").at("in_flight_sends") == 1);  // the placement was in flight
  auto done = raw.reply();
  CHECK(done.at("id") == "kill");
  CHECK(done.at("ok").as_bool());
  e.owner.open_gate();
  auto placed = raw.reply();
  CHECK(placed.at("id") == "buy");
  CHECK(placed.at("result").at("envelope").at("symbol") == "TSLA");
}

TEST_CASE("subscribers receive the durable journal records of their topics, and only those") {
  Endpoint e;
  REQUIRE(e.open().has_value());
  Raw fills(e.path), safety(e.path);
  fills.send(R"({"v":1,"id":1,"op":"subscribe","topics":["fills"]})" "\n");
  CHECK(fills.reply().at("result").at("topics") == boost::json::array{"fills"});
  safety.send(R"({"v":1,"id":1,"op":"subscribe","topics":["safety"]})" "\n");
  CHECK(safety.reply().at("ok").as_bool());
  e.server->publish(boost::json::object{{"kind", "intent"}, {"ref_id", "r1"}});  // not an event
  e.server->publish(boost::json::object{{"kind", "halted"}, {"requested_by", "cli"}});
  e.server->publish(boost::json::object{{"kind", "fill"}, {"order_id", "o1"}, {"quantity", "2"}});
  auto fill = fills.reply();
  CHECK(fill.at("event") == "fill");
  CHECK(fill.at("topic") == "fills");
  CHECK(fill.at("data").at("order_id") == "o1");
  auto halt = safety.reply();
  CHECK(halt.at("event") == "halted");
  // Nothing else was queued for either: the next line each gets is the answer to its request.
  fills.send(R"({"v":1,"id":2,"op":"health"})" "\n");
  CHECK(fills.reply().at("id") == 2);
  safety.send(R"({"v":1,"id":2,"op":"health"})" "\n");
  CHECK(safety.reply().at("id") == 2);
}

TEST_CASE("a stale socket left by a killed owner is detected and replaced") {
  std::string path = temp_socket("orders.jsonl.sock");
  {
    // What a SIGKILLed owner leaves: a bound socket file nobody accepts on.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);
  }
  REQUIRE(std::filesystem::exists(path));
  CHECK(Client::connect(path, 1s).error().code == ClientErrc::no_owner);
  Endpoint e(path);
  REQUIRE(e.open().has_value());
  CHECK(e.logged("control.stale_socket_replaced"));
  auto client = Client::connect(path, 2s);
  REQUIRE(client.has_value());
  auto health = (*client)->call(Request{nullptr, HealthArgs{}}, 5s);
  REQUIRE(health.has_value());
  CHECK(health->kind == Reply::Kind::result);
}

TEST_CASE("a live socket is never taken over, and a path that is not a socket or is too long is refused") {
  Endpoint first;
  REQUIRE(first.open().has_value());
  Endpoint second;  // another process's endpoint, configured with the same socket path
  ServerOptions options;
  options.path = first.path;
  auto taken = Server::open(second.ctx, options, second.dispatcher);
  REQUIRE(taken.has_error());
  CHECK(taken.error().rule.find("already serves") != std::string::npos);
  // The first owner still answers.
  auto client = Client::connect(first.path, 2s);
  REQUIRE(client.has_value());

  std::string file = temp_socket("not-a-socket");
  std::ofstream(file) << "x";
  options.path = file;
  auto not_socket = Server::open(second.ctx, options, second.dispatcher);
  REQUIRE(not_socket.has_error());
  CHECK(not_socket.error().rule.find("is not a socket") != std::string::npos);
  CHECK(std::filesystem::exists(file));

  options.path = "/tmp/" + std::string(120, 'x') + ".sock";
  auto too_long = Server::open(second.ctx, options, second.dispatcher);
  REQUIRE(too_long.has_error());
  CHECK(too_long.error().rule.find("must be shorter than 108") != std::string::npos);
  CHECK(too_long.error().what_to_do.find("order_management.control_socket") != std::string::npos);
}

TEST_CASE("shutdown refuses new requests with shutting_down, lets the one in flight finish, then removes the socket file") {
  Endpoint e;
  REQUIRE(e.open().has_value());
  Raw raw(e.path);
  raw.send(R"({"v":1,"id":"buy","op":"place","side":"buy","symbol":"TSLA","quantity":"1","reference_price":"250"})" "\n");
  // Wait until the placement is in the owner (it waits at the gate).
  REQUIRE(eventually([&] { return e.server->in_flight() == 1; }));
  std::promise<void> drained;
  auto stopping = [](std::shared_ptr<Server> s, std::promise<void>& done) -> runtime::awaitable<void> {
    auto drain = s->shutdown(30s);
    co_await std::move(drain);
    done.set_value();
  };
  asio::co_spawn(e.ctx, stopping(e.server, drained), asio::detached);
  // Still there while it drains: a new client is told the owner is stopping (not wedged).
  raw.send(R"({"v":1,"id":"late","op":"health"})" "\n");
  auto late = raw.reply();
  CHECK(late.at("id") == "late");
  CHECK(error_code(late) == "shutting_down");
  Raw newcomer(e.path);
  REQUIRE(newcomer.connected);
  newcomer.send(R"({"v":1,"id":1,"op":"health"})" "\n");
  CHECK(error_code(newcomer.reply()) == "shutting_down");
  CHECK(std::filesystem::exists(e.path));
  e.owner.open_gate();
  auto placed = raw.reply();
  CHECK(placed.at("id") == "buy");
  CHECK(placed.at("ok").as_bool());
  CHECK(drained.get_future().wait_for(10s) == std::future_status::ready);
  CHECK(raw.line().empty());  // then the connection is closed
  CHECK_FALSE(std::filesystem::exists(e.path));  // and the socket file removed
}

TEST_CASE("the client's deadline ends a call to an owner that accepts but never answers") {
  std::string path = temp_socket("wedged.sock");
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 4) == 0);  // the kernel accepts connections; nobody reads them
  auto client = Client::connect(path, 1s);
  REQUIRE(client.has_value());
  auto reply = (*client)->call(Request{nullptr, HealthArgs{}}, 200ms);
  REQUIRE(reply.has_error());
  CHECK(reply.error().code == ClientErrc::timed_out);
  ::close(fd);
  CHECK(Client::connect(path + "-missing", 1s).error().code == ClientErrc::no_owner);
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}
