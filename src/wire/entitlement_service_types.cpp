#include "wire/json_writer.hpp"
#include "wire/wire_codec.hpp"
#include "core/throw.hpp"

#include <awsmp/error.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <string>
#include <type_traits>

namespace awsmp {

namespace {
constexpr entitlement_filter all_filters[] = {entitlement_filter::customer_identifier, entitlement_filter::dimension,
                                              entitlement_filter::customer_aws_account_id,
                                              entitlement_filter::license_arn};
}  // namespace

std::string_view to_string(entitlement_filter filter) noexcept {
  switch (filter) {
    case entitlement_filter::customer_identifier: return "CUSTOMER_IDENTIFIER";
    case entitlement_filter::dimension: return "DIMENSION";
    case entitlement_filter::customer_aws_account_id: return "CUSTOMER_AWS_ACCOUNT_ID";
    case entitlement_filter::license_arn: return "LICENSE_ARN";
  }
  return "UNKNOWN";
}

template <>
entitlement_filter from_string<entitlement_filter>(std::string_view text) {
  for (auto f : all_filters) {
    if (to_string(f) == text) return f;
  }
  detail::throw_invalid_argument("entitlement_filter",
                                 "must be CUSTOMER_IDENTIFIER, DIMENSION, CUSTOMER_AWS_ACCOUNT_ID or LICENSE_ARN");
}

namespace detail {
namespace json = boost::json;

// ---- writers

void write_json(std::string& out, const marketplace_entitlement& v) {
  json_object_writer w(out);
  auto optional_string = [&](std::string_view key, const std::string& s) {
    if (!s.empty()) append_json_string(w.key(key), s);
  };
  optional_string("ProductCode", v.product_code);
  optional_string("Dimension", v.dimension);
  optional_string("CustomerIdentifier", v.customer_identifier);
  optional_string("CustomerAWSAccountId", v.customer_aws_account_id);
  if (!std::holds_alternative<std::monostate>(v.value)) {
    std::string& o = w.key("Value");
    json_object_writer value(o);
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::int64_t>) {
            append_json_int(value.key("IntegerValue"), x);
          } else if constexpr (std::is_same_v<T, double>) {
            append_json_double(value.key("DoubleValue"), x);
          } else if constexpr (std::is_same_v<T, bool>) {
            value.key("BooleanValue") += x ? "true" : "false";
          } else if constexpr (std::is_same_v<T, std::string>) {
            append_json_string(value.key("StringValue"), x);
          }
        },
        v.value);
    value.close();
  }
  if (v.expiration_date) append_json_timestamp(w.key("ExpirationDate"), *v.expiration_date);
  optional_string("LicenseArn", v.license_arn);
  w.close();
}

void write_json(std::string& out, const get_entitlements_input& v) {
  json_object_writer w(out);
  append_json_string(w.key("ProductCode"), v.product_code);
  if (!v.filter.empty()) {
    std::string& o = w.key("Filter");
    json_object_writer filter(o);
    for (const auto& [name, values] : v.filter) {
      std::string& list = filter.key(to_string(name));
      list += '[';
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (i != 0) list += ", ";
        append_json_string(list, values[i]);
      }
      list += ']';
    }
    filter.close();
  }
  if (!v.next_token.empty()) append_json_string(w.key("NextToken"), v.next_token);
  if (v.max_results != 0) append_json_int(w.key("MaxResults"), v.max_results);
  w.close();
}

void write_json(std::string& out, const get_entitlements_output& v) {
  json_object_writer w(out);
  write_json_list(w.key("Entitlements"), v.entitlements);
  if (!v.next_token.empty()) append_json_string(w.key("NextToken"), v.next_token);
  w.close();
}

// ---- readers

void read_json(const json::value& jv, const json_path& path, entitlement_filter& out) {
  const auto* s = jv.if_string();
  if (s == nullptr) throw_malformed(path, "must be a string");
  for (auto f : all_filters) {
    if (to_string(f) == *s) {
      out = f;
      return;
    }
  }
  throw_malformed(path, "must be CUSTOMER_IDENTIFIER, DIMENSION, CUSTOMER_AWS_ACCOUNT_ID or LICENSE_ARN");
}

namespace {

entitlement_value read_entitlement_value(const json::value& jv, const json_path& path) {
  const auto& o = read_object(jv, path);
  entitlement_value value;
  int found = 0;
  if (const auto* v = find_member(o, "IntegerValue")) {
    // The model's Integer is 32-bit; the value type is 64-bit, so any integer AWS sends fits.
    value = read_int64(*v, path.member("IntegerValue"));
    ++found;
  }
  if (const auto* v = find_member(o, "DoubleValue")) {
    value = read_double(*v, path.member("DoubleValue"));
    ++found;
  }
  if (const auto* v = find_member(o, "BooleanValue")) {
    value = read_bool(*v, path.member("BooleanValue"));
    ++found;
  }
  if (const auto* v = find_member(o, "StringValue")) {
    value = read_string(*v, path.member("StringValue"));
    ++found;
  }
  // A union with two members set has no single meaning; guessing could grant the wrong amount.
  if (found > 1) throw_malformed(path, "must hold at most one of IntegerValue, DoubleValue, BooleanValue, StringValue");
  return value;
}

}  // namespace

void read_json(const json::value& jv, const json_path& path, marketplace_entitlement& out) {
  const auto& o = read_object(jv, path);
  out = {};
  read_optional(o, "ProductCode", path, out.product_code, read_string);
  read_optional(o, "Dimension", path, out.dimension, read_string);
  read_optional(o, "CustomerIdentifier", path, out.customer_identifier, read_string);
  read_optional(o, "CustomerAWSAccountId", path, out.customer_aws_account_id, read_string);
  read_optional(o, "Value", path, out.value, read_entitlement_value);
  if (const auto* v = find_member(o, "ExpirationDate")) out.expiration_date = read_timestamp(*v, path.member("ExpirationDate"));
  read_optional(o, "LicenseArn", path, out.license_arn, read_string);
}

void read_json(const json::value& jv, const json_path& path, get_entitlements_input& out) {
  const auto& o = read_object(jv, path);
  out = {};
  read_required(o, "ProductCode", path, out.product_code, read_string);
  if (const auto* f = find_member(o, "Filter")) {
    const json_path filter_path = path.member("Filter");
    for (const auto& member : read_object(*f, filter_path)) {
      const json_path name_path = filter_path.member(member.key());
      entitlement_filter name{};
      read_json(json::value(member.key()), name_path, name);
      auto& values = out.filter[name];
      const auto& arr = read_array(member.value(), name_path);
      values.reserve(arr.size());
      for (std::size_t i = 0; i < arr.size(); ++i) values.push_back(read_string(arr[i], name_path.element(i)));
    }
  }
  read_optional(o, "NextToken", path, out.next_token, read_string);
  read_optional(o, "MaxResults", path, out.max_results, read_int32);
}

void read_json(const json::value& jv, const json_path& path, get_entitlements_output& out) {
  const auto& o = read_object(jv, path);
  out.entitlements.clear();
  if (const auto* v = find_member(o, "Entitlements")) read_json_list(*v, path.member("Entitlements"), out.entitlements);
  out.next_token.clear();
  read_optional(o, "NextToken", path, out.next_token, read_string);
}

}  // namespace detail

// ---- Boost.JSON conversions

namespace json = boost::json;

void tag_invoke(const json::value_from_tag&, json::value& jv, const entitlement_filter& v) {
  jv = json::string(to_string(v), jv.storage());
}

entitlement_filter tag_invoke(const json::value_to_tag<entitlement_filter>&, const json::value& jv) {
  return detail::read_json_value<entitlement_filter>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const marketplace_entitlement& v) {
  json::object o(jv.storage());
  auto optional_string = [&](std::string_view key, const std::string& s) {
    if (!s.empty()) o.emplace(key, s);
  };
  optional_string("ProductCode", v.product_code);
  optional_string("Dimension", v.dimension);
  optional_string("CustomerIdentifier", v.customer_identifier);
  optional_string("CustomerAWSAccountId", v.customer_aws_account_id);
  if (!std::holds_alternative<std::monostate>(v.value)) {
    json::object value(jv.storage());
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::int64_t>) {
            value.emplace("IntegerValue", x);
          } else if constexpr (std::is_same_v<T, double>) {
            value.emplace("DoubleValue", x);
          } else if constexpr (std::is_same_v<T, bool>) {
            value.emplace("BooleanValue", x);
          } else if constexpr (std::is_same_v<T, std::string>) {
            value.emplace("StringValue", x);
          }
        },
        v.value);
    o.emplace("Value", std::move(value));
  }
  if (v.expiration_date) o.emplace("ExpirationDate", detail::timestamp_to_json(*v.expiration_date));
  optional_string("LicenseArn", v.license_arn);
  jv = std::move(o);
}

marketplace_entitlement tag_invoke(const json::value_to_tag<marketplace_entitlement>&, const json::value& jv) {
  return detail::read_json_value<marketplace_entitlement>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const get_entitlements_input& v) {
  json::object o(jv.storage());
  o.emplace("ProductCode", v.product_code);
  if (!v.filter.empty()) {
    json::object filter(jv.storage());
    for (const auto& [name, values] : v.filter) {
      json::array list(jv.storage());
      for (const auto& s : values) list.emplace_back(s);
      filter.emplace(to_string(name), std::move(list));
    }
    o.emplace("Filter", std::move(filter));
  }
  if (!v.next_token.empty()) o.emplace("NextToken", v.next_token);
  if (v.max_results != 0) o.emplace("MaxResults", v.max_results);
  jv = std::move(o);
}

get_entitlements_input tag_invoke(const json::value_to_tag<get_entitlements_input>&, const json::value& jv) {
  return detail::read_json_value<get_entitlements_input>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const get_entitlements_output& v) {
  json::object o(jv.storage());
  json::array list(jv.storage());
  list.reserve(v.entitlements.size());
  for (const auto& e : v.entitlements) list.push_back(json::value_from(e, jv.storage()));
  o.emplace("Entitlements", std::move(list));
  if (!v.next_token.empty()) o.emplace("NextToken", v.next_token);
  jv = std::move(o);
}

get_entitlements_output tag_invoke(const json::value_to_tag<get_entitlements_output>&, const json::value& jv) {
  return detail::read_json_value<get_entitlements_output>(jv);
}

}  // namespace awsmp
