#include "runtime/log.hpp"

#include "messages/time.hpp"
#include "runtime/thread_signals.hpp"
#include "runtime/trace.hpp"

#include <boost/json.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_logger.hpp>
#include <boost/log/trivial.hpp>
#include <boost/log/utility/setup/file.hpp>
#include <boost/core/null_deleter.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <pthread.h>

namespace oms::log {
namespace bl = boost::log;
namespace json = boost::json;
using Sink = bl::sinks::synchronous_sink<bl::sinks::text_ostream_backend>;

namespace {

// How long an info or debug line may wait in a file sink's buffer. The order path logs a line per
// order at info; a write() per line was a twentieth of its CPU (perf, throughput figure).
constexpr auto kFlushDelay = std::chrono::milliseconds(5);

// A log file with a buffer that holds a burst (a few hundred lines) between two flushes; the
// stream's own is 8 KiB, a write() per 25 lines.
struct LogFile {
  std::vector<char> buffer = std::vector<char>(std::size_t{64} * 1024);
  std::ofstream out;  // after the buffer: destroyed (and flushed) before it
};

// Flushes the file sinks kFlushDelay after the first line left unflushed, on its own thread
// (started at the first such line), so a burst of lines costs one write() per sink per delay.
// Warnings and errors do not wait: write() flushes them at once.
class Flusher {
 public:
  Flusher() = default;
  Flusher(const Flusher&) = delete;
  Flusher& operator=(const Flusher&) = delete;
  ~Flusher() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  /// A line is in a buffer: one flush within kFlushDelay. Costs one atomic exchange while a flush
  /// is already due.
  void dirty() {
    if (due_.exchange(true, std::memory_order_acq_rel)) return;
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (!thread_.joinable()) thread_ = without_signals([this] { run(); });
    wake_.notify_one();
  }

 private:
  void run() {
    ::pthread_setname_np(::pthread_self(), "oms-log-flush");  // as ps and perf show it
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || due_.load(std::memory_order_acquire); });
      if (stopping_) return;
      wake_.wait_for(lock, kFlushDelay, [&] { return stopping_; });
      // Cleared before the flush: a line pushed after the flush took the sink's lock finds
      // `due_` false and asks again, so none is left behind.
      due_.store(false, std::memory_order_seq_cst);
      lock.unlock();
      flush();
      lock.lock();
    }
  }

  // Started with every signal blocked (runtime/thread_signals.hpp): a SIGTERM held blocked by
  // the main thread until it listens (`oms serve`, `oms sync`, a bot's sigwait) must not be
  // delivered here, where its default action kills the process.
  template <class F>
  static std::thread without_signals(F body) {
    runtime::SignalsBlockedHere blocked;
    return std::thread(std::move(body));
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::atomic<bool> due_{false};
  bool stopping_ = false;
  std::thread thread_;
};

struct State {
  std::mutex mu;
  std::string session_id;
  std::vector<boost::shared_ptr<Sink>> files;
  std::vector<Level> file_mins;  ///< each file sink's lowest level, in `files` order
  boost::shared_ptr<Sink> console;
  bool console_enabled = true;
  Level console_min = Level::warning;
  Flusher flusher;  // last: destroyed (and joined) first, while the sinks it flushes still exist

  ~State() {
    for (auto& sink : files) sink->flush();  // what the flusher had not reached at exit
  }
};
State& state() {
  static State s;
  return s;
}

}  // namespace

void flush() {
  std::vector<boost::shared_ptr<Sink>> files;
  {
    std::lock_guard lock(state().mu);
    files = state().files;
  }
  for (auto& sink : files) sink->flush();
}

namespace {

BOOST_LOG_ATTRIBUTE_KEYWORD(severity, "Severity", Level)

// The lowest level any sink takes (one past error: none), kept beside the sinks under State::mu.
constexpr int kNoSink = static_cast<int>(Level::error) + 1;
std::atomic<int> lowest_taken{static_cast<int>(Level::warning)};  // the console's default

// Bumped whenever the session id changes: each thread keeps a copy of the id and takes the lock
// only when the id has changed, not on every line.
std::atomic<std::uint64_t> session_generation{0};

void update_lowest_locked(const State& s) {
  int lowest = s.console_enabled ? static_cast<int>(s.console_min) : kNoSink;
  for (Level l : s.file_mins) lowest = std::min(lowest, static_cast<int>(l));
  lowest_taken.store(lowest, std::memory_order_relaxed);
}

const char* name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warning: return "warning";
    case Level::error: return "error";
  }
  return "info";
}

bl::sources::severity_logger_mt<Level>& logger() {
  static bl::sources::severity_logger_mt<Level> lg;
  return lg;
}

void ensure_console_locked(State& s) {
  if (s.console) bl::core::get()->remove_sink(s.console);
  s.console.reset();
  if (!s.console_enabled) return;
  auto backend = boost::make_shared<bl::sinks::text_ostream_backend>();
  backend->add_stream(boost::shared_ptr<std::ostream>(&std::clog, boost::null_deleter()));
  s.console = boost::make_shared<Sink>(backend);
  s.console->set_filter(severity >= s.console_min);
  bl::core::get()->add_sink(s.console);
}

}  // namespace

bool add_json_file(const std::string& path, Level min) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  auto file = boost::make_shared<LogFile>();
  file->out.rdbuf()->pubsetbuf(file->buffer.data(), static_cast<std::streamsize>(file->buffer.size()));
  file->out.open(path, std::ios::app);
  if (!file->out) return false;
  auto backend = boost::make_shared<bl::sinks::text_ostream_backend>();
  backend->add_stream(boost::shared_ptr<std::ostream>(file, &file->out));
  backend->auto_flush(false);  // the Flusher's (info, debug) or write()'s (warning, error)
  auto sink = boost::make_shared<Sink>(backend);
  sink->set_filter(severity >= min);
  bl::core::get()->add_sink(sink);
  std::lock_guard lock(state().mu);
  state().files.push_back(sink);
  state().file_mins.push_back(min);
  update_lowest_locked(state());
  return true;
}

void set_console(bool enabled, Level min) {
  std::lock_guard lock(state().mu);
  state().console_enabled = enabled;
  state().console_min = min;
  ensure_console_locked(state());
  update_lowest_locked(state());
}

void set_session_id(std::string id) {
  std::lock_guard lock(state().mu);
  state().session_id = std::move(id);
  session_generation.fetch_add(1, std::memory_order_release);
}

std::string session_id() {
  std::lock_guard lock(state().mu);
  return state().session_id;
}

std::string new_session_id() {
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::string stamp = format_iso8601(now);  // 2026-01-05T14:30:00.000000Z
  std::string compact;
  for (char c : stamp.substr(0, 19))
    if (c != '-' && c != ':') compact += c;
  std::random_device random;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
  return "s-" + compact + "Z-" + suffix;
}

std::string ensure_session_id() {
  std::lock_guard lock(state().mu);
  if (state().session_id.empty()) state().session_id = new_session_id();
  return state().session_id;
}

void reset_files() {
  std::lock_guard lock(state().mu);
  for (auto& sink : state().files) {
    bl::core::get()->remove_sink(sink);
    sink->flush();
  }
  state().files.clear();
  state().file_mins.clear();
  update_lowest_locked(state());
}

bool enabled(Level level) noexcept {
  return static_cast<int>(level) >= lowest_taken.load(std::memory_order_relaxed);
}

namespace {

const std::string& current_session_id() {
  thread_local std::uint64_t seen = ~std::uint64_t{0};
  thread_local std::string cached;
  auto generation = session_generation.load(std::memory_order_acquire);
  if (generation != seen) {
    cached = ensure_session_id();
    seen = generation;
  }
  return cached;
}

bool names_a_header_key(const json::object& fields) {
  for (std::string_view key : {"ts", "level", "event", "session_id"})
    if (fields.contains(key)) return true;
  return false;
}

// {"ts":…,"level":…,"event":…,"session_id":…, then the fields}. The line is written as text:
// building one JSON object for the header and copying the fields into it cost more than the
// serialization. A field that names a header key replaces it, as the fields always have.
std::string line_of(Level level, std::string_view event, json::object fields) {
  auto ts = format_iso8601(std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now()));
  if (names_a_header_key(fields)) {
    json::value record = json::object{{"ts", ts}, {"level", name(level)}, {"event", event},
                                      {"session_id", current_session_id()}};
    for (auto& [k, v] : fields) record.as_object()[k] = std::move(v);
    runtime::mask_secrets(record);
    return json::serialize(record);
  }
  json::value masked(std::move(fields));  // moves the storage, copies nothing
  runtime::mask_secrets(masked);
  const json::object& shown = masked.get_object();
  std::string line;
  line.reserve(160 + 32 * shown.size());
  line += R"({"ts":")";
  line += ts;
  line += R"(","level":")";
  line += name(level);
  line += R"(","event":)";
  line += json::serialize(event);
  line += R"(,"session_id":)";
  line += json::serialize(current_session_id());
  if (shown.empty()) return line += '}';
  line += ',';
  runtime::append_members(line, shown);
  return line;
}

}  // namespace

void write(Level level, std::string_view event, json::object fields) {
  static std::once_flag console_once;
  std::call_once(console_once, [] {
    std::lock_guard lock(state().mu);
    if (!state().console) ensure_console_locked(state());
  });
  // Asked first: a record no sink takes (an info line with only the console at warning, as in a
  // bot without a log file) costs no timestamp, no copy of its fields and no serialization.
  if (!enabled(level)) return;
  auto& lg = logger();
  bl::record rec = lg.open_record(bl::keywords::severity = level);
  if (!rec) return;
  bl::record_ostream stream(rec);
  stream << line_of(level, event, std::move(fields));
  stream.flush();
  lg.push_record(boost::move(rec));
  if (level >= Level::warning)
    flush();
  else
    state().flusher.dirty();
}

std::string mask_identifier(std::string_view value) {
  if (value.size() <= 2) return "***";
  return std::string(value.substr(0, 2)) + "***";
}

}  // namespace oms::log
