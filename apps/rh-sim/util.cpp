#include "apps/rh-sim/util.hpp"

#include <chrono>
#include <cstdio>

namespace rhsim {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string uuid_from(std::uint64_t hi, std::uint64_t lo) {
  // Version 4 and the RFC 4122 variant bits, so strict UUID parsers accept it.
  hi = (hi & ~0xF000ull) | 0x4000ull;
  lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xFFFF),
                static_cast<unsigned long long>(hi & 0xFFFF),
                static_cast<unsigned long long>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}
}  // namespace

std::string url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

Params parse_urlencoded(std::string_view text) {
  Params out;
  while (!text.empty()) {
    std::size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string key = url_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
    out[key] = value;
  }
  return out;
}

std::pair<std::string, Params> split_target(std::string_view target) {
  std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {url_decode(target), {}};
  return {url_decode(target.substr(0, q)), parse_urlencoded(target.substr(q + 1))};
}

std::uint64_t Rng::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string Rng::uuid() {
  std::uint64_t hi = next();
  return uuid_from(hi, next());
}

std::string Rng::hex(int chars) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  while (static_cast<int>(out.size()) < chars) {
    std::uint64_t v = next();
    for (int i = 0; i < 16 && static_cast<int>(out.size()) < chars; ++i, v >>= 4)
      out += digits[v & 15];
  }
  return out;
}

std::string stable_uuid(std::string_view name) {
  // FNV-1a twice with different offsets: not cryptographic, only stable and well spread.
  std::uint64_t a = 0xcbf29ce484222325ull, b = 0x84222325cbf29ce4ull;
  for (unsigned char c : name) {
    a = (a ^ c) * 0x100000001b3ull;
    b = (b ^ c) * 0x100000001b3ull;
  }
  Rng mix(a ^ (b << 1));
  std::uint64_t hi = mix.next();
  return uuid_from(hi, mix.next());
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (text[i] == '-')) return false;
    if (!dash && hex_value(text[i]) < 0) return false;
  }
  return true;
}

std::string base64url(std::string_view bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += alphabet[(buffer << (6 - bits)) & 63];
  return out;
}

std::string make_jwt(Rng& rng, std::int64_t issued_at, std::int64_t expires_at, std::string_view user_id) {
  std::string header = R"({"alg":"RS256","typ":"JWT"})";
  std::string payload = R"({"exp":)" + std::to_string(expires_at) + R"(,"iat":)" + std::to_string(issued_at) +
                        R"(,"iss":"rh-sim","level":2,"scope":"internal","token":")" + rng.hex(32) +
                        R"(","user_id":")" + std::string(user_id) + R"(","user_origin":"US"})";
  std::string signature;
  for (int i = 0; i < 32; ++i) signature += static_cast<char>(rng.below(256));
  return base64url(header) + "." + base64url(payload) + "." + base64url(signature);
}

namespace {
// The n-th Sunday (1-based) of a month, as a day.
std::chrono::sys_days nth_sunday(std::chrono::year y, std::chrono::month m, unsigned n) {
  using namespace std::chrono;
  return sys_days{year_month_weekday{y, m, weekday_indexed{Sunday, n}}};
}
}  // namespace

std::chrono::hours new_york_offset(oms::Timestamp t) {
  using namespace std::chrono;
  year y = year_month_day{floor<days>(t)}.year();
  // 2 am local is 07:00 UTC in March (still EST) and 06:00 UTC in November (still EDT).
  auto starts = nth_sunday(y, March, 2) + hours(7);
  auto ends = nth_sunday(y, November, 1) + hours(6);
  return t >= starts && t < ends ? hours(-4) : hours(-5);
}

oms::Timestamp next_close(oms::Timestamp t) {
  using namespace std::chrono;
  sys_days day = floor<days>(t + new_york_offset(t));  // the New York calendar date at t
  for (;; day += days{1}) {
    if (weekday{day} == Saturday || weekday{day} == Sunday) continue;
    // 16:00 New York on that date; the offset is the one in force at that moment.
    oms::Timestamp local_close = day + hours(16);
    oms::Timestamp close = local_close - new_york_offset(local_close + hours(5));
    if (close > t) return close;
  }
}

std::string settlement_date(oms::Timestamp trade_time) {
  using namespace std::chrono;
  sys_days day = floor<days>(trade_time);
  do {
    day += days{1};
  } while (weekday{day} == Saturday || weekday{day} == Sunday);
  year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace rhsim
