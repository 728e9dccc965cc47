#pragma once
/// One exact JSON codec for every described message struct: money as decimal strings, enums by
/// name, timestamps as ISO-8601. Decoding never throws: a bad field comes back as a FieldError
/// that names the field and the rule.
#include "messages/money.hpp"
#include "messages/time.hpp"

#include <boost/describe/enum.hpp>
#include <boost/describe/enum_from_string.hpp>
#include <boost/describe/enum_to_string.hpp>
#include <boost/describe/members.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace oms {

/// A rejected input: which field, which rule. Printed as "field: rule".
struct FieldError {
  std::string field;
  std::string rule;
  std::string to_string() const { return field.empty() ? rule : field + ": " + rule; }
};
/// A value or the field error that prevented it.
template <class T>
using checked = boost::system::result<T, FieldError>;
[[noreturn]] void throw_exception_from_error(const FieldError& e, const boost::source_location&);

namespace codec_detail {
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};
template <class T> struct is_fixed : std::false_type {};
template <class Tag> struct is_fixed<Fixed<Tag>> : std::true_type {};
inline std::string join(const std::string& path, const char* name) {
  return path.empty() ? std::string(name) : path + "." + name;
}
}  // namespace codec_detail

template <class T>
boost::json::object to_json_object(const T& v, std::size_t extra_fields = 0);

/// Encodes a described struct, enum, money, timestamp, optional, vector or plain value.
template <class T>
boost::json::value to_json(const T& v) {
  using namespace codec_detail;
  if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::string>) {
    return boost::json::value(v);
  } else if constexpr (std::is_integral_v<T>) {
    return boost::json::value(static_cast<std::int64_t>(v));
  } else if constexpr (std::is_enum_v<T>) {
    return boost::json::value(boost::describe::enum_to_string(v, "invalid"));
  } else if constexpr (is_fixed<T>::value) {
    return boost::json::value(v.to_string());
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    return boost::json::value(format_iso8601(v));
  } else if constexpr (std::is_same_v<T, boost::json::object> || std::is_same_v<T, boost::json::value>) {
    return boost::json::value(v);
  } else if constexpr (is_optional<T>::value) {
    return v ? to_json(*v) : boost::json::value(nullptr);
  } else if constexpr (is_vector<T>::value) {
    boost::json::array out;
    for (const auto& item : v) out.push_back(to_json(item));
    return out;
  } else {
    return to_json_object(v);
  }
}

/// A described struct's encoding as the object itself (`to_json(v).as_object()` would copy it),
/// with room for `extra_fields` more that the caller adds.
template <class T>
boost::json::object to_json_object(const T& v, std::size_t extra_fields) {
  using members = boost::describe::describe_members<T, boost::describe::mod_public>;
  boost::json::object out;
  out.reserve(boost::mp11::mp_size<members>::value + extra_fields);  // one table, no rehash as it fills
  boost::mp11::mp_for_each<members>([&](auto m) { out.emplace(m.name, to_json(v.*m.pointer)); });
  return out;
}

/// Decodes what to_json wrote. `path` prefixes field names in errors ("request.quantity").
template <class T>
checked<T> from_json(const boost::json::value& j, const std::string& path = {}) {
  using namespace codec_detail;
  auto fail = [&](const char* rule) -> checked<T> { return FieldError{path, rule}; };
  // Explicit: FieldError is an aggregate, so a bare T could convert to either side.
  auto ok = [](auto&& v) { return checked<T>(boost::system::in_place_value, std::forward<decltype(v)>(v)); };
  if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_bool()) return fail("must be true or false");
    return ok(j.get_bool());
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) return fail("must be a string");
    return ok(std::string(j.get_string()));
  } else if constexpr (std::is_integral_v<T>) {
    if (!j.is_int64()) return fail("must be an integer");
    return ok(static_cast<T>(j.get_int64()));
  } else if constexpr (std::is_enum_v<T>) {
    T out{};
    if (!j.is_string() || !boost::describe::enum_from_string(j.get_string().c_str(), out))
      return fail("is not one of the allowed names");
    return ok(out);
  } else if constexpr (is_fixed<T>::value) {
    auto r = fixed_from_json<typename T::tag_type>(j, Sign::any);
    if (!r) return FieldError{path, r.error().message()};
    return ok(*r);
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    if (!j.is_string()) return fail("must be an ISO-8601 timestamp string");
    auto t = parse_iso8601(j.get_string());
    if (!t) return fail("must be an ISO-8601 timestamp such as 2026-11-24T18:05:15.123456Z");
    return ok(*t);
  } else if constexpr (std::is_same_v<T, boost::json::value>) {
    return ok(j);
  } else if constexpr (std::is_same_v<T, boost::json::object>) {
    if (!j.is_object()) return fail("must be an object");
    return ok(j.get_object());
  } else if constexpr (is_optional<T>::value) {
    if (j.is_null()) return ok(T{});
    auto inner = from_json<typename T::value_type>(j, path);
    if (!inner) return inner.error();
    return ok(T{std::move(*inner)});
  } else if constexpr (is_vector<T>::value) {
    if (!j.is_array()) return fail("must be an array");
    T out;
    for (std::size_t i = 0; i < j.get_array().size(); ++i) {
      auto item = from_json<typename T::value_type>(j.get_array()[i], path + "[" + std::to_string(i) + "]");
      if (!item) return item.error();
      out.push_back(std::move(*item));
    }
    return ok(std::move(out));
  } else {
    if (!j.is_object()) return fail("must be an object");
    const auto& obj = j.get_object();
    T out{};
    std::optional<FieldError> error;
    using members = boost::describe::describe_members<T, boost::describe::mod_public>;
    boost::mp11::mp_for_each<members>([&](auto m) {
      if (error) return;
      using M = std::remove_cvref_t<decltype(out.*m.pointer)>;
      auto field = join(path, m.name);
      const auto* found = obj.if_contains(m.name);
      if (!found) {
        if constexpr (!is_optional<M>::value) error = FieldError{field, "is required"};
        return;
      }
      auto value = from_json<M>(*found, field);
      if (!value) error = value.error();
      else out.*m.pointer = std::move(*value);
    });
    if (error) return *error;
    return ok(std::move(out));
  }
}

}  // namespace oms
