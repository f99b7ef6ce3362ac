#include "dynamodb/attribute_codec.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include "core/throw.hpp"
#include "dynamodb/base64.hpp"

namespace awsmp::detail {

using dynamodb::attribute_type;
using dynamodb::attribute_value;

namespace {

boost::json::array strings_to_json(const std::vector<std::string>& members, bool binary) {
  boost::json::array a;
  a.reserve(members.size());
  for (const auto& m : members) {
    if (binary)
      a.emplace_back(base64_encode(m));
    else
      a.emplace_back(m);
  }
  return a;
}

[[noreturn]] void malformed(std::string_view where, std::string_view why) {
  std::string message(where);
  message += ": ";
  message += why;
  throw_error(errc::malformed_message, message);
}

std::string string_of(const boost::json::value& v, std::string_view where, std::string_view descriptor) {
  const auto* s = v.if_string();
  if (s == nullptr) malformed(where, std::string(descriptor) + " must be a JSON string");
  return std::string(s->data(), s->size());
}

std::string binary_of(const boost::json::value& v, std::string_view where, std::string_view descriptor) {
  auto bytes = base64_decode(string_of(v, where, descriptor));
  if (!bytes) malformed(where, std::string(descriptor) + " is not padded base64");
  return std::move(*bytes);
}

std::vector<std::string> set_of(const boost::json::value& v, std::string_view where,
                                std::string_view descriptor, bool binary) {
  const auto* a = v.if_array();
  if (a == nullptr) malformed(where, std::string(descriptor) + " must be a JSON array");
  std::vector<std::string> out;
  out.reserve(a->size());
  for (const auto& m : *a)
    out.push_back(binary ? binary_of(m, where, descriptor) : string_of(m, where, descriptor));
  return out;
}

}  // namespace

boost::json::value attribute_to_json(const attribute_value& value) {
  boost::json::object o;
  switch (value.type) {
    case attribute_type::s:
      o.emplace("S", value.scalar);
      break;
    case attribute_type::n:
      o.emplace("N", value.scalar);
      break;
    case attribute_type::b:
      o.emplace("B", base64_encode(value.scalar));
      break;
    case attribute_type::boolean:
      o.emplace("BOOL", value.boolean);
      break;
    case attribute_type::null:
      o.emplace("NULL", true);
      break;
    case attribute_type::m:
      o.emplace("M", item_to_json(value.map));
      break;
    case attribute_type::l: {
      boost::json::array a;
      a.reserve(value.list.size());
      for (const auto& e : value.list) a.push_back(attribute_to_json(e));
      o.emplace("L", std::move(a));
      break;
    }
    case attribute_type::ss:
      o.emplace("SS", strings_to_json(value.set, false));
      break;
    case attribute_type::ns:
      o.emplace("NS", strings_to_json(value.set, false));
      break;
    case attribute_type::bs:
      o.emplace("BS", strings_to_json(value.set, true));
      break;
  }
  return o;
}

boost::json::object item_to_json(const dynamodb::item& attributes) {
  boost::json::object o;
  o.reserve(attributes.size());
  for (const auto& [name, value] : attributes) o.emplace(name, attribute_to_json(value));
  return o;
}

attribute_value attribute_from_json(const boost::json::value& json, std::string_view where, int depth) {
  if (depth > dynamodb_max_depth) malformed(where, "nested more than 32 levels deep");
  const auto* o = json.if_object();
  if (o == nullptr) malformed(where, "an AttributeValue must be a JSON object");
  if (o->size() != 1) malformed(where, "an AttributeValue must have exactly one type descriptor");
  const auto& [key, v] = *o->begin();
  const std::string_view descriptor(key.data(), key.size());
  if (descriptor == "S") return attribute_value::string(string_of(v, where, descriptor));
  if (descriptor == "N") return attribute_value::number_text(string_of(v, where, descriptor));
  if (descriptor == "B") return attribute_value::binary(binary_of(v, where, descriptor));
  if (descriptor == "BOOL") {
    if (!v.is_bool()) malformed(where, "BOOL must be a JSON boolean");
    return attribute_value::boolean_value(v.get_bool());
  }
  if (descriptor == "NULL") {
    if (!v.is_bool() || !v.get_bool()) malformed(where, "NULL must be true");
    return attribute_value::null_value();
  }
  if (descriptor == "M") return attribute_value::map_value(item_from_json(v, where, depth + 1));
  if (descriptor == "L") {
    const auto* a = v.if_array();
    if (a == nullptr) malformed(where, "L must be a JSON array");
    std::vector<attribute_value> elements;
    elements.reserve(a->size());
    for (const auto& e : *a) elements.push_back(attribute_from_json(e, where, depth + 1));
    return attribute_value::list_value(std::move(elements));
  }
  if (descriptor == "SS") return attribute_value::string_set(set_of(v, where, descriptor, false));
  if (descriptor == "NS") return attribute_value::number_set(set_of(v, where, descriptor, false));
  if (descriptor == "BS") return attribute_value::binary_set(set_of(v, where, descriptor, true));
  malformed(where, "unknown AttributeValue type descriptor");
}

dynamodb::item item_from_json(const boost::json::value& json, std::string_view where, int depth) {
  if (depth > dynamodb_max_depth) malformed(where, "nested more than 32 levels deep");
  const auto* o = json.if_object();
  if (o == nullptr) malformed(where, "an item must be a JSON object");
  dynamodb::item out;
  for (const auto& [name, v] : *o) {
    auto [it, inserted] =
        out.emplace(std::string(name.data(), name.size()), attribute_from_json(v, where, depth));
    if (!inserted) malformed(where, "an attribute name appears twice");
  }
  return out;
}

}  // namespace awsmp::detail
