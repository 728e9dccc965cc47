#include "console/auth.hpp"

#include <algorithm>
#include <cctype>

namespace oms::console {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    auto pair = trim(header.substr(0, semi));
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) return trim(pair.substr(eq + 1));
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

std::string_view bearer(std::string_view header) {
  constexpr std::string_view prefix = "Bearer ";
  if (header.size() <= prefix.size()) return {};
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return {};
  return trim(header.substr(prefix.size()));
}

bool contains(const std::vector<std::string>& values, std::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

// The target without its `token` parameter (kept out of the address bar and the history).
std::string without_token(std::string_view path, std::string_view query) {
  std::string kept;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    if (pair.substr(0, pair.find('=')) != "token" && !pair.empty()) kept += (kept.empty() ? "" : "&") + std::string(pair);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::string(path) + (kept.empty() ? "" : "?" + kept);
}

bool state_changing(std::string_view method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

}  // namespace

bool same_secret(std::string_view a, std::string_view b) {
  if (a.empty() || a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string_view query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

int Decision::status() const {
  switch (verdict) {
    case Verdict::allow: return 200;
    case Verdict::set_cookie: return 303;
    case Verdict::unauthorized: return 401;
    case Verdict::wrong_host:
    case Verdict::missing_csrf:
    case Verdict::wrong_origin: return 403;
  }
  return 401;
}

Decision authorize(const RequestFacts& r, const Secrets& s) {
  Decision d;
  auto q = r.target.find('?');
  d.path = std::string(r.target.substr(0, q));
  std::string_view query = q == std::string_view::npos ? std::string_view() : r.target.substr(q + 1);
  if (!contains(s.hosts, r.host)) return d.verdict = Verdict::wrong_host, d;

  auto from_cookie = cookie_value(r.cookie, s.cookie_name);
  auto from_bearer = bearer(r.authorization);
  auto from_query = query_value(query, "token");
  bool metrics = d.path == "/metrics" && (r.method == "GET" || r.method == "HEAD");
  auto valid = [&](std::string_view t) { return same_secret(t, s.token) || (metrics && same_secret(t, s.scrape_token)); };
  bool by_cookie = valid(from_cookie), by_bearer = valid(from_bearer);
  // A token in the URL only opens a page or a scrape: an API call or a POST carries it otherwise.
  bool by_query = !state_changing(r.method) && !r.websocket && valid(from_query);
  if (!by_cookie && !by_bearer && !by_query) return d.verdict = Verdict::unauthorized, d;

  if (r.websocket || state_changing(r.method)) {
    // Browsers send Origin on both; a request from another origin is refused even with the cookie.
    if (r.websocket ? !contains(s.origins, r.origin) : (!r.origin.empty() && !contains(s.origins, r.origin)))
      return d.verdict = Verdict::wrong_origin, d;
    if (state_changing(r.method) && !same_secret(r.csrf, s.csrf)) return d.verdict = Verdict::missing_csrf, d;
  }
  if (by_query && !metrics && !same_secret(from_query, s.scrape_token)) {
    d.location = without_token(d.path, query);
    return d.verdict = Verdict::set_cookie, d;
  }
  return d.verdict = Verdict::allow, d;
}

std::string session_cookie(const Secrets& s) { return s.cookie_name + "=" + s.token + "; Path=/; HttpOnly; SameSite=Strict"; }

}  // namespace oms::console
