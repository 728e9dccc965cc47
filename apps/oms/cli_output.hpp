#pragma once
/// What `oms` prints on stdout: JSON documents (--json) or aligned tables for a person, plus
/// progress lines on stderr only when it is a terminal and never with --json.
#include "config/config.hpp"
#include "control/protocol.hpp"
#include "messages/cancel.hpp"
#include "messages/order.hpp"
#include "messages/status.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oms::cli {

/// One JSON document and a newline on stdout.
void print_json(const boost::json::value& value);
/// Text as is on stdout.
void print_text(std::string_view text);

/// Progress for long operations: only when stderr is a terminal and the output is not JSON.
class Progress {
 public:
  explicit Progress(bool json);
  void say(std::string_view line) const;

 private:
  bool enabled_ = false;
};

/// Columns padded to their widest cell.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

/// "label  value" lines with the labels aligned.
std::string key_values(const std::vector<std::pair<std::string, std::string>>& rows);

/// {order_id, ref_id, symbol, side, quantity, limit_price, reference_price, submitted_at, mode,
/// strategy, duplicate}: money as decimal strings.
boost::json::object envelope_json(const OrderEnvelope& envelope, bool duplicate);
std::string envelope_text(const OrderEnvelope& envelope, bool duplicate);
/// The OrderStatus fields (money as strings, raw included).
boost::json::object status_json(const OrderStatus& status);
std::string status_text(const OrderStatus& status);
/// A fill as JSON and as one line for a person.
boost::json::object fill_json(const FillEvent& fill);
std::string fill_text(const FillEvent& fill);

/// Which account the command touched, for a person: "mode: live, broker 127.0.0.1:8080 (owner
/// pid 4242)" or "mode: paper, no broker (owner pid 4242)"; plus a note when this command's own
/// configuration names another mode or broker than the owner trades with.
std::string owner_text(const control::Health& owner, const config::Config& mine);
/// `json` plus "owner_pid": who carried the command out.
boost::json::object with_owner(boost::json::object json, const control::Health& owner);

/// Money for a person: cents at least ("249.93", "0.5512" stays exact).
std::string money_text(const Price& price);

}  // namespace oms::cli
