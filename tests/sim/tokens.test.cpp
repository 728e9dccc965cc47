// Sessions as Robinhood issues them (issue 14): JWT-shaped access tokens with an `exp` claim,
// refresh tokens that work once and expire, and browser-session tokens minted by the admin API.
#include "tests/sim/broker_harness.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace rhsim;
using namespace std::chrono_literals;
namespace json = boost::json;
using simtest::Harness;
using simtest::kStart;
using simtest::quiet_frozen;
using simtest::s;

namespace {

// Decodes one base64url segment (test-side, so the product's decoder is not what checks rh-sim).
std::string unbase64url(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    REQUIRE(v >= 0);
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::vector<std::string> segments(const std::string& token) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t dot; (dot = token.find('.', start)) != std::string::npos; start = dot + 1)
    out.push_back(token.substr(start, dot - start));
  out.push_back(token.substr(start));
  return out;
}

std::int64_t unix_s(oms::Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

SimReply refresh(Harness& h, const std::string& token) {
  return h.form("/oauth2/token/", {{"grant_type", "refresh_token"}, {"refresh_token", token},
                                   {"client_id", "c82SH0WZOsabOXGP2sxqcj34FxkvfnWRZBKlBjFS"}});
}

}  // namespace

TEST_CASE("an access token is a JWT: three base64url segments, a JSON header and a payload whose exp is the login time plus expires_in") {
  Harness h;
  auto body = Harness::js(h.login());
  std::string token = s(body, "access_token");
  auto parts = segments(token);
  REQUIRE(parts.size() == 3);
  for (const auto& p : parts) {
    CHECK(!p.empty());
    CHECK(p.find_first_of("+/=") == std::string::npos);
  }
  json::value header = json::parse(unbase64url(parts[0]));
  CHECK(s(header, "typ") == "JWT");
  json::value payload = json::parse(unbase64url(parts[1]));
  CHECK(payload.at("exp").as_int64() == unix_s(kStart) + body.at("expires_in").as_int64());
  CHECK(payload.at("iat").as_int64() == unix_s(kStart));
  CHECK(h.call("GET", "/accounts/").status == 200);  // accepted as a bearer token
}

TEST_CASE("an access token is refused from its exp on, with Robinhood's 401") {
  Options o = quiet_frozen();
  o.token_lifetime_s = 60;
  Harness h(o);
  h.login();
  h.now += 59s;
  CHECK(h.call("GET", "/accounts/").status == 200);
  h.now += 1s;
  SimReply r = h.call("GET", "/accounts/");
  CHECK(r.status == 401);
  CHECK(r.body == R"({"detail":"Incorrect authentication credentials."})");
}

TEST_CASE("a refresh token works once: the rotated pair works, the spent token is invalid_grant") {
  Harness h;
  std::string first = s(Harness::js(h.login()), "refresh_token");
  SimReply renewed = refresh(h, first);
  REQUIRE(renewed.status == 200);
  std::string second = s(Harness::js(renewed), "refresh_token");
  CHECK(second != first);
  SimReply again = refresh(h, first);
  CHECK(again.status == 400);
  CHECK(again.body == R"({"error":"invalid_grant"})");
  CHECK(refresh(h, second).status == 200);
}

TEST_CASE("a refresh token expires after refresh_token_lifetime_s even if never used") {
  Options o = quiet_frozen();
  o.refresh_token_lifetime_s = 3600;
  Harness h(o);
  std::string token = s(Harness::js(h.login()), "refresh_token");
  h.now += 3600s;
  CHECK(refresh(h, token).status == 400);
  Harness fresh(o);
  std::string other = s(Harness::js(fresh.login()), "refresh_token");
  fresh.now += 3599s;
  CHECK(refresh(fresh, other).status == 200);
}

TEST_CASE("the admin API mints a browser-session JWT with a chosen exp: accepted until then, refused after") {
  Harness h;
  std::int64_t exp = unix_s(kStart) + 30 * 86400;  // about 30 days, as browser sessions last
  auto minted = Harness::js(h.admin("/_sim/tokens", R"({"exp":)" + std::to_string(exp) + R"(,"refresh":true})"));
  h.token = s(minted, "access_token");
  CHECK(minted.at("exp").as_int64() == exp);
  CHECK(s(minted, "expires_at") == oms::format_iso8601(oms::Timestamp{std::chrono::seconds(exp)}));
  CHECK(json::parse(unbase64url(segments(h.token)[1])).at("exp").as_int64() == exp);
  CHECK(h.call("GET", "/orders/").status == 200);
  CHECK(refresh(h, s(minted, "refresh_token")).status == 200);
  h.now = oms::Timestamp{std::chrono::seconds(exp)};
  CHECK(h.call("GET", "/orders/").status == 401);

  auto expired = Harness::js(h.admin("/_sim/tokens", R"({"expires_in_s":-60})"));
  h.token = s(expired, "access_token");
  CHECK(h.call("GET", "/orders/").status == 401);
  CHECK(expired.at("refresh_token").is_null());
}
