#include "actors/journal_check.hpp"

#include "actors/journal_replay.hpp"

#include <boost/json.hpp>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

namespace oms::journal {
namespace json = boost::json;
using boost::system::error_code;

namespace {

error_code last_error() { return error_code(errno, boost::system::system_category()); }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// One line of the file: its number, its bytes, and whether it reads as a record.
struct Line {
  std::size_t number = 0;
  std::string_view text;
  bool complete = true;  ///< ends with a newline (the last line may not: a torn tail)
  bool record = false;   ///< a JSON object
};

std::vector<Line> split(const std::string& text) {
  std::vector<Line> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    Line line;
    line.number = out.size() + 1;
    line.complete = nl != std::string::npos;
    line.text = std::string_view(text).substr(start, (line.complete ? nl : text.size()) - start);
    if (line.complete && !line.text.empty()) {
      error_code ec;
      json::value v = json::parse(line.text, ec);
      line.record = !ec && v.is_object();
    }
    out.push_back(line);
    start = line.complete ? nl + 1 : text.size();
  }
  return out;
}

std::string printable(std::string_view text) {
  constexpr std::size_t kShown = 60;
  std::string out(text.substr(0, kShown));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (text.size() > kShown) out += "…";
  return out;
}

// "20261124-150000": a file-name-safe UTC stamp.
std::string stamp(Timestamp now) {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(now));
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y%m%d-%H%M%S", &tm);
  return out;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Creates `base` (or `base-2`, `base-3`… if taken), writes `data`, fsyncs. The name used.
boost::system::result<std::string> write_new_file(const std::string& base, std::string_view data) {
  for (int n = 1; n < 100; ++n) {
    std::string name = n == 1 ? base : base + "-" + std::to_string(n);
    int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) return last_error();
    bool ok = write_all(fd, data) && ::fsync(fd) == 0;
    auto ec = last_error();
    ::close(fd);
    if (!ok) return ec;
    return name;
  }
  return error_code(EEXIST, boost::system::system_category());
}

error_code fsync_folder(const std::string& path) {
  auto folder = std::filesystem::path(path).parent_path();
  int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return last_error();
  error_code ec;
  if (::fsync(fd) != 0) ec = last_error();
  ::close(fd);
  return ec;
}

CheckReport check_text(const std::string& path, const std::string& text, std::vector<Line>& lines) {
  CheckReport r;
  r.path = path;
  r.exists = true;
  lines = split(text);
  std::vector<json::object> records;
  for (const auto& line : lines) {
    if (!line.complete) {
      if (!line.text.empty()) r.torn_tail = OpenReport::BadLine{line.number, printable(line.text)};
      continue;
    }
    ++r.lines;
    if (line.text.empty()) continue;
    if (!line.record) {
      r.malformed.push_back({line.number, printable(line.text)});
      continue;
    }
    ++r.records;
    records.push_back(json::parse(line.text).as_object());
  }
  r.warnings = recovery::replay(records).malformed;
  return r;
}

}  // namespace

CheckReport check(const std::string& path) {
  if (!std::filesystem::exists(path)) return CheckReport{path};
  std::vector<Line> lines;
  std::string text = slurp(path);
  return check_text(path, text, lines);
}

boost::system::result<RepairReport> repair(const std::string& path, Timestamp now, int* owner_pid) {
  // Only the owner writes the journal: while a bot or `oms serve` runs, it must be stopped first.
  auto lock = OwnerLock::acquire(path, owner_pid);
  if (!lock) return lock.error();
  RepairReport out;
  if (!std::filesystem::exists(path)) {
    out.before.path = path;
    return out;
  }
  std::string text = slurp(path);
  std::vector<Line> lines;
  out.before = check_text(path, text, lines);
  out.records_kept = out.before.records;
  if (out.before.clean()) return out;

  std::string kept, rejected;
  for (const auto& line : lines) {
    if (line.record) {
      kept.append(line.text).push_back('\n');
    } else if (!line.text.empty()) {
      out.moved_lines.push_back(line.number);
      rejected.append("line " + std::to_string(line.number) + (line.complete ? "" : " (torn tail)") + ": ")
          .append(line.text)
          .push_back('\n');
    }
  }
  std::string when = stamp(now);
  auto backup = write_new_file(path + ".bak-" + when, text);
  if (!backup) return backup.error();
  out.backup_path = *backup;
  auto aside = write_new_file(path + ".rejected-" + when, rejected);
  if (!aside) return aside.error();
  out.rejected_path = *aside;
  // A lost line may have been `halted`: the repaired journal ends halted, so only a person's
  // `oms resume` re-opens submissions.
  json::object halted{{"ts", format_iso8601(now)},
                      {"kind", "halted"},
                      {"requested_by", "journal repair"},
                      {"reason", std::to_string(out.moved_lines.size()) + " unreadable line(s) moved to " +
                                     out.rejected_path}};
  kept.append(json::serialize(halted)).push_back('\n');
  out.halted_appended = true;
  auto temp = write_new_file(path + ".repair-tmp", kept);
  if (!temp) return temp.error();
  if (::rename(temp->c_str(), path.c_str()) != 0) {
    auto ec = last_error();
    ::unlink(temp->c_str());
    return ec;
  }
  if (auto ec = fsync_folder(path)) return ec;
  out.changed = true;
  return out;
}

}  // namespace oms::journal
