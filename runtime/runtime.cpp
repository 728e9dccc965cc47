#include "runtime/runtime.hpp"

#include "runtime/actor.hpp"
#include "runtime/thread_signals.hpp"

#include <algorithm>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/log/trivial.hpp>

#include <stdexcept>

namespace oms::runtime {

namespace {
std::shared_ptr<detail::AskDeadlines> deadlines_for(const Clock& clock, asio::io_context& ctx) {
  if (!dynamic_cast<const RealClock*>(&clock)) return nullptr;
  return std::make_shared<detail::AskDeadlines>(ctx);
}
}  // namespace

Runtime::Runtime(asio::io_context& ctx, RuntimeOptions options)
    : ctx_(ctx),
      clock_(options.clock ? std::move(options.clock) : std::make_shared<RealClock>()),
      trace_(std::move(options.trace)),
      deadlines_(deadlines_for(*clock_, ctx_)) {}

Runtime::Runtime(RuntimeOptions options)
    : owned_(std::make_unique<asio::io_context>()),
      ctx_(*owned_),
      clock_(options.clock ? std::move(options.clock) : std::make_shared<RealClock>()),
      trace_(std::move(options.trace)),
      deadlines_(deadlines_for(*clock_, ctx_)) {}

Runtime::~Runtime() {
  stop();
  join();
  // The deadline timer belongs to the io_context: released first (an ask's frame still queued
  // there may hold it until the io_context destroys the frame, while its services still exist).
  deadlines_.reset();
  // Handlers still queued hold actors; destroy them while the runtime's members are alive.
  owned_.reset();
}

void Runtime::start(unsigned threads) {
  if (!owned_) throw std::logic_error("Runtime::start: the embedded runtime runs on the caller's threads");
  if (!threads_.empty()) throw std::logic_error("Runtime::start called twice");
  // The work guard keeps the threads alive while actors are idle; stop() releases it.
  work_.emplace(ctx_.get_executor());
  SignalsBlockedHere blocked;  // the threads take no process signal: the embedding bot's are its own
  blocking_ = std::make_unique<asio::thread_pool>(1);
  asio::post(*blocking_, [] { ::pthread_setname_np(::pthread_self(), "oms-blocking"); });  // as ps and perf show it
  for (unsigned i = 0; i < std::max(1u, threads); ++i)
    threads_.emplace_back([this] {
      ::pthread_setname_np(::pthread_self(), "oms-runtime");
      ctx_.run();
    });
}

void Runtime::stop() {
  if (stopping_.exchange(true)) return;
  std::vector<std::shared_ptr<detail::Task>> tasks;
  {
    // A task is linked while stopping_ was false under this lock, so none is missed.
    std::lock_guard lock(tasks_->mu);
    tasks.reserve(tasks_->count);
    for (auto* t = tasks_->head; t; t = t->next) {
      if (auto alive = t->weak_from_this().lock()) tasks.push_back(std::move(alive));  // not mid-destruction
    }
  }
  std::vector<std::weak_ptr<StopListener>> listeners;
  {
    std::lock_guard lock(mu_);
    listeners.swap(stop_listeners_);
  }
  // Pending asks end now with operation_canceled rather than at their timeout: a bot awaiting
  // an answer when the runtime stops must not hold the threads for the rest of the timeout.
  for (auto& weak : listeners) {
    if (auto listener = weak.lock()) listener->on_runtime_stop();
  }
  // The asks on the real clock are tracked by the deadline timer, which ends them the same way;
  // its timer must not hold the io_context either.
  if (deadlines_) deadlines_->stop();
  // A cancellation signal must be emitted on the executor its operation runs on.
  for (auto& task : tasks) {
    asio::post(task->executor, [task] { task->signal.emit(asio::cancellation_type::terminal); });
  }
  work_.reset();
}

void Runtime::join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  if (blocking_) blocking_->join();  // its work held the io_context: finished before the threads
}

void Runtime::spawn(const asio::any_io_executor& ex, awaitable<void> task, std::string what) {
  auto entry = std::make_shared<detail::Task>(tasks_, ex, std::move(what));
  {
    std::lock_guard lock(tasks_->mu);
    if (stopping_) {
      BOOST_LOG_TRIVIAL(warning) << "runtime stopping; task not started: " << entry->what;
      return;
    }
    tasks_->link_locked(*entry);
  }
  auto slot = entry->signal.slot();
  // The handler owns the entry: it unlinks when the task ends (or when the handler is dropped).
  asio::co_spawn(ex, std::move(task), asio::bind_cancellation_slot(slot, [entry = std::move(entry)](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      BOOST_LOG_TRIVIAL(error) << "task '" << entry->what << "' failed: " << ex.what();
    } catch (...) {
      BOOST_LOG_TRIVIAL(error) << "task '" << entry->what << "' failed";
    }
  }));
}

void Runtime::on_stop(std::weak_ptr<StopListener> listener) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      if (stop_listeners_.size() >= prune_at_) {
        std::erase_if(stop_listeners_, [](const auto& w) { return w.expired(); });
        prune_at_ = std::max<std::size_t>(64, stop_listeners_.size() * 2);
      }
      stop_listeners_.push_back(std::move(listener));
      return;
    }
  }
  if (auto l = listener.lock()) l->on_runtime_stop();
}

std::size_t Runtime::running_tasks() const {
  std::lock_guard lock(tasks_->mu);
  return tasks_->count;
}

bool Runtime::accepting(std::string_view from) const {
  return !stopping_ || from != kExternal;
}

ActorBase* Runtime::find_actor(std::string_view name) const {
  std::lock_guard lock(registry_->mu);
  auto it = registry_->actors.find(name);
  return it == registry_->actors.end() ? nullptr : it->second;
}

}  // namespace oms::runtime

namespace oms::runtime::detail {

Task::Task(std::shared_ptr<TaskList> l, asio::any_io_executor ex, std::string w)
    : list(std::move(l)), executor(std::move(ex)), what(std::move(w)) {}

Task::~Task() {
  std::lock_guard lock(list->mu);
  if (linked) list->unlink_locked(*this);
}

void TaskList::link_locked(Task& task) {
  task.next = head;
  if (head) head->prev = &task;
  head = &task;
  task.linked = true;
  ++count;
}

void TaskList::unlink_locked(Task& task) {
  if (task.prev) task.prev->next = task.next;
  else head = task.next;
  if (task.next) task.next->prev = task.prev;
  task.prev = task.next = nullptr;
  task.linked = false;
  --count;
}

}  // namespace oms::runtime::detail

namespace oms::runtime {

ActorBase::ActorBase(Runtime& rt, std::string name)
    : rt_(rt), registry_(rt.registry()), name_(std::move(name)), strand_(asio::make_strand(rt.context())) {
  std::lock_guard lock(registry_->mu);
  if (!registry_->actors.emplace(name_, this).second)
    throw std::logic_error("two actors named '" + name_ + "'");
}

ActorBase::~ActorBase() {
  std::lock_guard lock(registry_->mu);
  auto it = registry_->actors.find(name_);
  if (it != registry_->actors.end() && it->second == this) registry_->actors.erase(it);
}

}  // namespace oms::runtime
