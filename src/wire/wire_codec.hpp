// Internal: the AWS JSON 1.1 codec of every wire type, shared by the Boost.JSON conversions
// (tag_invoke) and awsmp::wire. Writers append a botocore-identical body to a string; readers
// decode a parsed value and throw system_error(errc::malformed_message) naming the member path.
#pragma once

#include "wire/json_reader.hpp"

#include <awsmp/entitlement_service_types.hpp>
#include <awsmp/metering_types.hpp>

#include <boost/json/value.hpp>

#include <string>

namespace awsmp::detail {

/// Appends the wire JSON of a value (members in model order, optional members omitted when empty).
void write_json(std::string& out, const tag& v);
void write_json(std::string& out, const usage_allocation& v);
void write_json(std::string& out, const usage_record& v);
void write_json(std::string& out, const usage_record_result& v);
void write_json(std::string& out, const batch_meter_usage_input& v);
void write_json(std::string& out, const batch_meter_usage_output& v);
void write_json(std::string& out, const meter_usage_input& v);
void write_json(std::string& out, const meter_usage_output& v);
void write_json(std::string& out, const resolve_customer_input& v);
void write_json(std::string& out, const resolve_customer_output& v);
void write_json(std::string& out, const marketplace_entitlement& v);
void write_json(std::string& out, const get_entitlements_input& v);
void write_json(std::string& out, const get_entitlements_output& v);

/// Decodes a wire value at `path` into `out`; unknown members are ignored, null means absent.
void read_json(const boost::json::value& jv, const json_path& path, tag& out);
void read_json(const boost::json::value& jv, const json_path& path, usage_allocation& out);
void read_json(const boost::json::value& jv, const json_path& path, usage_record& out);
void read_json(const boost::json::value& jv, const json_path& path, usage_record_status& out);
void read_json(const boost::json::value& jv, const json_path& path, usage_record_result& out);
void read_json(const boost::json::value& jv, const json_path& path, batch_meter_usage_input& out);
void read_json(const boost::json::value& jv, const json_path& path, batch_meter_usage_output& out);
void read_json(const boost::json::value& jv, const json_path& path, meter_usage_input& out);
void read_json(const boost::json::value& jv, const json_path& path, meter_usage_output& out);
void read_json(const boost::json::value& jv, const json_path& path, resolve_customer_input& out);
void read_json(const boost::json::value& jv, const json_path& path, resolve_customer_output& out);
void read_json(const boost::json::value& jv, const json_path& path, entitlement_filter& out);
void read_json(const boost::json::value& jv, const json_path& path, marketplace_entitlement& out);
void read_json(const boost::json::value& jv, const json_path& path, get_entitlements_input& out);
void read_json(const boost::json::value& jv, const json_path& path, get_entitlements_output& out);

/// The Boost.JSON form of a timestamp: an integer for whole seconds, else a double with
/// millisecond precision; never throws beyond std::bad_alloc.
boost::json::value timestamp_to_json(time_point t);

/// Decodes a whole message into T (what the tag_invoke value_to conversions call); throws
/// system_error(errc::malformed_message) naming the member path.
template <class T>
T read_json_value(const boost::json::value& jv) {
  T out{};
  read_json(jv, json_path{}, out);
  return out;
}

/// Decodes an array member element by element with read_json.
template <class T>
void read_json_list(const boost::json::value& jv, const json_path& path, std::vector<T>& out) {
  const auto& arr = read_array(jv, path);
  out.clear();
  out.resize(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) read_json(arr[i], path.element(i), out[i]);
}

/// Writes a JSON array of values with write_json.
template <class T>
void write_json_list(std::string& out, const std::vector<T>& items) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ", ";
    write_json(out, items[i]);
  }
  out += ']';
}

}  // namespace awsmp::detail
