// Sessions: POST /oauth2/token/ (password and refresh grants), bearer authentication, and the
// device-verification flow a login from an unknown device must go through first — the
// pathfinder / sheriff-challenge endpoints exactly as robin_stocks 3.4 calls them.
#include "apps/rh-sim/broker.hpp"
#include "apps/rh-sim/replies.hpp"
#include "gateway/totp.hpp"

#include <boost/json.hpp>

namespace rhsim {
namespace json = boost::json;
using namespace detail;
using oms::Timestamp;

namespace {

std::string form_value(const Params& form, const char* key) {
  auto it = form.find(key);
  return it == form.end() ? std::string{} : it->second;
}

std::int64_t unix_seconds(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Timestamp from_unix(std::int64_t seconds) { return Timestamp{std::chrono::seconds(seconds)}; }

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// "/pathfinder/inquiries/<M>/user_view/" → "<M>" given prefix "/pathfinder/inquiries/" and
// suffix "/user_view/"; empty when the path has another shape.
std::string_view middle(std::string_view path, std::string_view prefix, std::string_view suffix) {
  if (!starts_with(path, prefix) || !path.ends_with(suffix) || path.size() <= prefix.size() + suffix.size())
    return {};
  std::string_view id = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  return id.find('/') == std::string_view::npos ? id : std::string_view{};
}

SimReply method_not_allowed(const std::string& m) { return detail_reply(405, "Method \"" + m + "\" not allowed."); }

}  // namespace

SimReply Broker::token_endpoint(const SimRequest& request, Timestamp now) {
  if (request.method != "POST") return method_not_allowed(request.method);
  Params form = body_params(request);
  std::string grant = form_value(form, "grant_type");
  if (grant == "refresh_token") return refresh(form, now);
  if (grant == "password") return login(form, now);
  return json_reply(400, json::object{{"error", "unsupported_grant_type"}});
}

std::optional<SimReply> Broker::authenticate(const SimRequest& request, Timestamp now) {
  std::string_view header = request.authorization;
  if (header.empty()) {
    Reply reply = detail_reply(401, "Authentication credentials were not provided.");
    reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"api\"");
    return reply;
  }
  std::size_t space = header.find(' ');
  std::string_view token = space == std::string_view::npos ? std::string_view{} : header.substr(space + 1);
  auto it = access_tokens_.find(token);
  if (header.substr(0, space) == "Bearer" && it != access_tokens_.end() && now < it->second) return std::nullopt;
  Reply reply = detail_reply(401, "Incorrect authentication credentials.");
  reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"api\"");
  return reply;
}

// Credentials first; then the device (an unknown one is verified even when a valid mfa_code
// came with it, robin_stocks #515/#537); then the authenticator code.
SimReply Broker::login(const Params& form, Timestamp now) {
  std::string device = form_value(form, "device_token");
  if (device.empty()) return field_error("device_token", "This field is required.");
  if (form_value(form, "username") != options_.user || form_value(form, "password") != options_.password)
    return detail_reply(400, "Unable to log in with provided credentials.");
  if (!verification_.known(device)) {
    const Workflow& w = verification_.start(device, rng_, now);
    log("rh-sim verification " + w.challenge_id + " issued (" + w.type + ") for workflow " + w.id);
    return json_reply(403, json::object{{"verification_workflow",
                                         json::object{{"id", w.id}, {"workflow_status", w.workflow_status()}}}});
  }
  if (!mfa_key_.empty() || !options_.mfa_secret.empty()) {
    std::string code = form_value(form, "mfa_code");
    if (code.empty()) return json_reply(400, json::object{{"mfa_required", true}, {"mfa_type", "app"}});
    if (!mfa_code_ok(code, now)) return detail_reply(400, "Please enter a valid code.");
  }
  return issue_tokens(now);
}

bool Broker::mfa_code_ok(std::string_view code, Timestamp now) const {
  if (mfa_key_.empty()) return false;
  auto unix = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  for (int step = -1; step <= 1; ++step)
    if (oms::gateway::totp(mfa_key_, unix + std::chrono::seconds(30 * step)) == code) return true;
  return false;
}

// Refresh tokens rotate: each works once, and only until it expires (robinhood-for-agents #27).
SimReply Broker::refresh(const Params& form, Timestamp now) {
  auto it = refresh_tokens_.find(form_value(form, "refresh_token"));
  if (it == refresh_tokens_.end() || now >= it->second)
    return json_reply(400, json::object{{"error", "invalid_grant"}});
  refresh_tokens_.erase(it);
  return issue_tokens(now);
}

std::string Broker::mint_access_token(std::int64_t expires_at, Timestamp now) {
  std::string token = make_jwt(rng_, unix_seconds(now), expires_at, stable_uuid(options_.user));
  access_tokens_[token] = from_unix(expires_at);
  return token;
}

std::string Broker::mint_refresh_token(Timestamp now) {
  std::string token = rng_.hex(40);
  refresh_tokens_[token] = now + std::chrono::seconds(options_.refresh_token_lifetime_s);
  return token;
}

SimReply Broker::issue_tokens(Timestamp now) {
  std::string access = mint_access_token(unix_seconds(now) + options_.token_lifetime_s, now);
  std::string refresh = mint_refresh_token(now);
  return json_reply(200, json::object{{"access_token", access},
                                      {"expires_in", options_.token_lifetime_s},
                                      {"token_type", "Bearer"},
                                      {"scope", "internal"},
                                      {"refresh_token", refresh},
                                      {"mfa_code", nullptr},
                                      {"backup_code", nullptr}});
}

// ---- Device verification -------------------------------------------------------------------

SimReply Broker::verification_api(const SimRequest& request, const std::string& path, Timestamp now) {
  verification_.expire(now);
  const std::string& m = request.method;
  if (path == "/pathfinder/user_machine/")
    return m == "POST" ? user_machine(request) : method_not_allowed(m);
  if (auto id = middle(path, "/pathfinder/inquiries/", "/user_view/"); !id.empty())
    return m == "GET" || m == "POST" ? user_view(request, id) : method_not_allowed(m);
  if (auto id = middle(path, "/push/", "/get_prompts_status/"); !id.empty())
    return m == "GET" ? prompt_status(id) : method_not_allowed(m);
  if (auto id = middle(path, "/challenge/", "/respond/"); !id.empty())
    return m == "POST" ? challenge_respond(request, id) : method_not_allowed(m);
  return not_found();
}

json::object Broker::challenge_json(const Workflow& w) const {
  json::object c{{"id", w.challenge_id}, {"type", w.type}, {"status", status_name(w.status)}};
  if (w.type != "prompt") c["remaining_attempts"] = w.attempts_left;
  return c;
}

// POST /pathfinder/user_machine/ {"device_id":D,"flow":"suv","input":{"workflow_id":W}} → {"id":M}.
SimReply Broker::user_machine(const SimRequest& request) {
  auto body = body_json(request);
  const json::object* obj = body ? body->if_object() : nullptr;
  if (!obj) return detail_reply(400, "JSON parse error.");
  const json::value* input = obj->if_contains("input");
  auto workflow_id = input ? text_of(*input, "workflow_id") : std::nullopt;
  auto device = text_of(*body, "device_id");
  auto flow = text_of(*body, "flow");
  json::object errors;
  if (!device) errors["device_id"] = json::array{"This field is required."};
  if (flow != std::optional<std::string>("suv")) errors["flow"] = json::array{"\"suv\" is the only valid choice."};
  if (!workflow_id) errors["input"] = json::array{"workflow_id is required."};
  if (!errors.empty()) return json_reply(400, errors);
  Workflow* w = verification_.by_id(*workflow_id);
  if (!w) return not_found();
  if (w->device_token != *device)
    return field_error("device_id", "This device did not start the verification workflow.");
  if (w->machine_id.empty()) w->machine_id = rng_.uuid();
  return json_reply(200, json::object{{"id", w->machine_id}, {"flow", "suv"},
                                      {"state", w->pending() ? "in_progress" : status_name(w->status)}});
}

// GET: the challenge to meet. POST {"sequence":0,"user_input":{"status":"continue"}}: the result.
SimReply Broker::user_view(const SimRequest& request, std::string_view machine_id) {
  Workflow* w = verification_.by_machine(machine_id);
  if (!w) return not_found();
  json::object workflow{{"id", w->id}, {"workflow_status", w->workflow_status()}};
  if (request.method == "GET") {
    json::object context{{"sheriff_challenge", challenge_json(*w)}};
    // robin_stocks 3.4 reads `context`; earlier releases read `type_context.context`.
    return json_reply(200, json::object{{"sequence", 0}, {"type", "suv"}, {"context", context},
                                        {"type_context", json::object{{"context", context}}},
                                        {"verification_workflow", workflow}});
  }
  auto body = body_json(request);
  const json::value* input = body && body->is_object() ? body->as_object().if_contains("user_input") : nullptr;
  if (!input || text_of(*input, "status") != std::optional<std::string>("continue"))
    return field_error("user_input", "Expected {\"status\": \"continue\"}.");
  verification_.finish(*w);
  if (w->approved) log("rh-sim verification " + w->challenge_id + " approved: the device is known from now on");
  workflow["workflow_status"] = w->workflow_status();
  return json_reply(200, json::object{{"sequence", 1},
                                      {"type_context", json::object{{"result", w->workflow_status()}}},
                                      {"verification_workflow", workflow}});
}

// GET /push/C/get_prompts_status/ → {"challenge_status": …}; only prompt challenges have one.
SimReply Broker::prompt_status(std::string_view challenge_id) {
  Workflow* w = verification_.by_challenge(challenge_id);
  if (!w || w->type != "prompt") return not_found();
  return json_reply(200, json::object{{"challenge_status", status_name(w->status)}});
}

// POST /challenge/C/respond/ {"response": CODE}, form-encoded (robin_stocks) or JSON.
SimReply Broker::challenge_respond(const SimRequest& request, std::string_view challenge_id) {
  Workflow* w = verification_.by_challenge(challenge_id);
  if (!w) return not_found();
  if (w->type == "prompt") return detail_reply(400, "This challenge is approved in the Robinhood app.");
  if (!w->pending() && w->status != ChallengeStatus::validated)
    return json_reply(400, json::object{{"detail", std::string("This challenge is ") + status_name(w->status) + "."},
                                        {"challenge", challenge_json(*w)}});
  std::string code = form_value(body_params(request), "response");
  if (code.empty()) return field_error("response", "This field is required.");
  if (verification_.respond(*w, code)) return json_reply(200, challenge_json(*w));
  log("rh-sim verification " + w->challenge_id + " wrong code, " + std::to_string(w->attempts_left) + " left");
  return json_reply(400, json::object{{"detail", "Invalid code."}, {"challenge", challenge_json(*w)}});
}

}  // namespace rhsim
