// Broker JSON → BrokerOrder, OrderStatus, fills and paginated lists. Whatever the broker (or a
// proxy in front of it) sends, every parser answers with a value or a FieldError naming a rule;
// what is derived from a parsed order keeps the properties the order manager relies on.
#include "fuzz_check.hpp"
#include "gateway/parse.hpp"

#include <boost/json/parse.hpp>

namespace {

using namespace oms;
using namespace oms::gateway;
using oms::fuzz::require;

template <class T>
void require_named_error(const checked<T>& r) {
  if (!r) require(!r.error().rule.empty());
}

void check_status(const BrokerOrder& order) {
  OrderStatus s = to_order_status(order);
  require(s.order_id == order.id && !s.pending_quantity.is_negative());
  // A finished order has nothing left to fill.
  if (is_terminal(s.state)) require(s.pending_quantity.is_zero());
  if (!is_terminal(s.state)) require(is_open(order));
}

void check_fills(const BrokerOrder& order) {
  auto fills = fill_events(order, "TSLA");
  require(fills.size() == order.executions.size());
  Quantity previous;
  bool was_complete = false;
  for (const auto& f : fills) {
    // Executions carry non-negative quantities, so the running total never goes back, and an
    // order that was complete stays complete.
    require(f.cumulative_quantity >= previous);
    require(!was_complete || f.complete);
    previous = f.cumulative_quantity;
    was_complete = f.complete;
  }
}

void check_order(const checked<BrokerOrder>& r) {
  require_named_error(r);
  if (!r) return;
  require(!r->quantity.is_negative() && !r->cumulative_quantity.is_negative());
  check_status(*r);
  check_fills(*r);
}

void check_order_page(std::string_view body) {
  auto page = parse_order_page(body);
  require_named_error(page);
  if (!page) return;
  for (const auto& order : page->results) {
    check_status(order);
    check_fills(order);
  }
  for (const auto& order : page->results) {
    if (!order.ref_id) continue;
    const BrokerOrder* found = find_by_ref_id(page->results, *order.ref_id);
    require(found != nullptr && found->ref_id == order.ref_id);
  }
}

// The value-level parsers, as the gateway calls them on an already parsed body.
void check_value_parsers(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) return;
  check_order(parse_order(v));
  require_named_error(parse_account(v));
  require_named_error(parse_instrument(v));
  require_named_error(parse_quote(v));
  require_named_error(parse_position(v));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body = oms::fuzz::as_text(data, size);
  check_value_parsers(body);
  require_named_error(parse_json(body));
  check_order(parse_order(body));
  check_order_page(body);
  require_named_error(parse_accounts(body));
  require_named_error(parse_instruments(body));
  require_named_error(parse_quotes(body));
  require_named_error(parse_positions(body));
  require_named_error(parse_login_reply(body));
  return 0;
}
