#include "actors/journal.hpp"

#include "runtime/log.hpp"

namespace oms::actors {

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
  startup_ = std::move(records);
  if (report_.repaired_torn_tail)
    log::warn("journal.torn_tail_repaired", {{"path", path}, {"cut", report_.torn_tail}});
  for (const auto& m : report_.malformed) log::warn("journal.malformed_line", {{"path", path}, {"where", m}});
}

JournalAck Journal::write(JournalRecord record) {
  if (!file_) return JournalAck{false, open_error_};
  boost::json::value line = boost::json::object{};
  auto& obj = line.get_object();
  obj["ts"] = format_iso8601(runtime().clock().now());
  obj["kind"] = record.kind;
  for (auto& [k, v] : record.data) obj[k] = std::move(v);
  runtime::mask_secrets(line);  // a secret must never become durable
  if (auto ec = file_->append(obj)) {
    log::error("journal.write_failed", {{"kind", record.kind}, {"error", ec.message()}});
    return JournalAck{false, "journal write failed: " + ec.message()};
  }
  if (startup_) startup_->push_back(obj);  // written before recovery took what was read at open
  if (observer_) observer_(obj);
  return JournalAck{true, {}};
}

std::optional<std::vector<boost::json::object>> Journal::take_startup_records() {
  auto out = std::move(startup_);
  startup_.reset();
  return out;
}

void Journal::on(runtime::Ask<JournalRecord, JournalAck> request) {
  request.reply_to.send(write(std::move(request.body)), name());
}

void Journal::on(JournalRecord record) { write(std::move(record)); }

}  // namespace oms::actors
