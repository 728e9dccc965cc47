#include "actors/journal_file.hpp"

#include <boost/json.hpp>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
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

// Splits into complete lines; returns the offset where an unterminated tail starts (or size).
std::size_t complete_lines(const std::string& text, std::vector<std::string_view>& lines) {
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.emplace_back(text.data() + start, nl - start);
  return start;
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

}  // namespace

std::vector<json::object> JournalFile::read_all(const std::string& path, OpenReport* report) {
  std::vector<json::object> out;
  std::string text = slurp(path);
  std::vector<std::string_view> lines;
  std::size_t tail = complete_lines(text, lines);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    error_code ec;
    json::value v = json::parse(lines[i], ec);
    if (ec || !v.is_object()) {
      if (report) report->malformed.push_back("line " + std::to_string(i + 1) + ": not a JSON object");
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
  return out;
}

boost::system::result<JournalFile> JournalFile::open(const std::string& path, OpenReport* report) {
  std::error_code fs_ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, fs_ec);
  OpenReport local;
  OpenReport& r = report ? *report : local;
  read_all(path, &r);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return last_error();
  // A crash mid-append leaves a line without its newline: cut it so the next record starts clean.
  if (r.repaired_torn_tail) {
    std::string text = slurp(path);
    std::size_t last_newline = text.rfind('\n');
    off_t keep = last_newline == std::string::npos ? 0 : static_cast<off_t>(last_newline + 1);
    if (::ftruncate(fd, keep) != 0 || ::fsync(fd) != 0) {
      auto ec = last_error();
      ::close(fd);
      return ec;
    }
  }
  if (::lseek(fd, 0, SEEK_END) < 0) {
    auto ec = last_error();
    ::close(fd);
    return ec;
  }
  return JournalFile(path, fd);
}

JournalFile::JournalFile(JournalFile&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

JournalFile& JournalFile::operator=(JournalFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

JournalFile::~JournalFile() {
  if (fd_ >= 0) ::close(fd_);
}

error_code JournalFile::append(const json::object& record) {
  std::string line = json::serialize(record);
  line += '\n';
  // One write per record keeps a crash to at most one torn line; fsync makes it durable.
  if (!write_all(fd_, line.data(), line.size())) return last_error();
  if (::fdatasync(fd_) != 0) return last_error();
  return {};
}

}  // namespace oms::journal
