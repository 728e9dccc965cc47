#pragma once
/// The seed's error types (FR-012) for callers that prefer exceptions to result values. The
/// runtime itself never throws them: its APIs return SubmissionResult / StatusReply /
/// CancelAllReport, and these helpers turn a failed one into an exception that carries the
/// category and says what to do.
#include "messages/cancel.hpp"
#include "messages/status.hpp"
#include "messages/submission.hpp"

#include <stdexcept>
#include <string>

namespace oms {

/// Base of the three: a category name and guidance beside the message.
class OrderError : public std::runtime_error {
 public:
  OrderError(std::string category, const std::string& message, std::string guidance);
  const std::string& category_name() const noexcept { return category_; }
  const std::string& guidance() const noexcept { return guidance_; }

 private:
  std::string category_;
  std::string guidance_;
};

/// A submission failed (validation, broker_rejected, transient_exhausted, ambiguous_unresolved, …).
class OrderSubmissionError : public OrderError {
 public:
  explicit OrderSubmissionError(SubmissionError error);
  SubmissionErrorCategory category() const noexcept { return error_.category; }
  const SubmissionError& error() const noexcept { return error_; }

 private:
  SubmissionError error_;
};

/// The kill switch did not confirm every order (some failed, or the broker still lists open ones).
class OrderCancellationError : public OrderError {
 public:
  explicit OrderCancellationError(CancelAllReport report);
  const CancelAllReport& report() const noexcept { return report_; }

 private:
  CancelAllReport report_;
};

/// A status query failed.
class OrderStatusError : public OrderError {
 public:
  explicit OrderStatusError(const StatusReply& reply);
  StatusErrorCategory category() const noexcept { return category_; }

 private:
  StatusErrorCategory category_;
};

/// The envelope, or OrderSubmissionError.
OrderEnvelope envelope_or_throw(SubmissionResult result);
/// The status, or OrderStatusError.
OrderStatus status_or_throw(StatusReply reply);
/// The report when every order ended cancelled or filled and none is left open, else
/// OrderCancellationError.
CancelAllReport confirmed_or_throw(CancelAllReport report);
/// True when the kill switch run confirmed every order (the CLI's exit 0).
bool all_confirmed(const CancelAllReport& report);

}  // namespace oms
