#pragma once
/// The journal actor: the single writer of logs/orders.jsonl. Actors `ask` it and wait for the
/// acknowledgement before acting (write-ahead), so the file never interleaves two writers.
#include "actors/journal_file.hpp"
#include "messages/journal.hpp"
#include "runtime/actor.hpp"

#include <functional>
#include <optional>

namespace oms::actors {

class Journal final : public runtime::Actor<Journal, runtime::Ask<JournalRecord, JournalAck>, JournalRecord> {
 public:
  /// Opens (and repairs) the file now; an error leaves the actor refusing every record.
  Journal(runtime::Runtime& rt, const std::string& path, std::string name = "journal");
  /// What opening the file found (torn tail repaired, malformed lines).
  const journal::OpenReport& open_report() const noexcept { return report_; }
  bool healthy() const noexcept { return file_.has_value(); }
  /// Called on the journal's strand with each record once it is durable (the control endpoint's
  /// event stream: a subscriber never sees what a restart would not know). Set before the first record.
  void on_durable(std::function<void(const boost::json::object&)> observer) { observer_ = std::move(observer); }

 private:
  friend struct runtime::ActorAccess;
  void on(runtime::Ask<JournalRecord, JournalAck> request);
  void on(JournalRecord record);  ///< fire-and-forget (state changes after the fact)
  JournalAck write(JournalRecord record);

  journal::OpenReport report_;
  std::optional<journal::JournalFile> file_;
  std::string open_error_;
  std::function<void(const boost::json::object&)> observer_;
};

}  // namespace oms::actors
