// The control protocol without I/O: every request line a client can send, every rule it can
// break, and every reply line an owner writes (docs/control-protocol.md).
#include "control/protocol.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace oms;
using namespace oms::control;

namespace {

Refusal refused(std::string_view line) {
  auto r = parse_request(line);
  REQUIRE_MESSAGE(r.has_error(), "accepted: ", line);
  return r.error();
}

Request accepted(std::string_view line) {
  auto r = parse_request(line);
  INFO("line: ", line);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().error.to_string()));
  return *r;
}

std::string place(const std::string& extra) {
  return R"({"v":1,"id":"p1","op":"place","side":"buy","symbol":"TSLA","quantity":"50","reference_price":"250.30")" +
         extra + "}";
}

}  // namespace

TEST_CASE("a place request becomes an exact OrderRequest with the CLI's fields") {
  auto r = accepted(place(R"(,"strategy":"exit","manual_override":true)"));
  CHECK(r.op() == Op::place);
  CHECK(r.id == boost::json::value("p1"));
  const auto& o = std::get<PlaceArgs>(r.args).order;
  CHECK(o.side == Side::buy);
  CHECK(o.symbol == "TSLA");
  CHECK(o.quantity == Quantity::parse("50").value());
  CHECK(o.reference_price == Price::parse("250.30").value());
  CHECK(o.strategy == "exit");
  CHECK(o.manual_override == true);
  CHECK(o.type == OrderType::limit);
  CHECK(o.time_in_force == TimeInForce::gfd);
}

TEST_CASE("money may be a decimal string or a JSON integer, never something that loses digits") {
  auto integer = accepted(R"({"v":1,"id":1,"op":"place","side":"sell","symbol":"AAPL","quantity":3,"reference_price":190})");
  CHECK(std::get<PlaceArgs>(integer.args).order.reference_price == Price::parse("190").value());
  // A JSON number with a fraction is read from its text, exactly as written.
  auto exact = accepted(R"({"v":1,"id":1,"op":"place","side":"sell","symbol":"AAPL","quantity":3,"reference_price":190.07})");
  CHECK(std::get<PlaceArgs>(exact.args).order.reference_price == Price::parse("190.07").value());
  auto e = refused(place("").replace(place("").find("\"250.30\""), 8, "\"1e5\""));
  CHECK(e.error.field == "reference_price");
  CHECK(e.error.rule.find("decimal string") != std::string::npos);
}

TEST_CASE("each place field breaks its own rule with one clear error naming the field") {
  struct Case {
    std::string line, field;
  };
  std::vector<Case> cases = {
      {R"({"v":1,"id":1,"op":"place","symbol":"TSLA","quantity":"1","reference_price":"1"})", "side"},
      {R"({"v":1,"id":1,"op":"place","side":"hold","symbol":"TSLA","quantity":"1","reference_price":"1"})", "side"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","quantity":"1","reference_price":"1"})", "symbol"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","symbol":"tsla","quantity":"1","reference_price":"1"})", "symbol"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","symbol":"TSLA","reference_price":"1"})", "quantity"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","symbol":"TSLA","quantity":"1.5","reference_price":"1"})", "quantity"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","symbol":"TSLA","quantity":"0","reference_price":"1"})", "quantity"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","symbol":"TSLA","quantity":"-1","reference_price":"1"})", "quantity"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","symbol":"TSLA","quantity":"1"})", "reference_price"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","symbol":"TSLA","quantity":"1","reference_price":"0"})", "reference_price"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","symbol":"TSLA","quantity":"1","reference_price":"x"})", "reference_price"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","symbol":"TSLA","quantity":"1","reference_price":"1","strategy":7})", "strategy"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","symbol":"TSLA","quantity":"1","reference_price":"1","type":"iceberg"})", "type"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","symbol":"TSLA","quantity":"1","reference_price":"1","time_in_force":"ioc"})", "time_in_force"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","symbol":"TSLA","quantity":"1","reference_price":"1","extended_hours":"yes"})", "extended_hours"},
      {R"({"v":1,"id":1,"op":"place","side":"buy","symbol":"TSLA","quantity":"1","reference_price":"1","qty":"1"})", "qty"},
  };
  for (const auto& c : cases) {
    INFO(c.line);
    auto e = refused(c.line);
    CHECK(e.error.code == ErrorCode::bad_request);
    CHECK(e.error.field == c.field);
    CHECK_FALSE(e.error.rule.empty());
    CHECK(e.id == boost::json::value(1));  // the refusal answers the request by its id
  }
}

TEST_CASE("a field that belongs to another operation is refused, naming the operation") {
  auto e = refused(R"({"v":1,"id":1,"op":"health","symbol":"TSLA"})");
  CHECK(e.error.field == "symbol");
  CHECK(e.error.rule == "is not a field of op health");
}

TEST_CASE("the version is required and must be one this owner speaks") {
  auto missing = refused(R"({"id":1,"op":"health"})");
  CHECK(missing.error.code == ErrorCode::bad_request);
  CHECK(missing.error.field == "v");
  for (const char* line : {R"({"v":2,"id":1,"op":"health"})", R"({"v":"1","id":1,"op":"health"})",
                           R"({"v":0,"id":1,"op":"health"})"}) {
    auto e = refused(line);
    CHECK(e.error.code == ErrorCode::unsupported_version);
    CHECK(e.error.rule.find("version 1") != std::string::npos);
    CHECK(e.id == boost::json::value(1));
  }
}

TEST_CASE("the id is required, a short string or an integer, and echoed") {
  CHECK(refused(R"({"v":1,"op":"health"})").error.field == "id");
  CHECK(refused(R"({"v":1,"id":{"a":1},"op":"health"})").error.field == "id");
  CHECK(refused(R"({"v":1,"id":"","op":"health"})").error.field == "id");
  CHECK(refused(R"({"v":1,"id":")" + std::string(129, 'x') + R"(","op":"health"})").error.field == "id");
  CHECK(refused(R"({"v":1,"op":"health"})").id.is_null());
  CHECK(accepted(R"({"v":1,"id":42,"op":"health"})").id == boost::json::value(42));
  CHECK(accepted(R"({"v":1,"id":"abc","op":"health"})").id == boost::json::value("abc"));
}

TEST_CASE("an unknown or missing op is refused with the list of operations") {
  auto unknown = refused(R"({"v":1,"id":1,"op":"buy"})");
  CHECK(unknown.error.code == ErrorCode::unknown_op);
  CHECK(unknown.error.rule.find("place") != std::string::npos);
  CHECK(unknown.error.rule.find("cancel_all") != std::string::npos);
  auto missing = refused(R"({"v":1,"id":1})");
  CHECK(missing.error.field == "op");
}

TEST_CASE("a line that is not one JSON object is refused as bad_json without an id") {
  for (const char* line : {"hello", "[1,2]", R"({"v":1,"id":1)", "42", R"({"v":1,"id":1,"op":"health"} {})"}) {
    INFO(line);
    auto e = refused(line);
    CHECK(e.error.code == ErrorCode::bad_json);
    CHECK(e.id.is_null());
  }
}

TEST_CASE("a line over 64 KiB is refused as line_too_long") {
  std::string line = R"({"v":1,"id":1,"op":"health","pad":")" + std::string(kMaxLineBytes, 'x') + "\"}";
  CHECK(refused(line).error.code == ErrorCode::line_too_long);
}

TEST_CASE("status, orders, cancel_all, resume, sync, health and subscribe take their own fields") {
  CHECK(std::get<StatusArgs>(accepted(R"({"v":1,"id":1,"op":"status","order_id":"abc-123"})").args).order_id == "abc-123");
  CHECK(refused(R"({"v":1,"id":1,"op":"status","order_id":"../etc"})").error.field == "order_id");
  CHECK(refused(R"({"v":1,"id":1,"op":"status"})").error.field == "order_id");
  auto orders = std::get<OrdersArgs>(accepted(R"({"v":1,"id":1,"op":"orders","symbol":"TSLA","state":"queued"})").args);
  CHECK(orders.symbol == "TSLA");
  CHECK(orders.state == "queued");
  CHECK(refused(R"({"v":1,"id":1,"op":"orders","symbol":"tsla"})").error.field == "symbol");
  CHECK(std::get<CancelAllArgs>(accepted(R"({"v":1,"id":1,"op":"cancel_all"})").args).requested_by == "control");
  CHECK(std::get<CancelAllArgs>(accepted(R"({"v":1,"id":1,"op":"cancel_all","requested_by":"bot-7"})").args)
            .requested_by == "bot-7");
  CHECK(std::get<ResumeArgs>(accepted(R"({"v":1,"id":1,"op":"resume","requested_by":"ops"})").args).requested_by ==
        "ops");
  CHECK(accepted(R"({"v":1,"id":1,"op":"sync"})").op() == Op::sync);
  CHECK(accepted(R"({"v":1,"id":1,"op":"health"})").op() == Op::health);
  auto all = std::get<SubscribeArgs>(accepted(R"({"v":1,"id":1,"op":"subscribe"})").args);
  CHECK(all.topics == std::vector<Topic>{Topic::fills, Topic::orders, Topic::safety});
  auto fills = std::get<SubscribeArgs>(accepted(R"({"v":1,"id":1,"op":"subscribe","topics":["fills","fills"]})").args);
  CHECK(fills.topics == std::vector<Topic>{Topic::fills});
  CHECK(refused(R"({"v":1,"id":1,"op":"subscribe","topics":[]})").error.field == "topics");
  CHECK(refused(R"({"v":1,"id":1,"op":"subscribe","topics":["quotes"]})").error.field == "topics");
}

TEST_CASE("every request a client encodes parses back to the same request") {
  OrderRequest order{"TSLA", Quantity::parse("5").value(), Side::sell, Price::parse("252.1").value(), TimeInForce::gtc,
                     true, "exit", OrderType::limit, true};
  std::vector<Request> requests = {
      {7, HealthArgs{}},
      {"p", PlaceArgs{order}},
      {8, StatusArgs{"order-1"}},
      {9, OrdersArgs{std::string("TSLA"), std::string("filled")}},
      {10, CancelAllArgs{"cli"}},
      {11, ResumeArgs{"cli"}},
      {12, SyncArgs{}},
      {13, SubscribeArgs{{Topic::safety, Topic::fills}}},
  };
  for (const auto& r : requests) {
    std::string line = encode_request(r);
    INFO(line);
    REQUIRE(line.back() == '\n');
    auto back = accepted(std::string_view(line).substr(0, line.size() - 1));
    CHECK(back.op() == r.op());
    CHECK(back.id == r.id);
    // Re-encoding the parsed request gives the same line: nothing was lost or added.
    CHECK(encode_request(back) == line);
  }
}

TEST_CASE("results, errors, progress and events round-trip through parse_reply") {
  auto result = parse_reply(encode_result(3, boost::json::object{{"x", 1}}));
  REQUIRE(result.has_value());
  CHECK(result->kind == Reply::Kind::result);
  CHECK(result->id == boost::json::value(3));
  CHECK(result->result.at("x") == 1);

  Error e{ErrorCode::not_ready, "", "recovery has not finished", "retry"};
  auto error = parse_reply(encode_error("a", e));
  REQUIRE(error.has_value());
  CHECK(error->kind == Reply::Kind::error);
  CHECK(error->error.code == ErrorCode::not_ready);
  CHECK(error->error.rule == e.rule);
  CHECK(error->error.what_to_do == "retry");

  auto progress = parse_reply(encode_progress(4, "halted", to_json(HaltAck{2}).as_object()));
  REQUIRE(progress.has_value());
  CHECK(progress->kind == Reply::Kind::progress);
  CHECK(progress->name == "halted");
  CHECK(from_json<HaltAck>(progress->data).value().in_flight_sends == 2);

  boost::json::object fill{{"ts", "2026-11-24T15:00:00.000000Z"}, {"kind", "fill"}, {"order_id", "o1"}};
  auto line = encode_event(fill);
  REQUIRE(line.has_value());
  auto event = parse_reply(*line);
  REQUIRE(event.has_value());
  CHECK(event->kind == Reply::Kind::event);
  CHECK(event->name == "fill");
  CHECK(event->id.is_null());
  CHECK(event->data.at("order_id") == "o1");
  CHECK_FALSE(event->data.contains("kind"));
}

TEST_CASE("journal records map to the topics a client subscribes to; others are not events") {
  CHECK(topic_of("fill") == Topic::fills);
  for (const char* kind : {"envelope", "state_change", "cancel_result", "submission_failed", "adopted", "intent_abandoned"})
    CHECK(topic_of(kind) == Topic::orders);
  for (const char* kind : {"halted", "resumed", "breaker_tripped"}) CHECK(topic_of(kind) == Topic::safety);
  CHECK_FALSE(topic_of("intent").has_value());  // an intent is not news until its outcome is known
  CHECK_FALSE(encode_event(boost::json::object{{"kind", "intent"}}).has_value());
}

TEST_CASE("a reply without version 1, or of no known shape, is refused by the client") {
  CHECK(parse_reply("nonsense").has_error());
  CHECK(parse_reply(R"({"v":2,"id":1,"ok":true,"result":{}})").has_error());
  CHECK(parse_reply(R"({"v":1,"id":1})").has_error());
}

TEST_CASE("Health, HaltAck and SyncResult encode and decode exactly") {
  Health h;
  h.owner_pid = 4242;
  h.mode = ExecutionMode::live;
  h.broker_host = "127.0.0.1:8080";
  h.state = "ready";
  h.halted = true;
  h.open_orders = 3;
  auto back = from_json<Health>(to_json(h));
  REQUIRE(back.has_value());
  CHECK(back->owner_pid == 4242);
  CHECK(back->mode == ExecutionMode::live);
  CHECK(back->halted);
  CHECK(back->open_orders == 3);
  CHECK_FALSE(back->session_expires_at.has_value());
  SyncResult s;
  s.report.fills = 1;
  s.fills.push_back(FillEvent{"o1", "x1", "TSLA", Side::buy, Quantity::parse("1").value(), Price::parse("2.5").value()});
  auto sync = from_json<SyncResult>(to_json(s));
  REQUIRE(sync.has_value());
  CHECK(sync->fills.at(0).price == Price::parse("2.5").value());
}
