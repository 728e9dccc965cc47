// The gateway's session half: carries out what SessionFsm decides (login, device approval,
// refresh) and what session_state decides (refresh ahead of expiry, expiry warnings). Rules kept
// here: the device token is on disk before the first attempt; rotated tokens are on disk before
// first use; a process without a person never waits for an approval and tries the password once.
#include "gateway/gateway_impl.hpp"

#include "gateway/ids.hpp"
#include "gateway/token_import.hpp"
#include "runtime/log.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

namespace oms::gateway {
namespace asio = boost::asio;
using runtime::as_tuple_awaitable;
using runtime::awaitable;
using namespace std::chrono_literals;

namespace {

template <class T>
BrokerResult<T> ok(T value) {
  return BrokerResult<T>(boost::system::in_place_value, std::move(value));
}

// A refresh the broker could not be asked for is tried again after this.
constexpr auto kRefreshRetry = 1min;
// An access token this close to its expiry is renewed before use rather than sent.
constexpr auto kExpiryMargin = 60s;

}  // namespace

void Gateway::Impl::load_stored_session() {
  if (!options.token_path.empty()) {
    auto stored = load_session(options.token_path);
    if (stored) {
      session = std::move(*stored);
      device_stored = !session.device_token.empty();
    } else if (stored.error().code != token_store_errc::not_found) {
      latched = login_error(LoginProblem::unexpected_answer,
                            stored.error().message + " — fix it, or run `oms login` to replace it");
      log::error("broker.token_store_refused", {{"reason", stored.error().message}});
    }
  }
  if (!options.device_token.empty() && options.device_token != session.device_token) {
    session.device_token = options.device_token;
    device_stored = false;
  }
  if (session.device_token.empty()) {
    session.device_token = new_device_token();
    device_stored = false;
  }
  if (options.token_path.empty()) device_stored = true;  // memory only: nothing to keep it in
}

bool Gateway::Impl::usable(Timestamp at) const {
  return session.has_tokens() && !access_refused && at + kExpiryMargin < session.expires_at;
}

awaitable<BrokerResult<void>> Gateway::Impl::ensure_token() {
  auto self = shared_from_this();
  if (latched) {
    // `oms login` in another terminal fixes a running process without a restart.
    if (!adopt_stored_if_newer()) co_return *latched;
    latched.reset();
  }
  note_expiry();
  if (usable(now()) && !refresh_wanted(session, keeping, now())) co_return BrokerResult<void>();
  if (flight) {  // someone else is renewing: wait for them
    auto f = flight;
    if (!f->finished) co_await f->done.async_wait(as_tuple_awaitable);
    if (!f->finished) co_return cancelled_error();
    if (f->error) co_return *f->error;
    co_return BrokerResult<void>();
  }
  flight = std::make_shared<LoginFlight>(strand);
  auto f = flight;
  auto result = co_await renew();
  f->finished = true;
  if (!result) f->error = result.error();
  f->done.cancel();
  flight.reset();
  co_return result;
}

awaitable<BrokerResult<void>> Gateway::Impl::renew() {
  auto self = shared_from_this();
  if (adopt_stored_if_newer() && usable(now()) && !refresh_wanted(session, keeping, now()))
    co_return BrokerResult<void>();
  if (session.has_tokens() && !session.refresh_token.empty() && !keeping.renewal_failed) {
    auto refreshed = co_await refresh();
    // A refresh that failed ahead of expiry leaves the current token in use until it expires.
    if (refreshed || usable(now())) co_return BrokerResult<void>();
    co_return refreshed.error();
  }
  if (usable(now())) co_return BrokerResult<void>();
  if (session.has_tokens() || keeping.renewal_failed) {
    // Sessions are renewed by refresh only: a password login here would be the loop that
    // re-triggers device verification every time a token runs out.
    std::string cause = !keeping.problem.empty() ? keeping.problem
                        : access_refused         ? "the broker refused the session's access token, and it cannot be "
                                                   "refreshed — run `oms login`"
                                                 : "the session expired at " + format_iso8601(session.expires_at) +
                                                       " and cannot be refreshed — run `oms login`";
    latched = login_error(LoginProblem::refresh_refused, cause);
    log::error("session.login_required", {{"reason", cause}});
    co_return *latched;
  }
  if (password_tried) co_return login_error(LoginProblem::no_credentials, "no usable session — run `oms login`");
  password_tried = true;
  SessionSettings settings;
  settings.interactive = false;
  co_return co_await password_login(settings, nullptr);
}

awaitable<BrokerResult<void>> Gateway::Impl::refresh() {
  auto self = shared_from_this();
  SessionFsm fsm(request_options, SessionSettings{});
  ++stats.refreshes;
  std::string refresh_token = session.refresh_token;
  std::string device = session.device_token;
  SessionStep first = fsm.start_refresh(std::move(refresh_token), std::move(device), now());
  SessionStep step = co_await drive(fsm, std::move(first), nullptr);
  if (const auto* g = std::get_if<Granted>(&step)) {
    granted(*g, session.origin);
    log::info("broker.token_refreshed", {{"expires_in_s", g->token.expires_in}});
    co_return BrokerResult<void>();
  }
  const auto& refused = std::get<Refused>(step);
  if (refused.problem == LoginProblem::broker_unavailable) {
    keeping.not_before = now() + kRefreshRetry;
    log::warn("session.refresh_deferred", {{"reason", refused.error.to_string()}});
    co_return refused.error;
  }
  // Spent, refused or lost: never sent again, by this process or the next (the file forgets it).
  keeping.renewal_failed = true;
  keeping.problem = refused.error.detail;
  session.refresh_token.clear();
  store(session);
  log::error("session.renewal_failed", {{"problem", to_string(refused.problem)},
                                        {"reason", refused.error.detail},
                                        {"expires_at", format_iso8601(session.expires_at)}});
  keeper_signal.cancel();
  co_return refused.error;
}

std::optional<BrokerError> Gateway::Impl::store_device_first() {
  if (device_stored) return std::nullopt;
  StoredSession device_only = session;
  if (auto saved = save_session(options.token_path, device_only); !saved) {
    log::error("broker.token_store_write_failed", {{"reason", saved.error().message}});
    return login_error(LoginProblem::unexpected_answer,
                       "cannot keep the device token: " + saved.error().message +
                           " — fix the folder (a device that is not kept is a new device at every login)");
  }
  device_stored = true;
  return std::nullopt;
}

awaitable<BrokerResult<void>> Gateway::Impl::password_login(SessionSettings settings, const LoginInteraction* ui) {
  auto self = shared_from_this();
  if (auto refused = store_device_first()) {
    if (!settings.interactive) latched = refused;
    co_return *refused;
  }
  SessionFsm fsm(request_options, settings);
  ++stats.logins;
  std::string device = session.device_token;
  std::string request_id = new_ref_id();
  SessionStep first = fsm.start_login(options.credentials, std::move(device), std::move(request_id), now());
  SessionStep step = co_await drive(fsm, std::move(first), ui);
  if (const auto* g = std::get_if<Granted>(&step)) {
    granted(*g, g->device_approved ? SessionOrigin::approved : SessionOrigin::password);
    log::info("broker.logged_in", {{"user", log::mask_identifier(options.credentials.username)},
                                   {"origin", to_string(session.origin)},
                                   {"expires_in_s", g->token.expires_in}});
    co_return BrokerResult<void>();
  }
  const auto& refused = std::get<Refused>(step);
  if (refused.problem != LoginProblem::broker_unavailable && !settings.interactive) latched = refused.error;
  log::warn("broker.login_refused", {{"problem", to_string(refused.problem)}, {"reason", refused.error.to_string()}});
  co_return refused.error;
}

awaitable<BrokerResult<SessionInfo>> Gateway::Impl::interactive_login(LoginInteraction ui) {
  auto self = shared_from_this();
  SessionSettings settings;
  settings.interactive = true;
  settings.approval_timeout = options.login.approval_timeout;
  settings.poll_interval = options.login.poll_interval;
  auto result = co_await password_login(settings, &ui);
  if (!result) co_return result.error();
  co_return ok(describe(session, keeping, now()));
}

awaitable<SessionStep> Gateway::Impl::drive(SessionFsm& fsm, SessionStep step, const LoginInteraction* ui) {
  auto self = shared_from_this();
  for (;;) {
    if (auto* send = std::get_if<SendRequest>(&step)) {
      HttpRequestSpec spec = std::move(send->request);
      auto response = co_await call(std::move(spec), Lane::cancel, true);
      if (!response && response.error().kind == ErrorKind::cancelled)
        co_return Refused{LoginProblem::broker_unavailable, response.error()};
      if (response) {
        SessionReply reply{response->status, std::move(response->body)};
        step = fsm.on_reply(reply, now());
      } else {
        step = fsm.on_failure(response.error(), now());
      }
      continue;
    }
    if (const auto* wait = std::get_if<WaitFor>(&step)) {
      if (ui && ui->awaiting_approval && fsm.approval_deadline())
        ui->awaiting_approval(std::chrono::ceil<std::chrono::seconds>(*fsm.approval_deadline() - now()));
      auto delay = std::chrono::duration_cast<runtime::Duration>(wait->delay);
      if (closed || co_await runtime.clock().sleep_for(delay))
        co_return Refused{LoginProblem::broker_unavailable, cancelled_error()};
      step = fsm.on_timer(now());
      continue;
    }
    if (const auto* ask = std::get_if<AskCode>(&step)) {
      std::optional<std::string> code;
      if (ui && ui->read_code) code = ui->read_code(*ask);
      step = fsm.on_code(std::move(code), now());
      continue;
    }
    co_return step;
  }
}

void Gateway::Impl::granted(const Granted& grant, SessionOrigin origin) {
  auto at = now();
  StoredSession next = session;
  next.access_token = grant.token.access_token;
  next.refresh_token = grant.token.refresh_token;
  next.token_type = grant.token.token_type.empty() ? "Bearer" : grant.token.token_type;
  next.expires_at = at + std::chrono::seconds(grant.token.expires_in);
  if (grant.refreshed) {
    next.refreshed_at = at;
  } else {
    next.origin = origin;
    next.obtained_at = at;
    next.refreshed_at.reset();
    next.user = mask_user(options.credentials.username);
  }
  // Written before first use: the old refresh token is already spent, so a crash between the
  // broker's answer and this write would lose the only usable one.
  store(next);
  session = std::move(next);
  access_refused = false;
  keeping = SessionKeeping{};
  latched.reset();
  keeper_signal.cancel();
  start_keeper();
}

bool Gateway::Impl::store(const StoredSession& s) {
  if (options.token_path.empty()) return true;
  if (auto saved = save_session(options.token_path, s); !saved) {
    log::error("broker.token_store_write_failed", {{"reason", saved.error().message}});
    return false;
  }
  device_stored = true;
  return true;
}

bool Gateway::Impl::adopt_stored_if_newer() {
  if (options.token_path.empty()) return false;
  auto stored = load_session(options.token_path);
  if (!stored || !stored->has_tokens() || stored->access_token == session.access_token) return false;
  bool stuck = !session.has_tokens() || access_refused || latched || keeping.renewal_failed;
  if (stored->expires_at <= now() || (!stuck && stored->expires_at <= session.expires_at)) return false;
  session = std::move(*stored);
  device_stored = true;
  access_refused = false;
  keeping = SessionKeeping{};
  log::info("session.adopted", {{"origin", to_string(session.origin)},
                                {"expires_at", format_iso8601(session.expires_at)}});
  keeper_signal.cancel();
  start_keeper();
  return true;
}

std::optional<BrokerError> Gateway::Impl::submissions_refused() const {
  if (!keeping.renewal_failed) return std::nullopt;
  return login_error(LoginProblem::refresh_refused,
                     "no new orders while the session cannot be renewed (" + keeping.problem + ")");
}

awaitable<SessionInfo> Gateway::Impl::info() {
  SessionInfo i = describe(session, keeping, now());
  if (latched) i.problem = latched->detail;
  co_return i;
}

void Gateway::Impl::start_keeper() {
  if (!keeper_wanted || keeper_running || closed || !session.has_tokens()) return;
  keeper_running = true;
  runtime.spawn(strand, keep_session(), "gateway: session keeper");
}

// Sleeps until the next refresh, warning or expiry; wakes early when the session changes.
awaitable<void> Gateway::Impl::keep_session() {
  auto self = shared_from_this();
  auto wait_signal = [](std::shared_ptr<Impl> impl) -> awaitable<void> {
    co_await impl->keeper_signal.async_wait(as_tuple_awaitable);
  };
  while (!closed) {
    auto at = next_check(session, keeping, now());
    if (!at) break;
    if (*at > now()) {
      using namespace asio::experimental::awaitable_operators;
      co_await (wait_signal(self) || runtime.clock().sleep_for(*at - now()));
      auto state = (co_await asio::this_coro::cancellation_state).cancelled();
      if (state != asio::cancellation_type::none || closed) break;
    }
    co_await keep_once();
  }
  keeper_running = false;
}

void Gateway::Impl::note_expiry() {
  for (auto mark : warnings_due(session, keeping, now())) {
    keeping.warned.push_back(mark);
    log::warn("session.expiring", {{"expires_at", format_iso8601(session.expires_at)},
                                   {"hours_left", mark.count()},
                                   {"refreshable", !session.refresh_token.empty() && !keeping.renewal_failed},
                                   {"origin", to_string(session.origin)}});
  }
}

awaitable<void> Gateway::Impl::keep_once() {
  auto self = shared_from_this();
  note_expiry();
  if (refresh_wanted(session, keeping, now())) {
    co_await ensure_token();
    // Whatever stopped it (a latched login problem), the keeper must not spin.
    if (refresh_wanted(session, keeping, now())) keeping.not_before = now() + kRefreshRetry;
  }
  if (session.has_tokens() && now() >= session.expires_at)
    log::error("session.expired", {{"expires_at", format_iso8601(session.expires_at)},
                                   {"reason", "run `oms login`"}});
}

}  // namespace oms::gateway
