#pragma once
/// Wall-clock timestamps as carried in messages, the journal and broker payloads.
#include <boost/system/result.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace oms {

/// UTC time with microsecond resolution (the broker prints microseconds).
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

/// "2026-11-24T18:05:15.123456Z".
std::string format_iso8601(Timestamp t);
/// Accepts "YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+00:00|±HH:MM)"; other shapes are an error.
boost::system::result<Timestamp> parse_iso8601(std::string_view text);

}  // namespace oms
