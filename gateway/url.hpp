#pragma once
/// The broker's base URL, request targets, and the encodings the broker expects: RFC 3986
/// percent-encoding for paths, and Python's urlencode (what robin_stocks/requests send) for query
/// strings and form bodies.
#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oms::gateway {

/// Name/value pairs in the order they are sent.
using Params = std::vector<std::pair<std::string, std::string>>;

/// Why a URL was refused.
enum class url_errc {
  bad_scheme = 1,  ///< not http:// or https://
  no_host,         ///< nothing between "//" and the path
  bad_port,        ///< a port that is not 1..65535
  bad_character,   ///< a space, control byte or fragment where none belongs
  foreign_host,    ///< a `next` link to another scheme, host or port: never followed
};
const boost::system::error_category& url_category() noexcept;
boost::system::error_code make_error_code(url_errc e) noexcept;

/// Where the broker lives: scheme, host, port and a path prefix without a trailing slash.
struct BaseUrl {
  bool tls = true;
  std::string host;
  std::uint16_t port = 443;
  std::string base_path;  ///< "" for "https://api.robinhood.com", "/rh" for ".../rh/"
  /// "https://host" with ":port" only when it is not the scheme's default.
  std::string origin() const;
  /// The Host header value: host, plus ":port" when not the default.
  std::string host_header() const;
};

/// Parses "https://api.robinhood.com" or "http://127.0.0.1:8080/prefix"; the port defaults to
/// 443 or 80. Query strings, fragments and user info are refused.
boost::system::result<BaseUrl> parse_base_url(std::string_view url);

/// base_path + path (path starts with '/') + "?" + query when the query is not empty.
std::string make_target(const BaseUrl& base, std::string_view path, const Params& query = {});

/// Turns the broker's absolute `next` link into a target on the same origin; refuses any other
/// scheme, host or port. A relative link ("/orders/?cursor=x") is accepted as is.
boost::system::result<std::string> resolve_next(const BaseUrl& base, std::string_view next);

/// RFC 3986: everything but A-Z a-z 0-9 - . _ ~ as %XX (upper-case hex). For path segments.
std::string percent_encode(std::string_view text);
/// Python's quote_plus: like percent_encode, but a space becomes '+'.
std::string form_escape(std::string_view text);
/// "a=1&b=x+y": application/x-www-form-urlencoded, also used for query strings.
std::string form_encode(const Params& params);
/// Reverses form_escape ('+' is a space); malformed escapes are refused.
boost::system::result<std::string> form_unescape(std::string_view text);

}  // namespace oms::gateway

template <>
struct boost::system::is_error_code_enum<oms::gateway::url_errc> : std::true_type {};
