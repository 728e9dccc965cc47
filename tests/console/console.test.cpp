// The console served by `oms serve --http` over real sockets, against rh-sim: its access checks
// refuse forged requests, /metrics parses as Prometheus text and moves with orders, the kill
// switch and resume act on the owner, and alerts reach a webhook and a command once per episode.
#include "console_fixture.hpp"

#include "actors/order_manager.hpp"
#include "config/config.hpp"
#include "console/token.hpp"

#include <boost/asio/co_spawn.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>

using namespace consoletest;
namespace json = boost::json;

namespace {

// Parses the exposition text with the Prometheus client library's own parser (python3-
// prometheus-client): a sample per line, "name{labels} value", or the parser's error.
json::object parse_prometheus(const clitest::CliFixture& f, const std::string& text) {
  auto in = f.dir / "metrics.txt";
  std::ofstream(in) << text;
  const char* script =
      "import json,sys\n"
      "from prometheus_client.parser import text_string_to_metric_families\n"
      "out={}\n"
      "for fam in text_string_to_metric_families(open(sys.argv[1]).read()):\n"
      "  for s in fam.samples:\n"
      "    key=s.name+('{'+','.join(k+'='+v for k,v in sorted(s.labels.items()))+'}' if s.labels else '')\n"
      "    out[key]=s.value\n"
      "print(json.dumps(out))\n";
  auto r = clitest::run({"/usr/bin/python3", "-c", script, in.string()}, {"PATH=/usr/bin:/bin"}, f.dir.string());
  INFO("parser stderr: ", r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out).as_object();
}

double sample(const json::object& m, const std::string& key) {
  auto* v = m.if_contains(key);
  return v ? v->to_number<double>() : -1;
}

simtest::Response upgrade(simtest::HttpClient& c, const std::string& origin) {
  c.set_header("Upgrade", "websocket");
  c.set_header("Connection", "Upgrade");
  c.set_header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  c.set_header("Sec-WebSocket-Version", "13");
  if (!origin.empty()) c.set_header("Origin", origin);
  return c.get("/live");
}

}  // namespace

TEST_CASE("the console page needs the token: without it 401 and nothing else, with it the page, then a cookie") {
  ConsoleFixture f;
  simtest::HttpClient anonymous(f.port);
  for (const char* path : {"/", "/index.html", "/console.js", "/api/snapshot", "/metrics", "/live", "/nope"}) {
    auto r = anonymous.get(path);
    INFO(path);
    CHECK(r.status == 401);
    CHECK(r.body.empty());
  }
  simtest::HttpClient wrong(f.port);
  CHECK(wrong.get("/?token=" + std::string(64, '0')).status == 401);

  auto page = f.browser();
  auto index = page.get("/");
  CHECK(index.status == 200);
  CHECK(index.header("Content-Type").rfind("text/html", 0) == 0);
  CHECK(index.body.find("Kill switch") != std::string::npos);
  CHECK(index.header("Content-Security-Policy").find("default-src 'none'") != std::string::npos);
  CHECK(page.get("/console.js").status == 200);
  auto snap = page.get("/api/snapshot").json();
  CHECK(snap.at("state").at("mode").as_string() == "live");
  // No secret reaches the page: not the token, not the password, not the journal's path.
  auto text = json::serialize(snap);
  CHECK(text.find(f.token) == std::string::npos);
  CHECK(text.find(f.dir.string()) == std::string::npos);
}

TEST_CASE("a forged Host, a POST without the CSRF header, a cross-origin POST and a cross-origin WebSocket are each refused") {
  ConsoleFixture f;
  auto page = f.browser();
  auto csrf = f.csrf(page);

  auto rebinding = f.browser();
  rebinding.set_header("Host", "attacker.example:" + std::to_string(f.port));
  CHECK(rebinding.get("/api/snapshot").status == 403);

  auto no_csrf = f.browser();
  auto refused = no_csrf.request("POST", "/api/kill-switch");
  CHECK(refused.status == 403);
  CHECK(refused.body.empty());
  auto wrong_csrf = f.browser();
  wrong_csrf.set_header("X-OMS-CSRF", std::string(64, 'f'));
  CHECK(wrong_csrf.request("POST", "/api/kill-switch").status == 403);

  auto cross = f.browser();
  cross.set_header("X-OMS-CSRF", csrf);
  cross.set_header("Origin", "http://attacker.example");
  CHECK(cross.request("POST", "/api/kill-switch").status == 403);
  // None of them halted the owner.
  CHECK(f.state(page).at("halted").as_bool() == false);

  auto ws_cross = f.browser();
  CHECK(upgrade(ws_cross, "http://attacker.example").status == 403);
  auto ws_none = f.browser();
  CHECK(upgrade(ws_none, "").status == 403);
  auto ws_own = f.browser();
  CHECK(upgrade(ws_own, "http://" + f.host).status == 101);
}

// The broker's tokens as the owner stored them (access, refresh, device): every string value
// under a key that names a token.
static std::vector<std::string> stored_tokens(const clitest::CliFixture& f) {
  std::ifstream in(f.dir / "token.json");
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> out;
  auto doc = json::parse(text.str());
  std::function<void(const json::value&)> walk = [&](const json::value& v) {
    if (v.is_array())
      for (const auto& x : v.as_array()) walk(x);
    if (!v.is_object()) return;
    for (const auto& [k, x] : v.as_object()) {
      if (x.is_string() && std::string_view(k).find("token") != std::string_view::npos && x.as_string().size() >= 16)
        out.emplace_back(x.as_string());
      walk(x);
    }
  };
  walk(doc);
  return out;
}

TEST_CASE("no secret reaches the page, its order history or /metrics: not the password, the username, the broker's tokens or the console's token") {
  auto options = simtest::frozen_options();
  options.user = "alice.trader@example.com";
  options.password = "Correct-Horse-9x-Battery";
  ConsoleFixture f("", options);
  auto id = f.buy("TSLA", "5", "250.00");
  auto tokens = stored_tokens(f);
  REQUIRE(tokens.size() >= 2);  // an access and a refresh token at least: the check below has teeth

  auto page = f.browser();
  simtest::HttpClient scraper(f.port);
  scraper.set_token(f.token);
  std::vector<std::pair<std::string, std::string>> bodies;
  for (const char* path : {"/", "/index.html", "/console.js", "/console.css", "/api/snapshot"})
    bodies.emplace_back(path, page.get(path).body);
  bodies.emplace_back("/api/history", page.get("/api/history?order_id=" + id).body);
  bodies.emplace_back("/metrics", scraper.get("/metrics").body);
  REQUIRE(bodies.back().second.find("oms_open_orders") != std::string::npos);
  REQUIRE(bodies[5].second.find(id) != std::string::npos);  // the history is there, and has the order

  std::vector<std::string> secrets = tokens;
  secrets.insert(secrets.end(), {options.password, options.user, "alice.trader", f.token});
  for (const auto& [path, body] : bodies)
    for (const auto& secret : secrets) {
      INFO(path, " must not contain ", secret);
      CHECK(body.find(secret) == std::string::npos);
    }
}

TEST_CASE("/metrics parses as Prometheus text and moves with orders") {
  ConsoleFixture f;
  simtest::HttpClient scraper(f.port);
  scraper.set_token(f.token);  // Authorization: Bearer, as Prometheus sends it
  auto before_text = scraper.get("/metrics");
  REQUIRE(before_text.status == 200);
  CHECK(before_text.header("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  auto before = parse_prometheus(f, before_text.body);
  CHECK(sample(before, "oms_submissions_total{outcome=accepted}") == 0);
  CHECK(sample(before, "oms_open_orders") == 0);

  f.buy("TSLA", "5", "250.00");
  f.buy("AAPL", "2", "190.00");
  json::object after;
  REQUIRE(eventually([&] {
    after = parse_prometheus(f, scraper.get("/metrics").body);
    return sample(after, "oms_open_orders") == 2;
  }));
  CHECK(sample(after, "oms_submissions_total{outcome=accepted}") == 2);
  CHECK(sample(after, "oms_submission_duration_seconds_count") == 2);
  CHECK(sample(after, "oms_submission_duration_seconds_bucket{le=+Inf}") == 2);
  CHECK(sample(after, "oms_broker_requests_total{endpoint=place_order,status=201}") == 2);
  CHECK(sample(after, "oms_halted") == 0);
  CHECK(sample(after, "oms_breaker_open") == 0);
  CHECK(sample(after, "oms_info{broker_host=" + f.sim.base().substr(7) + ",mode=live}") == 1);
}

TEST_CASE("the kill switch from the console halts the owner and cancels every order, and resume re-opens") {
  ConsoleFixture f;
  auto a = f.buy("TSLA", "5", "250.00");
  auto b = f.buy("AAPL", "2", "190.00");
  auto page = f.browser();
  page.set_header("X-OMS-CSRF", f.csrf(page));
  page.set_timeout(std::chrono::seconds(60));
  auto done = page.request("POST", "/api/kill-switch");
  REQUIRE(done.status == 200);
  auto report = done.json();
  REQUIRE(report.at("ok").as_bool());
  CHECK(report.at("result").at("results").as_array().size() == 2);
  CHECK(f.broker_state(a) == "cancelled");
  CHECK(f.broker_state(b) == "cancelled");
  CHECK(f.state(page).at("halted").as_bool());
  auto refused = f.oms({"buy", "MSFT", "1", "--ref", "415.00"});
  CHECK(refused.exit_code != 0);
  auto resumed = page.request("POST", "/api/resume");
  REQUIRE(resumed.status == 200);
  CHECK(resumed.json().at("result").at("halted").as_bool() == false);
  f.buy("MSFT", "1", "415.00");
}

TEST_CASE("alerts: the webhook and the command get exactly one alert per episode for the kill switch and the breaker") {
  WebhookReceiver hook;
  std::string log = "/tmp/oms-console-alerts-" + std::to_string(::getpid()) + ".jsonl";
  std::remove(log.c_str());
  ConsoleFixture f(R"({"webhook_url":")" + hook.url() + R"(","command":"cat >> )" + log + R"(","command_timeout_s":10})");
  auto page = f.browser();
  page.set_header("X-OMS-CSRF", f.csrf(page));
  page.set_timeout(std::chrono::seconds(60));

  // The breaker: the broker refuses for insufficient funds, which trips it at once.
  f.sim.admin("/_sim/account", R"({"buying_power":"1.00"})");
  auto refused = f.oms({"buy", "TSLA", "5", "--ref", "250.00"});
  CHECK(refused.exit_code != 0);
  REQUIRE(eventually([&] { return hook.count("breaker_tripped") == 1; }));

  // The kill switch twice while halted is one episode; resume ends it.
  f.sim.admin("/_sim/account", R"({"buying_power":"100000.00"})");
  REQUIRE(page.request("POST", "/api/kill-switch").status == 200);
  REQUIRE(page.request("POST", "/api/kill-switch").status == 200);
  f.oms({"cancel-all"});
  REQUIRE(page.request("POST", "/api/resume").status == 200);
  REQUIRE(eventually([&] { return hook.count("kill_switch_resumed") == 1; }));
  // Alerts go out in order: by the time the resume arrived, a repeat would have arrived too.
  CHECK(hook.count("kill_switch_engaged") == 1);
  CHECK(hook.count("breaker_tripped") == 1);
  auto alerts = hook.alerts();
  for (const auto& a : alerts) {
    CHECK(a.at("owner").at("mode").as_string() == "live");
    CHECK(json::serialize(a).find(f.password + "\"") == std::string::npos);
  }
  std::string engaged_id, resumed_id;
  for (const auto& a : alerts) {
    if (a.at("event").as_string() == "kill_switch_engaged") engaged_id = std::string(a.at("id").as_string());
    if (a.at("event").as_string() == "kill_switch_resumed") resumed_id = std::string(a.at("id").as_string());
  }
  CHECK(engaged_id.substr(engaged_id.find(':')) == resumed_id.substr(resumed_id.find(':')));  // one episode

  // The command got the same alerts as JSON lines on its stdin.
  std::vector<std::string> lines;
  REQUIRE(eventually([&] {
    lines.clear();
    std::ifstream in(log);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines.size() >= alerts.size();
  }));
  CHECK(lines.size() == alerts.size());
  CHECK(json::parse(lines.front()).at("id") == alerts.front().at("id"));
  std::remove(log.c_str());
}

TEST_CASE("alerts: a P95 guardrail breach driven by rh-sim latency is alerted once") {
  WebhookReceiver hook;
  ConsoleFixture f(R"({"webhook_url":")" + hook.url() + R"(","p95_window_s":60,"p95_sustain_s":1})");
  // Every order POST takes 1.7 s at the broker: each submission is over the 1500 ms guardrail.
  f.sim.admin("/_sim/faults", R"({"method":"POST","path":"/orders/","kind":"delay","delay_ms":1700,"count":3})");
  f.buy("TSLA", "5", "250.00");
  f.buy("AAPL", "2", "190.00");
  REQUIRE(eventually([&] { return hook.count("guardrail_breached") == 1; }, std::chrono::seconds(60)));
  auto alerts = hook.alerts();
  for (const auto& a : alerts)
    if (a.at("event").as_string() == "guardrail_breached") {
      CHECK(a.at("details").at("guardrail").as_string() == "task_success");
      CHECK(std::string(a.at("summary").as_string()).find("P95") != std::string::npos);
    }
  // A marker episode: when its alert arrives, a repeated breach alert would have arrived before it.
  auto page = f.browser();
  page.set_header("X-OMS-CSRF", f.csrf(page));
  REQUIRE(page.request("POST", "/api/kill-switch").status == 200);
  REQUIRE(eventually([&] { return hook.count("kill_switch_engaged") == 1; }));
  CHECK(hook.count("guardrail_breached") == 1);
}

TEST_CASE("alerts: a hung webhook does not hold up submissions or the command") {
  WebhookReceiver hung(true);
  std::string log = "/tmp/oms-console-hung-" + std::to_string(::getpid()) + ".jsonl";
  std::remove(log.c_str());
  ConsoleFixture f(R"({"webhook_url":")" + hung.url() + R"(","command":"cat >> )" + log + R"("})");
  auto page = f.browser();
  page.set_header("X-OMS-CSRF", f.csrf(page));
  REQUIRE(page.request("POST", "/api/kill-switch").status == 200);
  REQUIRE(page.request("POST", "/api/resume").status == 200);
  REQUIRE(eventually([&] { return hung.requests() >= 1; }));
  // The webhook is stuck on the first alert; orders and the command go on.
  f.buy("TSLA", "5", "250.00");
  REQUIRE(eventually([&] {
    std::ifstream in(log);
    int n = 0;
    for (std::string l; std::getline(in, l);) ++n;
    return n == 2;
  }));
  std::remove(log.c_str());
}

namespace {

// Runs `op` on the embedding bot's runtime and waits for its answer (the bot's own thread).
template <class T>
T on(oms::runtime::Runtime& rt, oms::runtime::awaitable<T> op) {
  auto done = std::make_shared<std::promise<T>>();
  auto result = done->get_future();
  boost::asio::co_spawn(rt.context(), std::move(op), [done](std::exception_ptr e, T value) {
    if (e)
      done->set_exception(e);
    else
      done->set_value(std::move(value));
  });
  REQUIRE(result.wait_for(60s) == std::future_status::ready);
  return result.get();
}

}  // namespace

TEST_CASE("a bot embedding the runtime opts in with OwnerOptions::console_listen: the same page, token file and /metrics") {
  auto dir = std::filesystem::temp_directory_path() / ("oms-console-embedded-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto config = oms::config::parse_config(R"({"mode":"paper"})").value();
  config.order_management.journal_path = (dir / "orders.jsonl").string();
  {
    oms::runtime::Runtime rt;
    oms::OrderManager om(rt, config, {}, oms::OwnerOptions{true, std::string("127.0.0.1:0")});
    rt.start(1);
    CHECK(om.console_url().empty());  // nothing is served before start()
    REQUIRE(on(rt, om.start()).ok());
    auto url = om.console_url();
    REQUIRE(url.rfind("http://127.0.0.1:", 0) == 0);
    auto port = static_cast<std::uint16_t>(std::stoi(url.substr(17)));
    auto token = url.substr(url.find("?token=") + 7);
    CHECK(token.size() == 64);

    // The token file beside the journal, 0600, holds the URL's token.
    auto token_file = oms::console::token_path_for(config.order_management.journal_path);
    std::ifstream in(token_file);
    std::string stored;
    std::getline(in, stored);
    CHECK(stored == token);
    auto perms = std::filesystem::status(token_file).permissions();
    CHECK((perms & std::filesystem::perms::all) == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

    simtest::HttpClient anonymous(port);
    CHECK(anonymous.get("/").status == 401);
    simtest::HttpClient page(port);
    auto first = page.get("/?token=" + token);
    REQUIRE(first.status == 303);
    auto cookie = first.header("Set-Cookie");
    page.set_header("Cookie", cookie.substr(0, cookie.find(';')));
    CHECK(page.get("/").body.find("Kill switch") != std::string::npos);
    CHECK(page.get("/api/snapshot").json().at("state").at("mode").as_string() == "paper");

    auto placed = on(rt, om.place_limit_buy("TSLA", oms::Quantity::parse("5").value(), oms::Price::parse("250.30").value()));
    REQUIRE(placed.envelope.has_value());
    simtest::HttpClient scraper(port);
    scraper.set_token(token);
    CHECK(eventually([&] { return scraper.get("/metrics").body.find("\noms_open_orders 1\n") != std::string::npos; }));
    om.close();
    rt.stop();
    rt.join();
  }
  std::filesystem::remove_all(dir);
}
