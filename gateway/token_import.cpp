#include "gateway/token_import.hpp"

#include "gateway/parse.hpp"

#include <cmath>
#include <cstdint>

namespace oms::gateway {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxToken = 16 * 1024;
// exp beyond the year 9999 cannot be a real expiry (and would not fit a timestamp).
constexpr std::int64_t kMaxUnixSeconds = 253402300799;

FieldError jwt_error(std::string rule) { return FieldError{"access token", std::move(rule)}; }

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::optional<std::string> base64url_decode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v = base64url_value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

std::optional<json::object> json_part(std::string_view part) {
  auto text = base64url_decode(part);
  if (!text) return std::nullopt;
  auto v = parse_json(*text);
  if (!v || !v->is_object()) return std::nullopt;
  return std::move(v->as_object());
}

// A NumericDate: seconds since the epoch, integer or a whole float.
std::optional<Timestamp> numeric_date(const json::value& v) {
  std::int64_t secs = 0;
  if (v.is_int64()) {
    secs = v.as_int64();
  } else if (v.is_uint64()) {
    if (v.as_uint64() > static_cast<std::uint64_t>(kMaxUnixSeconds)) return std::nullopt;
    secs = static_cast<std::int64_t>(v.as_uint64());
  } else if (v.is_double()) {
    double d = v.as_double();
    if (!std::isfinite(d) || d < 0 || d > static_cast<double>(kMaxUnixSeconds)) return std::nullopt;
    secs = static_cast<std::int64_t>(d);
  } else {
    return std::nullopt;
  }
  if (secs <= 0 || secs > kMaxUnixSeconds) return std::nullopt;
  return Timestamp(std::chrono::duration_cast<Timestamp::duration>(std::chrono::seconds(secs)));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::string_view without_bearer(std::string_view token) {
  token = trim(token);
  if (token.size() > 7 && (token.substr(0, 7) == "Bearer " || token.substr(0, 7) == "bearer ")) token.remove_prefix(7);
  return trim(token);
}

bool printable_token(std::string_view t) {
  for (char c : t)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return false;
  return true;
}

std::string mask_part(std::string_view s) {
  if (s.empty()) return "***";
  return std::string(1, s.front()) + "***";
}

}  // namespace

checked<JwtClaims> decode_jwt(std::string_view token) {
  token = without_bearer(token);
  if (token.empty()) return jwt_error("is empty");
  if (token.size() > kMaxToken) return jwt_error("is too long to be an access token");
  auto first = token.find('.');
  auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return jwt_error("is not a JWT (expected three base64url parts separated by '.')");
  auto header = token.substr(0, first);
  auto payload = token.substr(first + 1, second - first - 1);
  auto signature = token.substr(second + 1);
  if (header.empty() || payload.empty() || signature.empty())
    return jwt_error("is not a JWT (a part is empty)");
  if (!base64url_decode(signature)) return jwt_error("is not a JWT (the signature is not base64url)");
  auto head = json_part(header);
  if (!head) return jwt_error("is not a JWT (the header is not base64url-encoded JSON)");
  auto body = json_part(payload);
  if (!body) return jwt_error("is not a JWT (the payload is not base64url-encoded JSON)");
  const auto* exp = body->if_contains("exp");
  if (!exp) return jwt_error("has no `exp` claim, so its expiry is unknown");
  auto expires = numeric_date(*exp);
  if (!expires) return jwt_error("has an `exp` claim that is not a date in seconds since 1970");
  JwtClaims claims;
  claims.expires_at = *expires;
  if (const auto* iat = body->if_contains("iat")) claims.issued_at = numeric_date(*iat);
  for (const char* key : {"sub", "user_id", "username"}) {
    const auto* v = body->if_contains(key);
    if (v && v->is_string() && !v->get_string().empty()) {
      claims.subject = std::string(v->get_string());
      break;
    }
  }
  return claims;
}

checked<ImportedTokens> parse_token_import(std::string_view text) {
  text = trim(text);
  if (text.empty()) return FieldError{"token", "the input is empty: give the access token (and optionally the refresh token)"};
  if (text.size() > 4 * kMaxToken) return FieldError{"token", "the input is too long to hold tokens"};
  ImportedTokens out;
  if (text.front() == '{') {
    auto v = parse_json(text);
    if (!v || !v->is_object()) return FieldError{"token", "the input starts with '{' but is not a JSON object"};
    const auto& obj = v->as_object();
    for (auto [name, field] : {std::pair{"access_token", &out.access_token},
                               std::pair{"refresh_token", &out.refresh_token},
                               std::pair{"token_type", &out.token_type}}) {
      const auto* value = obj.if_contains(name);
      if (!value || value->is_null()) continue;
      if (!value->is_string()) return FieldError{name, "must be a string"};
      *field = std::string(value->get_string());
    }
    out.access_token = std::string(without_bearer(out.access_token));
    out.refresh_token = std::string(trim(out.refresh_token));
    if (out.token_type.empty()) out.token_type = "Bearer";
  } else {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
      auto nl = text.find('\n');
      auto line = trim(text.substr(0, nl));
      if (!line.empty()) lines.push_back(line);
      if (nl == std::string_view::npos) break;
      text.remove_prefix(nl + 1);
    }
    if (lines.size() > 2)
      return FieldError{"token", "expected at most two lines: the access token, then the refresh token"};
    out.access_token = std::string(without_bearer(lines.at(0)));
    if (lines.size() == 2) out.refresh_token = std::string(lines[1]);
  }
  if (out.access_token.empty()) return FieldError{"access_token", "is required"};
  if (!printable_token(out.access_token)) return FieldError{"access token", "contains spaces or control characters"};
  if (!printable_token(out.refresh_token)) return FieldError{"refresh token", "contains spaces or control characters"};
  if (out.token_type != "Bearer") return FieldError{"token_type", "must be Bearer"};
  return out;
}

checked<StoredSession> imported_session(std::string_view text, std::string device_token, Timestamp now) {
  auto tokens = parse_token_import(text);
  if (!tokens) return tokens.error();
  auto claims = decode_jwt(tokens->access_token);
  if (!claims) return claims.error();
  if (claims->expires_at <= now)
    return FieldError{"access token", "expired at " + format_iso8601(claims->expires_at) +
                                          ": take a fresh one from a logged-in browser session"};
  StoredSession s;
  s.access_token = tokens->access_token;
  s.refresh_token = tokens->refresh_token;
  s.token_type = tokens->token_type;
  s.expires_at = claims->expires_at;
  s.device_token = std::move(device_token);
  s.origin = SessionOrigin::imported;
  s.user = claims->subject.empty() ? std::string() : mask_user(claims->subject);
  s.obtained_at = now;
  return s;
}

std::string mask_user(std::string_view user) {
  if (user.empty()) return "";
  auto at = user.find('@');
  if (at == std::string_view::npos) return mask_part(user);
  auto domain = user.substr(at + 1);
  auto dot = domain.rfind('.');
  std::string tld = dot == std::string_view::npos ? std::string() : std::string(domain.substr(dot));
  return mask_part(user.substr(0, at)) + "@" + mask_part(domain.substr(0, dot)) + tld;
}

std::string mask_device(std::string_view device_token) {
  if (device_token.size() <= 8) return "…";
  return "…" + std::string(device_token.substr(device_token.size() - 4));
}

}  // namespace oms::gateway
