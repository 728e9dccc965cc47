#include "gateway_fixture.hpp"

#include "gateway/parse.hpp"
#include "gateway/retry.hpp"
#include "gateway/token_store.hpp"
#include "runtime/log.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

using namespace gwtest;
using namespace std::chrono_literals;

TEST_CASE("login with the simulator's default credentials, and a bad password is refused with the broker's text") {
  simtest::SimFixture sim;
  Harness h(sim);
  h.run([&]() -> awaitable<void> {
    auto r = co_await h.gw->login();
    CHECK(r.has_value());
  });
  Harness bad(sim, [](GatewayOptions& o) { o.credentials.password = "wrong"; });
  bad.run([&]() -> awaitable<void> {
    auto r = co_await bad.gw->login();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::login_required);
    CHECK(r.error().detail.find("wrong") == std::string::npos);  // never echo a secret
  });
}

TEST_CASE("an account with an authenticator needs the TOTP code: refused without it, accepted with it") {
  auto opts = simtest::frozen_options();
  opts.mfa_secret = "JBSWY3DPEHPK3PXP";
  simtest::SimFixture sim(opts);
  Harness without(sim);
  without.run([&]() -> awaitable<void> {
    auto r = co_await without.gw->login();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::login_required);
    CHECK(r.error().detail.find("RH_MFA_SECRET") != std::string::npos);
  });
  Harness with(sim, [](GatewayOptions& o) { o.credentials.mfa_secret = "JBSWY3DPEHPK3PXP"; });
  with.run([&]() -> awaitable<void> { CHECK((co_await with.gw->login()).has_value()); });
}

TEST_CASE("an expired token is refreshed once and the call succeeds") {
  simtest::SimFixture sim;
  Harness h(sim);
  h.run([&]() -> awaitable<void> {
    REQUIRE((co_await h.gw->account()).has_value());
    h.sim.admin("/_sim/expire_tokens", "{}");
    auto orders = co_await h.gw->list_orders(std::nullopt);
    CHECK(orders.has_value());
    auto stats = co_await h.gw->stats();
    CHECK(stats.refreshes == 1);
    CHECK(stats.logins == 1);
  });
}

TEST_CASE("account and instrument are cached: a second order costs exactly one broker request") {
  simtest::SimFixture sim;
  Harness h(sim);
  h.run([&]() -> awaitable<void> {
    auto first_intent = buy("TSLA", "1", "200.00");
    auto first = co_await h.gw->place_limit_order(first_intent);
    REQUIRE(first.has_value());
    auto before = (co_await h.gw->stats()).requests;
    auto second_intent = buy("TSLA", "2", "200.00");
    auto second = co_await h.gw->place_limit_order(second_intent);
    REQUIRE(second.has_value());
    CHECK((co_await h.gw->stats()).requests - before == 1);
    CHECK(second->order.state == "unconfirmed");
    CHECK(second->order.quantity == Quantity::parse("2").value());
    CHECK(second->order.ref_id == second_intent.ref_id);
    CHECK(second->posts == 1);
    auto symbol = co_await h.gw->symbol_for_instrument(second->order.instrument);
    CHECK(symbol == "TSLA");
  });
}

TEST_CASE("every broker operation works against the simulator") {
  simtest::SimFixture sim;
  Harness h(sim);
  h.run([&]() -> awaitable<void> {
    auto acct = co_await h.gw->account();
    REQUIRE(acct.has_value());
    CHECK(acct->buying_power == Price::parse("100000").value());
    auto unknown = co_await h.gw->instrument("ZZZZ");
    REQUIRE_FALSE(unknown.has_value());
    CHECK(unknown.error().kind == ErrorKind::not_found);
    std::vector<std::string> symbols{"TSLA", "AAPL"};
    auto q = co_await h.gw->quotes(symbols);
    REQUIRE(q.has_value());
    REQUIRE(q->size() == 2);
    CHECK((*q)[0]->bid.has_value());

    auto intent = buy("AAPL", "3", "100.00");
    auto placed = co_await h.gw->place_limit_order(intent);
    REQUIRE(placed.has_value());
    auto got = co_await h.gw->get_order(placed->order.id);
    REQUIRE(got.has_value());
    CHECK(got->ref_id == intent.ref_id);
    auto open = co_await h.gw->list_open_orders();
    REQUIRE(open.has_value());
    CHECK(open->size() == 1);
    auto found = co_await h.gw->find_by_ref_id(intent.ref_id, h.rt.clock().now() - 1h);
    REQUIRE(found.has_value());
    REQUIRE(found->has_value());
    CHECK((*found)->id == placed->order.id);

    CHECK((co_await h.gw->cancel_order(placed->order.id)).has_value());
    auto missing = co_await h.gw->get_order("00000000-0000-4000-8000-000000000000");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().kind == ErrorKind::not_found);
    CHECK(missing.error().detail == "Not found.");
    auto pos = co_await h.gw->positions();
    CHECK(pos.has_value());
  });
}

TEST_CASE("cancelling an order that is no longer cancellable is not_found, and is not retried") {
  simtest::SimFixture sim;
  Harness h(sim);
  h.run([&]() -> awaitable<void> {
    auto intent = buy("TSLA", "1", "200.00");
    auto placed = co_await h.gw->place_limit_order(intent);
    REQUIRE(placed.has_value());
    h.sim.admin("/_sim/fill", R"({"order_id":")" + placed->order.id + R"(","quantity":"1","price":"200.00"})");
    auto r = co_await h.gw->cancel_order(placed->order.id);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::not_found);
    CHECK(r.error().failure == FailureClass::permanent);
    CHECK(r.error().attempts == 1);
  });
}

TEST_CASE("lost, timed-out and reset order POSTs still create exactly one broker order") {
  for (std::string kind : {"drop_after_accept", "timeout", "timeout_after_processing", "reset"}) {
    CAPTURE(kind);
    simtest::SimFixture sim;
    Harness h(sim);
    h.run([&]() -> awaitable<void> {
      REQUIRE((co_await h.gw->account()).has_value());
      REQUIRE((co_await h.gw->instrument("TSLA")).has_value());
      if (kind == "timeout_after_processing") h.fault("POST", "/orders/", "timeout", 1, R"(,"process":true)");
      else h.fault("POST", "/orders/", kind);
      auto intent = buy("TSLA", "5", "200.00");
      auto placed = co_await h.gw->place_limit_order(intent);
      REQUIRE_MESSAGE(placed.has_value(), placed.error().to_string());
      CHECK(placed->order.ref_id == intent.ref_id);
      CHECK(h.broker_orders_with_ref(intent.ref_id) == 1);
      CHECK(h.broker_orders() == 1);
      // Where the broker acted before the failure the order is found by look-up, not re-sent;
      // where it did not, the look-up finds nothing and the same ref_id is sent again.
      bool acted = kind == "drop_after_accept" || kind == "timeout_after_processing";
      CHECK(placed->found_by_lookup == acted);
      CHECK(placed->posts == (acted ? 1 : 2));
    });
  }
}

TEST_CASE("a ref_id the broker already has is looked up, never reported as a failure") {
  simtest::SimFixture sim;
  Harness h(sim);
  h.run([&]() -> awaitable<void> {
    auto intent = buy("TSLA", "5", "200.00");
    auto first = co_await h.gw->place_limit_order(intent);
    REQUIRE(first.has_value());
    auto again = co_await h.gw->place_limit_order(intent);  // e.g. a restart replaying its journal
    REQUIRE_MESSAGE(again.has_value(), again.error().to_string());
    CHECK(again->order.id == first->order.id);
    CHECK(again->found_by_lookup);
    CHECK(h.broker_orders() == 1);
  });
}

TEST_CASE("5xx and 429 answers are transient: retried with backoff until the order goes through") {
  for (std::string kind : {"http_500", "http_502", "http_503", "http_429"}) {
    CAPTURE(kind);
    simtest::SimFixture sim;
    Harness h(sim);
    h.run([&]() -> awaitable<void> {
      REQUIRE((co_await h.gw->instrument("TSLA")).has_value());
      REQUIRE((co_await h.gw->account()).has_value());
      h.fault("POST", "/orders/", kind, 2, R"(,"retry_after_s":1)");
      auto started = std::chrono::steady_clock::now();
      auto intent = buy("TSLA", "1", "200.00");
      auto placed = co_await h.gw->place_limit_order(intent);
      REQUIRE_MESSAGE(placed.has_value(), placed.error().to_string());
      CHECK(h.broker_orders() == 1);
      if (kind == "http_429") CHECK(std::chrono::steady_clock::now() - started >= 2s);  // honoured Retry-After
    });
  }
}

TEST_CASE("transient failures that outlast the retries come back classified, with the attempt count") {
  simtest::SimFixture sim;
  Harness h(sim);
  h.run([&]() -> awaitable<void> {
    h.fault("GET", "/orders/", "http_503", 10);
    auto r = co_await h.gw->list_orders(std::nullopt);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().failure == FailureClass::transient);
    CHECK(r.error().kind == ErrorKind::server);
    CHECK(r.error().attempts == 3);
  });
}

TEST_CASE("permanent refusals are never retried and carry the broker's words") {
  simtest::SimFixture sim;
  Harness h(sim);
  h.run([&]() -> awaitable<void> {
    auto subpenny = buy("TSLA", "1", "200.001");
    auto r = co_await h.gw->place_limit_order(subpenny);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::validation);
    CHECK(r.error().detail.find("subpenny") != std::string::npos);
    CHECK(r.error().attempts == 1);

    h.sim.admin("/_sim/account", R"({"buying_power":"1000.00"})");
    auto big = buy("TSLA", "50", "200.00");
    auto funds = co_await h.gw->place_limit_order(big);
    REQUIRE_FALSE(funds.has_value());
    CHECK(funds.error().kind == ErrorKind::insufficient_funds);
    CHECK(funds.error().detail.find("You can only purchase") != std::string::npos);
    CHECK(h.broker_orders() == 0);
  });
}

TEST_CASE("a delayed answer within the deadline is simply slower") {
  simtest::SimFixture sim;
  Harness h(sim);
  h.run([&]() -> awaitable<void> {
    h.fault("GET", "/accounts/", "delay", 1, R"(,"delay_ms":100)");
    auto started = std::chrono::steady_clock::now();
    CHECK((co_await h.gw->account()).has_value());
    CHECK(std::chrono::steady_clock::now() - started >= 100ms);
  });
}

TEST_CASE("finding 21: a fill that lands as the cancel arrives: the gateway reports the cancel as not_found "
          "without retrying it, and reads the order back as filled with its execution") {
  simtest::SimFixture sim;
  Harness h(sim);
  h.run([&]() -> awaitable<void> {
    auto intent = buy("TSLA", "4", "200.00");
    auto placed = co_await h.gw->place_limit_order(intent);
    REQUIRE(placed.has_value());
    h.fault("POST", "/orders/", "fill_during_cancel");
    auto cancel = co_await h.gw->cancel_order(placed->order.id);
    // The product's answer: the broker's 404 ("no longer cancellable") classified, not retried.
    REQUIRE_FALSE(cancel.has_value());
    CHECK(cancel.error().kind == ErrorKind::not_found);
    CHECK(cancel.error().failure == FailureClass::permanent);
    CHECK(cancel.error().http_status == 404);
    CHECK(cancel.error().attempts == 1);
    auto after = co_await h.gw->get_order(placed->order.id);
    REQUIRE(after.has_value());
    auto status = to_order_status(*after);  // the product's reading of the broker's payload
    CHECK(status.state == OrderState::filled);
    CHECK(status.filled_quantity == Quantity::parse("4").value());
    REQUIRE(after->executions.size() == 1);
    CHECK(after->executions[0].quantity == Quantity::parse("4").value());
  });
}

TEST_CASE("several requests are in flight at once across the pool") {
  simtest::SimFixture sim;
  Harness h(sim);
  h.run([&]() -> awaitable<void> {
    REQUIRE((co_await h.gw->account()).has_value());
    h.fault("GET", "/orders/", "delay", 4, R"(,"delay_ms":200)");
    auto before = (co_await h.gw->stats()).connections_opened;
    CHECK(before == 1);
    using namespace boost::asio::experimental::awaitable_operators;
    co_await (h.gw->list_orders(std::nullopt) && h.gw->list_orders(std::nullopt) &&
              h.gw->list_orders(std::nullopt) && h.gw->list_orders(std::nullopt));
    // Each slow request held its own connection: four were open at once (the pool's size).
    CHECK((co_await h.gw->stats()).connections_opened == 4);
  });
}

TEST_CASE("connections the pool grew for a burst stay warm for the next one, and close once they have lingered") {
  simtest::SimFixture sim;
  Harness h(sim, [](GatewayOptions& o) {
    o.pool.size = 2;
    o.pool.max = 8;
    o.pool.surplus_linger = 400ms;
  });
  h.run([&]() -> awaitable<void> {
    REQUIRE((co_await h.gw->account()).has_value());
    using namespace boost::asio::experimental::awaitable_operators;
    auto burst = [&]() -> awaitable<void> {
      h.fault("GET", "/orders/", "delay", 6, R"(,"delay_ms":100)");
      co_await (h.gw->list_orders(std::nullopt) && h.gw->list_orders(std::nullopt) &&
                h.gw->list_orders(std::nullopt) && h.gw->list_orders(std::nullopt) &&
                h.gw->list_orders(std::nullopt) && h.gw->list_orders(std::nullopt));
    };
    co_await burst();
    CHECK((co_await h.gw->stats()).connections_opened == 6);
    CHECK((co_await h.gw->stats()).connections_open == 6);
    // The same load again at once: it runs on the connections the first burst opened. (Closing
    // the surplus the moment it fell idle opened four more here.)
    co_await burst();
    CHECK((co_await h.gw->stats()).connections_opened == 6);
    // Idle past the linger, the pool is back to its size without another request.
    boost::asio::steady_timer wait(co_await boost::asio::this_coro::executor, 1s);
    co_await wait.async_wait(boost::asio::use_awaitable);
    CHECK((co_await h.gw->stats()).connections_open == 2);
    REQUIRE((co_await h.gw->account()).has_value());
    CHECK((co_await h.gw->stats()).connections_opened == 6);
  });
}

TEST_CASE("TLS: the simulator's certificate is verified, and an untrusted one is refused without retries") {
  auto opts = simtest::frozen_options();
  opts.tls = true;
  simtest::SimFixture sim(opts);
  auto ca = std::filesystem::temp_directory_path() / ("oms-sim-ca-" + std::to_string(::getpid()) + ".pem");
  std::ofstream(ca) << sim.sim().certificate_pem();
  Harness trusted(sim, [&](GatewayOptions& o) { o.pool.ca_file = ca.string(); });
  trusted.run([&]() -> awaitable<void> {
    auto intent = buy("TSLA", "1", "200.00");
    auto placed = co_await trusted.gw->place_limit_order(intent);
    CHECK_MESSAGE(placed.has_value(), (placed ? "" : placed.error().to_string()));
  });
  Harness untrusted(sim);
  untrusted.run([&]() -> awaitable<void> {
    auto r = co_await untrusted.gw->login();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::network);
    CHECK(r.error().failure == FailureClass::permanent);
  });
  std::filesystem::remove(ca);
}

TEST_CASE("the token file is written with mode 0600 and reused by the next session") {
  simtest::SimFixture sim;
  auto dir = std::filesystem::temp_directory_path() / ("oms-token-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto path = (dir / "token.json").string();
  {
    Harness h(sim, [&](GatewayOptions& o) { o.token_path = path; });
    h.run([&]() -> awaitable<void> { REQUIRE((co_await h.gw->login()).has_value()); });
  }
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  Harness again(sim, [&](GatewayOptions& o) { o.token_path = path; });
  again.run([&]() -> awaitable<void> {
    REQUIRE((co_await again.gw->account()).has_value());
    CHECK((co_await again.gw->stats()).logins == 0);
  });
  std::filesystem::remove_all(dir);
}

TEST_CASE("secrets from the environment appear in none of the files the product wrote") {
  auto opts = simtest::frozen_options();
  opts.user = "oms-user-7731";
  opts.password = "pw-Secr3t-9931";
  simtest::SimFixture sim(opts);
  auto dir = std::filesystem::temp_directory_path() / ("oms-secrets-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ::setenv("RH_USERNAME", "oms-user-7731", 1);
  ::setenv("RH_PASSWORD", "pw-Secr3t-9931", 1);
  oms::log::add_json_file((dir / "oms.jsonl").string(), oms::log::Level::debug);
  oms::log::set_console(false);
  {
    Harness h(sim, [&](GatewayOptions& o) {
      o.credentials = Credentials::from_environment();
      o.credentials.mfa_code = "918273";
      o.token_path = (dir / "token.json").string();
    });
    h.run([&]() -> awaitable<void> {
      auto intent = buy("TSLA", "1", "200.00");
      REQUIRE((co_await h.gw->place_limit_order(intent)).has_value());
      h.sim.admin("/_sim/expire_tokens", "{}");
      CHECK((co_await h.gw->list_orders(std::nullopt)).has_value());
    });
  }
  oms::log::reset_files();
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    std::ifstream in(entry.path());
    std::string text((std::istreambuf_iterator<char>(in)), {});
    ++files;
    CHECK_MESSAGE(text.find("918273") == std::string::npos, entry.path());
    CHECK_MESSAGE(text.find("pw-Secr3t-9931") == std::string::npos, entry.path());
    CHECK_MESSAGE(text.find("oms-user-7731") == std::string::npos, entry.path());
  }
  CHECK(files == 2);
  ::unsetenv("RH_USERNAME");
  ::unsetenv("RH_PASSWORD");
  std::filesystem::remove_all(dir);
}

TEST_CASE("retry backoff sleeps on the runtime's clock: under the virtual clock the delays are exact") {
  simtest::SimFixture sim;
  auto clock = std::make_shared<oms::runtime::VirtualClock>();
  Harness h(sim, {}, clock);
  h.sim.admin("/_sim/faults", R"({"method":"GET","path":"/accounts/","kind":"http_503","count":2})");
  std::optional<BrokerResult<Account>> result;
  boost::asio::co_spawn(h.ctx, [&]() -> awaitable<void> { result = co_await h.gw->account(); },
                        [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  auto began = clock->now();
  // Real sockets and virtual time: let I/O settle, then jump to the next sleeper's deadline.
  for (int i = 0; i < 400 && !result; ++i) {
    h.ctx.restart();
    h.ctx.run_for(std::chrono::milliseconds(5));
    if (clock->sleepers() > 0) clock->run_until_idle([&] { h.ctx.restart(); h.ctx.poll(); }, std::chrono::seconds(1));
  }
  REQUIRE(result.has_value());
  REQUIRE_MESSAGE(result->has_value(), result->error().to_string());
  // The same policy and seed the gateway was built with (options_for: 5 ms base, 50 ms cap, seed 7).
  RetryPolicy policy{3, std::chrono::milliseconds(5), std::chrono::milliseconds(50), 200};
  std::mt19937_64 rng(7);
  auto first = next_delay(policy, 1, std::nullopt, rng);
  auto second = next_delay(policy, 2, std::nullopt, rng);
  CHECK(clock->now() - began == std::chrono::duration_cast<oms::runtime::Duration>(first + second));
}
