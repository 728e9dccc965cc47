#pragma once
/// `oms orders`: the journal's records folded into one row per order (no broker call).
#include "control/order_rows.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace oms::cli {

using control::OrderRow;
using control::order_row_json;
using control::order_row_states;
using control::orders_from_journal;

/// Order id → symbol from the journal. Broker answers name an instrument URL, and a fresh
/// process's gateway has not looked those up; the journal knows every order this product placed.
class JournalSymbols {
 public:
  explicit JournalSymbols(std::string journal_path) : path_(std::move(journal_path)) {}
  /// The symbol, or empty. A new id re-reads the journal (an order placed since), once per id.
  std::string of(const std::string& order_id);

 private:
  void load();
  std::string path_;
  std::map<std::string, std::string> symbols_;
  std::map<std::string, bool> missed_;
};

}  // namespace oms::cli
