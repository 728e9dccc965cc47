#pragma once
/// Renders results.json: the Markdown tables (results.md), the README's table, the SVG plots, and
/// an indented JSON text for the committed results. Pure: JSON in, text out.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "bench/svg.hpp"

namespace oms::bench::report {

/// bench/results/results.md: every figure as a table, with the method and the settings.
std::string results_markdown(const boost::json::object& results);
/// The README's "Benchmarks" table: the headline numbers of a full run.
std::string readme_table(const boost::json::object& results);
/// Latency vs RTT of cancel-all with `orders` open orders (median), ours vs the baseline.
svg::LineChart cancel_all_chart(const boost::json::object& results, int orders);
/// P95 submission latency vs RTT, ours (both workloads) vs the baseline.
svg::LineChart submission_p95_chart(const boost::json::object& results);

/// Replaces the text between the lines `begin` and `end` (both kept) with `block`; false when
/// the markers are not both there.
bool replace_between(std::string& text, const std::string& begin, const std::string& end, const std::string& block);
/// JSON with two-space indentation, one member per line (diffs of committed results stay readable).
std::string pretty_json(const boost::json::value& value);
/// A latency for a table: "0.42", "12.3", "456".
std::string ms_text(double ms);

}  // namespace oms::bench::report
