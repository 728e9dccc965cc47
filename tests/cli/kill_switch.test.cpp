// `oms cancel-all` (the kill switch) and `oms resume`.
#include "cli_fixture.hpp"

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
