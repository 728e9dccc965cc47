// Inputs the fuzzers in tests/fuzz found to break the pure code, one test per finding; each
// input is also kept in tests/fuzz/corpus/ so the fuzzers start from it.
#include "gateway/classify.hpp"
#include "messages/time.hpp"

#include <doctest/doctest.h>

using namespace oms::gateway;
using namespace std::chrono_literals;

namespace {
constexpr auto kWeek = std::chrono::hours(24 * 7);  // the longest wait classify reports
const auto kNow = std::chrono::sys_days(std::chrono::year(2026) / 11 / 24) + 18h;
}  // namespace

// fuzz_http_response: a date past 2262 overflowed system_clock's nanoseconds (UBSan: signed
// integer overflow in chrono), so the wait was garbage. Found as "retry-after: Tue, 24 Nov 2887 …".
TEST_CASE("a Retry-After date centuries ahead waits the capped week instead of overflowing") {
  CHECK(parse_retry_after("Tue, 24 Nov 2887 18:06:00 GMT", kNow) == kWeek);
  CHECK(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", kNow) == kWeek);
  CHECK(parse_retry_after("Sat, 01 Jan 0000 00:00:00 GMT", kNow) == 0ms);
  RequestContext order_post{RequestKind::place_order, false, false};
  auto f = classify_http(503, "Service Unavailable", "Tue, 24 Nov 2887 18:06:00 GMT", order_post, kNow);
  REQUIRE(f.has_value());
  CHECK(f->cls == FailureClass::transient);
  CHECK(f->retry_after == kWeek);
}

// Same fix: the date is compared in whole seconds, so a wait is never shorter than asked.
TEST_CASE("a Retry-After date half a second away from now waits until that second") {
  CHECK(parse_retry_after("Tue, 24 Nov 2026 18:00:30 GMT", kNow + 500ms) == 30s);
  CHECK(parse_retry_after("Tue, 24 Nov 2026 18:00:00 GMT", kNow + 500ms) == 0ms);
}

TEST_CASE("an accepted timestamp always formats back to one that parses (offsets at year 0000 and 9999)") {
  CHECK_FALSE(oms::parse_iso8601("0000-01-01T00:00:00+01:00").has_value());
  CHECK_FALSE(oms::parse_iso8601("9999-12-31T23:59:59-01:00").has_value());
  auto edge = oms::parse_iso8601("9999-12-31T22:59:59-01:00");
  REQUIRE(edge.has_value());
  CHECK((oms::parse_iso8601(oms::format_iso8601(*edge)).value() == *edge));
}
