#include "apps/oms/cli_session.hpp"

#include "actors/order_manager.hpp"
#include "apps/oms/cli_output.hpp"

#include <boost/asio/signal_set.hpp>

#include <csignal>

#include <pthread.h>
#include <exception>
#include <optional>
#include <stdexcept>
#include <vector>

namespace oms::cli {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Runs `op` (and whatever it awaits) on this thread until it finishes.
template <class T>
T run(asio::io_context& ctx, runtime::awaitable<T> op) {
  std::optional<T> out;
  std::exception_ptr failure;
  bool done = false;
  asio::co_spawn(ctx, std::move(op), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) out = std::move(value);
    done = true;
  });
  ctx.restart();
  while (!done && ctx.run_one() > 0) {
  }
  if (failure) std::rethrow_exception(failure);
  if (!out) throw std::runtime_error("the runtime stopped before the command finished");
  return std::move(*out);
}

runtime::awaitable<PendingOrders> ledger_state(std::shared_ptr<actors::SafetyLedger> ledger) {
  PendingOrdersQuery query;
  auto reply = co_await runtime::ask<PendingOrders>(ledger, std::move(query), 10s);
  if (!reply) throw std::runtime_error("the safety ledger did not answer: " + reply.error().message());
  co_return *reply;
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

}  // namespace

void block_stop_signals() {
  sigset_t set = stop_signal_set();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

struct Session::Impl {
  explicit Impl(const config::Config& config)
      : journal_path(config.order_management.journal_path),
        om(rt, config, gateway::Credentials::from_environment()) {
    // Registered once, before any poll: the printer is set only while a command wants fills,
    // so nothing the command owns is called after it returned.
    om.on_fill([this](const FillEvent& f) {
      if (printer) printer(f);
    });
  }
  ~Impl() {
    om.close();
    rt.stop();
    // Let cancelled tasks and closing connections finish; bounded in case something lingers.
    ctx.restart();
    ctx.run_for(2s);
  }

  asio::io_context ctx;
  runtime::Runtime rt{ctx};
  std::string journal_path;
  OrderManager om;
  RecoveryReport recovery;
  FillPrinter printer;
};

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

outcome<std::unique_ptr<Session>> Session::open(const config::Config& config, bool json, FillPrinter on_fill) {
  auto impl = std::make_unique<Impl>(config);
  impl->printer = std::move(on_fill);
  impl->recovery = run(impl->ctx, impl->om.start());
  impl->printer = nullptr;
  if (int owner = impl->recovery.journal_owner_pid; owner != 0)
    return CliError{exit_failure, "journal", impl->recovery.error,
                    "nothing was sent; wait for process " + std::to_string(owner) +
                        " to finish, or stop it (kill " + std::to_string(owner) + ") and run the command again"};
  if (!impl->recovery.journal_malformed_lines.empty())
    return CliError{exit_failure, "journal", impl->recovery.error, ""};
  if (!impl->recovery.ok()) return recovery_error(impl->recovery.error, impl->journal_path);
  if (auto note = recovery_note(impl->recovery); !note.empty()) Progress(json).say(note);
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

const RecoveryReport& Session::recovery() const { return impl_->recovery; }

SubmissionResult Session::submit(OrderRequest request) { return run(impl_->ctx, impl_->om.submit(std::move(request))); }

StatusReply Session::status(std::string order_id) {
  return run(impl_->ctx, impl_->om.get_order_status(std::move(order_id)));
}

CancelAllReport Session::cancel_all(std::string requested_by) {
  return run(impl_->ctx, impl_->om.cancel_all_open_orders(std::move(requested_by)));
}

SyncReport Session::sync_once(FillPrinter on_fill) {
  impl_->printer = std::move(on_fill);
  SyncReport report = run(impl_->ctx, impl_->om.synchronize_open_orders());
  impl_->printer = nullptr;
  return report;
}

void Session::poll_until_signal(FillPrinter on_fill) {
  auto& ctx = impl_->ctx;
  impl_->printer = std::move(on_fill);
  asio::signal_set signals(ctx, SIGINT, SIGTERM);
  bool stop = false;
  signals.async_wait([&](const boost::system::error_code&, int) { stop = true; });
  sigset_t stop_signals = stop_signal_set();
  ::pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);  // a pending one is delivered now
  impl_->om.start_polling();
  ctx.restart();
  while (!stop && ctx.run_one() > 0) {
  }
  signals.cancel();
  ctx.poll();  // the cancelled wait's handler, before `signals` goes away
  impl_->printer = nullptr;
}

PendingOrders Session::resume(std::string requested_by) {
  impl_->om.resume_submissions(std::move(requested_by));
  // The ledger handles messages in order: the query sees the state after the resume.
  return run(impl_->ctx, ledger_state(impl_->om.ledger()));
}

}  // namespace oms::cli
