// `oms orders` and `oms report`: read the journal only, never the broker.
#include "actors/journal_file.hpp"
#include "apps/oms/cli_commands.hpp"
#include "apps/oms/cli_orders.hpp"
#include "apps/oms/cli_output.hpp"
#include "console/heart_report.hpp"

#include <algorithm>
#include <filesystem>

namespace oms::cli {
using heart::compute_heart_report;
using heart::heart_report_json;
using heart::render_heart_report;
using heart::HeartReport;
namespace json = boost::json;

namespace {

outcome<std::optional<Timestamp>> since_of(const Invocation& inv) {
  auto text = inv.option("--since");
  if (!text) return std::optional<Timestamp>{};
  std::string iso = text->size() == 10 ? *text + "T00:00:00Z" : *text;  // a bare date: midnight UTC
  auto t = parse_iso8601(iso);
  if (!t || text->size() < 10)
    return usage_error("--since", "must be a date such as 2026-11-24 or a UTC time such as 2026-11-24T14:30:00Z",
                       "see `oms report --help`");
  return std::optional<Timestamp>{*t};
}

outcome<std::vector<OrderRow>> filtered_rows(const Invocation& inv, const std::string& path) {
  auto symbol = inv.option("--symbol");
  if (symbol)
    if (auto e = validate_symbol(*symbol)) return usage_error("--symbol", e->rule, "e.g. --symbol TSLA");
  auto state = inv.option("--state");
  const auto& states = order_row_states();
  if (state && std::find(states.begin(), states.end(), *state) == states.end()) {
    std::string list;
    for (const auto& s : states) list += (list.empty() ? "" : ", ") + s;
    return usage_error("--state", "'" + *state + "' is not an order state", "use one of: " + list);
  }
  std::vector<OrderRow> rows;
  if (!std::filesystem::exists(path)) return rows;  // nothing journalled yet
  for (auto& row : orders_from_journal(journal::JournalFile::read_all(path)))
    if ((!symbol || row.symbol == *symbol) && (!state || row.state == *state)) rows.push_back(std::move(row));
  return rows;
}

std::string rows_text(const std::vector<OrderRow>& rows, const std::string& path) {
  if (rows.empty()) return "no orders in " + path + "\n";
  Table table({"CREATED", "SYMBOL", "SIDE", "QTY", "LIMIT", "STATE", "FILLED", "AVG_PRICE", "ORIGIN", "ORDER_ID",
               "DETAIL"});
  for (const auto& r : rows)
    table.add({r.created_at, r.symbol, r.side, r.quantity, r.limit_price, r.state, r.filled_quantity,
               r.average_fill_price.value_or("-"), r.manual_override ? "manual" : "bot",
               r.order_id.empty() ? "-" : r.order_id, r.detail});
  return table.render();
}

}  // namespace

int run_orders(const Invocation& inv, const config::Config& config) {
  const std::string& path = config.order_management.journal_path;
  auto rows = filtered_rows(inv, path);
  if (!rows) return fail(rows.error());
  if (inv.globals.json) {
    json::array out;
    for (const auto& r : *rows) out.push_back(order_row_json(r));
    print_json(out);
  } else {
    print_text(rows_text(*rows, path));
  }
  return exit_ok;
}

int run_report(const Invocation& inv, const config::Config& config) {
  auto since = since_of(inv);
  if (!since) return fail(since.error());
  HeartReport report = compute_heart_report(config.order_management.journal_path, *since);
  if (inv.globals.json) print_json(heart_report_json(report));
  else print_text(render_heart_report(report));
  return exit_ok;
}

}  // namespace oms::cli
