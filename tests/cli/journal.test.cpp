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

TEST_CASE("demo runs through the CLI with --run-root and --json, needing no config or credentials") {
  CliFixture f;
  f.write_config(R"({"mode":"live","broker":{"base_url":"http://127.0.0.1:1"}})");  // ignored by the demo
  f.username.clear();
  f.password.clear();
  Result r = f.oms({"demo", "--run-root", "runs", "--json"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  auto summary = boost::json::parse(r.out);
  CHECK(summary.at("passed").as_bool() == true);
  std::string folder = str(summary, "run_folder");
  CHECK(folder.rfind("runs/", 0) == 0);
  CHECK(std::filesystem::exists(f.dir / folder));
}

TEST_CASE("an intent interrupted before it reached the broker shows as unresolved after the next run's recovery, and as not_placed once a run after the quiet period proved it absent") {
  CliFixture f;
  // What a crash between the write-ahead intent and the POST leaves behind.
  std::ofstream(f.dir / "orders.jsonl")
      << R"({"ts":"2026-11-24T10:00:00.000000Z","kind":"intent","ref_id":"6b1f8c2e-3d4a-4b5c-9d6e-7f8091a2b3c4",)"
      << R"("symbol":"TSLA","side":"buy","quantity":"5","limit_price":"249.93","reference_price":"250.30",)"
      << R"("strategy":"","manual_override":true,"mode":"live"})" << "\n";
  CHECK(str(f.oms_json({"orders"}).at(0), "state") == "pending");
  // Any broker command runs recovery first. The interrupted process may have sent it just
  // before it died, so a listing right now proves nothing (here: within Robinhood's minute):
  // unresolved, its key reserved.
  const auto config = read_text(f.dir / "config.json");
  auto with_quiet = [&](const char* ms) {
    std::string c = config;
    c.replace(c.find(R"("quiet_ms":1000)"), 15, std::string(R"("quiet_ms":)") + ms);
    f.write_config(c);
  };
  with_quiet("60000");
  REQUIRE(f.oms({"sync", "--once"}).exit_code == 0);
  CHECK(str(f.oms_json({"orders"}).at(0), "state") == "unresolved");
  CHECK(f.oms_json({"orders", "--state", "unresolved"}).as_array().size() == 1);
  // A run once the quiet period has passed since that start (here: none configured) proves it absent.
  with_quiet("0");
  REQUIRE(f.oms({"sync", "--once"}).exit_code == 0);
  auto rows = f.oms_json({"orders"});
  REQUIRE(rows.as_array().size() == 1);
  CHECK(str(rows.at(0), "state") == "not_placed");
  CHECK(str(rows.at(0), "ref_id") == "6b1f8c2e-3d4a-4b5c-9d6e-7f8091a2b3c4");
  CHECK(f.broker_orders() == 0);
}
