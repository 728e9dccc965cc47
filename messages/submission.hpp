#pragma once
/// The outcome of an order request (seed: OrderEnvelope or OrderSubmissionError).
#include "messages/codec.hpp"
#include "messages/order.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <optional>
#include <string>

namespace oms {

/// Why a submission failed; each says what the caller can do (FR-012).
BOOST_DEFINE_ENUM_CLASS(SubmissionErrorCategory,
                        validation,            ///< bad input: fix the named field
                        not_implemented,       ///< market/stop (FR-014): use a limit order
                        halted,                ///< kill switch latched: resume first
                        breaker_open,          ///< circuit breaker open: check the account, then resume
                        broker_rejected,       ///< the broker refused (its words in `message`)
                        insufficient_funds,    ///< not enough buying power; the breaker is now open
                        transient_exhausted,   ///< the broker could not be reached after the retries
                        ambiguous_unresolved,  ///< may exist at the broker: resolve `ref_id` before re-sending
                        login_required,        ///< no usable broker session: `oms login` (nothing was sent)
                        journal_failed,        ///< not sent: the intent could not be made durable
                        internal)              ///< a bug or a timeout between actors

/// A failed submission (seed: OrderSubmissionError).
struct SubmissionError {
  static constexpr const char* message_type = "SubmissionError";
  SubmissionErrorCategory category = SubmissionErrorCategory::internal;
  std::string field;     ///< for validation: which input
  std::string message;   ///< what happened (broker text when it is the broker's)
  std::string guidance;  ///< what to do next
  std::string ref_id;    ///< when an intent was journalled
  std::string to_string() const {
    std::string out = field.empty() ? message : field + ": " + message;
    return guidance.empty() ? out : out + " — " + guidance;
  }
};
BOOST_DESCRIBE_STRUCT(SubmissionError, (), (category, field, message, guidance, ref_id))

/// The reply to an OrderRequest: an envelope (new or, for a repeated request, the existing one)
/// or an error.
struct SubmissionResult {
  static constexpr const char* message_type = "SubmissionResult";
  std::optional<OrderEnvelope> envelope;
  bool duplicate = false;
  std::optional<SubmissionError> error;
};
BOOST_DESCRIBE_STRUCT(SubmissionResult, (), (envelope, duplicate, error))

}  // namespace oms
