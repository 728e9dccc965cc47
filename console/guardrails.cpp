#include "console/guardrails.hpp"

#include "console/heart_report.hpp"

#include <algorithm>

namespace oms::console {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::string text_of(const json::object& r, std::string_view key) {
  auto* v = r.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<std::int64_t> integer_of(const json::object& r, std::string_view key) {
  auto* v = r.if_contains(key);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return std::nullopt;
}

// "97.5%" from integers, rounded half up (no binary floating point, like the report).
std::string percent(std::int64_t num, std::int64_t den) {
  std::int64_t tenths = (num * 2000 + den) / (2 * den);
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "%";
}

std::string span(std::chrono::seconds s) {
  if (s.count() % 3600 == 0) return std::to_string(s.count() / 3600) + " h";
  if (s.count() % 60 == 0) return std::to_string(s.count() / 60) + " min";
  return std::to_string(s.count()) + " s";
}

template <class S, class Pred>
std::pair<std::int64_t, std::int64_t> count_since(const std::deque<S>& samples, Timestamp from, Pred pred) {
  std::int64_t n = 0, hits = 0;
  for (auto it = samples.rbegin(); it != samples.rend() && it->at > from; ++it) {
    ++n;
    if (pred(*it)) ++hits;
  }
  return {n, hits};
}

}  // namespace

Guardrails::Guardrails(GuardrailSettings settings) : settings_(settings) {}

std::string Guardrails::rule(Guardrail g, const GuardrailSettings& s) {
  switch (g) {
    case Guardrail::happiness: return "more than " + std::to_string(heart::kOverridesGuardrail) + " manual overrides in a trading week";
    case Guardrail::engagement: return "under " + std::to_string(heart::kAutomatedGuardrailPct) + "% automated live trades for 2 days";
    case Guardrail::retention: return "under " + std::to_string(heart::kSuccessGuardrailPct) + "% broker success over 24 h";
    case Guardrail::task_success:
      return "P95 submission > " + std::to_string(heart::kP95GuardrailMs) + " ms sustained " + span(s.p95_sustain);
  }
  return "";
}

void Guardrails::record(const json::object& r) {
  if (text_of(r, "mode") == "paper") return;
  auto ts = parse_iso8601(text_of(r, "ts"));
  if (!ts) return;
  auto kind = text_of(r, "kind");
  if (kind == "intent") {
    auto* manual = r.if_contains("manual_override");
    intents_.push_back({*ts, manual && manual->is_bool() && manual->as_bool() ? 1 : 0, text_of(r, "ref_id")});
  } else if (kind == "envelope") {
    outcome(r, *ts, true);
  } else if (kind == "submission_failed") {
    outcome(r, *ts, false);
  }
}

// The last outcome per ref_id counts: an ambiguous failure settled later is one success.
void Guardrails::outcome(const json::object& r, Timestamp at, bool success) {
  auto ref = text_of(r, "ref_id");
  if (auto ms = integer_of(r, "latency_ms")) latencies_.push_back({at, *ms, ref});
  if (!ref.empty()) {
    for (auto it = outcomes_.rbegin(); it != outcomes_.rend(); ++it)
      if (it->ref_id == ref) {
        it->value = success;
        return;
      }
  }
  outcomes_.push_back({at, success ? 1 : 0, ref});
}

void Guardrails::drop_old(Timestamp now) {
  auto keep_from = [](std::deque<Sample>& d, Timestamp from) {
    while (!d.empty() && d.front().at <= from) d.pop_front();
  };
  keep_from(intents_, now - std::chrono::hours(24 * 9));  // the current week and the 2-day window
  keep_from(outcomes_, now - GuardrailSettings::kRetentionWindow);
  keep_from(latencies_, now - settings_.p95_window);
}

std::pair<bool, std::string> Guardrails::happiness(Timestamp now) const {
  long week = heart::trading_week_of(now);
  std::int64_t manual = 0;
  for (const auto& s : intents_)
    if (s.value && heart::trading_week_of(s.at) == week) ++manual;
  return {manual > heart::kOverridesGuardrail, std::to_string(manual) + " manual overrides this trading week"};
}

std::pair<bool, std::string> Guardrails::engagement(Timestamp now) const {
  auto [n, manual] = count_since(intents_, now - GuardrailSettings::kEngagementWindow, [](const Sample& s) { return s.value == 1; });
  if (n == 0) return {false, "no live intents in 2 days"};
  std::int64_t automated = n - manual;
  bool bad = n >= GuardrailSettings::kMinSamples && automated * 100 < heart::kAutomatedGuardrailPct * n;
  return {bad, percent(automated, n) + " automated over 2 days (" + std::to_string(automated) + "/" + std::to_string(n) + ")"};
}

std::pair<bool, std::string> Guardrails::retention(Timestamp now) const {
  auto [n, ok] = count_since(outcomes_, now - GuardrailSettings::kRetentionWindow, [](const Sample& s) { return s.value == 1; });
  if (n == 0) return {false, "no submissions in 24 h"};
  bool bad = n >= GuardrailSettings::kMinSamples && ok * 100 < heart::kSuccessGuardrailPct * n;
  return {bad, percent(ok, n) + " broker success over 24 h (" + std::to_string(ok) + "/" + std::to_string(n) + ")"};
}

std::optional<std::pair<bool, std::string>> Guardrails::task_success(Timestamp now) const {
  std::vector<std::int64_t> ms;
  for (auto it = latencies_.rbegin(); it != latencies_.rend() && it->at > now - settings_.p95_window; ++it) ms.push_back(it->value);
  if (ms.empty()) return std::nullopt;
  std::sort(ms.begin(), ms.end());
  // Nearest rank, as the report computes it.
  auto n = static_cast<std::int64_t>(ms.size());
  std::int64_t rank = std::max<std::int64_t>((95 * n + 99) / 100, 1);
  std::int64_t p95 = ms[static_cast<std::size_t>(rank - 1)];
  return std::make_pair(p95 > heart::kP95GuardrailMs, "P95 " + std::to_string(p95) + " ms over the last " +
                                                          span(settings_.p95_window) + " (n=" + std::to_string(n) + ")");
}

void Guardrails::change(Guardrail g, bool bad, const std::string& measured, Timestamp now,
                        std::vector<GuardrailChange>& out) {
  auto& st = state_[index(g)];
  if (bad == st.breached) return;
  if (bad) st.since = now;
  st.breached = bad;
  out.push_back({g, bad, st.since, now, measured, rule(g, settings_)});
}

std::vector<GuardrailChange> Guardrails::evaluate(Timestamp now) {
  drop_old(now);
  std::vector<GuardrailChange> out;
  auto [h_bad, h_text] = happiness(now);
  change(Guardrail::happiness, h_bad, h_text, now, out);
  auto [e_bad, e_text] = engagement(now);
  change(Guardrail::engagement, e_bad, e_text, now, out);
  auto [r_bad, r_text] = retention(now);
  change(Guardrail::retention, r_bad, r_text, now, out);

  // Task Success must stay above its bound for the whole sustain period; a window without
  // submissions neither starts nor ends a breach (no evidence either way).
  auto& st = state_[index(Guardrail::task_success)];
  auto p95 = task_success(now);
  if (!p95) {
    st.over_since.reset();
  } else if (p95->first) {
    if (!st.over_since) st.over_since = now;
    if (now - *st.over_since >= settings_.p95_sustain) change(Guardrail::task_success, true, p95->second, now, out);
  } else {
    st.over_since.reset();
    change(Guardrail::task_success, false, p95->second, now, out);
  }
  return out;
}

}  // namespace oms::console
