#include "messages/cache.hpp"
#include "messages/cancel.hpp"
#include "messages/order.hpp"
#include "messages/safety.hpp"
#include "messages/status.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace oms;
namespace json = boost::json;

namespace {
OrderRequest tsla_buy() {
  return OrderRequest{"TSLA", Quantity::parse("50").value(), Side::buy, Price::parse("250.30").value(),
                      TimeInForce::gfd, false, "momentum", OrderType::limit};
}
}  // namespace

TEST_CASE("an order request round-trips through JSON with money as strings") {
  auto j = to_json(tsla_buy());
  CHECK(json::serialize(j) ==
        R"({"symbol":"TSLA","quantity":"50","side":"buy","reference_price":"250.3","time_in_force":"gfd",)"
        R"("extended_hours":false,"strategy":"momentum","type":"limit","manual_override":null})");
  auto back = from_json<OrderRequest>(j).value();
  CHECK(back.symbol == "TSLA");
  CHECK(back.quantity == Quantity::parse("50").value());
  CHECK(back.reference_price == Price::parse("250.30").value());
  CHECK(back.side == Side::buy);
  CHECK(back.strategy == "momentum");
}

TEST_CASE("envelopes and statuses keep timestamps, optionals and raw payloads") {
  OrderEnvelope e{"abc", "ref-1", "TSLA", Side::sell, Quantity::parse("50").value(),
                  Price::parse("252.14").value(), Price::parse("252.10").value(),
                  parse_iso8601("2026-11-24T14:30:00.123456Z").value(), ExecutionMode::live, "",
                  json::object{{"state", "unconfirmed"}}};
  auto e2 = from_json<OrderEnvelope>(to_json(e)).value();
  CHECK(e2.submitted_at == e.submitted_at);
  CHECK(e2.raw.at("state").as_string() == "unconfirmed");
  CHECK(e2.limit_price.to_string(2) == "252.14");

  OrderStatus s{"abc", OrderState::partially_filled, "partially_filled", Quantity::parse("20").value(),
                Price::parse("249.93").value(), Quantity::parse("30").value(), e.submitted_at, {}};
  auto j = to_json(s);
  CHECK(j.at("average_fill_price").as_string() == "249.93");
  auto s2 = from_json<OrderStatus>(j).value();
  CHECK(s2.state == OrderState::partially_filled);
  CHECK(s2.average_fill_price == s.average_fill_price);
  s.average_fill_price.reset();
  CHECK(to_json(s).at("average_fill_price").is_null());
  CHECK_FALSE(from_json<OrderStatus>(to_json(s)).value().average_fill_price.has_value());
}

TEST_CASE("nested message families round-trip") {
  CancelAllReport report;
  report.results.push_back(CancelResult{"o1", "TSLA", CancelOutcome::filled, std::nullopt, ""});
  report.results.push_back(CancelResult{"o2", "AAPL", CancelOutcome::cancelled, std::nullopt, ""});
  auto back = from_json<CancelAllReport>(to_json(report)).value();
  REQUIRE(back.results.size() == 2);
  CHECK(back.results[0].outcome == CancelOutcome::filled);
  CHECK(back.results[1].symbol == "AAPL");

  PendingOrderReleased r{PendingKey{"TSLA", Side::buy, Price::parse("249.93").value()}, "o1"};
  CHECK(from_json<PendingOrderReleased>(to_json(r)).value().key == r.key);
  InvalidateAccountCache c{InvalidationReason::fill, "o1", "TSLA"};
  CHECK(from_json<InvalidateAccountCache>(to_json(c)).value().reason == InvalidationReason::fill);
}

TEST_CASE("decoding names the offending field and the rule") {
  auto j = to_json(tsla_buy());
  j.as_object()["quantity"] = "1e5";
  auto r = from_json<OrderRequest>(j);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "quantity");
  CHECK(r.error().rule.find("exponent") != std::string::npos);

  j = to_json(tsla_buy());
  j.as_object()["side"] = "short";
  CHECK(from_json<OrderRequest>(j).error().to_string() == "side: is not one of the allowed names");

  j = to_json(tsla_buy());
  j.as_object().erase("symbol");
  CHECK(from_json<OrderRequest>(j).error().to_string() == "symbol: is required");

  CancelAllReport report;
  report.results.push_back(CancelResult{});
  auto rj = to_json(report);
  rj.at("results").as_array()[0].as_object()["outcome"] = 3;
  CHECK(from_json<CancelAllReport>(rj).error().field == "results[0].outcome");
  CHECK_FALSE(from_json<OrderRequest>(json::value("nope")).has_value());
}

TEST_CASE("equity-only input rules") {
  CHECK_FALSE(validate(tsla_buy()).has_value());
  CHECK_FALSE(validate_symbol("BRK.B").has_value());
  CHECK_FALSE(validate_symbol("F").has_value());
  CHECK(validate_symbol("tsla")->rule.find("uppercase") != std::string::npos);
  CHECK(validate_symbol("TSLA240119C00250000")->rule.find("option") != std::string::npos);
  CHECK(validate_symbol("BTC-USD")->rule.find("crypto") != std::string::npos);
  CHECK(validate_symbol("")->rule == "is required");
  CHECK(validate_symbol("TOOLONG").has_value());
  CHECK(validate_symbol("BRK.").has_value());
  CHECK(validate_symbol("BRK.B.C").has_value());

  CHECK(validate_quantity(Quantity::parse("0.5").value())->rule.find("fractional") != std::string::npos);
  CHECK(validate_quantity(Quantity{})->field == "quantity");
  CHECK(validate_quantity(Quantity::parse("-5", Sign::any).value()).has_value());
  CHECK(validate_reference_price(Price{})->field == "reference_price");

  auto market = tsla_buy();
  market.type = OrderType::market;
  CHECK(validate(market)->rule.find("use a limit order") != std::string::npos);
}

TEST_CASE("terminal states") {
  CHECK(is_terminal(OrderState::filled));
  CHECK(is_terminal(OrderState::cancelled));
  CHECK(is_terminal(OrderState::rejected));
  CHECK_FALSE(is_terminal(OrderState::queued));
  CHECK_FALSE(is_terminal(OrderState::partially_filled));
  CHECK_FALSE(is_terminal(OrderState::unknown));
}

TEST_CASE("ISO-8601 timestamps parse the broker's shapes and print microseconds") {
  auto t = parse_iso8601("2026-11-24T18:05:15.123456Z").value();
  CHECK(format_iso8601(t) == "2026-11-24T18:05:15.123456Z");
  CHECK(parse_iso8601("2026-11-24T18:05:15+00:00").value() == parse_iso8601("2026-11-24T18:05:15Z").value());
  CHECK(parse_iso8601("2026-11-24T13:05:15-05:00").value() == parse_iso8601("2026-11-24T18:05:15Z").value());
  CHECK(format_iso8601(parse_iso8601("2026-11-24T18:05:15.1Z").value()) == "2026-11-24T18:05:15.100000Z");
  for (std::string_view edge : {"0000-01-01T00:00:00.000000Z", "0042-03-04T05:06:07.000008Z",
                                "9999-12-31T23:59:59.999999Z", "2026-01-05T00:00:00.000000Z"}) {
    CAPTURE(edge);
    CHECK(format_iso8601(parse_iso8601(edge).value()) == edge);  // every field zero-padded to its width
  }
  for (std::string_view bad : {"", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "yesterday",
                               "2026-11-24T18:05:15", "2026-11-24T18:05:15.Z", "2026-11-24T25:00:00Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_iso8601(bad).has_value());
  }
}
