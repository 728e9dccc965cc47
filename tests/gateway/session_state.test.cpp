// When a session is refreshed, when its end is announced, and how it is shown.
#include "gateway/session_state.hpp"

#include <doctest/doctest.h>

using namespace oms;
using namespace oms::gateway;
using namespace std::chrono_literals;

namespace {

const Timestamp t0 = parse_iso8601("2026-01-05T14:30:00Z").value();

StoredSession session(std::chrono::hours lifetime, bool refreshable, SessionOrigin origin = SessionOrigin::password) {
  StoredSession s;
  s.access_token = "A";
  s.refresh_token = refreshable ? "R" : "";
  s.expires_at = t0 + lifetime;
  s.device_token = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  s.origin = origin;
  s.user = "a***";
  s.obtained_at = t0;
  return s;
}

}  // namespace

TEST_CASE("a 24 h session is refreshed 2 h before it ends; a short one a fifth of its life before") {
  auto day = session(24h, true);
  CHECK(refresh_due(day) == t0 + 22h);
  CHECK_FALSE(refresh_wanted(day, {}, t0 + 21h));
  CHECK(refresh_wanted(day, {}, t0 + 22h));
  auto short_lived = session(1h, true);
  CHECK(refresh_due(short_lived) == t0 + 48min);
  CHECK_FALSE(refresh_wanted(session(24h, false), {}, t0 + 23h));
  CHECK_FALSE(refresh_wanted(day, SessionKeeping{true, "lost", {}}, t0 + 23h));
  SessionKeeping unreachable;
  unreachable.not_before = t0 + 22h + 1min;  // the broker could not be reached at 22 h
  CHECK_FALSE(refresh_wanted(day, unreachable, t0 + 22h));
  CHECK(refresh_wanted(day, unreachable, t0 + 22h + 1min));
  CHECK(next_check(day, unreachable, t0 + 22h) == t0 + 22h + 1min);
}

TEST_CASE("session.expiring is due 24 h and 1 h before expiry, once each, never for a mark the session began inside") {
  auto month = session(30 * 24h, false, SessionOrigin::imported);
  CHECK(warnings_due(month, {}, t0 + 28 * 24h).empty());
  auto at24 = warnings_due(month, {}, t0 + 29 * 24h);
  REQUIRE(at24.size() == 1);
  CHECK(at24[0] == 24h);
  SessionKeeping k;
  k.warned = at24;
  CHECK(warnings_due(month, k, t0 + 29 * 24h + 1h).empty());
  auto at1 = warnings_due(month, k, t0 + 30 * 24h - 1h);
  REQUIRE(at1.size() == 1);
  CHECK(at1[0] == 1h);
  // A fresh 24 h session is inside the 24 h mark from the start: only the 1 h mark can come.
  auto day = session(24h, false);
  CHECK(warnings_due(day, {}, t0).empty());
  CHECK(warnings_due(day, {}, t0 + 23h).size() == 1);
  CHECK(warnings_due(day, {}, t0 + 24h).empty());  // expired: nothing more to warn about
}

TEST_CASE("the keeper looks again at the earliest of refresh, warning and expiry") {
  auto day = session(24h, true);
  CHECK(next_check(day, {}, t0) == t0 + 22h);
  CHECK(next_check(day, SessionKeeping{true, "lost", {}}, t0) == t0 + 23h);
  auto month = session(30 * 24h, false);
  CHECK(next_check(month, {}, t0) == t0 + 29 * 24h);
  SessionKeeping both;
  both.warned = {24h, 1h};
  CHECK(next_check(month, both, t0) == t0 + 30 * 24h);
  CHECK_FALSE(next_check(month, both, t0 + 30 * 24h));
  CHECK_FALSE(next_check(StoredSession{}, {}, t0));
}

TEST_CASE("a session is described without secrets: masked user and device, origin, expiry, refreshable") {
  auto info = describe(session(24h, true), {}, t0);
  CHECK(info.health == SessionHealth::valid);
  CHECK(info.user == "a***");
  CHECK(info.device == "…e1f0");
  CHECK(info.refreshable);
  CHECK(info.expires_at == t0 + 24h);
  auto j = to_json(info);
  CHECK(j.at("state") == "valid");
  CHECK(j.at("obtained") == "password");
  CHECK(j.at("refreshable") == true);
  CHECK(j.at("expires_at") == "2026-01-06T14:30:00.000000Z");
  CHECK(j.at("problem").is_null());
}

TEST_CASE("a session's health: expiring, renewal_failed, expired, none") {
  CHECK(describe(session(20h, false), {}, t0).health == SessionHealth::expiring);
  CHECK(describe(session(48h, false), {}, t0).health == SessionHealth::valid);
  auto failed = describe(session(24h, true), SessionKeeping{true, "the refresh reply was lost — run `oms login`", {}}, t0);
  CHECK(failed.health == SessionHealth::renewal_failed);
  CHECK_FALSE(failed.refreshable);
  CHECK(failed.problem.find("oms login") != std::string::npos);
  auto expired = describe(session(24h, true), {}, t0 + 25h);
  CHECK(expired.health == SessionHealth::expired);
  CHECK(expired.problem.find("oms login") != std::string::npos);
  StoredSession device_only;
  device_only.device_token = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  auto none = describe(device_only, {}, t0);
  CHECK(none.health == SessionHealth::none);
  CHECK(none.device == "…e1f0");
}
