#include <awsmp/dynamodb_attribute_value.hpp>
#include <awsmp/dynamodb_requests.hpp>
#include <charconv>

#include "core/throw.hpp"

namespace awsmp::dynamodb {

std::string_view to_string(attribute_type type) noexcept {
  switch (type) {
    case attribute_type::s:
      return "S";
    case attribute_type::n:
      return "N";
    case attribute_type::b:
      return "B";
    case attribute_type::boolean:
      return "BOOL";
    case attribute_type::null:
      return "NULL";
    case attribute_type::m:
      return "M";
    case attribute_type::l:
      return "L";
    case attribute_type::ss:
      return "SS";
    case attribute_type::ns:
      return "NS";
    case attribute_type::bs:
      return "BS";
  }
  return "?";
}

attribute_value attribute_value::string(std::string text) {
  attribute_value v;
  v.type = attribute_type::s;
  v.scalar = std::move(text);
  return v;
}

attribute_value attribute_value::number(std::int64_t value) {
  return number_text(std::to_string(value));
}

attribute_value attribute_value::number_text(std::string decimal) {
  attribute_value v;
  v.type = attribute_type::n;
  v.scalar = std::move(decimal);
  return v;
}

attribute_value attribute_value::binary(std::string bytes) {
  attribute_value v;
  v.type = attribute_type::b;
  v.scalar = std::move(bytes);
  return v;
}

attribute_value attribute_value::boolean_value(bool value) noexcept {
  attribute_value v;
  v.type = attribute_type::boolean;
  v.boolean = value;
  return v;
}

attribute_value attribute_value::map_value(std::map<std::string, attribute_value> members) {
  attribute_value v;
  v.type = attribute_type::m;
  v.map = std::move(members);
  return v;
}

attribute_value attribute_value::list_value(std::vector<attribute_value> elements) {
  attribute_value v;
  v.type = attribute_type::l;
  v.list = std::move(elements);
  return v;
}

namespace {
attribute_value make_set(attribute_type type, std::vector<std::string> members) {
  attribute_value v;
  v.type = type;
  v.set = std::move(members);
  return v;
}

[[noreturn]] void wrong_type(attribute_type want, attribute_type got) {
  detail::throw_error(errc::store_corrupt, std::string("attribute: expected type ") +
                                               std::string(to_string(want)) + ", found " +
                                               std::string(to_string(got)));
}
}  // namespace

attribute_value attribute_value::string_set(std::vector<std::string> texts) {
  return make_set(attribute_type::ss, std::move(texts));
}
attribute_value attribute_value::number_set(std::vector<std::string> decimals) {
  return make_set(attribute_type::ns, std::move(decimals));
}
attribute_value attribute_value::binary_set(std::vector<std::string> byte_strings) {
  return make_set(attribute_type::bs, std::move(byte_strings));
}

const std::string& attribute_value::as_string() const {
  if (type != attribute_type::s) wrong_type(attribute_type::s, type);
  return scalar;
}

std::int64_t attribute_value::as_int64() const {
  if (type != attribute_type::n) wrong_type(attribute_type::n, type);
  std::int64_t v = 0;
  const char* first = scalar.data();
  const char* last = first + scalar.size();
  const auto [end, ec] = std::from_chars(first, last, v);
  if (ec != std::errc() || end != last || scalar.empty())
    detail::throw_error(errc::store_corrupt, "attribute: number is not an integer within int64 range");
  return v;
}

bool attribute_value::as_bool() const {
  if (type != attribute_type::boolean) wrong_type(attribute_type::boolean, type);
  return boolean;
}

write_request write_request::put(std::string table, item attributes) {
  write_request r;
  r.action = kind::put;
  r.table = std::move(table);
  r.attributes = std::move(attributes);
  return r;
}

write_request write_request::remove(std::string table, item key) {
  write_request r;
  r.action = kind::remove;
  r.table = std::move(table);
  r.attributes = std::move(key);
  return r;
}

namespace {
transact_write_item make_action(transact_write_item::kind action, std::string table, item attributes,
                                std::string condition, expression_parameters expression) {
  transact_write_item t;
  t.action = action;
  t.table = std::move(table);
  t.attributes = std::move(attributes);
  t.condition_expression = std::move(condition);
  t.expression = std::move(expression);
  return t;
}
}  // namespace

transact_write_item transact_write_item::put(std::string table, item attributes, std::string condition,
                                             expression_parameters expression) {
  return make_action(kind::put, std::move(table), std::move(attributes), std::move(condition),
                     std::move(expression));
}

transact_write_item transact_write_item::update(std::string table, item key, std::string update_expression,
                                                std::string condition, expression_parameters expression) {
  auto t = make_action(kind::update, std::move(table), std::move(key), std::move(condition),
                       std::move(expression));
  t.update_expression = std::move(update_expression);
  return t;
}

transact_write_item transact_write_item::remove(std::string table, item key, std::string condition,
                                                expression_parameters expression) {
  return make_action(kind::remove, std::move(table), std::move(key), std::move(condition),
                     std::move(expression));
}

transact_write_item transact_write_item::condition_check(std::string table, item key, std::string condition,
                                                         expression_parameters expression) {
  return make_action(kind::condition_check, std::move(table), std::move(key), std::move(condition),
                     std::move(expression));
}

bool transact_write_result::condition_failed() const noexcept {
  if (!cancelled) return false;
  for (const auto& r : reasons)
    if (r.code == "ConditionalCheckFailed") return true;
  return false;
}

}  // namespace awsmp::dynamodb
