// `oms orders` and `oms report`: the journal, read without the broker.
#include "cli_fixture.hpp"

using namespace clitest;

TEST_CASE("orders --json lists the journal newest first, filterable by symbol and state") {
  CliFixture f;
  std::string tsla = f.buy();
  std::string aapl = f.buy("AAPL", "1", "190");
  f.sim.admin("/_sim/fill", R"({"order_id":")" + aapl + R"("})");
  REQUIRE(f.oms({"sync", "--once"}).exit_code == 0);  // journals the fill

  auto all = f.oms_json({"orders"});
  REQUIRE(all.as_array().size() == 2);
  CHECK(str(all.at(0), "order_id") == aapl);
  CHECK(str(all.at(0), "state") == "filled");
  CHECK(str(all.at(0), "filled_quantity") == "1");
  CHECK(str(all.at(0), "average_fill_price") == "189.72");
  CHECK(str(all.at(1), "order_id") == tsla);
  CHECK(str(all.at(1), "state") == "queued");
  CHECK(str(all.at(1), "limit_price") == "249.93");
  CHECK(all.at(1).at("manual_override").as_bool() == true);

  auto only_tsla = f.oms_json({"orders", "--symbol", "TSLA"});
  REQUIRE(only_tsla.as_array().size() == 1);
  CHECK(str(only_tsla.at(0), "order_id") == tsla);
  auto filled = f.oms_json({"orders", "--state", "filled"});
  REQUIRE(filled.as_array().size() == 1);
  CHECK(str(filled.at(0), "order_id") == aapl);
  CHECK(f.oms_json({"orders", "--state", "cancelled"}).as_array().empty());
}

TEST_CASE("orders shows a table for a person, failed submissions included, without calling the broker") {
  CliFixture f;
  f.buy();
  f.sim.admin("/_sim/account", R"({"buying_power":"100.00"})");
  REQUIRE(f.oms({"buy", "MSFT", "10", "--ref", "415"}).exit_code == 3);
  f.fault("GET", "/", "http_503", 1000);  // the broker is down: orders still works
  Result r = f.oms({"orders"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("CREATED", 0) == 0);
  CHECK(r.out.find("failed") != std::string::npos);
  CHECK(r.out.find("insufficient_funds") != std::string::npos);
  CHECK(r.out.find("249.93") != std::string::npos);
}

TEST_CASE("orders on an empty journal prints an empty list") {
  CliFixture f;
  CHECK(f.oms_json({"orders"}).as_array().empty());
}

TEST_CASE("report --json computes the HEART metrics from the journal") {
  CliFixture f;
  f.buy();
  f.buy("AAPL", "1", "190");
  auto report = f.oms_json({"report"});
  CHECK(report.at("submissions").to_number<int>() == 2);
  CHECK(report.at("broker_successes").to_number<int>() == 2);
  CHECK(report.at("manual_overrides").to_number<int>() == 2);
  CHECK(report.at("metrics").as_array().size() > 0);
  // Nothing since a day in the future.
  auto none = f.oms_json({"report", "--since", "2999-01-01"});
  CHECK(none.at("submissions").to_number<int>() == 0);
  Result text = f.oms({"report"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("HEART") != std::string::npos);
}
