#include "console/heart_report.hpp"

#include "actors/journal_file.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using oms::heart::compute_heart_report;
using oms::heart::HeartMetric;
using oms::heart::HeartReport;
namespace json = boost::json;

namespace {

// A journal written record by record in a fresh temp folder.
struct JournalWriter {
  explicit JournalWriter(const char* name)
      : path(std::filesystem::temp_directory_path() / ("oms-heart-" + std::to_string(::getpid())) / name) {
    std::filesystem::remove(path);
    file.emplace(oms::journal::JournalFile::open(path.string()).value());
  }
  void add(json::object record) { REQUIRE_FALSE(file->append(record)); }
  void intent(const std::string& ref, const std::string& ts, bool manual = false, const std::string& mode = "live") {
    add({{"ts", ts}, {"kind", "intent"}, {"ref_id", ref}, {"symbol", "TSLA"}, {"side", "buy"}, {"quantity", "50"},
         {"limit_price", "249.93"}, {"strategy", ""}, {"manual_override", manual}, {"mode", mode}});
  }
  void envelope(const std::string& ref, const std::string& ts, long latency_ms, const std::string& mode = "live") {
    add({{"ts", ts}, {"kind", "envelope"}, {"ref_id", ref}, {"order_id", "o-" + ref}, {"mode", mode},
         {"latency_ms", latency_ms}, {"manual_override", false}});
  }
  void failure(const std::string& ref, const std::string& ts, long latency_ms) {
    add({{"ts", ts}, {"kind", "submission_failed"}, {"ref_id", ref}, {"category", "transient_exhausted"},
         {"detail", "timeout"}, {"attempts", 3}, {"http_status", 0}, {"latency_ms", latency_ms}});
  }
  // One accepted live order per latency, all on one Monday.
  void accepted(const std::vector<long>& latencies) {
    for (std::size_t i = 0; i < latencies.size(); ++i) {
      auto ref = "r" + std::to_string(i);
      intent(ref, "2026-05-04T14:00:00.000000Z");
      envelope(ref, "2026-05-04T14:00:00.100000Z", latencies[i]);
    }
  }
  std::filesystem::path path;
  std::optional<oms::journal::JournalFile> file;
};

const HeartMetric& metric(const HeartReport& r, const std::string& dimension) {
  for (const auto& m : r.metrics)
    if (m.dimension == dimension) return m;
  FAIL("no metric " << dimension);
  return r.metrics.front();
}

}  // namespace

TEST_CASE("a missing journal gives a report with no data on every dimension") {
  auto r = compute_heart_report(std::filesystem::temp_directory_path() / "oms-heart-none" / "absent.jsonl");
  CHECK(r.submissions == 0);
  CHECK_FALSE(r.p95_submission_ms.has_value());
  REQUIRE(r.metrics.size() == 5);
  for (const auto& m : r.metrics) {
    CHECK(m.value == "no data");
    CHECK(m.verdict == "no data");
  }
}

TEST_CASE("broker success rate is envelopes over envelopes plus failures, with one decimal") {
  JournalWriter j("retention.jsonl");
  std::vector<long> latencies(48, 100);
  j.accepted(latencies);
  j.intent("f1", "2026-05-04T15:00:00Z");
  j.failure("f1", "2026-05-04T15:00:01Z", 1200);
  j.add({{"ts", "2026-05-04T16:00:00Z"}, {"kind", "cancel_result"}, {"order_id", "o-r1"}, {"outcome", "cancelled"}});
  auto r = compute_heart_report(j.path);
  CHECK(metric(r, "Happiness").value == "0 in 1 week");
  CHECK(metric(r, "Happiness").verdict == "meets target");
  CHECK(r.submissions == 49);
  CHECK(r.broker_successes == 48);
  CHECK(r.broker_failures == 1);
  CHECK(r.cancels == 1);
  CHECK(metric(r, "Retention").value == "98.0% (48/49)");
  CHECK(metric(r, "Retention").verdict == "below target");  // between the 97 % guardrail and the 99 % target
}

TEST_CASE("a success rate under 97 percent breaches the guardrail; 99 percent meets the target") {
  JournalWriter low("retention-low.jsonl");
  low.accepted({100, 100, 100});
  low.intent("f1", "2026-05-04T15:00:00Z");
  low.failure("f1", "2026-05-04T15:00:01Z", 900);
  CHECK(metric(compute_heart_report(low.path), "Retention").verdict == "guardrail breached");

  JournalWriter high("retention-high.jsonl");
  high.accepted(std::vector<long>(99, 50));
  high.intent("f1", "2026-05-04T15:00:00Z");
  high.failure("f1", "2026-05-04T15:00:01Z", 900);
  auto r = compute_heart_report(high.path);
  CHECK(metric(r, "Retention").value == "99.0% (99/100)");
  CHECK(metric(r, "Retention").verdict == "meets target");
}

TEST_CASE("a failure settled later by finding the order at the broker counts once, as a success") {
  JournalWriter j("settled.jsonl");
  j.accepted({100});
  j.intent("amb", "2026-05-04T15:00:00Z");
  j.failure("amb", "2026-05-04T15:00:02Z", 1500);
  j.envelope("amb", "2026-05-04T15:05:00Z", 20);  // recovery found it by its ref_id
  auto r = compute_heart_report(j.path);
  CHECK(r.submissions == 2);
  CHECK(r.broker_successes == 2);
  CHECK(r.broker_failures == 0);
  CHECK(metric(r, "Retention").value == "100.0% (2/2)");
}

TEST_CASE("P50 and P95 submission durations are nearest-rank over successes and failures") {
  JournalWriter j("latency.jsonl");
  j.accepted({90, 10, 50, 30, 70, 20, 60, 40, 80});  // out of order on purpose
  j.intent("slow", "2026-05-04T15:00:00Z");
  j.failure("slow", "2026-05-04T15:00:02Z", 1600);
  auto r = compute_heart_report(j.path);
  REQUIRE(r.p50_submission_ms.has_value());
  CHECK(*r.p50_submission_ms == 50);    // rank ceil(0.5 × 10) = 5
  CHECK(*r.p95_submission_ms == 1600);  // rank ceil(0.95 × 10) = 10: the failed, slowest one
  CHECK(metric(r, "Task Success").value == "P95 1600 ms, P50 50 ms (n=10)");
  CHECK(metric(r, "Task Success").verdict == "guardrail breached");
}

TEST_CASE("P95 is the 19th of 20 samples, which meets the 750 ms target here") {
  JournalWriter j("latency-20.jsonl");
  std::vector<long> latencies;
  for (long i = 1; i <= 20; ++i) latencies.push_back(i * 40);  // 40 … 800 ms
  j.accepted(latencies);
  auto r = compute_heart_report(j.path);
  CHECK(*r.p95_submission_ms == 760);
  CHECK(*r.p50_submission_ms == 400);
  CHECK(metric(r, "Task Success").verdict == "below target");  // 760 > 750, not over 1500
}

TEST_CASE("manual overrides are counted per trading week against the seed's 1 and 3") {
  JournalWriter j("overrides.jsonl");
  j.intent("a", "2026-05-04T14:00:00Z", true);   // Monday
  j.intent("b", "2026-05-10T14:00:00Z", true);   // Sunday, same week
  j.intent("c", "2026-05-11T14:00:00Z", true);   // next Monday
  for (int i = 0; i < 57; ++i) j.intent("x" + std::to_string(i), "2026-05-05T14:00:00Z");
  auto r = compute_heart_report(j.path);
  CHECK(r.manual_overrides == 3);
  CHECK(r.automated == 57);
  CHECK(r.weeks == 2);
  CHECK(r.max_overrides_in_a_week == 2);
  CHECK(metric(r, "Happiness").value == "worst week 2 (week of 2026-05-04); 3 in 2 weeks");
  CHECK(metric(r, "Happiness").verdict == "below target");
  CHECK(metric(r, "Engagement").value == "95.0% (57/60)");
  CHECK(metric(r, "Engagement").verdict == "meets target");
}

TEST_CASE("more than three overrides in one week breach the guardrail, and engagement drops with them") {
  JournalWriter j("overrides-many.jsonl");
  for (int i = 0; i < 4; ++i) j.intent("m" + std::to_string(i), "2026-05-06T14:00:00Z", true);
  for (int i = 0; i < 6; ++i) j.intent("x" + std::to_string(i), "2026-05-06T15:00:00Z");
  auto r = compute_heart_report(j.path);
  CHECK(metric(r, "Happiness").verdict == "guardrail breached");
  CHECK(metric(r, "Engagement").value == "60.0% (6/10)");
  CHECK(metric(r, "Engagement").verdict == "guardrail breached");
}

TEST_CASE("adoption is every journalled live intent against broker orders adopted from outside") {
  JournalWriter j("adoption.jsonl");
  j.accepted({100, 100, 100});
  CHECK(metric(compute_heart_report(j.path), "Adoption").value == "100.0% (3/3)");
  CHECK(metric(compute_heart_report(j.path), "Adoption").verdict == "meets target");
  j.add({{"ts", "2026-05-04T17:00:00Z"}, {"kind", "adopted"}, {"order_id", "placed-by-hand"}});
  auto r = compute_heart_report(j.path);
  CHECK(r.adopted == 1);
  CHECK(metric(r, "Adoption").value == "75.0% (3/4)");
  CHECK(metric(r, "Adoption").verdict == "below target");
}

TEST_CASE("records before --since are left out, and so are paper-mode records") {
  JournalWriter j("since.jsonl");
  j.intent("old", "2026-04-01T14:00:00Z", true);
  j.failure("old", "2026-04-01T14:00:01Z", 3000);
  j.intent("paper", "2026-05-04T14:00:00Z", true, "paper");
  j.envelope("paper", "2026-05-04T14:00:00Z", 1, "paper");
  j.accepted({200});
  auto since = oms::parse_iso8601("2026-05-01T00:00:00Z").value();
  auto r = compute_heart_report(j.path, since);
  CHECK(r.submissions == 1);
  CHECK(r.manual_overrides == 0);
  CHECK(r.broker_failures == 0);
  CHECK(r.paper_records == 2);
  CHECK(*r.p95_submission_ms == 200);
  auto all = compute_heart_report(j.path);
  CHECK(all.submissions == 2);
  CHECK(all.broker_failures == 1);
}

TEST_CASE("a torn last line is ignored") {
  JournalWriter j("torn.jsonl");
  j.accepted({120});
  j.file.reset();
  { std::ofstream(j.path, std::ios::app) << R"({"kind":"envelope","latency_ms":99)"; }
  auto r = compute_heart_report(j.path);
  CHECK(r.broker_successes == 1);
  CHECK(*r.p95_submission_ms == 120);
}

TEST_CASE("the rendered table and the JSON carry every dimension with its verdict") {
  JournalWriter j("render.jsonl");
  j.accepted({100, 300});
  auto r = compute_heart_report(j.path);
  auto text = oms::heart::render_heart_report(r);
  for (const char* dimension : {"Happiness", "Engagement", "Adoption", "Retention", "Task Success"})
    CHECK(text.find(dimension) != std::string::npos);
  CHECK(text.find("P95 300 ms, P50 100 ms (n=2)") != std::string::npos);
  auto doc = oms::heart::heart_report_json(r);
  CHECK(doc.at("submissions").as_int64() == 2);
  CHECK(doc.at("p95_submission_ms").as_int64() == 300);
  const auto& metrics = doc.at("metrics").as_array();
  REQUIRE(metrics.size() == 5);
  CHECK(metrics[3].at("dimension").as_string() == "Retention");
  CHECK(metrics[3].at("value").as_string() == "100.0% (2/2)");
  CHECK(metrics[3].at("verdict").as_string() == "meets target");
}
