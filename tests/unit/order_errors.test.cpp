// FR-012: the seed's error types carry a category and guidance.
#include "actors/order_errors.hpp"

#include <doctest/doctest.h>

using namespace oms;

TEST_CASE("FR-012: a failed submission becomes an OrderSubmissionError with its category and guidance") {
  SubmissionResult r;
  r.error = SubmissionError{SubmissionErrorCategory::transient_exhausted, "", "timed out", "retry later", "ref-1"};
  try {
    envelope_or_throw(r);
    FAIL("expected OrderSubmissionError");
  } catch (const OrderSubmissionError& e) {
    CHECK(e.category() == SubmissionErrorCategory::transient_exhausted);
    CHECK(e.category_name() == "transient_exhausted");
    CHECK(e.guidance() == "retry later");
    CHECK(std::string(e.what()) == "timed out — retry later");
  }
  SubmissionResult ok;
  ok.envelope = OrderEnvelope{};
  ok.envelope->order_id = "abc";
  CHECK(envelope_or_throw(ok).order_id == "abc");
}

TEST_CASE("FR-012: a failed status query becomes an OrderStatusError; not_found says to check the id") {
  StatusReply reply{std::nullopt, "order x: not_found", StatusErrorCategory::not_found};
  try {
    status_or_throw(reply);
    FAIL("expected OrderStatusError");
  } catch (const OrderStatusError& e) {
    CHECK(e.category() == StatusErrorCategory::not_found);
    CHECK(e.guidance().find("order id") != std::string::npos);
  }
}

TEST_CASE("FR-012: a kill switch run that left orders open becomes an OrderCancellationError") {
  CancelAllReport report;
  report.results.push_back(CancelResult{"a", "TSLA", CancelOutcome::cancelled, std::nullopt, ""});
  report.results.push_back(CancelResult{"b", "AAPL", CancelOutcome::failed, std::nullopt, "503"});
  report.open_orders_remaining = 1;
  CHECK_FALSE(all_confirmed(report));
  CHECK_THROWS_AS(confirmed_or_throw(report), OrderCancellationError);
  try {
    confirmed_or_throw(report);
  } catch (const OrderCancellationError& e) {
    CHECK(std::string(e.what()) == "1 of 2 cancels failed; 1 order(s) still open at the broker");
  }
  report.results.pop_back();
  report.open_orders_remaining = 0;
  CHECK(all_confirmed(report));
  CHECK(confirmed_or_throw(report).results.size() == 1);
}
