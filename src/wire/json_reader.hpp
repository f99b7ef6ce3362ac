// Internal: strict, path-aware readers for decoding AWS JSON 1.1 messages from Boost.JSON values.
// Every failure is system_error(errc::malformed_message) naming the member path
// (e.g. "Results[3].UsageRecord.Quantity"); nothing here has undefined behaviour on hostile input.
#pragma once

#include <awsmp/common.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace awsmp::detail {

/// A member path built on the stack while descending; rendered only when an error is thrown.
struct json_path {
  static constexpr std::size_t no_index = static_cast<std::size_t>(-1);
  const json_path* parent = nullptr;
  std::string_view key;  ///< member name (empty for an array element or the root)
  std::size_t index = no_index;

  /// The path of member `k` of this object.
  json_path member(std::string_view k) const noexcept { return {this, k, no_index}; }
  /// The path of element `i` of this array.
  json_path element(std::size_t i) const noexcept { return {this, {}, i}; }
  /// "UsageRecords[3].Quantity"; "(root)" for the root; throws only std::bad_alloc.
  std::string str() const;
};

/// Throws system_error(errc::malformed_message): "<path>: <rule>".
[[noreturn]] void throw_malformed(const json_path& path, std::string_view rule);

/// The value as an object, or throws naming the path.
const boost::json::object& read_object(const boost::json::value& v, const json_path& path);
/// The value as an array, or throws naming the path.
const boost::json::array& read_array(const boost::json::value& v, const json_path& path);
/// The member's value, or nullptr when it is absent or null (AWS JSON treats null as absent).
const boost::json::value* find_member(const boost::json::object& obj, std::string_view key) noexcept;
/// The member's value; throws "missing required member" when absent or null.
const boost::json::value& require_member(const boost::json::object& obj, std::string_view key,
                                         const json_path& parent);

/// Readers of scalar values; each throws naming the path when the JSON type or range is wrong.
std::string read_string(const boost::json::value& v, const json_path& path);
std::int32_t read_int32(const boost::json::value& v, const json_path& path);
std::int64_t read_int64(const boost::json::value& v, const json_path& path);
double read_double(const boost::json::value& v, const json_path& path);
bool read_bool(const boost::json::value& v, const json_path& path);
/// Epoch seconds, integer or fractional (rounded to the millisecond), within ±9e9 seconds.
time_point read_timestamp(const boost::json::value& v, const json_path& path);

/// Epoch seconds to a time_point (fractions rounded to the millisecond); false when outside
/// ±9e9 seconds or not finite. Never throws.
bool timestamp_from_seconds(std::int64_t seconds, time_point& out) noexcept;
bool timestamp_from_seconds(double seconds, time_point& out) noexcept;

/// Reads an optional member into `out` with `reader` when present and not null.
template <class T, class Reader>
void read_optional(const boost::json::object& obj, std::string_view key, const json_path& parent, T& out,
                   Reader reader) {
  if (const auto* v = find_member(obj, key)) out = reader(*v, parent.member(key));
}

/// Reads a required member into `out` with `reader`.
template <class T, class Reader>
void read_required(const boost::json::object& obj, std::string_view key, const json_path& parent, T& out,
                   Reader reader) {
  out = reader(require_member(obj, key, parent), parent.member(key));
}

}  // namespace awsmp::detail
