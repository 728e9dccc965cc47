#include "test_actors.hpp"

#include <boost/asio/detached.hpp>
#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace oms;
using namespace oms::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

/// The actor set under test and its io_context, on a virtual clock.
struct System {
  /// `factor` 2 is the doubler as recorded; anything else is a changed actor.
  explicit System(std::shared_ptr<TraceSink> sink, std::int64_t factor = 2)
      : clock(std::make_shared<VirtualClock>()), rt(ctx, {clock, std::move(sink)}),
        recorder(std::make_shared<Recorder>(rt, "recorder")),
        doubler(std::make_shared<Doubler>(rt, "doubler", recorder, factor)),
        ticker(std::make_shared<Ticker>(rt, "ticker", recorder)) {}
  void drain() { ctx.restart(); ctx.poll(); }
  asio::io_context ctx;
  std::shared_ptr<VirtualClock> clock;
  Runtime rt;
  std::shared_ptr<Recorder> recorder;
  std::shared_ptr<Doubler> doubler;
  std::shared_ptr<Ticker> ticker;
};

std::vector<TraceRecord> outputs(const std::vector<TraceRecord>& all) {
  std::vector<TraceRecord> out;
  for (auto& r : all)
    if (r.from != kExternal) out.push_back(r);
  return out;
}

std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()) + ".jsonl")).string();
}

}  // namespace

TEST_CASE("a recorded trace replayed under the virtual clock produces the same outputs") {
  auto path = temp_path("oms-trace");
  std::filesystem::remove(path);
  auto file_sink = std::make_shared<JsonLinesTraceSink>(path);
  std::vector<TraceRecord> original;
  {
    auto memory = std::make_shared<MemoryTraceSink>();
    struct Tee final : TraceSink {
      std::shared_ptr<TraceSink> a, b;
      void record(TraceRecord r) override { a->record(r); b->record(std::move(r)); }
    };
    auto tee = std::make_shared<Tee>();
    tee->a = memory;
    tee->b = file_sink;
    System sys(tee);
    post(sys.ticker, Start{3});
    sys.clock->advance(20s, [&] { sys.drain(); });
    asio::co_spawn(sys.ctx, [&]() -> awaitable<void> {
      co_await ask<Number>(sys.doubler, Number{21}, 1s);
    }, asio::detached);
    sys.drain();
    sys.clock->advance(5s, [&] { sys.drain(); });
    post(sys.recorder, Note{7, "direct"});
    sys.clock->advance(60s, [&] { sys.drain(); });
    original = memory->records();
  }
  REQUIRE(original.size() == 8);  // 3 inputs, 3 ticks, the doubler's note and its reply

  auto file = read_trace_file(path);
  CHECK(file.problems.empty());
  REQUIRE(file.records == original);

  // Replay: feed the external inputs at their recorded times to a fresh actor set.
  auto replayed = std::make_shared<MemoryTraceSink>();
  System sys(replayed);
  for (const auto& r : file.records) {
    if (r.from != kExternal) continue;
    sys.clock->advance(r.time - sys.clock->now(), [&] { sys.drain(); });
    ActorBase* target = sys.rt.find_actor(r.to);
    REQUIRE(target != nullptr);
    CHECK(target->replay(r));
    sys.drain();
  }
  sys.clock->advance(file.records.back().time - sys.clock->now(), [&] { sys.drain(); });
  CHECK(outputs(replayed->records()) == outputs(original));
  CHECK(replayed->records() == original);
  std::filesystem::remove(path);
}

namespace {
/// Records one session (a request to the doubler, a note to the recorder) and replays its external
/// inputs into a fresh system whose doubler multiplies by `factor`. Returns {original, replayed}.
std::pair<std::vector<TraceRecord>, std::vector<TraceRecord>> record_and_replay(std::int64_t factor) {
  auto recorded = std::make_shared<MemoryTraceSink>();
  {
    System sys(recorded);
    asio::co_spawn(sys.ctx, [&]() -> awaitable<void> {
      Number n{21};  // named: no braced temporary inside co_await (GCC 12)
      co_await ask<Number>(sys.doubler, std::move(n), 1s);
    }, asio::detached);
    sys.drain();
    post(sys.recorder, Note{7, "direct"});
    sys.drain();
  }
  auto replayed = std::make_shared<MemoryTraceSink>();
  System sys(replayed, factor);
  for (const auto& r : recorded->records()) {
    if (r.from != kExternal) continue;
    REQUIRE(sys.rt.find_actor(r.to)->replay(r));
    sys.drain();
  }
  return {outputs(recorded->records()), outputs(replayed->records())};
}
}  // namespace

TEST_CASE("finding 21: a changed actor makes the replay differ (the replay check can fail)") {
  auto [original, same] = record_and_replay(2);
  REQUIRE(original.size() == 2);  // the doubler's note to the recorder and its reply 42
  CHECK(same == original);
  auto [recorded, changed] = record_and_replay(3);  // the doubler now triples
  REQUIRE(changed.size() == original.size());
  CHECK_FALSE(changed == recorded);
  CHECK(changed[1].payload.at("value").as_int64() == 63);
}

TEST_CASE("finding 18: replay posts a traced message in the form it was sent, also when the inbox takes both") {
  auto recorded = std::make_shared<MemoryTraceSink>();
  {
    asio::io_context ctx;
    Runtime rt(ctx, {std::make_shared<VirtualClock>(), recorded});
    auto both = std::make_shared<TwoForms>(rt, "both");
    post(both, Number{1});  // plain: no reply
    asio::co_spawn(ctx, [&]() -> awaitable<void> {
      Number n{2};  // named: no braced temporary inside co_await (GCC 12)
      co_await ask<Number>(both, std::move(n), 1s);
    }, asio::detached);
    ctx.run();
    CHECK(both->posted == 1);
    CHECK(both->asked == 1);
  }
  auto records = recorded->records();
  REQUIRE(records.size() == 3);  // the post, the ask, the ask's reply
  CHECK_FALSE(records[0].ask);
  CHECK(records[1].ask);
  CHECK_FALSE(records[2].ask);
  CHECK(trace_record_from_json(to_json(records[1])).value() == records[1]);  // the form survives the file

  auto replayed = std::make_shared<MemoryTraceSink>();
  asio::io_context ctx;
  Runtime rt(ctx, {std::make_shared<VirtualClock>(), replayed});
  auto both = std::make_shared<TwoForms>(rt, "both");
  CHECK(both->replay(records[0]));
  CHECK(both->replay(records[1]));
  ctx.run();
  CHECK(both->posted == 1);
  CHECK(both->asked == 1);
  CHECK(replayed->records().size() == 3);  // one reply, as in the original: not two
}

TEST_CASE("secrets are masked in traced payloads at any depth") {
  json::value v = json::parse(R"({"username":"alice","nested":{"password":"hunter2","Access_Token":"abc",
      "list":[{"device_token":"d-1"}],"mfa_code":"123456"},"symbol":"TSLA","refresh_token":null})");
  mask_secrets(v);
  auto text = json::serialize(v);
  CHECK(text.find("alice") == std::string::npos);
  CHECK(text.find("hunter2") == std::string::npos);
  CHECK(text.find("abc") == std::string::npos);
  CHECK(text.find("d-1") == std::string::npos);
  CHECK(text.find("123456") == std::string::npos);
  CHECK(text.find("TSLA") != std::string::npos);
  CHECK(v.at("refresh_token").is_null());
}

TEST_CASE("the trace file masks secrets and reports a torn last line") {
  auto path = temp_path("oms-trace-torn");
  std::filesystem::remove(path);
  {
    JsonLinesTraceSink sink(path);
    sink.record(TraceRecord{VirtualClock::default_start(), "external", "gateway", "Login",
                            json::parse(R"({"username":"alice","password":"hunter2"})")});
  }
  { std::ofstream(path, std::ios::app) << R"({"time":"2026-01-05T14:30:00.000000Z","from":"ext)"; }
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), {});
  CHECK(all.find("hunter2") == std::string::npos);
  CHECK(all.find("alice") == std::string::npos);
  auto file = read_trace_file(path);
  CHECK(file.records.size() == 1);
  REQUIRE(file.problems.size() == 1);
  CHECK(file.problems[0].find(":2:") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("replay refuses a type the actor does not accept or a payload that does not decode") {
  System sys(nullptr);
  CHECK_FALSE(sys.recorder->post_json("Number", json::parse(R"({"value":1})"), "external", false));
  CHECK_FALSE(sys.recorder->post_json("Note", json::parse(R"({"seq":"x"})"), "external", false));
  CHECK_FALSE(sys.recorder->post_json("Note", json::parse(R"({"seq":1,"text":"t"})"), "external", true));  // not a request
  CHECK(sys.recorder->post_json("Note", json::parse(R"({"seq":1,"text":"t"})"), "external", false));
}

TEST_CASE("every secret name is recognised in any case, and only those names") {
  for (std::string_view name : {"password", "username", "access_token", "refresh_token", "device_token", "mfa_code",
                                "mfa_secret", "authorization", "token", "client_secret", "secret"}) {
    std::string upper(name);
    for (auto& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    CHECK_MESSAGE(is_secret_key(name), name);
    CHECK_MESSAGE(is_secret_key(upper), upper);
  }
  for (std::string_view other : {"symbol", "quantity", "ref_id", "tokens", "secrets", "mfa_cod", "", "order_id",
                                 "refresh_tokens", "access-token"})
    CHECK_FALSE_MESSAGE(is_secret_key(other), other);
}
