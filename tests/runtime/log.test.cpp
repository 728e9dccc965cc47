#include "runtime/log.hpp"
#include "tests/eventually.hpp"
#include "tests/thread_status.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <unistd.h>
#include <vector>

TEST_CASE("log records are JSON lines with the session id and masked secrets") {
  auto dir = std::filesystem::temp_directory_path() / ("oms-log-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto path = (dir / "oms.jsonl").string();
  oms::log::set_console(false);
  REQUIRE(oms::log::add_json_file(path, oms::log::Level::info));
  oms::log::set_session_id("s-42");
  oms::log::info("order.submitted", {{"order_id", "o-1"}, {"limit_price", "249.93"}, {"password", "hunter2"},
                                     {"nested", boost::json::object{{"access_token", "tok-secret"}}}});
  oms::log::write(oms::log::Level::debug, "below.threshold");
  oms::log::reset_files();

  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 1);
  auto v = boost::json::parse(lines[0]);
  CHECK(v.at("event").as_string() == "order.submitted");
  CHECK(v.at("session_id").as_string() == "s-42");
  CHECK(v.at("order_id").as_string() == "o-1");
  CHECK(v.at("level").as_string() == "info");
  CHECK(lines[0].find("hunter2") == std::string::npos);
  CHECK(lines[0].find("tok-secret") == std::string::npos);
  CHECK(oms::log::mask_identifier("alice@example.com") == "al***");
  std::filesystem::remove_all(dir);
}

TEST_CASE("finding 13: a process that sets no session id still stamps one, the same, on every log line") {
  auto dir = std::filesystem::temp_directory_path() / ("oms-log-session-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto path = (dir / "oms.jsonl").string();
  auto previous = oms::log::session_id();
  oms::log::set_session_id("");
  oms::log::set_console(false);
  REQUIRE(oms::log::add_json_file(path, oms::log::Level::info));
  oms::log::info("first.line");
  oms::log::warn("second.line");
  oms::log::reset_files();
  auto made = oms::log::session_id();
  oms::log::set_session_id(previous);

  std::ifstream in(path);
  std::vector<std::string> ids;
  for (std::string line; std::getline(in, line);)
    ids.emplace_back(boost::json::parse(line).at("session_id").as_string());
  REQUIRE(ids.size() == 2);
  CHECK_FALSE(ids[0].empty());
  CHECK(ids[0] == ids[1]);
  CHECK(ids[0] == made);
  CHECK(oms::log::new_session_id() != oms::log::new_session_id());  // 32 random bits each
  std::filesystem::remove_all(dir);
}

TEST_CASE("issue 15: log::enabled says whether any sink takes a level, so a hot path builds no fields for a line "
          "nobody takes") {
  auto dir = std::filesystem::temp_directory_path() / ("oms-log-enabled-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  oms::log::reset_files();
  oms::log::set_console(true);  // the default: warnings and errors on stderr
  CHECK_FALSE(oms::log::enabled(oms::log::Level::info));
  CHECK(oms::log::enabled(oms::log::Level::warning));
  oms::log::set_console(false);
  CHECK_FALSE(oms::log::enabled(oms::log::Level::error));  // no sink at all
  REQUIRE(oms::log::add_json_file((dir / "oms.jsonl").string(), oms::log::Level::info));
  CHECK(oms::log::enabled(oms::log::Level::info));
  CHECK_FALSE(oms::log::enabled(oms::log::Level::debug));
  oms::log::reset_files();
  CHECK_FALSE(oms::log::enabled(oms::log::Level::info));
  std::filesystem::remove_all(dir);
}

TEST_CASE("issue 15: a line written as text is still one JSON object: escaped event, fields after the header, a "
          "field naming a header key replaces it, a new session id is seen by the next line") {
  auto dir = std::filesystem::temp_directory_path() / ("oms-log-text-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto path = (dir / "oms.jsonl").string();
  auto previous = oms::log::session_id();
  oms::log::set_console(false);
  REQUIRE(oms::log::add_json_file(path, oms::log::Level::info));
  oms::log::set_session_id("s-one");
  oms::log::info("odd \"event\"\n");
  oms::log::info("with.fields", {{"token", "t-secret"}, {"n", 3}, {"list", boost::json::array{1, "two"}}});
  oms::log::set_session_id("s-two");
  oms::log::info("replaced", {{"level", "custom"}, {"refresh_token", "r-secret"}});
  oms::log::reset_files();
  oms::log::set_session_id(previous);

  std::ifstream in(path);
  std::vector<boost::json::value> lines;
  for (std::string line; std::getline(in, line);) {
    CHECK(line.find("secret") == std::string::npos);
    lines.push_back(boost::json::parse(line));
  }
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].at("event").as_string() == "odd \"event\"\n");
  CHECK(lines[0].as_object().size() == 4);  // ts, level, event, session_id
  CHECK(lines[1].at("session_id").as_string() == "s-one");
  CHECK(lines[1].at("n").as_int64() == 3);
  CHECK(lines[1].at("list").as_array().size() == 2);
  CHECK(lines[1].at("token").as_string() == "***");
  CHECK(lines[2].at("session_id").as_string() == "s-two");
  CHECK(lines[2].at("level").as_string() == "custom");
  CHECK(lines[2].at("event").as_string() == "replaced");
  std::filesystem::remove_all(dir);
}

namespace {

std::size_t lines_in(const std::string& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

// A fresh log file taking info and up, the console off; removed with its folder at the end.
struct InfoLog {
  std::filesystem::path dir;
  std::string path;
  explicit InfoLog(const std::string& name)
      : dir(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))),
        path((dir / "oms.jsonl").string()) {
    std::filesystem::remove_all(dir);
    oms::log::set_console(false);
    REQUIRE(oms::log::add_json_file(path, oms::log::Level::info));
  }
  ~InfoLog() {
    oms::log::reset_files();
    std::filesystem::remove_all(dir);
  }
};

}  // namespace

TEST_CASE("issue 15: info lines reach the file within milliseconds without a flush by the caller, every line of a "
          "burst from several threads; a warning is in the file as soon as it is written") {
  InfoLog log("oms-log-flush");
  constexpr std::size_t kThreads = 4, kEach = 500;
  std::vector<std::thread> writers;
  for (std::size_t t = 0; t < kThreads; ++t)
    writers.emplace_back([t] {
      for (std::size_t i = 0; i < kEach; ++i)
        oms::log::info("burst.line", {{"thread", t}, {"i", i}});
    });
  for (auto& w : writers) w.join();
  // Not reset_files(): the buffered lines must reach the file on their own, the last one included.
  CHECK(testsupport::eventually([&] { return lines_in(log.path) == kThreads * kEach; }));

  oms::log::warn("at.once");
  CHECK(lines_in(log.path) == kThreads * kEach + 1);  // no wait: flushed by the write itself
}

TEST_CASE("issue 15: the log's flusher thread takes no process signal, so a SIGTERM held blocked until the process "
          "listens for it (oms sync, oms serve) cannot reach that thread and kill the process") {
  InfoLog log("oms-log-signal");
  oms::log::info("starts.the.flusher");  // from this thread, where every signal is unblocked
  // Its first flush: the thread runs, named, with the signal mask it keeps.
  REQUIRE(testsupport::eventually([&] { return lines_in(log.path) == 1; }));
  auto blocked = testsupport::blocked_signals_of("oms-log-flush");
  REQUIRE(blocked.size() == 1);
  // The kernel gives a process-directed signal to any thread that does not block it.
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE})
    CHECK_MESSAGE(testsupport::blocks(blocked[0], sig), "signal ", sig, " is not blocked in the flusher thread");
}
