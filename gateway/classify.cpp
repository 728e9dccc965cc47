#include "gateway/classify.hpp"

#include <boost/json/parse.hpp>

#include <array>
#include <charconv>

namespace oms::gateway {
namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr std::size_t kMaxMessage = 300;
// Longer waits than this are not a throttle but a block; cap before converting to avoid overflow.
constexpr std::int64_t kMaxWaitSeconds = 7 * 24 * 3600;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_uint(std::string_view digits) {
  if (digits.empty() || digits.size() > 12) return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc{} || end != digits.data() + digits.size() || v < 0) return std::nullopt;
  return v;
}

milliseconds wait_of(std::int64_t secs) { return seconds(std::min(secs, kMaxWaitSeconds)); }

// A body that is not JSON (an HTML error page from a proxy) is shown shortened and printable.
std::string printable_excerpt(std::string_view body) {
  std::string out;
  for (char c : body) {
    if (out.size() >= kMaxMessage) {
      out += "…";
      break;
    }
    if (c == '\n' || c == '\r') {
      if (!out.empty()) break;
      continue;
    }
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? ' ' : c;
  }
  return std::string(trim(out));
}

std::string join_messages(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  std::string out;
  if (!v.is_array()) return out;
  for (const auto& item : v.get_array()) {
    if (!item.is_string()) continue;
    if (!out.empty()) out += ' ';
    out += item.get_string();
  }
  return out;
}

std::string message_from_object(const json::object& obj) {
  if (const auto* d = obj.if_contains("detail"); d && d->is_string()) return std::string(d->get_string());
  std::string out;
  for (const auto& [key, value] : obj) {
    std::string text = join_messages(value);
    if (text.empty()) continue;
    if (!out.empty()) out += "; ";
    if (key != "non_field_errors") out += std::string(key) + ": ";
    out += text;
  }
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool is_duplicate_ref_id(const json::value& body) {
  const auto* obj = body.if_object();
  if (!obj) return false;
  const auto* ref = obj->if_contains("ref_id");
  return ref && contains(join_messages(*ref), "already exists");
}

bool is_insufficient_funds(std::string_view message) {
  return contains(message, "You can only purchase") || contains(message, "buying power") ||
         contains(message, "Insufficient funds") || contains(message, "insufficient funds");
}

bool is_outdated_client(std::string_view message) {
  return contains(message, "app version") || contains(message, "update your app");
}

Failure make(FailureClass c, FailureReason r, int status, std::string message) {
  return Failure{c, r, status, std::move(message), std::nullopt};
}

Failure classify_400(std::string_view body, const RequestContext& request, std::string message) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  // The original order exists at the broker: the caller must find it, not report a failure.
  if (!ec && request.kind == RequestKind::place_order && is_duplicate_ref_id(v))
    return make(FailureClass::ambiguous, FailureReason::duplicate_ref_id, 400, std::move(message));
  if (is_insufficient_funds(message))
    return make(FailureClass::permanent, FailureReason::insufficient_funds, 400, std::move(message));
  if (is_outdated_client(message))
    return make(FailureClass::permanent, FailureReason::outdated_client, 400, std::move(message));
  return make(FailureClass::permanent, FailureReason::rejected, 400, std::move(message));
}

Failure classify_unauthorized(const RequestContext& request, std::string message) {
  bool token_request = request.kind == RequestKind::login || request.kind == RequestKind::refresh;
  // One refresh can cure an expired token; a second 401, or one on the token request itself, cannot.
  auto cls = (request.after_refresh || token_request) ? FailureClass::permanent : FailureClass::transient;
  return make(cls, FailureReason::unauthorized, 401, std::move(message));
}

Failure classify_server_error(int status, const RequestContext& request, std::string message) {
  // A 500/502/504 means the request reached the broker's side; for an order POST that is the
  // same doubt as a lost response. 503 is a refusal to start work, so always transient.
  bool maybe_acted = status != 503 && !request.idempotent;
  auto cls = maybe_acted ? FailureClass::ambiguous : FailureClass::transient;
  return make(cls, FailureReason::server_error, status, std::move(message));
}

// A login the broker will not grant yet answers with a workflow object and no text of its own.
std::string login_hold_message(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const auto* obj = ec ? nullptr : v.if_object();
  if (!obj) return {};
  if (obj->contains("mfa_required")) return "the account requires an authenticator code (mfa_required)";
  if (obj->contains("verification_workflow"))
    return "the broker wants this device verified first (verification_workflow)";
  if (obj->contains("challenge")) return "the broker sent a challenge to answer (challenge)";
  return {};
}

std::optional<int> month_index(std::string_view m) {
  constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i)
    if (kMonths[i] == m) return static_cast<int>(i) + 1;
  return std::nullopt;
}

// IMF-fixdate only ("Sun, 06 Nov 1994 08:49:37 GMT"), the form RFC 9110 requires senders to use.
// Whole seconds: system_clock's nanoseconds overflow past the year 2262, and a header may say 9999.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view s) {
  if (s.size() != 29 || s.substr(3, 2) != ", " || s.substr(25) != " GMT") return std::nullopt;
  auto day = parse_uint(s.substr(5, 2));
  auto month = month_index(s.substr(8, 3));
  auto year = parse_uint(s.substr(12, 4));
  auto hh = parse_uint(s.substr(17, 2));
  auto mm = parse_uint(s.substr(20, 2));
  auto ss = parse_uint(s.substr(23, 2));
  if (!day || !month || !year || !hh || !mm || !ss || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || *hh > 23 || *mm > 59 || *ss > 60)
    return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(*year)),
                                  std::chrono::month(static_cast<unsigned>(*month)),
                                  std::chrono::day(static_cast<unsigned>(*day))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd) + std::chrono::hours(*hh) + std::chrono::minutes(*mm) +
         seconds(*ss);
}

std::string_view transport_text(TransportError e) {
  switch (e) {
    case TransportError::connection_refused: return "connection refused";
    case TransportError::host_unreachable: return "host unreachable";
    case TransportError::tls_handshake: return "TLS handshake failed";
    case TransportError::tls_certificate: return "TLS certificate not trusted";
    case TransportError::connection_reset: return "connection reset";
    case TransportError::timeout: return "timed out";
    case TransportError::end_of_stream: return "connection closed by the peer";
    case TransportError::other: return "transport error";
  }
  return "transport error";
}

}  // namespace

std::string_view to_string(FailureClass c) noexcept {
  switch (c) {
    case FailureClass::transient: return "transient";
    case FailureClass::ambiguous: return "ambiguous";
    case FailureClass::permanent: return "permanent";
  }
  return "unknown";
}

std::string_view to_string(FailureReason r) noexcept {
  switch (r) {
    case FailureReason::connect_failed: return "connect_failed";
    case FailureReason::tls_failed: return "tls_failed";
    case FailureReason::tls_untrusted: return "tls_untrusted";
    case FailureReason::lost_before_send: return "lost_before_send";
    case FailureReason::lost_after_send: return "lost_after_send";
    case FailureReason::throttled: return "throttled";
    case FailureReason::server_error: return "server_error";
    case FailureReason::unauthorized: return "unauthorized";
    case FailureReason::forbidden: return "forbidden";
    case FailureReason::not_found: return "not_found";
    case FailureReason::rejected: return "rejected";
    case FailureReason::insufficient_funds: return "insufficient_funds";
    case FailureReason::duplicate_ref_id: return "duplicate_ref_id";
    case FailureReason::outdated_client: return "outdated_client";
    case FailureReason::unexpected_status: return "unexpected_status";
  }
  return "unknown";
}

RequestContext context_of(const HttpRequestSpec& request, bool after_refresh) {
  return RequestContext{request.kind, request.idempotent, after_refresh};
}

Failure classify_transport(const TransportFault& fault, const RequestContext& request) {
  std::string what(transport_text(fault.error));
  switch (fault.error) {
    case TransportError::connection_refused:
    case TransportError::host_unreachable:
      return make(FailureClass::transient, FailureReason::connect_failed, 0, what + " before sending");
    case TransportError::tls_certificate:
      return make(FailureClass::permanent, FailureReason::tls_untrusted, 0, what);
    case TransportError::tls_handshake:
      return make(FailureClass::transient, FailureReason::tls_failed, 0, what + " before sending");
    default: break;
  }
  if (!fault.request_written)
    return make(FailureClass::transient, FailureReason::lost_before_send, 0,
                what + " before the request was fully sent");
  auto cls = request.idempotent ? FailureClass::transient : FailureClass::ambiguous;
  return make(cls, FailureReason::lost_after_send, 0,
              what + " after the request was sent; the broker may have acted on it");
}

std::optional<Failure> classify_http(int status, std::string_view body,
                                     std::string_view retry_after_header,
                                     const RequestContext& request,
                                     std::chrono::system_clock::time_point now) {
  if (status >= 200 && status < 300) return std::nullopt;
  std::string message = request.kind == RequestKind::login ? login_hold_message(body) : std::string();
  if (message.empty()) message = broker_message(body);
  if (message.empty()) message = "HTTP " + std::to_string(status);
  Failure f;
  switch (status) {
    case 400: f = classify_400(body, request, std::move(message)); break;
    case 401: f = classify_unauthorized(request, std::move(message)); break;
    case 403: f = make(FailureClass::permanent, FailureReason::forbidden, status, std::move(message)); break;
    case 404: f = make(FailureClass::permanent, FailureReason::not_found, status, std::move(message)); break;
    // 408: the server gave up waiting for our request, so it never started on it.
    case 408: f = make(FailureClass::transient, FailureReason::lost_before_send, status, std::move(message)); break;
    case 429: f = make(FailureClass::transient, FailureReason::throttled, status, std::move(message)); break;
    case 500:
    case 502:
    case 503:
    case 504: f = classify_server_error(status, request, std::move(message)); break;
    default:
      f = make(FailureClass::permanent, FailureReason::unexpected_status, status, std::move(message));
  }
  if (f.cls == FailureClass::permanent && is_outdated_client(f.message))
    f.reason = FailureReason::outdated_client;
  if (!retry_after_header.empty()) f.retry_after = parse_retry_after(retry_after_header, now);
  if (!f.retry_after && (status == 429 || status == 503)) f.retry_after = parse_throttle_wait(f.message);
  return f;
}

std::string broker_message(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return printable_excerpt(body);
  std::string out;
  if (const auto* obj = v.if_object()) out = message_from_object(*obj);
  else out = join_messages(v);
  if (out.size() > kMaxMessage) out = out.substr(0, kMaxMessage) + "…";
  return out;
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (auto secs = parse_uint(value)) return wait_of(*secs);
  auto when = parse_http_date(value);
  if (!when) return std::nullopt;
  auto now_s = std::chrono::floor<seconds>(now);
  if (*when <= now_s) return milliseconds(0);
  return wait_of((*when - now_s).count());
}

std::optional<milliseconds> parse_throttle_wait(std::string_view message) {
  constexpr std::string_view kLead = "Expected available in ";
  auto at = message.find(kLead);
  if (at == std::string_view::npos) return std::nullopt;
  auto rest = message.substr(at + kLead.size());
  std::size_t n = 0;
  while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
  if (!rest.substr(n).starts_with(" second")) return std::nullopt;
  auto secs = parse_uint(rest.substr(0, n));
  if (!secs) return std::nullopt;
  return wait_of(*secs);
}

}  // namespace oms::gateway
