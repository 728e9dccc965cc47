// The login / device-approval / refresh machine, every transition, without sockets.
#include "gateway/session_fsm.hpp"
#include "gateway/totp.hpp"
#include "gateway/url.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace oms;
using namespace oms::gateway;
using namespace std::chrono_literals;

namespace {

const Timestamp t0 = parse_iso8601("2026-01-05T14:30:00Z").value();
const std::string kDevice = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const std::string kToken =
    R"({"access_token":"A1","refresh_token":"R1","expires_in":86400,"token_type":"Bearer","scope":"internal"})";
const std::string kWorkflow =
    R"({"verification_workflow":{"id":"wf-1","workflow_status":"workflow_status_internal_pending"}})";

RequestOptions request_options() { return RequestOptions{parse_base_url("https://api.robinhood.com").value()}; }

SessionSettings interactive(bool yes = true) {
  SessionSettings s;
  s.interactive = yes;
  s.approval_timeout = 60s;
  s.poll_interval = 2s;
  s.code_attempts = 3;
  return s;
}

Credentials creds(std::string secret = {}) { return Credentials{"alice@example.com", "pw", std::move(secret), ""}; }

// By value: the steps are temporaries.
HttpRequestSpec sent(const SessionStep& step) {
  REQUIRE_MESSAGE(std::holds_alternative<SendRequest>(step), "expected a request, got step #", step.index());
  return std::get<SendRequest>(step).request;
}
Refused refused(const SessionStep& step) {
  REQUIRE_MESSAGE(std::holds_alternative<Refused>(step), "expected a verdict, got step #", step.index());
  return std::get<Refused>(step);
}
Granted granted(const SessionStep& step) {
  REQUIRE_MESSAGE(std::holds_alternative<Granted>(step), "expected a session, got step #", step.index());
  return std::get<Granted>(step);
}
AskCode asked(const SessionStep& step) {
  REQUIRE_MESSAGE(std::holds_alternative<AskCode>(step), "expected a question, got step #", step.index());
  return std::get<AskCode>(step);
}
std::chrono::milliseconds waited(const SessionStep& step) {
  REQUIRE_MESSAGE(std::holds_alternative<WaitFor>(step), "expected a wait, got step #", step.index());
  return std::get<WaitFor>(step).delay;
}

bool has_form_field(const HttpRequestSpec& r, const std::string& pair) {
  return ("&" + r.body + "&").find("&" + pair + "&") != std::string::npos;
}
boost::json::value json_body(const HttpRequestSpec& r) { return boost::json::parse(r.body); }

std::string challenge_view(const std::string& type, const std::string& status = "issued") {
  return R"({"context":{"sheriff_challenge":{"id":"ch-9","type":")" + type + R"(","status":")" + status + R"("}}})";
}
const std::string kApproved = R"({"type_context":{"result":"workflow_status_approved"}})";

// Drives an interactive login up to the challenge question or the first prompt poll.
struct Flow {
  SessionFsm fsm{request_options(), interactive()};
  SessionStep step = fsm.start_login(creds(), kDevice, "req-1", t0);
  void to_challenge(const std::string& type) {
    step = fsm.on_reply({403, kWorkflow}, t0);
    step = fsm.on_reply({200, R"({"id":"m-7"})"}, t0);
    step = fsm.on_reply({200, challenge_view(type)}, t0);
  }
};

}  // namespace

TEST_CASE("a password login sends the form robin_stocks sends, with the stored device token") {
  SessionFsm fsm(request_options(), interactive(false));
  const auto& r = sent(fsm.start_login(creds(), kDevice, "req-1", t0));
  CHECK(r.method == "POST");
  CHECK(r.target == "/oauth2/token/");
  CHECK(r.kind == RequestKind::login);
  CHECK_FALSE(r.authenticated);
  CHECK(has_form_field(r, "grant_type=password"));
  CHECK(has_form_field(r, "device_token=" + kDevice));
  CHECK(has_form_field(r, "request_id=req-1"));
  CHECK(r.body.find("mfa_code") == std::string::npos);
  CHECK(fsm.phase() == SessionPhase::password);
}

TEST_CASE("a login grants the token from a 200") {
  SessionFsm fsm(request_options(), interactive(false));
  fsm.start_login(creds(), kDevice, "req-1", t0);
  const auto& g = granted(fsm.on_reply({200, kToken}, t0));
  CHECK(g.token.access_token == "A1");
  CHECK(g.token.refresh_token == "R1");
  CHECK(g.token.expires_in == 86400);
  CHECK_FALSE(g.device_approved);
  CHECK_FALSE(g.refreshed);
  CHECK(fsm.phase() == SessionPhase::done);
}

TEST_CASE("finding 16: missing credentials are a login problem, not a broker rejection") {
  SessionFsm fsm(request_options(), interactive(false));
  const auto& r = refused(fsm.start_login(Credentials{}, kDevice, "req-1", t0));
  CHECK(r.problem == LoginProblem::no_credentials);
  CHECK(r.error.kind == ErrorKind::login_required);
  CHECK(r.error.detail.find("oms login") != std::string::npos);
  Credentials no_password{"alice", "", "", ""};
  CHECK(refused(SessionFsm(request_options(), {}).start_login(no_password, kDevice, "", t0)).problem ==
        LoginProblem::no_credentials);
}

TEST_CASE("the TOTP code is computed from the secret at the time of sending") {
  SessionFsm fsm(request_options(), interactive(false));
  const auto& r = sent(fsm.start_login(creds("JBSWY3DPEHPK3PXP"), kDevice, "req-1", t0));
  auto key = base32_decode("JBSWY3DPEHPK3PXP").value();
  auto code = totp(key, std::chrono::duration_cast<std::chrono::seconds>(t0.time_since_epoch()));
  CHECK(has_form_field(r, "mfa_code=" + code));
  Credentials typed{"alice", "pw", "", "123456"};
  CHECK(has_form_field(sent(SessionFsm(request_options(), {}).start_login(typed, kDevice, "", t0)), "mfa_code=123456"));
}

TEST_CASE("finding 16: a secret that is not base32 is refused before anything is sent, naming RH_MFA_SECRET") {
  SessionFsm fsm(request_options(), interactive(false));
  const auto& r = refused(fsm.start_login(creds("not base32!"), kDevice, "req-1", t0));
  CHECK(r.problem == LoginProblem::mfa_rejected);
  CHECK(r.error.detail.find("RH_MFA_SECRET") != std::string::npos);
}

TEST_CASE("finding 16: a wrong password and a wrong MFA code are told apart, each with its fix") {
  SessionFsm bad_password(request_options(), interactive(false));
  bad_password.start_login(creds("JBSWY3DPEHPK3PXP"), kDevice, "", t0);
  const auto& pw = refused(bad_password.on_reply({400, R"({"detail":"Unable to log in with provided credentials."})"}, t0));
  CHECK(pw.problem == LoginProblem::bad_credentials);
  CHECK(pw.error.kind == ErrorKind::login_required);
  CHECK(pw.error.detail.find("RH_USERNAME / RH_PASSWORD") != std::string::npos);

  SessionFsm bad_code(request_options(), interactive(false));
  bad_code.start_login(creds("JBSWY3DPEHPK3PXP"), kDevice, "", t0);
  const auto& code = refused(bad_code.on_reply({400, R"({"detail":"Please enter a valid code."})"}, t0));
  CHECK(code.problem == LoginProblem::mfa_rejected);
  CHECK(code.error.detail.find("check RH_MFA_SECRET") != std::string::npos);
}

TEST_CASE("an account that wants an authenticator code: a bot is told to set RH_MFA_SECRET") {
  SessionFsm fsm(request_options(), interactive(false));
  fsm.start_login(creds(), kDevice, "", t0);
  const auto& r = refused(fsm.on_reply({400, R"({"mfa_required":true,"mfa_type":"app"})"}, t0));
  CHECK(r.problem == LoginProblem::mfa_required);
  CHECK(r.error.detail.find("RH_MFA_SECRET") != std::string::npos);
}

TEST_CASE("an account that wants an authenticator code: a person is asked, and a refused code is asked again") {
  SessionFsm fsm(request_options(), interactive());
  fsm.start_login(creds(), kDevice, "", t0);
  const auto& q = asked(fsm.on_reply({400, R"({"mfa_required":true,"mfa_type":"app"})"}, t0));
  CHECK(q.type == ChallengeType::app);
  CHECK_FALSE(q.after_rejection);
  CHECK(fsm.phase() == SessionPhase::code);
  CHECK(has_form_field(sent(fsm.on_code(std::string("111111\n"), t0)), "mfa_code=111111"));
  const auto& again = asked(fsm.on_reply({400, R"({"detail":"Please enter a valid code."})"}, t0));
  CHECK(again.after_rejection);
  CHECK(again.attempts_left == 2);
  CHECK(has_form_field(sent(fsm.on_code(std::string("222222"), t0)), "mfa_code=222222"));
  CHECK(granted(fsm.on_reply({200, kToken}, t0)).token.access_token == "A1");
}

TEST_CASE("a person who runs out of authenticator tries gets mfa_rejected") {
  SessionFsm fsm(request_options(), interactive());
  fsm.start_login(creds(), kDevice, "", t0);
  fsm.on_reply({400, R"({"mfa_required":true})"}, t0);
  for (int i = 0; i < 3; ++i) {
    sent(fsm.on_code(std::string("000000"), t0));
    auto step = fsm.on_reply({400, R"({"detail":"Please enter a valid code."})"}, t0);
    if (i < 2) {
      CHECK(asked(step).attempts_left == 2 - i);
    } else {
      CHECK(refused(step).problem == LoginProblem::mfa_rejected);
    }
  }
}

TEST_CASE("a non-interactive process that meets a verification workflow gets login_required at once") {
  for (int status : {200, 400, 403}) {
    SessionFsm fsm(request_options(), interactive(false));
    fsm.start_login(creds(), kDevice, "", t0);
    const auto& r = refused(fsm.on_reply({status, kWorkflow}, t0));
    CHECK(r.problem == LoginProblem::verification_required);
    CHECK(r.error.kind == ErrorKind::login_required);
    CHECK(r.error.detail.find("run `oms login`") != std::string::npos);
    CHECK(fsm.phase() == SessionPhase::done);
  }
}

TEST_CASE("a person's login walks the workflow: user_machine with the device token, then the inquiry") {
  Flow f;
  const auto& machine = sent(f.fsm.on_reply({403, kWorkflow}, t0));
  CHECK(machine.method == "POST");
  CHECK(machine.target == "/pathfinder/user_machine/");
  CHECK(machine.content_type == "application/json");
  CHECK(machine.kind == RequestKind::verification);
  CHECK_FALSE(machine.authenticated);
  auto body = json_body(machine);
  CHECK(body.at("device_id") == kDevice.c_str());
  CHECK(body.at("flow") == "suv");
  CHECK(body.at("input").at("workflow_id") == "wf-1");
  CHECK(f.fsm.approval_deadline() == t0 + 60s);
  const auto& inquiry = sent(f.fsm.on_reply({200, R"({"id":"m-7"})"}, t0));
  CHECK(inquiry.method == "GET");
  CHECK(inquiry.target == "/pathfinder/inquiries/m-7/user_view/");
}

TEST_CASE("a prompt challenge is polled until the app approves it, then the workflow continues and the login repeats") {
  Flow f;
  f.to_challenge("prompt");
  const auto& poll = sent(f.step);
  CHECK(poll.target == "/push/ch-9/get_prompts_status/");
  CHECK(f.fsm.phase() == SessionPhase::prompt);
  CHECK(f.fsm.challenge() == ChallengeType::prompt);
  CHECK(waited(f.fsm.on_reply({200, R"({"challenge_status":"issued"})"}, t0)) == 2s);
  CHECK(sent(f.fsm.on_timer(t0 + 2s)).target == "/push/ch-9/get_prompts_status/");
  const auto& cont = sent(f.fsm.on_reply({200, R"({"challenge_status":"validated"})"}, t0 + 2s));
  CHECK(cont.method == "POST");
  CHECK(cont.target == "/pathfinder/inquiries/m-7/user_view/");
  auto body = json_body(cont);
  CHECK(body.at("sequence") == 0);
  CHECK(body.at("user_input").at("status") == "continue");
  const auto& relogin = sent(f.fsm.on_reply({200, kApproved}, t0 + 2s));
  CHECK(relogin.target == "/oauth2/token/");
  CHECK(has_form_field(relogin, "device_token=" + kDevice));
  CHECK(f.fsm.phase() == SessionPhase::relogin);
  const auto& g = granted(f.fsm.on_reply({200, kToken}, t0 + 2s));
  CHECK(g.device_approved);
}

TEST_CASE("a prompt denied in the app ends the login with verification_denied") {
  Flow f;
  f.to_challenge("prompt");
  const auto& r = refused(f.fsm.on_reply({200, R"({"challenge_status":"denied"})"}, t0));
  CHECK(r.problem == LoginProblem::verification_denied);
  CHECK(r.error.kind == ErrorKind::login_required);
  Flow g;
  g.to_challenge("prompt");
  CHECK(refused(g.fsm.on_reply({400, R"({"detail":"Challenge failed."})"}, t0)).problem ==
        LoginProblem::verification_denied);
}

TEST_CASE("a prompt nobody approves times out at the deadline, the last wait cut short to it") {
  Flow f;
  f.to_challenge("prompt");
  CHECK(waited(f.fsm.on_reply({200, R"({"challenge_status":"issued"})"}, t0 + 59s)) == 1s);
  sent(f.fsm.on_timer(t0 + 60s));
  const auto& r = refused(f.fsm.on_reply({200, R"({"challenge_status":"issued"})"}, t0 + 60s));
  CHECK(r.problem == LoginProblem::verification_timeout);
  CHECK(r.error.detail.find("60 s") != std::string::npos);
}

TEST_CASE("a challenge or workflow the broker let lapse is verification_timeout, not a denial") {
  Flow prompt;
  prompt.to_challenge("prompt");
  CHECK(refused(prompt.fsm.on_reply({200, R"({"challenge_status":"expired"})"}, t0)).problem ==
        LoginProblem::verification_timeout);
  Flow inquiry;
  inquiry.step = inquiry.fsm.on_reply({403, kWorkflow}, t0);
  inquiry.step = inquiry.fsm.on_reply({200, R"({"id":"m-7"})"}, t0);
  CHECK(refused(inquiry.fsm.on_reply({200, challenge_view("sms", "expired")}, t0)).problem ==
        LoginProblem::verification_timeout);
  Flow late_code;
  late_code.to_challenge("sms");
  sent(late_code.fsm.on_code(std::string("123456"), t0));
  const auto r = refused(late_code.fsm.on_reply(
      {400, R"({"detail":"This challenge is expired.","challenge":{"id":"ch-9","status":"expired","remaining_attempts":3}})"},
      t0));
  CHECK(r.problem == LoginProblem::verification_timeout);
  CHECK(r.error.detail.find("deadline") != std::string::npos);
  Flow workflow;
  workflow.to_challenge("prompt");
  sent(workflow.fsm.on_reply({200, R"({"challenge_status":"validated"})"}, t0));
  CHECK(refused(workflow.fsm.on_reply({200, R"({"type_context":{"result":"workflow_status_expired"}})"}, t0)).problem ==
        LoginProblem::verification_timeout);
}

TEST_CASE("an sms challenge asks for the code, sends it, and continues once validated") {
  Flow f;
  f.to_challenge("sms");
  const auto& q = asked(f.step);
  CHECK(q.type == ChallengeType::sms);
  CHECK(q.attempts_left == 3);
  CHECK_FALSE(q.after_rejection);
  const auto& respond = sent(f.fsm.on_code(std::string(" 654321 "), t0));
  CHECK(respond.method == "POST");
  CHECK(respond.target == "/challenge/ch-9/respond/");
  CHECK(json_body(respond).at("response") == "654321");
  CHECK(respond.redacted().find("654321") == std::string::npos);
  CHECK(sent(f.fsm.on_reply({200, R"({"status":"validated"})"}, t0)).target == "/pathfinder/inquiries/m-7/user_view/");
  sent(f.fsm.on_reply({200, kApproved}, t0));
  CHECK(granted(f.fsm.on_reply({200, kToken}, t0)).device_approved);
}

TEST_CASE("an email challenge works as sms does") {
  Flow f;
  f.to_challenge("email");
  CHECK(asked(f.step).type == ChallengeType::email);
}

TEST_CASE("a wrong sms code is asked again until the tries run out, then code_rejected") {
  Flow f;
  f.to_challenge("sms");
  for (int i = 0; i < 3; ++i) {
    sent(f.fsm.on_code(std::string("000000"), t0));
    auto step = f.fsm.on_reply({400, R"({"detail":"Invalid code."})"}, t0);
    if (i < 2) {
      CHECK(asked(step).after_rejection);
      CHECK(asked(step).attempts_left == 2 - i);
    } else {
      CHECK(refused(step).problem == LoginProblem::code_rejected);
    }
  }
}

TEST_CASE("the broker's remaining_attempts caps the tries") {
  Flow f;
  f.to_challenge("sms");
  sent(f.fsm.on_code(std::string("000000"), t0));
  CHECK(refused(f.fsm.on_reply({400, R"({"challenge":{"remaining_attempts":0}})"}, t0)).problem ==
        LoginProblem::code_rejected);
}

TEST_CASE("no code given: code_missing, or code_rejected after a refused one") {
  Flow f;
  f.to_challenge("sms");
  CHECK(refused(f.fsm.on_code(std::nullopt, t0)).problem == LoginProblem::code_missing);
  Flow g;
  g.to_challenge("sms");
  sent(g.fsm.on_code(std::string("000000"), t0));
  asked(g.fsm.on_reply({400, R"({"detail":"Invalid code."})"}, t0));
  CHECK(refused(g.fsm.on_code(std::string("  "), t0)).problem == LoginProblem::code_rejected);
}

TEST_CASE("a challenge already validated skips straight to the workflow's continue") {
  Flow f;
  f.to_challenge("prompt");
  Flow g;
  g.step = g.fsm.on_reply({403, kWorkflow}, t0);
  g.step = g.fsm.on_reply({200, R"({"id":"m-7"})"}, t0);
  CHECK(sent(g.fsm.on_reply({200, challenge_view("sms", "validated")}, t0)).method == "POST");
  CHECK(g.fsm.phase() == SessionPhase::approve);
}

TEST_CASE("robin_stocks' shape of the inquiry (type_context.context) is read too") {
  Flow f;
  f.step = f.fsm.on_reply({403, kWorkflow}, t0);
  f.step = f.fsm.on_reply({200, R"({"id":"m-7"})"}, t0);
  auto step = f.fsm.on_reply(
      {200, R"({"type_context":{"context":{"sheriff_challenge":{"id":"ch-9","type":"prompt","status":"issued"}}}})"}, t0);
  CHECK(sent(step).target == "/push/ch-9/get_prompts_status/");
}

TEST_CASE("an inquiry without a challenge yet is asked again after a wait") {
  Flow f;
  f.step = f.fsm.on_reply({403, kWorkflow}, t0);
  f.step = f.fsm.on_reply({200, R"({"id":"m-7"})"}, t0);
  CHECK(waited(f.fsm.on_reply({200, R"({"context":{}})"}, t0)) == 2s);
  CHECK(sent(f.fsm.on_timer(t0 + 2s)).target == "/pathfinder/inquiries/m-7/user_view/");
}

TEST_CASE("a pending workflow result is posted again; a failed one is verification_denied") {
  Flow f;
  f.to_challenge("sms");
  sent(f.fsm.on_code(std::string("123456"), t0));
  sent(f.fsm.on_reply({200, R"({"status":"validated"})"}, t0));
  CHECK(waited(f.fsm.on_reply({200, R"({"type_context":{"result":"workflow_status_internal_pending"}})"}, t0)) == 2s);
  CHECK(sent(f.fsm.on_timer(t0 + 2s)).method == "POST");
  const auto& r = refused(f.fsm.on_reply({200, R"({"type_context":{"result":"workflow_status_denied"}})"}, t0));
  CHECK(r.problem == LoginProblem::verification_denied);
}

TEST_CASE("a workflow again after the approval is not looped: verification_denied") {
  Flow f;
  f.to_challenge("prompt");
  sent(f.fsm.on_reply({200, R"({"challenge_status":"validated"})"}, t0));
  sent(f.fsm.on_reply({200, kApproved}, t0));
  CHECK(refused(f.fsm.on_reply({403, kWorkflow}, t0)).problem == LoginProblem::verification_denied);
}

TEST_CASE("ids from the broker that could change a request path are refused") {
  Flow f;
  f.step = f.fsm.on_reply({403, kWorkflow}, t0);
  CHECK(refused(f.fsm.on_reply({200, R"({"id":"../accounts"})"}, t0)).problem == LoginProblem::unexpected_answer);
  SessionFsm g(request_options(), interactive());
  g.start_login(creds(), kDevice, "", t0);
  CHECK(refused(g.on_reply({403, R"({"verification_workflow":{"id":"a/b"}})"}, t0)).problem ==
        LoginProblem::unexpected_answer);
  Flow h;
  h.step = h.fsm.on_reply({403, kWorkflow}, t0);
  h.step = h.fsm.on_reply({200, R"({"id":"m-7"})"}, t0);
  CHECK(refused(h.fsm.on_reply({200, challenge_view("carrier_pigeon")}, t0)).problem ==
        LoginProblem::unexpected_answer);
}

TEST_CASE("a refused start of the workflow, or an inquiry error, is verification_denied with the broker's words") {
  Flow f;
  f.step = f.fsm.on_reply({403, kWorkflow}, t0);
  const auto& r = refused(f.fsm.on_reply({400, R"({"detail":"Workflow expired."})"}, t0));
  CHECK(r.problem == LoginProblem::verification_denied);
  CHECK(r.error.detail.find("Workflow expired.") != std::string::npos);
  Flow g;
  g.step = g.fsm.on_reply({403, kWorkflow}, t0);
  g.step = g.fsm.on_reply({200, R"({"id":"m-7"})"}, t0);
  CHECK(refused(g.fsm.on_reply({404, R"({"detail":"Not found."})"}, t0)).problem == LoginProblem::verification_denied);
  Flow h;
  h.step = h.fsm.on_reply({403, kWorkflow}, t0);
  h.step = h.fsm.on_reply({200, R"({"id":"m-7"})"}, t0);
  CHECK(refused(h.fsm.on_reply({200, challenge_view("sms", "failed")}, t0)).problem ==
        LoginProblem::verification_denied);
}

TEST_CASE("a broker that cannot be reached during a login keeps its own error kind (not a login problem)") {
  SessionFsm fsm(request_options(), interactive(false));
  fsm.start_login(creds(), kDevice, "", t0);
  BrokerError down{FailureClass::transient, ErrorKind::network, 0, "connection refused before sending", 3};
  const auto& r = refused(fsm.on_failure(down, t0));
  CHECK(r.problem == LoginProblem::broker_unavailable);
  CHECK(r.error.kind == ErrorKind::network);
  Flow f;
  f.to_challenge("prompt");
  CHECK(refused(f.fsm.on_failure(BrokerError{FailureClass::transient, ErrorKind::server, 503, "", 3}, t0)).problem ==
        LoginProblem::broker_unavailable);
}

TEST_CASE("a token answer without a usable token is unexpected_answer, never a session") {
  for (std::string body : {R"({"access_token":"","expires_in":86400})", R"({"access_token":"A","expires_in":0})",
                           R"(not json)", R"({"challenge":{"id":"c1"}})"}) {
    SessionFsm fsm(request_options(), interactive(false));
    fsm.start_login(creds(), kDevice, "", t0);
    INFO(body);
    CHECK(refused(fsm.on_reply({200, body}, t0)).problem == LoginProblem::unexpected_answer);
  }
}

TEST_CASE("a refresh is sent once, not marked safe to repeat, and rotates the tokens") {
  SessionFsm fsm(request_options(), interactive(false));
  const auto& r = sent(fsm.start_refresh("R1", kDevice, t0));
  CHECK(r.kind == RequestKind::refresh);
  CHECK_FALSE(r.idempotent);
  CHECK(has_form_field(r, "grant_type=refresh_token"));
  CHECK(has_form_field(r, "refresh_token=R1"));
  CHECK(r.redacted().find("R1") == std::string::npos);
  const auto& g = granted(fsm.on_reply({200, kToken}, t0));
  CHECK(g.refreshed);
  CHECK(g.token.refresh_token == "R1");
}

TEST_CASE("a refused refresh is refresh_refused; without a refresh token nothing is sent") {
  SessionFsm fsm(request_options(), interactive(false));
  fsm.start_refresh("R1", kDevice, t0);
  const auto& r = refused(fsm.on_reply({400, R"({"error":"invalid_grant"})"}, t0));
  CHECK(r.problem == LoginProblem::refresh_refused);
  CHECK(r.error.kind == ErrorKind::login_required);
  CHECK(refused(SessionFsm(request_options(), {}).start_refresh("", kDevice, t0)).problem ==
        LoginProblem::refresh_refused);
}

TEST_CASE("a refresh whose reply was lost is refresh_lost: the spent token is never sent again") {
  SessionFsm fsm(request_options(), interactive(false));
  fsm.start_refresh("R1", kDevice, t0);
  BrokerError lost{FailureClass::ambiguous, ErrorKind::network, 0, "timed out after the request was sent", 1};
  const auto& r = refused(fsm.on_failure(lost, t0));
  CHECK(r.problem == LoginProblem::refresh_lost);
  CHECK(r.error.kind == ErrorKind::login_required);
  CHECK(fsm.phase() == SessionPhase::done);
  // A refresh refused before it was sent (503, connection refused) did not spend the token.
  SessionFsm early(request_options(), interactive(false));
  early.start_refresh("R1", kDevice, t0);
  BrokerError refused_early{FailureClass::transient, ErrorKind::server, 503, "", 3};
  CHECK(refused(early.on_failure(refused_early, t0)).problem == LoginProblem::broker_unavailable);
}

TEST_CASE("inputs out of turn are refused, never crash") {
  SessionFsm fsm(request_options(), interactive(false));
  CHECK(refused(fsm.on_reply({200, kToken}, t0)).problem == LoginProblem::unexpected_answer);
  SessionFsm timer(request_options(), interactive(false));
  CHECK(refused(timer.on_timer(t0)).problem == LoginProblem::unexpected_answer);
  SessionFsm code(request_options(), interactive(false));
  CHECK(refused(code.on_code(std::string("1"), t0)).problem == LoginProblem::unexpected_answer);
}

TEST_CASE("verdict texts name the cause and the fix, and never a secret") {
  SessionFsm fsm(request_options(), interactive(false));
  fsm.start_login(Credentials{"alice@example.com", "hunter2", "", "918273"}, kDevice, "", t0);
  const auto& r = refused(fsm.on_reply({400, R"({"detail":"Please enter a valid code."})"}, t0));
  for (const char* secret : {"alice@example.com", "hunter2", "918273", kDevice.c_str()})
    CHECK(r.error.detail.find(secret) == std::string::npos);
  CHECK(r.error.detail.find(" — ") != std::string::npos);
}
