// Record an OrderManager session's message trace (a JSON-lines file), then replay its external
// inputs into a fresh OrderManager against a fresh rh-sim: the same outputs must come out.
// rh-sim seeds its order and execution ids, so the same calls in the same order give the same
// ids, and the outputs can be compared whole (minus timestamps and the client's random ref_ids).
#include "requirements_fixture.hpp"

#include "runtime/trace.hpp"

#include <fstream>
#include <sstream>

using namespace reqtest;
using runtime::kExternal;
using runtime::TraceRecord;

namespace {

const char* const kUser = "replay.bob.k2";
const char* const kPassword = "pw-Replay-77x";

rhsim::Options sim_options() {
  auto o = simtest::frozen_options();
  o.user = kUser;
  o.password = kPassword;
  return o;
}

/// The world both sessions trade in: 100 TSLA shares to sell.
void prepare(simtest::SimFixture& sim) {
  sim.admin("/_sim/position", R"({"symbol":"TSLA","quantity":"100","average_buy_price":"240.00"})");
}

/// An OrderManager on a virtual clock whose every actor-boundary message goes to `sink`.
struct TracedSession {
  TracedSession(simtest::SimFixture& s, std::shared_ptr<runtime::TraceSink> sink)
      : sim(s),
        clock(std::make_shared<runtime::VirtualClock>(
            std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()))),
        rt(ctx, {clock, std::move(sink)}),
        om(rt, live_config(s, dir), gateway::Credentials{kUser, kPassword, "", ""}) {}
  ~TracedSession() {
    om.close();
    settle(ctx);
  }

  /// Runs the io_context and moves virtual time along (the Canceller waits 100 ms between
  /// looks at a cancelled order) until `done()`.
  bool drive_until(const std::function<bool()>& done) {
    auto drain = [this] {
      ctx.restart();
      ctx.poll();
    };
    for (int i = 0; i < 2000 && !done(); ++i) {
      ctx.restart();
      ctx.run_for(std::chrono::milliseconds(1));
      clock->advance(std::chrono::milliseconds(10), drain);
    }
    return done();
  }
  void drive_steps(int n) {
    int i = 0;
    drive_until([&] { return i++ >= n; });
  }
  template <class T>
  T call(runtime::awaitable<T> op) {
    std::optional<T> out;
    boost::asio::co_spawn(ctx, std::move(op), [&](std::exception_ptr e, T value) {
      if (e) std::rethrow_exception(e);
      out = std::move(value);
    });
    REQUIRE(drive_until([&] { return out.has_value(); }));
    return std::move(*out);
  }

  simtest::SimFixture& sim;
  TempDir dir;
  boost::asio::io_context ctx;
  std::shared_ptr<runtime::VirtualClock> clock;
  runtime::Runtime rt;
  OrderManager om;
};

/// A reply to the outside world (the bot): the session's observable output.
bool is_output(const TraceRecord& r) { return r.to == kExternal; }

/// The payload without what legitimately differs between two runs: time stamps, the client's
/// random ref_ids, the broker's raw payload snapshots (which carry both) and the broker's own
/// state word (rh-sim confirms orders on a real-time tick: "unconfirmed" or "confirmed" are both
/// the normalised `queued`, which is compared).
void strip_volatile(boost::json::value& v) {
  if (auto* o = v.if_object()) {
    for (const char* key : {"raw", "ref_id", "submitted_at", "updated_at", "executed_at", "fetched_at", "at",
                            "broker_state", "cursor"})
      o->erase(key);
    for (auto& [key, child] : *o) strip_volatile(child);
  } else if (auto* a = v.if_array()) {
    for (auto& child : *a) strip_volatile(child);
  }
}

std::string comparable(const TraceRecord& r) {
  auto payload = r.payload;
  strip_volatile(payload);
  return r.from + " -> " + r.to + " " + r.type + " " + boost::json::serialize(payload);
}

std::vector<std::string> outputs(const std::vector<TraceRecord>& records, std::size_t from) {
  std::vector<std::string> out;
  for (std::size_t i = from; i < records.size(); ++i)
    if (is_output(records[i])) out.push_back(comparable(records[i]));
  return out;
}

/// Who told whom what, order-free (concurrent cancels interleave differently run to run).
std::multiset<std::string> conversations(const std::vector<TraceRecord>& records, std::size_t from) {
  std::multiset<std::string> out;
  for (std::size_t i = from; i < records.size(); ++i) out.insert(records[i].from + " -> " + records[i].to + " " + records[i].type);
  return out;
}

/// Posts every external input recorded after `from` into `session`, each once the outputs the
/// original had produced before it have come out of the replay too (inputs were sequential).
void replay(TracedSession& session, const std::shared_ptr<runtime::MemoryTraceSink>& sink, std::size_t sink_from,
            const std::vector<TraceRecord>& recorded, std::size_t from) {
  auto produced = [&] { return outputs(sink->records(), sink_from).size(); };
  std::size_t expected = 0;
  for (std::size_t i = from; i < recorded.size(); ++i) {
    const auto& r = recorded[i];
    if (is_output(r)) ++expected;
    if (r.from != kExternal) continue;
    REQUIRE(session.drive_until([&] { return produced() >= expected; }));
    runtime::ActorBase* target = session.rt.find_actor(r.to);
    REQUIRE_MESSAGE(target != nullptr, r.to);
    CHECK_MESSAGE(target->replay(r), r.type);
  }
  REQUIRE(session.drive_until([&] { return produced() >= expected; }));
  session.drive_steps(20);  // let trailing internal messages finish
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("trace replay: an OrderManager session replayed from its trace into a fresh OrderManager and rh-sim "
          "gives the same envelopes, cancel outcomes and broker orders, and the trace holds no secret") {
  TempDir files;
  const auto trace_path = files.file("session.trace.jsonl");
  std::size_t recorded_from = 0;
  std::string token_text, sold_id;
  std::size_t recorded_orders = 0;
  std::int64_t recorded_cancels = 0;
  {
    simtest::SimFixture sim(sim_options());
    prepare(sim);
    auto sink = std::make_shared<runtime::JsonLinesTraceSink>(trace_path);
    REQUIRE(sink->ok());
    TracedSession s(sim, sink);
    REQUIRE(s.call(s.om.start()).ok());
    recorded_from = runtime::read_trace_file(trace_path).records.size();

    auto buy = s.call(s.om.place_limit_buy("TSLA", qty("50"), price("250.30")));
    auto sell = s.call(s.om.place_limit_sell("TSLA", qty("50"), price("252.10"), "exit"));
    auto again = s.call(s.om.place_limit_buy("TSLA", qty("50"), price("250.30")));
    REQUIRE_MESSAGE(buy.envelope.has_value(), why(buy));
    REQUIRE_MESSAGE(sell.envelope.has_value(), why(sell));
    CHECK(buy.envelope->limit_price == price("249.93"));
    CHECK(sell.envelope->limit_price == price("252.14"));
    CHECK(again.duplicate);
    CHECK(s.call(s.om.get_order_status(buy.envelope->order_id)).status->state == OrderState::queued);
    auto market = s.call(s.om.submit(request("TSLA", "1", Side::buy, "250.30", "", OrderType::market)));
    CHECK(market.error->category == SubmissionErrorCategory::not_implemented);
    auto lower = s.call(s.om.submit(request("tsla", "1", Side::buy, "250.30")));
    CHECK(lower.error->field == "symbol");
    // The sell fills while it is being cancelled; the buy is cancelled.
    sold_id = sell.envelope->order_id;
    fault(sim, "POST", "/orders/" + sold_id + "/cancel/", "fill_during_cancel", 1);
    auto report = s.call(s.om.cancel_all_open_orders("operator"));
    REQUIRE(report.results.size() == 2);
    std::map<std::string, CancelOutcome> outcome;
    for (const auto& r : report.results) outcome[r.order_id] = r.outcome;
    CHECK(outcome[buy.envelope->order_id] == CancelOutcome::cancelled);
    CHECK(outcome[sold_id] == CancelOutcome::filled);
    auto halted = s.call(s.om.place_limit_buy("AAPL", qty("2"), price("190.00")));
    CHECK(halted.error->category == SubmissionErrorCategory::halted);
    CHECK(s.call(s.om.synchronize_open_orders()).error.empty());
    token_text = read_text(s.dir.file("token.json"));
    recorded_orders = broker_orders(sim);
    recorded_cancels = cancel_posts(sim);
  }
  auto file = runtime::read_trace_file(trace_path);
  REQUIRE(file.problems.empty());
  auto original = outputs(file.records, recorded_from);
  REQUIRE(original.size() == 9);  // one reply per call after start()
  CHECK(recorded_orders == 2);

  // No secret in the trace: credentials, tokens, device token.
  auto trace_text = read_text(trace_path);
  auto session = boost::json::parse(token_text).as_object();
  std::vector<std::string> secrets{kUser, kPassword};
  for (const char* key : {"access_token", "refresh_token", "device_token"})
    secrets.emplace_back(session.at(key).as_string());
  for (const auto& secret : secrets) {
    REQUIRE_FALSE(secret.empty());
    CHECK_MESSAGE(trace_text.find(secret) == std::string::npos, "a secret is in the trace");
  }

  // Replay into a fresh OrderManager against a fresh simulator in the same starting state.
  simtest::SimFixture sim(sim_options());
  prepare(sim);
  // The same fill-during-cancel: the seeded simulator gives the sell the same id again.
  fault(sim, "POST", "/orders/" + sold_id + "/cancel/", "fill_during_cancel", 1);
  auto replayed = std::make_shared<runtime::MemoryTraceSink>();
  TracedSession s(sim, replayed);
  REQUIRE(s.call(s.om.start()).ok());
  auto replay_from = replayed->records().size();
  replay(s, replayed, replay_from, file.records, recorded_from);

  auto again = outputs(replayed->records(), replay_from);
  REQUIRE(again.size() == original.size());
  for (std::size_t i = 0; i < original.size(); ++i) CHECK(again[i] == original[i]);
  CHECK(conversations(replayed->records(), replay_from) == conversations(file.records, recorded_from));
  CHECK(broker_orders(sim) == recorded_orders);
  CHECK(cancel_posts(sim) == recorded_cancels);
}

// The Journal's inbox holds both Ask<JournalRecord, JournalAck> and a plain JournalRecord. The
// trace marks requests ("ask":true) and replay posts the form that was sent, so the plain post
// OrderManager::resume_submissions makes is not replayed as an Ask (which would emit a JournalAck
// to "external" that the original session never did).
TEST_CASE("finding 18: trace replay: a resume (a plain JournalRecord post to the journal) replays without an "
          "extra reply") {
  TempDir files;
  const auto trace_path = files.file("resume.trace.jsonl");
  std::size_t recorded_from = 0;
  {
    simtest::SimFixture sim(sim_options());
    TracedSession s(sim, std::make_shared<runtime::JsonLinesTraceSink>(trace_path));
    REQUIRE(s.call(s.om.start()).ok());
    recorded_from = runtime::read_trace_file(trace_path).records.size();
    CHECK(s.call(s.om.cancel_all_open_orders("operator")).submissions_halted);
    s.om.resume_submissions("operator");
    auto placed = s.call(s.om.place_limit_buy("AAPL", qty("2"), price("190.00")));
    REQUIRE_MESSAGE(placed.envelope.has_value(), why(placed));
  }
  auto file = runtime::read_trace_file(trace_path);
  auto original = outputs(file.records, recorded_from);
  REQUIRE(original.size() == 2);  // the cancel-all report and the envelope

  simtest::SimFixture sim(sim_options());
  auto replayed = std::make_shared<runtime::MemoryTraceSink>();
  TracedSession s(sim, replayed);
  REQUIRE(s.call(s.om.start()).ok());
  auto replay_from = replayed->records().size();
  replay(s, replayed, replay_from, file.records, recorded_from);
  auto again = outputs(replayed->records(), replay_from);
  auto listing = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& line : v) out += "\n  " + line;
    return out;
  };
  CHECK_MESSAGE(again == original, "original:" << listing(original) << "\nreplayed:" << listing(again));
  CHECK(broker_orders(sim) == 1);  // the resume itself did take effect
}
