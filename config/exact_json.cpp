#include "config/exact_json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <set>
#include <string>
#include <vector>

namespace oms::config {
namespace {

namespace json = boost::json;
using ec_t = boost::system::error_code;

// basic_parser handler that builds a value like json::parser does, except for doubles.
struct ExactHandler {
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  // One open object or array. json::value_stack keeps the last of two equal keys silently, so
  // a config with "mode":"live","mode":"paper" would run in paper mode: keys are checked here.
  struct Frame {
    bool object = false;
    std::string path;  // "order_management.retry"; "" for the document's top level
    std::set<std::string, std::less<>> keys;
    std::string last_key;
  };

  json::value_stack stack;
  std::string number;  // digits of a number split across input buffers
  std::string key;     // a key split across input buffers
  std::vector<Frame> frames;
  std::string duplicate_key;  // the dotted path of the first key seen twice in one object

  std::string child_path() const {
    if (frames.empty()) return {};
    const Frame& parent = frames.back();
    std::string name = parent.object ? parent.last_key : "[]";
    if (parent.path.empty()) return name;
    return parent.object ? parent.path + "." + name : parent.path + name;
  }
  void open(bool object) { frames.push_back(Frame{object, child_path(), {}, {}}); }

  bool on_document_begin(ec_t&) { stack.reset(); return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_array_begin(ec_t&) { open(false); return true; }
  bool on_array_end(std::size_t n, ec_t&) { frames.pop_back(); stack.push_array(n); return true; }
  bool on_object_begin(ec_t&) { open(true); return true; }
  bool on_object_end(std::size_t n, ec_t&) { frames.pop_back(); stack.push_object(n); return true; }
  bool on_string_part(json::string_view s, std::size_t, ec_t&) { stack.push_chars(s); return true; }
  bool on_string(json::string_view s, std::size_t, ec_t&) { stack.push_string(s); return true; }
  bool on_key_part(json::string_view s, std::size_t, ec_t&) {
    key.append(s.data(), s.size());
    stack.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, ec_t& ec) {
    key.append(s.data(), s.size());
    Frame& object = frames.back();
    if (!object.keys.insert(key).second) {
      duplicate_key = object.path.empty() ? key : object.path + "." + key;
      ec = make_error_code(boost::system::errc::invalid_argument);
      return false;
    }
    object.last_key = std::move(key);
    key.clear();
    stack.push_key(s);
    return true;
  }
  bool on_number_part(json::string_view s, ec_t&) { number.append(s.data(), s.size()); return true; }
  bool on_int64(std::int64_t i, json::string_view, ec_t&) { number.clear(); stack.push_int64(i); return true; }
  bool on_uint64(std::uint64_t u, json::string_view, ec_t&) { number.clear(); stack.push_uint64(u); return true; }
  // The parser's double is discarded on purpose: the number's source text is what we keep.
  bool on_double(double, json::string_view s, ec_t&) {
    number.append(s.data(), s.size());
    stack.push_string(number);
    number.clear();
    return true;
  }
  bool on_bool(bool b, ec_t&) { stack.push_bool(b); return true; }
  bool on_null(ec_t&) { stack.push_null(); return true; }
  bool on_comment_part(json::string_view, ec_t&) { return true; }
  bool on_comment(json::string_view, ec_t&) { return true; }
};

std::string position(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

boost::system::result<json::value> parse_exact_json(std::string_view text, std::string* where,
                                                    std::string* duplicate_key) {
  json::basic_parser<ExactHandler> parser(json::parse_options{});
  ec_t ec;
  std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = make_error_code(json::error::extra_data);
  if (ec) {
    if (where) *where = position(text, used);
    if (duplicate_key) *duplicate_key = parser.handler().duplicate_key;
    return ec;
  }
  return parser.handler().stack.release();
}

}  // namespace oms::config
