#pragma once
/// How an `oms` command reaches the journal's owner (docs/architecture.md, the process model).
/// First it looks for a live owner: connect to the control socket, and it answers `health`. If
/// none answers, the command becomes the owner for its duration (it takes the journal lock); if
/// it just lost the race for the lock, it looks for the owner again. Either way the command is
/// then sent through the socket, to the other process or to this one: the same request, the same
/// dispatcher, the same answer. A holder of the lock that never answers is a wedged owner: the
/// command says so in one line, naming its pid (exit 7).
#include "apps/oms/cli_args.hpp"
#include "apps/oms/cli_error.hpp"
#include "config/config.hpp"
#include "control/client.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace oms::cli {

class Session;

/// What the command needs of the owner: a local one also starts the poller (`oms serve`).
struct OwnerNeeds {
  bool poll = false;
};

class OwnerLink {
 public:
  using LineHandler = control::Client::LineHandler;

  /// Finds the live owner of `config`'s journal, or becomes it.
  static outcome<std::unique_ptr<OwnerLink>> connect(const config::Config& config, const Invocation& inv,
                                                     OwnerNeeds needs = {});
  ~OwnerLink();
  OwnerLink(const OwnerLink&) = delete;
  OwnerLink& operator=(const OwnerLink&) = delete;

  /// The owner's answer to `health` when the link was made: pid, mode, broker host, …
  const control::Health& owner() const noexcept { return owner_; }
  /// True when this process is the owner.
  bool local() const noexcept { return session_ != nullptr; }
  /// The console's URL with its token when this process is the owner and serves it, else empty.
  std::string console_url() const;
  /// This process's own owner session (what its start-up recovered), or null.
  const Session* session() const noexcept { return session_.get(); }
  /// `error` with the owner's mode (and broker) in its rule: even a failure says which account.
  CliError named(CliError error) const;

  /// Carries `request` out on the owner and returns its result. Progress and event lines go to
  /// `on_line`. A refusal or a lost answer is a CliError with the exit code of its cause; a
  /// request the owner did not start (it was shutting down) is sent again to the next owner,
  /// unless `retry_safe` is false and it may have been carried out.
  outcome<boost::json::value> call(control::Request request, std::chrono::milliseconds deadline,
                                   const LineHandler& on_line = {}, bool retry_safe = true);
  /// Delivers event lines for `duration`; false when SIGINT or SIGTERM arrived (then and ever after).
  bool listen(std::chrono::milliseconds duration, const LineHandler& on_line);
  bool signalled() const noexcept { return signalled_; }
  /// From now on SIGINT and SIGTERM end the current wait (and every later one) instead of the process.
  void watch_signals();

 private:
  struct Search;
  OwnerLink(const config::Config& config, const Invocation& inv, OwnerNeeds needs);
  std::optional<CliError> find();
  std::optional<CliError> adopt_session(std::unique_ptr<Session> session);
  CliError wedged(const Search& search, const std::string& path) const;

  config::Config config_;
  const Invocation& inv_;
  OwnerNeeds needs_;
  std::unique_ptr<Session> session_;  ///< set when this process is the owner
  std::unique_ptr<control::Client> client_;
  std::unique_ptr<boost::asio::signal_set> signals_;  ///< on client_'s context, once listen() ran
  bool signalled_ = false;
  control::Health owner_;
};

/// The exit code and the one line for a refusal from the owner.
CliError from_control_error(const control::Error& error);

/// The owner's answer decoded; an answer that does not decode is a bug, said in one line.
template <class T>
outcome<T> decode(const boost::json::value& result) {
  auto value = from_json<T>(result);
  if (!value) return CliError{exit_failure, "owner", "unreadable answer: " + value.error().to_string(), "this is a bug"};
  return *value;
}

}  // namespace oms::cli
