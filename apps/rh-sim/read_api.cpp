// The read-only endpoints: /accounts/, /positions/, /instruments/, /quotes/.
#include "apps/rh-sim/broker.hpp"
#include "apps/rh-sim/replies.hpp"

#include <boost/json.hpp>

namespace rhsim {
namespace json = boost::json;
using namespace detail;
using oms::Price;
using oms::Quantity;

namespace {

json::object page(json::array results) {
  return json::object{{"previous", nullptr}, {"results", std::move(results)}, {"next", nullptr}};
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Account money is printed with 4 decimals, as Robinhood's /accounts/ prints it.
std::string money4(Price p) {
  return or_value(p.round_to(Price::from_units(Price::kOne / 10'000), oms::Rounding::half_up), p).to_string(4);
}
// Quotes are printed with 6 decimals, as Robinhood's /quotes/ prints them.
std::string quote6(Price p) { return p.to_string(6); }

}  // namespace

json::object Broker::account_json() const {
  std::string created = oms::format_iso8601(account_.updated_at);
  return json::object{
      {"url", account_url()},
      {"account_number", account_.number},
      {"type", "margin"},
      {"brokerage_account_type", "individual"},
      {"state", "active"},
      {"locked", false},
      {"deactivated", false},
      {"buying_power", money4(account_.buying_power())},
      {"cash", money4(account_.cash)},
      {"cash_held_for_orders", money4(account_.held_for_orders)},
      {"portfolio_cash", money4(account_.cash)},
      {"cash_available_for_withdrawal", money4(account_.buying_power())},
      {"unsettled_funds", "0.0000"},
      {"unsettled_debit", "0.0000"},
      {"uncleared_deposits", "0.0000"},
      {"sma", nullptr},
      {"margin_balances", nullptr},
      {"only_position_closing_trades", false},
      {"user", base_url_ + "/user/"},
      {"positions", base_url_ + "/positions/?account_number=" + account_.number},
      {"portfolio", base_url_ + "/portfolios/" + account_.number + "/"},
      {"created_at", created},
      {"updated_at", oms::format_iso8601(account_.updated_at)}};
}

SimReply Broker::get_accounts(const std::string& path) const {
  std::string_view rest = std::string_view(path).substr(10);  // after "/accounts/"
  if (rest.empty()) return json_reply(200, page(json::array{account_json()}));
  std::string_view number = rest.substr(0, rest.find('/'));
  if (number != account_.number) return not_found();
  return json_reply(200, account_json());
}

json::object Broker::position_json(const std::string& symbol, const Position& p) const {
  const Instrument* inst = market_.by_symbol(symbol);
  std::string id = inst ? inst->id : stable_uuid(symbol);
  std::string zero = Quantity{}.to_broker_string();
  // Settled positions may report 0 (pyhood 0.11.0): clients must not divide by it blindly.
  std::string average = options_.zero_average_buy_price ? money4(Price{}) : money4(p.average_buy_price);
  return json::object{
      {"url", base_url_ + "/positions/" + account_.number + "/" + id + "/"},
      {"instrument", instrument_url(id)},
      {"instrument_id", id},
      {"account", account_url()},
      {"account_number", account_.number},
      {"average_buy_price", average},
      {"pending_average_buy_price", average},
      {"quantity", p.quantity.to_broker_string()},
      {"intraday_average_buy_price", "0.0000"},
      {"intraday_quantity", zero},
      {"shares_available_for_exercise", p.quantity.to_broker_string()},
      {"shares_held_for_buys", p.held_for_buys.to_broker_string()},
      {"shares_held_for_sells", p.held_for_sells.to_broker_string()},
      {"shares_held_for_stock_grants", zero},
      {"shares_held_for_options_collateral", zero},
      {"shares_held_for_options_events", zero},
      {"shares_pending_from_options_events", zero},
      {"created_at", oms::format_iso8601(p.created_at)},
      {"updated_at", oms::format_iso8601(p.updated_at)}};
}

SimReply Broker::get_positions(const Params& query) const {
  bool nonzero = query.contains("nonzero") && query.find("nonzero")->second == "true";
  json::array results;
  for (const auto& [symbol, position] : account_.positions) {
    if (nonzero && position.quantity.is_zero()) continue;
    results.push_back(position_json(symbol, position));
  }
  return json_reply(200, page(std::move(results)));
}

json::object Broker::instrument_json(const Instrument& i) const {
  return json::object{
      {"id", i.id},
      {"url", instrument_url(i.id)},
      {"quote", base_url_ + "/quotes/" + i.symbol + "/"},
      {"fundamentals", base_url_ + "/fundamentals/" + i.symbol + "/"},
      {"splits", instrument_url(i.id) + "splits/"},
      {"market", base_url_ + "/markets/XNAS/"},
      {"symbol", i.symbol},
      {"name", i.symbol},
      {"simple_name", i.symbol},
      {"state", "active"},
      {"type", "stock"},
      {"country", "US"},
      {"tradeable", i.tradeable},
      {"tradability", i.tradeable ? "tradable" : "untradable"},
      {"rhs_tradability", i.tradeable ? "tradable" : "untradable"},
      {"fractional_tradability", "tradable"},
      {"min_tick_size", i.min_tick ? json::value(i.min_tick->to_string(4)) : json::value(nullptr)},
      {"margin_initial_ratio", "0.5000"},
      {"maintenance_ratio", "0.2500"},
      {"day_trade_ratio", "0.2500"},
      {"default_collar_fraction", "0.05"},
      {"tradable_chain_id", nullptr}};
}

SimReply Broker::get_instruments(const std::string& path, const Params& query) const {
  std::string_view rest = std::string_view(path).substr(13);  // after "/instruments/"
  if (!rest.empty()) {
    const Instrument* i = market_.by_id(rest.substr(0, rest.find('/')));
    return i ? json_reply(200, instrument_json(*i)) : not_found();
  }
  json::array results;
  if (auto it = query.find("symbol"); it != query.end()) {
    if (const Instrument* i = market_.by_symbol(it->second)) results.push_back(instrument_json(*i));
  } else if (auto ids = query.find("ids"); ids != query.end()) {
    for (const auto& id : split_commas(ids->second))
      if (const Instrument* i = market_.by_id(id)) results.push_back(instrument_json(*i));
  } else {
    for (const auto& i : market_.instruments()) results.push_back(instrument_json(i));
  }
  return json_reply(200, page(std::move(results)));
}

json::object Broker::quote_json(const Instrument& i, const Quote& q) const {
  return json::object{{"symbol", i.symbol},
                      {"ask_price", quote6(q.ask)},
                      {"ask_size", 100},
                      {"bid_price", quote6(q.bid)},
                      {"bid_size", 100},
                      {"last_trade_price", quote6(q.last)},
                      {"last_extended_hours_trade_price", nullptr},
                      {"last_non_reg_trade_price", nullptr},
                      {"previous_close", quote6(q.previous_close)},
                      {"adjusted_previous_close", quote6(q.previous_close)},
                      {"trading_halted", false},
                      {"has_traded", true},
                      {"last_trade_price_source", "consolidated"},
                      {"state", "active"},
                      {"updated_at", oms::format_iso8601(q.updated_at)},
                      {"instrument", instrument_url(i.id)},
                      {"instrument_id", i.id}};
}

SimReply Broker::get_quotes(const std::string& path, const Params& query) const {
  std::string_view rest = std::string_view(path).substr(8);  // after "/quotes/"
  if (!rest.empty()) {
    std::string symbol(rest.substr(0, rest.find('/')));
    const Instrument* i = market_.by_symbol(symbol);
    return i ? json_reply(200, quote_json(*i, *market_.quote(symbol))) : not_found();
  }
  auto it = query.find("symbols");
  if (it == query.end()) return field_error("symbols", "This field is required.");
  json::array results;
  for (const auto& symbol : split_commas(it->second)) {
    const Instrument* i = market_.by_symbol(symbol);
    results.push_back(i ? json::value(quote_json(*i, *market_.quote(symbol))) : json::value(nullptr));
  }
  return json_reply(200, json::object{{"results", std::move(results)}});
}

}  // namespace rhsim
