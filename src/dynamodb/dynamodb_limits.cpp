#include "dynamodb/dynamodb_limits.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "core/throw.hpp"
#include "core/utf8.hpp"
#include "dynamodb/attribute_codec.hpp"

namespace awsmp::detail {

using dynamodb::attribute_type;
using dynamodb::attribute_value;

namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Significant digits of a decimal text already known to match the grammar, and the decimal
// exponent of its first significant digit. Zero has no significant digits.
struct number_shape {
  bool valid = false;
  int significant_digits = 0;
  long long leading_exponent = 0;
};

number_shape shape_of(std::string_view s) noexcept {
  number_shape shape;
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  std::string digits;
  long long integer_digits = 0;
  const std::size_t int_start = i;
  while (i < s.size() && is_digit(s[i])) digits += s[i++];
  integer_digits = static_cast<long long>(i - int_start);
  bool any_digit = integer_digits > 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t frac_start = i;
    while (i < s.size() && is_digit(s[i])) digits += s[i++];
    any_digit = any_digit || i > frac_start;
  }
  if (!any_digit) return shape;
  long long exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    const std::size_t exp_start = i;
    while (i < s.size() && is_digit(s[i])) {
      if (exponent < 1'000'000) exponent = exponent * 10 + (s[i] - '0');
      ++i;
    }
    if (i == exp_start) return shape;
    if (negative) exponent = -exponent;
  }
  if (i != s.size()) return shape;
  shape.valid = true;
  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return shape;  // zero
  const auto last = digits.find_last_not_of('0');
  shape.significant_digits = static_cast<int>(last - first + 1);
  shape.leading_exponent = integer_digits - static_cast<long long>(first) - 1 + exponent;
  return shape;
}

std::size_t number_size(std::string_view decimal) noexcept {
  const auto shape = shape_of(decimal);
  return 1 + static_cast<std::size_t>((shape.significant_digits + 1) / 2);
}

std::string at(std::string_view field, std::string_view member) {
  std::string out(field);
  out += '.';
  out += member;
  return out;
}

void check_attribute_name(std::string_view field, std::string_view name) {
  if (name.empty()) throw_invalid_argument(field, "an attribute name must not be empty");
  if (name.size() > dynamodb_max_attribute_name_bytes)
    throw_invalid_argument(field, "an attribute name must be at most 64 KB");
  if (!is_valid_utf8(name)) throw_invalid_argument(field, "an attribute name must be valid UTF-8");
}

bool is_key_type(attribute_type t) noexcept {
  return t == attribute_type::s || t == attribute_type::n || t == attribute_type::b;
}

void check_key_value(std::string_view field, const attribute_value& v, std::size_t max_bytes,
                     std::string_view which) {
  if (!is_key_type(v.type)) throw_invalid_argument(field, "a key attribute must be of type S, N or B");
  check_value(field, v);
  if (v.type != attribute_type::n && v.scalar.empty())
    throw_invalid_argument(field, "a key value must be at least 1 byte");
  if (attribute_size(v) > max_bytes)
    throw_invalid_argument(
        field, std::string(which) + " value must be at most " + std::to_string(max_bytes) + " bytes");
}

}  // namespace

std::size_t attribute_size(const attribute_value& value) noexcept {
  switch (value.type) {
    case attribute_type::s:
    case attribute_type::b:
      return value.scalar.size();
    case attribute_type::n:
      return number_size(value.scalar);
    case attribute_type::boolean:
    case attribute_type::null:
      return 1;
    case attribute_type::ss:
    case attribute_type::bs: {
      std::size_t n = 0;
      for (const auto& m : value.set) n += m.size();
      return n;
    }
    case attribute_type::ns: {
      std::size_t n = 0;
      for (const auto& m : value.set) n += number_size(m);
      return n;
    }
    case attribute_type::l: {
      std::size_t n = 3;
      for (const auto& e : value.list) n += 1 + attribute_size(e);
      return n;
    }
    case attribute_type::m: {
      std::size_t n = 3;
      for (const auto& [name, e] : value.map) n += 1 + name.size() + attribute_size(e);
      return n;
    }
  }
  return 0;
}

std::size_t item_size(const dynamodb::item& attributes) noexcept {
  std::size_t n = 0;
  for (const auto& [name, value] : attributes) n += name.size() + attribute_size(value);
  return n;
}

void check_table_name(std::string_view field, std::string_view name) {
  if (name.size() < 3 || name.size() > 255)
    throw_invalid_argument(field, "a table or index name must be 3..255 characters");
  const bool ok = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-' ||
           c == '.';
  });
  if (!ok)
    throw_invalid_argument(field, "a table or index name may contain only a-z, A-Z, 0-9, '_', '-' and '.'");
}

void check_number(std::string_view field, std::string_view decimal) {
  const auto shape = shape_of(decimal);
  if (!shape.valid) throw_invalid_argument(field, "a number must be decimal text such as -12.5 or 1E+3");
  if (shape.significant_digits > dynamodb_max_number_digits)
    throw_invalid_argument(field, "a number must have at most 38 significant digits");
  if (shape.significant_digits > 0 && (shape.leading_exponent < -130 || shape.leading_exponent > 125))
    throw_invalid_argument(field, "a number's magnitude must be between 1E-130 and 9.99E+125");
}

void check_value(std::string_view field, const attribute_value& value, int depth) {
  if (depth >= dynamodb_max_depth) throw_invalid_argument(field, "documents nest at most 32 levels deep");
  switch (value.type) {
    case attribute_type::s:
      if (!is_valid_utf8(value.scalar)) throw_invalid_argument(field, "a string must be valid UTF-8");
      return;
    case attribute_type::n:
      check_number(field, value.scalar);
      return;
    case attribute_type::b:
    case attribute_type::boolean:
    case attribute_type::null:
      return;
    case attribute_type::ss:
    case attribute_type::ns:
    case attribute_type::bs: {
      if (value.set.empty()) throw_invalid_argument(field, "a set must not be empty");
      std::set<std::string_view> seen;
      for (const auto& m : value.set) {
        if (value.type == attribute_type::ss && !is_valid_utf8(m))
          throw_invalid_argument(field, "a string must be valid UTF-8");
        if (value.type == attribute_type::ns) check_number(field, m);
        if (!seen.insert(m).second) throw_invalid_argument(field, "a set must not contain duplicates");
      }
      return;
    }
    case attribute_type::l:
      for (const auto& e : value.list) check_value(field, e, depth + 1);
      return;
    case attribute_type::m:
      for (const auto& [name, e] : value.map) {
        check_attribute_name(field, name);
        check_value(field, e, depth + 1);
      }
      return;
  }
}

void check_key(std::string_view field, const dynamodb::item& key, const dynamodb::key_schema* schema) {
  if (key.empty() || key.size() > 2) throw_invalid_argument(field, "a key must have one or two attributes");
  for (const auto& [name, v] : key) {
    if (name.empty() || name.size() > dynamodb_max_key_name_bytes)
      throw_invalid_argument(field, "a key attribute name must be 1..255 bytes");
    const std::string where = at(field, name);
    std::size_t limit = dynamodb_max_partition_key_bytes;
    std::string_view which = "a key";
    if (schema != nullptr) {
      const bool is_partition = name == schema->partition_key.name;
      const bool is_sort = schema->sort_key && name == schema->sort_key->name;
      if (!is_partition && !is_sort) throw_invalid_argument(where, "is not a key attribute of the table");
      const auto& declared = is_partition ? schema->partition_key : *schema->sort_key;
      if (v.type != declared.type)
        throw_invalid_argument(where,
                               "must have the key's declared type " + std::string(to_string(declared.type)));
      limit = is_partition ? dynamodb_max_partition_key_bytes : dynamodb_max_sort_key_bytes;
      which = is_partition ? "a partition key" : "a sort key";
    }
    check_key_value(where, v, limit, which);
  }
  if (schema != nullptr && key.size() != (schema->sort_key ? 2u : 1u))
    throw_invalid_argument(field, "a key must name exactly the table's key attributes");
}

void check_item(std::string_view field, const dynamodb::item& attributes,
                const dynamodb::key_schema* schema) {
  if (attributes.empty()) throw_invalid_argument(field, "an item must have attributes");
  for (const auto& [name, v] : attributes) {
    check_attribute_name(field, name);
    check_value(at(field, name), v);
  }
  if (item_size(attributes) > dynamodb_max_item_bytes)
    throw_invalid_argument(field, "an item must be at most 400 KB");
  if (schema != nullptr) {
    dynamodb::item key;
    for (const auto* k : {&schema->partition_key, schema->sort_key ? &*schema->sort_key : nullptr}) {
      if (k == nullptr) continue;
      auto it = attributes.find(k->name);
      if (it == attributes.end())
        throw_invalid_argument(at(field, k->name), "the item must carry its key attribute");
      key.emplace(it->first, it->second);
    }
    check_key(field, key, schema);
  }
}

void check_expression(std::string_view field, std::string_view expression) {
  if (expression.size() > dynamodb_max_expression_bytes)
    throw_invalid_argument(field, "an expression must be at most 4 KB");
  if (!is_valid_utf8(expression)) throw_invalid_argument(field, "an expression must be valid UTF-8");
}

void check_expression_parameters(std::string_view field, const dynamodb::expression_parameters& parameters) {
  for (const auto& [placeholder, name] : parameters.names) {
    if (placeholder.size() < 2 || placeholder[0] != '#')
      throw_invalid_argument(at(field, "names"), "a name placeholder must start with '#'");
    check_attribute_name(at(field, "names"), name);
  }
  for (const auto& [placeholder, v] : parameters.values) {
    if (placeholder.size() < 2 || placeholder[0] != ':')
      throw_invalid_argument(at(field, "values"), "a value placeholder must start with ':'");
    check_value(at(field, placeholder), v);
  }
}

void check_client_token(std::string_view field, std::string_view token) {
  if (token.empty() || token.size() > dynamodb_max_client_token_chars)
    throw_invalid_argument(field, "a ClientRequestToken must be 1..36 characters");
  if (!std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; }))
    throw_invalid_argument(field, "a ClientRequestToken must be printable ASCII");
}

}  // namespace awsmp::detail
