#include "apps/oms/cli_session.hpp"

#include "actors/order_manager.hpp"
#include "apps/oms/cli_output.hpp"

#include <exception>
#include <future>
#include <vector>

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
  count(r.orders_adopted, "broker orders adopted");
  if (r.torn_tail) parts.emplace_back("a torn last journal line set aside");
  if (r.halted) parts.emplace_back("submissions halted (kill switch)");
  if (r.breaker_open) parts.emplace_back("circuit breaker open");
  std::string note;
  for (const auto& p : parts) note += (note.empty() ? "recovery: " : ", ") + p;
  return note;
}

}  // namespace

struct Session::Impl {
  Impl(const config::Config& config, OwnerOptions options)
      : journal_path(config.order_management.journal_path),
        om(rt, config, gateway::Credentials::from_environment(), std::move(options)) {
    rt.start(1);
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
};

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

outcome<Session::Opened> Session::open(const config::Config& config, bool json, bool poll) {
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
  // Another process owns the journal: the caller looks for it (it may have just won the race).
  if (int owner = impl->recovery.journal_owner_pid; owner != 0) return Opened{nullptr, owner};
  if (!impl->recovery.ok())
    return CliError{exit_code_for_broker_text(impl->recovery.error), "recovery", impl->recovery.error,
                    "nothing was sent; check the broker (--broker, credentials) and the journal at " +
                        impl->journal_path};
  if (auto note = recovery_note(impl->recovery); !note.empty()) Progress(json).say(note);
  if (poll) impl->om.start_polling();
  return Opened{std::unique_ptr<Session>(new Session(std::move(impl))), 0};
}

const RecoveryReport& Session::recovery() const { return impl_->recovery; }
const std::string& Session::socket_path() const { return impl_->om.control_socket(); }
std::string Session::console_url() const { return impl_->om.console_url(); }

}  // namespace oms::cli
