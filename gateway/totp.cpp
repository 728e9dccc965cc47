#include "gateway/totp.hpp"

#include <boost/system/errc.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace oms::gateway {

boost::system::result<std::vector<std::uint8_t>> base32_decode(std::string_view text) {
  std::vector<std::uint8_t> out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a';
    else if (c >= '2' && c <= '7') v = c - '2' + 26;
    else if (c == '=' || c == ' ' || c == '-') continue;
    else return make_error_code(boost::system::errc::invalid_argument);
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

std::string hotp(const std::vector<std::uint8_t>& key, std::uint64_t counter, int digits) {
  std::array<unsigned char, 8> message{};
  for (int i = 7; i >= 0; --i) {
    message[static_cast<std::size_t>(i)] = static_cast<unsigned char>(counter & 0xFF);
    counter >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), message.data(), message.size(), mac.data(),
       &mac_len);
  // Dynamic truncation (RFC 4226 §5.3): 31 bits from the offset named by the last nibble.
  std::size_t offset = mac[mac_len - 1] & 0x0F;
  std::uint32_t code = (static_cast<std::uint32_t>(mac[offset] & 0x7F) << 24) |
                       (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                       (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string text = std::to_string(code % modulus);
  text.insert(0, static_cast<std::size_t>(digits) - text.size(), '0');
  return text;
}

std::string totp(const std::vector<std::uint8_t>& key, std::chrono::seconds unix_time, int digits) {
  return hotp(key, static_cast<std::uint64_t>(unix_time.count() / 30), digits);
}

}  // namespace oms::gateway
