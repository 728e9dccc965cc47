#include "messages/money.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace oms;

namespace {
Price price(std::string_view s) { return Price::parse(s, Sign::any).value(); }
money_errc error_of(std::string_view text, Sign sign = Sign::non_negative, int max_decimals = 8) {
  auto r = Price::parse(text, sign, max_decimals);
  REQUIRE_FALSE(r.has_value());
  return static_cast<money_errc>(r.error().value());
}
}  // namespace

TEST_CASE("decimal text round-trips exactly") {
  for (std::string_view s : {"0", "249.93", "0.0001", "250.3", "1", "92233720368.54775807",
                             "0.00000001", "100000", "12.5"}) {
    CAPTURE(s);
    CHECK(Price::parse(s).value().to_string() == s);
  }
  CHECK(price("-1.5").to_string() == "-1.5");
  CHECK(price("-92233720368.54775808").to_string() == "-92233720368.54775808");
}

TEST_CASE("units are counts of 1e-8") {
  CHECK(price("249.93").units() == 24'993'000'000);
  CHECK(price("0.0001").units() == 10'000);
  CHECK(price("007.10").units() == 710'000'000);
}

TEST_CASE("printing keeps a requested minimum of decimals and the broker's 8") {
  CHECK(price("250.3").to_string(2) == "250.30");
  CHECK(price("250").to_string(2) == "250.00");
  CHECK(price("0.0001").to_string(2) == "0.0001");
  CHECK(price("249.93").to_broker_string() == "249.93000000");
  CHECK(Quantity::parse("50").value().to_broker_string() == "50.00000000");
}

TEST_CASE("malformed decimals are refused with the reason") {
  CHECK(error_of("") == money_errc::empty);
  CHECK(error_of("abc") == money_errc::not_a_number);
  CHECK(error_of("1e5") == money_errc::exponent);
  CHECK(error_of("1E-3") == money_errc::exponent);
  CHECK(error_of("-0.001") == money_errc::negative);
  CHECK(error_of("1.123456789") == money_errc::too_many_decimals);
  CHECK(error_of("1.234", Sign::non_negative, 2) == money_errc::too_many_decimals);
  CHECK(error_of("92233720369") == money_errc::overflow);
  CHECK(error_of("99999999999999999999999999") == money_errc::overflow);
  for (std::string_view s : {"1.", ".5", "+1", " 1", "1 ", "1.2.3", "--1", "-", "1,5", "0x10", "nan", "inf"}) {
    CAPTURE(s);
    CHECK_FALSE(Price::parse(s, Sign::any).has_value());
  }
}

TEST_CASE("trailing zeros beyond 8 decimals carry no precision and are accepted") {
  CHECK(price("1.5000000000").to_string() == "1.5");
}

TEST_CASE("the error message names the rule") {
  CHECK(Price::parse("1e5").error().message().find("exponent") != std::string::npos);
  CHECK(Price::parse("-1").error().message().find("negative") != std::string::npos);
}

TEST_CASE("checked arithmetic reports overflow instead of wrapping") {
  auto max = Price::from_units(std::numeric_limits<std::int64_t>::max());
  CHECK_FALSE(max.plus(Price::from_units(1)).has_value());
  CHECK_FALSE(Price::from_units(std::numeric_limits<std::int64_t>::min()).minus(Price::from_units(1)).has_value());
  CHECK(price("250.30").minus(price("0.37")).value() == price("249.93"));
  CHECK(price("252.10").plus(price("0.04")).value() == price("252.14"));
  CHECK_FALSE(max.scaled(2, 1, Rounding::down).has_value());
  CHECK_FALSE(Quantity::from_whole(std::numeric_limits<std::int64_t>::max()).has_value());
}

TEST_CASE("scaling rounds in the direction asked") {
  // 250.30 × 15 / 10000 = 0.375450 exactly.
  CHECK(price("250.30").scaled(15, 10'000, Rounding::down).value() == price("0.37545"));
  CHECK(price("1").scaled(1, 3, Rounding::down).value() == price("0.33333333"));
  CHECK(price("1").scaled(1, 3, Rounding::up).value() == price("0.33333334"));
  CHECK(price("-1").scaled(1, 3, Rounding::down).value() == price("-0.33333334"));
  CHECK(price("-1").scaled(1, 3, Rounding::toward_zero).value() == price("-0.33333333"));
  CHECK(price("1").scaled(1, 2, Rounding::half_up).value() == price("0.5"));
  CHECK(price("0.00000001").scaled(1, 2, Rounding::half_up).value() == price("0.00000001"));
  CHECK(price("1").scaled(1, -4, Rounding::down).value() == price("-0.25"));
  CHECK_FALSE(price("1").scaled(1, 0, Rounding::down).has_value());
}

TEST_CASE("rounding to a tick moves toward the side asked") {
  auto cent = price("0.01");
  CHECK(price("249.92455").round_to(cent, Rounding::up).value() == price("249.93"));
  CHECK(price("249.92455").round_to(cent, Rounding::down).value() == price("249.92"));
  CHECK(price("249.93").round_to(cent, Rounding::up).value() == price("249.93"));
  CHECK(price("0.12345").round_to(price("0.0001"), Rounding::down).value() == price("0.1234"));
  CHECK_FALSE(price("1").round_to(Price{}, Rounding::down).has_value());
}

TEST_CASE("notional is price times quantity") {
  CHECK(notional(price("249.93"), Quantity::parse("50").value()).value() == price("12496.5"));
  CHECK(notional(price("0.0001"), Quantity::parse("3").value()).value() == price("0.0003"));
  CHECK_FALSE(notional(price("90000000000"), Quantity::parse("2").value()).has_value());
}

TEST_CASE("decimals() counts the digits needed to print exactly") {
  CHECK(price("249.93").decimals() == 2);
  CHECK(price("250").decimals() == 0);
  CHECK(price("0.0001").decimals() == 4);
  CHECK(price("0.00000001").decimals() == 8);
}

TEST_CASE("money converts to and from JSON without a double") {
  boost::json::value v = boost::json::value_from(price("249.93"));
  CHECK(v.as_string() == "249.93");
  CHECK(boost::json::value_from(Quantity::parse("50").value()).as_string() == "50");
  CHECK(boost::json::try_value_to<Price>(boost::json::value("0.0001")).value() == price("0.0001"));
  CHECK(boost::json::try_value_to<Quantity>(boost::json::value(50)).value() == Quantity::parse("50").value());
  CHECK_FALSE(boost::json::try_value_to<Price>(boost::json::value(249.93)).has_value());
  CHECK_FALSE(boost::json::try_value_to<Price>(boost::json::value(nullptr)).has_value());
  CHECK_FALSE(boost::json::try_value_to<Price>(boost::json::value(-5)).has_value());
  CHECK_FALSE(boost::json::try_value_to<Price>(boost::json::value("1e5")).has_value());
}
