#include "actors/journal.hpp"

#include "runtime/log.hpp"

#include <csignal>
#include <cstdlib>
#include <thread>

namespace oms::actors {

namespace {
// How long an envelope waits for a waited-for record to carry it to the disk before it is synced
// on its own: far below any poll, long enough for a bot's next order to come.
constexpr std::chrono::milliseconds kDeferredSync{5};
}  // namespace

Journal::Journal(runtime::Runtime& rt, const std::string& path, std::string name)
    : Actor(rt, std::move(name)), path_(path) {
  std::vector<boost::json::object> records;
  auto file = journal::JournalFile::open(path, &report_, &records);
  if (!file && file.error() == journal::journal_errc::locked) {
    open_error_ = "the journal " + path + " is owned by process " + std::to_string(report_.owner_pid);
    log::error("journal.locked", {{"path", path}, {"owner_pid", report_.owner_pid}});
    return;
  }
  if (!file) {
    open_error_ = "cannot open journal " + path + ": " + file.error().message();
    log::error("journal.open_failed", {{"path", path}, {"error", file.error().message()}});
    return;
  }
  file_.emplace(std::move(*file));
  if (const char* crash = std::getenv("OMS_JOURNAL_CRASH_BEFORE_SYNC")) crash_before_sync_ = std::strtoull(crash, nullptr, 10);
  if (const char* slow = std::getenv("OMS_JOURNAL_SLOW_SYNC_MS")) slow_sync_ = std::chrono::milliseconds(std::strtoull(slow, nullptr, 10));
  startup_ = std::move(records);
  if (report_.repaired_torn_tail)
    log::warn("journal.torn_tail_repaired", {{"path", path}, {"cut", report_.torn_tail}});
  for (const auto& m : report_.malformed) log::warn("journal.malformed_line", {{"path", path}, {"where", m}});
}

void Journal::stage(JournalRecord record, runtime::ReplyTo<JournalAck> reply) {
  if (!file_) {
    reply.send(JournalAck{false, open_error_}, name());
    return;
  }
  // The line is written as text around the record's own serialization, and the record's object
  // becomes the staged one (ts and kind added last): building a second object, with a new key
  // for every field, cost more than the serialization. The journal's ts and kind win, as always.
  auto ts = format_iso8601(runtime().clock().now());
  record.data.erase("ts");
  record.data.erase("kind");
  boost::json::value masked(std::move(record.data));  // moves the storage, copies nothing
  runtime::mask_secrets(masked);                       // a secret must never become durable
  auto& obj = masked.get_object();
  std::string text;
  text.reserve(64 + 48 * obj.size());
  text += R"({"ts":")";
  text += ts;
  text += R"(","kind":)";
  text += boost::json::serialize(std::string_view(record.kind));
  if (!obj.empty()) {
    text += ',';
    runtime::append_members(text, obj);
  } else {
    text += '}';
  }
  text += '\n';
  obj.emplace("ts", std::move(ts));
  obj.emplace("kind", record.kind);
  bool deferrable = !reply && record.kind == "envelope";
  Staged staged{std::move(obj), std::move(text), std::move(reply)};
  if (!deferrable) {
    if (batch_.stage(std::move(staged))) schedule_flush();
    return;
  }
  batch_.stage_deferrable(std::move(staged));
  if (batch_.arm_deferral()) arm_deferral_timer();
}

void Journal::arm_deferral_timer() {
  if (!deferral_timer_) deferral_timer_.emplace(strand());
  deferral_timer_->expires_after(kDeferredSync);
  // Fires on cancellation too: a record staged must still reach the disk.
  deferral_timer_->async_wait([self = shared_from_this()](const boost::system::error_code&) {
    if (self->batch_.deferral_fired()) self->flush();
  });
}

// Posted behind the records already queued on this strand: they join the batch first.
void Journal::schedule_flush() {
  boost::asio::post(strand(), [self = shared_from_this()] { self->flush(); });
}

void Journal::flush() {
  auto batch = batch_.begin();
  if (batch.empty()) {  // taken already by take_startup_records' flush
    if (batch_.end()) schedule_flush();
    else if (batch_.arm_deferral()) arm_deferral_timer();
    return;
  }
  buffer_.clear();
  for (const auto& s : batch) buffer_ += s.line;
  writing_ = std::move(batch);
  bool crash_point = batch_.batches() == crash_before_sync_;
  auto* pool = runtime().blocking_pool();
  if (!pool || startup_) {  // embedded (no thread of ours), or before recovery took the records
    complete(write_and_sync(crash_point));
    return;
  }
  // The disk's wait happens on the runtime's blocking-I/O thread; the actors' threads go on. The
  // strand touches neither file_ nor buffer_ until complete() (one flush in flight at a time), and
  // the work guard keeps a draining runtime alive to acknowledge the batch.
  boost::asio::post(*pool, [self = shared_from_this(), crash_point,
                            work = boost::asio::make_work_guard(runtime().context())] {
    auto ec = self->write_and_sync(crash_point);
    boost::asio::post(self->strand(), [self, ec] { self->complete(ec); });
  });
}

boost::system::error_code Journal::write_and_sync(bool crash_point) {
  auto ec = file_->write_lines(buffer_);
  if (!ec && crash_point) {
    log::warn("journal.crash_point", {{"batch", crash_before_sync_}});
    ::raise(SIGKILL);  // the seeded crash: written, not yet synced
  }
  if (!ec) ec = file_->sync();
  if (slow_sync_.count() > 0) std::this_thread::sleep_for(slow_sync_);  // a slow disk, for tests
  return ec;
}

void Journal::complete(boost::system::error_code ec) {
  auto batch = std::move(writing_);
  writing_.clear();
  for (auto& s : batch) {
    if (ec) {
      log::error("journal.write_failed", {{"kind", s.record.at("kind")}, {"error", ec.message()}});
      s.reply.send(JournalAck{false, "journal write failed: " + ec.message()}, name());
      continue;
    }
    if (startup_) startup_->push_back(s.record);  // written before recovery took what was read at open
    if (observer_) observer_(s.record);
    s.reply.send(JournalAck{true, {}}, name());
  }
  if (batch_.end()) schedule_flush();
  else if (batch_.arm_deferral()) arm_deferral_timer();
}

// Records staged and not yet flushed when the last handle goes (the io_context gone with a flush
// still queued): written and synced without acknowledgement, so a fire-and-forget record such
// as an envelope is not dropped by shutdown.
Journal::~Journal() {
  if (!file_ || batch_.staged() == 0) return;
  std::string lines;
  for (const auto& s : batch_.begin()) lines += s.line;
  if (!file_->write_lines(lines)) file_->sync();
}

std::optional<std::vector<boost::json::object>> Journal::take_startup_records() {
  if (batch_.staged() > 0) flush();  // recovery reads every record written before it started
  auto out = std::move(startup_);
  startup_.reset();
  return out;
}

void Journal::on(runtime::Ask<JournalRecord, JournalAck> request) {
  stage(std::move(request.body), std::move(request.reply_to));
}

void Journal::on(JournalRecord record) { stage(std::move(record), {}); }

}  // namespace oms::actors
