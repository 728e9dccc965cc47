#include "actors/journal_file.hpp"

#include <boost/json.hpp>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace oms::journal {
namespace json = boost::json;
using boost::system::error_code;

namespace {

error_code last_error() { return error_code(errno, boost::system::system_category()); }

class JournalCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "oms.journal"; }
  std::string message(int ev) const override {
    switch (static_cast<journal_errc>(ev)) {
      case journal_errc::locked: return "the journal is owned by another process";
    }
    return "unknown journal error";
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Splits into complete lines; returns the offset where an unterminated tail starts (or size).
std::size_t complete_lines(const std::string& text, std::vector<std::string_view>& lines) {
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.emplace_back(text.data() + start, nl - start);
  return start;
}

// The first bytes of a line, safe to print on one line of a terminal.
std::string printable_start(std::string_view line) {
  constexpr std::size_t kShown = 60;
  std::string out(line.substr(0, kShown));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (line.size() > kShown) out += "…";
  return out;
}

// Parses `text` as journal lines; returns the offset of a torn tail (text.size() when none).
std::size_t scan(const std::string& text, std::vector<json::object>& out, OpenReport* report) {
  std::vector<std::string_view> lines;
  std::size_t tail = complete_lines(text, lines);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    error_code ec;
    json::value v = json::parse(lines[i], ec);
    if (ec || !v.is_object()) {
      if (report) {
        report->malformed.push_back("line " + std::to_string(i + 1) + ": not a JSON object");
        report->bad_lines.push_back({i + 1, printable_start(lines[i])});
      }
      continue;
    }
    out.push_back(std::move(v.get_object()));
  }
  if (report) {
    report->records = out.size();
    if (tail < text.size()) {
      report->repaired_torn_tail = true;
      report->torn_tail = text.substr(tail, 200);
    }
  }
  return tail;
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The pid text in a lock file (0 when empty or unreadable: an owner between open and write).
int read_pid(int fd) {
  char buffer[32] = {};
  ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (n <= 0) return 0;
  int pid = 0;
  std::from_chars(buffer, buffer + n, pid);
  return pid;
}

int flock_retrying(int fd, int operation) {
  int rc;
  do rc = ::flock(fd, operation);
  while (rc != 0 && errno == EINTR);
  return rc;
}

}  // namespace

const boost::system::error_category& journal_category() noexcept {
  static const JournalCategory category;
  return category;
}

error_code make_error_code(journal_errc e) noexcept { return error_code(static_cast<int>(e), journal_category()); }

std::string lock_path(const std::string& journal_path) { return journal_path + ".lock"; }

std::optional<int> lock_holder(const std::string& journal_path) {
  int fd = ::open(lock_path(journal_path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;  // no lock file: nobody ever owned it
  std::optional<int> holder;
  // A shared lock is granted only while nobody holds the exclusive one. It is held for two
  // system calls; an owner starting in that instant retries (OwnerLock::acquire).
  if (flock_retrying(fd, LOCK_SH | LOCK_NB) == 0) ::flock(fd, LOCK_UN);
  else if (errno == EWOULDBLOCK) holder = read_pid(fd);
  ::close(fd);
  return holder;
}

boost::system::result<OwnerLock> OwnerLock::acquire(const std::string& journal_path, int* owner_pid) {
  int fd = ::open(lock_path(journal_path).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return last_error();
  // A probe (lock_holder) holds a shared lock for an instant: try a few times before calling
  // the journal owned. A real owner holds the lock for its lifetime, so this only delays the
  // answer "locked" by a few milliseconds.
  for (int attempt = 0;; ++attempt) {
    if (flock_retrying(fd, LOCK_EX | LOCK_NB) == 0) break;
    if (errno != EWOULDBLOCK || attempt == 20) {
      bool locked = errno == EWOULDBLOCK;
      auto ec = locked ? make_error_code(journal_errc::locked) : last_error();
      if (locked && owner_pid) *owner_pid = read_pid(fd);
      ::close(fd);
      return ec;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // Ours now: say who we are, for the operator and for the next process that finds it locked.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    auto ec = last_error();
    ::close(fd);  // also releases the lock
    return ec;
  }
  return OwnerLock(fd);
}

OwnerLock::OwnerLock(OwnerLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

OwnerLock& OwnerLock::operator=(OwnerLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

// Closing the descriptor releases the lock. The pid stays in the file: a free lock with a pid
// in it is a finished (or killed) owner, which is why lock_holder asks the lock, not the file.
OwnerLock::~OwnerLock() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<json::object> JournalFile::read_all(const std::string& path, OpenReport* report) {
  std::vector<json::object> out;
  scan(slurp(path), out, report);
  return out;
}

boost::system::result<JournalFile> JournalFile::open(const std::string& path, OpenReport* report,
                                                     std::vector<json::object>* records_out) {
  OpenReport local;
  OpenReport& r = report ? *report : local;
  std::error_code fs_ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, fs_ec);
  auto lock = OwnerLock::acquire(path, &r.owner_pid);
  if (!lock) return lock.error();
  // O_APPEND: every write lands at the end of the file as it is then, whatever else happened.
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return last_error();
  std::vector<json::object> records;
  std::size_t tail = scan(slurp(path), records, &r);
  // A crash mid-append leaves a line without its newline: cut it so the next record starts clean.
  if (r.repaired_torn_tail && (::ftruncate(fd, static_cast<off_t>(tail)) != 0 || ::fsync(fd) != 0)) {
    auto ec = last_error();
    ::close(fd);
    return ec;
  }
  if (records_out) *records_out = std::move(records);
  return JournalFile(path, fd, std::move(*lock));
}

JournalFile::JournalFile(JournalFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), lock_(std::move(other.lock_)) {
  other.fd_ = -1;
  other.lock_.reset();
}

JournalFile& JournalFile::operator=(JournalFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    lock_.reset();
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    lock_ = std::move(other.lock_);
    other.fd_ = -1;
    other.lock_.reset();
  }
  return *this;
}

JournalFile::~JournalFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::string JournalFile::line_of(const json::object& record) {
  std::string line = json::serialize(record);
  line += '\n';
  return line;
}

error_code JournalFile::append(const json::object& record) {
  if (auto ec = write_lines(line_of(record))) return ec;
  return sync();
}

// One O_APPEND write per batch: a crash tears at most its last line (cut on the next open); the
// batch's records are acknowledged only after sync(), so a torn or unsynced one was never acked.
error_code JournalFile::write_lines(std::string_view lines) {
  if (!write_all(fd_, lines.data(), lines.size())) return last_error();
  return {};
}

error_code JournalFile::sync() {
  if (::fdatasync(fd_) != 0) return last_error();
  return {};
}

}  // namespace oms::journal
