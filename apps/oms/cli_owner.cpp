#include "apps/oms/cli_owner.hpp"

#include "actors/journal_file.hpp"
#include "apps/oms/cli_session.hpp"

#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <thread>

namespace oms::cli {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

namespace {

// How long a command keeps looking while another process holds the journal lock: an owner that
// answers `shutting_down` is finishing its requests in flight (a cancel-all may take a while); one
// that serves no socket at all is only starting up, or is not an owner that serves.
constexpr auto kWaitForStoppingOwner = 60s;
constexpr auto kWaitForSilentHolder = 5s;
constexpr auto kConnect = 1s;
// An owner answers `health` at once whatever it is doing (requests run concurrently).
constexpr auto kHealth = 3s;
// Two unanswered `health` requests in a row: the owner is wedged.
constexpr int kUnansweredIsWedged = 2;
// A request that was not started (the owner was shutting down) is sent again this many times.
constexpr int kResends = 2;

std::string seconds(std::chrono::milliseconds d) { return std::to_string(d.count() / 1000) + " s"; }

// Field names of the protocol, as the command line calls them.
std::string cli_field(const std::string& field) {
  if (field == "reference_price") return "--ref";
  if (field == "strategy") return "--strategy";
  if (field == "state") return "--state";
  return field;
}

}  // namespace

CliError from_control_error(const control::Error& e) {
  using control::ErrorCode;
  switch (e.code) {
    case ErrorCode::bad_request:
    case ErrorCode::bad_json:
    case ErrorCode::line_too_long:
    case ErrorCode::unknown_op: return usage_error(cli_field(e.field), e.rule, e.what_to_do);
    case ErrorCode::not_ready:
      return CliError{exit_code_for_broker_text(e.rule), e.field.empty() ? "owner" : e.field, e.rule, e.what_to_do};
    case ErrorCode::timed_out:
      return CliError{exit_broker_unreachable, e.field.empty() ? "owner" : e.field, e.rule, e.what_to_do};
    case ErrorCode::unsupported_version:
      return CliError{exit_failure, "owner", e.rule, "the owner runs another version of oms: use the same version"};
    default: return CliError{exit_failure, e.field.empty() ? "owner" : e.field, e.rule, e.what_to_do};
  }
}

OwnerLink::OwnerLink(const config::Config& config, const Invocation& inv, OwnerNeeds needs)
    : config_(config), inv_(inv), needs_(needs) {}

OwnerLink::~OwnerLink() {
  signals_.reset();
  client_.reset();
  session_.reset();  // a local owner drains the requests of others, then stops
}

outcome<std::unique_ptr<OwnerLink>> OwnerLink::connect(const config::Config& config, const Invocation& inv,
                                                       OwnerNeeds needs) {
  std::unique_ptr<OwnerLink> link(new OwnerLink(config, inv, needs));
  if (auto e = link->find()) return *e;
  return link;
}

// What looking for the owner found so far.
struct OwnerLink::Search {
  clock::time_point started = clock::now();
  int unanswered = 0;      ///< `health` requests in a row that got no answer at all
  bool stopping = false;   ///< an owner answered that it is shutting down
  int holder = 0;          ///< the pid holding the journal lock, when known
};

std::optional<CliError> OwnerLink::find() {
  const std::string path = config_.order_management.control_socket_path();
  Search search;
  auto backoff = 5ms;
  for (;;) {
    // 1. A live owner answers `health` (a stopping one answers `shutting_down`: wait for it).
    if (auto client = control::Client::connect(path, kConnect)) {
      control::Request health{nullptr, control::HealthArgs{}};
      auto reply = (*client)->call(std::move(health), kHealth);
      if (reply && reply->kind == control::Reply::Kind::result) {
        auto h = from_json<control::Health>(reply->result);
        if (!h) return CliError{exit_failure, "owner", "unreadable health answer: " + h.error().to_string(), "this is a bug"};
        owner_ = *h;
        client_ = std::move(*client);
        return std::nullopt;
      }
      if (reply && reply->error.code == control::ErrorCode::shutting_down) {
        search.stopping = true;
        search.unanswered = 0;
      } else if (!reply && reply.error().code == control::ClientErrc::timed_out) {
        if (++search.unanswered >= kUnansweredIsWedged) return wedged(search, path);
      }
    }
    // 2. Nobody answers: this process becomes the owner, unless another one holds the journal.
    // The kill switch runs even when recovery cannot reach the broker: on what the journal knows.
    auto opened = Session::open(config_, inv_.globals.json, needs_.poll, inv_.command() == Command::cancel_all);
    if (!opened) return opened.error();
    if (opened->session) return adopt_session(std::move(opened->session));
    search.holder = opened->locked_by;  // lost the race, or the holder does not serve: look again
    auto waited = clock::now() - search.started;
    if (waited >= (search.stopping ? kWaitForStoppingOwner : kWaitForSilentHolder)) return wedged(search, path);
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(100));
  }
}

std::string OwnerLink::console_url() const { return session_ ? session_->console_url() : std::string(); }

std::optional<CliError> OwnerLink::adopt_session(std::unique_ptr<Session> session) {
  session_ = std::move(session);
  auto client = control::Client::connect(session_->socket_path(), kConnect);
  if (!client)
    return CliError{exit_failure, "owner",
                    "this process owns the journal but cannot reach its own control socket " + session_->socket_path() +
                        ": " + client.error().detail,
                    "check order_management.control_socket"};
  control::Request health{nullptr, control::HealthArgs{}};
  auto reply = (*client)->call(std::move(health), kHealth);
  if (!reply || reply->kind != control::Reply::Kind::result)
    return CliError{exit_failure, "owner", "this process's own control endpoint did not answer", "see the log"};
  owner_ = from_json<control::Health>(reply->result).value();
  client_ = std::move(*client);
  return std::nullopt;
}

// The journal is held by a process that does not answer: name it, and say how to get past it.
CliError OwnerLink::wedged(const Search& search, const std::string& path) const {
  const std::string& journal = config_.order_management.journal_path;
  int holder = journal::lock_holder(journal).value_or(search.holder);
  std::string pid = holder > 0 ? std::to_string(holder) : "<pid>";
  std::string rule = (holder > 0 ? "process " + pid : std::string("another process")) + " holds the journal " +
                     journal + " but does not answer on " + path;
  if (search.stopping) rule += " (it is shutting down and has not finished)";
  if (inv_.command() == Command::cancel_all)
    return CliError{exit_owner_unreachable, "owner", rule + "; the kill switch did not run",
                    "stop it: `kill " + pid + "` (then `kill -9 " + pid +
                        "` if it does not exit), then run `oms cancel-all` again"};
  return CliError{exit_owner_unreachable, "owner", rule,
                  "wait for it, or stop it (`kill " + pid + "`, then `kill -9 " + pid +
                      "` if it does not exit) and run the command again"};
}

outcome<boost::json::value> OwnerLink::call(control::Request request, std::chrono::milliseconds deadline,
                                            const LineHandler& on_line, bool retry_safe) {
  for (int attempt = 0;; ++attempt) {
    std::string pid = std::to_string(owner_.owner_pid);
    auto reply = client_->call(request, deadline, on_line);
    if (reply) {
      if (reply->kind == control::Reply::Kind::result) return std::move(reply->result);
      // Refused before it started: the next owner can carry it out.
      bool not_started = reply->error.code == control::ErrorCode::shutting_down;
      if (!not_started || attempt >= kResends) return from_control_error(reply->error);
    } else if (reply.error().code == control::ClientErrc::timed_out) {
      return CliError{exit_broker_unreachable, "owner", "process " + pid + " did not answer within " + seconds(deadline),
                      retry_safe ? "run the command again"
                                 : "it may have been carried out: check `oms orders` before repeating it"};
    } else if (!retry_safe || attempt >= kResends || local()) {
      return CliError{exit_broker_unreachable, "owner",
                      "process " + pid + " went away before answering (" + reply.error().detail + ")",
                      retry_safe ? "run the command again"
                                 : "the order may have been placed: check `oms orders` before placing it again"};
    }
    signals_.reset();
    client_.reset();
    if (auto e = find()) return *e;
  }
}

void OwnerLink::watch_signals() {
  // Armed once and kept: a signal that arrives between two waits is not lost (nor fatal).
  if (!signals_) {
    signals_ = std::make_unique<asio::signal_set>(client_->context(), SIGINT, SIGTERM);
    signals_->async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      signalled_ = true;
      client_->interrupt();
    });
    release_stop_signals();  // one held since start-up is handled now
  }
}

CliError OwnerLink::named(CliError error) const {
  error.rule += owner_.mode == ExecutionMode::live ? " (live, broker " + owner_.broker_host + ")" : " (paper, no broker)";
  return error;
}

bool OwnerLink::listen(std::chrono::milliseconds duration, const LineHandler& on_line) {
  watch_signals();
  if (signalled_) return false;
  auto listened = client_->listen(duration, on_line);
  return !signalled_;
}

}  // namespace oms::cli
