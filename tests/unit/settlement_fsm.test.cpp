// The settlement protocol (actors/settlement_fsm.hpp): every phase against every input, the rule
// that proves absence, the backoff and the deadline.
#include "actors/settlement_fsm.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <vector>

using namespace oms;
using namespace oms::settlement;
using namespace std::chrono_literals;

namespace {

const Timestamp t0 = Timestamp{} + std::chrono::hours(24 * 20000);  // an arbitrary "now"

Policy policy() {
  Policy p;
  p.quiet = 60s;
  p.base_delay = 1s;
  p.max_delay = 8s;
  p.give_up_after = 120s;
  p.look_back = 5min;
  return p;
}

// Intent at t0 - 10 s, attempts ended at t0 - 5 s: absence provable from t0 + 55 s.
Fsm fresh(std::optional<Timestamp> first = std::nullopt) { return Fsm(t0 - 10s, t0 - 5s, t0, policy(), first); }

Phase phase_of(const Step& s) {
  if (std::holds_alternative<LookUpAt>(s)) return Phase::waiting;
  if (std::holds_alternative<LookingUp>(s)) return Phase::looking;
  if (std::holds_alternative<Found>(s)) return Phase::found;
  if (std::holds_alternative<ProvenAbsent>(s)) return Phase::absent;
  return Phase::gave_up;
}

Timestamp at(const Step& s) { return std::get<LookUpAt>(s).at; }

// Drives a fresh settlement into `p`.
Fsm in_phase(Phase p) {
  Fsm f = fresh();
  if (p == Phase::waiting) return f;
  REQUIRE(f.begin_look_up(t0));
  if (p == Phase::looking) return f;
  if (p == Phase::found) f.found(t0);
  if (p == Phase::absent) {
    f.failed(t0, "503");  // back to waiting, then a listing begun after proof_from
    REQUIRE(f.begin_look_up(t0 + 60s));
    f.not_found(t0 + 60s, t0 + 61s);
  }
  if (p == Phase::gave_up) {
    Timestamp now = t0;
    for (int i = 0; i < 100 && f.phase() != Phase::gave_up; ++i) {
      if (f.phase() == Phase::waiting) {
        now = std::max(now, at(f.step()));
        REQUIRE(f.begin_look_up(now));
      }
      f.failed(now, "503 Service Unavailable");
    }
  }
  REQUIRE(f.phase() == p);
  return f;
}

}  // namespace

TEST_CASE("settlement: a new settlement looks up at once, in a window starting look_back before the intent") {
  Fsm f = fresh();
  CHECK(f.phase() == Phase::waiting);
  CHECK(f.step() == Step{LookUpAt{t0}});
  CHECK(f.proof_from() == t0 + 55s);
  CHECK(f.deadline() == t0 + 120s);
  auto window = f.begin_look_up(t0);
  REQUIRE(window.has_value());
  CHECK(*window == t0 - 10s - 5min);
  CHECK(f.step() == Step{LookingUp{t0}});
  CHECK(f.look_ups() == 1);
}

TEST_CASE("settlement: the first look-up may be scheduled later (after the gateway's own look-ups), never past the deadline") {
  CHECK(fresh(t0 + 2s).step() == Step{LookUpAt{t0 + 2s}});
  CHECK(fresh(t0 - 2s).step() == Step{LookUpAt{t0}});
  CHECK(fresh(t0 + 1h).step() == Step{LookUpAt{t0 + 120s}});
}

TEST_CASE("settlement: a look-up starts only when waiting and due") {
  Fsm f = fresh(t0 + 3s);
  CHECK_FALSE(f.begin_look_up(t0 + 2s).has_value());
  CHECK(f.phase() == Phase::waiting);
  CHECK(f.begin_look_up(t0 + 3s).has_value());
  CHECK_FALSE(f.begin_look_up(t0 + 4s).has_value());  // one in flight already
  CHECK(f.look_ups() == 1);
}

TEST_CASE("settlement: the broker showing the ref_id settles it as found, whenever the look-up began") {
  Fsm f = fresh();
  f.begin_look_up(t0);
  CHECK(f.found(t0 + 1s) == Step{Found{}});
  CHECK(f.phase() == Phase::found);
}

TEST_CASE("settlement: a complete listing begun at or after last attempt + quiet without the ref_id proves absence") {
  Fsm f = fresh(t0 + 55s);
  REQUIRE(f.begin_look_up(t0 + 55s));
  CHECK(f.not_found(t0 + 55s, t0 + 56s) == Step{ProvenAbsent{t0 + 55s}});
}

TEST_CASE("settlement: a listing begun before the quiet period ends proves nothing, even when it ends after it") {
  Fsm f = fresh(t0 + 54s);
  REQUIRE(f.begin_look_up(t0 + 54s));
  auto next = f.not_found(t0 + 54s, t0 + 70s);  // a slow listing: began too early
  REQUIRE(f.phase() == Phase::waiting);
  CHECK(at(next) == t0 + 71s);  // backoff from its end (1 s)
}

TEST_CASE("settlement: not found too early: look again with backoff, but no later than the first provable moment") {
  Fsm f = fresh();
  REQUIRE(f.begin_look_up(t0));
  CHECK(at(f.not_found(t0, t0)) == t0 + 1s);
  REQUIRE(f.begin_look_up(t0 + 1s));
  CHECK(at(f.not_found(t0 + 1s, t0 + 1s)) == t0 + 3s);  // 2 s
  REQUIRE(f.begin_look_up(t0 + 3s));
  CHECK(at(f.not_found(t0 + 3s, t0 + 3s)) == t0 + 7s);  // 4 s
  REQUIRE(f.begin_look_up(t0 + 7s));
  CHECK(at(f.not_found(t0 + 7s, t0 + 7s)) == t0 + 15s);  // 8 s: the cap
  REQUIRE(f.begin_look_up(t0 + 15s));
  CHECK(at(f.not_found(t0 + 15s, t0 + 15s)) == t0 + 23s);  // still 8 s
  REQUIRE(f.begin_look_up(t0 + 50s));
  CHECK(at(f.not_found(t0 + 50s, t0 + 50s)) == t0 + 55s);  // clamped to proof_from
  REQUIRE(f.begin_look_up(t0 + 55s));
  CHECK(f.not_found(t0 + 55s, t0 + 55s) == Step{ProvenAbsent{t0 + 55s}});
  CHECK(f.look_ups() == 7);
}

TEST_CASE("settlement: a failed look-up backs off (at least the broker's Retry-After) and keeps the error") {
  Fsm f = fresh();
  REQUIRE(f.begin_look_up(t0));
  CHECK(at(f.failed(t0, "server (HTTP 500)")) == t0 + 1s);
  CHECK(f.last_error() == "server (HTTP 500)");
  REQUIRE(f.begin_look_up(t0 + 1s));
  CHECK(at(f.failed(t0 + 1s, "throttled (HTTP 429)", 30s)) == t0 + 31s);  // Retry-After beats the backoff
  REQUIRE(f.begin_look_up(t0 + 31s));
  f.not_found(t0 + 31s, t0 + 31s);
  CHECK(f.last_error().empty());  // a successful listing clears it
}

TEST_CASE("settlement: at the deadline it gives up with the last error; the last look-up is at the deadline") {
  Fsm f = fresh();
  Timestamp now = t0;
  std::vector<Timestamp> looks;
  while (f.phase() != Phase::gave_up) {
    REQUIRE(f.phase() == Phase::waiting);
    now = at(f.step());
    REQUIRE(f.begin_look_up(now));
    looks.push_back(now);
    f.failed(now, "network: connection refused");
  }
  CHECK(looks.back() == t0 + 120s);
  CHECK(looks.size() < 25);  // backed off
  auto step = f.step();
  REQUIRE(std::holds_alternative<GaveUp>(step));
  CHECK(std::get<GaveUp>(step).why.find("connection refused") != std::string::npos);
}

TEST_CASE("settlement: the deadline is never before the first moment absence can be proven") {
  Policy p = policy();
  p.give_up_after = 10s;  // shorter than the quiet period
  Fsm f(t0 - 10s, t0 - 5s, t0, p);
  CHECK(f.deadline() == f.proof_from());
  Timestamp now = t0;
  while (f.phase() == Phase::waiting) {
    now = at(f.step());
    f.begin_look_up(now);
    f.not_found(now, now);
  }
  CHECK(f.phase() == Phase::absent);  // a proof was still tried, at the deadline
}

TEST_CASE("settlement: hurry makes a waiting settlement look now and restarts one that gave up") {
  Fsm waiting = fresh(t0 + 30s);
  CHECK(waiting.hurry(t0 + 1s) == Step{LookUpAt{t0 + 1s}});

  Fsm gave_up = in_phase(Phase::gave_up);
  auto step = gave_up.hurry(t0 + 1h);
  CHECK(step == Step{LookUpAt{t0 + 1h}});
  CHECK(gave_up.deadline() == t0 + 1h + 120s);
  REQUIRE(gave_up.begin_look_up(t0 + 1h));
  CHECK(at(gave_up.failed(t0 + 1h, "503")) == t0 + 1h + 1s);  // the backoff starts over
}

TEST_CASE("settlement: every phase against every input (exhaustive)") {
  struct Input {
    const char* name;
    std::function<void(Fsm&)> apply;
  };
  const Timestamp later = t0 + 200s;  // past the deadline and past proof_from
  const std::vector<Input> inputs = {
      {"begin_look_up", [&](Fsm& f) { f.begin_look_up(later); }},
      {"found", [&](Fsm& f) { f.found(later); }},
      {"not_found early", [&](Fsm& f) { f.not_found(t0, t0 + 1s); }},
      {"not_found proving", [&](Fsm& f) { f.not_found(later, later); }},
      {"failed", [&](Fsm& f) { f.failed(t0 + 1s, "503"); }},
      {"failed past deadline", [&](Fsm& f) { f.failed(later, "503"); }},
      {"hurry", [&](Fsm& f) { f.hurry(t0 + 1s); }},
  };
  // expected[phase][input]
  const std::map<Phase, std::vector<Phase>> expected = {
      {Phase::waiting,
       {Phase::looking, Phase::waiting, Phase::waiting, Phase::waiting, Phase::waiting, Phase::waiting, Phase::waiting}},
      {Phase::looking,
       {Phase::looking, Phase::found, Phase::waiting, Phase::absent, Phase::waiting, Phase::gave_up, Phase::looking}},
      {Phase::found, {Phase::found, Phase::found, Phase::found, Phase::found, Phase::found, Phase::found, Phase::found}},
      {Phase::absent,
       {Phase::absent, Phase::absent, Phase::absent, Phase::absent, Phase::absent, Phase::absent, Phase::absent}},
      {Phase::gave_up,
       {Phase::gave_up, Phase::gave_up, Phase::gave_up, Phase::gave_up, Phase::gave_up, Phase::gave_up, Phase::waiting}},
  };
  for (const auto& [from, outcomes] : expected) {
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      Fsm f = in_phase(from);
      inputs[i].apply(f);
      INFO("from phase ", static_cast<int>(from), " on ", inputs[i].name);
      CHECK(f.phase() == outcomes[i]);
      CHECK(phase_of(f.step()) == f.phase());
    }
  }
}

TEST_CASE("settlement: a result that arrives while no look-up is in flight changes nothing") {
  Fsm f = fresh(t0 + 5s);
  auto before = f.step();
  CHECK(f.found(t0) == before);
  CHECK(f.not_found(t0 + 100s, t0 + 100s) == before);
  CHECK(f.failed(t0, "503") == before);
  CHECK(f.look_ups() == 0);
}
