#include "apps/rh-sim/market.hpp"

namespace rhsim {
using oms::Price;

Price tick_for(Price price) {
  return price >= Price::from_units(Price::kOne) ? Price::from_units(Price::kOne / 100)
                                                 : Price::from_units(Price::kOne / 10'000);
}

void Market::reset(const std::vector<SymbolSpec>& universe, oms::Timestamp now) {
  instruments_.clear();
  quotes_.clear();
  for (const auto& spec : universe) {
    auto price = Price::parse(spec.price);
    if (!price || price->is_zero()) continue;
    std::optional<Price> tick;
    if (auto t = Price::parse(spec.min_tick_size); t && !t->is_zero()) tick = *t;
    instruments_.push_back({spec.symbol, stable_uuid(spec.symbol), tick, spec.tradeable});
    quotes_.push_back({});
    set_price(spec.symbol, *price, std::nullopt, std::nullopt, now);
    quotes_.back().previous_close = quotes_.back().last;
  }
}

bool Market::set_trading(std::string_view symbol, std::optional<Price> min_tick, bool tradeable) {
  std::size_t i = index_of(symbol);
  if (i == instruments_.size()) return false;
  instruments_[i].min_tick = min_tick;
  instruments_[i].tradeable = tradeable;
  return true;
}

Price Market::tick_of(const Instrument& instrument, Price price) const {
  return instrument.min_tick ? *instrument.min_tick : tick_for(price);
}

std::size_t Market::index_of(std::string_view symbol) const {
  for (std::size_t i = 0; i < instruments_.size(); ++i)
    if (instruments_[i].symbol == symbol) return i;
  return instruments_.size();
}

const Instrument* Market::by_symbol(std::string_view symbol) const {
  std::size_t i = index_of(symbol);
  return i < instruments_.size() ? &instruments_[i] : nullptr;
}

const Instrument* Market::by_id(std::string_view id) const {
  for (const auto& instrument : instruments_)
    if (instrument.id == id) return &instrument;
  return nullptr;
}

const Quote* Market::quote(std::string_view symbol) const {
  std::size_t i = index_of(symbol);
  return i < quotes_.size() ? &quotes_[i] : nullptr;
}

bool Market::set_price(std::string_view symbol, Price last, std::optional<Price> bid,
                       std::optional<Price> ask, oms::Timestamp now) {
  std::size_t i = index_of(symbol);
  Price tick = i < instruments_.size() ? tick_of(instruments_[i], last) : tick_for(last);
  Price b = bid ? *bid : or_value(last.minus(tick), last);
  Price a = ask ? *ask : or_value(last.plus(tick), last);
  if (b > a) return false;
  if (i == instruments_.size()) {
    instruments_.push_back({std::string(symbol), stable_uuid(symbol), std::nullopt, true});
    quotes_.push_back({b, a, last, last, now});
    return true;
  }
  quotes_[i].bid = b;
  quotes_[i].ask = a;
  quotes_[i].last = last;
  quotes_[i].updated_at = now;
  return true;
}

void Market::walk(Rng& rng, oms::Timestamp now) {
  for (std::size_t i = 0; i < quotes_.size(); ++i) {
    Quote& q = quotes_[i];
    Price tick = tick_of(instruments_[i], q.last);
    // -3..+3 ticks per step: small enough to keep limits near the touch interesting.
    auto steps = static_cast<std::int64_t>(rng.below(7)) - 3;
    auto moved = q.last.plus(Price::from_units(tick.units() * steps));
    if (!moved || moved->units() <= tick.units() * 2) continue;
    set_price(instruments_[i].symbol, *moved, std::nullopt, std::nullopt, now);
  }
}

}  // namespace rhsim
