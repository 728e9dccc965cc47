// Issue 12: one owner per journal. Real processes against rh-sim on loopback: a bot (example-bot)
// or `oms serve` owns the journal and serves the control socket, and the operator's `oms`
// commands from another process are carried out by it — the kill switch above all.
#include "cli_fixture.hpp"
#include "control/client.hpp"
#include "tests/eventually.hpp"
#include "tests/reliability/broker_view.hpp"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <set>
#include <thread>

#include <sys/stat.h>

using namespace clitest;
using namespace std::chrono_literals;

namespace {

std::string journal_of(const CliFixture& f) { return (f.dir / "orders.jsonl").string(); }
std::string socket_of(const CliFixture& f) { return journal_of(f) + ".sock"; }

/// Counts occurrences of `text` in `haystack`.
std::size_t count(const std::string& haystack, const std::string& text) {
  std::size_t n = 0;
  for (auto at = haystack.find(text); at != std::string::npos; at = haystack.find(text, at + text.size())) ++n;
  return n;
}

/// What the journal says about the kill switch, in file order.
struct HaltView {
  int halted_records = 0;
  std::set<std::string> intents_before_halt;  ///< ref_ids journalled before the first `halted`
};

HaltView halt_view(const std::string& journal) {
  HaltView v;
  for (const auto& r : oms::journal::JournalFile::read_all(journal)) {
    std::string kind = reltest::text(r, "kind");
    if (kind == "halted") ++v.halted_records;
    if (kind == "intent" && v.halted_records == 0) v.intents_before_halt.insert(reltest::text(r, "ref_id"));
  }
  return v;
}

/// The owner's halt and cancel-all, checked against what the broker holds: every broker order
/// came from an intent journalled before the halt (nothing was placed after it), none is open,
/// and the journal holds exactly one `halted`.
void check_halted_and_cancelled(CliFixture& f, std::size_t min_orders) {
  auto orders = reltest::broker_orders(f.sim);
  auto view = halt_view(journal_of(f));
  CHECK(orders.size() >= min_orders);
  CHECK(view.halted_records == 1);
  for (const auto& o : orders) {
    CHECK_MESSAGE(view.intents_before_halt.contains(o.ref_id), "broker order ", o.id, " was placed after the halt");
    CHECK_MESSAGE(!o.open(), "broker order ", o.id, " is still ", o.state);
  }
  CHECK(reltest::duplicate_orders(orders) == 0);
}

using testsupport::eventually;

/// A bot in another language, played by a thread: places orders through the socket without pause
/// (each at its own limit) until stopped, and counts what the owner answered.
class SocketBot {
 public:
  explicit SocketBot(std::string socket) : socket_(std::move(socket)) {
    thread_ = std::thread([this] { run(); });
  }
  ~SocketBot() { stop(); }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::atomic<int> placed{0}, halted{0}, other{0}, lost{0};

 private:
  void run() {
    auto client = oms::control::Client::connect(socket_, 5s);
    if (!client) return;
    for (int i = 0; !stopping_; ++i) {
      oms::OrderRequest order{"TSLA", oms::Quantity::parse("1").value(), oms::Side::buy,
                              oms::Price::parse(reltest::stepped_price("250.30", i % 100)).value()};
      auto reply = (*client)->call(oms::control::Request{nullptr, oms::control::PlaceArgs{order}}, 60s);
      if (!reply) {  // the owner went away: this connection is over
        ++lost;
        return;
      }
      if (reply->kind != oms::control::Reply::Kind::result) {
        ++other;
        continue;
      }
      auto result = oms::from_json<oms::SubmissionResult>(reply->result).value();
      if (result.envelope) ++placed;
      else if (result.error->category == oms::SubmissionErrorCategory::halted) ++halted;
      else ++other;
    }
  }
  std::string socket_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("issue 12: oms cancel-all reaches a running example-bot: halted first, every order cancelled, the bot refuses until oms resume") {
  CliFixture f;
  // The bot with the product's defaults (rate limit 4/s): a buy every 300 ms keeps it busy.
  Child bot({EXAMPLE_BOT_BIN, "--broker", f.sim.base(), "--journal", journal_of(f), "--interval-ms", "300"}, f.env(),
            f.dir.string());
  REQUIRE(bot.wait_for_stdout("control socket", 30s));
  REQUIRE(bot.wait_for_stdout("envelope", 30s));
  REQUIRE(eventually([&] { return f.broker_orders() >= 3; }));

  Result kill = f.oms({"cancel-all", "--json"});
  INFO("cancel-all stderr: ", kill.err);
  REQUIRE(kill.exit_code == 0);
  auto report = boost::json::parse(kill.out);
  CHECK(report.at("summary").at("open_orders_remaining").to_number<int>() == 0);
  CHECK(report.at("summary").at("failed").to_number<int>() == 0);
  CHECK(report.at("summary").at("submissions_halted").as_bool());
  check_halted_and_cancelled(f, 3);

  // The bot is still running, still the owner, and its submissions are refused.
  std::size_t refused_before = count(bot.out(), "refused   halted");
  REQUIRE(bot.wait_for_output([&](const std::string& out) { return count(out, "refused   halted") >= refused_before + 3; },
                              30s));
  std::size_t orders_while_halted = f.broker_orders();
  auto health = oms::control::Client::connect(socket_of(f), 5s);
  REQUIRE(health.has_value());
  auto state = (*health)->call(oms::control::Request{nullptr, oms::control::HealthArgs{}}, 10s);
  REQUIRE(state.has_value());
  CHECK(state->result.at("halted").as_bool());
  CHECK(state->result.at("owner_pid") == boost::json::parse(kill.out).at("owner_pid"));
  CHECK(f.broker_orders() == orders_while_halted);

  // `oms resume` re-opens the bot's own ledger: it places again.
  Result resumed = f.oms({"resume", "--json"});
  REQUIRE(resumed.exit_code == 0);
  CHECK(boost::json::parse(resumed.out).at("owner_pid") == boost::json::parse(kill.out).at("owner_pid"));
  std::size_t envelopes_before = count(bot.out(), "envelope");
  REQUIRE(bot.wait_for_output([&](const std::string& out) { return count(out, "envelope") > envelopes_before; }, 30s));
  CHECK(f.broker_orders() > orders_while_halted);
  bot.signal(SIGTERM);
  Result ended = bot.finish();
  CHECK(ended.exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(socket_of(f)));  // removed on the way out
  CHECK(halt_view(journal_of(f)).halted_records == 1);
}

TEST_CASE("issue 12: oms cancel-all reaches oms serve while a bot places orders through its socket without pause") {
  CliFixture f;
  Child serve(f.argv({"serve"}), f.env(), f.dir.string());
  REQUIRE(serve.wait_for_stdout("serving " + socket_of(f) + "\n", 30s));
  CHECK(count(serve.out(), "\n") == 1);  // exactly one line when ready
  struct stat st{};
  REQUIRE(::stat(socket_of(f).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  SocketBot bot(socket_of(f));
  REQUIRE(eventually([&] { return bot.placed.load() >= 5; }));
  Result kill = f.oms({"cancel-all", "--json"});
  INFO("cancel-all stderr: ", kill.err);
  REQUIRE(kill.exit_code == 0);
  REQUIRE(eventually([&] { return bot.halted.load() >= 3; }));  // the bot is refused from now on
  int placed_after_halt = bot.placed.load();
  REQUIRE(eventually([&] { return bot.halted.load() >= 10; }));
  CHECK(bot.placed.load() == placed_after_halt);
  bot.stop();
  check_halted_and_cancelled(f, 5);
  CHECK(bot.other.load() == 0);

  // The owner is still serving, halted; the operator's resume re-opens it.
  auto resumed = f.oms_json({"resume"});
  CHECK(str(resumed, "submissions") == "open");
  auto placed = f.oms_json({"buy", "AAPL", "1", "--ref", "190"});
  CHECK(placed.at("owner_pid") == boost::json::parse(kill.out).at("owner_pid"));
  serve.signal(SIGTERM);
  Result stopped = serve.finish();
  CHECK(stopped.exit_code == 0);
  CHECK(stopped.out == "serving " + socket_of(f) + "\n");
  CHECK_FALSE(std::filesystem::exists(socket_of(f)));
}

TEST_CASE("issue 12: commands are carried out by a live owner, print its mode and broker, and add owner_pid in --json") {
  CliFixture f;
  Child serve(f.argv({"serve"}), f.env(), f.dir.string());
  REQUIRE(serve.wait_for_stdout("serving", 30s));
  auto first = f.oms_json({"buy", "TSLA", "1", "--ref", "250.30"});
  auto again = f.oms_json({"buy", "TSLA", "1", "--ref", "250.30"});
  CHECK(again.at("duplicate").as_bool());  // the owner's own ledger answered: one order
  CHECK(first.at("owner_pid") == again.at("owner_pid"));
  CHECK(first.at("owner_pid").to_number<int>() != ::getpid());
  auto status = f.oms_json({"status", str(first, "order_id")});
  CHECK(status.at("owner_pid") == first.at("owner_pid"));
  auto sync = f.oms_json({"sync", "--once"});
  CHECK(sync.at("owner_pid") == first.at("owner_pid"));
  Result text = f.oms({"status", str(first, "order_id")});
  CHECK(text.exit_code == 0);
  std::string host = "127.0.0.1:" + std::to_string(f.sim.port());
  CHECK(text.out.rfind("mode: live, broker " + host + " (owner pid " + boost::json::serialize(first.at("owner_pid")) + ")\n", 0) == 0);
  // health: who owns it, how it trades, and the broker session it holds.
  auto client = oms::control::Client::connect(socket_of(f), 5s);
  REQUIRE(client.has_value());
  auto health = (*client)->call(oms::control::Request{nullptr, oms::control::HealthArgs{}}, 10s);
  REQUIRE(health.has_value());
  const auto& h = health->result;
  CHECK(h.at("owner_pid") == first.at("owner_pid"));
  CHECK(h.at("mode") == "live");
  CHECK(str(h, "broker_host") == host);
  CHECK(h.at("state") == "ready");
  CHECK(h.at("open_orders") == 1);
  CHECK(h.at("session") == "valid");
  CHECK(h.at("session_expires_at").is_string());
  // `oms orders` reads the journal without the owner (and without a lock).
  Result orders = f.oms({"orders", "--json"});
  CHECK(orders.exit_code == 0);
  CHECK(boost::json::parse(orders.out).as_array().size() == 1);
  CHECK(f.broker_orders() == 1);
  serve.signal(SIGTERM);
  CHECK(serve.finish().exit_code == 0);
}

TEST_CASE("issue 12: kill -9 of oms serve mid-burst, then oms serve again: the stale socket is replaced, no duplicate, no orphan") {
  auto options = simtest::frozen_options();
  options.latency_ms = 20;  // the burst is in flight when the owner dies
  CliFixture f(options);
  Child serve(f.argv({"serve"}), f.env(), f.dir.string());
  REQUIRE(serve.wait_for_stdout("serving", 30s));
  {
    SocketBot burst(socket_of(f));
    REQUIRE(eventually([&] { return burst.placed.load() >= 3; }));
    serve.signal(SIGKILL);
    CHECK(serve.finish().exit_code == 128 + SIGKILL);
  }
  REQUIRE(std::filesystem::exists(socket_of(f)));  // what a killed owner leaves behind
  Child again(f.argv({"serve"}), f.env(), f.dir.string());
  REQUIRE(again.wait_for_stdout("serving " + socket_of(f) + "\n", 30s));
  // An info line: in the owner's log file within milliseconds (the log flushes info lines in bursts).
  CHECK(eventually([&] {
    return read_text(f.dir / "logs" / "oms.log").find("control.stale_socket_replaced") != std::string::npos;
  }));
  // Every intent the burst left is settled — by recovery, or (one sent just before the kill is
  // too recent to prove absent) by the new owner's Settler once settlement.quiet_ms has passed:
  // then the broker and the journal agree.
  CHECK(eventually([&] { return reltest::read_journal(journal_of(f)).unsettled().empty(); }, 20s));
  auto orders = reltest::broker_orders(f.sim);
  auto journal = reltest::read_journal(journal_of(f));
  CHECK(orders.size() >= 3);
  CHECK(reltest::duplicate_orders(orders) == 0);
  CHECK(reltest::orphans(orders, journal).empty());
  CHECK(journal.unsettled().empty());
  CHECK(journal.malformed.empty());
  auto report = f.oms_json({"cancel-all"});
  CHECK(report.at("summary").at("open_orders_remaining").to_number<int>() == 0);
  again.signal(SIGTERM);
  CHECK(again.finish().exit_code == 0);
}

TEST_CASE("issue 12: a second oms serve on a journal that is served refuses, naming the owner") {
  CliFixture f;
  Child serve(f.argv({"serve"}), f.env(), f.dir.string());
  REQUIRE(serve.wait_for_stdout("serving", 30s));
  Result second = f.oms({"serve"});
  CHECK(second.exit_code == 1);
  CHECK(one_error_line(second.err));
  CHECK(second.err.find("already owns the journal") != std::string::npos);
  CHECK(second.out.empty());
  serve.signal(SIGINT);
  CHECK(serve.finish().exit_code == 0);
}

TEST_CASE("issue 12: modes are never a surprise: --broker with mode paper is a usage error unless --mode is given") {
  CliFixture f;
  f.write_config("{}");  // paper by default
  Result r = f.oms({"--broker", f.sim.base(), "cancel-all"});
  CHECK(r.exit_code == 2);
  CHECK(one_error_line(r.err));
  CHECK(r.err.find("--broker") != std::string::npos);
  CHECK(r.err.find("--mode live") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("issue 12: oms cancel-all in paper mode says that no broker was contacted") {
  CliFixture f;
  f.write_config("{}");
  Result buy = f.oms({"buy", "TSLA", "1", "--ref", "250.30"});
  CHECK(buy.exit_code == 0);
  CHECK(buy.out.rfind("mode: paper, no broker (owner pid ", 0) == 0);
  Result r = f.oms({"cancel-all"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("mode: paper, no broker (owner pid ", 0) == 0);
  CHECK(r.out.find("no broker was contacted") != std::string::npos);
  CHECK(f.broker_orders() == 0);
}

TEST_CASE("issue 12: every live command's output, and its refusals, name the mode and the broker host") {
  CliFixture f;
  std::string expected = "mode: live, broker 127.0.0.1:" + std::to_string(f.sim.port()) + " (owner pid ";
  Result buy = f.oms({"buy", "TSLA", "1", "--ref", "250.30"});
  CHECK(buy.out.rfind(expected, 0) == 0);
  for (std::vector<std::string> args : {std::vector<std::string>{"sync", "--once"}, {"resume"}, {"cancel-all"}}) {
    Result r = f.oms(args);
    INFO(args[0], ": ", r.out, r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind(expected, 0) == 0);
  }
  // A refusal says which account refused it too.
  Result refused = f.oms({"buy", "AAPL", "1", "--ref", "190"});
  CHECK(refused.exit_code == 5);
  CHECK(one_error_line(refused.err));
  CHECK(refused.err.find("(live, broker 127.0.0.1:" + std::to_string(f.sim.port()) + ")") != std::string::npos);
}

TEST_CASE("issue 12: a wedged owner (holds the journal, never answers): cancel-all names its pid and the fallback, exit 7") {
  CliFixture f;
  Child serve(f.argv({"serve"}), f.env(), f.dir.string());
  REQUIRE(serve.wait_for_stdout("serving", 30s));
  auto owner = f.oms_json({"resume"}).at("owner_pid").to_number<int>();
  serve.signal(SIGSTOP);  // alive, holding the lock and the socket, answering nothing
  Result r = f.oms({"cancel-all"});
  serve.signal(SIGCONT);
  INFO(r.err);
  CHECK(r.exit_code == 7);
  CHECK(one_error_line(r.err));
  CHECK(r.err.find("process " + std::to_string(owner) + " holds the journal") != std::string::npos);
  CHECK(r.err.find("kill " + std::to_string(owner)) != std::string::npos);
  CHECK(r.err.find("then run `oms cancel-all` again") != std::string::npos);
  serve.signal(SIGTERM);
  CHECK(serve.finish().exit_code == 0);
}

TEST_CASE("issue 12: two oms buy at once on one journal: both orders, each journalled once, the journal parses to the end") {
  CliFixture f;
  Child a(f.argv({"buy", "TSLA", "1", "--ref", "250.30", "--json"}), f.env(), f.dir.string());
  Child b(f.argv({"buy", "AAPL", "1", "--ref", "190", "--json"}), f.env(), f.dir.string());
  Result ra = a.finish(), rb = b.finish();
  INFO("a: ", ra.err, " b: ", rb.err);
  REQUIRE(ra.exit_code == 0);
  REQUIRE(rb.exit_code == 0);
  auto ea = boost::json::parse(ra.out), eb = boost::json::parse(rb.out);
  auto orders = reltest::broker_orders(f.sim);
  CHECK(orders.size() == 2);
  auto journal = reltest::read_journal(journal_of(f));
  CHECK(journal.malformed.empty());
  CHECK_FALSE(journal.torn_tail);
  CHECK(journal.intents.size() == 2);
  CHECK(journal.unsettled().empty());
  int envelopes = 0;
  for (const auto& r : oms::journal::JournalFile::read_all(journal_of(f))) envelopes += reltest::text(r, "kind") == "envelope";
  CHECK(envelopes == 2);
  CHECK(journal.known_order_ids == std::set<std::string>{str(ea, "order_id"), str(eb, "order_id")});
}

TEST_CASE("issue 12: examples/python_bot.py places an order through oms serve and follows its fills to the end") {
  CliFixture f;  // poll_interval_s 1: oms serve finds fills within a second
  Child serve(f.argv({"serve"}), f.env(), f.dir.string());
  REQUIRE(serve.wait_for_stdout("serving", 30s));
  Child bot({"/usr/bin/python3", OMS_SOURCE_DIR "/examples/python_bot.py", "--socket", socket_of(f), "--timeout", "60",
             "buy", "TSLA", "3", "250.30"},
            f.env(), f.dir.string());
  REQUIRE(bot.wait_for_stdout("\"placed\"", 30s));
  auto placed_line = bot.out().substr(bot.out().find("{\"placed\""));
  auto placed = boost::json::parse(placed_line.substr(0, placed_line.find('\n')));
  std::string id = str(placed, "placed");
  CHECK(str(placed, "limit_price") == "249.93");
  CHECK(f.broker_state(id) != "absent");
  f.sim.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"1"})");
  REQUIRE(bot.wait_for_stdout("\"cumulative_quantity\": \"1\"", 30s));
  f.sim.admin("/_sim/fill", R"({"order_id":")" + id + R"("})");
  Result r = bot.finish(60s);
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"owner_pid\"") != std::string::npos);
  CHECK(r.out.find("\"mode\": \"live\"") != std::string::npos);
  CHECK(count(r.out, "{\"fill\"") == 2);  // each execution once
  CHECK(r.out.find("{\"done\": \"" + id + "\", \"filled\": \"3\"}") != std::string::npos);
  CHECK(f.broker_state(id) == "filled");
  CHECK(reltest::read_journal(journal_of(f)).fills == 2);
  serve.signal(SIGTERM);
  CHECK(serve.finish().exit_code == 0);
}
