// Figure 6 (issue 12): the kill switch reaching a running owner. An owner (an OrderManager with
// the product's defaults, live against rh-sim on loopback) is kept busy submitting; a client of
// its control socket — what `oms cancel-all` is — sends cancel_all. Measured: from the client
// starting (connect) to the owner's acknowledgement that its ledger refuses submissions, and, for
// the `oms` binary itself, from the process being started to the owner's `halted` record.
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sys/wait.h>

#include "bench/figures.hpp"
#include "control/client.hpp"

extern char** environ;

namespace oms::bench {
namespace json = boost::json;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

namespace {

constexpr int kSubmitters = 2;  // submissions always in flight: the owner is busy when the halt comes

// The product's configuration, untouched but for where the broker and the files are.
config::Config owner_config(const std::string& base_url, const std::filesystem::path& dir) {
  config::Config c;
  c.mode = ExecutionMode::live;
  c.broker.base_url = base_url;
  c.broker.token_path = (dir / "token.json").string();
  c.order_management.journal_path = (dir / "orders.jsonl").string();
  return c;
}

/// Submitters on the owner's runtime, each submitting its own resting buy without pause: the first
/// reaches the broker, the repeats are answered by the ledger as duplicates (the owner's actors
/// stay busy while the broker, under the default rate limit, has a handful of orders to cancel per
/// run). A refusal while halted waits 5 ms and tries again.
class BusyBot {
 public:
  explicit BusyBot(OmHost& owner) : owner_(owner) {
    for (int i = 0; i < kSubmitters; ++i)
      boost::asio::co_spawn(owner_.rt().context(), loop(i), [this](std::exception_ptr) { ++ended_; });
  }
  ~BusyBot() {
    stop_ = true;
    while (ended_.load() < kSubmitters) std::this_thread::sleep_for(1ms);
  }
  std::atomic<int> placed{0}, submissions{0}, refused{0};

 private:
  runtime::awaitable<void> loop(int who) {
    boost::asio::steady_timer pause(owner_.rt().context());
    auto reference = Price::parse(cents_text(25030 - 2 * who)).value();
    while (!stop_) {
      auto placing = owner_.om().place_limit_buy("TSLA", Quantity::parse("1").value(), reference);
      auto result = co_await std::move(placing);
      if (result.envelope) {
        if (!result.duplicate) ++placed;
        ++submissions;
        continue;
      }
      ++refused;
      pause.expires_after(5ms);
      co_await pause.async_wait(runtime::as_tuple_awaitable);
    }
  }
  OmHost& owner_;
  std::atomic<bool> stop_{false};
  std::atomic<int> ended_{0};
};

control::Reply call(control::Client& client, control::Args args, std::chrono::milliseconds deadline,
                    const control::Client::LineHandler& on_line = {}) {
  auto reply = client.call(control::Request{nullptr, std::move(args)}, deadline, on_line);
  if (!reply) throw BenchError("control socket: " + reply.error().detail);
  if (reply->kind != control::Reply::Kind::result) throw BenchError("control socket: " + reply->error.to_string());
  return *reply;
}

// Resumes, then waits until the bot has placed again: the next halt meets a busy owner. The
// kill switch may have spent the default limiter's window (20 requests per 15 s, 8 order POSTs):
// the bot's next order waits for the window to roll over, so the wait allows a few windows.
void resume_and_get_busy(control::Client& client, BusyBot& bot) {
  call(client, control::ResumeArgs{"bench"}, 60s);
  int before = bot.placed.load();
  auto until = clock::now() + 60s;
  while (bot.placed.load() <= before && clock::now() < until) std::this_thread::sleep_for(1ms);
  if (bot.placed.load() <= before) throw BenchError("the busy bot placed nothing within 60 s of a resume");
}

void check_report(const control::Reply& reply) {
  auto report = from_json<CancelAllReport>(reply.result);
  if (!report || report->open_orders_remaining != 0)
    throw BenchError("cancel_all left orders open: " + json::serialize(reply.result).substr(0, 300));
}

// What `oms cancel-all` does once it has read its configuration: connect, send, await the ack.
struct ClientRun {
  double halted_ms = -1;  ///< connect started → `halted` progress received
  double total_ms = 0;    ///< → the whole kill switch confirmed
  std::int64_t in_flight = 0;
};

ClientRun client_run(const std::string& socket) {
  ClientRun run;
  auto t0 = clock::now();
  auto client = control::Client::connect(socket, 5s);
  if (!client) throw BenchError("connect: " + client.error().detail);
  auto on_line = [&](const control::Reply& line) {
    if (line.kind != control::Reply::Kind::progress || line.name != "halted") return;
    run.halted_ms = ms_between(t0, clock::now());
    run.in_flight = from_json<control::HaltAck>(line.data).value().in_flight_sends;
  };
  auto reply = call(**client, control::CancelAllArgs{"bench"}, 120s, on_line);
  run.total_ms = ms_between(t0, clock::now());
  if (run.halted_ms < 0) throw BenchError("cancel_all answered without a halted acknowledgement");
  check_report(reply);
  return run;
}

// The `oms` binary: from its start to the owner's `halted` record, seen by a subscriber.
double process_run(const std::filesystem::path& dir, control::Client& subscriber) {
  std::vector<std::string> args{OMS_BIN, "cancel-all", "--json", "--config", (dir / "config.json").string(),
                                "--log-dir", (dir / "cli-logs").string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  auto t0 = clock::now();
  pid_t pid = 0;
  if (::posix_spawn(&pid, OMS_BIN, &actions, nullptr, argv.data(), environ) != 0)
    throw BenchError("cannot start " + std::string(OMS_BIN));
  posix_spawn_file_actions_destroy(&actions);
  double halted_ms = -1;
  auto until = clock::now() + 30s;
  while (halted_ms < 0 && clock::now() < until) {
    auto listened = subscriber.listen(100ms, [&](const control::Reply& line) {
      if (line.kind == control::Reply::Kind::event && line.name == "halted" && halted_ms < 0)
        halted_ms = ms_between(t0, clock::now());
    });
    if (!listened) throw BenchError("subscriber: " + listened.error().detail);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (halted_ms < 0) throw BenchError("oms cancel-all: no halted record within 30 s");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw BenchError("oms cancel-all exited " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  return halted_ms;
}

json::object side(const std::vector<double>& samples) {
  auto o = to_json(summarize(samples));
  o["samples_ms"] = json::value_from(samples);
  return o;
}

}  // namespace

json::object halt_figure(const BenchOptions& options) {
  const int client_runs = options.quick ? 10 : 100;
  const int process_runs = options.quick ? 5 : 20;
  auto dir = options.work_dir / "halt";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  SimHost sim(0);
  auto config = owner_config(sim.base_url(), dir);
  // The `oms` binary finds the same journal (and so the same socket) through ./config.json.
  std::ofstream(dir / "config.json") << R"({"mode":"live","broker":{"base_url":")" << sim.base_url()
                                      << R"(","token_path":")" << (dir / "cli-token.json").string()
                                      << R"("},"order_management":{"journal_path":")"
                                      << config.order_management.journal_path << "\"}}";
  ::setenv("RH_USERNAME", "demo", 1);
  ::setenv("RH_PASSWORD", "demo", 1);
  OmHost owner(config, 2);  // as `oms serve` runs it: two runtime threads
  owner.start();
  const std::string socket = owner.om().control_socket();
  auto control = control::Client::connect(socket, 5s);
  if (!control) throw BenchError("connect: " + control.error().detail);
  say("halt        owner with the product's defaults, " + std::to_string(kSubmitters) +
      " submitters without pause; a control client sends cancel_all");

  std::vector<double> halted, totals, in_flight;
  {
    BusyBot bot(owner);
    for (int i = 0; i < client_runs; ++i) {
      resume_and_get_busy(**control, bot);
      auto run = client_run(socket);
      halted.push_back(run.halted_ms);
      totals.push_back(run.total_ms);
      in_flight.push_back(static_cast<double>(run.in_flight));
    }
    auto s = summarize(halted);
    say("halt        client → owner refusing submissions: p50 " + fmt(s.p50, 2) + " ms, p95 " + fmt(s.p95, 2) +
        " ms over " + std::to_string(client_runs) + " runs (target < 5 ms)");

    // The binary: a subscriber sees the owner's halted record (durable) for each `oms cancel-all`.
    auto subscriber = control::Client::connect(socket, 5s);
    if (!subscriber) throw BenchError("connect: " + subscriber.error().detail);
    call(**subscriber, control::SubscribeArgs{{control::Topic::safety}}, 10s);
    std::vector<double> processes;
    for (int i = 0; i < process_runs; ++i) {
      resume_and_get_busy(**control, bot);
      processes.push_back(process_run(dir, **subscriber));
    }
    auto p = summarize(processes);
    say("halt        `oms cancel-all` process start → owner's halted record: p50 " + fmt(p.p50, 1) + " ms, p95 " +
        fmt(p.p95, 1) + " ms over " + std::to_string(process_runs) + " runs");
    call(**control, control::ResumeArgs{"bench"}, 60s);
    json::object out{{"target_ms", 5},
                     {"submitters", kSubmitters},
                     {"config", "product defaults (rate limiter 20 requests / 15 s, pool_size 4 growing to 64), two runtime threads as "
                                "`oms serve` runs it, live against rh-sim on loopback, RTT 0"},
                     {"client", side(halted)},
                     {"cancel_all_total", side(totals)},
                     {"in_flight_sends_p50", summarize(in_flight).p50},
                     {"in_flight_sends_max", summarize(in_flight).max},
                     {"process", side(processes)},
                     {"placed", bot.placed.load()},
                     {"submissions_answered", bot.submissions.load()},
                     {"refused_while_halted", bot.refused.load()}};
    return out;
  }
}

}  // namespace oms::bench
