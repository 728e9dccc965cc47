// Behaviour of the pure core that the main suites leave unexercised (found by `make coverage`).
#include "actors/journal_file.hpp"
#include "actors/pricing.hpp"
#include "config/exact_json.hpp"
#include "messages/money.hpp"
#include "messages/submission.hpp"
#include "messages/time.hpp"

#include <doctest/doctest.h>

#include <boost/json/value.hpp>

#include <unistd.h>

#include <filesystem>
#include <limits>
#include <set>
#include <stdexcept>

using namespace oms;

TEST_CASE("every money error has its own message, under the category name 'money'") {
  std::set<std::string> messages;
  for (auto e : {money_errc::empty, money_errc::not_a_number, money_errc::exponent, money_errc::negative,
                 money_errc::too_many_decimals, money_errc::overflow, money_errc::division_by_zero,
                 money_errc::not_json_decimal}) {
    auto ec = make_error_code(e);
    CHECK(std::string(ec.category().name()) == "money");
    CHECK(messages.insert(ec.message()).second);
  }
  CHECK(make_error_code(money_errc::empty).message().find("249.93") != std::string::npos);
  CHECK(make_error_code(money_errc::division_by_zero).message() == "divides by zero");
}

TEST_CASE("a JSON integer beyond the signed 64-bit range is an overflow, not a wrapped quantity") {
  boost::json::value huge(std::numeric_limits<std::uint64_t>::max());
  auto q = fixed_from_json<QuantityTag>(huge);
  REQUIRE_FALSE(q.has_value());
  CHECK(q.error() == make_error_code(money_errc::overflow));
}

TEST_CASE("exact JSON keeps nulls, escaped strings and integers beyond int64") {
  auto v = config::parse_exact_json(R"({"a\"b": "caf\u00e9 \"x\"", "none": null, "big": 18446744073709551615})");
  REQUIRE(v.has_value());
  const auto& o = v->as_object();
  CHECK(o.at("a\"b").as_string() == "caf\xc3\xa9 \"x\"");
  CHECK(o.at("none").is_null());
  REQUIRE(o.at("big").is_uint64());
  CHECK(o.at("big").as_uint64() == std::numeric_limits<std::uint64_t>::max());
}

TEST_CASE("a time zone offset of 24 hours or more is refused") {
  CHECK_FALSE(parse_iso8601("2026-11-24T18:05:15+24:00").has_value());
  CHECK_FALSE(parse_iso8601("2026-11-24T18:05:15+01:60").has_value());
  CHECK(parse_iso8601("2026-11-24T18:05:15+23:59").has_value());
}

TEST_CASE("value() of a failed check throws invalid_argument naming the field") {
  auto price = pricing::compute_limit_price(Side::buy, Price{}, config::PriceOffsetConfig{});
  REQUIRE_FALSE(price.has_value());
  try {
    (void)price.value();
    FAIL("value() of an error must throw");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) == price.error().to_string());
  }
}

TEST_CASE("a submission error reads field: message — guidance, leaving out the empty parts") {
  SubmissionError e;
  e.message = "must be positive";
  CHECK(e.to_string() == "must be positive");
  e.field = "quantity";
  CHECK(e.to_string() == "quantity: must be positive");
  e.guidance = "send a whole number of shares";
  CHECK(e.to_string() == "quantity: must be positive — send a whole number of shares");
}

TEST_CASE("move-assigning a journal file closes the old one and appends to the moved file") {
  auto dir = std::filesystem::temp_directory_path() / ("oms-coverage-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto first = journal::JournalFile::open((dir / "a.jsonl").string());
  auto second = journal::JournalFile::open((dir / "b.jsonl").string());
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  *first = std::move(*second);
  CHECK(first->path() == (dir / "b.jsonl").string());
  CHECK_FALSE(first->append(boost::json::object{{"kind", "intent"}}));
  CHECK(journal::JournalFile::read_all((dir / "a.jsonl").string()).empty());
  auto records = journal::JournalFile::read_all((dir / "b.jsonl").string());
  REQUIRE(records.size() == 1);
  CHECK(records[0].at("kind").as_string() == "intent");
  std::filesystem::remove_all(dir);
}
