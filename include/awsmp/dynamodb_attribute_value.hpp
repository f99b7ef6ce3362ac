// dynamodb::attribute_value: one DynamoDB AttributeValue (S, N, B, BOOL, NULL, M, L, SS, NS, BS)
// as a plain C++ value, and `item`, an attribute map.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace awsmp::dynamodb {

/// The ten AttributeValue data types, named after their wire descriptors.
enum class attribute_type { s, n, b, boolean, null, m, l, ss, ns, bs };

/// The wire descriptor of a type ("S", "N", ..., "BOOL", "NULL"); never throws.
std::string_view to_string(attribute_type type) noexcept;

/// One DynamoDB value. Numbers are kept as their decimal text, so every DynamoDB number (38
/// significant digits) survives exactly; binary values hold raw bytes (base64 only on the
/// wire). Only the members of `type` are meaningful.
struct attribute_value {
  attribute_type type = attribute_type::null;
  std::string scalar;                          ///< S text, N decimal text, B raw bytes
  bool boolean = false;                        ///< BOOL
  std::vector<std::string> set;                ///< SS texts, NS decimal texts, BS raw bytes
  std::vector<attribute_value> list;           ///< L
  std::map<std::string, attribute_value> map;  ///< M

  /// An S value; never throws beyond std::bad_alloc.
  static attribute_value string(std::string text);
  /// An N value from an integer; never throws beyond std::bad_alloc.
  static attribute_value number(std::int64_t value);
  /// An N value from its decimal text (checked when sent); never throws beyond std::bad_alloc.
  static attribute_value number_text(std::string decimal);
  /// A B value holding `bytes`; never throws beyond std::bad_alloc.
  static attribute_value binary(std::string bytes);
  /// A BOOL value; never throws.
  static attribute_value boolean_value(bool value) noexcept;
  /// The NULL value; never throws.
  static attribute_value null_value() noexcept { return attribute_value{}; }
  /// An M value; never throws beyond std::bad_alloc.
  static attribute_value map_value(std::map<std::string, attribute_value> members);
  /// An L value; never throws beyond std::bad_alloc.
  static attribute_value list_value(std::vector<attribute_value> elements);
  /// An SS value; never throws beyond std::bad_alloc.
  static attribute_value string_set(std::vector<std::string> texts);
  /// An NS value of decimal texts; never throws beyond std::bad_alloc.
  static attribute_value number_set(std::vector<std::string> decimals);
  /// A BS value of raw byte strings; never throws beyond std::bad_alloc.
  static attribute_value binary_set(std::vector<std::string> byte_strings);

  /// The S text; throws system_error(errc::store_corrupt) when the value is not an S.
  const std::string& as_string() const;
  /// The N value as an integer; throws system_error(errc::store_corrupt) when the value is not
  /// an N or does not fit an int64 exactly.
  std::int64_t as_int64() const;
  /// The BOOL value; throws system_error(errc::store_corrupt) when the value is not a BOOL.
  bool as_bool() const;

  friend bool operator==(const attribute_value&, const attribute_value&) = default;
};

/// An item or a key: attribute name -> value.
using item = std::map<std::string, attribute_value>;

}  // namespace awsmp::dynamodb
