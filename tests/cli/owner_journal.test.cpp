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
