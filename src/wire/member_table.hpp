// Internal: the one description of every wire type. Each struct has one member table (wire name,
// pointer to member, presence; the wire form follows from the member's C++ type), and the same
// table drives the string encoder (botocore-identical bytes), the strict path-aware decoder and
// the Boost.JSON value_from conversion, so a member name is spelled exactly once.
//
// A wire form is a wire_form<T> specialisation with four static functions:
//   write(out, v)        appends the JSON of v (json_writer.hpp; never throws beyond bad_alloc)
//   read(jv, path, out)  decodes into out; throws system_error(errc::malformed_message) at path
//   to_value(v, sp)      the Boost.JSON form of v, allocated from sp
//   is_set(v)            false when an optional member holding v is left out of the message
// Forms for strings, integers, doubles, booleans, timestamps, lists, std::optional, enums (with a
// wire_enum table) and table-described structs live here; a type with a shape of its own (the
// entitlement value union, the filter map) specialises wire_form next to its table.
#pragma once

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "wire/json_reader.hpp"
#include "wire/json_writer.hpp"

namespace awsmp::detail {

/// How a member travels on the wire.
enum class presence {
  required,   ///< always written; decoding throws "missing required member" when absent or null
  defaulted,  ///< always written (0 and [] included); absent or null decodes as the default
  optional,   ///< written only when set (see wire_form::is_set); absent or null decodes as unset
};

/// One row of a member table: the wire name, the member and its presence (a type parameter,
/// so the encoder's branches fold away at compile time).
template <presence How, class Owner, class T>
struct member_row {
  static constexpr presence how = How;
  using owner_type = Owner;
  using value_type = T;
  std::string_view name;
  T Owner::*ptr;
};

/// A table row: `member<presence::required>("Dimension", &usage_record::dimension)`.
template <presence How, class Owner, class T>
constexpr member_row<How, Owner, T> member(std::string_view name, T Owner::*ptr) noexcept {
  return {name, ptr};
}

/// Specialised once per wire struct with `static constexpr auto members = std::tuple{...}`,
/// rows in the service model's member order (which is the order botocore writes them in).
template <class T>
struct wire_table;

/// Specialised once per wire enum with `static constexpr std::array values` of the enumerators;
/// the wire spelling is to_string(E).
template <class E>
struct wire_enum;

/// A struct described by a member table.
template <class T>
concept table_described = requires {
  wire_table<T>::members;
};

/// An enum described by a wire_enum table.
template <class E>
concept enum_described = std::is_enum_v<E> && requires {
  wire_enum<E>::values;
};

/// The wire form of T; see the file comment.
template <class T>
struct wire_form;

/// Calls f(row) for every row of T's table, in table order.
template <class T, class F>
constexpr void for_each_member(F&& f) {
  std::apply([&](const auto&... row) { (f(row), ...); }, wire_table<T>::members);
}

// ---- scalar forms

template <>
struct wire_form<std::string> {
  static void write(std::string& out, const std::string& v) { append_json_string(out, v); }
  static void read(const boost::json::value& jv, const json_path& path, std::string& out) {
    out = read_string(jv, path);
  }
  static boost::json::value to_value(const std::string& v, boost::json::storage_ptr sp) {
    return boost::json::string(v, std::move(sp));
  }
  static bool is_set(const std::string& v) noexcept { return !v.empty(); }
};

template <>
struct wire_form<std::int32_t> {
  static void write(std::string& out, std::int32_t v) { append_json_int(out, v); }
  static void read(const boost::json::value& jv, const json_path& path, std::int32_t& out) {
    out = read_int32(jv, path);
  }
  static boost::json::value to_value(std::int32_t v, boost::json::storage_ptr sp) {
    return boost::json::value(static_cast<std::int64_t>(v), std::move(sp));
  }
  static bool is_set(std::int32_t v) noexcept { return v != 0; }
};

template <>
struct wire_form<std::int64_t> {
  static void write(std::string& out, std::int64_t v) { append_json_int(out, v); }
  static void read(const boost::json::value& jv, const json_path& path, std::int64_t& out) {
    out = read_int64(jv, path);
  }
  static boost::json::value to_value(std::int64_t v, boost::json::storage_ptr sp) {
    return boost::json::value(v, std::move(sp));
  }
  static bool is_set(std::int64_t v) noexcept { return v != 0; }
};

template <>
struct wire_form<double> {
  static void write(std::string& out, double v) { append_json_double(out, v); }
  static void read(const boost::json::value& jv, const json_path& path, double& out) {
    out = read_double(jv, path);
  }
  static boost::json::value to_value(double v, boost::json::storage_ptr sp) {
    return boost::json::value(v, std::move(sp));
  }
  static bool is_set(double v) noexcept { return v != 0; }
};

template <>
struct wire_form<bool> {
  static void write(std::string& out, bool v) { out += v ? "true" : "false"; }
  static void read(const boost::json::value& jv, const json_path& path, bool& out) {
    out = read_bool(jv, path);
  }
  static boost::json::value to_value(bool v, boost::json::storage_ptr sp) {
    return boost::json::value(v, std::move(sp));
  }
  static bool is_set(bool v) noexcept { return v; }
};

/// The Boost.JSON form of a timestamp: an integer for whole seconds, else a double with
/// millisecond precision; never throws beyond std::bad_alloc.
boost::json::value timestamp_to_json(time_point t);

/// Timestamps travel as epoch seconds (botocore's millisecond-precision form).
template <>
struct wire_form<time_point> {
  static void write(std::string& out, time_point v) { append_json_timestamp(out, v); }
  static void read(const boost::json::value& jv, const json_path& path, time_point& out) {
    out = read_timestamp(jv, path);
  }
  static boost::json::value to_value(time_point v, boost::json::storage_ptr sp) {
    boost::json::value jv = timestamp_to_json(v);
    return boost::json::value(std::move(jv), std::move(sp));
  }
  static bool is_set(time_point v) noexcept { return v != time_point{}; }
};

// ---- composite forms

/// A list: a JSON array written with ", " between elements, as json.dumps does.
template <class T>
struct wire_form<std::vector<T>> {
  static void write(std::string& out, const std::vector<T>& items) {
    out += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i != 0) out += ", ";
      wire_form<T>::write(out, items[i]);
    }
    out += ']';
  }
  static void read(const boost::json::value& jv, const json_path& path, std::vector<T>& out) {
    const auto& arr = read_array(jv, path);
    out.clear();
    out.resize(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) wire_form<T>::read(arr[i], path.element(i), out[i]);
  }
  static boost::json::value to_value(const std::vector<T>& items, boost::json::storage_ptr sp) {
    boost::json::array arr(sp);
    arr.reserve(items.size());
    for (const auto& item : items) arr.push_back(wire_form<T>::to_value(item, sp));
    return arr;
  }
  static bool is_set(const std::vector<T>& v) noexcept { return !v.empty(); }
};

/// An optional value: left out when disengaged (the member must be presence::optional).
template <class T>
struct wire_form<std::optional<T>> {
  static void write(std::string& out, const std::optional<T>& v) { wire_form<T>::write(out, *v); }
  static void read(const boost::json::value& jv, const json_path& path, std::optional<T>& out) {
    wire_form<T>::read(jv, path, out.emplace());
  }
  static boost::json::value to_value(const std::optional<T>& v, boost::json::storage_ptr sp) {
    return wire_form<T>::to_value(*v, std::move(sp));
  }
  static bool is_set(const std::optional<T>& v) noexcept { return v.has_value(); }
};

/// An enum: its to_string spelling; decoding refuses any other string.
template <enum_described E>
struct wire_form<E> {
  static void write(std::string& out, E v) { append_json_string(out, to_string(v)); }
  static void read(const boost::json::value& jv, const json_path& path, E& out) {
    const auto* s = jv.if_string();
    if (s == nullptr) throw_malformed(path, "must be a string");
    for (E e : wire_enum<E>::values) {
      if (to_string(e) == std::string_view(*s)) {
        out = e;
        return;
      }
    }
    // An answer enum AWS may extend names the value its unknown spellings decode to.
    if constexpr (requires { wire_enum<E>::unrecognised; }) {
      out = wire_enum<E>::unrecognised;
      return;
    }
    throw_malformed(path, choices());
  }
  static boost::json::value to_value(E v, boost::json::storage_ptr sp) {
    return boost::json::string(to_string(v), std::move(sp));
  }
  static bool is_set(E) noexcept { return true; }
  /// "must be A, B or C".
  static std::string choices() {
    std::string rule = "must be ";
    const auto& values = wire_enum<E>::values;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i != 0) rule += i + 1 == values.size() ? " or " : ", ";
      rule += to_string(values[i]);
    }
    return rule;
  }
};

/// A struct: a JSON object of its table's members, in table order.
template <table_described T>
struct wire_form<T> {
  static void write(std::string& out, const T& v) {
    json_object_writer w(out);
    for_each_member<T>([&](const auto& row) {
      using row_type = std::remove_cvref_t<decltype(row)>;
      using form = wire_form<typename row_type::value_type>;
      const auto& x = v.*row.ptr;
      if constexpr (row_type::how == presence::optional) {
        if (!form::is_set(x)) return;
      }
      form::write(w.key(row.name), x);
    });
    w.close();
  }
  static void read(const boost::json::value& jv, const json_path& path, T& out) {
    const auto& o = read_object(jv, path);
    for_each_member<T>([&](const auto& row) {
      using row_type = std::remove_cvref_t<decltype(row)>;
      using form = wire_form<typename row_type::value_type>;
      auto& x = out.*row.ptr;
      if constexpr (row_type::how == presence::required) {
        form::read(require_member(o, row.name, path), path.member(row.name), x);
      } else if (const auto* member_value = find_member(o, row.name)) {
        form::read(*member_value, path.member(row.name), x);
      } else {
        x = typename row_type::value_type{};
      }
    });
  }
  static boost::json::value to_value(const T& v, boost::json::storage_ptr sp) {
    boost::json::object o(sp);
    o.reserve(std::tuple_size_v<std::remove_cvref_t<decltype(wire_table<T>::members)>>);
    for_each_member<T>([&](const auto& row) {
      using row_type = std::remove_cvref_t<decltype(row)>;
      using form = wire_form<typename row_type::value_type>;
      const auto& x = v.*row.ptr;
      if constexpr (row_type::how == presence::optional) {
        if (!form::is_set(x)) return;
      }
      o.emplace(row.name, form::to_value(x, sp));
    });
    return o;
  }
  static bool is_set(const T&) noexcept { return true; }
};

}  // namespace awsmp::detail
