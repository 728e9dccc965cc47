#include "console/alert_state.hpp"

#include <boost/describe/enum_to_string.hpp>

namespace oms::console {
namespace json = boost::json;

namespace {

std::string text_of(const json::object& r, std::string_view key) {
  auto* v = r.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string event_name(AlertEvent e) { return boost::describe::enum_to_string(e, "alert"); }

Alert make(AlertEvent event, std::string key, std::string severity, std::string summary, Timestamp at,
           json::object details = {}) {
  return Alert{event_name(event) + ":" + key, event, std::move(severity), std::move(summary), at, std::move(details)};
}

std::string minutes_left(Timestamp expires, Timestamp now) {
  auto m = std::chrono::duration_cast<std::chrono::minutes>(expires - now).count();
  return m >= 120 ? std::to_string(m / 60) + " h" : std::to_string(m) + " min";
}

}  // namespace

json::object alert_json(const Alert& a) {
  return json::object{{"id", a.id},           {"event", event_name(a.event)}, {"severity", a.severity},
                      {"summary", a.summary}, {"at", format_iso8601(a.at)},    {"details", a.details}};
}

AlertState::AlertState(AlertSettings settings) : settings_(settings), guardrails_(settings.guardrails) {}

void AlertState::replay(const json::object& record) { apply(record, Timestamp{}, false); }

void AlertState::replayed(Timestamp now) {
  if (settings_.live) guardrails_.evaluate(now);
}

std::vector<Alert> AlertState::record(const json::object& record, Timestamp now) {
  auto out = apply(record, now, true);
  return out;
}

std::vector<Alert> AlertState::apply(const json::object& r, Timestamp now, bool alerting) {
  std::vector<Alert> out;
  if (settings_.live) guardrails_.record(r);
  auto kind = text_of(r, "kind");
  auto ts = text_of(r, "ts");
  auto by = text_of(r, "requested_by");
  if (kind == "halted") {
    if (halted_since_) return out;  // the endpoint's halt and the Canceller's: one episode
    halted_since_ = ts;
    if (alerting)
      out.push_back(make(AlertEvent::kill_switch_engaged, ts, "critical",
                         "kill switch engaged by " + (by.empty() ? std::string("?") : by) +
                             ": submissions refused, open orders being cancelled",
                         now, {{"requested_by", by}, {"engaged_at", ts}}));
  } else if (kind == "resumed") {
    if (!halted_since_) return out;
    auto since = *halted_since_;
    halted_since_.reset();
    if (alerting)
      out.push_back(make(AlertEvent::kill_switch_resumed, since, "info",
                         "submissions resumed by " + (by.empty() ? std::string("?") : by), now,
                         {{"requested_by", by}, {"engaged_at", since}, {"resumed_at", ts}}));
  } else if (kind == "submission_failed") {
    auto category = text_of(r, "category");
    auto ref = text_of(r, "ref_id");
    if (category == "ambiguous_unresolved" && !ref.empty() && unresolved_.insert(ref).second && alerting)
      out.push_back(make(AlertEvent::order_unresolved, ref, "critical",
                         "order " + ref + " (" + text_of(r, "symbol") + ") may exist at the broker: its outcome is unknown",
                         now, {{"ref_id", ref}, {"symbol", text_of(r, "symbol")}, {"detail", text_of(r, "detail")}}));
    if (category == "login_required" && !login_since_) {
      login_since_ = ts;
      if (alerting)
        out.push_back(make(AlertEvent::login_required, ts, "critical",
                           "the broker session is gone: run `oms login`; submissions fail until then", now,
                           {{"detail", text_of(r, "detail")}}));
    }
  } else if (kind == "envelope" || kind == "intent_abandoned") {
    unresolved_.erase(text_of(r, "ref_id"));  // settled: found at the broker, or never placed
    if (kind == "envelope") {  // the broker took an order: the session works
      login_since_.reset();
      login_from_session_ = false;
    }
  }
  return out;
}

std::vector<Alert> AlertState::observe(const OwnerState& s, Timestamp now) {
  std::vector<Alert> out;
  if (s.breaker_open && !breaker_since_) {
    breaker_since_ = now;
    out.push_back(make(AlertEvent::breaker_tripped, format_iso8601(now), "critical",
                       "circuit breaker open: submissions refused" +
                           (s.breaker_reason.empty() ? std::string() : " (" + s.breaker_reason + ")") +
                           "; check the account, then resume",
                       now, {{"reason", s.breaker_reason}}));
  } else if (!s.breaker_open) {
    breaker_since_.reset();
  }
  // Expired: the next order would fail for it, say so now. "none" is not alerted: an owner given
  // credentials logs in on its first request, and one without them fails it (alerted above).
  bool gone = s.session == "expired";
  if (settings_.live && gone && !login_since_) {
    login_since_ = format_iso8601(now);
    login_from_session_ = true;
    out.push_back(make(AlertEvent::login_required, *login_since_, "critical",
                       "the broker session has expired: run `oms login`; submissions fail until then", now,
                       {{"session", s.session}}));
  } else if (login_from_session_ && !gone && !s.session.empty()) {
    login_since_.reset();  // a new session (`oms login`): the episode is over
    login_from_session_ = false;
  }
  // A valid session is renewable and the gateway renews it before the warning: only one that
  // will not be renewed (expiring, renewal_failed, or unknown) is worth waking someone for.
  if (settings_.live && s.session != "valid" && s.session_expires_at && *s.session_expires_at > now &&
      *s.session_expires_at - now <= settings_.session_warning && expiry_warned_ != s.session_expires_at) {
    expiry_warned_ = s.session_expires_at;
    auto at = format_iso8601(*s.session_expires_at);
    out.push_back(make(AlertEvent::session_expiring, at, "warning",
                       "the broker session ends in " + minutes_left(*s.session_expires_at, now) +
                           " (" + at + "): renew it with `oms login` before then",
                       now, {{"expires_at", at}}));
  }
  return out;
}

std::vector<Alert> AlertState::tick(Timestamp now) {
  std::vector<Alert> out;
  if (!settings_.live) return out;
  for (const auto& c : guardrails_.evaluate(now)) {
    std::string name = boost::describe::enum_to_string(c.guardrail, "guardrail");
    auto key = name + ":" + format_iso8601(c.since);
    json::object details{{"guardrail", name}, {"measured", c.measured}, {"rule", c.rule},
                         {"since", format_iso8601(c.since)}};
    if (c.breached)
      out.push_back(make(AlertEvent::guardrail_breached, key, "warning",
                         "HEART guardrail breached (" + name + "): " + c.measured + "; the seed's rule: " + c.rule, now,
                         std::move(details)));
    else
      out.push_back(make(AlertEvent::guardrail_recovered, key, "info",
                         "HEART guardrail recovered (" + name + "): " + c.measured, now, std::move(details)));
  }
  return out;
}

}  // namespace oms::console
