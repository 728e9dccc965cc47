#pragma once
/// Message-trace recording: every message that crosses an actor boundary as one JSON line
/// (time, from, to, type, payload, and "ask":true for a request) with secrets masked; and the
/// reading side used by replay.
#include "messages/time.hpp"

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace oms::runtime {

/// One message as it crossed an actor boundary.
struct TraceRecord {
  Timestamp time{};
  std::string from;
  std::string to;
  std::string type;
  boost::json::value payload;
  /// A request (runtime::ask, Ask<type, reply>) rather than a plain post: an inbox may accept
  /// both forms of one type (the Journal takes JournalRecord both ways), and replay must post
  /// the form that was sent.
  bool ask = false;
  friend bool operator==(const TraceRecord&, const TraceRecord&) = default;
};

/// The sender name of anything outside the actor set (a bot, a test, the CLI).
inline constexpr std::string_view kExternal = "external";

/// Replaces the value of every key that names a secret (password, tokens, device token, MFA,
/// username, authorization) with "***", at any depth.
void mask_secrets(boost::json::value& v);
/// True when `key` names a secret (case-insensitive).
bool is_secret_key(std::string_view key);
/// Appends `obj` serialized without its opening brace (`"k":v,…}`), straight into `out`: the
/// journal's and the log's lines write their own leading fields as text first.
void append_members(std::string& out, const boost::json::object& obj);

boost::json::value to_json(const TraceRecord& r);
boost::system::result<TraceRecord> trace_record_from_json(const boost::json::value& v);

/// Where trace records go. Implementations are thread-safe.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void record(TraceRecord r) = 0;
};

/// Keeps records in memory (tests, replay comparison).
class MemoryTraceSink final : public TraceSink {
 public:
  void record(TraceRecord r) override;
  std::vector<TraceRecord> records() const;

 private:
  mutable std::mutex mu_;
  std::vector<TraceRecord> records_;
};

/// Appends one JSON line per record to a file, flushed per line so a crash loses at most one.
class JsonLinesTraceSink final : public TraceSink {
 public:
  explicit JsonLinesTraceSink(const std::string& path);
  bool ok() const { return out_.good(); }
  void record(TraceRecord r) override;

 private:
  std::mutex mu_;
  std::ofstream out_;
};

/// Reads a trace file; a torn or malformed line is reported with its line number.
struct TraceFile {
  std::vector<TraceRecord> records;
  std::vector<std::string> problems;
};
TraceFile read_trace_file(const std::string& path);

}  // namespace oms::runtime
