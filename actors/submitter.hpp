#pragma once
/// The Submitter: turns an OrderRequest into exactly one broker order. Validate → price →
/// reserve (SafetyLedger) → journal the intent with its ref_id (write-ahead, fsync) → gateway →
/// journal the envelope → reply. Every failure is journalled too (NFR-002).
#include "actors/journal.hpp"
#include "actors/safety_ledger.hpp"
#include "config/config.hpp"
#include "gateway/broker.hpp"
#include "messages/submission.hpp"
#include "runtime/actor.hpp"

#include <map>

namespace oms::actors {

class Submitter final : public runtime::Actor<Submitter, runtime::Ask<OrderRequest, SubmissionResult>> {
 public:
  Submitter(runtime::Runtime& rt, config::OrderManagementConfig config, std::shared_ptr<SafetyLedger> ledger,
            std::shared_ptr<Journal> journal, std::shared_ptr<gateway::Broker> gateway,
            std::string name = "submitter");

 private:
  friend struct runtime::ActorAccess;
  void on(runtime::Ask<OrderRequest, SubmissionResult> m);
  runtime::awaitable<void> submit(OrderRequest request, runtime::ReplyTo<SubmissionResult> reply);
  runtime::awaitable<SubmissionResult> place(OrderRequest request, Price limit, PendingKey key);
  runtime::awaitable<bool> journal(JournalRecord record);
  runtime::awaitable<std::optional<FieldError>> check_collar(std::string symbol, Side side, Price limit);

  struct CachedQuote {
    Price price;
    Timestamp fetched_at;
  };
  static constexpr auto kQuoteFreshness = std::chrono::seconds(2);

  config::OrderManagementConfig config_;
  std::shared_ptr<SafetyLedger> ledger_;
  std::shared_ptr<Journal> journal_;
  std::shared_ptr<gateway::Broker> gateway_;
  std::map<std::string, CachedQuote> quotes_;  // symbol → latest price, for the collar
};

}  // namespace oms::actors
