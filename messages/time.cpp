#include "messages/time.hpp"

#include <boost/system/errc.hpp>

#include <cstdio>

namespace oms {
namespace {

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

boost::system::error_code bad_time() {
  return make_error_code(boost::system::errc::invalid_argument);
}

}  // namespace

std::string format_iso8601(Timestamp t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<microseconds> hms{t - day};
  int y = static_cast<int>(ymd.year());
  if (y >= 0 && y <= 9999) {  // every stamp the product makes; written by hand, snprintf cost more
    auto micros = static_cast<long>(hms.subseconds().count());
    std::string out = "0000-00-00T00:00:00.000000Z";
    auto put = [&out](std::size_t at, long value, int width) {
      for (int i = width - 1; i >= 0; --i, value /= 10) out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    };
    put(0, y, 4);
    put(5, static_cast<unsigned>(ymd.month()), 2);
    put(8, static_cast<unsigned>(ymd.day()), 2);
    put(11, hms.hours().count(), 2);
    put(14, hms.minutes().count(), 2);
    put(17, hms.seconds().count(), 2);
    put(20, micros, 6);
    return out;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06ldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()),
                static_cast<long>(hms.subseconds().count()));
  return buf;
}

boost::system::result<Timestamp> parse_iso8601(std::string_view s) {
  using namespace std::chrono;
  int y, mo, d, h, mi, sec;
  if (!read_int(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !read_int(s, 5, 2, mo) ||
      s[7] != '-' || !read_int(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') ||
      !read_int(s, 11, 2, h) || s[13] != ':' || !read_int(s, 14, 2, mi) || s[16] != ':' ||
      !read_int(s, 17, 2, sec))
    return bad_time();
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return bad_time();
  std::size_t pos = 19;
  long micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) return bad_time();
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  int offset_minutes = 0;
  std::string_view zone = s.substr(pos);
  if (zone == "Z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh, om;
    if (!read_int(zone, 1, 2, oh) || !read_int(zone, 4, 2, om) || oh > 23 || om > 59)
      return bad_time();
    offset_minutes = (zone[0] == '+' ? 1 : -1) * (oh * 60 + om);
  } else {
    return bad_time();
  }
  Timestamp t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + microseconds{micros} -
                minutes{offset_minutes};
  // The offset may carry a year-0000 or year-9999 time outside what format_iso8601 writes back
  // (found by fuzz_money's sibling); refuse it so every accepted timestamp round-trips.
  auto utc_year = static_cast<int>(year_month_day{floor<days>(t)}.year());
  if (utc_year < 0 || utc_year > 9999) return bad_time();
  return t;
}

}  // namespace oms
