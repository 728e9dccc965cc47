#pragma once
/// The login, device-approval and refresh sequence as an I/O-free state machine. Inputs are the
/// broker's answers (status and body), transport failures, timer expiries and codes typed by a
/// person, each with the current time; outputs are the next request to send, a wait, a question
/// for the person, or a verdict. The gateway's shell only carries requests and answers, so every
/// transition is unit-tested here without sockets (tests/gateway/session_fsm.test.cpp).
///
///   password ──token──────────────────────────────────────────────▶ granted
///      │ verification_workflow (interactive only; else: verification_required)
///      ▼
///   machine ─▶ inquiry ─┬─ prompt: poll push status until validated ─┐
///                       ├─ sms/email: ask code ─▶ respond (3 tries) ─┤
///                       └─ already validated ────────────────────────┤
///                                                                     ▼
///                              approve (POST user_view continue) ─▶ relogin ─token─▶ granted
///   refresh ─token─▶ granted;  refused ─▶ refresh_refused;  reply lost ─▶ refresh_lost
#include "gateway/broker_error.hpp"
#include "gateway/parse.hpp"
#include "gateway/requests.hpp"
#include "messages/time.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace oms::gateway {

/// Robinhood login secrets. Never logged, traced, journalled or put in an error message.
struct Credentials {
  std::string username;
  std::string password;
  std::string mfa_secret;  ///< base32 authenticator secret (TOTP computed here)
  std::string mfa_code;    ///< or a one-time code typed by the operator
  /// From RH_USERNAME, RH_PASSWORD, RH_MFA_SECRET / RH_MFA_CODE; empty when unset.
  static Credentials from_environment();
  bool empty() const { return username.empty() && password.empty(); }
};

/// How the broker wants a login confirmed by a person.
enum class ChallengeType {
  prompt,  ///< a notification in the Robinhood app: approve it there
  sms,     ///< a code sent by text message
  email,   ///< a code sent by e-mail
  app,     ///< the account's authenticator app (mfa_required)
};
std::string_view to_string(ChallengeType type) noexcept;

/// Why no session came out; each has its own cause and fix in the verdict's text.
enum class LoginProblem {
  no_credentials,         ///< no RH_USERNAME / RH_PASSWORD
  bad_credentials,        ///< the broker refused the username or password
  mfa_required,           ///< the account wants an authenticator code and none was given
  mfa_rejected,           ///< the authenticator code was refused (secret or clock wrong)
  verification_required,  ///< a new device met a verification workflow in a non-interactive process
  verification_denied,    ///< the login was denied in the app, or the workflow failed
  verification_timeout,   ///< nobody approved it in time
  code_rejected,          ///< the sms/email code was refused (and no further try was possible)
  code_missing,           ///< a code was asked for and none was given
  refresh_refused,        ///< the refresh token is spent, expired or revoked
  refresh_lost,           ///< the refresh reply was lost: the single-use token may be spent
  broker_unavailable,     ///< the broker could not be reached or did not answer (not a login problem)
  unexpected_answer,      ///< an answer of a shape this client does not know
};
std::string_view to_string(LoginProblem problem) noexcept;

/// Timing and manner of a login.
struct SessionSettings {
  /// A person is at a terminal: verification workflows are walked through and codes asked for.
  /// A bot, `oms serve` or `oms buy` is not: a workflow is a verdict (login required).
  bool interactive = false;
  std::chrono::seconds approval_timeout{300};      ///< how long to wait for the app's approval
  std::chrono::milliseconds poll_interval{2000};   ///< between approval polls
  int code_attempts = 3;                           ///< sms/email/app codes a person may type
};

/// One answer from the broker as the machine reads it: any 2xx or 4xx with its body.
struct SessionReply {
  int status = 200;
  std::string body;
};

/// Send this request and feed its answer (on_reply) or failure (on_failure).
struct SendRequest {
  HttpRequestSpec request;
};
/// Wait this long, then call on_timer.
struct WaitFor {
  std::chrono::milliseconds delay{0};
};
/// Ask the person for a code, then call on_code (nullopt when none can be had).
struct AskCode {
  ChallengeType type = ChallengeType::sms;
  int attempts_left = 0;
  bool after_rejection = false;  ///< the previous code was refused
};
/// A session: store it (before first use), then use it.
struct Granted {
  TokenResponse token;
  bool device_approved = false;  ///< a verification workflow was completed on the way
  bool refreshed = false;        ///< from the refresh grant
};
/// No session. `error.kind` is login_required, except broker_unavailable (the transport's own).
struct Refused {
  LoginProblem problem = LoginProblem::unexpected_answer;
  BrokerError error;
};
using SessionStep = std::variant<SendRequest, WaitFor, AskCode, Granted, Refused>;

/// Where the machine is; the shell shows a countdown in `prompt` and `approve`.
enum class SessionPhase { idle, password, machine, inquiry, prompt, code, respond, approve, relogin, refresh, done };
std::string_view to_string(SessionPhase phase) noexcept;

class SessionFsm {
 public:
  SessionFsm(RequestOptions request_options, SessionSettings settings);

  /// A password grant from `device_token` (kept across runs: a new one is a new device).
  /// `request_id` is sent as robin_stocks does; the TOTP code is computed from `now`.
  SessionStep start_login(Credentials credentials, std::string device_token, std::string request_id, Timestamp now);
  /// A refresh grant. The token is single-use: a lost reply is a verdict, never a repeat.
  SessionStep start_refresh(std::string refresh_token, std::string device_token, Timestamp now);

  /// A 2xx or 4xx answer to the last SendRequest (408 and 429 stay with the shell's retries).
  SessionStep on_reply(const SessionReply& reply, Timestamp now);
  /// The last request failed below HTTP or with 5xx/429 after the shell's retries.
  SessionStep on_failure(const BrokerError& error, Timestamp now);
  /// The last WaitFor has passed.
  SessionStep on_timer(Timestamp now);
  /// The person's answer to AskCode; nullopt when none can be had.
  SessionStep on_code(std::optional<std::string> code, Timestamp now);

  SessionPhase phase() const noexcept { return phase_; }
  /// While waiting for the app's approval: when the wait ends.
  std::optional<Timestamp> approval_deadline() const noexcept { return deadline_; }
  /// The challenge being answered, once known.
  std::optional<ChallengeType> challenge() const noexcept { return challenge_type_; }

 private:
  SessionStep send(SessionPhase next, HttpRequestSpec request);
  SessionStep refuse(LoginProblem problem, std::string detail, int status = 0);
  SessionStep password_request(Timestamp now);
  SessionStep on_token_reply(const SessionReply& reply, Timestamp now);
  SessionStep on_login_refusal(const SessionReply& reply, const std::string& message);
  SessionStep start_verification(std::string_view workflow_id, Timestamp now);
  SessionStep on_inquiry(const SessionReply& reply, Timestamp now);
  SessionStep on_prompt_status(const SessionReply& reply, Timestamp now);
  SessionStep on_respond(const SessionReply& reply, Timestamp now);
  SessionStep on_approve(const SessionReply& reply, Timestamp now);
  SessionStep poll_again(Timestamp now);
  SessionStep ask_code(bool after_rejection);
  SessionStep continue_workflow();

  RequestOptions request_options_;
  SessionSettings settings_;
  SessionPhase phase_ = SessionPhase::idle;
  Credentials credentials_;
  std::string device_token_;
  std::string request_id_;
  std::optional<std::string> typed_mfa_code_;  ///< an authenticator code a person typed
  bool mfa_sent_ = false;
  bool approved_ = false;
  std::string machine_id_;
  std::string challenge_id_;
  std::optional<ChallengeType> challenge_type_;
  std::optional<Timestamp> deadline_;
  int codes_left_ = 0;
  bool code_rejected_ = false;
};

/// The verdict's error for a problem (kind login_required; detail "<cause> — <what to do>").
BrokerError login_error(LoginProblem problem, std::string cause, int http_status = 0);

}  // namespace oms::gateway
