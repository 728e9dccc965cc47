// The CLI's pure parts, without a process: argument parsing and folding the journal into orders.
#include "apps/oms/cli_args.hpp"
#include "apps/oms/cli_orders.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <doctest/doctest.h>

using namespace oms::cli;

namespace {
outcome<Invocation> parse(std::vector<std::string> args) { return parse_args(args); }
}  // namespace

TEST_CASE("global options may come before or after the subcommand, as --opt value or --opt=value") {
  auto inv = parse({"--config", "c.json", "buy", "TSLA", "-5", "--ref=250.30", "--json", "--mode", "live"});
  REQUIRE(inv.has_value());
  CHECK(inv->command() == Command::buy);
  CHECK(inv->operands == std::vector<std::string>{"TSLA", "-5"});  // "-5" is an operand, not an option
  CHECK(inv->option("--ref") == "250.30");
  CHECK(inv->globals.config_file == "c.json");
  CHECK(inv->globals.mode == "live");
  CHECK(inv->globals.json);
  CHECK(inv->globals.log_dir == "logs");
}

TEST_CASE("usage errors name the field and exit 2") {
  auto missing = parse({"buy", "TSLA"});
  REQUIRE(missing.has_error());
  CHECK(missing.error().exit_code == 2);
  CHECK(missing.error().field == "quantity");
  CHECK(missing.error().line().rfind("oms: quantity: is required — usage: oms buy", 0) == 0);

  auto no_value = parse({"sync", "--config"});
  REQUIRE(no_value.has_error());
  CHECK(no_value.error().line() == "oms: --config: needs a value — see `oms sync --help`");

  auto other_command = parse({"status", "abc", "--ref", "1"});
  REQUIRE(other_command.has_error());
  CHECK(other_command.error().field == "--ref");

  CHECK(parse({"-x", "orders"}).error().field == "-x");
  CHECK(parse({"sync", "--once=yes"}).error().rule == "takes no value");
}

TEST_CASE("--help wins over a missing operand") {
  auto inv = parse({"buy", "--help"});
  REQUIRE(inv.has_value());
  CHECK(inv->help);
  CHECK(inv->command() == Command::buy);
  auto overview = parse({"-h"});
  REQUIRE(overview.has_value());
  CHECK(overview->spec == nullptr);
}

TEST_CASE("the journal folds into one row per order, newest first") {
  auto records = boost::json::parse(R"([
    {"ts":"2026-11-24T10:00:00Z","kind":"intent","ref_id":"r1","symbol":"TSLA","side":"buy","quantity":"50",
     "limit_price":"249.93","reference_price":"250.30","strategy":"","manual_override":true,"mode":"live"},
    {"ts":"2026-11-24T10:00:01Z","kind":"envelope","order_id":"o1","ref_id":"r1","symbol":"TSLA","side":"buy",
     "quantity":"50","limit_price":"249.93","mode":"live","manual_override":true},
    {"ts":"2026-11-24T10:00:02Z","kind":"intent","ref_id":"r2","symbol":"AAPL","side":"buy","quantity":"1",
     "limit_price":"189.72","manual_override":false},
    {"ts":"2026-11-24T10:00:03Z","kind":"submission_failed","ref_id":"r2","category":"insufficient_funds",
     "detail":"You can only purchase 0 shares of AAPL."},
    {"ts":"2026-11-24T10:00:04Z","kind":"fill","order_id":"o1","symbol":"TSLA","quantity":"20",
     "cumulative_quantity":"20","average_price":"249.93","complete":false},
    {"ts":"2026-11-24T10:00:05Z","kind":"breaker_tripped","reason":"insufficient_funds"},
    {"ts":"2026-11-24T10:00:06Z","kind":"cancel_result","order_id":"o1","symbol":"TSLA",
     "outcome":"partially_filled_then_cancelled","final_status":{"state":"cancelled","filled_quantity":"20",
     "average_fill_price":"249.93"}},
    {"ts":"2026-11-24T10:00:07Z","kind":"adopted","order_id":"o9","symbol":"MSFT","side":"sell","quantity":"3",
     "limit_price":"420.00","broker_state":"confirmed"},
    {"ts":"2026-11-24T10:00:08Z","kind":"intent","ref_id":"r3","symbol":"F","side":"buy","quantity":"1",
     "limit_price":"10.98"},
    {"ts":"2026-11-24T10:00:09Z","kind":"intent","ref_id":"r4","symbol":"T","side":"buy","quantity":"1",
     "limit_price":"18.97"},
    {"ts":"2026-11-24T10:00:10Z","kind":"halted","requested_by":"cli"},
    {"ts":"2026-11-24T10:00:11Z","kind":"intent_abandoned","ref_id":"r4","symbol":"T",
     "reason":"not at the broker after a restart: it was never placed"}
  ])");
  std::vector<boost::json::object> objects;
  for (const auto& r : records.as_array()) objects.push_back(r.as_object());
  auto rows = orders_from_journal(objects);
  REQUIRE(rows.size() == 5);

  CHECK(rows[0].ref_id == "r4");
  CHECK(rows[0].state == "not_placed");
  CHECK(rows[0].detail.find("never placed") != std::string::npos);
  rows.erase(rows.begin());

  CHECK(rows[0].ref_id == "r3");
  CHECK(rows[0].state == "pending");  // intent journalled, no outcome: maybe at the broker
  CHECK(rows[0].order_id.empty());

  CHECK(rows[1].order_id == "o9");
  CHECK(rows[1].state == "queued");
  CHECK(rows[1].side == "sell");

  CHECK(rows[2].ref_id == "r2");
  CHECK(rows[2].state == "failed");
  CHECK(rows[2].detail == "insufficient_funds: You can only purchase 0 shares of AAPL.");
  CHECK_FALSE(rows[2].manual_override);

  CHECK(rows[3].order_id == "o1");
  CHECK(rows[3].ref_id == "r1");
  CHECK(rows[3].state == "cancelled");
  CHECK(rows[3].filled_quantity == "20");
  CHECK(rows[3].average_fill_price == "249.93");
  CHECK(rows[3].manual_override);
  CHECK(rows[3].created_at == "2026-11-24T10:00:00Z");
  CHECK(rows[3].updated_at == "2026-11-24T10:00:06Z");
  CHECK(order_row_json(rows[3]).at("limit_price").as_string() == "249.93");
}

TEST_CASE("a fill that completes the order marks it filled even without a state change record") {
  auto r = boost::json::parse(R"({"kind":"fill","order_id":"o1","cumulative_quantity":"5","complete":true})");
  auto rows = orders_from_journal({r.as_object()});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == "filled");
  CHECK(rows[0].filled_quantity == "5");
}

TEST_CASE("fills journalled before recovery links the order to its intent end up on the intent's row") {
  auto records = boost::json::parse(R"([
    {"ts":"2026-11-24T10:00:00Z","kind":"intent","ref_id":"r1","symbol":"TSLA","side":"buy","quantity":"5",
     "limit_price":"249.93"},
    {"ts":"2026-11-24T10:00:05Z","kind":"fill","order_id":"o1","cumulative_quantity":"5","average_price":"249.93",
     "complete":true},
    {"ts":"2026-11-24T10:00:09Z","kind":"envelope","order_id":"o1","ref_id":"r1","symbol":"TSLA","side":"buy",
     "quantity":"5","limit_price":"249.93","recovered":true}
  ])");
  std::vector<boost::json::object> objects;
  for (const auto& r : records.as_array()) objects.push_back(r.as_object());
  auto rows = orders_from_journal(objects);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].ref_id == "r1");
  CHECK(rows[0].order_id == "o1");
  CHECK(rows[0].state == "filled");
  CHECK(rows[0].filled_quantity == "5");
}

TEST_CASE("finding 10: an order found at the broker after its submission reported a failure shows the broker's state, not failed") {
  auto records = boost::json::parse(R"J([
    {"ts":"2026-11-24T10:00:00Z","kind":"intent","ref_id":"r1","symbol":"TSLA","side":"buy","quantity":"1",
     "limit_price":"249.63"},
    {"ts":"2026-11-24T10:00:01Z","kind":"submission_failed","ref_id":"r1","category":"ambiguous_unresolved",
     "detail":"order state unknown and the look-up failed"},
    {"ts":"2026-11-24T10:00:02Z","kind":"intent","ref_id":"r2","symbol":"AAPL","side":"buy","quantity":"1",
     "limit_price":"189.72"},
    {"ts":"2026-11-24T10:00:03Z","kind":"submission_failed","ref_id":"r2","category":"transient_exhausted",
     "detail":"server (HTTP 503)"},
    {"ts":"2026-11-24T10:00:09Z","kind":"envelope","order_id":"o1","ref_id":"r1","symbol":"TSLA","side":"buy",
     "quantity":"1","limit_price":"249.63","recovered":true,"raw":{"state":"confirmed","cumulative_quantity":"0"}},
    {"ts":"2026-11-24T10:00:10Z","kind":"envelope","order_id":"o2","ref_id":"r2","symbol":"AAPL","side":"buy",
     "quantity":"1","limit_price":"189.72","recovered":true,
     "raw":{"state":"filled","cumulative_quantity":"1","average_price":"189.70"}},
    {"ts":"2026-11-24T10:00:11Z","kind":"intent","ref_id":"r3","symbol":"F","side":"buy","quantity":"1",
     "limit_price":"10.98"},
    {"ts":"2026-11-24T10:00:12Z","kind":"submission_failed","ref_id":"r3","category":"ambiguous_unresolved",
     "detail":"no answer"},
    {"ts":"2026-11-24T10:01:12Z","kind":"settlement_gave_up","ref_id":"r3","symbol":"F","detail":"503"}
  ])J");
  std::vector<boost::json::object> objects;
  for (const auto& r : records.as_array()) objects.push_back(r.as_object());
  auto rows = orders_from_journal(objects);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].ref_id == "r3");
  CHECK(rows[0].state == "unresolved");  // an unknown outcome, not a failure
  CHECK(rows[0].detail.find("settlement gave up") != std::string::npos);
  CHECK(rows[1].ref_id == "r2");
  CHECK(rows[1].state == "filled");
  CHECK(rows[1].filled_quantity == "1");
  CHECK(rows[1].average_fill_price == "189.70");
  CHECK(rows[2].ref_id == "r1");
  CHECK(rows[2].order_id == "o1");
  CHECK(rows[2].state == "queued");
  CHECK(rows[2].detail.find("found at the broker later") != std::string::npos);
  const auto& states = order_row_states();
  CHECK(std::find(states.begin(), states.end(), "unresolved") != states.end());
}
