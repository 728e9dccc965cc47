// Deterministic fuzzing of every function that reads broker or user text: random bytes and
// mutations of valid inputs must give values or errors, never exceptions, crashes or UB
// (run under ASan/UBSan as well).
#include "gateway/classify.hpp"
#include "gateway/parse.hpp"
#include "gateway/url.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace oms::gateway;

namespace {

std::string random_text(std::mt19937_64& rng, std::size_t max_len) {
  static constexpr std::string_view kAlphabet = R"({}[]":,.-0123456789eE nulltruefalse\/%+?#@:[]abcXYZ)";
  std::string out(rng() % (max_len + 1), '\0');
  for (auto& c : out)
    c = (rng() % 4 == 0) ? static_cast<char>(rng()) : kAlphabet[rng() % kAlphabet.size()];
  return out;
}

void exercise(std::string_view text) {
  (void)parse_order(text);
  (void)parse_order_page(text);
  (void)parse_accounts(text);
  (void)parse_instruments(text);
  (void)parse_quotes(text);
  (void)parse_positions(text);
  (void)parse_login_reply(text);
  (void)broker_message(text);
  (void)parse_retry_after(text, std::chrono::system_clock::now());
  (void)parse_throttle_wait(text);
  (void)form_unescape(text);
  (void)parse_base_url(text);
  auto base = parse_base_url("http://127.0.0.1:8080").value();
  (void)resolve_next(base, text);
  for (int status : {400, 401, 429, 500, 503}) {
    (void)classify_http(status, text, text, RequestContext{RequestKind::place_order, false, false},
                        std::chrono::system_clock::now());
  }
}

}  // namespace

TEST_CASE("random bytes never make a reader throw") {
  std::mt19937_64 rng(20261124);
  for (int i = 0; i < 3000; ++i) {
    auto text = random_text(rng, 200);
    CHECK_NOTHROW(exercise(text));
  }
}

TEST_CASE("mutated broker payloads never make a reader throw") {
  const std::string seeds[] = {
      R"({"results":[{"url":"u","account_number":"n","buying_power":"1.0000","cash":"2.0000"}],"next":null})",
      R"({"results":[{"symbol":"A","ask_price":"1.000000","bid_price":"0.990000","last_trade_price":"1","updated_at":"2026-11-24T18:05:15Z"},null]})",
      R"({"access_token":"a","refresh_token":"r","expires_in":86400,"token_type":"Bearer"})",
      R"({"detail":"Request was throttled. Expected available in 14 seconds."})",
      R"({"price":["Prices above $1.00 can't have subpenny increments."],"ref_id":["Order with this ref_id already exists."]})",
  };
  std::mt19937_64 rng(7);
  for (const auto& seed : seeds) {
    for (int i = 0; i < 1000; ++i) {
      std::string m = seed;
      for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; --flips)
        m[rng() % m.size()] = static_cast<char>(rng());
      if (rng() % 5 == 0) m.resize(rng() % m.size());
      CHECK_NOTHROW(exercise(m));
    }
  }
}
