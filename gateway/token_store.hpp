#pragma once
/// The broker session on disk: tokens and device token as JSON in a file only its owner can
/// read. Written atomically (temp file, fsync, rename); a file others can read is refused rather
/// than used, since it may already have leaked.
#include "gateway/parse.hpp"
#include "messages/time.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace oms::gateway {

/// How a session came to be, for `oms session` and the health answer.
enum class SessionOrigin {
  none,      ///< no session yet: only the device token is kept
  password,  ///< a password login (with MFA when the account has it) from a known device
  approved,  ///< a password login that went through the device-approval workflow
  imported,  ///< an access token from a logged-in browser (`oms login --import-token`)
};
std::string_view to_string(SessionOrigin origin) noexcept;
std::optional<SessionOrigin> session_origin_from(std::string_view text) noexcept;

/// What is kept between runs. The device token must survive: a new one triggers verification,
/// so it is written before the first login attempt, with no tokens yet.
struct StoredSession {
  std::string access_token;  ///< empty: no session, only the device
  std::string refresh_token; ///< empty: not refreshable (an imported token without one)
  std::string token_type = "Bearer";
  Timestamp expires_at{};
  std::string device_token;
  SessionOrigin origin = SessionOrigin::none;
  std::string user;                       ///< masked ("a***@e***.com"): never the full username
  std::optional<Timestamp> obtained_at;   ///< when the login or import happened
  std::optional<Timestamp> refreshed_at;  ///< the last rotation, if any
  bool has_tokens() const { return !access_token.empty(); }
};

/// Why the session file could not be used.
enum class token_store_errc {
  not_found = 1,         ///< no file yet: log in
  insecure_permissions,  ///< group/other bits set, or owned by another user
  not_a_regular_file,    ///< a symlink, directory or device
  malformed,             ///< not JSON, or a field missing or of the wrong type
  io_error,              ///< open/read/write/rename failed
};

/// A token-store failure with a message naming the file and the fix (never a token).
struct TokenStoreError {
  token_store_errc code = token_store_errc::io_error;
  std::string message;
};
[[noreturn]] void throw_exception_from_error(const TokenStoreError& e, const boost::source_location& loc);

template <class T>
using store_result = boost::system::result<T, TokenStoreError>;

/// Writes the session to `path` with mode 0600, atomically replacing any previous file. Missing
/// folders on the way are created with mode 0700 (finding 13.8: `~/.config/oms` did not exist, so
/// nothing was ever stored and every process logged in with the password again).
/// Folders that already exist are left as they are.
store_result<void> save_session(const std::filesystem::path& path, const StoredSession& session);
/// Creates `folder` and any missing parents with mode 0700; existing ones are left alone.
store_result<void> create_private_folders(const std::filesystem::path& folder);
/// Reads the session; refuses a file with any group/other permission or another owner.
store_result<StoredSession> load_session(const std::filesystem::path& path);

/// A session from a fresh grant, expiring `expires_in` seconds after `now`.
StoredSession session_from(const TokenResponse& token, std::string device_token, Timestamp now);
/// True when the access token expires within `margin` of `now` (refresh before it does).
bool needs_refresh(const StoredSession& session, Timestamp now,
                   std::chrono::microseconds margin = std::chrono::minutes(30));

}  // namespace oms::gateway
