// The StatusPoller's memory without I/O: cursor from the broker's timestamps, bounded tracks,
// resuming from the journal (finding 13.11, issue 12).
#include "actors/poll_state.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace oms;
using namespace oms::orders;
using namespace std::chrono_literals;
using S = OrderState;

namespace {

Quantity qty(std::string_view s) { return Quantity::parse(s).value(); }
// Broker time: an arbitrary day, far from our clock (which PollState never reads).
Timestamp broker(int seconds) { return parse_iso8601("2026-11-24T15:00:00Z").value() + std::chrono::seconds(seconds); }

OrderStatus snapshot(std::string id, S state, std::string_view filled, int seconds) {
  OrderStatus s;
  s.order_id = std::move(id);
  s.state = state;
  s.filled_quantity = qty(filled);
  s.updated_at = broker(seconds);
  return s;
}

FillEvent execution(std::string order_id, std::string id, std::string_view quantity) {
  FillEvent f;
  f.order_id = std::move(order_id);
  f.execution_id = std::move(id);
  f.quantity = qty(quantity);
  f.price = Price::parse("249.93").value();
  return f;
}

std::vector<std::string> ids(const std::vector<FillEvent>& fills) {
  std::vector<std::string> out;
  for (const auto& f : fills) out.push_back(f.execution_id);
  return out;
}

TrackedOrder tracked(std::string id, S state, std::string_view filled, std::optional<int> seconds,
                     std::vector<std::string> executions, std::string_view executed) {
  TrackedOrder t;
  t.order_id = std::move(id);
  t.state = state;
  t.filled_quantity = qty(filled);
  if (seconds) t.updated_at = broker(*seconds);
  t.execution_ids = std::move(executions);
  t.executed_quantity = qty(executed);
  return t;
}

}  // namespace

TEST_CASE("finding 13.11: the poller's cursor is the newest updated_at the broker showed, not our clock") {
  PollState state;
  auto first = state.begin_pass();
  CHECK_FALSE(first.since.has_value());  // never restored: everything
  state.absorb(snapshot("o1", S::queued, "0", 10), {}, first);
  state.absorb(snapshot("o2", S::queued, "0", 40), {}, first);
  state.pass_completed(first, broker(40));
  REQUIRE(state.cursor().has_value());
  CHECK(*state.cursor() == broker(40));
  auto next = state.begin_pass();
  REQUIRE(next.since.has_value());
  CHECK(*next.since == broker(40) - PollState::kOverlap);
  CHECK_FALSE(next.history_until.has_value());
  // A pass that lists nothing keeps the cursor; an older snapshot never moves it back.
  state.pass_completed(next, std::nullopt);
  CHECK(*state.cursor() == broker(40));
  state.pass_completed(state.begin_pass(), broker(5));
  CHECK(*state.cursor() == broker(40));
}

TEST_CASE("finding 13.11: a finished order's track is dropped, and a later snapshot of it reports nothing again") {
  PollState state;
  auto pass = state.begin_pass();
  state.absorb(snapshot("o1", S::queued, "0", 0), {}, pass);
  CHECK(state.open_tracks() == 1);
  auto done = state.absorb(snapshot("o1", S::filled, "50", 20),
                           {execution("o1", "e1", "20"), execution("o1", "e2", "30")}, pass);
  CHECK(ids(done.update.new_fills) == std::vector<std::string>{"e1", "e2"});
  CHECK(done.update.to == S::filled);
  CHECK(state.open_tracks() == 0);  // bounded to open orders
  CHECK(state.remembers_finished("o1"));
  // The overlap lists it again: nothing new.
  auto again = state.absorb(snapshot("o1", S::filled, "50", 20),
                            {execution("o1", "e1", "20"), execution("o1", "e2", "30")}, pass);
  CHECK_FALSE(again.history);
  CHECK(again.update.new_fills.empty());
  CHECK(again.update.from == S::filled);
  CHECK(state.open_tracks() == 0);
  // Once the cursor is past the retention horizon, even the compact memory goes...
  state.pass_completed(pass, broker(20) + PollState::kRetention + 1s);
  CHECK(state.finished_remembered() == 0);
  // ...and a status query of that old order is answered, not absorbed: no fill reported twice.
  auto old = state.absorb(snapshot("o1", S::filled, "50", 20),
                          {execution("o1", "e1", "20"), execution("o1", "e2", "30")}, std::nullopt);
  CHECK(old.history);
  CHECK(old.update.new_fills.empty());
  CHECK(state.open_tracks() == 0);
}

TEST_CASE("a fill the broker reports after the cancel is news once, although the track was dropped") {
  PollState state;
  auto pass = state.begin_pass();
  state.absorb(snapshot("o1", S::partially_filled, "10", 0), {execution("o1", "e1", "10")}, pass);
  auto cancelled = state.absorb(snapshot("o1", S::cancelled, "10", 5), {execution("o1", "e1", "10")}, pass);
  CHECK(cancelled.update.new_fills.empty());
  CHECK(state.open_tracks() == 0);
  auto late = state.absorb(snapshot("o1", S::filled, "50", 9),
                           {execution("o1", "e1", "10"), execution("o1", "e2", "40")}, pass);
  CHECK(late.update.transition == Transition::applied);
  CHECK(ids(late.update.new_fills) == std::vector<std::string>{"e2"});
  auto repeat = state.absorb(snapshot("o1", S::filled, "50", 9),
                             {execution("o1", "e1", "10"), execution("o1", "e2", "40")}, pass);
  CHECK(repeat.update.new_fills.empty());
}

TEST_CASE("issue 12: restored from the journal, executions already journalled are never reported again") {
  PollState state;
  RestoreTracks seed;
  seed.cursor = broker(100);
  seed.orders = {tracked("open", S::partially_filled, "10", 90, {"e1"}, "10"),
                 tracked("done", S::filled, "5", 95, {"d1"}, "5")};
  state.restore(seed);
  CHECK(state.open_tracks() == 1);
  CHECK(state.remembers_finished("done"));
  auto pass = state.begin_pass();
  REQUIRE(pass.since.has_value());
  CHECK(*pass.since == broker(100) - PollState::kOverlap);  // resumes at the journal, no history walk
  // The order filled while no process ran: only the new execution is news.
  auto open = state.absorb(snapshot("open", S::filled, "30", 150),
                           {execution("open", "e1", "10"), execution("open", "e3", "20")}, pass);
  CHECK(ids(open.update.new_fills) == std::vector<std::string>{"e3"});
  CHECK(open.update.from == S::partially_filled);
  CHECK(open.update.to == S::filled);
  auto done = state.absorb(snapshot("done", S::filled, "5", 95), {execution("done", "d1", "5")}, pass);
  CHECK(done.update.new_fills.empty());
  CHECK(done.update.from == done.update.to);  // no state change journalled again
}

TEST_CASE("issue 12: after a restart, a finished order never heard of is history up to the journal's cursor, news after it") {
  PollState state;
  RestoreTracks seed;
  seed.cursor = broker(100);
  state.restore(seed);
  auto pass = state.begin_pass();
  auto before = state.absorb(snapshot("seen-by-the-last-process", S::filled, "1", 80),
                             {execution("seen-by-the-last-process", "x1", "1")}, pass);
  CHECK(before.history);
  CHECK(before.update.new_fills.empty());
  auto after = state.absorb(snapshot("while-down", S::filled, "1", 130), {execution("while-down", "w1", "1")}, pass);
  CHECK_FALSE(after.history);
  CHECK(ids(after.update.new_fills) == std::vector<std::string>{"w1"});
  state.pass_completed(pass, broker(130));
  // The history order is remembered quietly: the next pass's overlap lists it again, still nothing.
  auto next = state.begin_pass();
  CHECK_FALSE(next.history_until.has_value());
  auto relisted = state.absorb(snapshot("seen-by-the-last-process", S::filled, "1", 80),
                               {execution("seen-by-the-last-process", "x1", "1")}, next);
  CHECK(relisted.update.new_fills.empty());
}

TEST_CASE("issue 12: a new journal's first pass starts at the bootstrap point and takes unknown finished orders as history") {
  PollState state;
  RestoreTracks seed;
  seed.bootstrap_since = broker(-86400);
  seed.orders = {tracked("ours", S::unknown, "0", std::nullopt, {}, "0")};  // journalled envelope, no snapshot yet
  state.restore(seed);
  auto pass = state.begin_pass();
  REQUIRE(pass.since.has_value());
  CHECK(*pass.since == broker(-86400));
  auto foreign = state.absorb(snapshot("someone-elses", S::filled, "3", 50), {execution("someone-elses", "f1", "3")}, pass);
  CHECK(foreign.history);
  auto ours = state.absorb(snapshot("ours", S::filled, "2", 60), {execution("ours", "o1", "2")}, pass);
  CHECK_FALSE(ours.history);
  CHECK(ids(ours.update.new_fills) == std::vector<std::string>{"o1"});
  auto open_foreign = state.absorb(snapshot("open-elsewhere", S::queued, "0", 70), {}, pass);
  CHECK_FALSE(open_foreign.history);  // an open order is tracked, whoever placed it
  state.pass_completed(pass, broker(70));
  CHECK(*state.cursor() == broker(70));  // from the broker's timestamps from now on
  auto next = state.begin_pass();
  CHECK_FALSE(next.history_until.has_value());
  auto news = state.absorb(snapshot("placed-later", S::filled, "1", 90), {execution("placed-later", "p1", "1")}, next);
  CHECK_FALSE(news.history);
  CHECK(news.update.new_fills.size() == 1);
}

TEST_CASE("a new journal on an empty account: the bootstrap point becomes the cursor, so later passes never walk all history") {
  PollState state;
  RestoreTracks seed;
  seed.bootstrap_since = broker(-86400);
  state.restore(seed);
  auto pass = state.begin_pass();
  state.pass_completed(pass, std::nullopt);
  REQUIRE(state.cursor().has_value());
  CHECK(*state.cursor() == broker(-86400));
}
