#include "gateway/paper_broker.hpp"
#include "gateway/ids.hpp"
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/defer.hpp>
#include <boost/asio/dispatch.hpp>

#include <cstdio>
#include <functional>
#include <map>
#include <unordered_map>
#include <vector>

namespace oms::gateway {
namespace asio = boost::asio;
using runtime::awaitable;

namespace {

constexpr std::string_view kInstrumentPrefix = "paper://instruments/";

template <class T>
BrokerResult<T> ok(T value) {
  return BrokerResult<T>(boost::system::in_place_value, std::move(value));
}

BrokerError refused(ErrorKind kind, std::string detail, int http_status) {
  return BrokerError{FailureClass::permanent, kind, http_status, std::move(detail), 1};
}

// Paper balances are far from int64 limits; should arithmetic ever overflow, keep the old value.
template <class T>
T or_keep(result<T> r, T previous) {
  return r ? *r : previous;
}

std::string money_text(const std::optional<Price>& p) { return p ? p->to_string(2) : std::string(); }

}  // namespace

struct PaperBroker::State {
  State(runtime::Runtime& rt, PaperOptions o) : rt(rt), options(std::move(o)), buying_power(options.buying_power) {
    if (options.run_id.empty()) {
      auto uuid = new_ref_id();  // version 4: its first 12 hex digits are random
      options.run_id = uuid.substr(0, 8) + uuid.substr(9, 4);
    }
  }

  struct Paper {
    BrokerOrder order;
    std::string symbol;
  };

  runtime::Runtime& rt;
  PaperOptions options;
  Price buying_power;                        // less what open buys reserve and fills spent
  std::map<std::string, Price> market;       // symbol → model price
  // id → order, and the orders in placement order (the listing's order, newest last). Hashed:
  // with thousands of orders an ordered map's key compares (ids share a 19-character prefix)
  // were the paper order path's largest cost. An unordered_map never moves its elements.
  std::unordered_map<std::string, Paper> orders;
  std::vector<const Paper*> placed;
  std::unordered_map<std::string, std::string> by_ref;  // ref_id → id: a retried intent finds its order
  std::map<std::string, Quantity> holdings;  // symbol → shares

  // Resting limit orders per symbol in price priority, so that a market move looks only at the
  // orders it reaches (a scan of every order made each placement cost O(orders)).
  struct Book {
    std::multimap<Price, std::string, std::greater<>> buys;  // highest limit first
    std::multimap<Price, std::string> sells;                  // lowest limit first
  };
  std::map<std::string, Book, std::less<>> books;
  std::uint64_t next_id = 1;
  std::uint64_t next_execution = 1;
  bool closed = false;

  Timestamp now() const { return rt.clock().now(); }

  std::string new_order_id() {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%08llu", static_cast<unsigned long long>(next_id++));
    return "paper-" + options.run_id + "-" + buf;
  }

  // A copy of the order as the broker would answer it, with its raw payload. The payload is built
  // here, when an order leaves the broker, not kept beside each stored order and rebuilt at every
  // change: the stored copy was copied again into every answer.
  static BrokerOrder snapshot(const Paper& p) {
    BrokerOrder o = p.order;
    o.raw = boost::json::object{{"id", o.id},
                                {"ref_id", o.ref_id.value_or("")},
                                {"symbol", p.symbol},
                                {"side", o.side == Side::buy ? "buy" : "sell"},
                                {"type", o.type},
                                {"state", o.state},
                                {"price", money_text(o.price)},
                                {"quantity", o.quantity.to_string()},
                                {"cumulative_quantity", o.cumulative_quantity.to_string()},
                                {"average_price", money_text(o.average_price)},
                                {"updated_at", format_iso8601(o.updated_at)},
                                {"mode", "paper"}};
    return o;
  }

  // Fills the whole order at `price`; a buy's reserved buying power becomes spent at the fill price.
  void fill(Paper& p, Price price) {
    auto& o = p.order;
    Execution e;
    e.id = "paper-exec-" + options.run_id + "-" + std::to_string(next_execution++);
    e.price = price;
    e.quantity = o.quantity;
    e.timestamp = now();
    o.executions.push_back(e);
    o.cumulative_quantity = o.quantity;
    o.average_price = price;
    o.state = "filled";
    o.cancel_url.reset();
    o.updated_at = e.timestamp;
    auto& held = holdings[p.symbol];
    if (o.side == Side::buy) {
      release_reservation(o);
      if (auto cost = notional(price, o.quantity)) buying_power = or_keep(buying_power.minus(*cost), buying_power);
      held = or_keep(held.plus(o.quantity), held);
    } else {
      if (auto proceeds = notional(price, o.quantity)) buying_power = or_keep(buying_power.plus(*proceeds), buying_power);
      held = or_keep(held.minus(o.quantity), held);
    }
  }

  void release_reservation(const BrokerOrder& o) {
    if (o.side != Side::buy || !o.price) return;
    if (auto reserved = notional(*o.price, o.quantity)) buying_power = or_keep(buying_power.plus(*reserved), buying_power);
  }

  static bool reached(const BrokerOrder& o, Price market) {
    return o.side == Side::buy ? market <= *o.price : market >= *o.price;
  }

  void move_market(const std::string& symbol, Price price) {
    market[symbol] = price;
    auto book = books.find(symbol);
    if (book == books.end()) return;
    fill_reached(book->second.buys, price);
    fill_reached(book->second.sells, price);
  }

  // Fills, best limit first, every order of one side of a book that `price` reaches.
  template <class BookSide>
  void fill_reached(BookSide& side, Price price) {
    while (!side.empty()) {
      auto& p = orders.at(side.begin()->second);
      if (!reached(p.order, price)) return;
      side.erase(side.begin());
      fill(p, *p.order.price);
    }
  }

  void rest(const Paper& p) {
    auto& book = books[p.symbol];
    if (p.order.side == Side::buy) book.buys.emplace(*p.order.price, p.order.id);
    else book.sells.emplace(*p.order.price, p.order.id);
  }

  void unrest(const Paper& p) {
    auto book = books.find(p.symbol);
    if (book == books.end()) return;
    auto drop = [&](auto& side) {
      auto [first, last] = side.equal_range(*p.order.price);
      for (auto it = first; it != last; ++it)
        if (it->second == p.order.id) {
          side.erase(it);
          return;
        }
    };
    if (p.order.side == Side::buy) drop(book->second.buys);
    else drop(book->second.sells);
  }

  BrokerResult<PlacedOrder> place(OrderIntent intent) {
    if (closed) return refused(ErrorKind::cancelled, "the paper broker is closed", 0);
    if (auto known = by_ref.find(intent.ref_id); known != by_ref.end())
      return ok(PlacedOrder{snapshot(orders.at(known->second)), 0, true});
    bool immediate = intent.type != OrderType::limit;
    Price price = immediate && intent.reference_price ? *intent.reference_price : intent.limit_price;
    if (intent.side == Side::buy) {
      auto cost = notional(price, intent.quantity);
      if (!cost || *cost > buying_power)
        return refused(ErrorKind::insufficient_funds,
                       "You can only purchase a smaller quantity of " + intent.symbol + " (paper buying power).", 400);
      buying_power = or_keep(buying_power.minus(*cost), buying_power);
    }
    Paper p;
    auto& o = p.order;
    p.symbol = intent.symbol;
    o.id = new_order_id();
    o.ref_id = intent.ref_id;
    o.url = "paper://orders/" + o.id;
    o.account = options.account_number;
    o.instrument = std::string(kInstrumentPrefix) + intent.symbol;
    o.cancel_url = o.url + "/cancel";
    o.side = intent.side;
    o.type = immediate ? "market" : "limit";
    o.state = "confirmed";
    o.time_in_force = intent.time_in_force == TimeInForce::gtc ? "gtc" : "gfd";
    o.price = price;
    o.quantity = intent.quantity;
    o.created_at = o.updated_at = now();
    by_ref[intent.ref_id] = o.id;
    auto& stored = orders[o.id] = std::move(p);
    placed.push_back(&stored);
    if (immediate) {
      fill(stored, price);
    } else {
      rest(stored);
      if (intent.reference_price) move_market(intent.symbol, *intent.reference_price);
    }
    return ok(PlacedOrder{snapshot(stored), 1, false});
  }

  BrokerResult<void> cancel(const std::string& id) {
    auto it = orders.find(id);
    if (it == orders.end() || it->second.order.state != "confirmed")
      return refused(ErrorKind::not_found, "order " + id + " is not open", 404);
    auto& o = it->second.order;
    unrest(it->second);
    release_reservation(o);
    o.state = "cancelled";
    o.cancel_url.reset();
    o.updated_at = now();
    return {};
  }

  std::vector<BrokerOrder> list(bool open_only, std::optional<Timestamp> since) const {
    std::vector<BrokerOrder> out;
    for (auto it = placed.rbegin(); it != placed.rend(); ++it) {  // newest first, as the broker lists
      const auto& o = (*it)->order;
      if (open_only && o.state != "confirmed") continue;
      if (since && o.updated_at < *since) continue;
      out.push_back(snapshot(**it));
    }
    return out;
  }
};

namespace {
using State = PaperBroker::State;

// Each operation runs on the broker's strand (state is touched nowhere else) and holds the
// state alive while it does. An operation never waits, so there is nothing to cancel: one hop to
// the strand and one back to the caller, not a coroutine spawned per call (run_on), which was
// about a tenth of a paper order's CPU. Both hops are deferred: from a runtime thread they stay
// on it (see Actor::enqueue); from elsewhere they are posted.
template <class F>
auto on_strand(const runtime::strand_type& strand, std::shared_ptr<State> state, F op) {
  using Result = decltype(op(*state));
  auto initiate = [](auto handler, runtime::strand_type on, std::shared_ptr<State> st, F f) {
    asio::defer(on, [handler = std::move(handler), st = std::move(st), f = std::move(f)]() mutable {
      Result result = f(*st);
      auto back = asio::get_associated_executor(handler);
      asio::defer(back, [handler = std::move(handler), result = std::move(result)]() mutable {
        std::move(handler)(std::move(result));
      });
    });
  };
  return asio::async_initiate<const decltype(runtime::use_awaitable)&, void(Result)>(
      std::move(initiate), runtime::use_awaitable, strand, std::move(state), std::move(op));
}

}  // namespace

PaperBroker::PaperBroker(runtime::Runtime& rt, PaperOptions options, std::string name)
    : Actor(rt, std::move(name)), state_(std::make_shared<State>(rt, std::move(options))) {}

PaperBroker::~PaperBroker() = default;

awaitable<BrokerResult<Account>> PaperBroker::account() {
  return on_strand(strand(), state_, [](State& s) {
    Account a;
    a.url = "paper://accounts/" + s.options.account_number;
    a.account_number = s.options.account_number;
    a.buying_power = s.buying_power;
    a.cash = s.buying_power;
    a.raw = boost::json::object{{"account_number", a.account_number}, {"buying_power", a.buying_power.to_string(2)}};
    return ok(std::move(a));
  });
}

awaitable<BrokerResult<std::vector<std::optional<Quote>>>> PaperBroker::quotes(std::vector<std::string> symbols) {
  return on_strand(strand(), state_, [symbols = std::move(symbols)](State& s) {
    std::vector<std::optional<Quote>> out;
    for (const auto& symbol : symbols) {
      auto it = s.market.find(symbol);
      if (it == s.market.end()) {
        out.emplace_back();
        continue;
      }
      Quote q;
      q.symbol = symbol;
      q.bid = q.ask = q.last_trade_price = it->second;
      q.updated_at = s.now();
      out.push_back(std::move(q));
    }
    return ok(std::move(out));
  });
}

awaitable<BrokerResult<PlacedOrder>> PaperBroker::place_limit_order(OrderIntent intent) {
  return on_strand(strand(), state_, [intent = std::move(intent)](State& s) { return s.place(intent); });
}

awaitable<BrokerResult<BrokerOrder>> PaperBroker::get_order(std::string order_id) {
  return on_strand(strand(), state_, [order_id = std::move(order_id)](State& s) -> BrokerResult<BrokerOrder> {
    auto it = s.orders.find(order_id);
    if (it == s.orders.end()) return refused(ErrorKind::not_found, "no paper order " + order_id, 404);
    return ok(State::snapshot(it->second));
  });
}

awaitable<BrokerResult<std::vector<BrokerOrder>>> PaperBroker::list_orders(std::optional<Timestamp> since) {
  return on_strand(strand(), state_, [since](State& s) { return ok(s.list(false, since)); });
}

awaitable<BrokerResult<std::vector<BrokerOrder>>> PaperBroker::list_open_orders() {
  return on_strand(strand(), state_, [](State& s) { return ok(s.list(true, std::nullopt)); });
}

awaitable<BrokerResult<std::optional<BrokerOrder>>> PaperBroker::find_by_ref_id(std::string ref_id, Timestamp) {
  return on_strand(strand(), state_, [ref_id = std::move(ref_id)](State& s) {
    std::optional<BrokerOrder> found;
    if (auto it = s.by_ref.find(ref_id); it != s.by_ref.end()) found = State::snapshot(s.orders.at(it->second));
    return ok(std::move(found));
  });
}

awaitable<BrokerResult<void>> PaperBroker::cancel_order(std::string order_id) {
  return on_strand(strand(), state_, [order_id = std::move(order_id)](State& s) { return s.cancel(order_id); });
}

awaitable<BrokerResult<std::vector<Position>>> PaperBroker::positions() {
  return on_strand(strand(), state_, [](State& s) {
    std::vector<Position> out;
    for (const auto& [symbol, quantity] : s.holdings) {
      if (quantity.is_zero()) continue;
      Position p;
      p.instrument = std::string(kInstrumentPrefix) + symbol;
      p.quantity = quantity;
      p.raw = boost::json::object{{"symbol", symbol}, {"quantity", quantity.to_string()}};
      out.push_back(std::move(p));
    }
    return ok(std::move(out));
  });
}

awaitable<std::optional<std::string>> PaperBroker::symbol_for_instrument(std::string instrument_url) {
  std::optional<std::string> symbol;
  if (instrument_url.starts_with(kInstrumentPrefix)) symbol = instrument_url.substr(kInstrumentPrefix.size());
  co_return symbol;
}

void PaperBroker::close() {
  boost::asio::dispatch(strand(), [state = state_] { state->closed = true; });
}

awaitable<void> PaperBroker::set_market_price(std::string symbol, Price price) {
  auto move = [symbol = std::move(symbol), price](State& s) {
    s.move_market(symbol, price);
    return true;
  };
  // Named first: GCC 12 miscompiles a lambda inside a co_await expression.
  auto pending = on_strand(strand(), state_, std::move(move));
  co_await std::move(pending);
}

}  // namespace oms::gateway
