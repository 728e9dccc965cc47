#pragma once
/// How `oms` fails: documented exit codes and the one line on stderr
/// ("oms: <field>: <rule> — <what to do>"), never a stack trace, never a secret.
#include "messages/submission.hpp"

#include <boost/system/result.hpp>

#include <string>

namespace oms::cli {

/// The exit codes `oms --help` documents.
enum ExitCode : int {
  exit_ok = 0,
  exit_failure = 1,             ///< anything else (journal not writable, a bug): see logs/oms.log
  exit_usage = 2,               ///< bad usage or a validation error
  exit_broker_rejected = 3,     ///< the broker refused (including insufficient funds)
  exit_broker_unreachable = 4,  ///< the broker could not be reached after the retries, or the outcome is unknown
  exit_halted = 5,              ///< circuit breaker open or submissions halted (kill switch)
  exit_login_required = 6,      ///< no usable broker session (or the credentials, MFA or approval failed): `oms login`
  exit_owner_unreachable = 7,   ///< another process holds the journal and does not answer (a wedged owner)
};

/// A failure to report: which field, which rule, what to do, and the exit code.
struct CliError {
  int exit_code = exit_failure;
  std::string field;       ///< "quantity", "--ref", "broker", … (may be empty)
  std::string rule;        ///< what is wrong
  std::string what_to_do;  ///< the next step for the operator (may be empty)
  /// "oms: field: rule — what to do" (one line: newlines are flattened).
  std::string line() const;
};

/// A value or the error that prevented it.
template <class T>
using outcome = boost::system::result<T, CliError>;
[[noreturn]] void throw_exception_from_error(const CliError& e, const boost::source_location&);

/// A usage error (exit 2).
CliError usage_error(std::string field, std::string rule, std::string what_to_do);

/// Exit code for a failed submission (seed FR-012 categories).
int exit_code_for(SubmissionErrorCategory category);
/// The CLI form of a failed submission: the field it names (or "broker" / "submissions").
CliError from_submission_error(const SubmissionError& error);
/// Exit code for a broker failure described as text ("order X: network: …"): 4 when the broker
/// could not be reached or did not answer, else 3.
int exit_code_for_broker_text(const std::string& text);

/// A login problem ("<cause> — <what to do>", the gateway's verdict text) as its one line, exit 6:
/// "oms: login required: <cause> — <what to do>".
CliError login_required_error(const std::string& detail);
/// Why start-up recovery failed, with the exit code and guidance of its cause (finding 13.16):
/// no session → 6, the journal → 1, else the broker (3 or 4).
CliError recovery_error(const std::string& error, const std::string& journal_path);

/// Writes `error.line()` to stderr.
void print_error(const CliError& error);

}  // namespace oms::cli
