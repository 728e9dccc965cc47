// The journal's owner (issue 12): one process at a time; what the CLI says when it is not it.
#include "cli_fixture.hpp"

#include "actors/journal_file.hpp"

using namespace clitest;

TEST_CASE("issue 12: a command that finds the journal owned by another process says so in one line, naming the pid, and exits 1") {
  CliFixture f;
  auto owner = oms::journal::JournalFile::open((f.dir / "orders.jsonl").string());  // a running owner
  REQUIRE(owner.has_value());
  Result r = f.oms({"buy", "TSLA", "1", "--ref", "250"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 1);
  CHECK(one_error_line(r.err));
  CHECK(r.err.find("owned by process " + std::to_string(::getpid())) != std::string::npos);
  CHECK(r.err.find("kill " + std::to_string(::getpid())) != std::string::npos);
  CHECK(f.broker_orders() == 0);
  CHECK(f.sim.admin_get("/_sim/requests").at("total").to_number<int>() == 0);
}
