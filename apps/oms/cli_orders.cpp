#include "apps/oms/cli_orders.hpp"

#include "actors/journal_file.hpp"

#include <filesystem>

namespace oms::cli {

std::string JournalSymbols::of(const std::string& order_id) {
  if (order_id.empty()) return {};
  if (!symbols_.count(order_id) && !missed_[order_id]) {
    load();
    missed_[order_id] = !symbols_.count(order_id);
  }
  auto it = symbols_.find(order_id);
  return it == symbols_.end() ? std::string() : it->second;
}

void JournalSymbols::load() {
  if (!std::filesystem::exists(path_)) return;
  for (const auto& row : orders_from_journal(journal::JournalFile::read_all(path_)))
    if (!row.order_id.empty() && !row.symbol.empty()) symbols_[row.order_id] = row.symbol;
}

}  // namespace oms::cli
