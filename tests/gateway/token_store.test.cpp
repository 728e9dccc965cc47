#include "gateway/token_store.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace oms;
using namespace oms::gateway;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A private directory per test, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "oms-token-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

StoredSession sample() {
  StoredSession s;
  s.access_token = "access-SECRET";
  s.refresh_token = "refresh-SECRET";
  s.token_type = "Bearer";
  s.expires_at = parse_iso8601("2026-11-25T18:05:15Z").value();
  s.device_token = "0f8fad5b-d9cb-469f-a165-70867728950e";
  return s;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

void write_file(const fs::path& p, const std::string& text, mode_t mode) {
  { std::ofstream(p) << text; }
  REQUIRE(::chmod(p.c_str(), mode) == 0);
}

}  // namespace

TEST_CASE("a saved session is written with mode 0600 and reads back the same") {
  TempDir dir;
  auto file = dir.path / "session.json";
  REQUIRE(save_session(file, sample()).has_value());
  CHECK(mode_of(file) == 0600);
  auto loaded = load_session(file).value();
  CHECK(loaded.access_token == "access-SECRET");
  CHECK(loaded.refresh_token == "refresh-SECRET");
  CHECK(loaded.token_type == "Bearer");
  CHECK(loaded.expires_at == sample().expires_at);
  CHECK(loaded.device_token == "0f8fad5b-d9cb-469f-a165-70867728950e");
}

TEST_CASE("a permissive umask still gives a 0600 session file") {
  TempDir dir;
  auto file = dir.path / "session.json";
  mode_t old = ::umask(0);
  auto saved = save_session(file, sample());
  ::umask(old);
  REQUIRE(saved.has_value());
  CHECK(mode_of(file) == 0600);
}

TEST_CASE("saving replaces the previous session and leaves no temporary file") {
  TempDir dir;
  auto file = dir.path / "session.json";
  REQUIRE(save_session(file, sample()).has_value());
  auto next = sample();
  next.access_token = "access-2";
  REQUIRE(save_session(file, next).has_value());
  CHECK(load_session(file).value().access_token == "access-2");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("saving tightens an existing loose file by replacing it") {
  TempDir dir;
  auto file = dir.path / "session.json";
  write_file(file, "{}", 0644);
  REQUIRE(save_session(file, sample()).has_value());
  CHECK(mode_of(file) == 0600);
}

TEST_CASE("a session file readable by others is refused with a clear error") {
  TempDir dir;
  auto file = dir.path / "session.json";
  REQUIRE(save_session(file, sample()).has_value());
  REQUIRE(::chmod(file.c_str(), 0644) == 0);
  auto r = load_session(file);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == token_store_errc::insecure_permissions);
  CHECK(r.error().message.find("0644") != std::string::npos);
  CHECK(r.error().message.find("chmod 600") != std::string::npos);
  CHECK(r.error().message.find(file.string()) != std::string::npos);
  CHECK(r.error().message.find("SECRET") == std::string::npos);
  for (mode_t loose : {0640, 0604, 0660, 0601, 0610}) {
    CAPTURE(loose);
    REQUIRE(::chmod(file.c_str(), loose) == 0);
    CHECK(load_session(file).error().code == token_store_errc::insecure_permissions);
  }
  REQUIRE(::chmod(file.c_str(), 0400) == 0);
  CHECK(load_session(file).has_value());
}

TEST_CASE("a missing session file says so") {
  TempDir dir;
  auto r = load_session(dir.path / "absent.json");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == token_store_errc::not_found);
}

TEST_CASE("a symbolic link or a directory is not used as a session file") {
  TempDir dir;
  auto real = dir.path / "real.json";
  REQUIRE(save_session(real, sample()).has_value());
  auto link = dir.path / "link.json";
  fs::create_symlink(real, link);
  CHECK(load_session(link).error().code == token_store_errc::not_a_regular_file);
  auto sub = dir.path / "sub";
  fs::create_directory(sub);
  REQUIRE(::chmod(sub.c_str(), 0700) == 0);
  CHECK(load_session(sub).error().code == token_store_errc::not_a_regular_file);
}

TEST_CASE("a malformed session file names the problem without echoing tokens") {
  TempDir dir;
  auto file = dir.path / "session.json";
  write_file(file, "not json access-SECRET", 0600);
  auto r = load_session(file);
  CHECK(r.error().code == token_store_errc::malformed);
  CHECK(r.error().message.find("SECRET") == std::string::npos);
  write_file(file, R"({"access_token":"access-SECRET","refresh_token":"r","token_type":"Bearer","device_token":"d"})", 0600);
  r = load_session(file);
  CHECK(r.error().code == token_store_errc::malformed);
  CHECK(r.error().message.find("expires_at") != std::string::npos);
  CHECK(r.error().message.find("SECRET") == std::string::npos);
  write_file(file, R"({"access_token":1})", 0600);
  CHECK(load_session(file).error().message.find("access_token must be a string") != std::string::npos);
}

TEST_CASE("finding 8: saving into a missing folder creates it (and its missing parents) with mode 0700") {
  TempDir dir;
  auto folder = dir.path / "home" / ".config" / "oms";
  auto file = folder / "token.json";
  mode_t old = ::umask(0);  // the folders are private whatever the umask
  auto saved = save_session(file, sample());
  ::umask(old);
  REQUIRE(saved.has_value());
  CHECK(mode_of(folder) == 0700);
  CHECK(mode_of(dir.path / "home" / ".config") == 0700);
  CHECK(mode_of(file) == 0600);
  CHECK(load_session(file).value().access_token == "access-SECRET");
}

TEST_CASE("an existing folder keeps its own mode; a file in the way of a folder fails cleanly") {
  TempDir dir;
  auto shared = dir.path / "shared";
  fs::create_directory(shared);
  REQUIRE(::chmod(shared.c_str(), 0755) == 0);
  REQUIRE(save_session(shared / "token.json", sample()).has_value());
  CHECK(mode_of(shared) == 0755);
  write_file(dir.path / "plain", "x", 0600);
  auto r = save_session(dir.path / "plain" / "token.json", sample());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == token_store_errc::io_error);
  CHECK(r.error().message.find("plain") != std::string::npos);
}

TEST_CASE("a device token is stored before any login: a file with no tokens reads back as no session") {
  TempDir dir;
  auto file = dir.path / "token.json";
  StoredSession device_only;
  device_only.device_token = "0f8fad5b-d9cb-469f-a165-70867728950e";
  REQUIRE(save_session(file, device_only).has_value());
  auto loaded = load_session(file).value();
  CHECK_FALSE(loaded.has_tokens());
  CHECK(loaded.device_token == device_only.device_token);
  CHECK(loaded.origin == SessionOrigin::none);
}

TEST_CASE("how a session was obtained, the masked user and its times are kept") {
  TempDir dir;
  auto file = dir.path / "token.json";
  auto s = sample();
  s.origin = SessionOrigin::imported;
  s.user = "a***@e***.com";
  s.obtained_at = parse_iso8601("2026-11-24T18:00:00Z").value();
  s.refreshed_at = parse_iso8601("2026-11-25T10:00:00Z").value();
  REQUIRE(save_session(file, s).has_value());
  auto loaded = load_session(file).value();
  CHECK(loaded.origin == SessionOrigin::imported);
  CHECK(loaded.user == "a***@e***.com");
  CHECK(loaded.obtained_at == s.obtained_at);
  CHECK(loaded.refreshed_at == s.refreshed_at);
  // A file from before these fields existed reads as a password login.
  write_file(file,
             R"({"access_token":"a","refresh_token":"r","token_type":"Bearer","expires_at":"2026-11-25T18:05:15Z","device_token":"d"})",
             0600);
  CHECK(load_session(file).value().origin == SessionOrigin::password);
  write_file(file, R"({"device_token":"d","origin":"stolen"})", 0600);
  CHECK(load_session(file).error().message.find("origin must be one of") != std::string::npos);
}

TEST_CASE("a session from a grant expires after expires_in and is refreshed ahead of time") {
  TokenResponse grant{"a", "r", 86400, "Bearer", "internal"};
  auto now = parse_iso8601("2026-11-24T18:00:00Z").value();
  auto s = session_from(grant, "dev", now);
  CHECK(s.access_token == "a");
  CHECK(s.refresh_token == "r");
  CHECK(s.device_token == "dev");
  CHECK(s.expires_at == now + 24h);
  CHECK_FALSE(needs_refresh(s, now));
  CHECK_FALSE(needs_refresh(s, now + 23h));
  CHECK(needs_refresh(s, now + 23h + 30min));
  CHECK(needs_refresh(s, now + 25h));
}
