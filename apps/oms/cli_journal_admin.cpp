// `oms journal check` (read-only) and `oms journal repair` (explicit; needs the journal's owner
// lock). The work is actors/journal_check.*; this file only prints.
#include "actors/journal_check.hpp"
#include "apps/oms/cli_commands.hpp"
#include "apps/oms/cli_output.hpp"

#include <boost/json.hpp>

#include <chrono>

namespace oms::cli {
namespace json = boost::json;

namespace {

json::value bad_line_json(const journal::OpenReport::BadLine& bad) {
  return json::object{{"line", bad.line}, {"start", bad.start}};
}

json::object check_json(const journal::CheckReport& r) {
  json::array malformed, warnings;
  for (const auto& bad : r.malformed) malformed.push_back(bad_line_json(bad));
  for (const auto& w : r.warnings) warnings.push_back(json::value(w));
  return json::object{{"path", r.path},
                      {"exists", r.exists},
                      {"lines", r.lines},
                      {"records", r.records},
                      {"torn_tail", r.torn_tail ? bad_line_json(*r.torn_tail) : json::value(nullptr)},
                      {"malformed", std::move(malformed)},
                      {"warnings", std::move(warnings)},
                      {"clean", r.clean()}};
}

std::string check_text(const journal::CheckReport& r) {
  if (!r.exists) return "no journal at " + r.path + " (nothing recorded yet)\n";
  std::string out = "journal " + r.path + ": " + std::to_string(r.records) + " records in " +
                    std::to_string(r.lines) + " lines\n";
  for (const auto& bad : r.malformed)
    out += "  line " + std::to_string(bad.line) + " does not parse: " + bad.start + "\n";
  if (r.torn_tail)
    out += "  line " + std::to_string(r.torn_tail->line) + " is a torn tail (a write cut short): " +
           r.torn_tail->start + "\n";
  for (const auto& w : r.warnings) out += "  warning: " + w + " (skipped by recovery)\n";
  if (r.clean()) return out + "clean\n";
  if (r.malformed.empty())
    return out + "not clean: the next owner cuts the torn tail when it starts; `oms journal repair` also keeps it aside\n";
  return out + "not clean: trading refuses to start; `oms journal repair` moves the unreadable lines aside (keeps a "
               "backup, halts submissions until `oms resume`)\n";
}

int run_check(const Invocation& inv, const std::string& path) {
  auto report = journal::check(path);
  if (inv.globals.json) print_json(check_json(report));
  else print_text(check_text(report));
  return report.clean() ? exit_ok : exit_failure;
}

std::string lines_list(const std::vector<std::size_t>& lines) {
  std::string out;
  for (auto n : lines) out += (out.empty() ? "" : ", ") + std::to_string(n);
  return out;
}

int run_repair(const Invocation& inv, const std::string& path) {
  int owner = 0;
  auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  auto repaired = journal::repair(path, now, &owner);
  if (!repaired && repaired.error() == journal::journal_errc::locked)
    return fail(CliError{exit_failure, "journal",
                         path + " is owned by process " + std::to_string(owner) + "; only its owner writes it",
                         "stop that process (kill " + std::to_string(owner) + "), then run `oms journal repair` again"});
  if (!repaired)
    return fail(CliError{exit_failure, "journal", "cannot repair " + path + ": " + repaired.error().message(),
                         "nothing was changed; check the folder's permissions and free space"});
  const auto& r = *repaired;
  if (inv.globals.json) {
    json::array moved;
    for (auto n : r.moved_lines) moved.push_back(n);
    print_json(json::object{{"path", path},
                            {"changed", r.changed},
                            {"moved_lines", std::move(moved)},
                            {"records_kept", r.records_kept},
                            {"backup", r.backup_path},
                            {"rejected", r.rejected_path},
                            {"halted_appended", r.halted_appended}});
    return exit_ok;
  }
  if (!r.changed) {
    print_text("nothing to repair: " + path + " reads end to end (" + std::to_string(r.records_kept) + " records)\n");
    return exit_ok;
  }
  print_text("repaired " + path + ": " + std::to_string(r.records_kept) + " records kept; line(s) " +
             lines_list(r.moved_lines) + " moved to " + r.rejected_path + "\n" + "backup of the original: " +
             r.backup_path + "\n" +
             "submissions are halted (a `halted` record was appended: a lost line may have been the kill switch);\n"
             "check the account and `oms orders`, then run `oms resume`\n");
  return exit_ok;
}

}  // namespace

int run_journal(const Invocation& inv, const config::Config& config) {
  const std::string& path = config.order_management.journal_path;
  const std::string& action = inv.operands.at(0);
  if (action == "check") return run_check(inv, path);
  if (action == "repair") return run_repair(inv, path);
  return fail(usage_error("action", "'" + action + "' is not a journal action", "use `oms journal check` or `oms journal repair`"));
}

}  // namespace oms::cli
