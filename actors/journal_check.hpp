#pragma once
/// `oms journal check` and `oms journal repair`, without a terminal: what the journal file holds
/// line by line, and the explicit repair that moves unreadable lines aside.
///
/// check reads only (no lock: an owner may be running). repair is a write, so it takes the owner
/// lock (refused while an owner runs); it keeps a byte-for-byte backup, writes the unreadable
/// lines with their numbers to a `.rejected-…` file, rewrites the journal atomically (temp file,
/// fsync, rename, fsync of the folder) and — when it moved anything aside — appends a `halted`
/// record: a lost line may have been the kill switch, so submissions re-open only by a
/// deliberate `oms resume`.
#include "actors/journal_file.hpp"
#include "messages/time.hpp"

#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace oms::journal {

/// What a journal file holds.
struct CheckReport {
  std::string path;
  bool exists = false;
  std::size_t lines = 0;    ///< complete lines (blank ones included)
  std::size_t records = 0;  ///< lines that are JSON objects
  std::optional<OpenReport::BadLine> torn_tail;  ///< a last line without its newline
  std::vector<OpenReport::BadLine> malformed;    ///< complete lines that are not JSON objects
  /// Records that parse but miss what replay needs ("record 12 (intent): a required field is
  /// missing"): reported, not counted against `clean` (repair keeps them; recovery skips them).
  std::vector<std::string> warnings;
  bool clean() const { return !torn_tail && malformed.empty(); }
};

/// Reads `path` (no lock, nothing written).
CheckReport check(const std::string& path);

/// What repair did.
struct RepairReport {
  CheckReport before;
  bool changed = false;        ///< false: nothing to repair, nothing written
  std::vector<std::size_t> moved_lines;  ///< line numbers moved aside (the torn tail included)
  std::size_t records_kept = 0;
  std::string backup_path;     ///< `<journal>.bak-YYYYMMDD-HHMMSS`
  std::string rejected_path;   ///< `<journal>.rejected-YYYYMMDD-HHMMSS`
  bool halted_appended = false;
};

/// Repairs `path` at `now` (names the backup and rejected files, stamps the halted record).
/// Fails with journal_errc::locked (and `*owner_pid`) while another process owns the journal.
boost::system::result<RepairReport> repair(const std::string& path, Timestamp now, int* owner_pid = nullptr);

}  // namespace oms::journal
