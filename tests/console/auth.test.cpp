// The console's access rules (console/auth.*), every one of them, without a socket.
#include "console/auth.hpp"
#include "console/token.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <vector>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace oms::console;

namespace {

Secrets secrets() {
  Secrets s;
  s.token = std::string(64, 'a');
  s.csrf = std::string(64, 'c');
  s.scrape_token = std::string(40, 's');
  s.cookie_name = "oms_console_8470";
  s.hosts = {"127.0.0.1:8470", "localhost:8470"};
  s.origins = {"http://127.0.0.1:8470", "http://localhost:8470"};
  return s;
}

const std::string kCookie = "oms_console_8470=" + std::string(64, 'a');
const std::string kToken(64, 'a'), kWrong(64, 'b'), kCsrf(64, 'c'), kBadCsrf(64, 'x'), kScrape(40, 's');
// RequestFacts holds views: the texts they point into live here, for the whole test run.
std::string_view keep(std::string text) {
  static std::vector<std::unique_ptr<std::string>> texts;
  texts.push_back(std::make_unique<std::string>(std::move(text)));
  return *texts.back();
}

RequestFacts get(std::string_view target) {
  RequestFacts r;
  r.method = "GET";
  r.target = target;
  r.host = "127.0.0.1:8470";
  r.cookie = kCookie;
  return r;
}

}  // namespace

TEST_CASE("a request with the session cookie is allowed") {
  auto d = authorize(get("/api/snapshot"), secrets());
  CHECK(d.verdict == Verdict::allow);
  CHECK(d.path == "/api/snapshot");
}

TEST_CASE("a request without the token is refused with 401 and nothing else") {
  auto r = get("/");
  r.cookie = "";
  auto d = authorize(r, secrets());
  CHECK(d.verdict == Verdict::unauthorized);
  CHECK(d.status() == 401);
  CHECK(d.location.empty());
}

TEST_CASE("a wrong token is refused, in the cookie, the URL or a bearer header") {
  auto r = get("/");
  r.cookie = keep("oms_console_8470=" + kWrong);
  CHECK(authorize(r, secrets()).verdict == Verdict::unauthorized);
  auto truncated = get("/");
  truncated.cookie = keep("oms_console_8470=" + std::string(63, 'a'));
  CHECK(authorize(truncated, secrets()).verdict == Verdict::unauthorized);
  auto q = get(keep("/?token=" + kWrong));
  q.cookie = "";
  CHECK(authorize(q, secrets()).verdict == Verdict::unauthorized);
  auto b = get("/metrics");
  b.cookie = "";
  b.authorization = "Bearer wrong";
  CHECK(authorize(b, secrets()).verdict == Verdict::unauthorized);
}

TEST_CASE("another console's cookie (another port) does not open this one") {
  auto r = get("/");
  r.cookie = keep("oms_console_9999=" + kToken);
  CHECK(authorize(r, secrets()).verdict == Verdict::unauthorized);
}

TEST_CASE("the token in the URL sets the cookie and sends the browser to the URL without it") {
  auto r = get(keep("/?token=" + kToken));
  r.cookie = "";
  auto d = authorize(r, secrets());
  CHECK(d.verdict == Verdict::set_cookie);
  CHECK(d.status() == 303);
  CHECK(d.location == "/");
  auto d2 = authorize(get(keep("/?x=1&token=" + kToken + "&y=2")), secrets());
  CHECK(d2.location == "/?x=1&y=2");
  CHECK(session_cookie(secrets()) == kCookie + "; Path=/; HttpOnly; SameSite=Strict");
}

TEST_CASE("a forged Host header is refused even with the token (DNS rebinding)") {
  auto r = get("/api/snapshot");
  r.host = "evil.example:8470";
  auto d = authorize(r, secrets());
  CHECK(d.verdict == Verdict::wrong_host);
  CHECK(d.status() == 403);
  r.host = "127.0.0.1:8471";
  CHECK(authorize(r, secrets()).verdict == Verdict::wrong_host);
  r.host = "";
  CHECK(authorize(r, secrets()).verdict == Verdict::wrong_host);
  r.host = "localhost:8470";
  CHECK(authorize(r, secrets()).verdict == Verdict::allow);
}

TEST_CASE("a POST without the CSRF header is refused even with the cookie") {
  auto r = get("/api/kill-switch");
  r.method = "POST";
  CHECK(authorize(r, secrets()).verdict == Verdict::missing_csrf);
  r.csrf = kBadCsrf;
  CHECK(authorize(r, secrets()).verdict == Verdict::missing_csrf);
  r.csrf = kCsrf;
  CHECK(authorize(r, secrets()).verdict == Verdict::allow);
}

TEST_CASE("a POST from another origin is refused even with the CSRF header") {
  auto r = get("/api/resume");
  r.method = "POST";
  r.csrf = kCsrf;
  r.origin = "http://evil.example";
  CHECK(authorize(r, secrets()).verdict == Verdict::wrong_origin);
  r.origin = "http://127.0.0.1:8470";
  CHECK(authorize(r, secrets()).verdict == Verdict::allow);
}

TEST_CASE("a token in the URL does not authorise a POST") {
  auto r = get(keep("/api/kill-switch?token=" + kToken));
  r.method = "POST";
  r.cookie = "";
  r.csrf = kCsrf;
  CHECK(authorize(r, secrets()).verdict == Verdict::unauthorized);
}

TEST_CASE("a WebSocket needs the page's own Origin") {
  auto r = get("/live");
  r.websocket = true;
  CHECK(authorize(r, secrets()).verdict == Verdict::wrong_origin);  // none
  r.origin = "http://evil.example";
  CHECK(authorize(r, secrets()).verdict == Verdict::wrong_origin);
  r.origin = "http://127.0.0.1:8470";
  CHECK(authorize(r, secrets()).verdict == Verdict::allow);
  auto q = get(keep("/live?token=" + kToken));
  q.websocket = true;
  q.cookie = "";
  q.origin = "http://127.0.0.1:8470";
  CHECK(authorize(q, secrets()).verdict == Verdict::unauthorized);
}

TEST_CASE("the scrape token reads /metrics and nothing else") {
  auto m = get("/metrics");
  m.cookie = "";
  m.authorization = keep("Bearer " + kScrape);
  CHECK(authorize(m, secrets()).verdict == Verdict::allow);
  auto q = get(keep("/metrics?token=" + kScrape));
  q.cookie = "";
  CHECK(authorize(q, secrets()).verdict == Verdict::allow);
  auto page = get("/api/snapshot");
  page.cookie = "";
  page.authorization = keep("Bearer " + kScrape);
  CHECK(authorize(page, secrets()).verdict == Verdict::unauthorized);
  auto no_scrape = secrets();
  no_scrape.scrape_token.clear();
  auto empty = get("/metrics");
  empty.cookie = "";
  empty.authorization = "Bearer ";
  CHECK(authorize(empty, no_scrape).verdict == Verdict::unauthorized);
}

TEST_CASE("secrets compare equal only when whole and non-empty") {
  CHECK(same_secret("abc", "abc"));
  CHECK_FALSE(same_secret("abc", "abd"));
  CHECK_FALSE(same_secret("abc", "ab"));
  CHECK_FALSE(same_secret("", ""));
}

TEST_CASE("the access token has 256 random bits and is stored 0600") {
  auto a = random_token(), b = random_token();
  CHECK(a.size() == 64);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);
  auto dir = std::filesystem::temp_directory_path() / ("oms-console-token-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = token_path_for((dir / "orders.jsonl").string());
  CHECK(path == (dir / "orders.jsonl.console-token").string());
  { std::ofstream(path) << "old"; }
  ::chmod(path.c_str(), 0644);
  REQUIRE(store_token(path, a).has_value());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::string line;
  std::getline(std::ifstream(path) >> std::ws, line);
  CHECK(line == a);
  std::filesystem::remove_all(dir);
}
