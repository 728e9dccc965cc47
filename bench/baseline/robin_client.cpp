#include "bench/baseline/robin_client.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <thread>

namespace oms::bench {
namespace json = boost::json;

namespace {

std::string text_of(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// robin_stocks reads results[0] of a list answer.
const json::object& first_result(const json::value& page, const std::string& what) {
  const auto& results = page.at("results").as_array();
  if (results.empty() || !results.front().is_object()) throw HttpError(what + ": empty results");
  return results.front().as_object();
}

std::string iso_now() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

}  // namespace

RobinStocksBaseline::RobinStocksBaseline(std::uint16_t port, std::string username, std::string password)
    : http_(port, {}, kHttpTimeout), username_(std::move(username)), password_(std::move(password)), rng_(std::random_device{}()) {}

std::string RobinStocksBaseline::new_uuid() {
  std::uint64_t hi = rng_(), lo = rng_();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x4000ULL;              // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xFFFF), static_cast<unsigned long long>(hi & 0xFFFF),
                static_cast<unsigned long long>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

json::value RobinStocksBaseline::get_json(const std::string& target) {
  auto r = checked(http_.get(target), "GET " + target);
  if (r.status != 200) throw HttpError("GET " + target + " answered HTTP " + std::to_string(r.status));
  return r.json();
}

void RobinStocksBaseline::login() {
  Form form{{"client_id", "oms-bench-baseline"},
            {"expires_in", "86400"},
            {"grant_type", "password"},
            {"password", password_},
            {"scope", "internal"},
            {"username", username_},
            {"device_token", new_uuid()}};
  auto r = checked(http_.post_form("/oauth2/token/", form), "POST /oauth2/token/");
  if (r.status != 200) throw HttpError("baseline login answered HTTP " + std::to_string(r.status));
  http_.set_token(text_of(r.json().as_object(), "access_token"));
}

std::string RobinStocksBaseline::order_buy_limit(const std::string& symbol, const std::string& quantity,
                                                 const std::string& price) {
  auto account = text_of(first_result(get_json("/accounts/?default_to_all_accounts=true"), "accounts"), "url");
  auto instrument = text_of(first_result(get_json("/instruments/?symbol=" + symbol), "instruments"), "url");
  auto ask = text_of(first_result(get_json("/quotes/?symbols=" + symbol), "quotes"), "ask_price");
  auto bid = text_of(first_result(get_json("/quotes/?symbols=" + symbol), "quotes"), "bid_price");
  Form form{{"account", account},
            {"instrument", instrument},
            {"symbol", symbol},
            {"price", price},
            {"ask_price", ask},
            {"bid_price", bid},
            {"bid_ask_timestamp", iso_now()},
            {"quantity", quantity},
            {"ref_id", new_uuid()},
            {"type", "limit"},
            {"time_in_force", "gfd"},
            {"trigger", "immediate"},
            {"side", "buy"},
            {"market_hours", "regular_hours"},
            {"extended_hours", "False"},
            {"order_form_version", "4"}};
  auto r = checked(http_.post_form("/orders/", form), "POST /orders/");
  if (r.status != 201 && r.status != 200)
    throw HttpError("baseline order answered HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200));
  return text_of(r.json().as_object(), "id");
}

std::vector<json::object> RobinStocksBaseline::all_orders() {
  std::vector<json::object> out;
  std::string target = "/orders/";
  for (;;) {
    auto page = get_json(target);
    for (const auto& o : page.at("results").as_array()) out.push_back(o.as_object());
    const auto& next = page.at("next");
    if (!next.is_string()) break;
    target = target_of(std::string(next.get_string()));
  }
  return out;
}

std::size_t RobinStocksBaseline::cancel_all_stock_orders() {
  std::vector<std::string> cancel_urls;
  for (const auto& o : all_orders())
    if (const auto* c = o.if_contains("cancel"); c && c->is_string()) cancel_urls.emplace_back(c->get_string());
  for (const auto& url : cancel_urls) {
    std::string target = target_of(url);
    checked(http_.request("POST", target), "POST " + target);  // its status is not checked, as robin_stocks does not
  }
  return cancel_urls.size();
}

std::size_t RobinStocksBaseline::wait_until_no_open_orders(std::chrono::milliseconds deadline) {
  auto give_up = std::chrono::steady_clock::now() + deadline;
  for (std::size_t walks = 1;; ++walks) {
    bool open = false;
    for (const auto& o : all_orders()) {
      const auto* c = o.if_contains("cancel");
      open |= c && c->is_string();
    }
    if (!open) return walks;
    if (std::chrono::steady_clock::now() > give_up) throw HttpError("baseline: orders still open at the deadline");
  }
}

}  // namespace oms::bench
