#include <awsmp/error.hpp>
#include <chrono>
#include <string>

#include "core/throw.hpp"
#include "wire/wire_codec.hpp"

namespace awsmp {
namespace json = boost::json;

std::string_view to_string(usage_record_status status) noexcept {
  switch (status) {
    case usage_record_status::success:
      return "Success";
    case usage_record_status::customer_not_subscribed:
      return "CustomerNotSubscribed";
    case usage_record_status::duplicate_record:
      return "DuplicateRecord";
    case usage_record_status::unknown:
      return "Unknown";
  }
  return "Unknown";
}

template <>
usage_record_status from_string<usage_record_status>(std::string_view text) {
  for (auto s : detail::wire_enum<usage_record_status>::values) {
    if (to_string(s) == text) return s;
  }
  detail::throw_invalid_argument("usage_record_status", detail::wire_form<usage_record_status>::choices());
}

namespace detail {

json::value timestamp_to_json(time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t.time_since_epoch());
  const auto secs = floor<seconds>(ms);
  if (ms == secs) return json::value(static_cast<std::int64_t>(secs.count()));
  return json::value(static_cast<double>(secs.count()) + static_cast<double>((ms - secs).count()) / 1000.0);
}

}  // namespace detail

// ---- Boost.JSON conversions: the member tables' to_value and read

void tag_invoke(const json::value_from_tag&, json::value& jv, const tag& v) {
  jv = detail::to_json_value(v, jv.storage());
}
tag tag_invoke(const json::value_to_tag<tag>&, const json::value& jv) {
  return detail::read_json_value<tag>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const usage_allocation& v) {
  jv = detail::to_json_value(v, jv.storage());
}
usage_allocation tag_invoke(const json::value_to_tag<usage_allocation>&, const json::value& jv) {
  return detail::read_json_value<usage_allocation>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const usage_record& v) {
  jv = detail::to_json_value(v, jv.storage());
}
usage_record tag_invoke(const json::value_to_tag<usage_record>&, const json::value& jv) {
  return detail::read_json_value<usage_record>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const usage_record_status& v) {
  jv = detail::to_json_value(v, jv.storage());
}
usage_record_status tag_invoke(const json::value_to_tag<usage_record_status>&, const json::value& jv) {
  return detail::read_json_value<usage_record_status>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const usage_record_result& v) {
  jv = detail::to_json_value(v, jv.storage());
}
usage_record_result tag_invoke(const json::value_to_tag<usage_record_result>&, const json::value& jv) {
  return detail::read_json_value<usage_record_result>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const batch_meter_usage_input& v) {
  jv = detail::to_json_value(v, jv.storage());
}
batch_meter_usage_input tag_invoke(const json::value_to_tag<batch_meter_usage_input>&,
                                   const json::value& jv) {
  return detail::read_json_value<batch_meter_usage_input>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const batch_meter_usage_output& v) {
  jv = detail::to_json_value(v, jv.storage());
}
batch_meter_usage_output tag_invoke(const json::value_to_tag<batch_meter_usage_output>&,
                                    const json::value& jv) {
  return detail::read_json_value<batch_meter_usage_output>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const meter_usage_input& v) {
  jv = detail::to_json_value(v, jv.storage());
}
meter_usage_input tag_invoke(const json::value_to_tag<meter_usage_input>&, const json::value& jv) {
  return detail::read_json_value<meter_usage_input>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const meter_usage_output& v) {
  jv = detail::to_json_value(v, jv.storage());
}
meter_usage_output tag_invoke(const json::value_to_tag<meter_usage_output>&, const json::value& jv) {
  return detail::read_json_value<meter_usage_output>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const resolve_customer_input& v) {
  jv = detail::to_json_value(v, jv.storage());
}
resolve_customer_input tag_invoke(const json::value_to_tag<resolve_customer_input>&, const json::value& jv) {
  return detail::read_json_value<resolve_customer_input>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const resolve_customer_output& v) {
  jv = detail::to_json_value(v, jv.storage());
}
resolve_customer_output tag_invoke(const json::value_to_tag<resolve_customer_output>&,
                                   const json::value& jv) {
  return detail::read_json_value<resolve_customer_output>(jv);
}

}  // namespace awsmp
