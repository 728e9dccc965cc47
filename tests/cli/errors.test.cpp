// Exit codes for each failure class, one-line errors, --help, and what never reaches the output.
#include "cli_fixture.hpp"

#include <boost/asio/ip/tcp.hpp>

using namespace clitest;

namespace {

// A 127.0.0.1 port with nothing listening: bound once, then released.
std::string closed_port_url() {
  boost::asio::io_context ctx;
  boost::asio::ip::tcp::acceptor a(ctx, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto port = a.local_endpoint().port();
  a.close();
  return "http://127.0.0.1:" + std::to_string(port);
}

}  // namespace

TEST_CASE("bad arguments exit 2 with one line naming the field and the rule") {
  CliFixture f;
  struct Case {
    std::vector<std::string> args;
    std::string starts;
  };
  std::vector<Case> cases = {
      {{"buy", "tsla", "-5", "--ref", "abc"}, "oms: symbol: must be an uppercase ticker"},
      {{"buy", "TSLA", "-5", "--ref", "abc"}, "oms: quantity: must be a positive whole number"},
      {{"buy", "TSLA", "1.5", "--ref", "250"}, "oms: quantity: fractional shares"},
      {{"buy", "TSLA", "5", "--ref", "abc"}, "oms: --ref: must be a decimal price"},
      {{"buy", "TSLA", "5", "--ref", "0"}, "oms: --ref: must be a positive price"},
      {{"buy", "TSLA", "5"}, "oms: --ref: is required"},
      {{"buy", "TSLA", "5", "--ref", "250", "--strategy", "nope"}, "oms: --strategy:"},
      {{"sell", "BTC-USD", "1", "--ref", "1"}, "oms: symbol: looks like a crypto pair"},
      {{"status"}, "oms: order_id: is required"},
      {{"status", "../accounts"}, "oms: order_id:"},
      {{"frobnicate"}, "oms: command: 'frobnicate' is not an oms command"},
      {{}, "oms: command: is required"},
      {{"sync", "--bogus"}, "oms: --bogus: is not an option of `oms sync`"},
      {{"orders", "--state", "bogus"}, "oms: --state:"},
      {{"report", "--since", "yesterday"}, "oms: --since:"},
      {{"--mode", "demo", "orders"}, "oms: --mode: must be paper or live"},
      {{"orders", "--config", "missing.json"}, "oms: --config: cannot read missing.json"},
      {{"orders", "--broker", "ftp://x"}, "oms: --broker:"},
      {{"orders", "--ca-file", "missing.pem"}, "oms: --ca-file:"},
      {{"cancel-all", "now"}, "oms: now: is an unexpected argument"},
  };
  for (const auto& c : cases) {
    Result r = f.oms(c.args);
    INFO("args: ", boost::json::serialize(boost::json::value_from(c.args)));
    INFO("stderr: ", r.err);
    CHECK(r.exit_code == 2);
    CHECK(one_error_line(r.err));
    CHECK(r.err.rfind(c.starts, 0) == 0);
    CHECK(r.out.empty());
  }
  CHECK(f.broker_orders() == 0);
}

TEST_CASE("a bad config.json exits 2 naming the field") {
  CliFixture f;
  f.write_config(R"({"order_management":{"buy_offset":-1}})");
  Result r = f.oms({"orders"});
  CHECK(r.exit_code == 2);
  CHECK(one_error_line(r.err));
  CHECK(r.err.find("order_management.buy_offset") != std::string::npos);
}

TEST_CASE("--help exits 0 for the overview and every subcommand") {
  CliFixture f;
  Result overview = f.oms({"--help"});
  CHECK(overview.exit_code == 0);
  for (const char* name : {"buy", "sell", "status", "cancel-all", "sync", "orders", "report", "resume", "demo"}) {
    CHECK(overview.out.find(std::string("  ") + name + " ") != std::string::npos);
    Result r = f.oms({name, "--help"});
    INFO("command: ", name);
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind(std::string("Usage: oms ") + name, 0) == 0);
    CHECK(r.err.empty());
  }
  CHECK(f.oms({"help", "buy"}).out.rfind("Usage: oms buy", 0) == 0);
  CHECK(overview.out.find("Exit codes") != std::string::npos);
}

TEST_CASE("a broker rejection exits 3: insufficient buying power") {
  CliFixture f;
  f.sim.admin("/_sim/account", R"({"buying_power":"1000.00"})");
  Result r = f.oms({"buy", "TSLA", "50", "--ref", "250.30", "--json"});
  CHECK(r.exit_code == 3);
  CHECK(one_error_line(r.err));
  CHECK(r.err.find("You can only purchase 4 shares of TSLA") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("after an insufficient-funds rejection the next buy in a new process exits 5") {
  // Recovery (OrderManager::start) restores the open circuit breaker from the journal.
  CliFixture f;
  f.sim.admin("/_sim/account", R"({"buying_power":"1000.00"})");
  REQUIRE(f.oms({"buy", "TSLA", "50", "--ref", "250.30"}).exit_code == 3);
  f.sim.admin("/_sim/account", R"({"buying_power":"100000.00"})");
  Result r = f.oms({"buy", "AAPL", "1", "--ref", "190"});
  CHECK(r.exit_code == 5);
  CHECK(one_error_line(r.err));
  CHECK(f.broker_orders() == 0);
}

TEST_CASE("an unreachable broker exits 4: every order POST fails") {
  CliFixture f;
  f.fault("POST", "/orders/", "http_503", 1000);
  Result r = f.oms({"buy", "TSLA", "50", "--ref", "250.30"});
  CHECK(r.exit_code == 4);
  CHECK(one_error_line(r.err));
  CHECK(r.err.rfind("oms: broker: ", 0) == 0);
  CHECK(f.broker_orders() == 0);
}

TEST_CASE("an unreachable broker exits 4: nothing listens on --broker") {
  CliFixture f;
  Result r = f.oms({"buy", "TSLA", "50", "--ref", "250.30", "--broker", closed_port_url()});
  CHECK(r.exit_code == 4);
  CHECK(one_error_line(r.err));
  CHECK(r.out.empty());
}

TEST_CASE("secrets never reach the output or the logs, and the console stays quiet") {
  CliFixture f;
  f.password = "s3cr3t-Pa55word";
  Result refused = f.oms({"buy", "TSLA", "1", "--ref", "250.30"});
  CHECK(refused.exit_code != 0);
  CHECK(one_error_line(refused.err));
  CHECK(refused.err.find(f.password) == std::string::npos);

  f.password = "demo";
  Result ok = f.oms({"buy", "TSLA", "1", "--ref", "250.30"});
  CHECK(ok.exit_code == 0);
  CHECK(ok.err.empty());
  std::string log = read_text(f.dir / "logs" / "oms.log");
  CHECK(log.find("\"event\":\"cli.command\"") != std::string::npos);
  CHECK(log.find("s3cr3t-Pa55word") == std::string::npos);
  std::string journal = read_text(f.dir / "orders.jsonl");
  CHECK(journal.find("s3cr3t-Pa55word") == std::string::npos);
  CHECK(read_text(f.dir / "token.json").find("s3cr3t-Pa55word") == std::string::npos);
}
