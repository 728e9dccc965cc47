// HTTPS with the self-signed certificate, and many concurrent keep-alive connections.
#include "apps/rh-sim/tls.hpp"
#include "tests/sim/sim_fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

using namespace simtest;

TEST_CASE("with TLS and no files the simulator serves HTTPS with a self-signed certificate") {
  rhsim::Options o = frozen_options();
  o.tls = true;
  SimFixture sim(o);
  CHECK(sim.base().rfind("https://127.0.0.1:", 0) == 0);
  CHECK(sim.sim().certificate_pem().find("BEGIN CERTIFICATE") != std::string::npos);
  HttpClient c = sim.login();  // trusts exactly that certificate and checks the host name
  auto r = c.get("/accounts/");
  CHECK(r.error.message() == boost::system::error_code{}.message());
  CHECK(r.status == 200);
  CHECK(str(r.json().at("results").at(0), "url").rfind("https://", 0) == 0);
}

TEST_CASE("a TLS client that does not trust the certificate cannot connect") {
  rhsim::Options o = frozen_options();
  o.tls = true;
  SimFixture sim(o);
  rhsim::Options other = frozen_options();
  other.tls = true;
  boost::asio::io_context unused;
  rhsim::Simulator stranger(unused, other);
  stranger.start();
  HttpClient c(sim.port(), stranger.certificate_pem());
  CHECK(c.get("/accounts/").error);
}

TEST_CASE("a thousand keep-alive connections are served at once") {
  // Both ends live in this process: 2,000 descriptors plus a margin.
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < 2600 && limit.rlim_max >= 2600) {
    limit.rlim_cur = 2600;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  SimFixture sim;
  std::vector<HttpClient> clients;
  clients.reserve(1000);
  for (int i = 0; i < 1000; ++i) {
    clients.emplace_back(sim.port());
    REQUIRE(clients.back().connect());
  }
  int ok = 0;
  for (int round = 0; round < 2; ++round)
    for (auto& c : clients) ok += c.get("/oauth2/token/").status == 405 ? 1 : 0;
  CHECK(ok == 2000);
  int reconnects = 0;
  for (auto& c : clients) reconnects += c.connects() - 1;
  CHECK(reconnects == 0);
}

// The round-trip time itself is a bench figure (make bench), not asserted here: a loaded 2-core
// machine can stall any request (finding 22). What the test holds is what makes it fast.
TEST_CASE("finding 22: without configured latency keep-alive round trips all reuse one connection") {
  SimFixture sim;
  HttpClient c = sim.login();
  constexpr int kTrips = 300;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kTrips; ++i) REQUIRE(c.get("/quotes/?symbols=TSLA").status == 200);
  auto per_trip = (std::chrono::steady_clock::now() - start) / kTrips;
  MESSAGE("mean round trip: " << std::chrono::duration_cast<std::chrono::microseconds>(per_trip).count() << " us");
  CHECK(c.connects() == 1);  // no reconnect, no per-request handshake
}

TEST_CASE("orders posted from many threads at once are all created exactly once") {
  SimFixture sim;
  HttpClient first = sim.login();
  std::string instrument = sim.instrument_url(first, "F");
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c = sim.login();
      rhsim::Rng rng(100 + t);
      for (int i = 0; i < 25; ++i) {
        Form form{{"account", sim.account_url()}, {"instrument", instrument}, {"price", "11.00"},
                  {"quantity", "1"}, {"ref_id", rng.uuid()}, {"type", "limit"}, {"time_in_force", "gtc"},
                  {"trigger", "immediate"}, {"side", "buy"}, {"order_form_version", "4"}};
        if (c.post_form("/orders/", form).status == 201) ++created;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(created == 200);
  auto all = sim.admin_get("/_sim/orders");
  CHECK(all.at("count").to_number<std::int64_t>() == 200);
  std::set<std::string> ids;
  for (auto& o : all.at("results").as_array()) ids.insert(str(o, "id"));
  CHECK(ids.size() == 200);
}

TEST_CASE("with certificate and key files the simulator serves them and hands out that certificate") {
  std::string error;
  auto pair = rhsim::make_self_signed(error);
  REQUIRE(pair);
  std::string cert = "rh-sim-test-cert-" + std::to_string(::getpid()) + ".pem";
  std::string key = "rh-sim-test-key-" + std::to_string(::getpid()) + ".pem";
  std::ofstream(cert) << pair->cert_pem;
  std::ofstream(key) << pair->key_pem;
  rhsim::Options o = frozen_options();
  o.tls = true;
  o.tls_cert_file = cert;
  o.tls_key_file = key;
  {
    SimFixture sim(o);
    CHECK(sim.sim().certificate_pem() == pair->cert_pem);
    HttpClient c = sim.client();
    CHECK(c.get("/accounts/").status == 401);
  }
  std::remove(cert.c_str());
  std::remove(key.c_str());
}

TEST_CASE("stop ends connections that never finish the TLS handshake, promptly") {
  rhsim::Options o = frozen_options();
  o.tls = true;
  auto sim = std::make_unique<SimFixture>(o);
  HttpClient silent(sim->port());  // plain TCP to a TLS port: connects, then says nothing
  REQUIRE(silent.connect());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the server start its handshake
  auto start = std::chrono::steady_clock::now();
  sim.reset();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}
