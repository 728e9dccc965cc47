// Paper mode: the same actors, a local broker, no network and no credentials.
#include "om_fixture.hpp"

#include "actors/journal_file.hpp"
#include "runtime/log.hpp"

#include <fstream>
#include <set>

using namespace omtest;
using namespace oms;

TEST_CASE("paper mode prices, journals and fills locally with envelopes marked paper") {
  TempDir dir;
  boost::asio::io_context ctx;
  runtime::Runtime rt(ctx);
  OrderManager om(rt, paper_config(dir), {});
  REQUIRE(run(ctx, om.start()).ok());
  REQUIRE(om.paper_broker() != nullptr);
  CHECK(om.live_gateway() == nullptr);

  auto buy = run(ctx, om.submit(request("TSLA", "50", Side::buy, "250.30")));
  REQUIRE_MESSAGE(buy.envelope.has_value(), (buy.error ? buy.error->to_string() : ""));
  CHECK(buy.envelope->mode == ExecutionMode::paper);
  CHECK(buy.envelope->limit_price.to_string(2) == "249.93");
  CHECK(buy.envelope->order_id.starts_with("paper-"));

  // The buy rests below the market model (250.30) until the market falls to its limit.
  auto resting = run(ctx, om.get_order_status(buy.envelope->order_id));
  REQUIRE(resting.status.has_value());
  CHECK(resting.status->state == OrderState::queued);

  std::vector<FillEvent> fills;
  om.on_fill([&](const FillEvent& f) { fills.push_back(f); });
  run(ctx, om.paper_broker()->set_market_price("TSLA", Price::parse("249.90").value()));
  auto sync = run(ctx, om.synchronize_open_orders());
  CHECK(sync.error.empty());
  REQUIRE(fills.size() == 1);
  CHECK(fills[0].order_id == buy.envelope->order_id);
  CHECK(fills[0].price.to_string(2) == "249.93");  // a resting limit fills at its limit
  auto filled = run(ctx, om.get_order_status(buy.envelope->order_id));
  CHECK(filled.status->state == OrderState::filled);
  CHECK(filled.status->filled_quantity.to_string() == "50");

  bool paper_envelope = false;
  for (const auto& r : journal::JournalFile::read_all(dir.file("orders.jsonl")))
    if (r.at("kind") == "envelope") paper_envelope = r.at("mode") == "paper";
  CHECK(paper_envelope);
  om.close();
  settle(ctx);
}

TEST_CASE("paper mode keeps market and stop orders (FR-014 leaves paper unaffected); live refuses them") {
  TempDir dir;
  boost::asio::io_context ctx;
  runtime::Runtime rt(ctx);
  OrderManager om(rt, paper_config(dir), {});
  REQUIRE(run(ctx, om.start()).ok());
  auto market = run(ctx, om.submit(request("AAPL", "3", Side::buy, "190.00", "", OrderType::market)));
  REQUIRE_MESSAGE(market.envelope.has_value(), (market.error ? market.error->to_string() : ""));
  CHECK(market.envelope->limit_price.to_string(2) == "190.00");
  auto status = run(ctx, om.get_order_status(market.envelope->order_id));
  CHECK(status.status->state == OrderState::filled);
  om.close();
  settle(ctx);
}

TEST_CASE("paper cancel-all cancels resting paper orders and the kill switch latches") {
  TempDir dir;
  boost::asio::io_context ctx;
  runtime::Runtime rt(ctx);
  OrderManager om(rt, paper_config(dir), {});
  REQUIRE(run(ctx, om.start()).ok());
  REQUIRE(run(ctx, om.submit(request("AAPL", "1", Side::buy, "190.00"))).envelope);
  REQUIRE(run(ctx, om.submit(request("MSFT", "1", Side::sell, "415.00"))).envelope);
  auto report = run(ctx, om.cancel_all_open_orders("test"));
  CHECK(report.results.size() == 2);
  CHECK(report.open_orders_remaining == 0);
  auto refused = run(ctx, om.submit(request("AAPL", "1", Side::buy, "191.00")));
  REQUIRE(refused.error.has_value());
  CHECK(refused.error->category == SubmissionErrorCategory::halted);
  om.close();
  settle(ctx);
}

TEST_CASE("paper buying power: an order it cannot pay for is refused as insufficient funds and trips the breaker") {
  TempDir dir;
  boost::asio::io_context ctx;
  runtime::Runtime rt(ctx);
  OrderManager om(rt, paper_config(dir), {});
  REQUIRE(run(ctx, om.start()).ok());
  auto big = run(ctx, om.submit(request("TSLA", "1000", Side::buy, "250.00")));  // $250k > $100k
  REQUIRE(big.error.has_value());
  CHECK(big.error->category == SubmissionErrorCategory::insufficient_funds);
  auto next = run(ctx, om.submit(request("TSLA", "1", Side::buy, "250.00")));
  REQUIRE(next.error.has_value());
  CHECK(next.error->category == SubmissionErrorCategory::breaker_open);
  om.close();
  settle(ctx);
}

TEST_CASE("paper market moves fill exactly the resting orders they reach, per symbol and side, never a cancelled one") {
  TempDir dir;
  boost::asio::io_context ctx;
  runtime::Runtime rt(ctx);
  OrderManager om(rt, paper_config(dir), {});
  REQUIRE(run(ctx, om.start()).ok());
  auto place = [&](const char* symbol, Side side, const char* ref) {
    auto r = run(ctx, om.submit(request(symbol, "1", side, ref)));
    REQUIRE_MESSAGE(r.envelope.has_value(), (r.error ? r.error->to_string() : ""));
    return r.envelope->order_id;
  };
  // Buys rest 15 bps under their reference, sells 10 bps over (the defaults); each placement
  // moves the model to its reference, so they are placed in an order that leaves all resting.
  auto buy_low = place("TSLA", Side::buy, "240.00");        // 239.64
  auto buy_cancelled = place("TSLA", Side::buy, "245.00");  // 244.64
  auto buy_high = place("TSLA", Side::buy, "250.00");       // 249.63
  auto other_symbol = place("AAPL", Side::buy, "250.00");   // 249.63, in another book
  auto sell = place("TSLA", Side::sell, "250.00");          // 250.25
  auto paper = om.paper_broker();
  auto state_of = [&](const std::string& id) {
    auto s = run(ctx, om.get_order_status(id));
    REQUIRE(s.status.has_value());
    return s.status->state;
  };
  for (const auto& id : {buy_low, buy_cancelled, buy_high, other_symbol, sell}) CHECK(state_of(id) == OrderState::queued);
  REQUIRE(run(ctx, paper->cancel_order(buy_cancelled)).has_value());

  run(ctx, paper->set_market_price("TSLA", Price::parse("244.00").value()));  // reaches 249.63 and 244.64
  CHECK(state_of(buy_high) == OrderState::filled);
  CHECK(state_of(buy_cancelled) == OrderState::cancelled);
  CHECK(state_of(buy_low) == OrderState::queued);
  CHECK(state_of(sell) == OrderState::queued);
  CHECK(state_of(other_symbol) == OrderState::queued);

  run(ctx, paper->set_market_price("TSLA", Price::parse("250.25").value()));  // exactly the sell's limit
  CHECK(state_of(sell) == OrderState::filled);
  CHECK(state_of(buy_low) == OrderState::queued);

  run(ctx, paper->set_market_price("TSLA", Price::parse("239.64").value()));  // exactly the low buy's limit
  CHECK(state_of(buy_low) == OrderState::filled);
  CHECK(state_of(other_symbol) == OrderState::queued);
  om.close();
  settle(ctx);
}

TEST_CASE("finding 13: an OrderManager makes a session id when none was set, and every log line carries it") {
  TempDir dir;
  auto log_path = dir.file("oms.log.jsonl");
  auto previous = log::session_id();
  log::set_session_id("");  // a CLI or embedding bot that never set one
  REQUIRE(log::add_json_file(log_path, log::Level::info));
  std::string session;
  {
    boost::asio::io_context ctx;
    runtime::Runtime rt(ctx);
    OrderManager om(rt, paper_config(dir), {});
    session = om.session_id();
    REQUIRE(run(ctx, om.start()).ok());
    auto buy = run(ctx, om.submit(request("TSLA", "5", Side::buy, "250.30")));
    REQUIRE(buy.envelope.has_value());
    run(ctx, om.cancel_all_open_orders("test"));
    om.close();
    settle(ctx);
  }
  log::reset_files();
  log::set_session_id(previous);
  CHECK(session.starts_with("s-"));
  std::ifstream in(log_path);
  int lines = 0;
  std::set<std::string> events;
  for (std::string line; std::getline(in, line); ++lines) {
    auto v = boost::json::parse(line).as_object();
    CHECK_MESSAGE(v.at("session_id").as_string() == session, line);
    events.insert(std::string(v.at("event").as_string()));
  }
  CHECK(events.contains("order.submitted"));
  CHECK(events.contains("safety.kill_switch_engaged"));
  CHECK(lines >= 3);
}

TEST_CASE("finding 14: paper order ids are unique across runs, so two processes' orders in one journal stay apart") {
  TempDir dir;
  std::set<std::string> ids;
  for (int process = 0; process < 2; ++process) {  // two `oms buy` runs on one journal
    boost::asio::io_context ctx;
    runtime::Runtime rt(ctx);
    OrderManager om(rt, paper_config(dir), {});
    REQUIRE(run(ctx, om.start()).ok());
    // Different prices: the second run's duplicate guard must not answer with the first's order.
    auto buy = run(ctx, om.submit(request("TSLA", "1", Side::buy, process == 0 ? "250.30" : "251.30")));
    REQUIRE_MESSAGE(buy.envelope.has_value(), (buy.error ? buy.error->to_string() : ""));
    CHECK_FALSE(buy.duplicate);
    CHECK(buy.envelope->order_id.starts_with("paper-"));
    ids.insert(buy.envelope->order_id);
    om.close();
    settle(ctx);
  }
  CHECK(ids.size() == 2);
  std::set<std::string> journalled;
  for (const auto& r : journal::JournalFile::read_all(dir.file("orders.jsonl")))
    if (r.at("kind") == "envelope") journalled.insert(std::string(r.at("order_id").as_string()));
  CHECK(journalled == ids);
}
