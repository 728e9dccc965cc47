// `oms buy`, `oms sell`, `oms status` as an operator runs them, against rh-sim.
#include "cli_fixture.hpp"

using namespace clitest;

TEST_CASE("buy --json prints the envelope, priced 15 bps under the reference, and places one order") {
  CliFixture f;
  auto env = f.oms_json({"buy", "TSLA", "50", "--ref", "250.30"});
  CHECK(str(env, "limit_price") == "249.93");
  CHECK(str(env, "symbol") == "TSLA");
  CHECK(str(env, "side") == "buy");
  CHECK(str(env, "quantity") == "50");
  CHECK(str(env, "mode") == "live");
  CHECK(env.at("duplicate").as_bool() == false);
  CHECK(str(env, "ref_id").size() == 36);
  CHECK(oms::parse_iso8601(str(env, "submitted_at")).has_value());
  CHECK(f.broker_orders() == 1);
  CHECK(f.broker_state(str(env, "order_id")) != "absent");
}

TEST_CASE("buy without --json prints the envelope for a person and nothing on stderr") {
  CliFixture f;
  Result r = f.oms({"buy", "AAPL", "2", "--ref", "190"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("order placed") != std::string::npos);
  CHECK(r.out.find("189.72") != std::string::npos);  // 190 − 15 bps = 189.715, toward the reference
}

TEST_CASE("sell with --strategy uses that strategy's offsets") {
  CliFixture f;
  f.sim.admin("/_sim/position", R"({"symbol":"TSLA","quantity":"50","average_buy_price":"240.00"})");
  auto env = f.oms_json({"sell", "TSLA", "50", "--ref", "252.10", "--strategy", "exit"});
  CHECK(str(env, "limit_price") == "252.14");
  CHECK(str(env, "side") == "sell");
  CHECK(str(env, "strategy") == "exit");
}

TEST_CASE("global options are accepted before the subcommand too") {
  CliFixture f;
  std::filesystem::create_directories(f.dir / "elsewhere");
  auto env = f.oms_json({"--journal", (f.dir / "elsewhere" / "j.jsonl").string(), "--log-dir", "mylogs", "buy", "TSLA",
                         "1", "--ref", "250.30"});
  CHECK(str(env, "limit_price") == "249.93");
  CHECK(read_text(f.dir / "elsewhere" / "j.jsonl").find("\"kind\":\"intent\"") != std::string::npos);
  CHECK(std::filesystem::exists(f.dir / "mylogs" / "oms.log"));
}

TEST_CASE("a repeated identical buy in a second process prints the same envelope with duplicate=true") {
  // Recovery (OrderManager::start) restores the duplicate guard from the journal.
  CliFixture f;
  auto first = f.oms_json({"buy", "TSLA", "50", "--ref", "250.30"});
  auto second = f.oms_json({"buy", "TSLA", "50", "--ref", "250.30"});
  CHECK(second.at("duplicate").as_bool() == true);
  CHECK(str(second, "order_id") == str(first, "order_id"));
  CHECK(str(second, "ref_id") == str(first, "ref_id"));
  CHECK(str(second, "limit_price") == "249.93");
  CHECK(f.broker_orders() == 1);
}

TEST_CASE("status --json reports the normalised state, fills and the raw payload") {
  CliFixture f;
  std::string id = f.buy();
  auto queued = f.oms_json({"status", id});
  CHECK(str(queued, "state") == "queued");
  CHECK(str(queued, "filled_quantity") == "0");
  CHECK(queued.at("average_fill_price").is_null());
  CHECK(str(queued, "pending_quantity") == "50");

  f.sim.admin("/_sim/fill", R"({"order_id":")" + id + R"(","quantity":"20"})");
  auto partial = f.oms_json({"status", id});
  CHECK(str(partial, "state") == "partially_filled");
  CHECK(str(partial, "filled_quantity") == "20");
  CHECK(str(partial, "average_fill_price") == "249.93");
  CHECK(str(partial, "pending_quantity") == "30");
  CHECK(oms::parse_iso8601(str(partial, "updated_at")).has_value());
  CHECK(str(partial.at("raw"), "id") == id);

  Result text = f.oms({"status", id});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("partially_filled") != std::string::npos);
}

TEST_CASE("status of an order the broker does not know exits 3 with one line") {
  CliFixture f;
  Result r = f.oms({"status", "00000000-0000-0000-0000-000000000000"});
  CHECK(r.exit_code == 3);
  CHECK(one_error_line(r.err));
  CHECK(r.out.empty());
}

TEST_CASE("--ca-file trusts rh-sim's self-signed certificate over TLS") {
  auto options = simtest::frozen_options();
  options.tls = true;
  CliFixture f(options);
  std::ofstream(f.dir / "sim.pem") << f.sim.sim().certificate_pem();

  Result untrusted = f.oms({"buy", "TSLA", "1", "--ref", "250.30"});
  CHECK(untrusted.exit_code == 4);  // the handshake fails: unreachable, nothing placed
  CHECK(one_error_line(untrusted.err));

  auto env = f.oms_json({"buy", "TSLA", "1", "--ref", "250.30", "--ca-file", "sim.pem"});
  CHECK(str(env, "limit_price") == "249.93");
  CHECK(f.broker_orders() == 1);
}

TEST_CASE("--mode paper records a paper order without the broker or credentials") {
  CliFixture f;
  f.write_config("{}");  // built-in defaults
  f.username.clear();
  f.password.clear();
  auto env = f.oms_json({"--mode", "paper", "--broker", "http://127.0.0.1:1", "buy", "TSLA", "50", "--ref", "250.30"});
  CHECK(str(env, "mode") == "paper");
  CHECK(str(env, "limit_price") == "249.93");
  CHECK(f.broker_orders() == 0);
}
