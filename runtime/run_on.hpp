#pragma once
/// Runs a coroutine on another executor (an actor's strand) and awaits its result, forwarding the
/// caller's cancellation.
///
/// Why not `co_await co_spawn(strand, op, use_awaitable)`: Boost 1.81's co_spawn forwards the
/// caller's cancellation by posting a raw pointer to its forwarding signal onto the strand. If the
/// spawned coroutine finishes before that post runs, the signal is gone and the post writes into
/// freed memory — which happened when the runtime was stopped while a broker request was in
/// flight (tests/stress/shutdown.test.cpp). Here the forwarding signal is shared by
/// everything that can reach it, and it is emitted on the strand only while the operation runs.
#include "runtime/asio.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/dispatch.hpp>

#include <memory>

namespace oms::runtime {
namespace detail {

struct CancelForwarder {
  asio::cancellation_signal signal;
  bool done = false;  // read and written on the target strand only (or at teardown)
};

template <class T>
awaitable<T> run_then_mark_done(std::shared_ptr<CancelForwarder> forwarder, awaitable<T> op) {
  struct MarkDone {
    CancelForwarder& f;
    ~MarkDone() { f.done = true; }
  } mark{*forwarder};
  co_return co_await std::move(op);
}

}  // namespace detail

template <class T, class Executor>
awaitable<T> run_on(Executor strand, awaitable<T> op) {
  auto forwarder = std::make_shared<detail::CancelForwarder>();
  asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
  auto slot = state.slot();
  if (slot.is_connected()) {
    slot.assign([forwarder, strand](asio::cancellation_type_t type) {
      asio::dispatch(strand, [forwarder, type] {
        if (!forwarder->done) forwarder->signal.emit(type);
      });
    });
  }
  // co_spawn installs its own forwarder in forwarder->signal's slot; it is only ever triggered
  // from the strand, where its dispatch runs inline, so its raw pointer never outlives a post.
  auto token = asio::bind_cancellation_slot(forwarder->signal.slot(), use_awaitable);
  auto inner = detail::run_then_mark_done<T>(forwarder, std::move(op));
  co_return co_await asio::co_spawn(strand, std::move(inner), token);
}

}  // namespace oms::runtime
