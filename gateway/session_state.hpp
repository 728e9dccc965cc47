#pragma once
/// The session's life after the login: when to refresh it ahead of expiry, when to warn that it
/// is about to end (`session.expiring`, 24 h and 1 h before), and how it is shown (`oms session`,
/// the owner's health answer). Pure: the gateway's keeper asks, then sleeps on its own clock.
#include "gateway/token_store.hpp"
#include "messages/time.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace oms::gateway {

/// Where the session stands.
enum class SessionHealth {
  none,            ///< no session: `oms login`
  valid,           ///< usable, and renewable when it has a refresh token
  expiring,        ///< usable for less than 24 h and not renewable (or renewal failed)
  renewal_failed,  ///< the refresh failed: usable until it expires, no new submissions
  expired,         ///< no longer usable: `oms login`
};
std::string_view to_string(SessionHealth health) noexcept;

/// The session as an operator sees it: nothing secret.
struct SessionInfo {
  SessionHealth health = SessionHealth::none;
  SessionOrigin origin = SessionOrigin::none;
  std::string user;    ///< masked, empty when unknown (an imported token may not say)
  std::string device;  ///< masked device token
  std::optional<Timestamp> obtained_at;
  std::optional<Timestamp> refreshed_at;
  std::optional<Timestamp> expires_at;
  bool refreshable = false;
  std::string problem;  ///< why it cannot be renewed or used ("…— run `oms login`"), else empty
};

/// The marks before expiry at which `session.expiring` is logged.
inline constexpr std::chrono::hours kExpiryWarnings[] = {std::chrono::hours(24), std::chrono::hours(1)};

/// What the keeper knows beyond the stored session.
struct SessionKeeping {
  bool renewal_failed = false;
  std::string problem;
  /// Marks already logged for the current expiry (cleared when the expiry changes).
  std::vector<std::chrono::hours> warned;
  /// A refresh that could not reach the broker is tried again no sooner than this.
  Timestamp not_before{};
};

/// The session at `now`, as `oms session` and the health answer show it.
SessionInfo describe(const StoredSession& session, const SessionKeeping& keeping, Timestamp now);
boost::json::object to_json(const SessionInfo& info);

/// When a refreshable session is renewed: a fifth of its lifetime before expiry, at most 2 h
/// and at least 1 min before (a 24 h session at 22 h; a 30-day one 2 h before the end).
Timestamp refresh_due(const StoredSession& session);
/// True when the keeper should refresh at `now`.
bool refresh_wanted(const StoredSession& session, const SessionKeeping& keeping, Timestamp now);
/// The warning marks crossed at `now` and not yet logged. A mark is skipped when the session
/// began after it (a fresh 24 h session does not warn at once).
std::vector<std::chrono::hours> warnings_due(const StoredSession& session, const SessionKeeping& keeping,
                                             Timestamp now);
/// When the keeper should look again (refresh, a warning, the expiry itself); nullopt: never.
std::optional<Timestamp> next_check(const StoredSession& session, const SessionKeeping& keeping, Timestamp now);

}  // namespace oms::gateway
