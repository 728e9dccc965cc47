// Importing a browser session: the JWT's exp is read (signature not checked), bad input refused.
#include "gateway/token_import.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace oms;
using namespace oms::gateway;
using namespace std::chrono_literals;

namespace {

const Timestamp now = parse_iso8601("2026-01-05T14:30:00Z").value();

std::string b64url(std::string_view in) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += abc[(buf >> bits) & 63];
    }
  }
  if (bits > 0) out += abc[(buf << (6 - bits)) & 63];
  return out;
}

std::string jwt(const std::string& payload, const std::string& header = R"({"alg":"RS256","typ":"JWT"})") {
  return b64url(header) + "." + b64url(payload) + "." + b64url("signature-bytes");
}

std::int64_t unix_of(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string valid(Timestamp exp = now + 30 * 24h) {
  return jwt(R"({"exp":)" + std::to_string(unix_of(exp)) + R"(,"iat":1767600000,"sub":"alice@example.com"})");
}

}  // namespace

TEST_CASE("a JWT's exp, iat and subject are read without checking the signature") {
  auto claims = decode_jwt(valid()).value();
  CHECK(claims.expires_at == now + 30 * 24h);
  CHECK(claims.issued_at == Timestamp(std::chrono::seconds(1767600000)));
  CHECK(claims.subject == "alice@example.com");
  CHECK(decode_jwt("Bearer " + valid()).has_value());
  CHECK(decode_jwt(jwt(R"({"exp":1767600000.0})")).has_value());
}

TEST_CASE("a token that is not a JWT is refused with a rule, never echoed") {
  const std::string secret = "SECRETTOKENTEXT";
  std::vector<std::string> bad = {
      "",
      secret,
      secret + "." + secret,
      secret + ".." + secret,
      "a.b.c.d",
      b64url("{}") + "." + b64url("not json") + ".c2ln",
      b64url("not json") + "." + b64url(R"({"exp":1})") + ".c2ln",
      b64url("{}") + ".%%%." + "c2ln",
      jwt(R"({"sub":"x"})"),
      jwt(R"({"exp":"tomorrow"})"),
      jwt(R"({"exp":-5})"),
      jwt(R"({"exp":99999999999999})"),
      jwt(R"({"exp":1e300})"),
  };
  for (const auto& token : bad) {
    INFO(token);
    auto r = decode_jwt(token);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().field == "access token");
    CHECK(r.error().rule.find(secret) == std::string::npos);
  }
  CHECK(decode_jwt(jwt(R"({"sub":"x"})")).error().rule.find("exp") != std::string::npos);
}

TEST_CASE("an import is a JSON object or one or two lines of text") {
  auto t = parse_token_import(R"({"access_token":"A.B.C","refresh_token":"R1"})").value();
  CHECK(t.access_token == "A.B.C");
  CHECK(t.refresh_token == "R1");
  CHECK(t.token_type == "Bearer");
  t = parse_token_import("Bearer A.B.C\n").value();
  CHECK(t.access_token == "A.B.C");
  CHECK(t.refresh_token.empty());
  t = parse_token_import("\n  A.B.C \r\nR2\n\n").value();
  CHECK(t.access_token == "A.B.C");
  CHECK(t.refresh_token == "R2");
  CHECK_FALSE(parse_token_import("").has_value());
  CHECK_FALSE(parse_token_import("a\nb\nc").has_value());
  CHECK_FALSE(parse_token_import(R"({"refresh_token":"R1"})").has_value());
  CHECK_FALSE(parse_token_import(R"({"access_token":5})").has_value());
  CHECK_FALSE(parse_token_import(R"({"access_token":"A","token_type":"MAC"})").has_value());
  CHECK_FALSE(parse_token_import("{not json").has_value());
}

TEST_CASE("an imported session keeps the device, says imported, masks the user and is refreshable only with a refresh token") {
  auto s = imported_session(valid() + "\nREFRESH", "dev-token-1234", now).value();
  CHECK(s.origin == SessionOrigin::imported);
  CHECK(s.expires_at == now + 30 * 24h);
  CHECK(s.device_token == "dev-token-1234");
  CHECK(s.refresh_token == "REFRESH");
  CHECK(s.user == "a***@e***.com");
  CHECK(s.obtained_at == now);
  CHECK(imported_session(valid(), "d", now).value().refresh_token.empty());
}

TEST_CASE("an expired token is refused with its expiry and what to do") {
  auto r = imported_session(valid(now - 1s), "d", now);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().rule.find("expired at 2026-01-05T14:29:59") != std::string::npos);
  CHECK(r.error().rule.find("fresh one") != std::string::npos);
  CHECK_FALSE(imported_session(valid(now), "d", now).has_value());
}

TEST_CASE("users and devices are shown masked") {
  CHECK(mask_user("alice@example.com") == "a***@e***.com");
  CHECK(mask_user("alice") == "a***");
  CHECK(mask_user("") == "");
  CHECK(mask_device("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0") == "…e1f0");
  CHECK(mask_device("short") == "…");
}
