#pragma once
/// Who may use the console, decided without I/O (tests/console/auth.test.cpp walks every rule).
/// Every request needs the access token: in the `?token=` of the URL printed at start (the
/// first visit; the answer sets an HttpOnly SameSite=Strict cookie and sends the browser to the
/// same page without the token), in that cookie, or as `Authorization: Bearer`. The `Host`
/// header must name the bound address (a DNS-rebinding page names its own host); a
/// state-changing request also needs the CSRF header, and a page's WebSocket its own Origin.
/// A refusal says nothing but its status: 401 for the token, 403 for the rest.
#include <string>
#include <string_view>
#include <vector>

namespace oms::console {

/// What the server knows; the tokens are compared in constant time.
struct Secrets {
  std::string token;         ///< the console's access token (hex, ≥ 128 bits)
  std::string csrf;          ///< the CSRF header's value, handed to the page with its state
  std::string scrape_token;  ///< also accepted by GET /metrics (config console.scrape_token); may be empty
  std::string cookie_name;   ///< "oms_console_<port>": consoles on other ports keep their own
  std::vector<std::string> hosts;    ///< accepted Host values ("127.0.0.1:8470", "localhost:8470")
  std::vector<std::string> origins;  ///< accepted Origin values ("http://127.0.0.1:8470", …)
};

/// The parts of an HTTP request the decision reads.
struct RequestFacts {
  std::string_view method;         ///< "GET", "POST", …
  std::string_view target;         ///< path and query
  std::string_view host;           ///< Host header
  std::string_view cookie;         ///< Cookie header
  std::string_view authorization;  ///< Authorization header
  std::string_view csrf;           ///< X-OMS-CSRF header
  std::string_view origin;         ///< Origin header (browsers send it on POST and WebSocket)
  bool websocket = false;          ///< an Upgrade: websocket request
};

inline constexpr std::string_view kCsrfHeader = "X-OMS-CSRF";

enum class Verdict {
  allow,
  set_cookie,     ///< the token came in the URL of a page: set the cookie, redirect to the URL without it
  unauthorized,   ///< 401: no token, or a wrong one
  wrong_host,     ///< 403: the Host header is not the bound address
  missing_csrf,   ///< 403: a state-changing request without the right CSRF header
  wrong_origin,   ///< 403: a cross-origin POST or WebSocket
};

struct Decision {
  Verdict verdict = Verdict::unauthorized;
  std::string path;      ///< the target's path (no query)
  std::string location;  ///< set_cookie: where to send the browser (the target without `token`)
  bool allowed() const { return verdict == Verdict::allow || verdict == Verdict::set_cookie; }
  int status() const;  ///< 200-ish for allowed (the route decides), 303, 401 or 403
};

Decision authorize(const RequestFacts& request, const Secrets& secrets);

/// "name=TOKEN; Path=/; HttpOnly; SameSite=Strict".
std::string session_cookie(const Secrets& secrets);
/// Equal contents, in time that does not depend on where they differ.
bool same_secret(std::string_view a, std::string_view b);
/// The value of `name` in a query string ("a=1&token=x"), percent-decoding left out: tokens are hex.
std::string_view query_value(std::string_view query, std::string_view name);

}  // namespace oms::console
