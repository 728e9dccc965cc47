#include "apps/oms/cli_session.hpp"

#include "actors/order_manager.hpp"
#include "apps/oms/cli_output.hpp"

#include <atomic>
#include <csignal>
#include <exception>
#include <future>
#include <vector>

#include <pthread.h>

namespace oms::cli {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Another client's request in flight on this owner (a cancel-all from another shell) is carried
// to its end before the process exits: as long as the longest operation may take.
constexpr auto kDrainGrace = 130s;

// Runs `op` on the runtime's thread and waits for its result.
template <class T>
T wait(runtime::Runtime& rt, runtime::awaitable<T> op) {
  std::promise<T> done;
  auto result = done.get_future();
  asio::co_spawn(rt.context(), std::move(op), [&done](std::exception_ptr e, T value) {
    if (e) done.set_exception(e);
    else done.set_value(std::move(value));
  });
  return result.get();
}

void wait(runtime::Runtime& rt, runtime::awaitable<void> op) {
  std::promise<void> done;
  auto result = done.get_future();
  asio::co_spawn(rt.context(), std::move(op), [&done](std::exception_ptr e) {
    if (e) done.set_exception(e);
    else done.set_value();
  });
  result.get();
}

// One line when recovery did more than read the journal: the operator should know.
std::string recovery_note(const RecoveryReport& r) {
  std::vector<std::string> parts;
  auto count = [&](int n, const char* what) {
    if (n > 0) parts.push_back(std::to_string(n) + " " + what);
  };
  count(r.intents_resolved - r.intents_not_placed, "interrupted submissions found at the broker");
  count(r.intents_not_placed, "interrupted submissions never placed (safe to place again)");
  count(r.intents_unresolved, "interrupted submissions still unresolved (their keys stay reserved; an identical "
                              "request waits for the look-up)");
  count(r.orders_adopted, "broker orders adopted");
  count(r.fills_while_down, "fills while no process ran (journalled now)");
  count(r.state_changes_while_down, "order state changes while no process ran (journalled now)");
  if (r.torn_tail) parts.emplace_back("a torn last journal line set aside");
  if (r.halted) parts.emplace_back("submissions halted (kill switch)");
  if (r.breaker_open) parts.emplace_back("circuit breaker open");
  std::string note;
  for (const auto& p : parts) note += (note.empty() ? "recovery: " : ", ") + p;
  return note;
}

sigset_t stop_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Why this process could not become the owner, as the one line the operator gets.
CliError start_up_error(const RecoveryReport& r, const config::Config& config) {
  const std::string& journal = config.order_management.journal_path;
  if (!r.journal_malformed_lines.empty()) return CliError{exit_failure, "journal", r.error, ""};
  if (r.error.rfind("order_management.control_socket: ", 0) == 0)
    return CliError{exit_failure, "order_management.control_socket",
                    r.error.substr(std::string("order_management.control_socket: ").size()),
                    "nothing was sent; every owner of " + journal + " serves its control socket"};
  return recovery_error(r.error, journal);
}

}  // namespace

void block_stop_signals() {
  sigset_t set = stop_signal_set();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void release_stop_signals() {
  sigset_t set = stop_signal_set();
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);  // a pending one is delivered now
}

struct Session::Impl {
  Impl(const config::Config& config, OwnerOptions options)
      : journal_path(config.order_management.journal_path),
        om(rt, config, gateway::Credentials::from_environment(), std::move(options)) {
    // Registered before start(): recovery's catch-up pass delivers the fills that happened while
    // no process ran, once. Only those are kept (on the poller's strand, read after start()).
    om.on_fill([this](const FillEvent& f) {
      if (recovering.load()) fills.push_back(f);
    });
    // Two threads: a journal fdatasync on one never holds the ledger, and so never the kill
    // switch's acknowledgement, on the other.
    rt.start(2);
  }
  ~Impl() {
    try {
      wait(rt, om.stop_serving(kDrainGrace));
    } catch (const std::exception&) {
      // stopping anyway
    }
    om.close();
    rt.stop();
    rt.join();
  }

  runtime::Runtime rt;
  std::string journal_path;
  OrderManager om;
  RecoveryReport recovery;
  std::atomic<bool> recovering{true};
  std::vector<FillEvent> fills;
};

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

outcome<Session::Opened> Session::open(const config::Config& config, bool json, bool poll, bool kill_switch) {
  // Only a long-running owner (`oms serve`) runs the console and the alerts: a one-shot command
  // would bind the console's port, or start an alert's delivery, and be gone a moment later.
  OwnerOptions options;
  config::Config own = config;
  if (!poll) {
    options.console_listen = "";
    own.alerts = config::AlertsConfig{};
  }
  auto impl = std::make_unique<Impl>(own, std::move(options));
  impl->recovery = wait(impl->rt, impl->om.start());
  impl->recovering = false;
  // Another process owns the journal: the caller looks for it (it may have just won the race).
  if (int owner = impl->recovery.journal_owner_pid; owner != 0) return Opened{nullptr, owner};
  const RecoveryReport& r = impl->recovery;
  if (!r.ok() && !(kill_switch && r.broker_unavailable)) return start_up_error(r, config);
  if (!r.ok())
    Progress(json).say("recovery could not list the broker's orders (" + r.error + "): the kill switch halts, cancels the " +
                       std::to_string(r.pending_restored) + " orders the journal knows open and keeps trying to list the rest");
  else if (auto note = recovery_note(r); !note.empty())
    Progress(json).say(note);
  if (poll) impl->om.start_polling();
  return Opened{std::unique_ptr<Session>(new Session(std::move(impl))), 0};
}

const RecoveryReport& Session::recovery() const { return impl_->recovery; }
const std::vector<FillEvent>& Session::recovery_fills() const { return impl_->fills; }
const std::string& Session::socket_path() const { return impl_->om.control_socket(); }
std::string Session::console_url() const { return impl_->om.console_url(); }

}  // namespace oms::cli
