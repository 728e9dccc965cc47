#pragma once
/// The journal's records folded into one row per order: what `oms orders` prints and what the
/// control protocol's `orders` operation answers. Pure: records in, rows out.
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace oms::control {

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

/// The states a row can be in (what `--state` and the `orders` operation's "state" accept).
const std::vector<std::string>& order_row_states();

/// Folds intent, envelope, submission_failed, state_change, fill, cancel_result, adopted and
/// intent_abandoned (and links any other record carrying an order_id or ref_id) into rows,
/// newest first.
std::vector<OrderRow> orders_from_journal(const std::vector<boost::json::object>& records);

boost::json::object order_row_json(const OrderRow& row);

}  // namespace oms::control
