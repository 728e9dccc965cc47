#include "gateway/token_store.hpp"

#include <boost/json/serialize.hpp>
#include <boost/throw_exception.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace oms::gateway {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxFileSize = 64 * 1024;

TokenStoreError fail(token_store_errc code, std::string message) { return {code, std::move(message)}; }

TokenStoreError io_failure(const char* what, const std::filesystem::path& path, int err) {
  return fail(token_store_errc::io_error,
              std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

// Closes the descriptor and, unless committed, removes the temp file on every early return.
class TempFile {
 public:
  explicit TempFile(std::string pattern) : path_(std::move(pattern)) {
    fd_ = ::mkstemp(path_.data());  // creates with O_EXCL and mode 0600
    created_ = fd_ >= 0;
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (created_ && !committed_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  bool close() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }
  void commit() { committed_ = true; }

 private:
  std::string path_;
  int fd_ = -1;
  bool created_ = false;
  bool committed_ = false;
};

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Makes the rename itself durable. Best effort: the file is already complete under either name,
// so a failure here cannot leave a torn session behind.
void sync_directory(const std::filesystem::path& file) {
  auto dir = file.parent_path();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

store_result<std::string> read_secure(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return fail(token_store_errc::not_found, "no session file at " + path.string());
    if (errno == ELOOP)
      return fail(token_store_errc::not_a_regular_file, path.string() + " is a symbolic link; refusing to follow it");
    return io_failure("cannot open", path, errno);
  }
  struct stat st {};
  std::string data;
  auto result = [&]() -> store_result<std::string> {
    if (::fstat(fd, &st) != 0) return io_failure("cannot stat", path, errno);
    if (!S_ISREG(st.st_mode))
      return fail(token_store_errc::not_a_regular_file, path.string() + " is not a regular file");
    if (st.st_uid != ::geteuid())
      return fail(token_store_errc::insecure_permissions,
                  path.string() + " belongs to another user; it holds broker credentials");
    if ((st.st_mode & 077) != 0)
      return fail(token_store_errc::insecure_permissions,
                  path.string() + " has mode " + mode_text(st.st_mode) +
                      "; it holds broker credentials and must be 0600 (chmod 600 " + path.string() +
                      ", or delete it and log in again if others may have read it)");
    if (static_cast<std::size_t>(st.st_size) > kMaxFileSize)
      return fail(token_store_errc::malformed, path.string() + " is too large to be a session file");
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return io_failure("cannot read", path, errno);
      if (n == 0) break;
      data.append(buf, static_cast<std::size_t>(n));
      if (data.size() > kMaxFileSize)
        return fail(token_store_errc::malformed, path.string() + " is too large to be a session file");
    }
    return data;
  }();
  ::close(fd);
  return result;
}

store_result<StoredSession> decode(const std::filesystem::path& path, std::string_view text) {
  auto malformed = [&](const std::string& why) {
    return fail(token_store_errc::malformed, path.string() + ": " + why);
  };
  auto v = parse_json(text);
  if (!v) return malformed(v.error().rule);
  const auto* obj = v->if_object();
  if (!obj) return malformed("must be a JSON object");
  StoredSession s;
  // Older files hold every token field; a file written before the first login holds only the
  // device token.
  for (auto [name, field] : {std::pair{"access_token", &s.access_token},
                             std::pair{"refresh_token", &s.refresh_token},
                             std::pair{"token_type", &s.token_type},
                             std::pair{"device_token", &s.device_token},
                             std::pair{"user", &s.user}}) {
    const auto* value = obj->if_contains(name);
    if (!value && std::string_view(name) != "device_token") continue;
    if (!value || !value->is_string()) return malformed(std::string(name) + " must be a string");
    *field = std::string(value->get_string());
  }
  if (s.token_type.empty()) s.token_type = "Bearer";
  auto timestamp = [&](const char* name, bool required) -> store_result<std::optional<Timestamp>> {
    const auto* value = obj->if_contains(name);
    if (!value) {
      if (required) return malformed(std::string(name) + " must be a timestamp string");
      return std::optional<Timestamp>();
    }
    if (!value->is_string()) return malformed(std::string(name) + " must be a timestamp string");
    auto t = parse_iso8601(value->get_string());
    if (!t) return malformed(std::string(name) + " must be an ISO-8601 timestamp");
    return std::optional<Timestamp>(*t);
  };
  auto expires = timestamp("expires_at", s.has_tokens());
  if (!expires) return expires.error();
  s.expires_at = expires->value_or(Timestamp{});
  auto obtained = timestamp("obtained_at", false);
  if (!obtained) return obtained.error();
  s.obtained_at = *obtained;
  auto refreshed = timestamp("refreshed_at", false);
  if (!refreshed) return refreshed.error();
  s.refreshed_at = *refreshed;
  if (const auto* origin = obj->if_contains("origin")) {
    auto parsed = origin->is_string() ? session_origin_from(origin->get_string()) : std::nullopt;
    if (!parsed) return malformed("origin must be one of none, password, approved, imported");
    s.origin = *parsed;
  } else if (s.has_tokens()) {
    s.origin = SessionOrigin::password;  // files from before the origin was kept
  }
  return s;
}

}  // namespace

void throw_exception_from_error(const TokenStoreError& e, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error(e.message), loc);
}

std::string_view to_string(SessionOrigin origin) noexcept {
  switch (origin) {
    case SessionOrigin::none: return "none";
    case SessionOrigin::password: return "password";
    case SessionOrigin::approved: return "approved";
    case SessionOrigin::imported: return "imported";
  }
  return "none";
}

std::optional<SessionOrigin> session_origin_from(std::string_view text) noexcept {
  for (auto o : {SessionOrigin::none, SessionOrigin::password, SessionOrigin::approved, SessionOrigin::imported})
    if (to_string(o) == text) return o;
  return std::nullopt;
}

store_result<void> create_private_folders(const std::filesystem::path& folder) {
  if (folder.empty()) return {};
  std::error_code ec;
  if (std::filesystem::is_directory(folder, ec)) return {};
  if (auto parent = folder.parent_path(); !parent.empty() && parent != folder)
    if (auto made = create_private_folders(parent); !made) return made;
  if (::mkdir(folder.c_str(), S_IRWXU) != 0 && errno != EEXIST)
    return io_failure("cannot create the folder", folder, errno);
  if (!std::filesystem::is_directory(folder, ec))
    return fail(token_store_errc::io_error, folder.string() + " exists and is not a folder");
  return {};
}

store_result<void> save_session(const std::filesystem::path& path, const StoredSession& session) {
  json::object obj;
  obj["access_token"] = session.access_token;
  obj["refresh_token"] = session.refresh_token;
  obj["token_type"] = session.token_type;
  if (session.has_tokens()) obj["expires_at"] = format_iso8601(session.expires_at);
  obj["device_token"] = session.device_token;
  obj["origin"] = to_string(session.origin);
  if (!session.user.empty()) obj["user"] = session.user;
  if (session.obtained_at) obj["obtained_at"] = format_iso8601(*session.obtained_at);
  if (session.refreshed_at) obj["refreshed_at"] = format_iso8601(*session.refreshed_at);
  const std::string text = json::serialize(obj) + "\n";
  if (auto made = create_private_folders(path.parent_path()); !made) return made;

  // Same directory as the target, so the rename is atomic and never crosses file systems.
  TempFile tmp(path.string() + ".tmp.XXXXXX");
  if (tmp.fd() < 0) return io_failure("cannot create a temporary file next to", path, errno);
  // mkstemp already uses 0600; fchmod also covers a umask or platform that differs.
  if (::fchmod(tmp.fd(), S_IRUSR | S_IWUSR) != 0) return io_failure("cannot chmod", tmp.path(), errno);
  if (!write_all(tmp.fd(), text)) return io_failure("cannot write", tmp.path(), errno);
  if (::fsync(tmp.fd()) != 0) return io_failure("cannot fsync", tmp.path(), errno);
  if (!tmp.close()) return io_failure("cannot close", tmp.path(), errno);
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) return io_failure("cannot rename onto", path, errno);
  tmp.commit();
  sync_directory(path);
  return {};
}

store_result<StoredSession> load_session(const std::filesystem::path& path) {
  auto text = read_secure(path);
  if (!text) return text.error();
  return decode(path, *text);
}

StoredSession session_from(const TokenResponse& token, std::string device_token, Timestamp now) {
  StoredSession s;
  s.access_token = token.access_token;
  s.refresh_token = token.refresh_token;
  s.token_type = token.token_type.empty() ? "Bearer" : token.token_type;
  s.expires_at = now + std::chrono::seconds(token.expires_in);
  s.device_token = std::move(device_token);
  return s;
}

bool needs_refresh(const StoredSession& session, Timestamp now, std::chrono::microseconds margin) {
  return session.expires_at - margin <= now;
}

}  // namespace oms::gateway
