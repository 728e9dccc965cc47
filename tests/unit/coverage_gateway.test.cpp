// Log names and error texts of the gateway's pure core that the gateway suite leaves unexercised
// (found by `make coverage`): operators grep logs for these words, so each must be distinct.
#include "gateway/classify.hpp"
#include "gateway/retry.hpp"
#include "gateway/url.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace oms::gateway;

TEST_CASE("every failure reason logs under its own enumerator name") {
  const std::pair<FailureReason, std::string_view> names[] = {
      {FailureReason::connect_failed, "connect_failed"},     {FailureReason::tls_failed, "tls_failed"},
      {FailureReason::tls_untrusted, "tls_untrusted"},       {FailureReason::lost_before_send, "lost_before_send"},
      {FailureReason::lost_after_send, "lost_after_send"},   {FailureReason::throttled, "throttled"},
      {FailureReason::server_error, "server_error"},         {FailureReason::unauthorized, "unauthorized"},
      {FailureReason::forbidden, "forbidden"},               {FailureReason::not_found, "not_found"},
      {FailureReason::rejected, "rejected"},                 {FailureReason::insufficient_funds, "insufficient_funds"},
      {FailureReason::duplicate_ref_id, "duplicate_ref_id"}, {FailureReason::outdated_client, "outdated_client"},
      {FailureReason::unexpected_status, "unexpected_status"},
  };
  for (auto [reason, name] : names) CHECK(to_string(reason) == name);
}

TEST_CASE("failure classes and retry actions log under their enumerator names") {
  CHECK(to_string(FailureClass::transient) == "transient");
  CHECK(to_string(FailureClass::ambiguous) == "ambiguous");
  CHECK(to_string(FailureClass::permanent) == "permanent");
  CHECK(to_string(Action::retry) == "retry");
  CHECK(to_string(Action::refresh_then_retry) == "refresh_then_retry");
  CHECK(to_string(Action::reconcile) == "reconcile");
  CHECK(to_string(Action::give_up) == "give_up");
}

TEST_CASE("every URL error has its own message, under the category name 'oms.url'") {
  std::set<std::string> messages;
  for (auto e : {url_errc::bad_scheme, url_errc::no_host, url_errc::bad_port, url_errc::bad_character,
                 url_errc::foreign_host}) {
    auto ec = make_error_code(e);
    CHECK(std::string(ec.category().name()) == "oms.url");
    CHECK(messages.insert(ec.message()).second);
  }
  CHECK(make_error_code(url_errc::bad_port).message().find("65535") != std::string::npos);
}
