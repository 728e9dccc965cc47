#pragma once
/// The SafetyLedger actor (seed: SafetyChecks): admits or refuses submissions, de-duplicates
/// identical requests (also when they race, and while an earlier one's outcome is being
/// settled), refuses a request that only shares a pending order's key, runs the circuit breaker
/// and the kill-switch latch. Its state is actors/safety_state.hpp.
#include "actors/journal.hpp"
#include "actors/safety_state.hpp"
#include "messages/safety.hpp"
#include "messages/settlement.hpp"
#include "runtime/actor.hpp"

#include <map>
#include <vector>

namespace oms::actors {

class SafetyLedger final
    : public runtime::Actor<SafetyLedger, runtime::Ask<ReserveSubmission, Reservation>,
                            runtime::Ask<AwaitSettlement, Reservation>, SubmissionSucceeded, SubmissionAbandoned,
                            SubmissionUnresolved, IntentSettled, OrderFinished, OrderRejected, HaltSubmissions,
                            ResumeSubmissions,
                            runtime::Ask<PendingOrdersQuery, PendingOrders>, BeginRecovery,
                            runtime::Ask<RestoreLedger, PendingOrders>, runtime::Ask<ConfirmSend, Reservation>,
                            runtime::Ask<AwaitSendsSettled, PendingOrders>> {
 public:
  SafetyLedger(runtime::Runtime& rt, int failures_to_trip, std::string name = "safety_ledger");
  /// Where every breaker trip is journalled (`breaker_tripped`), so a restart keeps it. Set
  /// before the first message.
  void set_journal(std::shared_ptr<Journal> journal) { journal_ = std::move(journal); }

 private:
  friend struct runtime::ActorAccess;
  void on(runtime::Ask<ReserveSubmission, Reservation> m);
  void on(runtime::Ask<AwaitSettlement, Reservation> m);
  void on(SubmissionSucceeded m);
  void on(SubmissionAbandoned m);
  void on(SubmissionUnresolved m);
  void on(IntentSettled m);
  void on(OrderFinished m);
  void on(OrderRejected m);
  void on(HaltSubmissions m);
  void on(ResumeSubmissions m);
  void on(runtime::Ask<PendingOrdersQuery, PendingOrders> m);
  void on(BeginRecovery m);
  void on(runtime::Ask<RestoreLedger, PendingOrders> m);
  void on(runtime::Ask<ConfirmSend, Reservation> m);
  void on(runtime::Ask<AwaitSendsSettled, PendingOrders> m);
  PendingOrders snapshot() const;
  void answer_settled_waiters();
  void tripped(const CircuitBreakerTripped& trip, const std::string& order_id);

  void count_failure(bool insufficient_funds, const std::string& detail);
  /// Answers everyone parked under `ref_id` in `parked` with `answer`.
  void answer(std::map<std::string, std::vector<runtime::ReplyTo<Reservation>>>& parked, const std::string& ref_id,
              const Reservation& answer);

  safety::LedgerState state_;
  /// Identical requests racing a submission in flight, by its ref_id.
  std::map<std::string, std::vector<runtime::ReplyTo<Reservation>>> joiners_;
  /// Identical requests waiting for a settlement, by the unresolved intent's ref_id.
  std::map<std::string, std::vector<runtime::ReplyTo<Reservation>>> waiting_;
  std::vector<runtime::ReplyTo<PendingOrders>> settled_waiters_;  // AwaitSendsSettled, until in_flight is 0
  std::shared_ptr<Journal> journal_;  // the breaker's trips are journalled here
};

}  // namespace oms::actors
