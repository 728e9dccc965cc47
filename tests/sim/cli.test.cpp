// The rh-sim executable: its first line, its certificate file, its config file, SIGTERM.
#include "apps/rh-sim/options.hpp"
#include "tests/sim/http_client.hpp"

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
  simtest::HttpClient c(port_of(line));
  CHECK(c.get("/accounts/").status == 401);
  c.close();
  CHECK(stop_sim(pid) == 0);
}

TEST_CASE("rh-sim --tls writes a certificate a client can trust with --tls-cert-out") {
  std::string pem_path = "rh-sim-cli-test-" + std::to_string(getpid()) + ".pem";
  std::string line;
  pid_t pid = spawn_sim({"--port", "0", "--tls", "--tls-cert-out", pem_path, "--quiet"}, line);
  CHECK(line.rfind("listening on https://127.0.0.1:", 0) == 0);
  simtest::HttpClient c(port_of(line), read_file(pem_path));
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
  CHECK(o.symbols[0].second == "12.34");
  CHECK(!rhsim::apply_config_json(o, R"({"colour":"blue"})", error));
  CHECK(error.find("colour") != std::string::npos);
  CHECK(!rhsim::apply_config_json(o, R"({"buying_power":1.5})", error));  // no doubles for money
}
