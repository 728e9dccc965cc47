#pragma once
/// The simulated market: instruments and a top-of-book quote per symbol.
#include "apps/rh-sim/options.hpp"
#include "apps/rh-sim/util.hpp"
#include "messages/money.hpp"
#include "messages/time.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rhsim {

/// An equity as /instruments/ describes it.
struct Instrument {
  std::string symbol;
  std::string id;                       ///< stable UUID derived from the symbol
  std::optional<oms::Price> min_tick;   ///< null for almost every stock, as on Robinhood
  bool tradeable = true;
};

/// Top of book; bid < ask, both on the price's tick grid.
struct Quote {
  oms::Price bid, ask, last, previous_close;
  oms::Timestamp updated_at{};
};

/// Symbols, their instruments and quotes; driven by a seeded random walk or set explicitly.
class Market {
 public:
  /// Replaces the universe. Unparseable prices are skipped.
  void reset(const std::vector<SymbolSpec>& universe, oms::Timestamp now);

  const Instrument* by_symbol(std::string_view symbol) const;
  const Instrument* by_id(std::string_view id) const;
  const Quote* quote(std::string_view symbol) const;
  const std::vector<Instrument>& instruments() const { return instruments_; }

  /// Sets the last price, bid and ask (one tick either side unless given); adds new symbols.
  /// False if bid > ask.
  bool set_price(std::string_view symbol, oms::Price last, std::optional<oms::Price> bid,
                 std::optional<oms::Price> ask, oms::Timestamp now);
  /// Moves every symbol's price a few ticks up or down.
  void walk(Rng& rng, oms::Timestamp now);
  /// Sets how an existing instrument trades; false for an unknown symbol.
  bool set_trading(std::string_view symbol, std::optional<oms::Price> min_tick, bool tradeable);
  /// The price grid of this instrument at this price: its min_tick_size when it has one.
  oms::Price tick_of(const Instrument& instrument, oms::Price price) const;

 private:
  std::size_t index_of(std::string_view symbol) const;
  std::vector<Instrument> instruments_;
  std::vector<Quote> quotes_;
};

/// The smallest price increment for this price: $0.01 at or above $1, $0.0001 below.
oms::Price tick_for(oms::Price price);

}  // namespace rhsim
