// The rh-sim executable: its first line, its certificate file, its config file, SIGTERM.
#include "apps/rh-sim/options.hpp"
#include "simclient/http_client.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

// Runs rh-sim with `args`, returns its pid and the first line it prints.
pid_t spawn_sim(std::vector<std::string> args, std::string& first_line) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  args.insert(args.begin(), RH_SIM_BINARY);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, RH_SIM_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  REQUIRE(rc == 0);
  char c = 0;
  while (read(fds[0], &c, 1) == 1 && c != '\n') first_line += c;
  close(fds[0]);
  return pid;
}

int stop_sim(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::uint16_t port_of(const std::string& line) {
  return static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("rh-sim prints where it listens first, and exits cleanly on SIGTERM") {
  std::string line;
  pid_t pid = spawn_sim({"--port", "0", "--seed", "3", "--quiet"}, line);
  CHECK(line.rfind("listening on http://127.0.0.1:", 0) == 0);
  oms::simclient::HttpClient c(port_of(line));
  CHECK(c.get("/accounts/").status == 401);
  c.close();
  CHECK(stop_sim(pid) == 0);
}

TEST_CASE("rh-sim --tls writes a certificate a client can trust with --tls-cert-out") {
  std::string pem_path = "rh-sim-cli-test-" + std::to_string(getpid()) + ".pem";
  std::string line;
  // --verification none: this test is about TLS, not device approval.
  pid_t pid = spawn_sim({"--port", "0", "--tls", "--tls-cert-out", pem_path, "--verification", "none", "--quiet"}, line);
  CHECK(line.rfind("listening on https://127.0.0.1:", 0) == 0);
  oms::simclient::HttpClient c(port_of(line), read_file(pem_path));
  auto r = c.post_form("/oauth2/token/", {{"grant_type", "password"}, {"username", "demo"},
                                          {"password", "demo"}, {"device_token", "d"}});
  CHECK(r.status == 200);
  c.close();
  CHECK(stop_sim(pid) == 0);
  std::remove(pem_path.c_str());
}

TEST_CASE("a config file sets options by their names and refuses unknown keys") {
  rhsim::Options o;
  std::string error;
  CHECK(rhsim::apply_config_json(o, R"({"user":"alice","buying_power":"500.00","page_size":50,
                                        "auto_market":false,"symbols":{"XYZ":"12.34"}})", error));
  CHECK(o.user == "alice");
  CHECK(o.buying_power == "500.00");
  CHECK(o.page_size == 50);
  CHECK(!o.auto_market);
  REQUIRE(o.symbols.size() == 1);
  CHECK(o.symbols[0].price == "12.34");
  CHECK(!rhsim::apply_config_json(o, R"({"colour":"blue"})", error));
  CHECK(error.find("colour") != std::string::npos);
  CHECK(!rhsim::apply_config_json(o, R"({"buying_power":1.5})", error));  // no doubles for money
}

namespace {
int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
}  // namespace

TEST_CASE("finding 17: rh-sim --help prints its usage on stdout and exits 0; a bad flag still exits 2") {
  std::string line;
  pid_t pid = spawn_sim({"--help"}, line);
  CHECK(line.rfind("usage: rh-sim", 0) == 0);
  CHECK(wait_exit(pid) == 0);
  std::string ignored;
  CHECK(wait_exit(spawn_sim({"--no-such-flag"}, ignored)) == 2);
  CHECK(wait_exit(spawn_sim({"--verification", "carrier-pigeon"}, ignored)) == 2);
  CHECK(wait_exit(spawn_sim({"--throttle", "maybe"}, ignored)) == 2);
}

TEST_CASE("the strict options are set by their config names and bad values are refused") {
  rhsim::Options o;
  std::string error;
  CHECK(o.verification == "prompt");
  CHECK(o.throttle);
  CHECK(o.gfd_expiry);
  CHECK(rhsim::apply_config_json(o, R"({"verification":"sms","throttle":false,"throttle_order_requests":5,
                                        "refresh_token_lifetime_s":60,"known_devices":["d-1"],"gfd_expiry":false,
                                        "zero_average_buy_price":true,
                                        "symbols":{"TICK":{"price":"25.45","min_tick_size":"0.05","tradeable":false}}})",
                                 error));
  CHECK(o.verification == "sms");
  CHECK(!o.throttle);
  CHECK(o.throttle_order_requests == 5);
  CHECK(o.refresh_token_lifetime_s == 60);
  CHECK(o.known_devices == std::vector<std::string>{"d-1"});
  CHECK(!o.gfd_expiry);
  CHECK(o.zero_average_buy_price);
  REQUIRE(o.symbols.size() == 1);
  CHECK(o.symbols[0].min_tick_size == "0.05");
  CHECK(!o.symbols[0].tradeable);
  CHECK(!rhsim::apply_config_json(o, R"({"verification":"pigeon"})", error));
  CHECK(error.find("verification") != std::string::npos);
}
