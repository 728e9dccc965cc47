// The journal's owner (issue 12): one process at a time; what the CLI says when it is not it.
#include "cli_fixture.hpp"

#include "actors/journal_file.hpp"

using namespace clitest;

TEST_CASE("issue 12: a command that finds the journal held by a process that does not answer says so in one line, naming the pid, and exits 7") {
  CliFixture f;
  // A holder of the lock that serves no control socket: nobody can carry the command out.
  auto owner = oms::journal::JournalFile::open((f.dir / "orders.jsonl").string());
  REQUIRE(owner.has_value());
  Result r = f.oms({"buy", "TSLA", "1", "--ref", "250"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 7);
  CHECK(one_error_line(r.err));
  CHECK(r.err.find("process " + std::to_string(::getpid()) + " holds the journal") != std::string::npos);
  CHECK(r.err.find("kill " + std::to_string(::getpid())) != std::string::npos);
  CHECK(f.broker_orders() == 0);
  CHECK(f.sim.admin_get("/_sim/requests").at("total").to_number<int>() == 0);
}

namespace {

int journal_count(const CliFixture& f, const char* kind) {
  int n = 0;
  for (const auto& r : oms::journal::JournalFile::read_all((f.dir / "orders.jsonl").string()))
    if (r.at("kind").as_string() == kind) ++n;
  return n;
}

std::size_t printed_fills(const boost::json::value& sync) { return sync.at("fills").as_array().size(); }

const char* kGarbledJournal =
    R"({"ts":"2026-11-24T15:00:00Z","kind":"halted","requested_by":"operator"})" "\n"
    R"({"ts":"2026-11-24T15:00:01Z","kind":"state_change","order_id":"o1","from":"queued","to":"c{"ts":"2026-11-24T15:00:02Z","kind":"resumed"})" "\n"
    R"({"ts":"2026-11-24T15:00:03Z","kind":"resumed","requested_by":"x"})" "\n";

}  // namespace

TEST_CASE("issue 12: sync --once three times and a restart: each execution is journalled once and printed once") {
  CliFixture f;
  std::string id = f.buy();
  f.sim.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"20"})");
  f.sim.admin("/_sim/fill", R"({"order_id":")" + id + R"("})");
  std::size_t printed = 0;
  for (int run = 0; run < 3; ++run) printed += printed_fills(f.oms_json({"sync", "--once"}));
  CHECK(printed == 2);
  CHECK(journal_count(f, "fill") == 2);  // was 6 for 2 executions
  // A restart of any kind (here a status query) reports nothing again.
  REQUIRE(f.oms({"status", id}).exit_code == 0);
  CHECK(printed_fills(f.oms_json({"sync", "--once"})) == 0);
  CHECK(journal_count(f, "fill") == 2);
  CHECK(journal_count(f, "state_change") == 1);  // unknown → filled, once
}

TEST_CASE("issue 12: a fill that happens while no process runs is journalled and printed once, by the next sync") {
  CliFixture f;
  std::string id = f.buy();
  REQUIRE(printed_fills(f.oms_json({"sync", "--once"})) == 0);
  f.sim.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"10"})");  // nobody running
  auto next = f.oms_json({"sync", "--once"});
  REQUIRE(printed_fills(next) == 1);
  CHECK(str(next.at("fills").at(0), "quantity") == "10");
  CHECK(str(next.at("fills").at(0), "symbol") == "TSLA");
  CHECK(next.at("state_changes").to_number<int>() >= 1);
  CHECK(printed_fills(f.oms_json({"sync", "--once"})) == 0);
  CHECK(journal_count(f, "fill") == 1);
}

TEST_CASE("issue 12: a journal with a garbage middle line: the command refuses with exit 1 and the line number, and no broker request is made") {
  CliFixture f;
  { std::ofstream(f.dir / "orders.jsonl") << kGarbledJournal; }
  Result r = f.oms({"buy", "TSLA", "1", "--ref", "250"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 1);
  CHECK(one_error_line(r.err));
  CHECK(r.err.find("line 2") != std::string::npos);
  CHECK(r.err.find("oms journal repair") != std::string::npos);
  CHECK(f.sim.admin_get("/_sim/requests").at("total").to_number<int>() == 0);
  CHECK(read_text(f.dir / "orders.jsonl") == kGarbledJournal);  // nothing rewritten behind the operator's back
}

TEST_CASE("issue 12: journal check lists unreadable lines; repair (refused while an owner runs) fixes it and leaves submissions halted") {
  CliFixture f;
  { std::ofstream(f.dir / "orders.jsonl") << kGarbledJournal; }
  Result check = f.oms({"journal", "check"});
  CHECK(check.exit_code == 1);
  CHECK(check.out.find("line 2 does not parse") != std::string::npos);
  auto as_json = boost::json::parse(f.oms({"journal", "check", "--json"}).out);
  CHECK(as_json.at("clean").as_bool() == false);
  CHECK(as_json.at("records").to_number<int>() == 2);
  CHECK(as_json.at("malformed").at(0).at("line").to_number<int>() == 2);
  {
    auto owner = oms::journal::JournalFile::open((f.dir / "orders.jsonl").string());
    REQUIRE(owner.has_value());
    Result refused = f.oms({"journal", "repair"});
    CHECK(refused.exit_code == 1);
    CHECK(one_error_line(refused.err));
    CHECK(refused.err.find("owned by process " + std::to_string(::getpid())) != std::string::npos);
    CHECK(read_text(f.dir / "orders.jsonl") == kGarbledJournal);
  }
  Result repaired = f.oms({"journal", "repair"});
  INFO("repair: ", repaired.out, repaired.err);
  CHECK(repaired.exit_code == 0);
  CHECK(repaired.out.find("oms resume") != std::string::npos);
  int backups = 0, rejected = 0;
  for (const auto& entry : std::filesystem::directory_iterator(f.dir)) {
    auto name = entry.path().filename().string();
    if (name.rfind("orders.jsonl.bak-", 0) == 0 && read_text(entry.path()) == kGarbledJournal) ++backups;
    if (name.rfind("orders.jsonl.rejected-", 0) == 0 && read_text(entry.path()).rfind("line 2: ", 0) == 0) ++rejected;
  }
  CHECK(backups == 1);
  CHECK(rejected == 1);
  CHECK(f.oms({"journal", "check"}).exit_code == 0);
  // The lost line could have been the kill switch: trading waits for a deliberate resume.
  CHECK(f.oms({"buy", "TSLA", "1", "--ref", "250"}).exit_code == 5);
  CHECK(f.broker_orders() == 0);
  REQUIRE(f.oms({"resume"}).exit_code == 0);
  CHECK(f.oms({"buy", "TSLA", "1", "--ref", "250"}).exit_code == 0);
}

TEST_CASE("journal without an action, or with an unknown one, is a usage error") {
  CliFixture f;
  CHECK(f.oms({"journal"}).exit_code == 2);
  Result r = f.oms({"journal", "fix"});
  CHECK(r.exit_code == 2);
  CHECK(one_error_line(r.err));
}
