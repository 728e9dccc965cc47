#include "gateway/url.hpp"

#include <doctest/doctest.h>

using namespace oms::gateway;

TEST_CASE("a base URL defaults the port from its scheme") {
  auto rh = parse_base_url("https://api.robinhood.com").value();
  CHECK(rh.tls);
  CHECK(rh.host == "api.robinhood.com");
  CHECK(rh.port == 443);
  CHECK(rh.base_path.empty());
  CHECK(rh.origin() == "https://api.robinhood.com");
  CHECK(rh.host_header() == "api.robinhood.com");

  auto plain = parse_base_url("http://example.test").value();
  CHECK_FALSE(plain.tls);
  CHECK(plain.port == 80);
}

TEST_CASE("a base URL keeps an explicit port and a path prefix without its trailing slash") {
  auto sim = parse_base_url("http://127.0.0.1:8080").value();
  CHECK(sim.host == "127.0.0.1");
  CHECK(sim.port == 8080);
  CHECK(sim.host_header() == "127.0.0.1:8080");
  CHECK(sim.origin() == "http://127.0.0.1:8080");

  auto prefixed = parse_base_url("https://Broker.Example:8443/rh/").value();
  CHECK(prefixed.host == "broker.example");
  CHECK(prefixed.base_path == "/rh");
  CHECK(make_target(prefixed, "/orders/") == "/rh/orders/");
}

TEST_CASE("an IPv6 literal keeps its colons apart from the port") {
  auto v6 = parse_base_url("http://[::1]:8080").value();
  CHECK(v6.host == "[::1]");
  CHECK(v6.port == 8080);
  CHECK(v6.host_header() == "[::1]:8080");
  CHECK(parse_base_url("https://[::1]").value().port == 443);
  CHECK(parse_base_url("https://[::1").error() == url_errc::no_host);
  CHECK(parse_base_url("https://[::1]x").error() == url_errc::bad_port);
  CHECK(resolve_next(v6, "http://[::1]:8080/orders/?cursor=a").value() == "/orders/?cursor=a");
  CHECK(resolve_next(v6, "http://[::2]:8080/orders/").error() == url_errc::foreign_host);
}

TEST_CASE("a malformed base URL is refused with a reason") {
  CHECK(parse_base_url("ftp://x").error() == url_errc::bad_scheme);
  CHECK(parse_base_url("api.robinhood.com").error() == url_errc::bad_scheme);
  CHECK(parse_base_url("https://").error() == url_errc::no_host);
  CHECK(parse_base_url("https://:443").error() == url_errc::no_host);
  CHECK(parse_base_url("https://h:0").error() == url_errc::bad_port);
  CHECK(parse_base_url("https://h:65536").error() == url_errc::bad_port);
  CHECK(parse_base_url("https://h:80x").error() == url_errc::bad_port);
  CHECK(parse_base_url("https://h:").error() == url_errc::bad_port);
  CHECK(parse_base_url("https://h:1:2").error() == url_errc::bad_port);
  CHECK(parse_base_url("https://h/a b").error() == url_errc::bad_character);
  CHECK(parse_base_url("https://user:pw@h").error() == url_errc::bad_character);
  CHECK(parse_base_url("https://h/?q=1").error() == url_errc::bad_character);
  CHECK(parse_base_url("https://h/#frag").error() == url_errc::bad_character);
}

TEST_CASE("a next-page link on the broker's own host becomes a target") {
  auto sim = parse_base_url("http://127.0.0.1:8080").value();
  CHECK(resolve_next(sim, "http://127.0.0.1:8080/orders/?cursor=abc").value() == "/orders/?cursor=abc");
  CHECK(resolve_next(sim, "/orders/?cursor=abc").value() == "/orders/?cursor=abc");
  auto rh = parse_base_url("https://api.robinhood.com").value();
  CHECK(resolve_next(rh, "https://api.robinhood.com/orders/?cursor=cD0yMDI0").value() ==
        "/orders/?cursor=cD0yMDI0");
  CHECK(resolve_next(rh, "https://API.robinhood.com:443/orders/").value() == "/orders/");
  CHECK(resolve_next(rh, "https://api.robinhood.com").value() == "/");
}

TEST_CASE("a next-page link to another host, scheme or port is refused") {
  auto sim = parse_base_url("http://127.0.0.1:8080").value();
  CHECK(resolve_next(sim, "http://evil.example/orders/?cursor=abc").error() == url_errc::foreign_host);
  CHECK(resolve_next(sim, "http://127.0.0.1:8081/orders/").error() == url_errc::foreign_host);
  CHECK(resolve_next(sim, "https://127.0.0.1:8080/orders/").error() == url_errc::foreign_host);
  CHECK(resolve_next(sim, "//evil.example/orders/").error() == url_errc::bad_scheme);
  CHECK(resolve_next(sim, "http://127.0.0.1:8080@evil.example/").error() == url_errc::bad_character);
  CHECK(resolve_next(sim, "javascript:alert(1)").error() == url_errc::bad_scheme);
}

TEST_CASE("a next-page link that would smuggle a header is refused") {
  auto sim = parse_base_url("http://127.0.0.1:8080").value();
  CHECK(resolve_next(sim, "/orders/?c=1\r\nX-Evil: 1").error() == url_errc::bad_character);
  CHECK(resolve_next(sim, "http://127.0.0.1:8080/orders/ HTTP/1.1").error() == url_errc::bad_character);
  CHECK_FALSE(resolve_next(sim, "").has_value());
}

TEST_CASE("percent-encoding keeps only unreserved characters") {
  CHECK(percent_encode("AZaz09-._~") == "AZaz09-._~");
  CHECK(percent_encode("a b/c?d") == "a%20b%2Fc%3Fd");
  CHECK(percent_encode("\xC3\xA9") == "%C3%A9");
  CHECK(percent_encode("") == "");
}

TEST_CASE("form encoding matches Python's urlencode, special characters included") {
  CHECK(form_encode({{"a", "1"}, {"b", "x y"}}) == "a=1&b=x+y");
  CHECK(form_encode({{"password", "p&ss=w+rd%/é"}}) == "password=p%26ss%3Dw%2Brd%25%2F%C3%A9");
  CHECK(form_encode({{"updated_at[gte]", "2026-11-24T18:05:15.123456Z"}}) ==
        "updated_at%5Bgte%5D=2026-11-24T18%3A05%3A15.123456Z");
  CHECK(form_encode({{"symbols", "AAPL,MSFT"}}) == "symbols=AAPL%2CMSFT");
  CHECK(form_encode({{"k", ""}}) == "k=");
  CHECK(form_encode({}) == "");
}

TEST_CASE("form unescaping reverses form encoding and refuses broken escapes") {
  CHECK(form_unescape("p%26ss%3Dw%2Brd+x").value() == "p&ss=w+rd x");
  CHECK_FALSE(form_unescape("%").has_value());
  CHECK_FALSE(form_unescape("%4").has_value());
  CHECK_FALSE(form_unescape("%zz").has_value());
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  CHECK(form_unescape(form_escape(all)).value() == all);
}

TEST_CASE("a target carries the query after the path") {
  auto rh = parse_base_url("https://api.robinhood.com").value();
  CHECK(make_target(rh, "/positions/", {{"nonzero", "true"}}) == "/positions/?nonzero=true");
  CHECK(make_target(rh, "/orders/") == "/orders/");
}
