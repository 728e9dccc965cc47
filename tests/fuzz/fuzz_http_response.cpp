// An HTTP response as text ("HTTP/1.1 429 …", headers, blank line, body) → the gateway's pure
// failure handling: classification for every kind of request, the broker's error text,
// Retry-After and throttle waits, the retry decision and the rate limiter's pause.
#include "fuzz_check.hpp"
#include "gateway/classify.hpp"
#include "gateway/parse.hpp"
#include "gateway/rate_limiter.hpp"
#include "gateway/retry.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace oms;
using namespace oms::gateway;
using oms::fuzz::require;
using std::chrono::milliseconds;

// Error texts go to logs: the broker's words are cut to 300 bytes plus an ellipsis.
constexpr std::size_t kMaxMessageBytes = 303;
constexpr milliseconds kMaxWait = std::chrono::hours(24 * 7);
constexpr std::array kKinds = {RequestKind::login,     RequestKind::refresh,     RequestKind::account,
                               RequestKind::instrument, RequestKind::quotes,     RequestKind::place_order,
                               RequestKind::get_order, RequestKind::list_orders, RequestKind::cancel_order,
                               RequestKind::positions};

struct Response {
  int status = 0;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;
};

std::string_view next_line(std::string_view& text) {
  auto end = text.find('\n');
  std::string_view line = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Lenient on purpose: the fuzzer should reach the classifier, not stop at our framing.
Response split(std::string_view text) {
  Response r;
  std::string_view status_line = next_line(text);
  auto space = status_line.find(' ');
  if (space != std::string_view::npos) {
    auto code = status_line.substr(space + 1, 4);
    std::from_chars(code.data(), code.data() + code.size(), r.status);
  }
  while (!text.empty()) {
    std::string_view line = next_line(text);
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers.emplace_back(line.substr(0, colon), value);
  }
  r.body = text;
  return r;
}

bool same_name(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

// As HttpResponse::header: the first header of that name.
std::string_view header(const Response& r, std::string_view name) {
  for (const auto& [key, value] : r.headers)
    if (same_name(key, name)) return value;
  return {};
}

void check_wait(const std::optional<milliseconds>& wait) {
  if (wait) require(wait->count() >= 0 && *wait <= kMaxWait);
}

void check_decisions(const Failure& f, Timestamp now) {
  RetryPolicy policy;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    Decision d = decide(policy, f, attempt, 0x9e3779b97f4a7c15ULL * static_cast<unsigned>(attempt));
    // Only a request the broker may have acted on is looked up; only a transient one is resent.
    require((d.action == Action::reconcile) == (f.cls == FailureClass::ambiguous));
    if (f.cls == FailureClass::permanent) require(d.action == Action::give_up);
    require(d.delay.count() >= 0);
    if (d.action == Action::retry)
      require(d.delay <= std::max(policy.max_delay, f.retry_after.value_or(milliseconds(0))));
  }
  if (!f.retry_after) return;
  // The broker's wait is honoured by the limiter: nothing goes before it is over.
  auto bucket = TokenBucket::per_second(8, 4, now);
  bucket.pause_until(now + *f.retry_after);
  require(bucket.wait_for(now) >= *f.retry_after);
}

void check_classification(const Response& r, std::string_view retry_after, Timestamp now) {
  const auto wall_now = std::chrono::system_clock::time_point(now.time_since_epoch());
  for (RequestKind kind : kKinds) {
    for (bool idempotent : {true, false}) {
      for (bool after_refresh : {false, true}) {
        RequestContext context{kind, idempotent, after_refresh};
        auto f = classify_http(r.status, r.body, retry_after, context, wall_now);
        require(f.has_value() != (r.status >= 200 && r.status < 300));
        if (!f) continue;
        require(f->http_status == r.status && !f->message.empty());
        require(f->message.size() <= kMaxMessageBytes);
        // The broker may have acted only on an order POST (or on a duplicate ref_id's original).
        if (f->cls == FailureClass::ambiguous) require(!idempotent || f->reason == FailureReason::duplicate_ref_id);
        if (f->reason == FailureReason::duplicate_ref_id) require(kind == RequestKind::place_order);
        check_wait(f->retry_after);
        check_decisions(*f, now);
      }
    }
  }
}

// Transport faults carry no body; the bytes pick which one and how far the request got.
void check_transport(std::string_view text) {
  if (text.empty()) return;
  auto byte = static_cast<unsigned char>(text.front());
  TransportFault fault{static_cast<TransportError>(byte % 8), (byte & 8) != 0};
  for (bool idempotent : {true, false}) {
    Failure f = classify_transport(fault, RequestContext{RequestKind::place_order, idempotent, false});
    require(f.http_status == 0 && !f.message.empty());
    // A request the broker never fully received cannot have been acted on.
    if (!fault.request_written || idempotent) require(f.cls != FailureClass::ambiguous);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = oms::fuzz::as_text(data, size);
  Response r = split(text);
  const Timestamp now = parse_iso8601("2026-11-24T18:05:15.123456Z").value();
  const auto wall_now = std::chrono::system_clock::time_point(now.time_since_epoch());
  for (const auto& [name, value] : r.headers) check_wait(parse_retry_after(value, wall_now));
  check_wait(parse_throttle_wait(r.body));
  require(broker_message(r.body).size() <= kMaxMessageBytes);
  check_classification(r, header(r, "Retry-After"), now);
  check_transport(text);
  if (r.status >= 200 && r.status < 300) {
    (void)parse_order(r.body);
    (void)parse_login_reply(r.body);
  }
  return 0;
}
