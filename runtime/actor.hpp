#pragma once
/// Actors: state + a strand + a typed mailbox. `post(actor, message)` is the only way in, and
/// handlers run one at a time on the actor's strand, so actor state needs no lock.
#include "messages/codec.hpp"
#include "runtime/asio.hpp"
#include "runtime/runtime.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/system/errc.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace oms::runtime {

/// Identity and plumbing shared by every actor.
class ActorBase {
 public:
  ActorBase(Runtime& rt, std::string name);
  virtual ~ActorBase();
  ActorBase(const ActorBase&) = delete;
  ActorBase& operator=(const ActorBase&) = delete;

  const std::string& name() const noexcept { return name_; }
  Runtime& runtime() const noexcept { return rt_; }
  const strand_type& strand() const noexcept { return strand_; }
  /// Messages posted and not yet handled.
  std::size_t mailbox_depth() const noexcept { return depth_.load(); }

  /// Replay: decodes a traced message by type name and form (a request made with `ask`, or a
  /// plain post) and posts it in that form. False when this actor does not accept that type in
  /// that form or the payload does not decode.
  virtual bool post_json(std::string_view type, const boost::json::value& payload, std::string_view from,
                         bool ask) = 0;
  /// post_json for one recorded message.
  bool replay(const TraceRecord& r) { return post_json(r.type, r.payload, r.from, r.ask); }

 protected:
  std::atomic<std::size_t> depth_{0};

 private:
  Runtime& rt_;
  std::shared_ptr<detail::ActorRegistry> registry_;
  std::string name_;
  strand_type strand_;
};

namespace detail {
/// Where one reply goes: a one-shot slot. The first of the reply, the ask's alarm and the
/// runtime's stop settles it; later ones are dropped. Any thread may settle it (the replier's
/// strand, the alarm's, Runtime::stop's); the asker's coroutine always resumes on its own
/// executor. A replayed request has nobody waiting: its reply is only traced and kept here.
///
/// Why not a concurrent_channel: an order makes about five asks, and a channel per ask (its
/// service look-up, mutex, queued op and a shared_ptr per value) was a visible part of the CPU
/// per order. One settle-or-wait under a small lock does the same job.
template <class R>
class ReplySlot final : public StopListener,
                        public Expiring,
                        public std::enable_shared_from_this<ReplySlot<R>> {
 public:
  using Outcome = boost::system::result<R>;
  ReplySlot(Runtime& rt, std::string asker) : runtime(rt), asker(std::move(asker)) {}

  /// The first call wins; it resumes the waiter, if one is waiting, on the waiter's executor.
  void settle(Outcome outcome) {
    std::unique_ptr<Waiter> waiting;
    {
      std::lock_guard lock(mu_);
      if (settled_) return;
      settled_ = true;
      if (!waiter_) {
        outcome_.emplace(std::move(outcome));
        return;
      }
      waiting = std::move(waiter_);
    }
    waiting->resume(std::move(outcome));
  }
  void on_runtime_stop() override { settle(errc(boost::system::errc::operation_canceled)); }
  void on_deadline() override { settle(errc(boost::system::errc::timed_out)); }

  /// Completes with the outcome once settled. The caller keeps the slot alive (a shared_ptr)
  /// until it completes. No work guard: the ask's timer (its alarm, or the runtime's deadline
  /// timer while any ask waits) is outstanding work for the whole wait.
  template <class Token>
  auto async_wait(Token&& token) {
    return asio::async_initiate<Token, void(Outcome)>(
        [this](auto handler) {
          auto cancel = asio::get_associated_cancellation_slot(handler);
          if (cancel.is_connected()) {
            // Idempotent and holding the slot weakly, so it is left installed after completion:
            // a later emit finds the slot settled (or gone) and does nothing.
            cancel.assign([weak = this->weak_from_this()](asio::cancellation_type_t) {
              if (auto self = weak.lock()) self->settle(errc(boost::system::errc::operation_canceled));
            });
          }
          auto waiter = std::make_unique<WaiterFor<decltype(handler)>>(std::move(handler), runtime);
          std::unique_lock lock(mu_);
          if (!outcome_) {
            waiter_ = std::move(waiter);
            return;
          }
          Outcome ready = std::move(*outcome_);
          outcome_.reset();
          lock.unlock();
          waiter->resume(std::move(ready));
        },
        token);
  }

  Runtime& runtime;
  const std::string asker;

 private:
  static Outcome errc(boost::system::errc::errc_t e) { return boost::system::errc::make_error_code(e); }

  // The waiting handler, type-erased here rather than with Boost 1.81's any_completion_handler,
  // whose converting constructor recurses on itself when moved.
  struct Waiter {
    virtual ~Waiter() = default;
    virtual void resume(Outcome outcome) = 0;
  };
  template <class Handler>
  struct WaiterFor final : Waiter {
    WaiterFor(Handler h, Runtime& rt)
        : handler(std::move(h)), ex(asio::get_associated_executor(handler, rt.context().get_executor())) {}
    // Queued, never inline: settle may run on the replier's strand, and the asker must not.
    // Deferred (see Actor::enqueue), so a reply from a runtime thread wakes no other thread.
    void resume(Outcome outcome) override {
      asio::defer(ex, [h = std::move(handler), o = std::move(outcome)]() mutable { std::move(h)(std::move(o)); });
    }
    Handler handler;
    asio::associated_executor_t<Handler, asio::io_context::executor_type> ex;
  };

  std::mutex mu_;
  bool settled_ = false;
  std::optional<Outcome> outcome_;  ///< settled before anyone waited
  std::unique_ptr<Waiter> waiter_;
};
}  // namespace detail

/// The address a reply goes to. Copyable; the first reply wins, later ones are dropped.
template <class R>
class ReplyTo {
 public:
  ReplyTo() = default;
  explicit ReplyTo(std::shared_ptr<detail::ReplySlot<R>> slot) : slot_(std::move(slot)) {}
  /// Sends the reply, traced as a message from `from` to the asker.
  void send(R value, std::string_view from) const {
    if (!slot_) return;
    slot_->runtime.trace(from, slot_->asker, value);
    slot_->settle(std::move(value));
  }
  explicit operator bool() const noexcept { return slot_ != nullptr; }

 private:
  std::shared_ptr<detail::ReplySlot<R>> slot_;
};

/// A request that expects a reply of type R (see `ask`).
template <class Body, class R>
struct Ask {
  using body_type = Body;
  using reply_type = R;
  Body body;
  ReplyTo<R> reply_to;
};

/// Grants the runtime access to an actor's private `on(Message)` handlers.
struct ActorAccess {
  template <class D, class M>
  static void deliver(D& actor, M&& message) {
    actor.on(std::forward<M>(message));
  }
};

/// Whether an inbox alternative is a request (Ask<Body, R>) rather than a plain message.
template <class M>
inline constexpr bool is_ask = requires { typename M::reply_type; };

/// Base of every actor. Derived declares `friend struct runtime::ActorAccess;` and a private
/// `void on(M)` for each M in Msgs.

template <class Derived, class... Msgs>
class Actor : public ActorBase, public std::enable_shared_from_this<Derived> {
 public:
  /// The typed mailbox: exactly these message types can be posted to this actor.
  using inbox = std::variant<Msgs...>;
  template <class M>
  static constexpr bool accepts = (std::is_same_v<M, Msgs> || ...);

  using ActorBase::ActorBase;

  /// Queues `message`; it is handled on this actor's strand in posting order.
  template <class M>
  bool enqueue(M message, std::string_view from) {
    static_assert(accepts<M>, "this actor's inbox does not accept that message type");
    if (!runtime().accepting(from)) return false;
    runtime().trace(from, name(), message);
    ++depth_;
    // Deferred, not posted: from a runtime thread it is queued as a continuation of the running
    // handler and wakes no other thread, so an order's hops stay on one thread (from outside
    // the runtime, defer is a plain post).
    asio::defer(strand(), [self = this->shared_from_this(), m = std::move(message)]() mutable {
      --self->depth_;
      ActorAccess::deliver(*self, std::move(m));
    });
    return true;
  }

  bool post_json([[maybe_unused]] std::string_view type, [[maybe_unused]] const boost::json::value& payload,
                 [[maybe_unused]] std::string_view from, [[maybe_unused]] bool ask) override {
    // The form must match too: an inbox with both JournalRecord and Ask<JournalRecord, JournalAck>
    // would otherwise replay a plain post as a request (and emit a reply the original never sent).
    bool delivered = false;
    ((!delivered && type == message_name<Msgs>() && ask == is_ask<Msgs> &&
      (delivered = decode_and_post<Msgs>(payload, from))),
     ...);
    return delivered;
  }

 protected:
  /// Sends `message` to another actor with this actor as the sender.
  template <class A, class M>
  bool tell(const std::shared_ptr<A>& to, M message) {
    return to->enqueue(std::move(message), name());
  }
  /// Runs a coroutine on this actor's strand; cancelled at shutdown.
  void spawn(awaitable<void> task, std::string what) {
    runtime().spawn(strand(), std::move(task), name() + ": " + what);
  }

 private:
  template <class M>
  bool decode_and_post(const boost::json::value& payload, std::string_view from) {
    if constexpr (is_ask<M>) {
      auto body = from_json<typename M::body_type>(payload);
      if (!body) return false;
      auto slot = std::make_shared<detail::ReplySlot<typename M::reply_type>>(runtime(), std::string(from));
      return enqueue(M{std::move(*body), ReplyTo<typename M::reply_type>(slot)}, from);
    } else {
      auto message = from_json<M>(payload);
      return message && enqueue(std::move(*message), from);
    }
  }
};

/// The only way into an actor: queue `message` for `to`, naming the sender for the trace.
template <class A, class M>
bool post(const std::shared_ptr<A>& to, M message, std::string_view from = kExternal) {
  return to->enqueue(std::move(message), from);
}

namespace detail {
template <class R>
awaitable<boost::system::result<R>> await_reply(std::shared_ptr<ReplySlot<R>> slot, bool sent,
                                                Duration timeout) {
  if (!sent) co_return boost::system::errc::make_error_code(boost::system::errc::operation_canceled);
  if (const auto& deadlines = slot->runtime.ask_deadlines()) {
    AskDeadlines::Waiting waiting(deadlines, timeout, slot);
    co_return co_await slot->async_wait(asio::use_awaitable);
  }
  auto ex = co_await asio::this_coro::executor;
  auto alarm = slot->runtime.clock().alarm(ex, timeout, [slot] { slot->on_deadline(); });
  auto outcome = co_await slot->async_wait(asio::use_awaitable);
  alarm->cancel();
  co_return outcome;
}
}  // namespace detail

/// Request/response: posts Ask<Body, R> now and returns an awaitable of the reply, or
/// errc::timed_out after `timeout` of the runtime's clock, or operation_canceled when the
/// runtime is stopping.
///
/// GCC 12 trap: a braced message temporary inside a co_await expression is bit-copied when the
/// coroutine frame is built (`co_await ask(a, Ping{"x"}, t)` frees a pointer into the caller's
/// frame under ASan). Name the message first: `Ping p{"x"}; co_await ask(a, std::move(p), t);`.
template <class R, class A, class B, class Body = std::remove_cvref_t<B>>
awaitable<boost::system::result<R>> ask(const std::shared_ptr<A>& to, B&& body, Duration timeout,
                                        std::string_view from = kExternal) {
  Runtime& rt = to->runtime();
  auto slot = std::make_shared<detail::ReplySlot<R>>(rt, std::string(from));
  // On the real clock the shared deadline timer tracks the wait and ends it at stop.
  if (!rt.ask_deadlines()) rt.on_stop(slot);
  bool sent = to->enqueue(Ask<Body, R>{Body(std::forward<B>(body)), ReplyTo<R>(slot)}, from);
  return detail::await_reply<R>(std::move(slot), sent, timeout);
}

}  // namespace oms::runtime
