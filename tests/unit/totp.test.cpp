#include "gateway/totp.hpp"

#include <doctest/doctest.h>

using namespace oms::gateway;
using std::chrono::seconds;

TEST_CASE("TOTP matches RFC 6238's SHA-1 test vectors") {
  std::string ascii = "12345678901234567890";
  std::vector<std::uint8_t> key(ascii.begin(), ascii.end());
  CHECK(totp(key, seconds(59), 8) == "94287082");
  CHECK(totp(key, seconds(1111111109), 8) == "07081804");
  CHECK(totp(key, seconds(1111111111), 8) == "14050471");
  CHECK(totp(key, seconds(1234567890), 8) == "89005924");
  CHECK(totp(key, seconds(2000000000), 8) == "69279037");
  CHECK(totp(key, seconds(20000000000), 8) == "65353130");
}

TEST_CASE("HOTP matches RFC 4226's test vectors") {
  std::string ascii = "12345678901234567890";
  std::vector<std::uint8_t> key(ascii.begin(), ascii.end());
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t i = 0; i < 10; ++i) CHECK(hotp(key, i) == expected[i]);
}

TEST_CASE("base32 decodes authenticator secrets and refuses other characters") {
  // "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" is base32 of "12345678901234567890".
  auto key = base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").value();
  CHECK(std::string(key.begin(), key.end()) == "12345678901234567890");
  CHECK(base32_decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").value() == key);
  CHECK(base32_decode("MY======").value() == std::vector<std::uint8_t>{'f'});
  CHECK_FALSE(base32_decode("GEZ1").has_value());
  CHECK_FALSE(base32_decode("GEZ!").has_value());
}
