#pragma once
// Small actors used by the runtime tests.
#include "runtime/actor.hpp"

#include <boost/describe/class.hpp>

#include <atomic>
#include <optional>
#include <vector>

namespace oms::test {
using namespace oms::runtime;

struct Note {
  static constexpr const char* message_type = "Note";
  std::int64_t seq = 0;
  std::string text;
};
BOOST_DESCRIBE_STRUCT(Note, (), (seq, text))

struct Number {
  static constexpr const char* message_type = "Number";
  std::int64_t value = 0;
};
BOOST_DESCRIBE_STRUCT(Number, (), (value))

struct Start {
  static constexpr const char* message_type = "Start";
  std::int64_t ticks = 0;
};
BOOST_DESCRIBE_STRUCT(Start, (), (ticks))

/// Keeps every note it receives; flags any overlap of two handlers.
class Recorder final : public Actor<Recorder, Note> {
 public:
  using Actor::Actor;
  std::vector<Note> notes;        // strand-only state
  std::atomic<int> overlaps{0};   // written only when the strand guarantee is broken

 private:
  friend struct runtime::ActorAccess;
  void on(Note n) {
    if (busy_.exchange(true)) ++overlaps;
    notes.push_back(std::move(n));
    busy_.store(false);
  }
  std::atomic<bool> busy_{false};
};

/// Doubles numbers on request and tells the recorder about each one. `factor` other than 2 makes
/// a changed actor (the replay tests show the change is seen).
class Doubler final : public Actor<Doubler, Ask<Number, Number>, Note> {
 public:
  Doubler(Runtime& rt, std::string name, std::shared_ptr<Recorder> recorder, std::int64_t factor = 2)
      : Actor(rt, std::move(name)), recorder_(std::move(recorder)), factor_(factor) {}

 private:
  friend struct runtime::ActorAccess;
  void on(Ask<Number, Number> m) {
    tell(recorder_, Note{m.body.value, "doubled"});
    m.reply_to.send(Number{m.body.value * factor_}, name());
  }
  void on(Note) {}  // accepted and ignored: never replies (for timeout tests)
  std::shared_ptr<Recorder> recorder_;
  std::int64_t factor_;
};

/// An embedded runtime on a VirtualClock, the set-up most runtime tests share. `rt` can be reset
/// to end the runtime before the io_context.
struct VirtualRuntime {
  asio::io_context ctx;
  // Declared after ctx, so destroyed before it: the clock's sleepers hold timers of ctx.
  std::shared_ptr<VirtualClock> clock = std::make_shared<VirtualClock>();
  std::optional<Runtime> rt{std::in_place, ctx, RuntimeOptions{clock, nullptr}};
  /// Runs what is ready now (after each wake of a clock advance).
  void drain() {
    ctx.restart();
    ctx.poll();
  }
  void advance(Duration d) { clock->advance(d, [this] { drain(); }); }
};

/// Takes requests and never answers: its asker must time out, be cancelled or be stopped.
class Mute final : public Actor<Mute, Ask<Number, Number>> {
 public:
  using Actor::Actor;
  std::atomic<int> asked{0};

 private:
  friend struct runtime::ActorAccess;
  void on(Ask<Number, Number>) { ++asked; }  // drops the reply address
};

/// Takes one message type both ways, as the Journal does with JournalRecord: a request answered
/// with its value, and a plain post that is only counted.
class TwoForms final : public Actor<TwoForms, Ask<Number, Number>, Number> {
 public:
  using Actor::Actor;
  int asked = 0;   // strand-only
  int posted = 0;  // strand-only

 private:
  friend struct runtime::ActorAccess;
  void on(Ask<Number, Number> m) {
    ++asked;
    m.reply_to.send(Number{m.body.value}, name());
  }
  void on(Number) { ++posted; }
};

/// Ticks every 15 s of its clock, like the status poller.
class Ticker final : public Actor<Ticker, Start> {
 public:
  Ticker(Runtime& rt, std::string name, std::shared_ptr<Recorder> recorder)
      : Actor(rt, std::move(name)), recorder_(std::move(recorder)) {}

 private:
  friend struct runtime::ActorAccess;
  void on(Start s) { spawn(run(s.ticks), "tick loop"); }
  awaitable<void> run(std::int64_t ticks) {
    auto self = shared_from_this();
    for (std::int64_t i = 1; i <= ticks; ++i) {
      if (co_await runtime().clock().sleep_for(std::chrono::seconds(15))) co_return;
      tell(recorder_, Note{i, "tick"});
    }
  }
  std::shared_ptr<Recorder> recorder_;
};

}  // namespace oms::test
