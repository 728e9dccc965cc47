#pragma once
/// The journal actor: the single writer of logs/orders.jsonl. Actors `ask` it and wait for the
/// acknowledgement before acting (write-ahead), so the file never interleaves two writers; the
/// owner lock (journal_file.hpp) keeps every other process out while this actor has it open.
#include "actors/journal_file.hpp"
#include "messages/journal.hpp"
#include "runtime/actor.hpp"

#include <functional>
#include <optional>

namespace oms::actors {

class Journal final : public runtime::Actor<Journal, runtime::Ask<JournalRecord, JournalAck>, JournalRecord> {
 public:
  /// Opens the file now, taking the owner lock, and repairs a torn tail; an error (another owner
  /// included) leaves the actor refusing every record.
  Journal(runtime::Runtime& rt, const std::string& path, std::string name = "journal");
  /// What opening the file found (torn tail repaired, malformed lines).
  const journal::OpenReport& open_report() const noexcept { return report_; }
  bool healthy() const noexcept { return file_.has_value(); }
  /// Called on the journal's strand with each record once it is durable (the control endpoint's
  /// event stream: a subscriber never sees what a restart would not know). Set before the first record.
  void on_durable(std::function<void(const boost::json::object&)> observer) { observer_ = std::move(observer); }
  /// Why the file could not be opened; empty when healthy.
  const std::string& open_error() const noexcept { return open_error_; }
  /// The pid of the process owning the journal when opening failed because it is locked, else 0.
  int owner_pid() const noexcept { return report_.owner_pid; }
  const std::string& path() const noexcept { return path_; }
  /// The journal as read when it was opened, plus every record written since, handed over once
  /// (start-up recovery replays it: the journal is read once). Call on this actor's strand;
  /// nullopt once taken or when the file did not open.
  std::optional<std::vector<boost::json::object>> take_startup_records();

 private:
  friend struct runtime::ActorAccess;
  void on(runtime::Ask<JournalRecord, JournalAck> request);
  void on(JournalRecord record);  ///< fire-and-forget (state changes after the fact)
  JournalAck write(JournalRecord record);

  std::string path_;
  journal::OpenReport report_;
  std::optional<journal::JournalFile> file_;
  std::string open_error_;
  std::function<void(const boost::json::object&)> observer_;
  std::optional<std::vector<boost::json::object>> startup_;  ///< until recovery takes it
};

}  // namespace oms::actors
