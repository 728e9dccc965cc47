#pragma once
// The `oms` binary against a real rh-sim: the simulator in-process on its own io_context thread
// (SimFixture), `oms` as a subprocess in a temp folder holding config.json (found as
// ./config.json), the journal, the token file and logs/. Credentials come from the environment.
#include "subprocess.hpp"
#include "tests/sim/sim_fixture.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace clitest {

/// Small retry delays and timeouts keep failure tests fast; poll every second for `sync`. rh-sim
/// handles a request when it reads it, so an order absent a second after the last attempt was
/// never placed (settlement.quiet_ms; Robinhood gets the default minute).
inline std::string config_json(const std::string& base_url, const std::filesystem::path& dir,
                               const std::string& extra_broker = "") {
  return R"({"mode":"live","broker":{"base_url":")" + base_url + R"(","token_path":")" + (dir / "token.json").string() +
         "\"" + extra_broker + R"(},"order_management":{"journal_path":")" + (dir / "orders.jsonl").string() +
         R"(","strategy_overrides":{"exit":{"offset_mode":"absolute","sell_offset":"0.04"}},)"
         R"("retry":{"max_attempts":2,"base_delay_ms":5,"max_delay_ms":20,"jitter_pct":0},)"
         R"("timeouts":{"connect_ms":1000,"request_ms":1000},"rate_limit":{"burst":100,"per_second":100,"window_requests":1000000,"order_window_requests":1000000},)"
         R"("poll_interval_s":1,"settlement":{"quiet_ms":1000,"base_delay_ms":50,"max_delay_ms":200}}})";
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class CliFixture {
 public:
  explicit CliFixture(rhsim::Options options = simtest::frozen_options()) : sim(options) {
    static int counter = 0;
    dir = std::filesystem::temp_directory_path() /
          ("oms-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    write_config(config_json(sim.base(), dir));
  }
  ~CliFixture() { std::filesystem::remove_all(dir); }

  void write_config(const std::string& json) { std::ofstream(dir / "config.json") << json; }

  /// The environment of every run: only what `oms` needs, nothing inherited.
  std::vector<std::string> env() const {
    return {"HOME=" + dir.string(), "RH_USERNAME=" + username, "RH_PASSWORD=" + password, "PATH=/usr/bin:/bin"};
  }
  std::vector<std::string> argv(std::vector<std::string> args) const {
    args.insert(args.begin(), OMS_BIN);
    return args;
  }
  /// Runs `oms args…` in the temp folder.
  Result oms(std::vector<std::string> args) const { return run(argv(std::move(args)), env(), dir.string()); }

  /// Runs `oms args… --json`, requires exit 0 and returns the parsed stdout.
  boost::json::value oms_json(std::vector<std::string> args) const {
    args.push_back("--json");
    Result r = oms(std::move(args));
    INFO("stderr: ", r.err);
    INFO("stdout: ", r.out);
    REQUIRE(r.exit_code == 0);
    return boost::json::parse(r.out);
  }

  /// Places TSLA 50 @ 250.30 (or the given order) and returns its broker id.
  std::string buy(const std::string& symbol = "TSLA", const std::string& qty = "50", const std::string& ref = "250.30") {
    auto env = oms_json({"buy", symbol, qty, "--ref", ref});
    return std::string(env.at("order_id").as_string());
  }

  std::size_t broker_orders() { return sim.admin_get("/_sim/orders").at("count").to_number<std::size_t>(); }
  std::string broker_state(const std::string& order_id) {
    auto all = sim.admin_get("/_sim/orders");  // named: a range-for over a temporary's member dangles
    for (const auto& o : all.at("results").as_array())
      if (o.at("id").as_string() == order_id) return std::string(o.at("state").as_string());
    return "absent";
  }
  void fault(const std::string& method, const std::string& path, const std::string& kind, int count) {
    sim.admin("/_sim/faults", R"({"method":")" + method + R"(","path":")" + path + R"(","kind":")" + kind +
                                  R"(","count":)" + std::to_string(count) + "}");
  }

  simtest::SimFixture sim;
  std::filesystem::path dir;
  std::string username = "demo";
  std::string password = "demo";
};

inline std::string str(const boost::json::value& v, const char* key) {
  const auto& x = v.at(key);
  return x.is_string() ? std::string(x.as_string()) : boost::json::serialize(x);
}

/// One line on stderr in the documented shape "oms: field: rule — what to do".
inline bool one_error_line(const std::string& err) {
  return err.rfind("oms: ", 0) == 0 && err.find('\n') == err.size() - 1 && err.find(" — ") != std::string::npos;
}

}  // namespace clitest
