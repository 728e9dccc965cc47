#pragma once
/// `oms orders`: the journal's records folded into one row per order (no broker call).
#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace oms::cli {

/// What the journal knows about one order. Money and quantities are decimal strings.
struct OrderRow {
  std::string order_id;  ///< broker id; empty while only the intent is known
  std::string ref_id;
  std::string symbol;
  std::string side;
  std::string quantity;
  std::string limit_price;
  std::string reference_price;
  std::string strategy;
  std::string mode;
  bool manual_override = false;
  /// pending (intent, no outcome yet), queued, partially_filled, filled, cancelled, rejected,
  /// unknown, failed (submission failed: `detail` says why), not_placed (recovery or the
  /// settlement proved the intent never reached the broker), unresolved (the outcome is unknown:
  /// the owner is settling it). An order found at the broker later (recovered) shows the
  /// broker's state, not the earlier failure.
  std::string state = "pending";
  std::string filled_quantity = "0";
  std::optional<std::string> average_fill_price;
  std::string created_at;  ///< the first record's time
  std::string updated_at;  ///< the last record's time
  std::string detail;      ///< why it failed, or a cancel's failure
  std::size_t first_seen = 0;  ///< index of its first record (the journal is chronological)
};

/// The states `--state` accepts.
const std::vector<std::string>& order_row_states();

/// Folds intent, envelope, submission_failed, state_change, fill, cancel_result, adopted and
/// intent_abandoned (and links any other record carrying an order_id or ref_id) into rows,
/// newest first.
std::vector<OrderRow> orders_from_journal(const std::vector<boost::json::object>& records);

boost::json::object order_row_json(const OrderRow& row);

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
