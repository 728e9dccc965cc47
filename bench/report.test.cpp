// The benchmark's pure parts: percentiles, the SVG writer and the Markdown/README rendering.
#include "bench/report.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "bench/stats.hpp"
#include "bench/svg.hpp"

namespace json = boost::json;
using namespace oms::bench;

TEST_CASE("a nearest-rank percentile is a sample, never an interpolation") {
  std::vector<double> v{5, 1, 4, 2, 3};
  CHECK(percentile(v, 50) == 3);
  CHECK(percentile(v, 95) == 5);
  CHECK(percentile(v, 20) == 1);
  CHECK(percentile(v, 21) == 2);
  CHECK(percentile({}, 50) == 0);
  std::vector<double> hundred;
  for (int i = 1; i <= 100; ++i) hundred.push_back(i);
  CHECK(percentile(hundred, 95) == 95);
  CHECK(percentile(hundred, 99) == 99);
}

TEST_CASE("a summary reports the extremes, the percentiles and the mean") {
  auto s = summarize({10, 20, 30, 40});
  CHECK(s.count == 4);
  CHECK(s.min == 10);
  CHECK(s.max == 40);
  CHECK(s.p50 == 20);
  CHECK(s.mean == 25);
  auto j = to_json(s);
  CHECK(j.at("p95_ms").to_number<double>() == 40);
}

TEST_CASE("an axis maximum is a round multiple of a 1-2-5 step that covers the data") {
  CHECK(svg::nice_axis(97) == std::pair<double, double>{100, 20});
  CHECK(svg::nice_axis(1234) == std::pair<double, double>{1500, 500});
  CHECK(svg::nice_axis(0.8) == std::pair<double, double>{0.8, 0.2});
  CHECK(svg::nice_axis(0).first == 1);
}

TEST_CASE("the chart places every point inside the plot and escapes its text") {
  svg::LineChart c;
  c.title = "A < B & C";
  c.x_ticks = {0, 50, 100};
  c.series.push_back({"ours", "#123456", {{0, 10}, {100, 200}}, false});
  auto out = svg::render(c);
  CHECK(out.find("<svg") == 0);
  CHECK(out.find("A &lt; B &amp; C") != std::string::npos);
  CHECK(out.find("A < B") == std::string::npos);
  // x = 100 is the right edge of the plot (width 720 − right margin 20), y = 0 the bottom.
  CHECK(out.find("cx=\"700.0\"") != std::string::npos);
  CHECK(out.find("<polyline") != std::string::npos);
  CHECK(out.find("</svg>") != std::string::npos);
}

TEST_CASE("only the text between the README markers is replaced") {
  std::string readme = "# t\n<!-- bench:begin -->\nold table\n<!-- bench:end -->\nafter\n";
  CHECK(report::replace_between(readme, "<!-- bench:begin -->", "<!-- bench:end -->", "new\n"));
  CHECK(readme == "# t\n<!-- bench:begin -->\nnew\n<!-- bench:end -->\nafter\n");
  std::string no_markers = "nothing here\n";
  CHECK_FALSE(report::replace_between(no_markers, "<!-- bench:begin -->", "<!-- bench:end -->", "x"));
  CHECK(no_markers == "nothing here\n");
}

namespace {
json::object side(double p50, double p95) {
  return json::object{{"p50_ms", p50},
                      {"p95_ms", p95},
                      {"p99_ms", p95},
                      {"p50_rtt", p50 / 50},
                      {"requests_per_run", 27},
                      {"runs", 10},
                      {"requests_per_order", 1.0}};
}

json::object throttled(double p50, double four_twenty_nines, int unfinished) {
  auto o = side(p50, p50);
  o["throttled_429_per_run"] = four_twenty_nines;
  o["runs_not_finished"] = unfinished;
  return o;
}

json::object sample_results() {
  return json::object{{"quick", false},
                      {"started_at", "2024-01-01T00:00:00Z"},
                      {"commit", "abc1234"},
                      {"duration_s", 100},
                      {"machine", json::object{{"cores", 2},
                                               {"compiler", "12.2.0"},
                                               {"build_type", "Release"},
                                               {"load_average_before", json::array{1.5}},
                                               {"load_average_after", json::array{2.5}},
                                               {"journal_fdatasync_us_p50", 900}}},
                      {"settings", json::object{{"rtts_ms", json::array{0, 50}}}},
                      {"cancel_all", json::object{{"rows", json::array{json::object{{"rtt_ms", 50},
                                                                                    {"orders", 25},
                                                                                    {"ours", side(120, 150)},
                                                                                    {"baseline", side(1500, 1600)}},
                                                                       json::object{{"rtt_ms", 50},
                                                                                    {"orders", 5},
                                                                                    {"ours", side(100, 110)},
                                                                                    {"ours_limiter_open", side(90, 95)},
                                                                                    {"baseline", side(400, 420)}},
                                                                       json::object{{"rtt_ms", 50},
                                                                                    {"orders", 25},
                                                                                    {"broker_throttle", true},
                                                                                    {"ours", throttled(15200, 0, 0)},
                                                                                    {"baseline", throttled(60000, 8, 1)}}}}}},
                      {"submission", json::object{{"orders_per_setting", 1000},
                                                  {"streams", 8},
                                                  {"rows", json::array{json::object{{"rtt_ms", 50},
                                                                                    {"ours_repeated", side(55, 60)},
                                                                                    {"ours_distinct", side(105, 111)},
                                                                                    {"baseline", side(252, 256)}}}}}}};
}
}  // namespace

TEST_CASE("the Markdown tables carry each figure's numbers and the speed-up") {
  auto md = report::results_markdown(sample_results());
  CHECK(md.find("# Benchmark results") == 0);
  CHECK(md.find("| 50 ms | off | 25 | 120 / 150 | 2.4 | 27 / 0 | – | 1500 / 1600 | 30.0 | 27 / 0 | 10 |") !=
        std::string::npos);
  CHECK(md.find("| 27 / 0 | 90.0 (1.8) | 400 / 420 |") != std::string::npos);  // the limiter-opened variant
  // Under the broker's throttle: the 429s each side met, and the runs that never finished.
  CHECK(md.find("| 50 ms | Robinhood-like | 25 | 15200 / 15200 | 304.0 | 27 / 0 | – | 60000 / 60000 | 1200.0 | "
                "27 / 8 (1 runs unfinished) | 10 |") != std::string::npos);
  CHECK(md.find("55.0 / 60.0 / 60.0") != std::string::npos);
  CHECK(md.find("commit `abc1234`") != std::string::npos);
  CHECK(md.find("## 3.") == std::string::npos);  // a figure that did not run has no section
}

TEST_CASE("the README table shows cancel-all of 25 orders and P95 submission per RTT") {
  auto table = report::readme_table(sample_results());
  CHECK(table.find("| RTT 50 ms | RTT 50 ms, broker throttling |") != std::string::npos);
  CHECK(table.find("| ours (defaults) | 120 (0 × 429) | 15200 (0 × 429) |") != std::string::npos);
  CHECK(table.find("| baseline (robin_stocks pattern) | 1500 (0 × 429) | 60000 (8 × 429, unfinished) |") !=
        std::string::npos);
  CHECK(table.find("| ours, distinct symbols | 111 |") != std::string::npos);
  CHECK(table.find("| 400 |") == std::string::npos);  // the 5-order row is not in the README
}

TEST_CASE("the plots take their points from the rows of the right order count") {
  auto c = report::cancel_all_chart(sample_results(), 25);
  REQUIRE(c.series.size() == 2);
  REQUIRE(c.series[0].points.size() == 1);
  CHECK(c.series[0].points[0] == std::pair<double, double>{50, 120});
  CHECK(c.series[1].points[0] == std::pair<double, double>{50, 1500});
  auto s = report::submission_p95_chart(sample_results());
  REQUIRE(s.series.size() == 3);
  CHECK(s.series[2].points[0].second == 256);
}

TEST_CASE("pretty JSON keeps sample lists on one line and parses back to the same value") {
  json::value v = json::object{{"a", json::array{1, 2, 3}}, {"b", json::object{{"c", "d"}}}};
  auto text = report::pretty_json(v);
  CHECK(text.find("\"a\": [1,2,3]") != std::string::npos);
  CHECK(json::parse(text) == v);
}

TEST_CASE("latencies are printed with precision that fits their size") {
  CHECK(report::ms_text(0.4234) == "0.42");
  CHECK(report::ms_text(12.34) == "12.3");
  CHECK(report::ms_text(456.7) == "457");
}
