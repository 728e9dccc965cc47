#include "apps/oms/cli_error.hpp"

#include <boost/throw_exception.hpp>

#include <cstdio>
#include <stdexcept>

namespace oms::cli {

std::string CliError::line() const {
  std::string out = "oms: ";
  if (!field.empty()) out += field + ": ";
  out += rule;
  if (!what_to_do.empty()) out += " — " + what_to_do;
  // One line, whatever the broker's text holds.
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

void throw_exception_from_error(const CliError& e, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error(e.line()), loc);
}

CliError usage_error(std::string field, std::string rule, std::string what_to_do) {
  return CliError{exit_usage, std::move(field), std::move(rule), std::move(what_to_do)};
}

int exit_code_for(SubmissionErrorCategory category) {
  using C = SubmissionErrorCategory;
  switch (category) {
    case C::validation:
    case C::not_implemented: return exit_usage;
    case C::halted:
    case C::breaker_open: return exit_halted;
    case C::broker_rejected:
    case C::insufficient_funds: return exit_broker_rejected;
    case C::transient_exhausted:
    case C::ambiguous_unresolved: return exit_broker_unreachable;
    case C::login_required: return exit_login_required;
    case C::journal_failed:
    case C::internal: return exit_failure;
  }
  return exit_failure;
}

CliError login_required_error(const std::string& detail) {
  constexpr std::string_view kDash = " — ";
  auto dash = detail.find(kDash);
  if (dash == std::string::npos) return CliError{exit_login_required, "login required", detail, "run `oms login`"};
  return CliError{exit_login_required, "login required", detail.substr(0, dash), detail.substr(dash + kDash.size())};
}

CliError recovery_error(const std::string& error, const std::string& journal_path) {
  // The gateway's text: "…: login_required (HTTP 403): <cause> — <what to do>".
  if (auto at = error.find("login_required"); at != std::string::npos) {
    auto colon = error.find(": ", at);
    return login_required_error(colon == std::string::npos ? std::string() : error.substr(colon + 2));
  }
  if (error.find("journal") != std::string::npos)
    return CliError{exit_failure, "journal", error,
                    "nothing was sent; check that " + journal_path + " is a writable file (not a folder) on a disk with space"};
  return CliError{exit_code_for_broker_text(error), "recovery", error,
                  "nothing was sent; check the broker (--broker, credentials) and the journal at " + journal_path};
}

CliError from_submission_error(const SubmissionError& e) {
  using C = SubmissionErrorCategory;
  if (e.category == C::login_required) return login_required_error(e.message);
  std::string field = e.field;
  if (field.empty()) {
    switch (e.category) {
      case C::halted:
      case C::breaker_open: field = "submissions"; break;
      case C::broker_rejected:
      case C::insufficient_funds:
      case C::transient_exhausted:
      case C::ambiguous_unresolved: field = "broker"; break;
      case C::journal_failed: field = "journal"; break;
      default: break;
    }
  }
  std::string rule = e.message.empty() ? std::string(boost::describe::enum_to_string(e.category, "failed")) : e.message;
  return CliError{exit_code_for(e.category), std::move(field), std::move(rule), e.guidance};
}

int exit_code_for_broker_text(const std::string& text) {
  for (const char* unreachable : {"network", "server", "throttled", "did not answer", "timed out", "ambiguous"})
    if (text.find(unreachable) != std::string::npos) return exit_broker_unreachable;
  return exit_broker_rejected;
}

void print_error(const CliError& error) {
  std::string text = error.line() + "\n";
  std::fputs(text.c_str(), stderr);
}

}  // namespace oms::cli
