// The HEART report: the seed's success metrics measured from the order journal alone, so an
// operator can run it on any machine that has the journal (no broker, no logs needed).
#include "console/heart_report.hpp"

#include "actors/journal_file.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

namespace oms::heart {
namespace json = boost::json;

namespace {


const char* const kMeets = "meets target";
const char* const kBelow = "below target";
const char* const kBreached = "guardrail breached";
const char* const kNoData = "no data";

std::string text_of(const json::object& r, std::string_view key) {
  auto* v = r.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool flag_of(const json::object& r, std::string_view key) {
  auto* v = r.if_contains(key);
  return v && v->is_bool() && v->as_bool();
}

std::optional<long> integer_of(const json::object& r, std::string_view key) {
  auto* v = r.if_contains(key);
  if (v && v->is_int64()) return static_cast<long>(v->as_int64());
  if (v && v->is_uint64()) return static_cast<long>(v->as_uint64());
  return std::nullopt;
}

std::optional<Timestamp> time_of(const json::object& r) {
  auto ts = text_of(r, "ts");
  if (ts.empty()) return std::nullopt;
  auto t = parse_iso8601(ts);
  if (!t) return std::nullopt;
  return *t;
}

long week_of(std::optional<Timestamp> t) { return t ? trading_week_of(*t) : -1; }

std::string week_label(long monday) {
  if (monday < 0) return "undated records";
  using namespace std::chrono;
  year_month_day ymd{sys_days(days(monday))};
  char buf[32];
  std::snprintf(buf, sizeof buf, "week of %04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

// Nearest rank: the smallest value with at least pct % of the samples at or below it.
long nearest_rank(const std::vector<long>& sorted, long pct) {
  auto n = static_cast<long>(sorted.size());
  long rank = (pct * n + 99) / 100;
  return sorted[static_cast<std::size_t>(std::max(rank, 1L) - 1)];
}

// "97.5%" from integers, rounded half up; no floating point anywhere in the report.
std::string percent(long num, long den) {
  long tenths = (num * 2000 + den) / (2 * den);
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "%";
}

std::string ratio(long num, long den) { return percent(num, den) + " (" + std::to_string(num) + "/" + std::to_string(den) + ")"; }

// Higher is better: at or above target meets it, below the guardrail breaches it.
const char* verdict_share(long num, long den, long target_pct, long guardrail_pct) {
  if (num * 100 >= target_pct * den) return kMeets;
  if (num * 100 < guardrail_pct * den) return kBreached;
  return kBelow;
}

// Everything the metrics need, gathered in one pass over the journal.
struct Tally {
  std::map<std::string, bool> intent_is_paper;  // ref_id → paper
  std::map<long, int> overrides_by_week;
  std::vector<long> latencies_ms;
  // The last outcome per ref_id: an ambiguous failure settled later (the order was found at the
  // broker) is one submitted order that succeeded, not a failure plus a success.
  std::map<std::string, bool> outcome_by_ref;
  int unkeyed_successes = 0, unkeyed_failures = 0;
};

void count_intent(const json::object& r, std::optional<Timestamp> t, HeartReport& out, Tally& tally) {
  bool paper = text_of(r, "mode") == "paper";
  tally.intent_is_paper[text_of(r, "ref_id")] = paper;
  if (paper) {
    ++out.paper_records;
    return;
  }
  ++out.submissions;
  auto& week = tally.overrides_by_week[week_of(t)];
  if (flag_of(r, "manual_override")) {
    ++out.manual_overrides;
    ++week;
  } else {
    ++out.automated;
  }
}

void count_outcome(const json::object& r, bool success, HeartReport& out, Tally& tally) {
  auto found = tally.intent_is_paper.find(text_of(r, "ref_id"));
  bool paper = text_of(r, "mode") == "paper" || (found != tally.intent_is_paper.end() && found->second);
  if (paper) {
    ++out.paper_records;
    return;
  }
  auto ref = text_of(r, "ref_id");
  if (!ref.empty()) tally.outcome_by_ref[ref] = success;
  else ++(success ? tally.unkeyed_successes : tally.unkeyed_failures);
  // A failed submission is a slow one too (a timeout is the slowest): both count for Task Success.
  if (auto ms = integer_of(r, "latency_ms")) tally.latencies_ms.push_back(*ms);
}

void count_record(const json::object& r, std::optional<Timestamp> t, HeartReport& out, Tally& tally) {
  auto kind = text_of(r, "kind");
  if (kind == "intent") count_intent(r, t, out, tally);
  else if (kind == "envelope") count_outcome(r, true, out, tally);
  else if (kind == "submission_failed") count_outcome(r, false, out, tally);
  else if (kind == "cancel_result") ++out.cancels;
  else if (kind == "adopted") ++out.adopted;
}

HeartMetric happiness(const HeartReport& r, const Tally& tally) {
  HeartMetric m{"Happiness", "manual overrides per week", kNoData, "≤1 per week", ">3 in a week",
                kNoData};
  if (r.submissions == 0) return m;
  auto worst = std::max_element(tally.overrides_by_week.begin(), tally.overrides_by_week.end(),
                                [](const auto& a, const auto& b) { return a.second < b.second; });
  auto weeks = std::to_string(tally.overrides_by_week.size()) + (tally.overrides_by_week.size() == 1 ? " week" : " weeks");
  m.value = r.manual_overrides == 0 ? "0 in " + weeks
                                    : "worst week " + std::to_string(worst->second) + " (" + week_label(worst->first) +
                                          "); " + std::to_string(r.manual_overrides) + " in " + weeks;
  m.verdict = worst->second <= kOverridesTarget ? kMeets : worst->second > kOverridesGuardrail ? kBreached : kBelow;
  return m;
}

HeartMetric engagement(const HeartReport& r) {
  HeartMetric m{"Engagement", "automated live trades", kNoData, "≥95% automated", "<90% for 2 days",
                kNoData};
  if (r.submissions == 0) return m;
  m.value = ratio(r.automated, r.submissions);
  m.verdict = verdict_share(r.automated, r.submissions, kAutomatedTargetPct, kAutomatedGuardrailPct);
  return m;
}

// Every journalled intent went through the Submitter by construction; broker orders that the
// journal did not know (adopted at start-up) were placed some other way.
HeartMetric adoption(const HeartReport& r) {
  HeartMetric m{"Adoption", "orders via OrderManager", kNoData, "100% of live pathways",
                "track weekly until parity", kNoData};
  long all = r.submissions + r.adopted;
  if (all == 0) return m;
  m.value = ratio(r.submissions, all);
  m.verdict = r.adopted == 0 ? kMeets : kBelow;
  return m;
}

HeartMetric retention(const HeartReport& r) {
  HeartMetric m{"Retention", "broker success rate", kNoData, "≥99% success", "<97%: incident review", kNoData};
  long all = r.broker_successes + r.broker_failures;
  if (all == 0) return m;
  m.value = ratio(r.broker_successes, all);
  m.verdict = verdict_share(r.broker_successes, all, kSuccessTargetPct, kSuccessGuardrailPct);
  return m;
}

HeartMetric task_success(const HeartReport& r, std::size_t samples) {
  HeartMetric m{"Task Success", "P95 submission duration", kNoData, "≤750 ms",
                ">1500 ms for 10 min", kNoData};
  if (!r.p95_submission_ms) return m;
  m.value = "P95 " + std::to_string(*r.p95_submission_ms) + " ms, P50 " + std::to_string(*r.p50_submission_ms) +
            " ms (n=" + std::to_string(samples) + ")";
  long p95 = *r.p95_submission_ms;
  m.verdict = p95 <= kP95TargetMs ? kMeets : p95 > kP95GuardrailMs ? kBreached : kBelow;
  return m;
}

// Terminal columns count characters, not bytes.
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string pad(const std::string& s, std::size_t width) {
  auto w = display_width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string optional_ms(const std::optional<long>& ms) { return ms ? std::to_string(*ms) + " ms" : "-"; }

}  // namespace

long trading_week_of(Timestamp t) {
  using namespace std::chrono;
  sys_days day = floor<days>(t);
  unsigned iso = weekday(day).iso_encoding();  // Monday = 1
  return (day - days(iso - 1)).time_since_epoch().count();
}

HeartReport compute_heart_report(const std::filesystem::path& journal, std::optional<Timestamp> since) {
  HeartReport out;
  Tally tally;
  for (const auto& record : journal::JournalFile::read_all(journal.string())) {
    auto t = time_of(record);
    if (since && (!t || *t < *since)) continue;
    count_record(record, t, out, tally);
  }
  out.broker_successes = tally.unkeyed_successes;
  out.broker_failures = tally.unkeyed_failures;
  for (const auto& [ref, success] : tally.outcome_by_ref) ++(success ? out.broker_successes : out.broker_failures);
  auto& ms = tally.latencies_ms;
  std::sort(ms.begin(), ms.end());
  if (!ms.empty()) {
    out.p50_submission_ms = nearest_rank(ms, 50);
    out.p95_submission_ms = nearest_rank(ms, 95);
  }
  out.weeks = static_cast<int>(tally.overrides_by_week.size());
  for (const auto& [week, n] : tally.overrides_by_week) out.max_overrides_in_a_week = std::max(out.max_overrides_in_a_week, n);
  out.metrics = {happiness(out, tally), engagement(out), adoption(out), retention(out), task_success(out, ms.size())};
  return out;
}

std::string render_heart_report(const HeartReport& r) {
  std::vector<std::vector<std::string>> rows{{"Dimension", "Metric", "Measured", "Target", "Guardrail", "Verdict"}};
  for (const auto& m : r.metrics) rows.push_back({m.dimension, m.metric, m.value, m.target, m.guardrail, m.verdict});
  std::vector<std::size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  std::string out = "HEART report (live orders, from the journal): " + std::to_string(r.submissions) +
                    " submissions, " + std::to_string(r.broker_successes) + " accepted by the broker, " +
                    std::to_string(r.broker_failures) + " failed, " + std::to_string(r.cancels) + " cancel results, " +
                    std::to_string(r.manual_overrides) + " manual overrides; submission P50 " +
                    optional_ms(r.p50_submission_ms) + ", P95 " + optional_ms(r.p95_submission_ms) + "\n";
  for (std::size_t row = 0; row < rows.size(); ++row) {
    std::string line;
    for (std::size_t i = 0; i < rows[row].size(); ++i)
      line += "  " + (i + 1 < rows[row].size() ? pad(rows[row][i], widths[i]) : rows[row][i]);
    out += line + "\n";
    if (row == 0) {
      std::size_t total = 0;
      for (auto w : widths) total += w + 2;
      out += "  " + std::string(total - 2, '-') + "\n";
    }
  }
  out += "  Adoption: every journalled intent went through the OrderManager's Submitter; orders adopted from the\n"
         "  broker at start-up were placed outside it. Task Success counts failed submissions too.";
  if (r.paper_records > 0) out += " Paper records left out: " + std::to_string(r.paper_records) + ".";
  return out + "\n";
}

json::object heart_report_json(const HeartReport& r) {
  json::array metrics;
  for (const auto& m : r.metrics)
    metrics.push_back(json::object{{"dimension", m.dimension}, {"metric", m.metric}, {"value", m.value},
                                   {"target", m.target}, {"guardrail", m.guardrail}, {"verdict", m.verdict}});
  auto ms = [](const std::optional<long>& v) { return v ? json::value(*v) : json::value(nullptr); };
  return json::object{{"submissions", r.submissions},
                      {"broker_successes", r.broker_successes},
                      {"broker_failures", r.broker_failures},
                      {"cancels", r.cancels},
                      {"manual_overrides", r.manual_overrides},
                      {"automated", r.automated},
                      {"adopted", r.adopted},
                      {"paper_records", r.paper_records},
                      {"max_overrides_in_a_week", r.max_overrides_in_a_week},
                      {"weeks", r.weeks},
                      {"p50_submission_ms", ms(r.p50_submission_ms)},
                      {"p95_submission_ms", ms(r.p95_submission_ms)},
                      {"metrics", std::move(metrics)}};
}

}  // namespace oms::heart
