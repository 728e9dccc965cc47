#include "test_actors.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <doctest/doctest.h>

#include <future>
#include <thread>

using namespace oms;
using namespace oms::test;

TEST_CASE("messages to one actor are handled in the order they were posted") {
  asio::io_context ctx;
  Runtime rt(ctx);
  auto rec = std::make_shared<Recorder>(rt, "recorder");
  for (int i = 0; i < 1000; ++i) CHECK(post(rec, Note{i, "n"}));
  CHECK(rec->mailbox_depth() == 1000);
  ctx.run();
  REQUIRE(rec->notes.size() == 1000);
  for (int i = 0; i < 1000; ++i) CHECK(rec->notes[i].seq == i);
  CHECK(rec->mailbox_depth() == 0);
}

TEST_CASE("one actor's handlers never run concurrently, even on several threads") {
  Runtime rt;
  auto rec = std::make_shared<Recorder>(rt, "recorder");
  rt.start(4);
  constexpr int kPerThread = 5000;
  std::vector<std::thread> senders;
  for (int t = 0; t < 3; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) post(rec, Note{t * kPerThread + i, "x"});
    });
  }
  for (auto& s : senders) s.join();
  // Read the result on the actor's own strand: the only place its state may be touched.
  std::promise<std::size_t> count;
  asio::post(rec->strand(), [&] { count.set_value(rec->notes.size()); });
  CHECK(count.get_future().get() == 3 * kPerThread);
  CHECK(rec->overlaps.load() == 0);
  rt.stop();
  rt.join();
}

TEST_CASE("each sender's messages keep their order when several threads post at once") {
  Runtime rt;
  auto rec = std::make_shared<Recorder>(rt, "recorder");
  rt.start(2);
  std::vector<std::thread> senders;
  for (int t = 0; t < 2; ++t)
    senders.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) post(rec, Note{i, std::to_string(t)});
    });
  for (auto& s : senders) s.join();
  std::promise<std::vector<Note>> seen;
  asio::post(rec->strand(), [&] { seen.set_value(rec->notes); });
  auto notes = seen.get_future().get();
  std::int64_t last[2] = {-1, -1};
  bool ordered = true;
  for (auto& n : notes) {
    int t = n.text == "0" ? 0 : 1;
    ordered &= n.seq == last[t] + 1;
    last[t] = n.seq;
  }
  CHECK(ordered);
  CHECK(notes.size() == 4000);
}

TEST_CASE("ask returns the reply") {
  asio::io_context ctx;
  Runtime rt(ctx);
  auto rec = std::make_shared<Recorder>(rt, "recorder");
  auto doubler = std::make_shared<Doubler>(rt, "doubler", rec);
  std::optional<std::int64_t> answer;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    auto r = co_await ask<Number>(doubler, Number{21}, std::chrono::seconds(1));
    if (r) answer = r->value;
  }, asio::detached);
  ctx.run();
  CHECK(answer == 42);
  CHECK(rec->notes.size() == 1);
}

TEST_CASE("ask times out on the runtime's clock when no reply comes") {
  VirtualRuntime v;
  auto mute = std::make_shared<Mute>(*v.rt, "mute");
  std::optional<boost::system::error_code> error;
  asio::co_spawn(v.ctx, [&]() -> awaitable<void> {
    auto r = co_await ask<Number>(mute, Number{1}, std::chrono::seconds(5));
    if (!r) error = r.error();
  }, asio::detached);
  v.advance(std::chrono::milliseconds(4999));
  CHECK_FALSE(error.has_value());
  v.advance(std::chrono::milliseconds(1));
  REQUIRE(error.has_value());
  CHECK(*error == boost::system::errc::timed_out);
  CHECK(v.clock->sleepers() == 0);
}

TEST_CASE("a reply that beats the timeout cancels the timeout's sleep") {
  asio::io_context ctx;
  auto clock = std::make_shared<VirtualClock>();
  Runtime rt(ctx, {clock, nullptr});
  auto rec = std::make_shared<Recorder>(rt, "recorder");
  auto doubler = std::make_shared<Doubler>(rt, "doubler", rec);
  std::optional<std::int64_t> answer;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    auto r = co_await ask<Number>(doubler, Number{2}, std::chrono::seconds(5));
    if (r) answer = r->value;
  }, asio::detached);
  ctx.poll();
  CHECK(answer == 4);
  CHECK(clock->sleepers() == 0);
}

TEST_CASE("stop drains queued messages, cancels running tasks and refuses new external mail") {
  Runtime rt;  // real clock: the ticker would sleep 15 s per tick without cancellation
  auto rec = std::make_shared<Recorder>(rt, "recorder");
  auto ticker = std::make_shared<Ticker>(rt, "ticker", rec);
  post(ticker, Start{100});
  for (int i = 0; i < 100; ++i) post(rec, Note{i, "queued"});
  rt.start(2);
  auto began = std::chrono::steady_clock::now();
  while (rt.running_tasks() == 0 && std::chrono::steady_clock::now() - began < std::chrono::seconds(5))
    std::this_thread::yield();
  CHECK(rt.running_tasks() == 1);
  rt.stop();
  CHECK_FALSE(post(rec, Note{999, "late"}));
  rt.join();  // returns only because the 15 s sleep was cancelled
  CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(10));
  CHECK(rt.running_tasks() == 0);
  CHECK(rec->notes.size() == 100);
  CHECK(rec->mailbox_depth() == 0);
}

TEST_CASE("an embedded runtime runs on the bot's own io_context and thread") {
  asio::io_context bot_ctx;
  Runtime rt(bot_ctx);
  auto rec = std::make_shared<Recorder>(rt, "recorder");
  auto doubler = std::make_shared<Doubler>(rt, "doubler", rec);
  std::thread::id handler_thread;
  std::optional<std::int64_t> answer;
  asio::co_spawn(bot_ctx, [&]() -> awaitable<void> {
    auto r = co_await ask<Number>(doubler, Number{5}, std::chrono::seconds(1));
    handler_thread = std::this_thread::get_id();
    if (r) answer = r->value;
  }, asio::detached);
  bot_ctx.run();
  CHECK(answer == 10);
  CHECK(handler_thread == std::this_thread::get_id());
}

TEST_CASE("an exception escaping a spawned task is contained and the task is forgotten") {
  asio::io_context ctx;
  Runtime rt(ctx);
  rt.spawn(ctx.get_executor(), []() -> awaitable<void> {
    throw std::runtime_error("bug");
    co_return;
  }(), "throwing task");
  ctx.run();
  CHECK(rt.running_tasks() == 0);
}

TEST_CASE("two actors cannot share a name") {
  asio::io_context ctx;
  Runtime rt(ctx);
  auto a = std::make_shared<Recorder>(rt, "same");
  CHECK_THROWS_AS(std::make_shared<Recorder>(rt, "same"), std::logic_error);
  CHECK(rt.find_actor("same") == a.get());
}

TEST_CASE("stop ends a pending ask at once with operation_canceled instead of at its timeout") {
  Runtime rt;  // real clock: the ask would otherwise wait its full 60 s
  struct Mute final : Actor<Mute, Ask<Number, Number>> {
    Mute(Runtime& rt, std::string name, std::promise<void>& got) : Actor(rt, std::move(name)), got_(got) {}
    friend struct runtime::ActorAccess;
    void on(Ask<Number, Number>) { got_.set_value(); }  // never answers
    std::promise<void>& got_;
  };
  std::promise<void> got;
  auto delivered = got.get_future();
  auto mute = std::make_shared<Mute>(rt, "mute", got);
  std::promise<boost::system::error_code> outcome;
  auto result = outcome.get_future();
  asio::co_spawn(rt.context(), [&]() -> awaitable<void> {
    auto r = co_await ask<Number>(mute, Number{1}, std::chrono::seconds(60));
    outcome.set_value(r ? boost::system::error_code{} : r.error());
  }, asio::detached);
  rt.start(1);
  // The ask is pending once the actor has it (an event, not a sleep: finding 22).
  REQUIRE(delivered.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  rt.stop();
  // Far below the ask's 60 s: stop() ended it, the timeout did not.
  REQUIRE(result.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(result.get() == boost::system::errc::operation_canceled);
  rt.join();
}

TEST_CASE("issue 15: an actor's ask made after stop ends at once with operation_canceled, on the real clock") {
  // Asks on the real clock are ended at stop by the shared deadline timer alone; one that starts
  // waiting after stop (actor-to-actor traffic still drains) must end too, not hang.
  asio::io_context ctx;
  Runtime rt(ctx);
  REQUIRE(rt.ask_deadlines() != nullptr);
  auto mute = std::make_shared<Mute>(rt, "mute");
  rt.stop();
  std::optional<boost::system::error_code> outcome;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    auto r = co_await ask<Number>(mute, Number{1}, std::chrono::seconds(60), "draining-actor");
    outcome = r ? boost::system::error_code{} : r.error();
  }, asio::detached);
  auto t0 = std::chrono::steady_clock::now();
  ctx.run();
  REQUIRE(outcome.has_value());
  CHECK(*outcome == boost::system::errc::operation_canceled);
  CHECK(mute->asked == 1);  // delivered: the stop refused external mail only
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
}

TEST_CASE("an ask that loses a race is cancelled at once, and its timeout's sleep with it") {
  VirtualRuntime v;
  auto mute = std::make_shared<Mute>(*v.rt, "mute");
  std::optional<std::size_t> winner;
  asio::co_spawn(v.ctx, [&]() -> awaitable<void> {
    using namespace asio::experimental::awaitable_operators;
    auto asked = ask<Number>(mute, Number{1}, std::chrono::seconds(60));
    auto slept = v.clock->sleep_for(std::chrono::seconds(1));
    auto raced = co_await (std::move(asked) || std::move(slept));
    winner = raced.index();
  }, asio::detached);
  v.drain();
  v.advance(std::chrono::seconds(1));
  // The race ends with the sleep, not 59 s later with the ask's own timeout.
  REQUIRE(winner.has_value());
  CHECK(*winner == 1);
  CHECK(mute->asked == 1);
  CHECK(v.clock->sleepers() == 0);
}

TEST_CASE("a reply sent from another strand resumes the asker on its own strand") {
  Runtime rt;
  auto rec = std::make_shared<Recorder>(rt, "recorder");
  auto doubler = std::make_shared<Doubler>(rt, "doubler", rec);
  auto asker = asio::make_strand(rt.context());
  std::promise<std::pair<int, int>> done;  // (replies that resumed on the asker's strand, total)
  auto result = done.get_future();
  asio::co_spawn(asker, [&]() -> awaitable<void> {
    int on_strand = 0;
    for (int i = 0; i < 200; ++i) {
      auto r = co_await ask<Number>(doubler, Number{i}, std::chrono::seconds(30));
      on_strand += r && r->value == 2 * i && asker.running_in_this_thread();
    }
    done.set_value({on_strand, 200});
  }, asio::detached);
  rt.start(2);
  REQUIRE(result.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  auto [on_strand, total] = result.get();
  CHECK(on_strand == total);
  rt.stop();
  rt.join();
}

TEST_CASE("a task still queued in the bot's io_context when the embedded runtime goes is freed safely") {
  // The bot's io_context outlives the runtime and is never run again: its queued handlers (the
  // ticker's sleeping task, the stop's cancellation) are destroyed with it, after the runtime.
  VirtualRuntime v;
  auto rec = std::make_shared<Recorder>(*v.rt, "recorder");
  post(std::make_shared<Ticker>(*v.rt, "ticker", rec), Start{3});
  v.drain();
  CHECK(v.rt->running_tasks() == 1);
  rec.reset();
  v.rt.reset();
  CHECK(v.clock->sleepers() == 1);  // the task is still there, owned by the io_context alone
}

TEST_CASE("issue 15: on the real clock asks share one deadline timer, and each still times out at its own timeout, "
          "a shorter one added later first") {
  asio::io_context ctx;
  Runtime rt(ctx);
  REQUIRE(rt.ask_deadlines() != nullptr);
  auto mute = std::make_shared<Mute>(rt, "mute");
  std::vector<std::string> ended;
  auto wait = [&](std::chrono::milliseconds timeout, std::string name) -> awaitable<void> {
    auto r = co_await ask<Number>(mute, Number{1}, timeout);
    if (!r && r.error() == boost::system::errc::timed_out) ended.push_back(name);
  };
  asio::co_spawn(ctx, wait(std::chrono::milliseconds(400), "long"), asio::detached);
  asio::co_spawn(ctx, wait(std::chrono::milliseconds(100), "short"), asio::detached);
  auto t0 = std::chrono::steady_clock::now();
  ctx.run();
  CHECK(ended == std::vector<std::string>{"short", "long"});
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(400));
}

TEST_CASE("issue 15: answered asks leave nothing holding an embedded io_context: run() returns, not at their "
          "60 s timeout, and a later unanswered ask still times out") {
  asio::io_context ctx;
  Runtime rt(ctx);
  auto rec = std::make_shared<Recorder>(rt, "recorder");
  auto doubler = std::make_shared<Doubler>(rt, "doubler", rec);
  auto mute = std::make_shared<Mute>(rt, "mute");
  int answered = 0;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    for (int i = 0; i < 100; ++i) {
      auto r = co_await ask<Number>(doubler, Number{i}, std::chrono::seconds(60));
      answered += r && r->value == 2 * i;
    }
  }, asio::detached);
  auto t0 = std::chrono::steady_clock::now();
  ctx.run();
  CHECK(answered == 100);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
  std::optional<boost::system::error_code> error;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    auto r = co_await ask<Number>(mute, Number{1}, std::chrono::milliseconds(50));
    if (!r) error = r.error();
  }, asio::detached);
  ctx.restart();
  ctx.run();
  REQUIRE(error.has_value());
  CHECK(*error == boost::system::errc::timed_out);
}
