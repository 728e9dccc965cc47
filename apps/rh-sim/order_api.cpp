// /orders/: validation the way Robinhood answers it, buying-power and share reservations,
// listing with cursors, cancels, and the fill model.
#include "apps/rh-sim/broker.hpp"
#include "apps/rh-sim/replies.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdlib>

namespace rhsim {
namespace json = boost::json;
using namespace detail;
using oms::Price;
using oms::Quantity;
using oms::Rounding;
using oms::Sign;
using oms::Timestamp;

namespace {

const Price kOneDollar = Price::from_units(Price::kOne);
// robin_stocks' "market" buys carry a 5% collar; a plain market buy reserves the same.
constexpr std::int64_t kCollarPercent = 105;

std::string field(const Params& form, const char* key) {
  auto it = form.find(key);
  return it == form.end() ? std::string{} : it->second;
}

void add_error(json::object& errors, std::string_view key, std::string_view message) {
  errors[key] = json::array{json::string(message)};
}

// Robinhood's price rules: at most 4 decimals, whole cents at or above $1.
std::optional<std::string> price_error(const std::string& text, Price& out) {
  auto parsed = Price::parse(text, Sign::any);
  if (!parsed) {
    if (parsed.error() == oms::make_error_code(oms::money_errc::too_many_decimals))
      return "Prices can't be more than 4 decimal places.";
    return "A valid number is required.";
  }
  if (parsed->decimals() > 4) return "Prices can't be more than 4 decimal places.";
  if (parsed->units() <= 0) return "Ensure this value is greater than 0.";
  if (*parsed >= kOneDollar && parsed->decimals() > 2)
    return "Prices above $1.00 can't have subpenny increments.";
  out = *parsed;
  return std::nullopt;
}

bool choice(json::object& errors, const char* key, const std::string& value,
            std::initializer_list<std::string_view> allowed) {
  if (value.empty()) {
    add_error(errors, key, "This field is required.");
    return false;
  }
  for (auto a : allowed)
    if (value == a) return true;
  add_error(errors, key, "\"" + value + "\" is not a valid choice.");
  return false;
}

// "https://host/instruments/<id>/" → "<id>"; the host is ignored so any base URL works.
std::string last_segment(std::string_view url, std::string_view collection) {
  std::size_t at = url.find(collection);
  if (at == std::string_view::npos) return {};
  std::string_view rest = url.substr(at + collection.size());
  return std::string(rest.substr(0, rest.find('/')));
}

}  // namespace

namespace {

const Instrument* check_links(const Params& form, const std::string& account_number, const Market& market,
                              json::object& errors) {
  std::string account = field(form, "account");
  if (account.empty()) add_error(errors, "account", "This field is required.");
  else if (last_segment(account, "/accounts/") != account_number)
    add_error(errors, "account", "Invalid hyperlink - Object does not exist.");
  std::string instrument = field(form, "instrument");
  const Instrument* inst = market.by_id(last_segment(instrument, "/instruments/"));
  if (instrument.empty()) add_error(errors, "instrument", "This field is required.");
  else if (!inst) add_error(errors, "instrument", "Invalid hyperlink - Object does not exist.");
  return inst;
}

void check_choices(const Params& form, Order& order, json::object& errors) {
  order.side = field(form, "side");
  order.type = field(form, "type");
  order.trigger = field(form, "trigger");
  if (order.trigger.empty()) order.trigger = "immediate";
  order.time_in_force = field(form, "time_in_force");
  choice(errors, "side", order.side, {"buy", "sell"});
  choice(errors, "type", order.type, {"limit", "market"});
  choice(errors, "trigger", order.trigger, {"immediate", "stop"});
  choice(errors, "time_in_force", order.time_in_force, {"gfd", "gtc", "ioc", "opg"});
}

// A price field that is required when `required` and otherwise optional.
void check_price(const Params& form, const char* key, bool required, std::optional<Price>& out,
                 json::object& errors) {
  std::string text = field(form, key);
  Price price;
  if (text.empty()) {
    if (required) add_error(errors, key, "This field is required.");
  } else if (auto e = price_error(text, price)) {
    add_error(errors, key, *e);
  } else {
    out = price;
  }
}

void check_amounts(const Params& form, Order& order, json::object& errors) {
  std::string qty = field(form, "quantity");
  auto quantity = Quantity::parse(qty, Sign::any);
  if (qty.empty()) add_error(errors, "quantity", "This field is required.");
  else if (!quantity) add_error(errors, "quantity", "A valid number is required.");
  else if (quantity->units() <= 0) add_error(errors, "quantity", "Ensure this value is greater than 0.");
  else order.quantity = *quantity;
  check_price(form, "price", order.type == "limit", order.price, errors);
  check_price(form, "stop_price", order.trigger == "stop", order.stop_price, errors);
}

// Robinhood refuses clients whose order form predates version 2 (robin_stocks #477).
std::optional<json::object> check_form_version(const Params& form) {
  std::string text = field(form, "order_form_version");
  char* end = nullptr;
  long version = text.empty() ? 0 : std::strtol(text.c_str(), &end, 10);
  if (!text.empty() && *end == '\0' && version >= 2) return std::nullopt;
  return json::object{{"detail", "Your app version is missing important stock trading updates. "
                                 "Please update to the latest version of Robinhood to continue."}};
}

// market_hours is one of three sessions and must agree with extended_hours (pyhood 0.11.0):
// regular_hours with False, extended_hours or all_day_hours with True.
void check_session(const Params& form, Order& order, json::object& errors) {
  order.market_hours = field(form, "market_hours");
  if (order.market_hours.empty()) order.market_hours = "regular_hours";
  bool hours_ok = choice(errors, "market_hours", order.market_hours,
                         {"regular_hours", "extended_hours", "all_day_hours"});
  std::string ext = field(form, "extended_hours");
  if (ext == "True" || ext == "true" || ext == "1") order.extended_hours = true;
  else if (ext.empty() || ext == "False" || ext == "false" || ext == "0") order.extended_hours = false;
  else return add_error(errors, "extended_hours", "Must be a valid boolean.");
  if (!hours_ok || order.extended_hours == (order.market_hours != "regular_hours")) return;
  add_error(errors, "non_field_errors",
            order.extended_hours ? "Orders with extended_hours must use market_hours extended_hours or all_day_hours."
                                 : "Orders for " + order.market_hours + " must set extended_hours.");
}

// An instrument with a min_tick_size takes only multiples of it (pyrh #113).
void check_tick(const Instrument& inst, const Order& order, json::object& errors) {
  if (!inst.min_tick) return;
  for (auto [key, price] : {std::pair{"price", order.price}, std::pair{"stop_price", order.stop_price}}) {
    if (!price || price->units() % inst.min_tick->units() == 0 || errors.contains(key)) continue;
    add_error(errors, key, "This stock trades in increments of $" + inst.min_tick->to_string(2) + ".");
  }
}

void copy_passthrough(const Params& form, Order& order) {
  order.order_form_version = field(form, "order_form_version");
  order.sent_ask = field(form, "ask_price");
  order.sent_bid = field(form, "bid_price");
  order.sent_bid_ask_timestamp = field(form, "bid_ask_timestamp");
  if (auto preset = Price::parse(field(form, "preset_percent_limit"))) order.preset_percent_limit = *preset;
  if (order.type == "market") order.price.reset();  // market orders fill at the touch
}

}  // namespace

std::optional<json::object> Broker::validate_order(const Params& form, Order& order) const {
  if (auto outdated = check_form_version(form)) return outdated;
  json::object errors;
  const Instrument* inst = check_links(form, account_.number, market_, errors);
  check_choices(form, order, errors);
  check_session(form, order, errors);
  check_amounts(form, order, errors);
  if (inst) check_tick(*inst, order, errors);
  order.ref_id = field(form, "ref_id");
  if (!order.ref_id.empty() && !is_uuid(order.ref_id))
    add_error(errors, "ref_id", "Must be a valid UUID.");
  else if (ref_ids_.contains(order.ref_id))
    add_error(errors, "ref_id", "Order with this ref_id already exists.");
  if (!errors.empty()) return errors;

  if (!inst->tradeable) return json::object{{"detail", "This stock is not tradable on Robinhood."}};
  if (order.type == "limit" && !order.quantity.is_whole())
    return json::object{{"non_field_errors",
                         json::array{"Limit order quantity cannot include fractional shares."}}};
  order.symbol = inst->symbol;
  order.instrument_id = inst->id;
  copy_passthrough(form, order);
  return std::nullopt;
}

std::optional<SimReply> Broker::reserve(Order& order) {
  const Quote* quote = market_.quote(order.symbol);
  if (order.side == "sell") {
    const Position* pos = nullptr;
    if (auto it = account_.positions.find(order.symbol); it != account_.positions.end()) pos = &it->second;
    Quantity free = pos ? or_value(pos->quantity.minus(pos->held_for_sells), Quantity{}) : Quantity{};
    if (order.quantity > free) return detail_reply(400, "Not enough shares to sell.");
    Position& held = account_.positions[order.symbol];
    held.held_for_sells = or_value(held.held_for_sells.plus(order.quantity), Quantity{});
    return std::nullopt;
  }
  Price per_share;
  if (order.type == "limit") per_share = *order.price;
  else {
    Price base = order.stop_price ? *order.stop_price : quote->ask;
    Price collared = or_value(base.scaled(kCollarPercent, 100, Rounding::up), base);
    per_share = or_value(collared.round_to(Price::from_units(Price::kOne / 100), Rounding::up), base);
  }
  auto cost = oms::notional(per_share, order.quantity, Rounding::up);
  Price bp = account_.buying_power();
  if (!cost || *cost > bp) {
    std::int64_t can = per_share.is_zero() ? 0 : bp.units() / per_share.units();
    return detail_reply(400, "You can only purchase " + std::to_string(can) + " shares of " +
                                 order.symbol + ".");
  }
  order.reserve_per_share = per_share;
  order.reserved = *cost;
  account_.held_for_orders = or_value(account_.held_for_orders.plus(*cost), account_.held_for_orders);
  Position& pos = account_.positions[order.symbol];
  pos.held_for_buys = or_value(pos.held_for_buys.plus(order.quantity), pos.held_for_buys);
  return std::nullopt;
}

SimReply Broker::place_order(const Params& form, Timestamp now) {
  Order order;
  if (auto errors = validate_order(form, order)) return json_reply(400, *errors);
  if (auto refused = reserve(order)) return *refused;
  order.seq = ++order_seq_;
  order.id = rng_.uuid();
  order.created_at = order.updated_at = order.last_transaction_at = now;
  order.confirm_at = now + std::chrono::milliseconds(options_.confirm_delay_ms);
  if (order.time_in_force == "gfd" && options_.gfd_expiry) order.expires_at = next_close(now);
  if (!order.ref_id.empty()) ref_ids_.insert(order.ref_id);
  order_index_[order.id] = orders_.size();
  orders_.push_back(order);
  account_.updated_at = now;
  log("rh-sim order " + order.id + " created: " + order.side + " " + order.quantity.to_string() +
      " " + order.symbol + " " + order.type + (order.price ? " @ " + order.price->to_string() : ""));
  return json_reply(201, order_json(orders_.back()));
}

SimReply Broker::get_order(std::string_view id) const {
  const Order* order = find_order(id);
  return order ? json_reply(200, order_json(*order)) : not_found();
}

SimReply Broker::cancel_order(std::string_view id, Timestamp now) {
  Order* order = find_order_mut(id);
  if (!order || !order->open()) return not_found();
  if (!order->cancel_at) {
    order->cancel_at = now + std::chrono::milliseconds(options_.cancel_delay_ms);
    order->updated_at = now;
    cancels_pending_.push_back(order_index_.find(id)->second);
  }
  return json_reply(200, json::object{});
}

SimReply Broker::list_orders(const Params& query) const {
  std::optional<Timestamp> gte, lte;
  for (auto [key, slot] : {std::pair{"updated_at[gte]", &gte}, std::pair{"updated_at[lte]", &lte}}) {
    auto it = query.find(key);
    if (it == query.end()) continue;
    auto t = oms::parse_iso8601(it->second);
    if (!t) return field_error("updated_at", "Enter a valid date/time.");
    *slot = *t;
  }
  std::string instrument = query.contains("instrument")
                               ? last_segment(query.find("instrument")->second, "/instruments/") : "";
  std::uint64_t before = UINT64_MAX;
  if (auto it = query.find("cursor"); it != query.end()) before = std::strtoull(it->second.c_str(), nullptr, 10);
  int page = options_.page_size > 0 ? options_.page_size : 100;
  if (auto it = query.find("page_size"); it != query.end()) page = std::clamp(std::atoi(it->second.c_str()), 1, 1000);

  json::array results;
  std::uint64_t last_seq = 0;
  bool more = false;
  // Newest first, as Robinhood lists orders.
  for (auto it = orders_.rbegin(); it != orders_.rend(); ++it) {
    if (it->seq >= before) continue;
    if ((gte && it->updated_at < *gte) || (lte && it->updated_at > *lte)) continue;
    if (!instrument.empty() && it->instrument_id != instrument) continue;
    if (static_cast<int>(results.size()) == page) {
      more = true;
      break;
    }
    results.push_back(order_json(*it));
    last_seq = it->seq;
  }
  json::value next = nullptr;
  if (more) {
    std::string url = base_url_ + "/orders/?";
    for (const auto& [key, value] : query)
      if (key != "cursor") url += url_encode(key) + "=" + url_encode(value) + "&";
    next = url + "cursor=" + std::to_string(last_seq);
  }
  return json_reply(200, json::object{{"previous", nullptr}, {"results", results}, {"next", next}});
}

bool Broker::marketable(const Order& order, Price& fill_price) const {
  const Quote* q = market_.quote(order.symbol);
  if (!q) return false;
  bool buy = order.side == "buy";
  Price touch = buy ? q->ask : q->bid;
  if (order.type == "market" || !order.price) {
    fill_price = touch;
    return true;
  }
  if (buy ? touch <= *order.price : touch >= *order.price) {
    fill_price = touch;  // a limit fills at the touch, which is at least as good as the limit
    return true;
  }
  return false;
}

void Broker::auto_fill(Order& order, Timestamp now) {
  if (order.trigger == "stop" && !order.stop_triggered) {
    const Quote* q = market_.quote(order.symbol);
    bool hit = q && order.stop_price &&
               (order.side == "buy" ? q->last >= *order.stop_price : q->last <= *order.stop_price);
    if (!hit) return;
    order.stop_triggered = true;
  }
  Price price;
  if (marketable(order, price)) {
    Quantity lot = lot_size_.is_zero() ? order.remaining() : std::min(lot_size_, order.remaining());
    fill(order, lot, price, now);
  }
  if (order.time_in_force == "ioc" && order.open()) close(order, OrderState::cancelled, now);
}

void Broker::fill(Order& order, Quantity quantity, Price price, Timestamp now) {
  quantity = std::min(quantity, order.remaining());
  if (quantity.units() <= 0 || !order.open()) return;
  order.executions.push_back({rng_.uuid(), price, quantity, now});
  order.cumulative = or_value(order.cumulative.plus(quantity), order.quantity);
  bool done = order.cumulative >= order.quantity;
  order.state = done ? OrderState::filled : OrderState::partially_filled;
  order.updated_at = order.last_transaction_at = now;

  Price cost = or_value(oms::notional(price, quantity), Price{});
  Position& pos = account_.positions[order.symbol];
  if (pos.created_at == Timestamp{}) pos.created_at = now;
  if (order.side == "buy") {
    Price share_of_hold = or_value(oms::notional(order.reserve_per_share, quantity, Rounding::up), order.reserved);
    Price release = done ? order.reserved : std::min(order.reserved, share_of_hold);
    order.reserved = or_value(order.reserved.minus(release), Price{});
    account_.held_for_orders = or_value(account_.held_for_orders.minus(release), Price{});
    account_.cash = or_value(account_.cash.minus(cost), account_.cash);
    Price held_cost = or_value(oms::notional(pos.average_buy_price, pos.quantity), Price{});
    Quantity new_qty = or_value(pos.quantity.plus(quantity), pos.quantity);
    Price total_cost = or_value(held_cost.plus(cost), cost);
    pos.average_buy_price =
        or_value(total_cost.scaled(Quantity::kOne, new_qty.units(), Rounding::half_up), pos.average_buy_price);
    pos.quantity = new_qty;
    pos.held_for_buys = or_value(pos.held_for_buys.minus(quantity), Quantity{});
  } else {
    account_.cash = or_value(account_.cash.plus(cost), account_.cash);
    pos.quantity = or_value(pos.quantity.minus(quantity), Quantity{});
    pos.held_for_sells = or_value(pos.held_for_sells.minus(quantity), Quantity{});
    if (pos.quantity.is_zero()) pos.average_buy_price = Price{};
  }
  pos.updated_at = account_.updated_at = now;
  log("rh-sim order " + order.id + " fill " + quantity.to_string() + " @ " + price.to_string() +
      " -> " + state_name(order.state));
}

void Broker::close(Order& order, OrderState state, Timestamp now) {
  if (!order.open()) return;
  Quantity left = order.remaining();
  auto it = account_.positions.find(order.symbol);
  if (order.side == "buy") {
    account_.held_for_orders = or_value(account_.held_for_orders.minus(order.reserved), Price{});
    order.reserved = Price{};
    if (it != account_.positions.end())
      it->second.held_for_buys = or_value(it->second.held_for_buys.minus(left), Quantity{});
  } else if (it != account_.positions.end()) {
    it->second.held_for_sells = or_value(it->second.held_for_sells.minus(left), Quantity{});
  }
  order.state = state;
  order.updated_at = now;
  account_.updated_at = now;
  log("rh-sim order " + order.id + " -> " + state_name(state));
}

json::object Broker::order_json(const Order& o) const {
  auto money = [](const std::optional<Price>& p) -> json::value {
    return p ? json::value(p->to_broker_string()) : json::value(nullptr);
  };
  Price executed;
  json::array executions;
  for (const Execution& e : o.executions) {
    Price cost = or_value(oms::notional(e.price, e.quantity), Price{});
    executed = or_value(executed.plus(cost), executed);
    executions.push_back(json::object{{"id", e.id},
                                      {"price", e.price.to_broker_string()},
                                      {"quantity", e.quantity.to_broker_string()},
                                      {"rounded_notional", cost.to_string(2)},
                                      {"settlement_date", settlement_date(e.at)},
                                      {"timestamp", oms::format_iso8601(e.at)}});
  }
  std::optional<Price> average;
  if (!o.cumulative.is_zero())
    average = executed.scaled(Quantity::kOne, o.cumulative.units(), Rounding::half_up).value();
  Price total = o.price ? or_value(oms::notional(*o.price, o.quantity), Price{}) : o.reserved;
  std::string url = order_url(o.id);
  auto notional_json = [](Price p) {
    return json::object{{"amount", p.to_string(2)}, {"currency_code", "USD"},
                        {"currency_id", "1072fc76-1862-41ab-82c2-485837590762"}};
  };
  json::object j{
      {"id", o.id},
      {"ref_id", o.ref_id.empty() ? json::value(nullptr) : json::value(o.ref_id)},
      {"url", url},
      {"account", account_url()},
      {"position", base_url_ + "/positions/" + account_.number + "/" + o.instrument_id + "/"},
      {"instrument", instrument_url(o.instrument_id)},
      {"instrument_id", o.instrument_id},
      {"cancel", o.open() ? json::value(url + "cancel/") : json::value(nullptr)},
      {"state", state_name(o.state)},
      {"derived_state", state_name(o.state)},
      {"side", o.side},
      {"type", o.type},
      {"trigger", o.trigger},
      {"time_in_force", o.time_in_force},
      {"price", money(o.price)},
      {"stop_price", money(o.stop_price)},
      {"quantity", o.quantity.to_broker_string()},
      {"cumulative_quantity", o.cumulative.to_broker_string()},
      {"average_price", money(average)},
      {"fees", "0.00"},
      {"executions", executions},
      {"reject_reason", o.reject_reason ? json::value(*o.reject_reason) : json::value(nullptr)},
      {"response_category", o.state == OrderState::rejected ? json::value("unknown") : json::value(nullptr)},
      {"extended_hours", o.extended_hours},
      {"market_hours", o.market_hours},
      {"created_at", oms::format_iso8601(o.created_at)},
      {"updated_at", oms::format_iso8601(o.updated_at)},
      {"last_transaction_at", oms::format_iso8601(o.last_transaction_at)},
      {"user_cancel_request_state", o.cancel_at ? "cancel_requested" : "no_cancel_requested"},
      {"total_notional", notional_json(total)},
      {"executed_notional", o.executions.empty() ? json::value(nullptr) : json::value(notional_json(executed))},
      {"dollar_based_amount", nullptr},
      {"preset_percent_limit", o.preset_percent_limit ? json::value(o.preset_percent_limit->to_string())
                                                      : json::value(nullptr)},
      {"order_form_version", o.order_form_version.empty() ? json::value(nullptr)
                                                          : json::value(std::atoi(o.order_form_version.c_str()))},
      {"stop_triggered_at", nullptr},
      {"override_day_trade_checks", false},
      {"override_dtbp_checks", false}};
  return j;
}

std::string Broker::order_url(const std::string& id) const { return base_url_ + "/orders/" + id + "/"; }
std::string Broker::account_url() const { return base_url_ + "/accounts/" + account_.number + "/"; }
std::string Broker::instrument_url(const std::string& id) const { return base_url_ + "/instruments/" + id + "/"; }

}  // namespace rhsim
