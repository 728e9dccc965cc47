#pragma once
/// The journal actor: the single writer of logs/orders.jsonl. Actors `ask` it and wait for the
/// acknowledgement before acting (write-ahead), so the file never interleaves two writers; the
/// owner lock (journal_file.hpp) keeps every other process out while this actor has it open.
///
/// Group commit (journal_batch.hpp): records are staged as they arrive and a flush, posted to
/// this strand behind them, writes every staged record in one write and makes them durable with
/// one fdatasync; then each asker is acknowledged. Records that arrive while a sync runs queue
/// on the strand and form the next batch, so concurrent intents share one fdatasync and a record
/// waits for at most one sync in flight. An acknowledgement still means the record is on disk.
/// The write and its fdatasync run on the runtime's blocking-I/O thread (Runtime::blocking_pool)
/// when it has one, so the actors' threads never wait on the disk. An envelope, which nobody waits
/// for and recovery can find again by its ref_id, starts no sync of its own: it joins the next
/// batch, or one kDeferredSync later when no other record comes (journal_batch.hpp), so an order's
/// intent never waits behind a sync made for the previous order's envelope.
///
/// Crash point for the reliability tests: OMS_JOURNAL_CRASH_BEFORE_SYNC=N kills the process with
/// SIGKILL after the N-th batch is written and before its fdatasync (off unless set).
/// OMS_JOURNAL_SLOW_SYNC_MS=N makes every sync N ms slower (a slow disk; off unless set).
#include "actors/journal_batch.hpp"
#include "actors/journal_file.hpp"
#include "messages/journal.hpp"
#include "runtime/actor.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <optional>

namespace oms::actors {

class Journal final : public runtime::Actor<Journal, runtime::Ask<JournalRecord, JournalAck>, JournalRecord> {
 public:
  /// Opens the file now, taking the owner lock, and repairs a torn tail; an error (another owner
  /// included) leaves the actor refusing every record.
  Journal(runtime::Runtime& rt, const std::string& path, std::string name = "journal");
  ~Journal() override;
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
  /// Batches flushed so far: each one write and one fdatasync (call on this actor's strand, or
  /// once the runtime is idle).
  std::size_t syncs() const noexcept { return batch_.batches(); }
  /// The journal as read when it was opened, plus every record written since, handed over once
  /// (start-up recovery replays it: the journal is read once). Call on this actor's strand;
  /// nullopt once taken or when the file did not open.
  std::optional<std::vector<boost::json::object>> take_startup_records();

 private:
  friend struct runtime::ActorAccess;
  void on(runtime::Ask<JournalRecord, JournalAck> request);
  void on(JournalRecord record);  ///< fire-and-forget (state changes after the fact)
  /// One record waiting for the next flush: its line as written, and who waits for its ack.
  struct Staged {
    boost::json::object record;
    std::string line;
    runtime::ReplyTo<JournalAck> reply;
  };
  void stage(JournalRecord record, runtime::ReplyTo<JournalAck> reply);
  void schedule_flush();
  /// Starts the timer that flushes deferrable records no waited-for record came to carry.
  void arm_deferral_timer();
  void flush();
  /// The batch's write and fdatasync (on the runtime's blocking-I/O thread when it has one).
  boost::system::error_code write_and_sync(bool crash_point);
  /// Back on the strand: acknowledges the batch and starts the next one.
  void complete(boost::system::error_code ec);

  std::string path_;
  journal::OpenReport report_;
  std::optional<journal::JournalFile> file_;
  std::string open_error_;
  std::function<void(const boost::json::object&)> observer_;
  std::optional<std::vector<boost::json::object>> startup_;  ///< until recovery takes it
  journal::GroupCommit<Staged> batch_;
  std::vector<Staged> writing_;  ///< the batch being written and synced
  std::string buffer_;        ///< a batch's lines, reused across flushes
  std::optional<boost::asio::steady_timer> deferral_timer_;  ///< real time, on this strand
  std::size_t crash_before_sync_ = 0;  ///< OMS_JOURNAL_CRASH_BEFORE_SYNC (0: off)
  std::chrono::milliseconds slow_sync_{0};  ///< OMS_JOURNAL_SLOW_SYNC_MS (0: off)
};

}  // namespace oms::actors
