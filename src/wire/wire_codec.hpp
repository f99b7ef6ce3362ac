// Internal: the AWS JSON 1.1 codec of every wire type, shared by the Boost.JSON conversions
// (tag_invoke) and awsmp::wire. All of it is driven by the member tables (metering_tables.hpp,
// entitlement_tables.hpp): writers append a botocore-identical body to a string; readers decode
// a parsed value and throw system_error(errc::malformed_message) naming the member path.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "wire/entitlement_tables.hpp"
#include "wire/json_reader.hpp"
#include "wire/member_table.hpp"
#include "wire/metering_tables.hpp"

namespace awsmp::detail {

/// Appends the wire JSON of a value (members in model order, optional members omitted when
/// unset); never throws beyond std::bad_alloc.
template <class T>
void write_json(std::string& out, const T& v) {
  wire_form<T>::write(out, v);
}

/// Decodes a wire value at `path` into `out`; unknown members are ignored, null means absent.
/// Throws system_error(errc::malformed_message) naming the member path.
template <class T>
void read_json(const boost::json::value& jv, const json_path& path, T& out) {
  wire_form<T>::read(jv, path, out);
}

/// Decodes a whole message into T (what the tag_invoke value_to conversions call); throws
/// system_error(errc::malformed_message) naming the member path.
template <class T>
T read_json_value(const boost::json::value& jv) {
  T out{};
  wire_form<T>::read(jv, json_path{}, out);
  return out;
}

/// The Boost.JSON form of a value, the same members as write_json (what value_from calls);
/// never throws beyond std::bad_alloc.
template <class T>
boost::json::value to_json_value(const T& v, boost::json::storage_ptr sp) {
  return wire_form<T>::to_value(v, std::move(sp));
}

}  // namespace awsmp::detail
