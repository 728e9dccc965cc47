#include "gateway/url.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace oms::gateway {
namespace {

class UrlCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "oms.url"; }
  std::string message(int ev) const override {
    switch (static_cast<url_errc>(ev)) {
      case url_errc::bad_scheme: return "URL must start with http:// or https://";
      case url_errc::no_host: return "URL has no host";
      case url_errc::bad_port: return "URL port must be a number from 1 to 65535";
      case url_errc::bad_character: return "URL contains a space, control character or fragment";
      case url_errc::foreign_host: return "link points to another host; refusing to follow it";
    }
    return "unknown URL error";
  }
};

constexpr char kHex[] = "0123456789ABCDEF";

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// A target goes into the request line verbatim: a space or CR/LF there would let a broker-supplied
// link smuggle a header or a second request.
bool safe_target(std::string_view s) {
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7F || c == '#') return false;
  return true;
}

std::string escape(std::string_view text, bool plus_for_space) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else if (c == ' ' && plus_for_space) {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::uint16_t> parse_port(std::string_view digits) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || value == 0 ||
      value > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

struct Authority {
  bool tls;
  std::string host;
  std::uint16_t port;
  std::string_view rest;  // path, query
};

// Fills host (lower-cased) and port (the scheme's default when absent) from "host[:port]".
boost::system::error_code split_host_port(std::string_view authority, Authority& a) {
  a.port = a.tls ? 443 : 80;
  // An IPv6 literal carries colons of its own: the port can only follow its closing bracket.
  std::size_t host_end = std::min(authority.find(':'), authority.size());
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return make_error_code(url_errc::no_host);
    host_end = close + 1;
    if (host_end < authority.size() && authority[host_end] != ':') return make_error_code(url_errc::bad_port);
  }
  if (host_end < authority.size()) {
    auto port = parse_port(authority.substr(host_end + 1));
    if (!port) return make_error_code(url_errc::bad_port);
    a.port = *port;
  }
  authority = authority.substr(0, host_end);
  if (authority.empty()) return make_error_code(url_errc::no_host);
  a.host.reserve(authority.size());
  for (char c : authority) a.host += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return {};
}

boost::system::result<Authority> split(std::string_view url) {
  Authority a{};
  if (url.starts_with("https://")) {
    a.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    a.tls = false;
    url.remove_prefix(7);
  } else {
    return make_error_code(url_errc::bad_scheme);
  }
  if (!safe_target(url)) return make_error_code(url_errc::bad_character);
  auto slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  a.rest = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
  if (authority.find('@') != std::string_view::npos) return make_error_code(url_errc::bad_character);
  if (auto ec = split_host_port(authority, a)) return ec;
  return a;
}

}  // namespace

const boost::system::error_category& url_category() noexcept {
  static const UrlCategory category;
  return category;
}

boost::system::error_code make_error_code(url_errc e) noexcept {
  return {static_cast<int>(e), url_category()};
}

std::string BaseUrl::host_header() const {
  bool default_port = port == (tls ? 443 : 80);
  return default_port ? host : host + ":" + std::to_string(port);
}

std::string BaseUrl::origin() const { return (tls ? "https://" : "http://") + host_header(); }

boost::system::result<BaseUrl> parse_base_url(std::string_view url) {
  auto a = split(url);
  if (!a) return a.error();
  if (a->rest.find('?') != std::string_view::npos) return make_error_code(url_errc::bad_character);
  BaseUrl base{a->tls, std::move(a->host), a->port, std::string(a->rest)};
  while (base.base_path.ends_with('/')) base.base_path.pop_back();
  return base;
}

std::string make_target(const BaseUrl& base, std::string_view path, const Params& query) {
  std::string target = base.base_path;
  target += path;
  if (!query.empty()) {
    target += '?';
    target += form_encode(query);
  }
  return target;
}

boost::system::result<std::string> resolve_next(const BaseUrl& base, std::string_view next) {
  if (next.starts_with('/') && !next.starts_with("//")) {
    if (!safe_target(next)) return make_error_code(url_errc::bad_character);
    return std::string(next);
  }
  auto a = split(next);
  if (!a) return a.error();
  if (a->tls != base.tls || a->host != base.host || a->port != base.port)
    return make_error_code(url_errc::foreign_host);
  if (a->rest.empty()) return std::string("/");
  if (a->rest.starts_with('?')) return "/" + std::string(a->rest);
  return std::string(a->rest);
}

std::string percent_encode(std::string_view text) { return escape(text, false); }

std::string form_escape(std::string_view text) { return escape(text, true); }

std::string form_encode(const Params& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += form_escape(name);
    out += '=';
    out += form_escape(value);
  }
  return out;
}

boost::system::result<std::string> form_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return make_error_code(url_errc::bad_character);
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return make_error_code(url_errc::bad_character);
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace oms::gateway
