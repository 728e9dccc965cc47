// `oms journal check` and `oms journal repair` without a terminal (issue 12).
#include "actors/journal_check.hpp"
#include "actors/journal_file.hpp"
#include "actors/journal_replay.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace oms;
using namespace oms::journal;
namespace fs = std::filesystem;

namespace {

struct Folder {
  fs::path dir;
  Folder() {
    static int n = 0;
    dir = fs::temp_directory_path() / ("oms-journal-check-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Folder() { fs::remove_all(dir); }
  std::string journal() const { return (dir / "orders.jsonl").string(); }
  void write(const std::string& text) const { std::ofstream(journal(), std::ios::binary) << text; }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const Timestamp kNow = parse_iso8601("2026-11-24T15:04:05Z").value();

// What the lost writer of issue 12 left: a record overwritten in the middle by another process.
const std::string kGarbled =
    R"({"ts":"2026-11-24T15:00:00Z","kind":"intent","ref_id":"r1","symbol":"AAPL","side":"buy","quantity":"1","limit_price":"189.72"})" "\n"
    R"({"ts":"2026-11-24T15:00:01Z","kind":"halted","requested_by":"operator"})" "\n"
    R"({"ts":"2026-11-24T15:00:02Z","kind":"state_change","order_id":"o1","from":"queued","to":"c{"ts":"2026-11-24T15:00:03Z"})" "\n"
    R"({"ts":"2026-11-24T15:00:04Z","kind":"envelope","order_id":"o1","ref_id":"r1","symbol":"AAPL","side":"buy","quantity":"1","limit_price":"189.72"})" "\n";

}  // namespace

TEST_CASE("issue 12: journal check reports records, unreadable lines with their numbers and first bytes, and a torn tail") {
  Folder f;
  f.write(kGarbled + R"({"ts":"2026-11-24T15:00:05Z","kind":"fi)");
  auto r = check(f.journal());
  CHECK(r.exists);
  CHECK(r.records == 3);
  CHECK(r.lines == 4);
  REQUIRE(r.malformed.size() == 1);
  CHECK(r.malformed[0].line == 3);
  CHECK(r.malformed[0].start.rfind(R"({"ts":"2026-11-24T15:00:02Z","kind":"state_change")", 0) == 0);
  REQUIRE(r.torn_tail.has_value());
  CHECK(r.torn_tail->line == 5);
  CHECK_FALSE(r.clean());
  CHECK(slurp(f.journal()) == kGarbled + R"({"ts":"2026-11-24T15:00:05Z","kind":"fi)");  // read only
}

TEST_CASE("journal check: a journal that reads end to end is clean; a missing one is clean and says so") {
  Folder f;
  CHECK(check(f.journal()).clean());
  CHECK_FALSE(check(f.journal()).exists);
  f.write(R"({"kind":"halted"})" "\n" R"({"kind":"intent","ref_id":"r1"})" "\n");
  auto r = check(f.journal());
  CHECK(r.clean());
  CHECK(r.records == 2);
  REQUIRE(r.warnings.size() == 1);  // the intent lacks what recovery needs: said, not fatal
  CHECK(r.warnings[0].find("intent") != std::string::npos);
}

TEST_CASE("issue 12: journal repair keeps a backup, moves unreadable lines aside with their numbers, rewrites and halts") {
  Folder f;
  f.write(kGarbled + "not json at all\n" + R"({"kind":"resumed","requested_by":"x"})" + "\n" + R"({"kind":"tor)");
  std::string original = slurp(f.journal());
  auto r = repair(f.journal(), kNow);
  REQUIRE(r.has_value());
  CHECK(r->changed);
  CHECK(r->moved_lines == std::vector<std::size_t>{3, 5, 7});
  CHECK(r->records_kept == 4);
  CHECK(r->backup_path == f.journal() + ".bak-20261124-150405");
  CHECK(r->rejected_path == f.journal() + ".rejected-20261124-150405");
  CHECK(slurp(r->backup_path) == original);
  std::string rejected = slurp(r->rejected_path);
  CHECK(rejected.find("line 3: {\"ts\":\"2026-11-24T15:00:02Z\",\"kind\":\"state_change\"") != std::string::npos);
  CHECK(rejected.find("line 5: not json at all\n") != std::string::npos);
  CHECK(rejected.find("line 7 (torn tail): {\"kind\":\"tor\n") != std::string::npos);
  // The journal now reads end to end, keeps every readable record byte for byte, and ends halted:
  // the resume that survived cannot re-open submissions past a line that may have been `halted`.
  auto after = check(f.journal());
  CHECK(after.clean());
  CHECK(after.records == 5);
  auto records = JournalFile::read_all(f.journal());
  REQUIRE(records.size() == 5);
  CHECK(records[4].at("kind").as_string() == "halted");
  CHECK(records[4].at("requested_by").as_string() == "journal repair");
  CHECK(records[4].at("ts").as_string() == "2026-11-24T15:04:05.000000Z");
  CHECK(recovery::replay(records).halted);
  CHECK(r->halted_appended);
  CHECK(slurp(f.journal()).rfind(kGarbled.substr(0, kGarbled.find('\n') + 1), 0) == 0);
  CHECK_FALSE(fs::exists(f.journal() + ".repair-tmp"));
}

TEST_CASE("journal repair of a clean journal changes nothing and keeps no copies") {
  Folder f;
  f.write(R"({"kind":"halted"})" "\n");
  auto r = repair(f.journal(), kNow);
  REQUIRE(r.has_value());
  CHECK_FALSE(r->changed);
  CHECK(r->records_kept == 1);
  CHECK(slurp(f.journal()) == "{\"kind\":\"halted\"}\n");
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(f.dir)) ++files;
  CHECK(files == 2);  // the journal and its lock file
}

TEST_CASE("issue 12: journal repair refuses while an owner holds the journal, naming its pid, and touches nothing") {
  Folder f;
  f.write(kGarbled);
  auto owner = OwnerLock::acquire(f.journal());
  REQUIRE(owner.has_value());
  int pid = 0;
  auto r = repair(f.journal(), kNow, &pid);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == journal_errc::locked);
  CHECK(pid == ::getpid());
  CHECK(slurp(f.journal()) == kGarbled);
}

TEST_CASE("journal repair twice in the same second keeps both backups") {
  Folder f;
  f.write("garbage\n");
  auto first = repair(f.journal(), kNow);
  REQUIRE(first.has_value());
  f.write("more garbage\n");
  auto second = repair(f.journal(), kNow);
  REQUIRE(second.has_value());
  CHECK(second->backup_path == f.journal() + ".bak-20261124-150405-2");
  CHECK(slurp(first->backup_path) == "garbage\n");
  CHECK(slurp(second->backup_path) == "more garbage\n");
}
