// Crash-restart through the owner model: the journal's owner is killed with SIGKILL at seeded
// random moments — a one-shot `oms buy` or `oms cancel-all` (each the owner for its duration),
// and `oms serve` while a routed `oms buy` is in flight (rh-sim adds latency so the owner is
// mid-flight) — then a new owner starts (`oms sync --once`, or `oms serve` again: recovery, the
// stale socket replaced), and the same buy is repeated. One journal lives through every crash.
// After each restart, against the broker: no broker order twice for one ref_id, one broker order
// per identical request, no orphan, a journal that parses to the end — in some runs a torn last
// line is appended by hand to be sure it is repaired — and the product's own record of every
// order (its journal as `oms orders` folds it) says what the broker says.
#include "broker_view.hpp"
#include "tests/cli/cli_fixture.hpp"

#include <csignal>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

using namespace reltest;
using namespace clitest;

namespace {

rhsim::Options crash_options() {
  auto o = simtest::frozen_options();
  o.latency_ms = 25;  // every broker round trip takes a while: kills land between them
  o.buying_power = "100000000.00";
  return o;
}

class CrashRig {
 public:
  explicit CrashRig(std::uint64_t seed) : rng_(seed), symbols_(dollar_symbols()) {}

  /// Starts `oms args…`, lets it run for `delay`, kills it with SIGKILL and reaps it.
  void kill_during(std::vector<std::string> args, std::chrono::milliseconds delay) {
    Child child(cli.argv(std::move(args)), cli.env(), cli.dir.string());
    std::this_thread::sleep_for(delay);
    child.signal(SIGKILL);
    Result r = child.finish();
    r.exit_code == 128 + SIGKILL ? ++kills_landed : ++finished_first;
  }

  /// A partial record with no newline, as a crash in the middle of a write leaves it.
  void tear_journal_tail() {
    std::ofstream(cli.dir / "orders.jsonl", std::ios::app) << R"({"ts":"2026-11-24T15:00:00Z","kind":"inte)";
    ++torn_tails_written;
  }

  /// The restart: a new process whose start-up replays the journal and settles it at the broker.
  void restart() {
    Result r = cli.oms({"sync", "--once", "--json"});
    INFO("stderr: ", r.err);
    REQUIRE(r.exit_code == 0);
  }

  std::chrono::milliseconds random_delay(int max_ms) {
    return std::chrono::milliseconds(static_cast<int>(rng_() % static_cast<std::uint64_t>(max_ms)));
  }
  bool chance(int pct) { return static_cast<int>(rng_() % 100) < pct; }

  /// Starts `oms args…` with the journal's crash point armed: it kills itself with SIGKILL right
  /// after writing its `batch`-th batch, before that batch's fdatasync (actors/journal.hpp).
  void crash_before_sync(std::vector<std::string> args, int batch) {
    auto env = cli.env();
    env.push_back("OMS_JOURNAL_CRASH_BEFORE_SYNC=" + std::to_string(batch));
    Child child(cli.argv(std::move(args)), env, cli.dir.string());
    Result r = child.finish();
    INFO("stderr: ", r.err);
    CHECK((r.exit_code == 128 + SIGKILL || r.exit_code == 0));
    r.exit_code == 128 + SIGKILL ? ++sync_crashes : ++finished_first;
  }

  /// Kill a buy at a random point, restart, repeat the identical buy: one broker order in all.
  /// `sync_batch` > 0: the kill is the journal's crash point between that batch's write and its sync.
  void buy_point(int point, int sync_batch = 0) {
    const auto& [symbol, price] = symbols_[static_cast<std::size_t>(point) % symbols_.size()];
    // A limit of its own (the duplicate key is symbol, side, limit) and a quantity to count it by.
    auto reference = stepped_price(price, point / static_cast<int>(symbols_.size()));
    std::string qty = std::to_string(point + 1);
    std::vector<std::string> buy{"buy", symbol, qty, "--ref", reference, "--json"};
    if (sync_batch > 0) crash_before_sync(buy, sync_batch);
    else kill_during(buy, random_delay(260));
    if (chance(30)) tear_journal_tail();
    restart();
    Result again = cli.oms(buy);
    INFO("stderr: ", again.err);
    REQUIRE(again.exit_code == 0);
    bool duplicate = boost::json::parse(again.out).at("duplicate").as_bool();
    duplicate ? ++repeats_duplicate : ++repeats_placed;
    int same_key = 0;
    auto quantity = oms::Quantity::parse(qty).value();
    for (const auto& o : broker_orders(cli.sim)) same_key += static_cast<int>(o.symbol == symbol && o.quantity == quantity);
    CHECK_MESSAGE(same_key == 1, symbol, " x", qty, ": ", same_key, " broker orders (duplicate=", duplicate, ")");
  }

  /// Rest a few orders, kill cancel-all at a random point, restart, finish the kill switch, resume.
  void cancel_all_point(int point) {
    for (int i = 0; i < 3; ++i) {
      const auto& [symbol, price] = symbols_[static_cast<std::size_t>(point + i) % symbols_.size()];
      Result r = cli.oms({"buy", symbol, "1", "--ref", stepped_price(price, 5 + point), "--json"});
      INFO("stderr: ", r.err);
      REQUIRE(r.exit_code == 0);
    }
    kill_during({"cancel-all", "--json"}, random_delay(200));
    if (chance(30)) tear_journal_tail();
    restart();
    Result done = cli.oms({"cancel-all", "--json"});
    INFO("stderr: ", done.err);
    REQUIRE(done.exit_code == 0);
    CHECK(boost::json::parse(done.out).at("summary").at("open_orders_remaining").to_number<int>() == 0);
    REQUIRE(cli.oms({"resume"}).exit_code == 0);
  }

  /// Kill `oms serve` while a buy routed to it is in flight, start a new owner, repeat the buy.
  void serve_point(int point) {
    const auto& [symbol, price] = symbols_[static_cast<std::size_t>(point) % symbols_.size()];
    auto reference = stepped_price(price, 10 + point);
    std::string qty = std::to_string(100 + point);
    std::vector<std::string> buy{"buy", symbol, qty, "--ref", reference, "--json"};
    {
      Child serve(cli.argv({"serve"}), cli.env(), cli.dir.string());
      REQUIRE(serve.wait_for_stdout("serving", std::chrono::seconds(30)));
      Child routed(cli.argv(buy), cli.env(), cli.dir.string());
      std::this_thread::sleep_for(random_delay(150));  // a random moment, not a synchronisation
      serve.signal(SIGKILL);
      Result killed = serve.finish();
      killed.exit_code == 128 + SIGKILL ? ++kills_landed : ++finished_first;
      Result r = routed.finish();  // answered, or told the owner went away (exit 4), or it became the owner
      CHECK((r.exit_code == 0 || r.exit_code == 4));
    }
    if (chance(30)) tear_journal_tail();
    Child serve(cli.argv({"serve"}), cli.env(), cli.dir.string());
    REQUIRE(serve.wait_for_stdout("serving", std::chrono::seconds(30)));
    Result again = cli.oms(buy);
    INFO("stderr: ", again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(boost::json::parse(again.out).at("owner_pid").to_number<int>() != 0);
    boost::json::parse(again.out).at("duplicate").as_bool() ? ++repeats_duplicate : ++repeats_placed;
    int same_key = 0;
    auto quantity = oms::Quantity::parse(qty).value();
    for (const auto& o : broker_orders(cli.sim)) same_key += static_cast<int>(o.symbol == symbol && o.quantity == quantity);
    CHECK_MESSAGE(same_key == 1, symbol, " x", qty, ": ", same_key, " broker orders");
    REQUIRE(cli.oms({"sync", "--once", "--json"}).exit_code == 0);  // routed to the new owner
    serve.signal(SIGTERM);
    CHECK(serve.finish().exit_code == 0);
    ++serve_kills;
  }

  /// The invariants that must hold after every recovery.
  void check_invariants(int point) {
    auto orders = broker_orders(cli.sim);
    auto journal = read_journal((cli.dir / "orders.jsonl").string());
    INFO("point ", point);
    // The product's own record of each order against the broker's.
    auto wrong = disagreements(orders, (cli.dir / "orders.jsonl").string());
    CHECK_MESSAGE(wrong.empty(), wrong.size(), " orders disagree, e.g. ", wrong.empty() ? "" : wrong[0]);
    CHECK(duplicate_orders(orders) == 0);
    auto lost = orphans(orders, journal);
    CHECK_MESSAGE(lost.empty(), lost.size(), " broker orders unknown to the journal, e.g. ", lost.empty() ? "" : lost[0]);
    // Every process since the last tear opened the journal for writing: the tail is repaired.
    CHECK_FALSE(journal.torn_tail);
    CHECK(journal.malformed.empty());
    CHECK(journal.unsettled().empty());
  }

  CliFixture cli{crash_options()};
  int kills_landed = 0, finished_first = 0, torn_tails_written = 0, repeats_duplicate = 0, repeats_placed = 0;
  int serve_kills = 0, sync_crashes = 0;

 private:
  std::mt19937_64 rng_;
  std::vector<std::pair<std::string, std::string>> symbols_;
};

}  // namespace

TEST_CASE("crash-restart: SIGKILL of the owner during buy, cancel-all and oms serve, then a new owner: no duplicate, no orphan, a whole journal, the journal agrees with the broker") {
  CrashRig rig(7001);
  const int buy_points = 24, cancel_points = 8, serve_points = 8;
  for (int p = 0; p < buy_points; ++p) {
    rig.buy_point(p);
    rig.check_invariants(p);
  }
  for (int p = 0; p < cancel_points; ++p) {
    rig.cancel_all_point(p);
    rig.check_invariants(buy_points + p);
  }
  for (int p = 0; p < serve_points; ++p) {
    rig.serve_point(p);
    rig.check_invariants(buy_points + cancel_points + p);
  }
  auto orders = broker_orders(rig.cli.sim);
  std::cout << "crash-restart: " << buy_points + cancel_points + serve_points << " kill points (" << buy_points
            << " during buy, " << cancel_points << " during cancel-all, " << serve_points
            << " of oms serve during a routed buy), " << rig.kills_landed << " killed mid-flight, "
            << rig.finished_first << " finished before the kill, " << rig.torn_tails_written
            << " torn tails appended, repeated buys: " << rig.repeats_duplicate << " duplicate, " << rig.repeats_placed
            << " placed; broker orders " << orders.size() << ", duplicates " << duplicate_orders(orders) << "\n";
  CHECK(rig.kills_landed > 0);
  CHECK(rig.serve_kills == serve_points);
  CHECK(rig.torn_tails_written > 0);
}

TEST_CASE("crash-restart: SIGKILL between a journal batch's write and its fdatasync (the group commit's crash point), then a new owner: no duplicate, no orphan, a whole journal") {
  CrashRig rig(7002);
  // Each buy's owner dies after its 1st, 2nd, … batch is written and before it is synced: the
  // start-up records, the intent (unacknowledged, so never sent), the envelope (the order placed,
  // its record maybe lost), the records after. Past the last batch the buy finishes first.
  const int points = 8;
  for (int p = 0; p < points; ++p) {
    rig.buy_point(p, 1 + p);
    rig.check_invariants(p);
  }
  auto orders = broker_orders(rig.cli.sim);
  std::cout << "crash-restart (group commit): " << points << " crash points before a sync, " << rig.sync_crashes
            << " killed there, " << rig.finished_first << " finished first; broker orders " << orders.size()
            << ", duplicates " << duplicate_orders(orders) << "\n";
  CHECK(rig.sync_crashes > 0);
  CHECK(duplicate_orders(orders) == 0);
}
