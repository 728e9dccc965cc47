#include "actors/order_errors.hpp"

#include <algorithm>

namespace oms {

OrderError::OrderError(std::string category, const std::string& message, std::string guidance)
    : std::runtime_error(message), category_(std::move(category)), guidance_(std::move(guidance)) {}

OrderSubmissionError::OrderSubmissionError(SubmissionError error)
    : OrderError(boost::describe::enum_to_string(error.category, "internal"), error.to_string(), error.guidance),
      error_(std::move(error)) {}

namespace {

std::string cancellation_message(const CancelAllReport& r) {
  auto failed = std::count_if(r.results.begin(), r.results.end(),
                              [](const CancelResult& c) { return c.outcome == CancelOutcome::failed; });
  std::string open = r.open_orders_remaining < 0 ? "an unknown number of"
                                                 : std::to_string(r.open_orders_remaining);
  return std::to_string(failed) + " of " + std::to_string(r.results.size()) + " cancels failed; " + open +
         " order(s) still open at the broker";
}

}  // namespace

OrderCancellationError::OrderCancellationError(CancelAllReport report)
    : OrderError("cancellation_incomplete", cancellation_message(report),
                 "run cancel-all again; if orders stay open, cancel them in the broker's app and check the logs"),
      report_(std::move(report)) {}

OrderStatusError::OrderStatusError(const StatusReply& reply)
    : OrderError(boost::describe::enum_to_string(reply.category.value_or(StatusErrorCategory::internal), "internal"),
                 reply.error,
                 reply.category == StatusErrorCategory::not_found
                     ? "check the order id (oms orders lists the journal)"
                     : "retry; the broker may be unreachable"),
      category_(reply.category.value_or(StatusErrorCategory::internal)) {}

OrderEnvelope envelope_or_throw(SubmissionResult result) {
  if (result.envelope) return std::move(*result.envelope);
  throw OrderSubmissionError(result.error.value_or(
      SubmissionError{SubmissionErrorCategory::internal, "", "no envelope and no error", "report a bug", ""}));
}

OrderStatus status_or_throw(StatusReply reply) {
  if (reply.status) return std::move(*reply.status);
  throw OrderStatusError(reply);
}

bool all_confirmed(const CancelAllReport& report) {
  return report.open_orders_remaining == 0 &&
         std::all_of(report.results.begin(), report.results.end(), [](const CancelResult& c) {
           return c.outcome != CancelOutcome::failed;
         });
}

CancelAllReport confirmed_or_throw(CancelAllReport report) {
  if (!all_confirmed(report)) throw OrderCancellationError(std::move(report));
  return report;
}

}  // namespace oms
