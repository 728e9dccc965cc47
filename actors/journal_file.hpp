#pragma once
/// The order journal on disk (logs/orders.jsonl): one JSON object per line, appended and fsynced
/// before the caller goes on (write-ahead: an intent is durable before it is sent).
///
/// One owner: opening the journal for writing takes an exclusive lock on `<journal>.lock`
/// (flock, never waiting) and holds it until the JournalFile is destroyed — or the process dies,
/// kill -9 included: the kernel drops the lock with the last descriptor. The lock file holds the
/// owner's pid as text. Only the lock holder writes, truncates or repairs the journal (the
/// torn-tail repair on open happens under the lock); every append is one O_APPEND write, so no
/// write can land on top of another. Readers (read_all, `oms orders`, `oms report`,
/// `oms journal check`) take no lock.
#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace oms::journal {

/// Why a journal could not be opened for writing (besides the system's own errors).
enum class journal_errc {
  locked = 1,  ///< another process (or another JournalFile in this one) owns the journal
};
/// Category "oms.journal".
const boost::system::error_category& journal_category() noexcept;
boost::system::error_code make_error_code(journal_errc e) noexcept;

/// What opening (or reading) found.
struct OpenReport {
  std::size_t records = 0;        ///< complete records kept
  bool repaired_torn_tail = false;///< a partial last line was cut off (read_all: was found)
  std::string torn_tail;          ///< what was cut (for the log; at most 200 bytes)
  std::vector<std::string> malformed;  ///< complete lines that are not JSON objects ("line N: …")
  /// The same lines: 1-based number and first bytes (control characters shown as '?').
  struct BadLine {
    std::size_t line = 0;
    std::string start;
  };
  std::vector<BadLine> bad_lines;
  int owner_pid = 0;  ///< set when open failed with `locked`: the pid in the lock file (0 if unreadable)
};

/// The lock file beside a journal: `<journal_path>.lock`.
std::string lock_path(const std::string& journal_path);

/// The pid written in the lock file while another process holds the lock; nullopt when the
/// lock is free (nobody owns the journal now). Never takes the lock.
std::optional<int> lock_holder(const std::string& journal_path);

/// The exclusive owner lock on `<journal>.lock`; released when destroyed (or the process dies).
class OwnerLock {
 public:
  /// Takes the lock without waiting and writes our pid into the lock file. Fails with
  /// journal_errc::locked (and `*owner_pid` set to the holder's pid) while someone holds it.
  static boost::system::result<OwnerLock> acquire(const std::string& journal_path, int* owner_pid = nullptr);
  OwnerLock(OwnerLock&&) noexcept;
  OwnerLock& operator=(OwnerLock&&) noexcept;
  ~OwnerLock();

 private:
  explicit OwnerLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

/// Append-only JSON-lines file, owned by this process while it is open. Not thread-safe: owned
/// by the journal actor.
class JournalFile {
 public:
  /// Takes the owner lock, opens (creating the file and its folders), repairs a torn tail.
  /// Another owner: journal_errc::locked with `report->owner_pid` set; nothing is touched.
  /// `records` receives every complete record, read under the lock (the journal is read once).
  static boost::system::result<JournalFile> open(const std::string& path, OpenReport* report = nullptr,
                                                 std::vector<boost::json::object>* records = nullptr);
  JournalFile(JournalFile&&) noexcept;
  JournalFile& operator=(JournalFile&&) noexcept;
  ~JournalFile();

  /// Writes one record and its newline in one O_APPEND write, then fsyncs; durable when this
  /// returns without error.
  boost::system::error_code append(const boost::json::object& record);
  /// Group commit, first half: complete lines (each one record ending in '\n'), in
  /// one O_APPEND write. Not durable until sync() returns without error.
  boost::system::error_code write_lines(std::string_view lines);
  /// Group commit, second half: one fdatasync makes every line written so far durable.
  boost::system::error_code sync();
  /// A record as the journal writes it: its JSON and a newline.
  static std::string line_of(const boost::json::object& record);
  const std::string& path() const noexcept { return path_; }
  /// The descriptor appends go through (tests check its O_APPEND flag).
  int native_handle() const noexcept { return fd_; }

  /// Every complete record of a journal file, oldest first (torn or malformed lines skipped and
  /// described in `report`). Takes no lock.
  static std::vector<boost::json::object> read_all(const std::string& path, OpenReport* report = nullptr);

 private:
  JournalFile(std::string path, int fd, OwnerLock lock) : path_(std::move(path)), fd_(fd), lock_(std::move(lock)) {}
  std::string path_;
  int fd_ = -1;
  std::optional<OwnerLock> lock_;  ///< released after the journal is closed
};

}  // namespace oms::journal

template <>
struct boost::system::is_error_code_enum<oms::journal::journal_errc> : std::true_type {};
