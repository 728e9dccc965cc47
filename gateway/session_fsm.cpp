#include "gateway/session_fsm.hpp"

#include "gateway/totp.hpp"

#include <cstdlib>

namespace oms::gateway {
namespace json = boost::json;

namespace {

const json::object* object_at(const json::object* obj, std::string_view key) {
  if (!obj) return nullptr;
  const auto* v = obj->if_contains(key);
  return v ? v->if_object() : nullptr;
}

std::string text_at(const json::object* obj, std::string_view key) {
  if (!obj) return {};
  const auto* v = obj->if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Ids from the broker go into request paths: letters, digits, '-' and '_' only.
bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The parsed body when it is a JSON object (error bodies of other shapes are read as text).
std::optional<json::object> body_object(std::string_view body) {
  auto v = parse_json(body);
  if (!v || !v->is_object()) return std::nullopt;
  return std::move(v->as_object());
}

bool is_2xx(int status) { return status >= 200 && status < 300; }

bool mentions(std::string_view text, std::string_view word) { return text.find(word) != std::string_view::npos; }

// The broker's refusal of the password itself, as opposed to a refused one-time code.
bool refuses_credentials(std::string_view message) {
  return mentions(message, "credentials") || mentions(message, "password") || mentions(message, "username");
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

std::optional<ChallengeType> challenge_of(std::string_view type) {
  if (type == "prompt") return ChallengeType::prompt;
  if (type == "sms") return ChallengeType::sms;
  if (type == "email") return ChallengeType::email;
  return std::nullopt;
}

// robin_stocks 3.4 reads the challenge at `type_context.context`; the flow as documented in
// 2025 puts it at `context`. Both are accepted.
const json::object* sheriff_challenge(const json::object& view) {
  if (const auto* c = object_at(object_at(&view, "context"), "sheriff_challenge")) return c;
  return object_at(object_at(object_at(&view, "type_context"), "context"), "sheriff_challenge");
}

std::string seconds_text(std::chrono::seconds s) { return std::to_string(s.count()) + " s"; }

// The broker let the challenge or the workflow lapse: nobody answered in time.
bool lapsed(std::string_view status) { return mentions(status, "expired"); }

const char* const kLapsed = "the approval was not given before the broker's deadline — run `oms login` again";

}  // namespace

Credentials Credentials::from_environment() {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  return Credentials{env("RH_USERNAME"), env("RH_PASSWORD"), env("RH_MFA_SECRET"), env("RH_MFA_CODE")};
}

std::string_view to_string(ChallengeType type) noexcept {
  switch (type) {
    case ChallengeType::prompt: return "prompt";
    case ChallengeType::sms: return "sms";
    case ChallengeType::email: return "email";
    case ChallengeType::app: return "app";
  }
  return "unknown";
}

std::string_view to_string(LoginProblem problem) noexcept {
  switch (problem) {
    case LoginProblem::no_credentials: return "no_credentials";
    case LoginProblem::bad_credentials: return "bad_credentials";
    case LoginProblem::mfa_required: return "mfa_required";
    case LoginProblem::mfa_rejected: return "mfa_rejected";
    case LoginProblem::verification_required: return "verification_required";
    case LoginProblem::verification_denied: return "verification_denied";
    case LoginProblem::verification_timeout: return "verification_timeout";
    case LoginProblem::code_rejected: return "code_rejected";
    case LoginProblem::code_missing: return "code_missing";
    case LoginProblem::refresh_refused: return "refresh_refused";
    case LoginProblem::refresh_lost: return "refresh_lost";
    case LoginProblem::broker_unavailable: return "broker_unavailable";
    case LoginProblem::unexpected_answer: return "unexpected_answer";
  }
  return "unknown";
}

std::string_view to_string(SessionPhase phase) noexcept {
  switch (phase) {
    case SessionPhase::idle: return "idle";
    case SessionPhase::password: return "password";
    case SessionPhase::machine: return "machine";
    case SessionPhase::inquiry: return "inquiry";
    case SessionPhase::prompt: return "prompt";
    case SessionPhase::code: return "code";
    case SessionPhase::respond: return "respond";
    case SessionPhase::approve: return "approve";
    case SessionPhase::relogin: return "relogin";
    case SessionPhase::refresh: return "refresh";
    case SessionPhase::done: return "done";
  }
  return "unknown";
}

BrokerError login_error(LoginProblem, std::string cause, int http_status) {
  return BrokerError{FailureClass::permanent, ErrorKind::login_required, http_status, std::move(cause), 0,
                     FailureReason::unauthorized};
}

SessionFsm::SessionFsm(RequestOptions request_options, SessionSettings settings)
    : request_options_(std::move(request_options)), settings_(settings) {}

SessionStep SessionFsm::send(SessionPhase next, HttpRequestSpec request) {
  phase_ = next;
  return SendRequest{std::move(request)};
}

SessionStep SessionFsm::refuse(LoginProblem problem, std::string detail, int status) {
  phase_ = SessionPhase::done;
  return Refused{problem, login_error(problem, std::move(detail), status)};
}

SessionStep SessionFsm::start_login(Credentials credentials, std::string device_token, std::string request_id,
                                    Timestamp now) {
  if (credentials.username.empty() || credentials.password.empty())
    return refuse(LoginProblem::no_credentials,
                  "no usable session and no RH_USERNAME / RH_PASSWORD — run `oms login`");
  credentials_ = std::move(credentials);
  device_token_ = std::move(device_token);
  request_id_ = std::move(request_id);
  codes_left_ = settings_.code_attempts;
  return password_request(now);
}

SessionStep SessionFsm::start_refresh(std::string refresh_token, std::string device_token, Timestamp) {
  if (refresh_token.empty())
    return refuse(LoginProblem::refresh_refused, "the session has no refresh token — run `oms login`");
  return send(SessionPhase::refresh, refresh_request(request_options_, refresh_token, device_token));
}

SessionStep SessionFsm::password_request(Timestamp now) {
  LoginParams p{credentials_.username, credentials_.password, device_token_, std::nullopt, request_id_};
  if (typed_mfa_code_) {
    p.mfa_code = *typed_mfa_code_;
  } else if (!credentials_.mfa_code.empty()) {
    p.mfa_code = credentials_.mfa_code;
  } else if (!credentials_.mfa_secret.empty()) {
    auto key = base32_decode(credentials_.mfa_secret);
    if (!key)
      return refuse(LoginProblem::mfa_rejected,
                    "RH_MFA_SECRET is not a base32 authenticator secret — check RH_MFA_SECRET");
    p.mfa_code = totp(*key, std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()));
  }
  mfa_sent_ = p.mfa_code.has_value();
  return send(approved_ ? SessionPhase::relogin : SessionPhase::password, login_request(request_options_, p));
}

SessionStep SessionFsm::on_reply(const SessionReply& reply, Timestamp now) {
  switch (phase_) {
    case SessionPhase::password:
    case SessionPhase::relogin: return on_token_reply(reply, now);
    case SessionPhase::refresh: {
      if (!is_2xx(reply.status))
        return refuse(LoginProblem::refresh_refused,
                      "the broker refused the refresh token (" + broker_message(reply.body) +
                          ") — run `oms login`",
                      reply.status);
      auto parsed = parse_login_reply(reply.body);
      if (!parsed || !std::holds_alternative<TokenResponse>(*parsed))
        return refuse(LoginProblem::unexpected_answer, "the refresh answer carries no token — run `oms login`",
                      reply.status);
      phase_ = SessionPhase::done;
      return Granted{std::get<TokenResponse>(*parsed), false, true};
    }
    case SessionPhase::machine: {
      auto obj = body_object(reply.body);
      std::string id = obj ? text_at(&*obj, "id") : std::string();
      if (!is_2xx(reply.status))
        return refuse(LoginProblem::verification_denied,
                      "the broker refused to start the device approval (" + broker_message(reply.body) +
                          ") — run `oms login` again",
                      reply.status);
      if (!valid_id(id))
        return refuse(LoginProblem::unexpected_answer, "the device approval answer has no usable id", reply.status);
      machine_id_ = id;
      return send(SessionPhase::inquiry, inquiry_request(request_options_, machine_id_));
    }
    case SessionPhase::inquiry: return on_inquiry(reply, now);
    case SessionPhase::prompt: return on_prompt_status(reply, now);
    case SessionPhase::respond: return on_respond(reply, now);
    case SessionPhase::approve: return on_approve(reply, now);
    case SessionPhase::idle:
    case SessionPhase::code:
    case SessionPhase::done: break;
  }
  return refuse(LoginProblem::unexpected_answer, "an answer arrived when none was expected");
}

SessionStep SessionFsm::on_token_reply(const SessionReply& reply, Timestamp now) {
  auto obj = body_object(reply.body);
  if (const auto* workflow = obj ? object_at(&*obj, "verification_workflow") : nullptr) {
    if (approved_)
      return refuse(LoginProblem::verification_denied,
                    "the broker still wants this device verified after the approval — run `oms login` again",
                    reply.status);
    if (!settings_.interactive)
      return refuse(LoginProblem::verification_required,
                    "this device must be approved in the Robinhood app before it can log in — run `oms login`",
                    reply.status);
    std::string workflow_id = text_at(workflow, "id");
    if (!valid_id(workflow_id))
      return refuse(LoginProblem::unexpected_answer, "the verification workflow has no usable id", reply.status);
    return start_verification(workflow_id, now);
  }
  if (!is_2xx(reply.status) || (obj && obj->contains("mfa_required")))
    return on_login_refusal(reply, broker_message(reply.body));
  auto parsed = parse_login_reply(reply.body);
  if (!parsed || !std::holds_alternative<TokenResponse>(*parsed))
    return refuse(LoginProblem::unexpected_answer,
                  "the login answer carries no token" + (parsed ? std::string() : " (" + parsed.error().to_string() + ")"),
                  reply.status);
  const auto& token = std::get<TokenResponse>(*parsed);
  if (token.access_token.empty() || token.expires_in <= 0)
    return refuse(LoginProblem::unexpected_answer, "the login answer carries an empty or expired token", reply.status);
  phase_ = SessionPhase::done;
  return Granted{token, approved_, false};
}

SessionStep SessionFsm::on_login_refusal(const SessionReply& reply, const std::string& message) {
  auto obj = body_object(reply.body);
  bool wants_code = obj && obj->contains("mfa_required");
  bool code_refused = mfa_sent_ && (wants_code || !refuses_credentials(message));
  if (wants_code || code_refused) {
    code_rejected_ = code_refused;
    challenge_type_ = ChallengeType::app;
    if (settings_.interactive && codes_left_ > 0) return ask_code(code_refused);
    if (code_refused)
      return refuse(LoginProblem::mfa_rejected,
                    "the broker refused the authenticator code — check RH_MFA_SECRET (or RH_MFA_CODE) and the clock",
                    reply.status);
    return refuse(LoginProblem::mfa_required,
                  "the account wants an authenticator code — set RH_MFA_SECRET (or RH_MFA_CODE), or run `oms login`",
                  reply.status);
  }
  if (reply.status == 400 || reply.status == 401)
    return refuse(LoginProblem::bad_credentials,
                  "the broker refused the login (" + message + ") — check RH_USERNAME / RH_PASSWORD", reply.status);
  return refuse(LoginProblem::unexpected_answer, "the broker refused the login (" + message + ")", reply.status);
}

SessionStep SessionFsm::start_verification(std::string_view workflow_id, Timestamp now) {
  deadline_ = now + settings_.approval_timeout;
  return send(SessionPhase::machine, user_machine_request(request_options_, device_token_, workflow_id));
}

SessionStep SessionFsm::on_inquiry(const SessionReply& reply, Timestamp now) {
  if (!is_2xx(reply.status))
    return refuse(LoginProblem::verification_denied,
                  "the device approval failed (" + broker_message(reply.body) + ") — run `oms login` again",
                  reply.status);
  auto obj = body_object(reply.body);
  const auto* challenge = obj ? sheriff_challenge(*obj) : nullptr;
  if (!challenge) return poll_again(now);  // the workflow has not issued its challenge yet
  std::string id = text_at(challenge, "id");
  auto type = challenge_of(text_at(challenge, "type"));
  std::string status = text_at(challenge, "status");
  if (!valid_id(id) || !type)
    return refuse(LoginProblem::unexpected_answer,
                  "the device approval asks for a challenge this client does not know — approve the device in the "
                  "Robinhood app, then run `oms login` again",
                  reply.status);
  challenge_id_ = id;
  challenge_type_ = *type;
  if (status == "validated") return continue_workflow();
  if (lapsed(status)) return refuse(LoginProblem::verification_timeout, kLapsed, reply.status);
  if (status != "issued" && !status.empty())
    return refuse(LoginProblem::verification_denied,
                  "the device approval ended (" + status + ") — run `oms login` again", reply.status);
  if (*type == ChallengeType::prompt)
    return send(SessionPhase::prompt, prompt_status_request(request_options_, challenge_id_));
  return ask_code(false);
}

SessionStep SessionFsm::on_prompt_status(const SessionReply& reply, Timestamp now) {
  if (!is_2xx(reply.status))
    return refuse(LoginProblem::verification_denied,
                  "the approval prompt failed (" + broker_message(reply.body) + ") — run `oms login` again",
                  reply.status);
  auto obj = body_object(reply.body);
  std::string status = obj ? text_at(&*obj, "challenge_status") : std::string();
  if (status == "validated") return continue_workflow();
  if (status == "issued" || status == "pending" || status.empty()) return poll_again(now);
  if (lapsed(status)) return refuse(LoginProblem::verification_timeout, kLapsed, reply.status);
  return refuse(LoginProblem::verification_denied,
                "the login was not approved in the Robinhood app (" + status + ") — run `oms login` again",
                reply.status);
}

SessionStep SessionFsm::on_respond(const SessionReply& reply, Timestamp) {
  auto obj = body_object(reply.body);
  if (is_2xx(reply.status) && obj && text_at(&*obj, "status") == "validated") return continue_workflow();
  // robin_stocks reads `challenge.remaining_attempts`; a plain `remaining_attempts` is read too.
  const json::object* counts = obj ? object_at(&*obj, "challenge") : nullptr;
  if (!counts && obj) counts = &*obj;
  if (counts && lapsed(text_at(counts, "status"))) return refuse(LoginProblem::verification_timeout, kLapsed, reply.status);
  code_rejected_ = true;
  if (const auto* left = counts ? counts->if_contains("remaining_attempts") : nullptr; left && left->is_int64())
    codes_left_ = std::min<int>(codes_left_, static_cast<int>(std::max<std::int64_t>(left->as_int64(), 0)));
  if (codes_left_ <= 0)
    return refuse(LoginProblem::code_rejected,
                  "the broker refused the code (" + broker_message(reply.body) + ") — run `oms login` again",
                  reply.status);
  return ask_code(true);
}

SessionStep SessionFsm::on_approve(const SessionReply& reply, Timestamp now) {
  if (!is_2xx(reply.status))
    return refuse(LoginProblem::verification_denied,
                  "the device approval failed (" + broker_message(reply.body) + ") — run `oms login` again",
                  reply.status);
  auto obj = body_object(reply.body);
  std::string result = obj ? text_at(object_at(&*obj, "type_context"), "result") : std::string();
  if (result == "workflow_status_approved") {
    approved_ = true;
    return password_request(now);
  }
  if (result.empty() || mentions(result, "pending")) return poll_again(now);
  if (lapsed(result)) return refuse(LoginProblem::verification_timeout, kLapsed, reply.status);
  return refuse(LoginProblem::verification_denied,
                "the device approval ended as " + result + " — run `oms login` again", reply.status);
}

SessionStep SessionFsm::poll_again(Timestamp now) {
  if (!deadline_ || now >= *deadline_)
    return refuse(LoginProblem::verification_timeout,
                  "the login was not approved within " + seconds_text(settings_.approval_timeout) +
                      " — run `oms login` again and approve it in the Robinhood app");
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - now);
  return WaitFor{std::min(settings_.poll_interval, left)};
}

SessionStep SessionFsm::ask_code(bool after_rejection) {
  phase_ = SessionPhase::code;
  return AskCode{challenge_type_.value_or(ChallengeType::sms), codes_left_, after_rejection};
}

SessionStep SessionFsm::continue_workflow() {
  return send(SessionPhase::approve, inquiry_continue_request(request_options_, machine_id_));
}

SessionStep SessionFsm::on_failure(const BrokerError& error, Timestamp) {
  if (phase_ == SessionPhase::refresh && error.failure == FailureClass::ambiguous)
    return refuse(LoginProblem::refresh_lost,
                  "the refresh reply was lost, so the single-use refresh token may be spent — run `oms login`");
  phase_ = SessionPhase::done;
  return Refused{LoginProblem::broker_unavailable, error};
}

SessionStep SessionFsm::on_timer(Timestamp) {
  switch (phase_) {
    case SessionPhase::prompt: return send(phase_, prompt_status_request(request_options_, challenge_id_));
    case SessionPhase::approve: return send(phase_, inquiry_continue_request(request_options_, machine_id_));
    case SessionPhase::inquiry: return send(phase_, inquiry_request(request_options_, machine_id_));
    default: break;
  }
  return refuse(LoginProblem::unexpected_answer, "a timer fired when nothing was waiting");
}

SessionStep SessionFsm::on_code(std::optional<std::string> code, Timestamp now) {
  if (phase_ != SessionPhase::code)
    return refuse(LoginProblem::unexpected_answer, "a code arrived when none was asked for");
  std::string typed = code ? trimmed(*code) : std::string();
  if (typed.empty() || typed.size() > 64) {
    if (code_rejected_)
      return refuse(challenge_type_ == ChallengeType::app ? LoginProblem::mfa_rejected : LoginProblem::code_rejected,
                    "the broker refused the code — run `oms login` again");
    return refuse(LoginProblem::code_missing, "no code was given — run `oms login` again and type the code");
  }
  --codes_left_;
  if (challenge_type_ == ChallengeType::app) {
    typed_mfa_code_ = typed;
    return password_request(now);
  }
  return send(SessionPhase::respond, challenge_response_request(request_options_, challenge_id_, typed));
}

}  // namespace oms::gateway
