#pragma once
/// The order journal on disk (logs/orders.jsonl): one JSON object per line, appended and fsynced
/// before the caller goes on (write-ahead: an intent is durable before it is sent). Opening the
/// file repairs a torn last line — the mark of a crash mid-write — and reports it.
#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <vector>

namespace oms::journal {

/// What opening found.
struct OpenReport {
  std::size_t records = 0;        ///< complete records kept
  bool repaired_torn_tail = false;///< a partial last line was cut off
  std::string torn_tail;          ///< what was cut (for the log; at most 200 bytes)
  std::vector<std::string> malformed;  ///< complete lines that are not JSON objects ("line N: …")
};

/// Append-only JSON-lines file. Not thread-safe: owned by the journal actor.
class JournalFile {
 public:
  /// Opens (creating the file and its folders), repairs a torn tail, positions at the end.
  static boost::system::result<JournalFile> open(const std::string& path, OpenReport* report = nullptr);
  JournalFile(JournalFile&&) noexcept;
  JournalFile& operator=(JournalFile&&) noexcept;
  ~JournalFile();

  /// Writes one record and its newline, then fsyncs; durable when this returns without error.
  boost::system::error_code append(const boost::json::object& record);
  const std::string& path() const noexcept { return path_; }

  /// Every complete record of a journal file, oldest first (torn or malformed lines skipped and
  /// described in `report`).
  static std::vector<boost::json::object> read_all(const std::string& path, OpenReport* report = nullptr);

 private:
  JournalFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

}  // namespace oms::journal
