#pragma once
/// The runtime: one io_context, the actors on it, their spawned tasks, the clock and the trace.
/// A bot either lends its own io_context (no thread of ours) or lets the runtime run N threads.
#include "messages/codec.hpp"
#include "runtime/ask_deadlines.hpp"
#include "runtime/asio.hpp"
#include "runtime/clock.hpp"
#include "runtime/trace.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace oms::runtime {

class ActorBase;

namespace detail {
/// Actors by name. Shared with the actors so that one destroyed after its runtime (held by a
/// handler still queued in the bot's io_context) can unregister safely.
struct ActorRegistry {
  std::mutex mu;
  std::map<std::string, ActorBase*, std::less<>> actors;
};

/// A spawned task's entry: one allocation, linked into its runtime's list while it lives (an
/// order spawns one; a std::map node and a separate signal were a visible part of its CPU).
/// The list is shared, like the registry, so an entry freed after its runtime unlinks safely.
struct TaskList;
struct Task : std::enable_shared_from_this<Task> {
  Task(std::shared_ptr<TaskList> list, asio::any_io_executor ex, std::string what);
  ~Task();
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  std::shared_ptr<TaskList> list;
  asio::any_io_executor executor;
  asio::cancellation_signal signal;
  std::string what;
  Task* prev = nullptr;  // guarded by list->mu
  Task* next = nullptr;  // guarded by list->mu
  bool linked = false;   // guarded by list->mu
};
struct TaskList {
  std::mutex mu;
  Task* head = nullptr;  ///< newest first
  std::size_t count = 0;
  void link_locked(Task& task);
  void unlink_locked(Task& task);
};
}  // namespace detail

/// What a runtime is built with; empty members get defaults (real clock, no trace).
struct RuntimeOptions {
  std::shared_ptr<Clock> clock;
  std::shared_ptr<TraceSink> trace;
};

/// Trace name of a message type: its `message_type`, or its body's for a request.
template <class M>
constexpr const char* message_name() {
  if constexpr (requires { M::message_type; }) return M::message_type;
  else return M::body_type::message_type;
}

/// Something that must end when the runtime stops, such as a pending ask waiting for a reply.
class StopListener {
 public:
  virtual ~StopListener() = default;
  /// Called once, from the thread that calls Runtime::stop(). Must be thread-safe.
  virtual void on_runtime_stop() = 0;
};

/// Owns the shared parts of an actor system. Thread-safe unless a member says otherwise.
class Runtime {
 public:
  /// Embedded: runs on the caller's io_context; the runtime starts no thread.
  explicit Runtime(asio::io_context& ctx, RuntimeOptions options = {});
  /// Owns its io_context; `start(n)` runs it on n threads.
  explicit Runtime(RuntimeOptions options = {});
  /// Stops, and joins the runtime's own threads.
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  asio::io_context& context() noexcept { return ctx_; }
  Clock& clock() noexcept { return *clock_; }
  /// The asks' shared deadline timer on the real clock; null on another clock (each ask then
  /// arms its own alarm, which a virtual clock steps exactly).
  const std::shared_ptr<detail::AskDeadlines>& ask_deadlines() const noexcept { return deadlines_; }

  /// Runs the owned io_context on `threads` threads until stop(). Not for the embedded form.
  void start(unsigned threads);
  /// Clean shutdown: external messages are refused, every spawned task (and so every timer and
  /// request it awaits) is cancelled, queued messages still run. Idempotent, any thread.
  void stop();
  /// Waits for the runtime's own threads to finish draining.
  void join();
  /// Where blocking file I/O runs (the journal's write + fdatasync), so that no thread running
  /// actors waits on the disk: one thread of the runtime's own, started by start(). None in the
  /// embedded form (the runtime starts no thread there; the caller does that I/O inline). Work
  /// posted there must hold a work guard on context() until its completion is posted back, so a
  /// draining runtime runs that completion.
  asio::thread_pool* blocking_pool() noexcept { return blocking_.get(); }
  bool stopping() const noexcept { return stopping_.load(); }

  /// co_spawn tied to stop(): the task is cancelled at shutdown and an escaping exception is
  /// logged with `what` (a bug), never silently dropped.
  void spawn(const asio::any_io_executor& ex, awaitable<void> task, std::string what);
  /// Tells `listener` when stop() is called (at once if it already was). Held weakly: a
  /// listener that is gone by then is skipped.
  void on_stop(std::weak_ptr<StopListener> listener);
  /// Tasks spawned and not yet finished.
  std::size_t running_tasks() const;

  /// Whether a message from `from` may enter a mailbox now (after stop, only actor-to-actor
  /// traffic that drains work already accepted).
  bool accepting(std::string_view from) const;

  /// Records a message crossing an actor boundary, when tracing.
  template <class M>
  void trace(std::string_view from, std::string_view to, const M& message) {
    if (!trace_) return;
    trace_->record(TraceRecord{clock_->now(), std::string(from), std::string(to), message_name<M>(),
                               payload_of(message), requires { typename M::reply_type; }});
  }
  bool tracing() const noexcept { return trace_ != nullptr; }

  const std::shared_ptr<detail::ActorRegistry>& registry() const noexcept { return registry_; }
  /// The actor of that name, for replay and diagnostics; null if none.
  ActorBase* find_actor(std::string_view name) const;

 private:
  template <class M>
  static boost::json::value payload_of(const M& m) {
    if constexpr (requires { m.body; }) return oms::to_json(m.body);
    else return oms::to_json(m);
  }

  std::unique_ptr<asio::io_context> owned_;
  asio::io_context& ctx_;
  std::optional<asio::executor_work_guard<executor_type>> work_;
  std::vector<std::thread> threads_;
  std::unique_ptr<asio::thread_pool> blocking_;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<TraceSink> trace_;
  std::shared_ptr<detail::AskDeadlines> deadlines_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;
  std::shared_ptr<detail::TaskList> tasks_ = std::make_shared<detail::TaskList>();
  std::vector<std::weak_ptr<StopListener>> stop_listeners_;
  std::size_t prune_at_ = 64;  // listeners count that triggers dropping the expired ones
  std::shared_ptr<detail::ActorRegistry> registry_ = std::make_shared<detail::ActorRegistry>();
};

}  // namespace oms::runtime
