// Every fault kind of /_sim/faults, observed by a real client over loopback.
#include "tests/sim/sim_fixture.hpp"

#include <doctest/doctest.h>

using namespace simtest;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t order_count(SimFixture& sim) {
  return sim.admin_get("/_sim/orders").at("count").to_number<std::int64_t>();
}

void arm(SimFixture& sim, const std::string& method, const std::string& path, const std::string& kind,
         const std::string& extra = {}) {
  auto r = sim.admin("/_sim/faults", R"({"method":")" + method + R"(","path":")" + path + R"(","kind":")" +
                                         kind + R"(","count":1)" + extra + "}");
  REQUIRE(r.at("ok").as_bool());
}

}  // namespace

TEST_CASE("a delay fault holds the reply back but the request is processed") {
  SimFixture sim;
  HttpClient c = sim.login();
  arm(sim, "GET", "/accounts/", "delay", R"(,"delay_ms":150)");
  auto start = Clock::now();
  auto r = c.get("/accounts/");
  CHECK(r.status == 200);
  CHECK(Clock::now() - start >= 150ms);  // a lower bound: a loaded machine only adds to it
  CHECK(c.get("/accounts/").status == 200);
  // Armed for one request only: rh-sim's own log says which request the fault hit (finding 22:
  // not an upper bound on wall time).
  auto log = sim.admin_get("/_sim/requests").at("log").as_array();
  std::vector<std::string> accounts;
  for (auto& entry : log)
    if (entry.at("path").as_string() == "/accounts/")
      accounts.push_back(entry.at("fault").is_null() ? "" : std::string(entry.at("fault").as_string()));
  REQUIRE(accounts.size() >= 2);
  CHECK(accounts[accounts.size() - 2] == "delay");
  CHECK(accounts.back().empty());
}

TEST_CASE("a timeout fault never answers and does not create the order") {
  SimFixture sim;
  HttpClient c = sim.login();
  arm(sim, "POST", "/orders/", "timeout");
  c.set_timeout(200ms);
  auto r = c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "240.00", "1"));
  CHECK(r.timed_out());
  CHECK(order_count(sim) == 0);
  c.set_timeout(3000ms);
  CHECK(c.get("/accounts/").status == 200);  // a new connection works
}

TEST_CASE("drop_after_accept creates the order and closes the connection without a reply") {
  SimFixture sim;
  HttpClient c = sim.login();
  arm(sim, "POST", "/orders/", "drop_after_accept");
  std::string ref = sim.new_ref_id();
  auto r = c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "240.00", "1", ref));
  CHECK(r.error);
  CHECK(r.status == 0);
  CHECK(order_count(sim) == 1);
  // The client finds it again by ref_id among recent orders; a retry with it is refused.
  auto page = c.get("/orders/?updated_at%5Bgte%5D=2000-01-01T00:00:00Z").json();
  CHECK(str(page.at("results").at(0), "ref_id") == ref);
  auto retry = c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "240.00", "1", ref));
  CHECK(retry.status == 400);
  CHECK(order_count(sim) == 1);
}

TEST_CASE("http_500, http_502 and http_503 answer with that status and process nothing") {
  SimFixture sim;
  HttpClient c = sim.login();
  for (auto [kind, status] : {std::pair{"http_500", 500u}, std::pair{"http_502", 502u}, std::pair{"http_503", 503u}}) {
    arm(sim, "POST", "/orders/", kind);
    auto r = c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "240.00", "1"));
    CHECK(r.status == status);
  }
  CHECK(order_count(sim) == 0);
}

TEST_CASE("an http_429 fault carries Robinhood's throttle message and Retry-After") {
  SimFixture sim;
  HttpClient c = sim.login();
  arm(sim, "GET", "/orders/", "http_429", R"(,"retry_after_s":14)");
  auto r = c.get("/orders/");
  CHECK(r.status == 429);
  CHECK(r.body == R"({"detail":"Request was throttled. Expected available in 14 seconds."})");
  CHECK(r.header("Retry-After") == "14");
}

TEST_CASE("a reset fault aborts the connection before the request is processed") {
  SimFixture sim;
  HttpClient c = sim.login();
  arm(sim, "POST", "/orders/", "reset");
  auto r = c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "240.00", "1"));
  CHECK(r.error);
  CHECK(order_count(sim) == 0);
}

TEST_CASE("fill_during_cancel fills the order completely as the cancel arrives") {
  SimFixture sim;
  HttpClient c = sim.login();
  std::string id = str(c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "249.00", "5")).json(), "id");
  arm(sim, "POST", "/orders/", "fill_during_cancel");
  auto cancel = c.request("POST", "/orders/" + id + "/cancel/");
  CHECK(cancel.status == 404);
  auto order = c.get("/orders/" + id + "/").json();
  CHECK(str(order, "state") == "filled");
  CHECK(str(order, "cumulative_quantity") == "5.00000000");
  CHECK(str(order, "average_price") == "249.00000000");
}

TEST_CASE("a fault with a count hits exactly that many matching requests") {
  SimFixture sim;
  HttpClient c = sim.login();
  sim.admin("/_sim/faults", R"({"method":"GET","path":"/quotes/","kind":"http_503","count":2})");
  CHECK(c.get("/accounts/").status == 200);  // another path is untouched
  CHECK(c.get("/quotes/?symbols=TSLA").status == 503);
  CHECK(c.get("/quotes/?symbols=TSLA").status == 503);
  CHECK(c.get("/quotes/?symbols=TSLA").status == 200);
  auto log = sim.admin_get("/_sim/requests").at("log").as_array();
  int faulted = 0;
  for (auto& entry : log) faulted += entry.at("fault").is_null() ? 0 : 1;
  CHECK(faulted == 2);
}

TEST_CASE("the configured latency is added to every broker round trip") {
  rhsim::Options o = frozen_options();
  o.latency_ms = 60;
  SimFixture sim(o);
  HttpClient c = sim.login();
  auto start = Clock::now();
  CHECK(c.get("/accounts/").status == 200);
  CHECK(Clock::now() - start >= 60ms);
}

TEST_CASE("a timeout fault with process=true creates the order and still never answers") {
  SimFixture sim;
  HttpClient c = sim.login();
  arm(sim, "POST", "/orders/", "timeout", R"(,"process":true)");
  c.set_timeout(200ms);
  auto r = c.post_form("/orders/", sim.limit_order(c, "TSLA", "buy", "240.00", "1"));
  CHECK(r.timed_out());
  CHECK(order_count(sim) == 1);
}
