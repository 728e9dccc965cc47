#include "actors/journal_file.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
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
