// `oms sync`: one pass with --once, or the poller in the foreground until SIGINT/SIGTERM.
#include "cli_fixture.hpp"

#include <csignal>

using namespace clitest;
using namespace std::chrono_literals;

TEST_CASE("sync --once --json reports the fills it found") {
  CliFixture f;
  std::string id = f.buy();
  f.sim.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"20"})");
  auto report = f.oms_json({"sync", "--once"});
  CHECK(report.at("orders_seen").to_number<int>() >= 1);
  const auto& fills = report.at("fills").as_array();
  REQUIRE(fills.size() == 1);
  CHECK(str(fills[0], "order_id") == id);
  CHECK(str(fills[0], "quantity") == "20");
  CHECK(str(fills[0], "symbol") == "TSLA");  // named even though this process never looked TSLA up
  CHECK(str(fills[0], "price") == "249.93");
  CHECK(fills[0].at("complete").as_bool() == false);
}

TEST_CASE("sync --once prints a summary line for a person") {
  CliFixture f;
  std::string id = f.buy();
  f.sim.admin("/_sim/fill", R"({"order_id":")" + id + R"("})");
  Result r = f.oms({"sync", "--once"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("fill ") != std::string::npos);
  CHECK(r.out.find("complete") != std::string::npos);
  CHECK(r.out.find("1 fills") != std::string::npos);
}

TEST_CASE("sync follows orders in the foreground, prints fills as they happen, and stops on SIGINT") {
  CliFixture f;
  std::string id = f.buy();
  Child sync(f.argv({"sync", "--json"}), f.env(), f.dir.string());
  f.sim.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"10"})");
  REQUIRE(sync.wait_for_stdout("\"quantity\":\"10\"", 20s));
  // A later fill arrives on a later poll of the same process.
  f.sim.admin("/_sim/fill", R"({"order_id":")" + id + R"("})");
  REQUIRE(sync.wait_for_stdout("\"complete\":true", 20s));
  sync.signal(SIGINT);
  Result r = sync.finish();
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  // One JSON object per line.
  std::istringstream lines(r.out);
  int fills = 0;
  for (std::string line; std::getline(lines, line);) {
    auto fill = boost::json::parse(line);
    CHECK(str(fill, "order_id") == id);
    ++fills;
  }
  CHECK(fills == 2);
}

TEST_CASE("sync stops cleanly on SIGTERM") {
  CliFixture f;
  std::string id = f.buy();
  Child sync(f.argv({"sync"}), f.env(), f.dir.string());
  f.sim.admin("/_sim/fill", R"({"order_id":")" + id + R"("})");
  REQUIRE(sync.wait_for_stdout("complete", 20s));
  sync.signal(SIGTERM);
  Result r = sync.finish();
  CHECK(r.exit_code == 0);
}
