#include "wire/json_reader.hpp"

#include <awsmp/error.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

#include "core/throw.hpp"

namespace awsmp::detail {
namespace {

// Timestamps beyond this many seconds from the epoch (about the years 1684 and 2255) cannot be
// held in a nanosecond system_clock; AWS never sends them.
constexpr std::int64_t max_timestamp_seconds = 9'000'000'000;

const char* kind_name(const boost::json::value& v) noexcept {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "a value";
}

[[noreturn]] void throw_wrong_type(const boost::json::value& v, const json_path& path,
                                   std::string_view expected) {
  std::string rule = "must be ";
  rule += expected;
  rule += ", got ";
  rule += kind_name(v);
  throw_malformed(path, rule);
}

// The value as an integral number within [lo, hi]; integral doubles ("5.0") are accepted.
std::int64_t read_integer(const boost::json::value& v, const json_path& path, std::int64_t lo,
                          std::int64_t hi, std::string_view rule) {
  std::int64_t n = 0;
  if (const auto* i = v.if_int64()) {
    n = *i;
  } else if (v.is_uint64()) {
    throw_malformed(path, rule);  // a uint64 kind is always above INT64_MAX
  } else if (const auto* d = v.if_double()) {
    // Compare as doubles before converting: casting an out-of-range double is undefined.
    // double(hi) + 1.0 is exactly 2^31, 2^63 or 9e9+1 for the bounds used here.
    if (!std::isfinite(*d) || std::trunc(*d) != *d || *d < static_cast<double>(lo) ||
        *d >= static_cast<double>(hi) + 1.0)
      throw_malformed(path, rule);
    n = static_cast<std::int64_t>(*d);
  } else {
    throw_wrong_type(v, path, "an integer");
  }
  if (n < lo || n > hi) throw_malformed(path, rule);
  return n;
}

}  // namespace

std::string json_path::str() const {
  std::vector<const json_path*> chain;
  for (const json_path* p = this; p != nullptr; p = p->parent) chain.push_back(p);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const json_path& p = **it;
    if (p.index != no_index) {
      out += '[';
      out += std::to_string(p.index);
      out += ']';
    } else if (!p.key.empty()) {
      if (!out.empty()) out += '.';
      out += p.key;
    }
  }
  if (out.empty()) out = "(root)";
  return out;
}

void throw_malformed(const json_path& path, std::string_view rule) {
  std::string message = path.str();
  message += ": ";
  message += rule;
  throw_error(errc::malformed_message, message);
}

const boost::json::object& read_object(const boost::json::value& v, const json_path& path) {
  if (const auto* o = v.if_object()) return *o;
  throw_wrong_type(v, path, "an object");
}

const boost::json::array& read_array(const boost::json::value& v, const json_path& path) {
  if (const auto* a = v.if_array()) return *a;
  throw_wrong_type(v, path, "an array");
}

const boost::json::value* find_member(const boost::json::object& obj, std::string_view key) noexcept {
  const auto* v = obj.if_contains(key);
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

const boost::json::value& require_member(const boost::json::object& obj, std::string_view key,
                                         const json_path& parent) {
  if (const auto* v = find_member(obj, key)) return *v;
  throw_malformed(parent.member(key), "missing required member");
}

std::string read_string(const boost::json::value& v, const json_path& path) {
  if (const auto* s = v.if_string()) return std::string(s->data(), s->size());
  throw_wrong_type(v, path, "a string");
}

std::int32_t read_int32(const boost::json::value& v, const json_path& path) {
  return static_cast<std::int32_t>(read_integer(v, path, std::numeric_limits<std::int32_t>::min(),
                                                std::numeric_limits<std::int32_t>::max(),
                                                "must be an integer in the 32-bit range"));
}

std::int64_t read_int64(const boost::json::value& v, const json_path& path) {
  return read_integer(v, path, std::numeric_limits<std::int64_t>::min(),
                      std::numeric_limits<std::int64_t>::max(), "must be an integer in the 64-bit range");
}

double read_double(const boost::json::value& v, const json_path& path) {
  if (const auto* d = v.if_double()) {
    // Boost.JSON reads 1e400 as infinity, which JSON cannot carry back out.
    if (!std::isfinite(*d)) throw_malformed(path, "must be a finite number");
    return *d;
  }
  if (const auto* i = v.if_int64()) return static_cast<double>(*i);
  if (const auto* u = v.if_uint64()) return static_cast<double>(*u);
  throw_wrong_type(v, path, "a number");
}

bool read_bool(const boost::json::value& v, const json_path& path) {
  if (const auto* b = v.if_bool()) return *b;
  throw_wrong_type(v, path, "a boolean");
}

bool timestamp_from_seconds(std::int64_t seconds, time_point& out) noexcept {
  if (seconds < -max_timestamp_seconds || seconds > max_timestamp_seconds) return false;
  out = time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::seconds(seconds)));
  return true;
}

bool timestamp_from_seconds(double seconds, time_point& out) noexcept {
  if (!std::isfinite(seconds) || std::fabs(seconds) > static_cast<double>(max_timestamp_seconds))
    return false;
  // Rounded to the millisecond, the finest precision AWS and the encoder use: decoding what
  // encode wrote then gives back the same instant, and "1700000000.123" (a double slightly
  // below .123) still means .123.
  const auto ms = std::llround(seconds * 1e3);
  out = time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::milliseconds(ms)));
  return true;
}

time_point read_timestamp(const boost::json::value& v, const json_path& path) {
  constexpr std::string_view rule = "must be epoch seconds within +-9e9";
  time_point t;
  if (const auto* i = v.if_int64()) {
    if (!timestamp_from_seconds(*i, t)) throw_malformed(path, rule);
    return t;
  }
  if (v.is_uint64()) throw_malformed(path, rule);
  if (const auto* d = v.if_double()) {
    if (!timestamp_from_seconds(*d, t)) throw_malformed(path, rule);
    return t;
  }
  throw_wrong_type(v, path, "a number (epoch seconds)");
}

}  // namespace awsmp::detail
