// `oms cancel-all` (the kill switch) and `oms resume`.
#include "cli_fixture.hpp"

#include "actors/journal_file.hpp"

#include <map>

using namespace clitest;

TEST_CASE("cancel-all --json cancels every open order, reports each, and exits 0") {
  CliFixture f;
  std::string tsla = f.buy();
  std::string aapl = f.buy("AAPL", "1", "190");
  Result r = f.oms({"cancel-all", "--json"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());  // no progress on a pipe, no error
  auto report = boost::json::parse(r.out);
  const auto& results = report.at("results").as_array();
  REQUIRE(results.size() == 2);
  for (const auto& result : results) {
    CHECK(str(result, "outcome") == "cancelled");
    std::string id = str(result, "order_id");
    CHECK((id == tsla || id == aapl));
    CHECK(str(result, "symbol") == (id == tsla ? "TSLA" : "AAPL"));
  }
  const auto& summary = report.at("summary");
  CHECK(summary.at("orders").to_number<int>() == 2);
  CHECK(summary.at("cancelled").to_number<int>() == 2);
  CHECK(summary.at("failed").to_number<int>() == 0);
  CHECK(summary.at("open_orders_remaining").to_number<int>() == 0);
  CHECK(summary.at("submissions_halted").as_bool() == true);
  CHECK(summary.at("ok").as_bool() == true);
  CHECK(f.broker_state(tsla) == "cancelled");
  CHECK(f.broker_state(aapl) == "cancelled");
}

TEST_CASE("cancel-all reports a fill that wins the race as filled, in a table with a summary line") {
  CliFixture f;
  std::string id = f.buy();
  f.fault("POST", "/orders/" + id + "/cancel/", "fill_during_cancel", 1);
  Result r = f.oms({"cancel-all"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("ORDER_ID") != std::string::npos);
  CHECK(r.out.find(id) != std::string::npos);
  CHECK(r.out.find("filled") != std::string::npos);
  CHECK(r.out.find("summary: 1 orders: 0 cancelled, 1 filled") != std::string::npos);
  CHECK(f.broker_state(id) == "filled");
}

TEST_CASE("cancel-all exits 4 when the broker never confirms a cancel") {
  CliFixture f;
  std::string id = f.buy();
  f.fault("POST", "/orders/" + id + "/cancel/", "http_503", 100);
  Result r = f.oms({"cancel-all", "--json"});
  CHECK(r.exit_code == 4);
  CHECK(one_error_line(r.err));
  auto report = boost::json::parse(r.out);
  CHECK(report.at("summary").at("failed").to_number<int>() == 1);
  CHECK(report.at("summary").at("ok").as_bool() == false);
  CHECK(f.broker_state(id) != "cancelled");
}

TEST_CASE("cancel-all with no open orders says so and exits 0") {
  CliFixture f;
  Result r = f.oms({"cancel-all"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("no open orders") != std::string::npos);
}

TEST_CASE("resume --json prints the re-opened state") {
  CliFixture f;
  auto state = f.oms_json({"resume"});
  CHECK(str(state, "submissions") == "open");
  CHECK(state.at("halted").as_bool() == false);
  CHECK(state.at("breaker_open").as_bool() == false);
  Result text = f.oms({"resume"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("submissions: open") != std::string::npos);
}

TEST_CASE("after the kill switch a buy in a new process exits 5 until `oms resume`") {
  // Recovery (OrderManager::start) restores the kill-switch latch, and the resume, from the journal.
  CliFixture f;
  f.buy();
  REQUIRE(f.oms({"cancel-all"}).exit_code == 0);
  Result halted = f.oms({"buy", "AAPL", "1", "--ref", "190"});
  CHECK(halted.exit_code == 5);
  CHECK(one_error_line(halted.err));
  CHECK(f.broker_orders() == 1);
  REQUIRE(f.oms({"resume"}).exit_code == 0);
  CHECK(f.oms({"buy", "AAPL", "1", "--ref", "190"}).exit_code == 0);
  CHECK(f.broker_orders() == 2);
}

TEST_CASE("finding 5: oms cancel-all with no owner while GET /orders/ fails: halted first and journalled, the journal's "
          "open orders cancelled, each unconfirmed one named, exit 4") {
  CliFixture f;
  std::string tsla = f.buy();
  std::string aapl = f.buy("AAPL", "1", "190");
  // Every listing fails: the run ends at the kill switch's deadline (2 s here, 30 s by default).
  auto config = read_text(f.dir / "config.json");
  config.replace(config.find(R"("poll_interval_s":1)"), 19, R"("poll_interval_s":1,"kill_switch_deadline_s":2)");
  f.write_config(config);
  f.fault("GET", "/orders/", "http_503", 100000);
  Result r = f.oms({"cancel-all", "--json"});
  INFO("stderr: ", r.err);
  INFO("stdout: ", r.out);
  CHECK(r.exit_code == 4);
  CHECK(one_error_line(r.err));
  CHECK(r.err.find("could not be listed") != std::string::npos);
  // Both cancels went out although recovery could not list the broker's orders.
  CHECK(f.broker_state(tsla) == "cancelled");
  CHECK(f.broker_state(aapl) == "cancelled");
  auto report = boost::json::parse(r.out);
  std::map<std::string, std::string> details;
  for (const auto& result : report.at("results").as_array()) {
    CHECK(str(result, "outcome") == "failed");  // not confirmed: never reported as cancelled
    details[str(result, "order_id")] = str(result, "detail");
  }
  for (const auto& id : {tsla, aapl}) {
    REQUIRE(details.count(id) == 1);
    CHECK_MESSAGE(details[id].find("accepted the cancel") != std::string::npos, details[id]);
    CHECK_MESSAGE(details[id].find("not confirmed") != std::string::npos, details[id]);
  }
  REQUIRE(details.count("") == 1);
  CHECK_MESSAGE(details[""].find("could not list") != std::string::npos, details[""]);
  CHECK(report.at("summary").at("submissions_halted").as_bool());
  CHECK(report.at("summary").at("open_orders_remaining").to_number<int>() == -1);
  // The halt is journalled: the next process refuses to buy until `oms resume`.
  int halted = 0;
  for (const auto& rec : oms::journal::JournalFile::read_all((f.dir / "orders.jsonl").string()))
    halted += rec.at("kind").as_string() == "halted";
  CHECK(halted == 1);
  f.sim.admin_delete("/_sim/faults");
  Result buy = f.oms({"buy", "AAPL", "1", "--ref", "190"});
  CHECK(buy.exit_code == 5);
  CHECK(f.broker_orders() == 2);
}
