#pragma once
/// Actors: state + a strand + a typed mailbox. `post(actor, message)` is the only way in, and
/// handlers run one at a time on the actor's strand, so actor state needs no lock.
#include "messages/codec.hpp"
#include "runtime/asio.hpp"
#include "runtime/runtime.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/system/errc.hpp>

#include <atomic>
#include <memory>
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
/// Where one reply goes: the asker's channel (none during replay, where replies are only traced).
template <class R>
struct ReplySlot final : StopListener {
  using channel = asio::experimental::concurrent_channel<void(error_code, std::shared_ptr<R>)>;
  ReplySlot(Runtime& rt, std::string asker, std::optional<asio::any_io_executor> ex)
      : runtime(rt), asker(std::move(asker)) {
    if (ex) chan.emplace(*ex, 1);
  }
  /// The asker stops waiting (concurrent_channel::close is thread-safe).
  void on_runtime_stop() override {
    if (chan) chan->close();
  }
  Runtime& runtime;
  std::string asker;
  std::optional<channel> chan;
  std::atomic<bool> timed_out{false};  ///< the channel was closed by the ask's alarm
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
    if (slot_->chan) slot_->chan->try_send(error_code{}, std::make_shared<R>(std::move(value)));
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
    asio::post(strand(), [self = this->shared_from_this(), m = std::move(message)]() mutable {
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
      auto slot = std::make_shared<detail::ReplySlot<typename M::reply_type>>(runtime(), std::string(from),
                                                                              std::nullopt);
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
  using boost::system::errc::make_error_code;
  if (!sent) co_return make_error_code(boost::system::errc::operation_canceled);
  // The timeout closes the channel (thread-safe); so does the runtime stopping.
  auto ex = co_await asio::this_coro::executor;
  auto alarm = slot->runtime.clock().alarm(ex, timeout, [slot] {
    slot->timed_out = true;
    slot->chan->close();
  });
  auto [ec, value] = co_await slot->chan->async_receive(as_tuple_awaitable);
  alarm->cancel();
  if (ec)
    co_return make_error_code(slot->timed_out ? boost::system::errc::timed_out : boost::system::errc::operation_canceled);
  co_return std::move(*value);
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
  // concurrent_channel is thread-safe; the awaiting coroutine resumes on its own executor.
  auto slot = std::make_shared<detail::ReplySlot<R>>(rt, std::string(from),
                                                     asio::any_io_executor(rt.context().get_executor()));
  rt.on_stop(slot);
  bool sent = to->enqueue(Ask<Body, R>{Body(std::forward<B>(body)), ReplyTo<R>(slot)}, from);
  return detail::await_reply<R>(std::move(slot), sent, timeout);
}

}  // namespace oms::runtime
