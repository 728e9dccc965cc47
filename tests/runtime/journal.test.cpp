#include "actors/journal.hpp"
#include "actors/journal_file.hpp"

#include <boost/asio/detached.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <future>
#include <thread>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

using namespace oms;
using namespace oms::runtime;

namespace {
std::filesystem::path fresh_dir(const std::string& prefix) {
  auto dir = std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

// A journal in a fresh temporary folder (removed after), on an embedded runtime with a VirtualClock.
struct JournalOnDisk {
  explicit JournalOnDisk(const std::string& prefix) : dir(fresh_dir(prefix)) { REQUIRE(journal->healthy()); }
  ~JournalOnDisk() { std::filesystem::remove_all(dir); }
  std::filesystem::path dir;
  std::string path = (dir / "orders.jsonl").string();
  asio::io_context ctx;
  Runtime rt{ctx, {std::make_shared<VirtualClock>(), nullptr}};
  std::shared_ptr<actors::Journal> journal = std::make_shared<actors::Journal>(rt, path);
};
}  // namespace

TEST_CASE("the journal actor acknowledges a record only once it is on disk, masking secrets") {
  auto dir = std::filesystem::temp_directory_path() / ("oms-journal-actor-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto path = (dir / "orders.jsonl").string();
  asio::io_context ctx;
  auto clock = std::make_shared<VirtualClock>();
  Runtime rt(ctx, {clock, nullptr});
  auto journal = std::make_shared<actors::Journal>(rt, path);
  REQUIRE(journal->healthy());
  std::optional<JournalAck> ack;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    JournalRecord intent{"intent", {{"ref_id", "r1"}, {"symbol", "TSLA"}, {"password", "hunter2"}}};
    auto r = co_await ask<JournalAck>(journal, std::move(intent), std::chrono::seconds(1));
    if (r) ack = *r;
    // Once acknowledged, the record is readable by anyone (e.g. a restarted process).
    CHECK(journal::JournalFile::read_all(path).size() == 1);
  }, asio::detached);
  ctx.run();
  REQUIRE(ack.has_value());
  CHECK(ack->durable);
  post(journal, JournalRecord{"state_change", {{"order_id", "o1"}, {"state", "filled"}}});
  ctx.restart();
  ctx.run();
  auto records = journal::JournalFile::read_all(path);
  REQUIRE(records.size() == 2);
  CHECK(records[0].at("ts").as_string() == "2026-01-05T14:30:00.000000Z");
  CHECK(records[0].at("password").as_string() == "***");
  CHECK(records[1].at("state").as_string() == "filled");
  std::filesystem::remove_all(dir);
}

TEST_CASE("a journal that cannot open refuses every record with the reason") {
  asio::io_context ctx;
  Runtime rt(ctx);
  auto journal = std::make_shared<actors::Journal>(rt, "/proc/oms-no/orders.jsonl");
  CHECK_FALSE(journal->healthy());
  std::optional<JournalAck> ack;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    JournalRecord intent{"intent", {{"ref_id", "r1"}}};
    auto r = co_await ask<JournalAck>(journal, std::move(intent), std::chrono::seconds(1));
    if (r) ack = *r;
  }, asio::detached);
  ctx.run();
  REQUIRE(ack.has_value());
  CHECK_FALSE(ack->durable);
  CHECK(ack->error.find("cannot open journal") != std::string::npos);
}

TEST_CASE("group commit: concurrent intents share one fdatasync, each acknowledged once it is on disk") {
  JournalOnDisk on_disk("oms-journal-batch-");
  auto& ctx = on_disk.ctx;
  const auto& path = on_disk.path;
  auto& journal = on_disk.journal;
  constexpr int kIntents = 16;
  int acked = 0;
  std::size_t seen_on_disk = 0;
  for (int i = 0; i < kIntents; ++i) {
    asio::co_spawn(ctx, [&, i]() -> awaitable<void> {
      JournalRecord intent{"intent", {{"ref_id", "r" + std::to_string(i)}}};
      auto r = co_await ask<JournalAck>(journal, std::move(intent), std::chrono::seconds(1));
      if (r && r->durable) ++acked;
      seen_on_disk = std::max(seen_on_disk, journal::JournalFile::read_all(path).size());
    }, asio::detached);
  }
  ctx.run();
  CHECK(acked == kIntents);
  CHECK(seen_on_disk == kIntents);  // every ack came after the whole batch was written and synced
  CHECK(journal->syncs() == 1);     // one write, one fdatasync for all sixteen
  // A record after the batch is idle starts a batch of its own.
  post(journal, JournalRecord{"envelope", {{"ref_id", "r0"}}});
  ctx.restart();
  ctx.run();
  CHECK(journal->syncs() == 2);
  auto records = journal::JournalFile::read_all(path);
  REQUIRE(records.size() == kIntents + 1);
  CHECK(records[0].at("ref_id").as_string() == "r0");  // arrival order kept
  CHECK(records[kIntents - 1].at("ref_id").as_string() == "r" + std::to_string(kIntents - 1));
}

TEST_CASE("issue 15: the journal's write and fdatasync run off the actors' threads: a runtime on one thread keeps serving while the disk is slow") {
  auto dir = std::filesystem::temp_directory_path() / ("oms-journal-slow-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto path = (dir / "orders.jsonl").string();
  ::setenv("OMS_JOURNAL_SLOW_SYNC_MS", "1500", 1);
  Runtime rt;
  auto journal = std::make_shared<actors::Journal>(rt, path);
  ::unsetenv("OMS_JOURNAL_SLOW_SYNC_MS");
  REQUIRE(journal->healthy());
  CHECK(journal->take_startup_records().has_value());  // as recovery does at start-up
  rt.start(1);
  std::promise<bool> acked;
  asio::co_spawn(rt.context(), [&]() -> awaitable<void> {
    JournalRecord intent{"intent", {{"ref_id", "r1"}}};
    auto r = co_await ask<JournalAck>(journal, std::move(intent), std::chrono::seconds(10));
    acked.set_value(r && r->durable);
  }, asio::detached);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the batch's slow sync has begun
  // The runtime's only thread is free: a handler posted now runs before the sync ends.
  std::promise<void> ran;
  asio::post(rt.context(), [&] { ran.set_value(); });
  auto acked_future = acked.get_future();
  CHECK(ran.get_future().wait_for(std::chrono::milliseconds(1000)) == std::future_status::ready);
  CHECK(acked_future.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);  // the disk still waits
  CHECK(acked_future.get());  // then the record is acknowledged, durable
  rt.stop();
  rt.join();
  CHECK(journal::JournalFile::read_all(path).size() == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("issue 15: a runtime that stops while a journal batch syncs on the blocking-I/O thread still completes the batch") {
  auto dir = std::filesystem::temp_directory_path() / ("oms-journal-stop-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto path = (dir / "orders.jsonl").string();
  ::setenv("OMS_JOURNAL_SLOW_SYNC_MS", "300", 1);
  Runtime rt;
  auto journal = std::make_shared<actors::Journal>(rt, path);
  ::unsetenv("OMS_JOURNAL_SLOW_SYNC_MS");
  REQUIRE(journal->take_startup_records().has_value());
  std::atomic<int> durable{0};  // the batch's completion on the journal's strand
  journal->on_durable([&](const boost::json::object&) { ++durable; });
  rt.start(2);
  post(journal, JournalRecord{"envelope", {{"ref_id", "r1"}}});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  rt.stop();  // the sync is in flight: the draining runtime waits for the batch's completion
  rt.join();
  CHECK(durable.load() == 1);
  CHECK(journal::JournalFile::read_all(path).size() == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("issue 15: an envelope starts no sync of its own: the next intent carries it to the disk, and one no record "
          "follows is synced a moment later") {
  JournalOnDisk on_disk("oms-journal-deferred-");
  auto& ctx = on_disk.ctx;
  const auto& path = on_disk.path;
  auto& journal = on_disk.journal;
  post(journal, JournalRecord{"envelope", {{"ref_id", "r1"}}});
  ctx.poll();  // everything ready runs: the envelope is staged, no flush starts for it
  CHECK(journal->syncs() == 0);
  bool acked = false;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    JournalRecord intent{"intent", {{"ref_id", "r2"}}};
    auto r = co_await ask<JournalAck>(journal, std::move(intent), std::chrono::seconds(1));
    acked = r && r->durable;
  }, asio::detached);
  ctx.restart();
  ctx.run();
  CHECK(acked);
  CHECK(journal->syncs() == 1);  // the intent's batch carried the envelope: one fdatasync, not two
  auto records = journal::JournalFile::read_all(path);
  REQUIRE(records.size() == 2);
  CHECK(records[0].at("ref_id").as_string() == "r1");  // arrival order kept
  post(journal, JournalRecord{"envelope", {{"ref_id", "r2"}}});
  ctx.restart();
  ctx.run();  // nothing else comes: the deferral timer flushes it
  CHECK(journal->syncs() == 2);
  CHECK(journal::JournalFile::read_all(path).size() == 3);
}

TEST_CASE("issue 15: a record's own ts or kind never doubles the journal's, and a durable observer sees what the file holds") {
  JournalOnDisk j("oms-journal-keys-");
  std::vector<boost::json::object> seen;
  j.journal->on_durable([&](const boost::json::object& r) { seen.push_back(r); });
  post(j.journal, JournalRecord{"state_change", {{"kind", "forged"}, {"ts", "then"}, {"order_id", "o1"}, {"password", "hunter2"}}});
  post(j.journal, JournalRecord{"halted", {}});
  j.ctx.run();
  std::ifstream in(j.path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto count = [&](std::string_view what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count(R"("kind":)") == 2);  // one per line: the record's own was dropped
  CHECK(count(R"("ts":)") == 2);
  CHECK(text.find("hunter2") == std::string::npos);
  auto records = journal::JournalFile::read_all(j.path);
  REQUIRE(records.size() == 2);
  CHECK(records[0].at("kind").as_string() == "state_change");
  CHECK(records[0].at("ts").as_string() == "2026-01-05T14:30:00.000000Z");
  CHECK(records[0].at("order_id").as_string() == "o1");
  CHECK(records[0].at("password").as_string() == "***");
  CHECK(records[1] == boost::json::object{{"ts", "2026-01-05T14:30:00.000000Z"}, {"kind", "halted"}});
  REQUIRE(seen.size() == 2);  // the same records, key for key
  CHECK(seen[0] == records[0]);
  CHECK(seen[1] == records[1]);
}
