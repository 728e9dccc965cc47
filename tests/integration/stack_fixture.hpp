#pragma once
// The order-management actors on one runtime against an in-process rh-sim.
#include "gateway_fixture.hpp"

#include "actors/canceller.hpp"
#include "actors/status_poller.hpp"
#include "actors/journal.hpp"
#include "actors/journal_file.hpp"
#include "actors/safety_ledger.hpp"
#include "actors/submitter.hpp"

#include <filesystem>
#include <unistd.h>

namespace gwtest {
using namespace std::chrono_literals;

// Journal, SafetyLedger, Gateway and Submitter on one runtime, against the simulator.
struct Stack {
  /// `clock`: the runtime's (null: the real one).
  explicit Stack(simtest::SimFixture& s, std::shared_ptr<oms::runtime::Clock> clock)
      : Stack(s, oms::config::Config{}, {}, std::move(clock)) {}
  explicit Stack(simtest::SimFixture& s, std::function<void(GatewayOptions&)> tweak)
      : Stack(s, oms::config::Config{}, std::move(tweak)) {}
  explicit Stack(simtest::SimFixture& s, oms::config::Config c = {}, std::function<void(GatewayOptions&)> tweak = {},
                 std::shared_ptr<oms::runtime::Clock> clock = nullptr)
      : sim(s), rt(ctx, {std::move(clock), nullptr}), config(std::move(c)),
        journal_path((std::filesystem::temp_directory_path() /
                      ("oms-submitter-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)) / "orders.jsonl")
                         .string()) {
    std::filesystem::remove_all(std::filesystem::path(journal_path).parent_path());
    journal = std::make_shared<oms::actors::Journal>(rt, journal_path);
    ledger = std::make_shared<oms::actors::SafetyLedger>(rt, 5);
    auto gateway_options = options_for(sim);
    if (tweak) tweak(gateway_options);
    gateway = std::make_shared<Gateway>(rt, gateway_options);
    settler = std::make_shared<oms::actors::Settler>(
        rt, oms::actors::settlement_policy(config.order_management.settlement), ledger, journal, gateway);
    submitter = std::make_shared<oms::actors::Submitter>(rt, config.order_management, ledger, journal, gateway, settler);
    canceller = std::make_shared<oms::actors::Canceller>(rt, ledger, journal, gateway);
    poller = std::make_shared<oms::actors::StatusPoller>(rt, std::chrono::seconds(15), ledger, journal, gateway);
    // Wired as the OrderManager wires them: the kill switch's fills go through the poller, and
    // every breaker trip is journalled.
    canceller->set_status_poller(poller);
    ledger->set_journal(journal);
  }
  ~Stack() {
    gateway->close();
    ctx.restart();
    ctx.run_for(1s);
    std::filesystem::remove_all(std::filesystem::path(journal_path).parent_path());
  }
  /// Asks an actor and runs the io_context until the reply (or 20 s).
  template <class R, class A, class M>
  R ask_actor(std::shared_ptr<A> actor, M message) {
    std::optional<R> out;
    boost::asio::co_spawn(ctx, [&]() -> awaitable<void> {
      M m = message;
      auto reply = co_await oms::runtime::ask<R>(actor, std::move(m), 30s);
      if (reply) out = *reply;
    }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    ctx.restart();
    while (!out && ctx.run_for(20s) > 0) {
    }
    REQUIRE(out.has_value());
    return *out;
  }
  SubmissionResult submit(OrderRequest request) {
    return ask_actor<SubmissionResult>(submitter, std::move(request));
  }
  CancelAllReport cancel_all() { return ask_actor<CancelAllReport>(canceller, CancelAllOpenOrders{"test"}); }
  std::vector<boost::json::object> journal_records() { return oms::journal::JournalFile::read_all(journal_path); }

  static inline int counter = 0;
  simtest::SimFixture& sim;
  boost::asio::io_context ctx;
  oms::runtime::Runtime rt;
  oms::config::Config config;
  std::string journal_path;
  std::shared_ptr<oms::actors::Journal> journal;
  std::shared_ptr<oms::actors::SafetyLedger> ledger;
  std::shared_ptr<Gateway> gateway;
  std::shared_ptr<oms::actors::Settler> settler;
  std::shared_ptr<oms::actors::Submitter> submitter;
  std::shared_ptr<oms::actors::Canceller> canceller;
  std::shared_ptr<oms::actors::StatusPoller> poller;
};

inline OrderRequest limit_buy(std::string symbol, std::string_view qty, std::string_view ref) {
  return OrderRequest{std::move(symbol), Quantity::parse(qty).value(), Side::buy, Price::parse(ref).value(),
                      TimeInForce::gfd, false, "", OrderType::limit};
}

}  // namespace gwtest
