#include "gateway/classify.hpp"

#include <doctest/doctest.h>

using namespace oms::gateway;
using namespace std::chrono_literals;

namespace {

const RequestContext kPost{RequestKind::place_order, false, false};
const RequestContext kGet{RequestKind::get_order, true, false};
const RequestContext kCancel{RequestKind::cancel_order, true, false};

Failure transport(TransportError e, bool written, const RequestContext& c) {
  return classify_transport(TransportFault{e, written}, c);
}

Failure http(int status, std::string_view body, const RequestContext& c = kPost,
             std::string_view retry_after = {}) {
  auto f = classify_http(status, body, retry_after, c, std::chrono::system_clock::now());
  REQUIRE(f.has_value());
  return *f;
}

}  // namespace

TEST_CASE("a 2xx response is not a failure") {
  auto now = std::chrono::system_clock::now();
  CHECK_FALSE(classify_http(200, "{}", "", kGet, now).has_value());
  CHECK_FALSE(classify_http(201, "{}", "", kPost, now).has_value());
  CHECK_FALSE(classify_http(204, "", "", kCancel, now).has_value());
}

TEST_CASE("a refused connection is transient whatever the request") {
  for (auto c : {kPost, kGet, kCancel}) {
    auto f = transport(TransportError::connection_refused, false, c);
    CHECK(f.cls == FailureClass::transient);
    CHECK(f.reason == FailureReason::connect_failed);
    CHECK(f.http_status == 0);
  }
  CHECK(transport(TransportError::host_unreachable, false, kPost).cls == FailureClass::transient);
}

TEST_CASE("a reset before the order POST was written is transient") {
  auto f = transport(TransportError::connection_reset, false, kPost);
  CHECK(f.cls == FailureClass::transient);
  CHECK(f.reason == FailureReason::lost_before_send);
}

TEST_CASE("a timeout before any byte was sent is transient") {
  auto f = transport(TransportError::timeout, false, kPost);
  CHECK(f.cls == FailureClass::transient);
  CHECK(f.reason == FailureReason::lost_before_send);
}

TEST_CASE("a timeout after the order POST was written is ambiguous") {
  auto f = transport(TransportError::timeout, true, kPost);
  CHECK(f.cls == FailureClass::ambiguous);
  CHECK(f.reason == FailureReason::lost_after_send);
  CHECK(f.message.find("may have acted") != std::string::npos);
}

TEST_CASE("a reset or early close after the order POST was written is ambiguous") {
  CHECK(transport(TransportError::connection_reset, true, kPost).cls == FailureClass::ambiguous);
  CHECK(transport(TransportError::end_of_stream, true, kPost).cls == FailureClass::ambiguous);
  CHECK(transport(TransportError::other, true, kPost).cls == FailureClass::ambiguous);
}

TEST_CASE("a timeout or reset after a GET or a cancel was written is transient") {
  for (auto c : {kGet, kCancel, RequestContext{RequestKind::list_orders, true, false}}) {
    CHECK(transport(TransportError::timeout, true, c).cls == FailureClass::transient);
    CHECK(transport(TransportError::connection_reset, true, c).cls == FailureClass::transient);
    CHECK(transport(TransportError::timeout, true, c).reason == FailureReason::lost_after_send);
  }
}

TEST_CASE("a TLS handshake failure is transient but an untrusted certificate is permanent") {
  auto hs = transport(TransportError::tls_handshake, false, kPost);
  CHECK(hs.cls == FailureClass::transient);
  CHECK(hs.reason == FailureReason::tls_failed);
  auto cert = transport(TransportError::tls_certificate, false, kGet);
  CHECK(cert.cls == FailureClass::permanent);
  CHECK(cert.reason == FailureReason::tls_untrusted);
}

TEST_CASE("the context of a built request carries its kind and idempotence") {
  HttpRequestSpec spec;
  spec.kind = RequestKind::place_order;
  spec.idempotent = false;
  auto c = context_of(spec, true);
  CHECK(c.kind == RequestKind::place_order);
  CHECK_FALSE(c.idempotent);
  CHECK(c.after_refresh);
}

TEST_CASE("a 429 is transient and carries the broker's wait") {
  auto f = http(429, R"({"detail":"Request was throttled. Expected available in 14 seconds."})");
  CHECK(f.cls == FailureClass::transient);
  CHECK(f.reason == FailureReason::throttled);
  CHECK(f.http_status == 429);
  CHECK(f.retry_after == 14s);
  CHECK(f.message == "Request was throttled. Expected available in 14 seconds.");
}

TEST_CASE("a Retry-After header wins over the wait in the message") {
  auto f = http(429, R"({"detail":"Request was throttled. Expected available in 14 seconds."})", kGet, "3");
  CHECK(f.retry_after == 3s);
  CHECK(http(503, "", kGet, "120").retry_after == 120s);
  CHECK_FALSE(http(429, "{}", kGet).retry_after.has_value());
}

TEST_CASE("5xx on a read is transient") {
  for (int status : {500, 502, 503, 504}) {
    CAPTURE(status);
    auto f = http(status, "<html>oops</html>", kGet);
    CHECK(f.cls == FailureClass::transient);
    CHECK(f.reason == FailureReason::server_error);
    CHECK(f.http_status == status);
  }
  CHECK(http(500, "", kCancel).cls == FailureClass::transient);
}

TEST_CASE("503 on the order POST is transient but 500, 502 and 504 may have placed it, so ambiguous") {
  CHECK(http(503, "", kPost).cls == FailureClass::transient);
  CHECK(http(500, "", kPost).cls == FailureClass::ambiguous);
  CHECK(http(502, "", kPost).cls == FailureClass::ambiguous);
  CHECK(http(504, "", kPost).cls == FailureClass::ambiguous);
  CHECK(http(504, "", kPost).reason == FailureReason::server_error);
}

TEST_CASE("a 400 with field errors is permanent and says what the broker said") {
  auto f = http(400, R"({"price":["Prices above $1.00 can't have subpenny increments."]})");
  CHECK(f.cls == FailureClass::permanent);
  CHECK(f.reason == FailureReason::rejected);
  CHECK(f.message == "price: Prices above $1.00 can't have subpenny increments.");
  auto two = http(400, R"({"price":["Prices can't be more than 4 decimal places."],"quantity":["Ensure this value is greater than 0."]})");
  CHECK(two.message ==
        "price: Prices can't be more than 4 decimal places.; quantity: Ensure this value is greater than 0.");
  CHECK(http(400, R"({"non_field_errors":["Limit order quantity cannot include fractional shares"]})").message ==
        "Limit order quantity cannot include fractional shares");
}

TEST_CASE("insufficient buying power is its own permanent category") {
  auto f = http(400, R"({"detail":"You can only purchase 30 shares of MSFT."})");
  CHECK(f.cls == FailureClass::permanent);
  CHECK(f.reason == FailureReason::insufficient_funds);
  CHECK(f.message == "You can only purchase 30 shares of MSFT.");
  CHECK(http(400, R"({"detail":"Not enough buying power."})").reason == FailureReason::insufficient_funds);
}

TEST_CASE("a duplicate ref_id means look the order up, never failed") {
  auto f = http(400, R"({"ref_id":["Order with this ref_id already exists."]})");
  CHECK(f.reason == FailureReason::duplicate_ref_id);
  CHECK(f.cls == FailureClass::ambiguous);
  CHECK(f.message == "ref_id: Order with this ref_id already exists.");
  CHECK(http(400, R"({"ref_id":["Must be a valid UUID."]})").reason == FailureReason::rejected);
}

TEST_CASE("an outdated client is recognised so the version can be raised") {
  auto f = http(400, R"({"detail":"Your app version is missing important stock trading updates. Please update your app."})");
  CHECK(f.cls == FailureClass::permanent);
  CHECK(f.reason == FailureReason::outdated_client);
}

TEST_CASE("a first 401 asks for a token refresh and a 401 after refresh is permanent") {
  auto first = http(401, R"({"detail":"Incorrect authentication credentials."})", kGet);
  CHECK(first.reason == FailureReason::unauthorized);
  CHECK(first.cls == FailureClass::transient);
  auto again = http(401, "", RequestContext{RequestKind::get_order, true, true});
  CHECK(again.reason == FailureReason::unauthorized);
  CHECK(again.cls == FailureClass::permanent);
  CHECK(http(401, "", RequestContext{RequestKind::refresh, true, false}).cls == FailureClass::permanent);
  CHECK(http(401, "", RequestContext{RequestKind::login, true, false}).cls == FailureClass::permanent);
}

TEST_CASE("a login held for MFA or device verification says so") {
  const RequestContext login{RequestKind::login, true, false};
  auto held = http(403, R"({"verification_workflow":{"id":"wf","workflow_status":"workflow_status_internal_pending"}})", login);
  CHECK(held.cls == FailureClass::permanent);
  CHECK(held.message == "the broker wants this device verified first (verification_workflow)");
  CHECK(http(400, R"({"mfa_required":true,"mfa_type":"app"})", login).message ==
        "the account requires an authenticator code (mfa_required)");
  CHECK(http(400, R"({"challenge":{"id":"c"}})", login).message == "the broker sent a challenge to answer (challenge)");
  CHECK(http(400, R"({"detail":"Unable to log in with provided credentials."})", login).message ==
        "Unable to log in with provided credentials.");
}

TEST_CASE("403 and 404 are permanent") {
  auto forbidden = http(403, R"({"detail":"You do not have permission to perform this action."})", kGet);
  CHECK(forbidden.cls == FailureClass::permanent);
  CHECK(forbidden.reason == FailureReason::forbidden);
  auto missing = http(404, R"({"detail":"Not found."})", kCancel);
  CHECK(missing.cls == FailureClass::permanent);
  CHECK(missing.reason == FailureReason::not_found);
  CHECK(missing.message == "Not found.");
}

TEST_CASE("other statuses are permanent and unexpected, except 408 which is transient") {
  CHECK(http(302, "", kGet).reason == FailureReason::unexpected_status);
  CHECK(http(302, "", kGet).cls == FailureClass::permanent);
  CHECK(http(409, "", kGet).cls == FailureClass::permanent);
  CHECK(http(501, "", kGet).cls == FailureClass::permanent);
  CHECK(http(408, "", kPost).cls == FailureClass::transient);
  CHECK(http(418, "", kGet).message == "HTTP 418");
}

TEST_CASE("the broker's message survives non-JSON and odd bodies") {
  CHECK(broker_message("") == "");
  CHECK(broker_message("<html>\r\n<body>Bad Gateway</body></html>") == "<html>");
  CHECK(broker_message("\n\nService Unavailable\nmore") == "Service Unavailable");
  CHECK(broker_message(std::string(1000, 'x')).size() < 320);
  CHECK(broker_message(R"(["one","two"])") == "one two");
  CHECK(broker_message(R"({"detail":5,"x":"y"})") == "x: y");
  CHECK(broker_message(R"({"a":{"b":1}})") == "");
  CHECK(broker_message(std::string("a\0b", 3)) == "a b");
}

TEST_CASE("Retry-After accepts delta-seconds and HTTP dates") {
  auto now = std::chrono::sys_days(std::chrono::year(2026) / 11 / 24) + 18h;
  CHECK(parse_retry_after("14", now) == 14s);
  CHECK(parse_retry_after(" 0 ", now) == 0s);
  CHECK(parse_retry_after("Tue, 24 Nov 2026 18:00:30 GMT", now) == 30s);
  CHECK(parse_retry_after("Tue, 24 Nov 2026 17:00:00 GMT", now) == 0s);
  CHECK_FALSE(parse_retry_after("soon", now).has_value());
  CHECK_FALSE(parse_retry_after("-5", now).has_value());
  CHECK_FALSE(parse_retry_after("1.5", now).has_value());
  CHECK_FALSE(parse_retry_after("Tue, 31 Nov 2026 18:00:30 GMT", now).has_value());
  CHECK_FALSE(parse_retry_after("Tue, 24 Nov 2026 25:00:30 GMT", now).has_value());
  CHECK(parse_retry_after("99999999999", now) == std::chrono::hours(24 * 7));
}

TEST_CASE("the throttle message's wait is read in seconds") {
  CHECK(parse_throttle_wait("Request was throttled. Expected available in 14 seconds.") == 14s);
  CHECK(parse_throttle_wait("Request was throttled. Expected available in 1 second.") == 1s);
  CHECK_FALSE(parse_throttle_wait("Request was throttled.").has_value());
  CHECK_FALSE(parse_throttle_wait("Expected available in soon seconds.").has_value());
  CHECK_FALSE(parse_throttle_wait("Expected available in 5 minutes.").has_value());
}

TEST_CASE("failure classes and reasons have names for logs") {
  CHECK(to_string(FailureClass::ambiguous) == "ambiguous");
  CHECK(to_string(FailureReason::duplicate_ref_id) == "duplicate_ref_id");
  CHECK(to_string(FailureReason::insufficient_funds) == "insufficient_funds");
}
