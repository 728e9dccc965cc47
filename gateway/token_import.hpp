#pragma once
/// A session brought from a logged-in browser (`oms login --import-token`): an access token that
/// is a JWT, optionally a refresh token. The JWT's `exp` claim is read; its signature is not
/// checked (we do not hold the broker's key — the broker checks it on first use). Errors name the
/// rule, never the token.
#include "gateway/token_store.hpp"
#include "messages/codec.hpp"
#include "messages/time.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace oms::gateway {

/// What an access token says about itself.
struct JwtClaims {
  Timestamp expires_at{};               ///< `exp`
  std::optional<Timestamp> issued_at;   ///< `iat`, when present
  std::string subject;                  ///< `sub` (or `user_id`), when present; shown masked only
};

/// Decodes header.payload.signature (base64url, no padding needed) and reads `exp`. Refuses
/// anything else: not three parts, bad base64url, a header or payload that is not a JSON object,
/// no numeric `exp`.
checked<JwtClaims> decode_jwt(std::string_view token);

/// The tokens in an import: a JSON object {"access_token", "refresh_token"?, "token_type"?}, or
/// text whose first non-empty line is the access token ("Bearer " prefix allowed) and whose
/// second, if any, is the refresh token.
struct ImportedTokens {
  std::string access_token;
  std::string refresh_token;
  std::string token_type = "Bearer";
};
checked<ImportedTokens> parse_token_import(std::string_view text);

/// The session to store for an import read at `now`: refused when the token is malformed or
/// already expired. `device_token` is the one already stored (a new one otherwise).
checked<StoredSession> imported_session(std::string_view text, std::string device_token, Timestamp now);

/// "a***e" / "a***@e***.com": enough to recognise one's own account, not enough to learn it.
std::string mask_user(std::string_view user);
/// "…e1f0": the device token's last four characters.
std::string mask_device(std::string_view device_token);

}  // namespace oms::gateway
