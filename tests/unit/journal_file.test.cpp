#include "actors/journal_file.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using oms::journal::JournalFile;
using oms::journal::OpenReport;
namespace json = boost::json;

namespace {
std::string fresh_path(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / ("oms-journal-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  std::filesystem::remove(p);
  return p.string();
}
}  // namespace

TEST_CASE("records appended to the journal are read back in order after reopening") {
  auto path = fresh_path("a/b/orders.jsonl");  // folders are created
  {
    auto j = JournalFile::open(path).value();
    CHECK_FALSE(j.append(json::object{{"kind", "intent"}, {"ref_id", "r1"}, {"limit_price", "249.93"}}));
    CHECK_FALSE(j.append(json::object{{"kind", "envelope"}, {"ref_id", "r1"}, {"order_id", "o1"}}));
  }
  auto again = JournalFile::open(path).value();
  CHECK_FALSE(again.append(json::object{{"kind", "state_change"}, {"order_id", "o1"}}));
  auto records = JournalFile::read_all(path);
  REQUIRE(records.size() == 3);
  CHECK(records[0].at("kind").as_string() == "intent");
  CHECK(records[0].at("limit_price").as_string() == "249.93");
  CHECK(records[2].at("kind").as_string() == "state_change");
}

TEST_CASE("a torn last line from a crash mid-write is cut off and reported, and appends continue cleanly") {
  auto path = fresh_path("torn.jsonl");
  {
    auto j = JournalFile::open(path).value();
    CHECK_FALSE(j.append(json::object{{"kind", "intent"}, {"ref_id", "r1"}}));
  }
  { std::ofstream(path, std::ios::app) << R"({"kind":"envelope","ref_id":"r1","ord)"; }
  OpenReport report;
  auto j = JournalFile::open(path, &report).value();
  CHECK(report.repaired_torn_tail);
  CHECK(report.torn_tail.find("envelope") != std::string::npos);
  CHECK(report.records == 1);
  CHECK_FALSE(j.append(json::object{{"kind", "intent"}, {"ref_id", "r2"}}));
  auto records = JournalFile::read_all(path);
  REQUIRE(records.size() == 2);
  CHECK(records[1].at("ref_id").as_string() == "r2");
}

TEST_CASE("a complete line that is not a JSON object is reported with its line number and skipped") {
  auto path = fresh_path("malformed.jsonl");
  { std::ofstream(path) << "{\"kind\":\"intent\"}\nnot json\n[1,2]\n{\"kind\":\"envelope\"}\n"; }
  OpenReport report;
  auto records = JournalFile::read_all(path, &report);
  CHECK(records.size() == 2);
  REQUIRE(report.malformed.size() == 2);
  CHECK(report.malformed[0] == "line 2: not a JSON object");
  CHECK_FALSE(report.repaired_torn_tail);
}

TEST_CASE("a journal file that cannot be created is an error, not a crash") {
  auto r = JournalFile::open("/proc/oms-cannot-write-here/orders.jsonl");
  CHECK_FALSE(r.has_value());
}

// ---- One owner: the journal lock (issue 12) ----

namespace {

// A child process that owns the journal until killed: it reports "ready" through a pipe.
struct OwnerChild {
  pid_t pid = -1;
  explicit OwnerChild(const std::string& path) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(ready[0]);
      auto j = JournalFile::open(path);
      char ok = j ? '1' : '0';
      (void)!::write(ready[1], &ok, 1);
      for (;;) ::pause();  // holds the journal until killed
    }
    ::close(ready[1]);
    char ok = 0;
    REQUIRE(::read(ready[0], &ok, 1) == 1);
    ::close(ready[0]);
    REQUIRE(ok == '1');
  }
  void kill9() {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
  }
  ~OwnerChild() {
    if (pid > 0) kill9();
  }
};

}  // namespace

TEST_CASE("issue 12: a second open of an owned journal in the same process fails with locked and names the pid") {
  auto path = fresh_path("owned-here.jsonl");
  auto owner = JournalFile::open(path);
  REQUIRE(owner.has_value());
  OpenReport report;
  auto second = JournalFile::open(path, &report);
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error() == oms::journal::journal_errc::locked);
  CHECK(std::string(second.error().category().name()) == "oms.journal");
  CHECK(report.owner_pid == ::getpid());
  CHECK(oms::journal::lock_holder(path) == ::getpid());
  // The owner is undisturbed by the refused open.
  CHECK_FALSE(owner->append(json::object{{"kind", "intent"}, {"ref_id", "r1"}}));
  CHECK(JournalFile::read_all(path).size() == 1);
}

TEST_CASE("issue 12: another process cannot open an owned journal: locked, naming the owner's pid") {
  auto path = fresh_path("owned-elsewhere.jsonl");
  OwnerChild child(path);
  CHECK(oms::journal::lock_holder(path) == child.pid);
  OpenReport report;
  auto mine = JournalFile::open(path, &report);
  REQUIRE_FALSE(mine.has_value());
  CHECK(mine.error() == oms::journal::journal_errc::locked);
  CHECK(report.owner_pid == child.pid);
  // A reader needs no lock.
  CHECK(JournalFile::read_all(path).empty());
}

TEST_CASE("issue 12: the lock is released when the owner dies, also by kill -9, and the next owner takes it") {
  auto path = fresh_path("owner-killed.jsonl");
  OwnerChild child(path);
  pid_t dead = child.pid;
  REQUIRE(oms::journal::lock_holder(path) == dead);
  child.kill9();
  CHECK_FALSE(oms::journal::lock_holder(path).has_value());  // the dead pid is still in the file
  auto next = JournalFile::open(path);
  REQUIRE(next.has_value());
  CHECK(oms::journal::lock_holder(path) == ::getpid());
}

TEST_CASE("issue 12: the lock is released when the owner's JournalFile is destroyed") {
  auto path = fresh_path("owner-closed.jsonl");
  CHECK_FALSE(oms::journal::lock_holder(path).has_value());  // never owned: no lock file
  { auto owner = JournalFile::open(path).value(); }
  CHECK_FALSE(oms::journal::lock_holder(path).has_value());
  CHECK(JournalFile::open(path).has_value());
}

TEST_CASE("issue 12: appends use O_APPEND, so a foreign append is never overwritten") {
  auto path = fresh_path("append.jsonl");
  auto owner = JournalFile::open(path).value();
  CHECK((::fcntl(owner.native_handle(), F_GETFL) & O_APPEND) == O_APPEND);
  CHECK_FALSE(owner.append(json::object{{"kind", "intent"}, {"ref_id", "r1"}}));
  {  // someone else appends behind the owner's back (what the old seek-once code overwrote)
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
    std::string line = R"({"kind":"foreign"})" "\n";
    REQUIRE(::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
    ::close(fd);
  }
  CHECK_FALSE(owner.append(json::object{{"kind", "envelope"}, {"ref_id", "r1"}}));
  OpenReport report;
  auto records = JournalFile::read_all(path, &report);
  REQUIRE(records.size() == 3);
  CHECK(records[1].at("kind").as_string() == "foreign");
  CHECK(records[2].at("kind").as_string() == "envelope");
  CHECK(report.malformed.empty());
}
