// Alerts and the HEART guardrails decided without I/O (console/alert_state.*, console/guardrails.*):
// one alert per episode, stable ids, the seed's windows.
#include "console/alert_state.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace oms;
using namespace oms::console;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const Timestamp kStart = *parse_iso8601("2026-11-24T14:30:00Z");  // a Tuesday

json::object rec(std::string kind, Timestamp at, json::object fields = {}) {
  fields["kind"] = kind;
  fields["ts"] = format_iso8601(at);
  return fields;
}

std::vector<std::string> ids(const std::vector<Alert>& alerts) {
  std::vector<std::string> out;
  for (const auto& a : alerts) out.push_back(a.id);
  return out;
}

AlertSettings fast_p95() {
  AlertSettings s;
  s.guardrails.p95_window = 60s;
  s.guardrails.p95_sustain = 600s;
  return s;
}

// A live submission answered after `ms` at `at`.
json::object answered(const std::string& ref, Timestamp at, std::int64_t ms, bool ok = true) {
  return rec(ok ? "envelope" : "submission_failed", at, {{"ref_id", ref}, {"latency_ms", ms}, {"mode", "live"}});
}

}  // namespace

TEST_CASE("the kill switch alerts once when engaged and once when resumed, with the episode's id") {
  AlertState s;
  auto t = kStart;
  auto engaged = s.record(rec("halted", t, {{"requested_by", "console"}}), t);
  REQUIRE(engaged.size() == 1);
  CHECK(engaged[0].event == AlertEvent::kill_switch_engaged);
  CHECK(engaged[0].id == "kill_switch_engaged:" + format_iso8601(t));
  CHECK(engaged[0].severity == "critical");
  CHECK(engaged[0].summary.find("console") != std::string::npos);
  // The endpoint halts, then the Canceller journals its own halt; a second cancel-all while halted.
  CHECK(s.record(rec("halted", t + 1s, {{"requested_by", "control"}}), t + 1s).empty());
  CHECK(s.record(rec("halted", t + 5s), t + 5s).empty());
  auto resumed = s.record(rec("resumed", t + 9s, {{"requested_by", "cli"}}), t + 9s);
  REQUIRE(resumed.size() == 1);
  CHECK(resumed[0].id == "kill_switch_resumed:" + format_iso8601(t));
  CHECK(s.record(rec("resumed", t + 10s), t + 10s).empty());
  // A new episode gets a new id.
  auto again = s.record(rec("halted", t + 20s), t + 20s);
  REQUIRE(again.size() == 1);
  CHECK(again[0].id == "kill_switch_engaged:" + format_iso8601(t + 20s));
}

TEST_CASE("an episode already in the journal at start-up is not alerted again") {
  AlertState s;
  s.replay(rec("halted", kStart));
  s.replayed(kStart + 1h);
  CHECK(s.halted());
  CHECK(s.record(rec("halted", kStart + 2h), kStart + 2h).empty());
  auto resumed = s.record(rec("resumed", kStart + 3h), kStart + 3h);
  REQUIRE(resumed.size() == 1);
  CHECK(resumed[0].id == "kill_switch_resumed:" + format_iso8601(kStart));
}

TEST_CASE("the breaker alerts once however many samples see it open, with its reason") {
  AlertState s;
  OwnerState open{false, true, "insufficient funds: You can only purchase 3 shares of TSLA.", std::nullopt};
  auto first = s.observe(open, kStart);
  REQUIRE(first.size() == 1);
  CHECK(first[0].event == AlertEvent::breaker_tripped);
  CHECK(first[0].summary.find("insufficient funds") != std::string::npos);
  for (int i = 1; i < 30; ++i) CHECK(s.observe(open, kStart + std::chrono::seconds(i)).empty());
  CHECK(s.observe(OwnerState{}, kStart + 31s).empty());  // closed: the episode ends
  auto second = s.observe(open, kStart + 40s);
  REQUIRE(second.size() == 1);
  CHECK(second[0].id != first[0].id);
}

TEST_CASE("an unresolved order alerts once per ref_id and is forgotten once settled") {
  AlertState s;
  auto t = kStart;
  json::object f{{"ref_id", "r-1"}, {"symbol", "TSLA"}, {"category", "ambiguous_unresolved"}, {"mode", "live"}};
  auto a = s.record(rec("submission_failed", t, f), t);
  REQUIRE(a.size() == 1);
  CHECK(a[0].id == "order_unresolved:r-1");
  CHECK(s.record(rec("submission_failed", t + 1s, f), t + 1s).empty());
  CHECK(s.record(rec("envelope", t + 2s, {{"ref_id", "r-1"}, {"mode", "live"}}), t + 2s).empty());
  json::object g = f;
  g["ref_id"] = "r-2";
  CHECK(ids(s.record(rec("submission_failed", t + 3s, g), t + 3s)) == std::vector<std::string>{"order_unresolved:r-2"});
}

TEST_CASE("login required alerts once until the broker accepts an order again") {
  AlertState s;
  json::object f{{"ref_id", "r"}, {"category", "login_required"}, {"mode", "live"}};
  CHECK(s.record(rec("submission_failed", kStart, f), kStart).size() == 1);
  CHECK(s.record(rec("submission_failed", kStart + 1s, f), kStart + 1s).empty());
  s.record(rec("envelope", kStart + 2s, {{"ref_id", "x"}, {"mode", "live"}}), kStart + 2s);
  CHECK(s.record(rec("submission_failed", kStart + 3s, f), kStart + 3s).size() == 1);
}

TEST_CASE("the session expiring alerts once per expiry, within the warning") {
  AlertSettings settings;
  settings.session_warning = 3600s;
  AlertState s(settings);
  OwnerState st;
  st.session_expires_at = kStart + 2h;
  CHECK(s.observe(st, kStart).empty());  // 2 h left: not yet
  auto warned = s.observe(st, kStart + 1h + 1s);
  REQUIRE(warned.size() == 1);
  CHECK(warned[0].event == AlertEvent::session_expiring);
  CHECK(warned[0].id == "session_expiring:" + format_iso8601(kStart + 2h));
  CHECK(s.observe(st, kStart + 1h + 30min).empty());
  st.session_expires_at = kStart + 26h;  // renewed
  CHECK(s.observe(st, kStart + 1h + 31min).empty());
  CHECK(s.observe(st, kStart + 25h + 1s).size() == 1);
}

TEST_CASE("a renewable session is not alerted as expiring: the gateway renews it, and only a failed renewal warns") {
  AlertSettings settings;
  settings.session_warning = 3600s;
  AlertState s(settings);
  OwnerState st;
  st.session = "valid";
  st.session_expires_at = kStart + 30min;
  CHECK(s.observe(st, kStart).empty());
  st.session = "renewal_failed";
  auto warned = s.observe(st, kStart + 1min);
  REQUIRE(warned.size() == 1);
  CHECK(warned[0].event == AlertEvent::session_expiring);
  CHECK(s.observe(st, kStart + 2min).empty());
}

TEST_CASE("an expired session alerts login required once, before any order fails, until a new session") {
  AlertState s;
  OwnerState st;
  st.session = "expired";
  auto alerts = s.observe(st, kStart);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].event == AlertEvent::login_required);
  CHECK(alerts[0].id == "login_required:" + format_iso8601(kStart));
  CHECK(s.observe(st, kStart + 1s).empty());
  // The order that fails for it belongs to the same episode.
  json::object f{{"ref_id", "r"}, {"category", "login_required"}, {"mode", "live"}};
  CHECK(s.record(rec("submission_failed", kStart + 2s, f), kStart + 2s).empty());
  st.session = "valid";  // `oms login`
  CHECK(s.observe(st, kStart + 3s).empty());
  st.session = "none";  // not yet logged in: the owner logs in on its first request
  CHECK(s.observe(st, kStart + 4s).empty());
  st.session = "expired";
  CHECK(s.observe(st, kStart + 5s).size() == 1);
}

TEST_CASE("a paper owner has no session and no HEART guardrails") {
  AlertSettings settings;
  settings.live = false;
  AlertState s(settings);
  OwnerState st;
  st.session_expires_at = kStart + 10min;
  CHECK(s.observe(st, kStart).empty());
  for (int i = 0; i < 30; ++i) s.record(answered("p" + std::to_string(i), kStart + std::chrono::seconds(i), 5000), kStart);
  CHECK(s.tick(kStart + 1h).empty());
}

TEST_CASE("guardrail: P95 above 1500 ms must be sustained for the whole period before it alerts, once") {
  AlertState s(fast_p95());
  auto t = kStart;
  std::vector<Alert> alerts;
  // A slow submission every 10 s for 15 min: above the bound from the first evaluation on.
  for (int i = 0; i <= 90; ++i) {
    auto at = t + std::chrono::seconds(10 * i);
    s.record(answered("r" + std::to_string(i), at, 1800), at);
    auto due = s.tick(at);
    if (i * 10 < 600) CHECK(due.empty());
    alerts.insert(alerts.end(), due.begin(), due.end());
  }
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].event == AlertEvent::guardrail_breached);
  CHECK(alerts[0].id == "guardrail_breached:task_success:" + format_iso8601(t + 600s));
  CHECK(alerts[0].summary.find("P95 1800 ms") != std::string::npos);
  // Fast again: one recovery, with the breach's key.
  std::vector<Alert> later;
  for (int i = 91; i <= 110; ++i) {
    auto at = t + std::chrono::seconds(10 * i);
    s.record(answered("r" + std::to_string(i), at, 200), at);
    auto due = s.tick(at);
    later.insert(later.end(), due.begin(), due.end());
  }
  REQUIRE(later.size() == 1);
  CHECK(later[0].id == "guardrail_recovered:task_success:" + format_iso8601(t + 600s));
}

TEST_CASE("guardrail: a slow spell shorter than the sustain period does not alert") {
  AlertState s(fast_p95());
  std::vector<Alert> alerts;
  for (int i = 0; i < 120; ++i) {
    auto at = kStart + std::chrono::seconds(10 * i);
    bool slow = (i / 30) % 2 == 0;  // 5 min slow, 5 min fast, …
    s.record(answered("r" + std::to_string(i), at, slow ? 3000 : 100), at);
    auto due = s.tick(at);
    alerts.insert(alerts.end(), due.begin(), due.end());
  }
  CHECK(alerts.empty());
}

TEST_CASE("guardrail: retention under 97 % over 24 h alerts, and needs 20 outcomes") {
  AlertState s;
  auto t = kStart;
  for (int i = 0; i < 19; ++i) s.record(answered("f" + std::to_string(i), t + std::chrono::seconds(i), 100, false), t);
  CHECK(s.tick(t + 1min).empty());  // 19 outcomes say nothing
  s.record(answered("ok", t + 2min, 100, true), t + 2min);
  auto due = s.tick(t + 3min);
  REQUIRE(due.size() == 1);
  CHECK(due[0].id == "guardrail_breached:retention:" + format_iso8601(t + 3min));
  // A day later the failures have left the window.
  auto recovered = s.tick(t + 25h);
  REQUIRE(recovered.size() == 1);
  CHECK(recovered[0].event == AlertEvent::guardrail_recovered);
}

TEST_CASE("guardrail: an ambiguous failure later found at the broker counts as one success") {
  Guardrails g;
  for (int i = 0; i < 20; ++i) {
    auto at = kStart + std::chrono::seconds(i);
    g.record(rec("submission_failed", at, {{"ref_id", "r" + std::to_string(i)}, {"mode", "live"}}));
    g.record(rec("envelope", at + 1s, {{"ref_id", "r" + std::to_string(i)}, {"mode", "live"}}));
  }
  g.evaluate(kStart + 1min);
  CHECK_FALSE(g.breached(Guardrail::retention));
}

TEST_CASE("guardrail: more than 3 manual overrides in a trading week alert, the next week recovers") {
  AlertState s;
  auto t = kStart;
  for (int i = 0; i < 3; ++i)
    s.record(rec("intent", t + std::chrono::hours(i), {{"manual_override", true}, {"mode", "live"}, {"ref_id", "m" + std::to_string(i)}}), t);
  CHECK(s.tick(t + 4h).empty());
  s.record(rec("intent", t + 5h, {{"manual_override", true}, {"mode", "live"}, {"ref_id", "m3"}}), t + 5h);
  auto due = s.tick(t + 5h);
  REQUIRE(due.size() == 1);
  CHECK(due[0].details.at("guardrail").as_string() == "happiness");
  auto next_week = s.tick(*parse_iso8601("2026-11-30T00:00:01Z"));  // Monday
  REQUIRE(next_week.size() == 1);
  CHECK(next_week[0].event == AlertEvent::guardrail_recovered);
}

TEST_CASE("guardrail: under 90 % automated over 2 days alerts, and paper intents are left out") {
  AlertState s;
  for (int i = 0; i < 20; ++i) {
    bool manual = i < 3;  // 85 % automated
    s.record(rec("intent", kStart + std::chrono::minutes(i), {{"manual_override", manual}, {"mode", "live"}, {"ref_id", "e" + std::to_string(i)}}), kStart);
  }
  for (int i = 0; i < 50; ++i)
    s.record(rec("intent", kStart + std::chrono::minutes(i), {{"manual_override", false}, {"mode", "paper"}, {"ref_id", "p" + std::to_string(i)}}), kStart);
  auto due = s.tick(kStart + 1h);
  bool engagement = false;
  for (const auto& a : due) engagement |= a.details.at("guardrail").as_string() == "engagement";
  CHECK(engagement);
}

TEST_CASE("an alert's JSON has its id, event, severity, summary, time and details") {
  AlertState s;
  auto a = s.record(rec("halted", kStart, {{"requested_by", "console"}}), kStart);
  REQUIRE(a.size() == 1);
  auto doc = alert_json(a[0]);
  CHECK(doc.at("id").as_string() == a[0].id);
  CHECK(doc.at("event").as_string() == "kill_switch_engaged");
  CHECK(doc.at("severity").as_string() == "critical");
  CHECK(doc.at("at").as_string() == format_iso8601(kStart));
  CHECK(doc.at("details").at("requested_by").as_string() == "console");
}
