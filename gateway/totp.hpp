#pragma once
/// RFC 6238 time-based one-time passwords (HMAC-SHA1, 30 s steps), as authenticator apps make
/// them; and RFC 4648 base32, the form in which such secrets are handed out.
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace oms::gateway {

/// Decodes base32 (A-Z, 2-7; case, spaces and '=' padding ignored). Error on any other character.
boost::system::result<std::vector<std::uint8_t>> base32_decode(std::string_view text);

/// RFC 4226 HOTP for `counter`, `digits` long (6 for Robinhood, 8 in the RFC's vectors).
std::string hotp(const std::vector<std::uint8_t>& key, std::uint64_t counter, int digits = 6);

/// RFC 6238 TOTP at `unix_time` with 30-second steps.
std::string totp(const std::vector<std::uint8_t>& key, std::chrono::seconds unix_time, int digits = 6);

}  // namespace oms::gateway
