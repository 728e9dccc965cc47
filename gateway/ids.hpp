#pragma once
/// Random identifiers the broker expects in UUID form: order ref_ids and the login device token.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace oms::gateway {

/// A fresh order idempotency key: UUID version 4 from OpenSSL's CSPRNG, lower-case hex.
std::string new_ref_id();
/// A fresh device token for the password grant; same shape as a ref_id.
std::string new_device_token();
/// Formats 16 bytes as a version-4 UUID (sets the version and RFC 4122 variant bits).
std::string format_uuid_v4(std::array<std::uint8_t, 16> bytes);
/// True for "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" in hex of either case, any version.
bool is_uuid(std::string_view text) noexcept;

}  // namespace oms::gateway
