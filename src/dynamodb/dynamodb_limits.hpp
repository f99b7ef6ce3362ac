// Internal, pure: DynamoDB's documented limits, checked before anything is sent (AWS enforces
// them, emulators such as moto do not all). Every check throws
// system_error(errc::invalid_argument) with "<field>: <rule>". Sources in docs/dynamodb.md.
#pragma once

#include <awsmp/dynamodb_requests.hpp>
#include <cstddef>
#include <string_view>

namespace awsmp::detail {

inline constexpr std::size_t dynamodb_max_item_bytes = 400 * 1024;  ///< item size
inline constexpr std::size_t dynamodb_max_partition_key_bytes = 2048;
inline constexpr std::size_t dynamodb_max_sort_key_bytes = 1024;
inline constexpr std::size_t dynamodb_max_key_name_bytes = 255;
inline constexpr std::size_t dynamodb_max_attribute_name_bytes = 64 * 1024;
inline constexpr std::size_t dynamodb_max_expression_bytes = 4 * 1024;
inline constexpr std::size_t dynamodb_max_transaction_actions = 100;
inline constexpr std::size_t dynamodb_max_transaction_bytes = 4 * 1024 * 1024;
inline constexpr std::size_t dynamodb_max_batch_write_requests = 25;
inline constexpr std::size_t dynamodb_max_batch_write_bytes = 16 * 1024 * 1024;
inline constexpr std::size_t dynamodb_max_client_token_chars = 36;
inline constexpr int dynamodb_max_number_digits = 38;

/// The size DynamoDB charges for a value (UTF-8 bytes, raw binary bytes, 1 + digits/2 for
/// numbers, 3 + 1 per element for lists and maps); never throws.
std::size_t attribute_size(const dynamodb::attribute_value& value) noexcept;
/// The size of an item: names plus values; never throws.
std::size_t item_size(const dynamodb::item& attributes) noexcept;

/// Table and index names: 3..255 characters of [a-zA-Z0-9_.-].
void check_table_name(std::string_view field, std::string_view name);
/// A decimal number DynamoDB accepts: [-]digits[.digits][e[+-]digits], at most 38 significant
/// digits, magnitude 1E-130 .. 9.99..E+125 (or zero).
void check_number(std::string_view field, std::string_view decimal);
/// One value: valid UTF-8 strings, valid numbers, non-empty sets without duplicates, maps
/// with valid names, at most 32 levels of nesting.
void check_value(std::string_view field, const dynamodb::attribute_value& value, int depth = 0);
/// A key: one or two attributes of type S, N or B, non-empty; with a known schema exactly its
/// attributes and types, the partition key at most 2048 bytes and the sort key at most 1024;
/// without one, each at most 2048 bytes.
void check_key(std::string_view field, const dynamodb::item& key, const dynamodb::key_schema* schema);
/// An item: valid names and values, at most 400 KB; with a known schema its key as check_key.
void check_item(std::string_view field, const dynamodb::item& attributes, const dynamodb::key_schema* schema);
/// An expression string: at most 4 KB (empty means absent).
void check_expression(std::string_view field, std::string_view expression);
/// ExpressionAttributeNames keys start with '#', values keys with ':'; values valid.
void check_expression_parameters(std::string_view field, const dynamodb::expression_parameters& parameters);
/// A ClientRequestToken: 1..36 printable ASCII characters.
void check_client_token(std::string_view field, std::string_view token);

}  // namespace awsmp::detail
