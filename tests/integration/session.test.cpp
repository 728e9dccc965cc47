// The live session against the strict rh-sim (issue 14): a process without a person meets device
// verification as login_required at once; a device, once approved, is reused; an imported JWT
// trades; refresh tokens are single-use (a lost reply is never repeated); the broker's waits
// hold only their own lane (finding 13.4).
#include "gateway_fixture.hpp"

#include "gateway/token_import.hpp"
#include "gateway/token_store.hpp"
#include "runtime/log.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sys/stat.h>
#include <unistd.h>

using namespace gwtest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A private folder per test; the token file goes below a folder that does not exist yet.
struct TempHome {
  fs::path dir;
  TempHome() {
    static int counter = 0;
    dir = fs::temp_directory_path() / ("oms-session-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempHome() { fs::remove_all(dir); }
  std::string token_path() const { return (dir / ".config" / "oms" / "token.json").string(); }
};

rhsim::Options strict(const std::string& verification = "prompt") {
  auto o = simtest::strict_options();
  o.verification = verification;
  o.throttle = false;  // these tests measure the login, not the broker's budget
  return o;
}

std::int64_t route_count(simtest::SimFixture& sim, const std::string& route) {
  auto all = sim.admin_get("/_sim/requests");
  const auto* n = all.at("counts").as_object().if_contains(route);
  return n ? n->to_number<std::int64_t>() : 0;
}

std::size_t workflows(simtest::SimFixture& sim) {
  return sim.admin_get("/_sim/verifications").at("results").as_array().size();
}

Timestamp wall_now() { return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()); }

// Approves the pending workflow as soon as the product starts waiting for it.
LoginInteraction approve_in_app(simtest::SimFixture& sim, int& prompts) {
  LoginInteraction ui;
  ui.awaiting_approval = [&sim, &prompts](std::chrono::seconds) {
    if (prompts++ == 0) sim.admin("/_sim/verifications/approve", "{}");
  };
  return ui;
}

}  // namespace

TEST_CASE("a bot on a new device meets the verification workflow: login_required at once, one attempt, never a loop") {
  simtest::SimFixture sim(strict());
  TempHome home;
  Harness h(sim, [&](GatewayOptions& o) { o.token_path = home.token_path(); });
  h.run([&]() -> awaitable<void> {
    auto first = co_await h.gw->account();
    REQUIRE_FALSE(first.has_value());
    CHECK(first.error().kind == ErrorKind::login_required);
    CHECK(first.error().detail.find("oms login") != std::string::npos);
    // Asked again, it answers from what it knows: no second password login, no second workflow.
    auto second_intent = buy("TSLA", "1", "200.00");  // named first: no temporaries inside co_await (GCC 12)
    auto second = co_await h.gw->place_limit_order(second_intent);
    REQUIRE_FALSE(second.has_value());
    CHECK(second.error().kind == ErrorKind::login_required);
    CHECK((co_await h.gw->stats()).logins == 1);
  });
  CHECK(route_count(sim, "POST /oauth2/token/") == 1);
  CHECK(workflows(sim) == 1);
  // The device token was stored before the attempt (finding 13.8: in a folder made 0700).
  auto stored = load_session(home.token_path());
  REQUIRE(stored.has_value());
  CHECK_FALSE(stored->device_token.empty());
  CHECK_FALSE(stored->has_tokens());
  struct stat st {};
  REQUIRE(::stat(fs::path(home.token_path()).parent_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("a person approves the login in the app: the device is kept, and a restart logs in with no new workflow") {
  simtest::SimFixture sim(strict("prompt"));
  TempHome home;
  std::string device;
  {
    Harness h(sim, [&](GatewayOptions& o) {
      o.token_path = home.token_path();
      o.login.poll_interval = 50ms;
    });
    int prompts = 0;
    h.run([&]() -> awaitable<void> {
      auto person = approve_in_app(sim, prompts);  // named first: no temporaries inside co_await (GCC 12)
      auto session = co_await h.gw->login_interactive(person);
      REQUIRE_MESSAGE(session.has_value(), session.error().to_string());
      CHECK(session->origin == SessionOrigin::approved);
      CHECK(session->health == SessionHealth::valid);
      CHECK(session->user == "d***");
      CHECK(session->refreshable);
      CHECK((co_await h.gw->account()).has_value());
    });
    CHECK(prompts >= 1);
    device = load_session(home.token_path()).value().device_token;
  }
  CHECK(workflows(sim) == 1);
  // The next process finds the session: no login at all.
  {
    Harness again(sim, [&](GatewayOptions& o) { o.token_path = home.token_path(); });
    again.run([&]() -> awaitable<void> {
      REQUIRE((co_await again.gw->account()).has_value());
      CHECK((co_await again.gw->stats()).logins == 0);
    });
  }
  // With the tokens gone, a password login from the same device needs no approval.
  auto only_device = load_session(home.token_path()).value();
  only_device.access_token.clear();
  only_device.refresh_token.clear();
  REQUIRE(save_session(home.token_path(), only_device).has_value());
  Harness restart(sim, [&](GatewayOptions& o) { o.token_path = home.token_path(); });
  restart.run([&]() -> awaitable<void> {
    auto r = co_await restart.gw->account();
    REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
    CHECK((co_await restart.gw->stats()).logins == 1);
  });
  CHECK(workflows(sim) == 1);
  CHECK(load_session(home.token_path()).value().device_token == device);
}

TEST_CASE("a login denied in the app, or left unapproved, ends with login_required and no session") {
  simtest::SimFixture sim(strict("prompt"));
  TempHome home;
  Harness h(sim, [&](GatewayOptions& o) {
    o.token_path = home.token_path();
    o.login.poll_interval = 50ms;
    o.login.approval_timeout = 1s;
  });
  h.run([&]() -> awaitable<void> {
    LoginInteraction deny;
    int polls = 0;
    deny.awaiting_approval = [&](std::chrono::seconds) {
      if (polls++ == 0) sim.admin("/_sim/verifications/deny", "{}");
    };
    auto denied = co_await h.gw->login_interactive(deny);
    REQUIRE_FALSE(denied.has_value());
    CHECK(denied.error().kind == ErrorKind::login_required);
    CHECK(denied.error().detail.find("denied") != std::string::npos);
    LoginInteraction nobody;
    auto timed_out = co_await h.gw->login_interactive(nobody);
    REQUIRE_FALSE(timed_out.has_value());
    CHECK(timed_out.error().kind == ErrorKind::login_required);
    CHECK(timed_out.error().detail.find("not approved within 1 s") != std::string::npos);
  });
  CHECK_FALSE(load_session(home.token_path()).value().has_tokens());
}

TEST_CASE("an sms code typed by the person approves the device; a wrong one is asked again") {
  simtest::SimFixture sim(strict("sms"));
  TempHome home;
  Harness h(sim, [&](GatewayOptions& o) { o.token_path = home.token_path(); });
  std::vector<AskCode> questions;
  LoginInteraction ui;
  ui.read_code = [&](const AskCode& q) -> std::optional<std::string> {
    questions.push_back(q);
    if (questions.size() == 1) return std::string("000000");
    auto all = sim.admin_get("/_sim/verifications");
    return std::string(all.at("results").at(0).at("code").as_string());
  };
  h.run([&]() -> awaitable<void> {
    auto session = co_await h.gw->login_interactive(ui);
    REQUIRE_MESSAGE(session.has_value(), session.error().to_string());
    CHECK(session->origin == SessionOrigin::approved);
  });
  REQUIRE(questions.size() == 2);
  CHECK(questions[0].type == ChallengeType::sms);
  CHECK_FALSE(questions[0].after_rejection);
  CHECK(questions[1].after_rejection);
  CHECK(questions[1].attempts_left == 2);
}

TEST_CASE("an imported JWT is used for orders; once expired it is refused before anything is sent") {
  simtest::SimFixture sim(strict());
  TempHome home;
  auto minted = sim.admin("/_sim/tokens", R"({"expires_in_s":2592000})");
  std::string token(minted.at("access_token").as_string());
  auto imported = imported_session(token, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", wall_now());
  REQUIRE(imported.has_value());
  CHECK(imported->origin == SessionOrigin::imported);
  REQUIRE(save_session(home.token_path(), *imported).has_value());
  {
    Harness h(sim, [&](GatewayOptions& o) {
      o.token_path = home.token_path();
      o.credentials = Credentials{};  // a browser session: no password anywhere
    });
    h.run([&]() -> awaitable<void> {
      auto placed_intent = buy("TSLA", "1", "200.00");  // named first: no temporaries inside co_await (GCC 12)
      auto placed = co_await h.gw->place_limit_order(placed_intent);
      REQUIRE_MESSAGE(placed.has_value(), placed.error().to_string());
      auto info = co_await h.gw->session_info();
      REQUIRE(info.has_value());
      CHECK(info->origin == SessionOrigin::imported);
      CHECK_FALSE(info->refreshable);
    });
  }
  CHECK(route_count(sim, "POST /orders/") == 1);
  CHECK(route_count(sim, "POST /oauth2/token/") == 0);
  // A month later (the product's clock), the same stored token is expired: login_required, no request.
  auto later = std::make_shared<oms::runtime::VirtualClock>(wall_now() + 31 * 24h);
  auto before = route_count(sim, "GET /accounts/");
  Harness expired(sim, [&](GatewayOptions& o) {
    o.token_path = home.token_path();
    o.credentials = Credentials{};
  }, later);
  expired.run([&]() -> awaitable<void> {
    auto r = co_await expired.gw->account();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::login_required);
    CHECK(r.error().detail.find("expired") != std::string::npos);
  });
  CHECK(route_count(sim, "GET /accounts/") == before);
  // And offline, an expired token is not even stored.
  auto old = sim.admin("/_sim/tokens", R"({"expires_in_s":-60})");
  CHECK_FALSE(imported_session(std::string(old.at("access_token").as_string()), "d", wall_now()).has_value());
}

TEST_CASE("a refresh rotates the tokens, which are stored before first use") {
  simtest::SimFixture sim(strict("none"));
  TempHome home;
  Harness h(sim, [&](GatewayOptions& o) { o.token_path = home.token_path(); });
  h.run([&]() -> awaitable<void> {
    REQUIRE((co_await h.gw->account()).has_value());
    auto first = load_session(home.token_path()).value();
    sim.admin("/_sim/expire_tokens", "{}");
    REQUIRE((co_await h.gw->list_orders(std::nullopt)).has_value());
    auto rotated = load_session(home.token_path()).value();
    CHECK(rotated.access_token != first.access_token);
    CHECK(rotated.refresh_token != first.refresh_token);
    CHECK(rotated.refreshed_at.has_value());
    CHECK(rotated.origin == SessionOrigin::password);
    CHECK((co_await h.gw->stats()).refreshes == 1);
  });
}

TEST_CASE("a refresh whose reply was lost is never repeated with the spent token: login_required, no password loop") {
  simtest::SimFixture sim(strict("none"));
  TempHome home;
  {
    Harness login(sim, [&](GatewayOptions& o) { o.token_path = home.token_path(); });
    login.run([&]() -> awaitable<void> { REQUIRE((co_await login.gw->login()).has_value()); });
  }
  Harness h(sim, [&](GatewayOptions& o) { o.token_path = home.token_path(); });
  h.run([&]() -> awaitable<void> {
    REQUIRE((co_await h.gw->account()).has_value());
    auto tokens_before = route_count(sim, "POST /oauth2/token/");
    h.fault("POST", "/oauth2/token/", "drop_after_accept", 1);
    sim.admin("/_sim/expire_tokens", "{}");
    auto r = co_await h.gw->list_orders(std::nullopt);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::login_required);
    CHECK(r.error().detail.find("may be spent") != std::string::npos);
    // Every later call says the same without another token request: no refresh, no password.
    for (int i = 0; i < 3; ++i) CHECK((co_await h.gw->positions()).error().kind == ErrorKind::login_required);
    CHECK(route_count(sim, "POST /oauth2/token/") == tokens_before + 1);
    auto stats = co_await h.gw->stats();
    CHECK(stats.logins == 0);
    CHECK(stats.refreshes == 1);
    auto info = co_await h.gw->session_info();
    CHECK(info->problem.find("oms login") != std::string::npos);
  });
  // The next process does not send the spent token either: the file forgot it.
  CHECK(load_session(home.token_path()).value().refresh_token.empty());
}

TEST_CASE("when the session cannot be renewed, new orders are refused but cancels still go while the token lasts") {
  simtest::SimFixture sim(strict("none"));
  TempHome home;
  std::string order_id;
  {
    Harness h(sim, [&](GatewayOptions& o) { o.token_path = home.token_path(); });
    h.run([&]() -> awaitable<void> {
      auto placed_intent = buy("TSLA", "1", "200.00");  // named first: no temporaries inside co_await (GCC 12)
      auto placed = co_await h.gw->place_limit_order(placed_intent);
      REQUIRE(placed.has_value());
      order_id = placed->order.id;
    });
  }
  // The next process finds a session due for renewal (an hour left of a day) whose refresh token
  // the broker no longer honours; the access token itself still works.
  auto stored = load_session(home.token_path()).value();
  stored.refresh_token = "revoked";
  stored.obtained_at = wall_now() - 23h;
  stored.expires_at = wall_now() + 1h;
  REQUIRE(save_session(home.token_path(), stored).has_value());
  Harness owner(sim, [&](GatewayOptions& o) { o.token_path = home.token_path(); });
  owner.run([&]() -> awaitable<void> {
    auto refused_intent = buy("AAPL", "1", "150.00");  // named first: no temporaries inside co_await (GCC 12)
    auto refused = co_await owner.gw->place_limit_order(refused_intent);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind == ErrorKind::login_required);
    CHECK(refused.error().detail.find("no new orders") != std::string::npos);
    auto cancelled = co_await owner.gw->cancel_order(order_id);
    CHECK_MESSAGE(cancelled.has_value(), cancelled.error().to_string());
    auto info = co_await owner.gw->session_info();
    CHECK(info->health == SessionHealth::renewal_failed);
    CHECK_FALSE(info->refreshable);
  });
  CHECK(route_count(sim, "POST /orders/") == 1);
  CHECK(route_count(sim, "POST /orders/{id}/cancel/") == 1);
}

TEST_CASE("finding 4: a poll's 429 with Retry-After 3600 does not delay a cancel, and is not slept") {
  simtest::SimFixture sim(strict("none"));
  Harness h(sim, [](GatewayOptions& o) { o.rate_limit = bucket_only(8, 4); });
  h.run([&]() -> awaitable<void> {
    auto placed_intent = buy("TSLA", "1", "200.00");  // named first: no temporaries inside co_await (GCC 12)
    auto placed = co_await h.gw->place_limit_order(placed_intent);
    REQUIRE(placed.has_value());
    h.fault("GET", "/orders/", "http_429", 1, R"(,"retry_after_s":3600)");
    auto poll = co_await h.gw->list_orders(std::nullopt);
    REQUIRE_FALSE(poll.has_value());
    CHECK(poll.error().kind == ErrorKind::throttled);
    CHECK(poll.error().detail.find("3600 s") != std::string::npos);
    auto lists = route_count(sim, "GET /orders/");
    // Polls stay held (the broker said so) without a request; the cancel goes at once.
    auto again = co_await h.gw->list_orders(std::nullopt);
    CHECK(again.error().kind == ErrorKind::throttled);
    CHECK(route_count(sim, "GET /orders/") == lists);
    auto cancelled = co_await h.gw->cancel_order(placed->order.id);
    CHECK_MESSAGE(cancelled.has_value(), cancelled.error().to_string());
  });
  CHECK(route_count(sim, "POST /orders/{id}/cancel/") == 1);
}

TEST_CASE("8 orders in a burst, then the broker's throttle: the 9th waits the stated time and goes; cancels are not held") {
  auto o = strict("none");
  o.throttle = true;
  o.throttle_order_requests = 8;
  o.throttle_order_window_s = 3;  // the evidence's 14 s, shortened for the test
  o.throttle_requests = 1000;     // the general bucket is not under test here
  simtest::SimFixture sim(o);
  Harness h(sim, [](GatewayOptions& g) { g.rate_limit = bucket_only(8, 4); });
  h.run([&]() -> awaitable<void> {
    std::vector<std::string> ids;
    for (int i = 0; i < 8; ++i) {
      auto placed_intent = buy("TSLA", "1", std::to_string(200 + i) + ".00");  // named first (GCC 12)
      auto placed = co_await h.gw->place_limit_order(placed_intent);
      REQUIRE_MESSAGE(placed.has_value(), placed.error().to_string());
      ids.push_back(placed->order.id);
    }
    auto began = std::chrono::steady_clock::now();
    auto ninth_intent = buy("TSLA", "1", "210.00");  // named first: no temporaries inside co_await (GCC 12)
    auto ninth = co_await h.gw->place_limit_order(ninth_intent);
    auto waited = std::chrono::steady_clock::now() - began;
    REQUIRE_MESSAGE(ninth.has_value(), ninth.error().to_string());
    CHECK(ninth->posts == 1);  // a throttled POST is not an order: one placement, retried in place
    // The broker's stated wait was honoured (a lower bound: it cannot be shorter).
    auto log = sim.admin_get("/_sim/requests");
    int throttled = 0;
    for (const auto& r : log.at("log").as_array())
      if (r.at("path") == "/orders/" && r.at("status").to_number<int>() == 429) ++throttled;
    CHECK(throttled >= 1);
    CHECK(waited >= 1s);
    // Cancels are not in the order bucket: they go at once.
    for (const auto& id : ids) CHECK((co_await h.gw->cancel_order(id)).has_value());
  });
  CHECK(h.broker_orders() == 9);
}

namespace {

// Real sockets, virtual time: lets the I/O run until `done` or a generous deadline of loop turns
// (a hang fails, nothing is timed); the tests jump the clock themselves between the runs.
template <class Done>
bool run_virtual(Harness& h, Done done) {
  for (int i = 0; i < 2000 && !done(); ++i) {
    h.ctx.restart();
    h.ctx.run_for(std::chrono::milliseconds(5));
  }
  return done();
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace

TEST_CASE("a polling owner's keeper refreshes the session ahead of expiry, on the runtime's clock") {
  simtest::SimFixture sim(strict("none"));
  TempHome home;
  auto clock = std::make_shared<oms::runtime::VirtualClock>(wall_now());
  Harness h(sim, [&](GatewayOptions& o) { o.token_path = home.token_path(); }, clock);
  bool logged_in = false;
  boost::asio::co_spawn(h.ctx, [&]() -> awaitable<void> { logged_in = (co_await h.gw->login()).has_value(); },
                        [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  REQUIRE(run_virtual(h, [&] { return logged_in; }));
  auto first = load_session(home.token_path()).value();
  h.gw->keep_session_alive();
  REQUIRE(run_virtual(h, [&] { return clock->sleepers() == 1; }));  // the keeper sleeps until it is due
  auto drain = [&] {
    h.ctx.restart();
    h.ctx.poll();
  };
  clock->advance(21h, drain);
  CHECK(load_session(home.token_path()).value().access_token == first.access_token);  // not yet: due at 22 h
  clock->advance(1h, drain);
  REQUIRE(run_virtual(h, [&] { return load_session(home.token_path()).value().refreshed_at.has_value(); }));
  auto rotated = load_session(home.token_path()).value();
  CHECK(rotated.access_token != first.access_token);
  CHECK(rotated.expires_at > first.expires_at);
  CHECK(route_count(sim, "POST /oauth2/token/") == 2);  // the login, then one refresh
}

TEST_CASE("session.expiring is logged 24 h and 1 h before a session that cannot be renewed ends, then session.expired") {
  simtest::SimFixture sim(strict());
  TempHome home;
  auto log_file = home.dir / "oms.jsonl";
  oms::log::add_json_file(log_file.string(), oms::log::Level::info);
  oms::log::set_console(false);
  auto start = wall_now();
  auto minted = sim.admin("/_sim/tokens", R"({"expires_in_s":2592000})");
  auto imported = imported_session(std::string(minted.at("access_token").as_string()), "dev-0001-0002-0003", start);
  REQUIRE(imported.has_value());
  REQUIRE(save_session(home.token_path(), *imported).has_value());
  auto clock = std::make_shared<oms::runtime::VirtualClock>(start);
  {
    Harness h(sim, [&](GatewayOptions& o) {
      o.token_path = home.token_path();
      o.credentials = Credentials{};
    }, clock);
    h.gw->keep_session_alive();
    REQUIRE(run_virtual(h, [&] { return clock->sleepers() == 1; }));
    auto drain = [&] {
      h.ctx.restart();
      h.ctx.poll();
    };
    auto until_exp = imported->expires_at - start;
    clock->advance(std::chrono::duration_cast<oms::runtime::Duration>(until_exp - 24h), drain);
    CHECK(read_all(log_file).find("\"hours_left\":24") != std::string::npos);
    CHECK(read_all(log_file).find("\"hours_left\":1") == std::string::npos);
    clock->advance(23h, drain);
    CHECK(read_all(log_file).find("\"hours_left\":1") != std::string::npos);
    clock->advance(1h, drain);
    CHECK(read_all(log_file).find("session.expired") != std::string::npos);
  }
  oms::log::reset_files();
  auto text = read_all(log_file);
  std::size_t warnings = 0;
  for (auto at = text.find("session.expiring"); at != std::string::npos; at = text.find("session.expiring", at + 1))
    ++warnings;
  CHECK(warnings == 2);
  CHECK(text.find(std::string(minted.at("access_token").as_string())) == std::string::npos);
}
