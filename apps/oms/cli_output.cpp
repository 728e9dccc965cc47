#include "apps/oms/cli_output.hpp"

#include "gateway/url.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace oms::cli {
namespace json = boost::json;

namespace {
std::string name_of(Side s) { return boost::describe::enum_to_string(s, "?"); }
std::string name_of(OrderState s) { return boost::describe::enum_to_string(s, "?"); }
std::string name_of(ExecutionMode m) { return boost::describe::enum_to_string(m, "?"); }
}  // namespace

void print_json(const json::value& value) { print_text(json::serialize(value) + "\n"); }

void print_text(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);  // a pipe reader (a supervisor, `sync`'s consumer) sees each line at once
}

Progress::Progress(bool json) : enabled_(!json && ::isatty(STDERR_FILENO) == 1) {}

void Progress::say(std::string_view line) const {
  if (!enabled_) return;
  std::string text(line);
  text += "\n";
  std::fputs(text.c_str(), stderr);
}

std::string Table::render() const {
  std::vector<std::size_t> widths;
  for (const auto& row : rows_) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string key_values(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::size_t width = 0;
  for (const auto& [k, v] : rows) width = std::max(width, k.size());
  std::string out;
  for (const auto& [k, v] : rows) out += "  " + k + std::string(width - k.size() + 2, ' ') + v + "\n";
  return out;
}

std::string money_text(const Price& price) { return price.to_string(2); }

namespace {
std::string host_of(const config::Config& c) {
  auto url = gateway::parse_base_url(c.broker.base_url);
  return url ? url->host_header() : c.broker.base_url;
}
}  // namespace

std::string owner_text(const control::Health& owner, const config::Config& mine) {
  std::string pid = std::to_string(owner.owner_pid);
  std::string out = owner.mode == ExecutionMode::live
                        ? "mode: live, broker " + owner.broker_host + " (owner pid " + pid + ")\n"
                        : "mode: paper, no broker (owner pid " + pid + ")\n";
  bool same_mode = mine.mode == owner.mode;
  bool same_broker = mine.mode != ExecutionMode::live || owner.mode != ExecutionMode::live ||
                     host_of(mine) == owner.broker_host;
  if (!same_mode || !same_broker)
    out += std::string("note: this command's configuration says ") + name_of(mine.mode) +
           (mine.mode == ExecutionMode::live ? " at " + host_of(mine) : std::string()) +
           "; the owner of the journal decides, and it trades as above\n";
  return out;
}

json::object with_owner(json::object out, const control::Health& owner) {
  out["owner_pid"] = owner.owner_pid;
  return out;
}

json::object envelope_json(const OrderEnvelope& e, bool duplicate) {
  return json::object{{"order_id", e.order_id},
                      {"ref_id", e.ref_id},
                      {"symbol", e.symbol},
                      {"side", name_of(e.side)},
                      {"quantity", e.quantity.to_string()},
                      {"limit_price", money_text(e.limit_price)},
                      {"reference_price", money_text(e.reference_price)},
                      {"submitted_at", format_iso8601(e.submitted_at)},
                      {"mode", name_of(e.mode)},
                      {"strategy", e.strategy},
                      {"duplicate", duplicate}};
}

std::string envelope_text(const OrderEnvelope& e, bool duplicate) {
  std::string head = duplicate ? "duplicate request: this order is already pending, nothing new was placed\n"
                               : (e.mode == ExecutionMode::paper ? "paper order recorded (no broker call)\n"
                                                                  : "order placed\n");
  return head + key_values({{"order_id", e.order_id},
                            {"ref_id", e.ref_id},
                            {"symbol", e.symbol},
                            {"side", name_of(e.side)},
                            {"quantity", e.quantity.to_string()},
                            {"limit_price", money_text(e.limit_price)},
                            {"reference_price", money_text(e.reference_price)},
                            {"submitted_at", format_iso8601(e.submitted_at)},
                            {"mode", name_of(e.mode)}});
}

json::object status_json(const OrderStatus& s) {
  return json::object{{"order_id", s.order_id},
                      {"state", name_of(s.state)},
                      {"broker_state", s.broker_state},
                      {"filled_quantity", s.filled_quantity.to_string()},
                      {"average_fill_price", s.average_fill_price ? json::value(s.average_fill_price->to_string())
                                                                  : json::value(nullptr)},
                      {"pending_quantity", s.pending_quantity.to_string()},
                      {"updated_at", format_iso8601(s.updated_at)},
                      {"raw", s.raw}};
}

std::string status_text(const OrderStatus& s) {
  return key_values({{"order_id", s.order_id},
                     {"state", name_of(s.state) + " (broker: " + s.broker_state + ")"},
                     {"filled_quantity", s.filled_quantity.to_string()},
                     {"average_fill_price", s.average_fill_price ? s.average_fill_price->to_string(2) : "-"},
                     {"pending_quantity", s.pending_quantity.to_string()},
                     {"updated_at", format_iso8601(s.updated_at)}});
}

json::object fill_json(const FillEvent& f) {
  return json::object{{"order_id", f.order_id},
                      {"execution_id", f.execution_id},
                      {"symbol", f.symbol},
                      {"side", name_of(f.side)},
                      {"quantity", f.quantity.to_string()},
                      {"price", f.price.to_string(2)},
                      {"executed_at", format_iso8601(f.executed_at)},
                      {"cumulative_quantity", f.cumulative_quantity.to_string()},
                      {"average_price", f.average_price ? json::value(f.average_price->to_string()) : json::value(nullptr)},
                      {"complete", f.complete}};
}

std::string fill_text(const FillEvent& f) {
  return "fill  " + format_iso8601(f.executed_at) + "  " + (f.symbol.empty() ? "-" : f.symbol) + " " + name_of(f.side) + " " +
         f.quantity.to_string() + " @ " + f.price.to_string(2) + "  (order " + f.order_id + ", filled " +
         f.cumulative_quantity.to_string() + (f.complete ? ", complete" : "") + ")\n";
}

}  // namespace oms::cli
