#include <awsmp/error.hpp>
#include <string>
#include <type_traits>

#include "core/throw.hpp"
#include "wire/wire_codec.hpp"

namespace awsmp {
namespace json = boost::json;

std::string_view to_string(entitlement_filter filter) noexcept {
  switch (filter) {
    case entitlement_filter::customer_identifier:
      return "CUSTOMER_IDENTIFIER";
    case entitlement_filter::dimension:
      return "DIMENSION";
    case entitlement_filter::customer_aws_account_id:
      return "CUSTOMER_AWS_ACCOUNT_ID";
    case entitlement_filter::license_arn:
      return "LICENSE_ARN";
  }
  return "UNKNOWN";
}

template <>
entitlement_filter from_string<entitlement_filter>(std::string_view text) {
  for (auto f : detail::wire_enum<entitlement_filter>::values) {
    if (to_string(f) == text) return f;
  }
  detail::throw_invalid_argument("entitlement_filter", detail::wire_form<entitlement_filter>::choices());
}

namespace detail {

void wire_form<entitlement_value>::write(std::string& out, const entitlement_value& v) {
  json_object_writer value(out);
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
      v);
  value.close();
}

void wire_form<entitlement_value>::read(const json::value& jv, const json_path& path,
                                        entitlement_value& out) {
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
  if (found > 1)
    throw_malformed(path, "must hold at most one of IntegerValue, DoubleValue, BooleanValue, StringValue");
  out = std::move(value);
}

json::value wire_form<entitlement_value>::to_value(const entitlement_value& v, json::storage_ptr sp) {
  json::object value(sp);
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
      v);
  return value;
}

void wire_form<entitlement_filter_map>::write(std::string& out, const entitlement_filter_map& v) {
  json_object_writer filter(out);
  for (const auto& [name, values] : v)
    wire_form<std::vector<std::string>>::write(filter.key(to_string(name)), values);
  filter.close();
}

void wire_form<entitlement_filter_map>::read(const json::value& jv, const json_path& path,
                                             entitlement_filter_map& out) {
  out.clear();
  for (const auto& member : read_object(jv, path)) {
    const json_path name_path = path.member(member.key());
    entitlement_filter name{};
    wire_form<entitlement_filter>::read(json::value(member.key()), name_path, name);
    wire_form<std::vector<std::string>>::read(member.value(), name_path, out[name]);
  }
}

json::value wire_form<entitlement_filter_map>::to_value(const entitlement_filter_map& v,
                                                        json::storage_ptr sp) {
  json::object filter(sp);
  for (const auto& [name, values] : v)
    filter.emplace(to_string(name), wire_form<std::vector<std::string>>::to_value(values, sp));
  return filter;
}

}  // namespace detail

// ---- Boost.JSON conversions: the member tables' to_value and read

void tag_invoke(const json::value_from_tag&, json::value& jv, const entitlement_filter& v) {
  jv = detail::to_json_value(v, jv.storage());
}
entitlement_filter tag_invoke(const json::value_to_tag<entitlement_filter>&, const json::value& jv) {
  return detail::read_json_value<entitlement_filter>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const marketplace_entitlement& v) {
  jv = detail::to_json_value(v, jv.storage());
}
marketplace_entitlement tag_invoke(const json::value_to_tag<marketplace_entitlement>&,
                                   const json::value& jv) {
  return detail::read_json_value<marketplace_entitlement>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const get_entitlements_input& v) {
  jv = detail::to_json_value(v, jv.storage());
}
get_entitlements_input tag_invoke(const json::value_to_tag<get_entitlements_input>&, const json::value& jv) {
  return detail::read_json_value<get_entitlements_input>(jv);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const get_entitlements_output& v) {
  jv = detail::to_json_value(v, jv.storage());
}
get_entitlements_output tag_invoke(const json::value_to_tag<get_entitlements_output>&,
                                   const json::value& jv) {
  return detail::read_json_value<get_entitlements_output>(jv);
}

}  // namespace awsmp
