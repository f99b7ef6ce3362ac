#include "wire/json_writer.hpp"
#include "wire/wire_codec.hpp"
#include "core/throw.hpp"

#include <awsmp/error.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <string>

namespace awsmp {

std::string_view to_string(usage_record_status status) noexcept {
  switch (status) {
    case usage_record_status::success: return "Success";
    case usage_record_status::customer_not_subscribed: return "CustomerNotSubscribed";
    case usage_record_status::duplicate_record: return "DuplicateRecord";
  }
  return "Unknown";
}

template <>
usage_record_status from_string<usage_record_status>(std::string_view text) {
  for (auto s : {usage_record_status::success, usage_record_status::customer_not_subscribed,
                 usage_record_status::duplicate_record}) {
    if (to_string(s) == text) return s;
  }
  detail::throw_invalid_argument("usage_record_status",
                                 "must be Success, CustomerNotSubscribed or DuplicateRecord");
}

namespace detail {
namespace {

namespace json = boost::json;

void write_string_member(json_object_writer& w, std::string_view key, std::string_view value) {
  append_json_string(w.key(key), value);
}

void write_optional_string(json_object_writer& w, std::string_view key, std::string_view value) {
  if (!value.empty()) write_string_member(w, key, value);
}

}  // namespace

json::value timestamp_to_json(time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t.time_since_epoch());
  const auto secs = floor<seconds>(ms);
  if (ms == secs) return json::value(static_cast<std::int64_t>(secs.count()));
  return json::value(static_cast<double>(secs.count()) + static_cast<double>((ms - secs).count()) / 1000.0);
}

// ---- writers (member order: the service model's, which is also botocore's for model-ordered input)

void write_json(std::string& out, const tag& v) {
  json_object_writer w(out);
  write_string_member(w, "Key", v.key);
  write_string_member(w, "Value", v.value);
  w.close();
}

void write_json(std::string& out, const usage_allocation& v) {
  json_object_writer w(out);
  append_json_int(w.key("AllocatedUsageQuantity"), v.allocated_usage_quantity);
  if (!v.tags.empty()) write_json_list(w.key("Tags"), v.tags);
  w.close();
}

void write_json(std::string& out, const usage_record& v) {
  json_object_writer w(out);
  append_json_timestamp(w.key("Timestamp"), v.timestamp);
  write_optional_string(w, "CustomerIdentifier", v.customer_identifier);
  write_string_member(w, "Dimension", v.dimension);
  // Always sent, 0 included: AWS wants an explicit zero-usage record every hour.
  append_json_int(w.key("Quantity"), v.quantity);
  if (!v.usage_allocations.empty()) write_json_list(w.key("UsageAllocations"), v.usage_allocations);
  write_optional_string(w, "CustomerAWSAccountId", v.customer_aws_account_id);
  write_optional_string(w, "LicenseArn", v.license_arn);
  w.close();
}

void write_json(std::string& out, const usage_record_result& v) {
  json_object_writer w(out);
  write_json(w.key("UsageRecord"), v.record);
  write_optional_string(w, "MeteringRecordId", v.metering_record_id);
  write_string_member(w, "Status", to_string(v.status));
  w.close();
}

void write_json(std::string& out, const batch_meter_usage_input& v) {
  json_object_writer w(out);
  write_json_list(w.key("UsageRecords"), v.usage_records);
  write_optional_string(w, "ProductCode", v.product_code);
  w.close();
}

void write_json(std::string& out, const batch_meter_usage_output& v) {
  json_object_writer w(out);
  write_json_list(w.key("Results"), v.results);
  write_json_list(w.key("UnprocessedRecords"), v.unprocessed_records);
  w.close();
}

void write_json(std::string& out, const meter_usage_input& v) {
  json_object_writer w(out);
  write_string_member(w, "ProductCode", v.product_code);
  append_json_timestamp(w.key("Timestamp"), v.timestamp);
  write_string_member(w, "UsageDimension", v.dimension);
  append_json_int(w.key("UsageQuantity"), v.quantity);
  if (v.dry_run) w.key("DryRun") += "true";
  if (!v.usage_allocations.empty()) write_json_list(w.key("UsageAllocations"), v.usage_allocations);
  write_optional_string(w, "ClientToken", v.client_token);
  w.close();
}

void write_json(std::string& out, const meter_usage_output& v) {
  json_object_writer w(out);
  write_string_member(w, "MeteringRecordId", v.metering_record_id);
  w.close();
}

void write_json(std::string& out, const resolve_customer_input& v) {
  json_object_writer w(out);
  write_string_member(w, "RegistrationToken", v.registration_token);
  w.close();
}

void write_json(std::string& out, const resolve_customer_output& v) {
  json_object_writer w(out);
  write_optional_string(w, "CustomerIdentifier", v.customer_identifier);
  write_optional_string(w, "ProductCode", v.product_code);
  write_optional_string(w, "CustomerAWSAccountId", v.customer_aws_account_id);
  write_optional_string(w, "LicenseArn", v.license_arn);
  w.close();
}

// ---- readers

void read_json(const json::value& jv, const json_path& path, tag& out) {
  const auto& o = read_object(jv, path);
  read_required(o, "Key", path, out.key, read_string);
  read_required(o, "Value", path, out.value, read_string);
}

void read_json(const json::value& jv, const json_path& path, usage_allocation& out) {
  const auto& o = read_object(jv, path);
  read_required(o, "AllocatedUsageQuantity", path, out.allocated_usage_quantity, read_int32);
  out.tags.clear();
  if (const auto* v = find_member(o, "Tags")) read_json_list(*v, path.member("Tags"), out.tags);
}

void read_json(const json::value& jv, const json_path& path, usage_record& out) {
  const auto& o = read_object(jv, path);
  read_required(o, "Timestamp", path, out.timestamp, read_timestamp);
  out.customer_identifier.clear();
  read_optional(o, "CustomerIdentifier", path, out.customer_identifier, read_string);
  read_required(o, "Dimension", path, out.dimension, read_string);
  out.quantity = 0;  // absent Quantity means 0 in the model
  read_optional(o, "Quantity", path, out.quantity, read_int32);
  out.usage_allocations.clear();
  if (const auto* v = find_member(o, "UsageAllocations"))
    read_json_list(*v, path.member("UsageAllocations"), out.usage_allocations);
  out.customer_aws_account_id.clear();
  read_optional(o, "CustomerAWSAccountId", path, out.customer_aws_account_id, read_string);
  out.license_arn.clear();
  read_optional(o, "LicenseArn", path, out.license_arn, read_string);
}

void read_json(const json::value& jv, const json_path& path, usage_record_status& out) {
  const auto* s = jv.if_string();
  if (s == nullptr) throw_malformed(path, "must be a string");
  for (auto st : {usage_record_status::success, usage_record_status::customer_not_subscribed,
                  usage_record_status::duplicate_record}) {
    if (to_string(st) == *s) {
      out = st;
      return;
    }
  }
  throw_malformed(path, "must be Success, CustomerNotSubscribed or DuplicateRecord");
}

void read_json(const json::value& jv, const json_path& path, usage_record_result& out) {
  const auto& o = read_object(jv, path);
  // The model marks no member required, but a result without its record or status cannot be
  // acted on safely: taking it for Success would retire a record AWS may never have billed.
  read_json(require_member(o, "UsageRecord", path), path.member("UsageRecord"), out.record);
  out.metering_record_id.clear();
  read_optional(o, "MeteringRecordId", path, out.metering_record_id, read_string);
  read_json(require_member(o, "Status", path), path.member("Status"), out.status);
}

void read_json(const json::value& jv, const json_path& path, batch_meter_usage_input& out) {
  const auto& o = read_object(jv, path);
  read_json_list(require_member(o, "UsageRecords", path), path.member("UsageRecords"), out.usage_records);
  out.product_code.clear();
  read_optional(o, "ProductCode", path, out.product_code, read_string);
}

void read_json(const json::value& jv, const json_path& path, batch_meter_usage_output& out) {
  const auto& o = read_object(jv, path);
  out.results.clear();
  if (const auto* v = find_member(o, "Results")) read_json_list(*v, path.member("Results"), out.results);
  out.unprocessed_records.clear();
  if (const auto* v = find_member(o, "UnprocessedRecords"))
    read_json_list(*v, path.member("UnprocessedRecords"), out.unprocessed_records);
}

void read_json(const json::value& jv, const json_path& path, meter_usage_input& out) {
  const auto& o = read_object(jv, path);
  read_required(o, "ProductCode", path, out.product_code, read_string);
  read_required(o, "Timestamp", path, out.timestamp, read_timestamp);
  read_required(o, "UsageDimension", path, out.dimension, read_string);
  out.quantity = 0;
  read_optional(o, "UsageQuantity", path, out.quantity, read_int32);
  out.dry_run = false;
  read_optional(o, "DryRun", path, out.dry_run, read_bool);
  out.usage_allocations.clear();
  if (const auto* v = find_member(o, "UsageAllocations"))
    read_json_list(*v, path.member("UsageAllocations"), out.usage_allocations);
  out.client_token.clear();
  read_optional(o, "ClientToken", path, out.client_token, read_string);
}

void read_json(const json::value& jv, const json_path& path, meter_usage_output& out) {
  const auto& o = read_object(jv, path);
  out.metering_record_id.clear();
  read_optional(o, "MeteringRecordId", path, out.metering_record_id, read_string);
}

void read_json(const json::value& jv, const json_path& path, resolve_customer_input& out) {
  const auto& o = read_object(jv, path);
  read_required(o, "RegistrationToken", path, out.registration_token, read_string);
}

void read_json(const json::value& jv, const json_path& path, resolve_customer_output& out) {
  const auto& o = read_object(jv, path);
  out = {};
  read_optional(o, "CustomerIdentifier", path, out.customer_identifier, read_string);
  read_optional(o, "ProductCode", path, out.product_code, read_string);
  read_optional(o, "CustomerAWSAccountId", path, out.customer_aws_account_id, read_string);
  read_optional(o, "LicenseArn", path, out.license_arn, read_string);
}

}  // namespace detail

// ---- Boost.JSON conversions

namespace {
namespace json = boost::json;

void set_optional(json::object& o, std::string_view key, const std::string& value) {
  if (!value.empty()) o.emplace(key, value);
}

json::array allocations_array(const std::vector<usage_allocation>& allocations, json::storage_ptr sp) {
  json::array arr(sp);
  arr.reserve(allocations.size());
  for (const auto& a : allocations) arr.push_back(json::value_from(a, sp));
  return arr;
}

}  // namespace

void tag_invoke(const json::value_from_tag&, json::value& jv, const tag& v) {
  json::object o(jv.storage());
  o.emplace("Key", v.key);
  o.emplace("Value", v.value);
  jv = std::move(o);
}

tag tag_invoke(const json::value_to_tag<tag>&, const json::value& jv) { return detail::read_json_value<tag>(jv); }

void tag_invoke(const json::value_from_tag&, json::value& jv, const usage_allocation& v) {
  json::object o(jv.storage());
  o.emplace("AllocatedUsageQuantity", v.allocated_usage_quantity);
  if (!v.tags.empty()) {
    json::array tags(jv.storage());
    tags.reserve(v.tags.size());
    for (const auto& t : v.tags) tags.push_back(json::value_from(t, jv.storage()));
    o.emplace("Tags", std::move(tags));
  }
  jv = std::move(o);
}

usage_allocation tag_invoke(const json::value_to_tag<usage_allocation>&, const json::value& jv) {
  return detail::read_json_value<usage_allocation>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const usage_record& v) {
  json::object o(jv.storage());
  o.emplace("Timestamp", detail::timestamp_to_json(v.timestamp));
  set_optional(o, "CustomerIdentifier", v.customer_identifier);
  o.emplace("Dimension", v.dimension);
  o.emplace("Quantity", v.quantity);
  if (!v.usage_allocations.empty()) o.emplace("UsageAllocations", allocations_array(v.usage_allocations, jv.storage()));
  set_optional(o, "CustomerAWSAccountId", v.customer_aws_account_id);
  set_optional(o, "LicenseArn", v.license_arn);
  jv = std::move(o);
}

usage_record tag_invoke(const json::value_to_tag<usage_record>&, const json::value& jv) {
  return detail::read_json_value<usage_record>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const usage_record_status& v) {
  jv = json::string(to_string(v), jv.storage());
}

usage_record_status tag_invoke(const json::value_to_tag<usage_record_status>&, const json::value& jv) {
  return detail::read_json_value<usage_record_status>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const usage_record_result& v) {
  json::object o(jv.storage());
  o.emplace("UsageRecord", json::value_from(v.record, jv.storage()));
  set_optional(o, "MeteringRecordId", v.metering_record_id);
  o.emplace("Status", to_string(v.status));
  jv = std::move(o);
}

usage_record_result tag_invoke(const json::value_to_tag<usage_record_result>&, const json::value& jv) {
  return detail::read_json_value<usage_record_result>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const batch_meter_usage_input& v) {
  json::object o(jv.storage());
  json::array records(jv.storage());
  records.reserve(v.usage_records.size());
  for (const auto& r : v.usage_records) records.push_back(json::value_from(r, jv.storage()));
  o.emplace("UsageRecords", std::move(records));
  set_optional(o, "ProductCode", v.product_code);
  jv = std::move(o);
}

batch_meter_usage_input tag_invoke(const json::value_to_tag<batch_meter_usage_input>&, const json::value& jv) {
  return detail::read_json_value<batch_meter_usage_input>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const batch_meter_usage_output& v) {
  json::object o(jv.storage());
  json::array results(jv.storage());
  results.reserve(v.results.size());
  for (const auto& r : v.results) results.push_back(json::value_from(r, jv.storage()));
  json::array unprocessed(jv.storage());
  unprocessed.reserve(v.unprocessed_records.size());
  for (const auto& r : v.unprocessed_records) unprocessed.push_back(json::value_from(r, jv.storage()));
  o.emplace("Results", std::move(results));
  o.emplace("UnprocessedRecords", std::move(unprocessed));
  jv = std::move(o);
}

batch_meter_usage_output tag_invoke(const json::value_to_tag<batch_meter_usage_output>&, const json::value& jv) {
  return detail::read_json_value<batch_meter_usage_output>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const meter_usage_input& v) {
  json::object o(jv.storage());
  o.emplace("ProductCode", v.product_code);
  o.emplace("Timestamp", detail::timestamp_to_json(v.timestamp));
  o.emplace("UsageDimension", v.dimension);
  o.emplace("UsageQuantity", v.quantity);
  if (v.dry_run) o.emplace("DryRun", true);
  if (!v.usage_allocations.empty()) o.emplace("UsageAllocations", allocations_array(v.usage_allocations, jv.storage()));
  set_optional(o, "ClientToken", v.client_token);
  jv = std::move(o);
}

meter_usage_input tag_invoke(const json::value_to_tag<meter_usage_input>&, const json::value& jv) {
  return detail::read_json_value<meter_usage_input>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const meter_usage_output& v) {
  json::object o(jv.storage());
  o.emplace("MeteringRecordId", v.metering_record_id);
  jv = std::move(o);
}

meter_usage_output tag_invoke(const json::value_to_tag<meter_usage_output>&, const json::value& jv) {
  return detail::read_json_value<meter_usage_output>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const resolve_customer_input& v) {
  json::object o(jv.storage());
  o.emplace("RegistrationToken", v.registration_token);
  jv = std::move(o);
}

resolve_customer_input tag_invoke(const json::value_to_tag<resolve_customer_input>&, const json::value& jv) {
  return detail::read_json_value<resolve_customer_input>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const resolve_customer_output& v) {
  json::object o(jv.storage());
  set_optional(o, "CustomerIdentifier", v.customer_identifier);
  set_optional(o, "ProductCode", v.product_code);
  set_optional(o, "CustomerAWSAccountId", v.customer_aws_account_id);
  set_optional(o, "LicenseArn", v.license_arn);
  jv = std::move(o);
}

resolve_customer_output tag_invoke(const json::value_to_tag<resolve_customer_output>&, const json::value& jv) {
  return detail::read_json_value<resolve_customer_output>(jv);
}

}  // namespace awsmp
