#pragma once
/// Small pure helpers: URL encoding, seeded randomness, UUIDs, settlement dates.
#include "messages/time.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rhsim {

/// Decoded key → value pairs of a query string or form body (the last duplicate wins).
using Params = std::map<std::string, std::string, std::less<>>;

std::string url_decode(std::string_view text);
std::string url_encode(std::string_view text);
Params parse_urlencoded(std::string_view text);
/// Splits "/orders/?a=b" into "/orders/" and its decoded parameters.
std::pair<std::string, Params> split_target(std::string_view target);

/// splitmix64: tiny, seedable and identical on every platform, unlike the std distributions.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1) : state_(seed) {}
  std::uint64_t next();
  /// Uniform in [0, n).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  /// A version-4-shaped UUID.
  std::string uuid();
  /// `chars` lowercase hex digits.
  std::string hex(int chars);

 private:
  std::uint64_t state_;
};

/// A UUID that depends only on `name` (stable instrument ids across runs and seeds).
std::string stable_uuid(std::string_view name);
/// True for 8-4-4-4-12 hex.
bool is_uuid(std::string_view text);
/// RFC 4648 base64url without padding (JWT segments).
std::string base64url(std::string_view bytes);
/// A JWT-shaped access token as Robinhood issues them: base64url header.payload.signature, the
/// payload carrying `exp` and `iat` (Unix seconds). The signature is random bytes: rh-sim
/// checks a token by looking it up, as a server checks its own signature.
std::string make_jwt(Rng& rng, std::int64_t issued_at, std::int64_t expires_at, std::string_view user_id);

/// New York's offset from UTC at `t`: −4 h from the second Sunday of March (2 am) to the first
/// Sunday of November (2 am), else −5 h (US rules since 2007).
std::chrono::hours new_york_offset(oms::Timestamp t);
/// The first 4 pm New York close strictly after `t` on a weekday (exchange holidays ignored):
/// when a `gfd` order placed at `t` expires.
oms::Timestamp next_close(oms::Timestamp t);

/// Trade date + one business day (US equities settle T+1), "YYYY-MM-DD".
std::string settlement_date(oms::Timestamp trade_time);

}  // namespace rhsim

namespace rhsim {

/// `*r` if `r` holds a value, else `fallback`: for boost::system::result (no value_or in Boost
/// 1.81) and std::optional alike.
template <class R, class T>
auto or_value(R&& r, T&& fallback) -> std::decay_t<decltype(*r)> {
  using V = std::decay_t<decltype(*r)>;
  return r ? V(*r) : V(std::forward<T>(fallback));
}

}  // namespace rhsim
