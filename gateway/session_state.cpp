#include "gateway/session_state.hpp"

#include "gateway/token_import.hpp"

#include <algorithm>

namespace oms::gateway {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// The start of the current expiry period: the last rotation, else the login or import.
std::optional<Timestamp> began(const StoredSession& s) { return s.refreshed_at ? s.refreshed_at : s.obtained_at; }

bool warned(const SessionKeeping& k, std::chrono::hours mark) {
  return std::find(k.warned.begin(), k.warned.end(), mark) != k.warned.end();
}

}  // namespace

std::string_view to_string(SessionHealth health) noexcept {
  switch (health) {
    case SessionHealth::none: return "none";
    case SessionHealth::valid: return "valid";
    case SessionHealth::expiring: return "expiring";
    case SessionHealth::renewal_failed: return "renewal_failed";
    case SessionHealth::expired: return "expired";
  }
  return "none";
}

SessionInfo describe(const StoredSession& s, const SessionKeeping& k, Timestamp now) {
  SessionInfo info;
  info.device = s.device_token.empty() ? std::string() : mask_device(s.device_token);
  info.problem = k.problem;
  if (!s.has_tokens()) {
    if (info.problem.empty()) info.problem = "no session — run `oms login`";
    return info;
  }
  info.origin = s.origin;
  info.user = s.user;
  info.obtained_at = s.obtained_at;
  info.refreshed_at = s.refreshed_at;
  info.expires_at = s.expires_at;
  info.refreshable = !s.refresh_token.empty() && !k.renewal_failed;
  if (s.expires_at <= now) {
    info.health = SessionHealth::expired;
    if (info.problem.empty()) info.problem = "the session expired — run `oms login`";
  } else if (k.renewal_failed) {
    info.health = SessionHealth::renewal_failed;
  } else if (!info.refreshable && s.expires_at - now <= 24h) {
    info.health = SessionHealth::expiring;
  } else {
    info.health = SessionHealth::valid;
  }
  return info;
}

json::object to_json(const SessionInfo& info) {
  auto time_or_null = [](const std::optional<Timestamp>& t) -> json::value {
    return t ? json::value(format_iso8601(*t)) : json::value(nullptr);
  };
  json::object o;
  o["state"] = to_string(info.health);
  o["obtained"] = to_string(info.origin);
  o["user"] = info.user.empty() ? json::value(nullptr) : json::value(info.user);
  o["device"] = info.device.empty() ? json::value(nullptr) : json::value(info.device);
  o["obtained_at"] = time_or_null(info.obtained_at);
  o["refreshed_at"] = time_or_null(info.refreshed_at);
  o["expires_at"] = time_or_null(info.expires_at);
  o["refreshable"] = info.refreshable;
  o["problem"] = info.problem.empty() ? json::value(nullptr) : json::value(info.problem);
  return o;
}

Timestamp refresh_due(const StoredSession& s) {
  auto start = began(s);
  using us = std::chrono::microseconds;
  us lifetime = start && *start < s.expires_at ? s.expires_at - *start : us(24h);
  us ahead = std::clamp<us>(lifetime / 5, us(1min), us(2h));
  return s.expires_at - ahead;
}

bool refresh_wanted(const StoredSession& s, const SessionKeeping& k, Timestamp now) {
  return s.has_tokens() && !s.refresh_token.empty() && !k.renewal_failed && now >= refresh_due(s) &&
         now >= k.not_before;
}

std::vector<std::chrono::hours> warnings_due(const StoredSession& s, const SessionKeeping& k, Timestamp now) {
  std::vector<std::chrono::hours> due;
  if (!s.has_tokens() || now >= s.expires_at) return due;
  auto start = began(s);
  for (auto mark : kExpiryWarnings) {
    auto at = s.expires_at - mark;
    if (now < at || warned(k, mark)) continue;
    if (start && *start >= at) continue;  // the session began inside this mark: nothing changed since
    due.push_back(mark);
  }
  return due;
}

std::optional<Timestamp> next_check(const StoredSession& s, const SessionKeeping& k, Timestamp now) {
  if (!s.has_tokens() || now >= s.expires_at) return std::nullopt;
  Timestamp next = s.expires_at;
  if (!s.refresh_token.empty() && !k.renewal_failed)
    next = std::min(next, std::max({refresh_due(s), k.not_before, now}));
  auto start = began(s);
  for (auto mark : kExpiryWarnings) {
    auto at = s.expires_at - mark;
    if (warned(k, mark) || (start && *start >= at)) continue;
    next = std::min(next, std::max(at, now));
  }
  return next;
}

}  // namespace oms::gateway
