// Internal: how the DynamoDB stores lay out their rows (docs/dynamodb.md "Table design"), and
// the strict decoding that turns any foreign or damaged row into errc::store_corrupt.
#pragma once

#include <awsmp/dynamodb_client.hpp>
#include <awsmp/entitlement_store.hpp>
#include <awsmp/subscription_store.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace awsmp::detail {

inline constexpr std::string_view row_pk = "pk";
inline constexpr std::string_view row_sk = "sk";
inline constexpr std::string_view row_kind = "kind";
inline constexpr std::string_view row_rev = "rev";
inline constexpr std::string_view row_ttl = "ttl";
inline constexpr std::string_view status_attribute = "gsi_status";
inline constexpr std::string_view status_index = "by-status";
/// The sort key of a subscription's own row.
inline constexpr std::string_view subscription_sk = "subscription";
/// Partition key prefix of the rows that index account-form rows by customer identifier.
inline constexpr std::string_view by_identifier_prefix = "by-id:";
/// Sort key prefix of entitlement rows ("dim:<dimension>"); alias rows add "\x1f<store key>"
/// (identifiers have no control characters, so the order is (dimension, key)).
inline constexpr std::string_view dimension_prefix = "dim:";
inline constexpr char alias_separator = '\x1f';

/// Every store table's key: pk (S) + sk (S).
dynamodb::key_schema store_key_schema();
/// Describes `table`; creates it with `indexes` when missing; declares its key to the client.
awaitable<void> ensure_store_table(dynamodb::dynamodb_client& client, std::string table,
                                   std::vector<dynamodb::global_secondary_index> indexes);

/// Nanoseconds since the epoch as an N value, and back (store_corrupt when not an int64).
dynamodb::attribute_value time_value(time_point t);
time_point time_of(const dynamodb::attribute_value& v, std::string_view field);

/// The rows of one subscription: its own row, and (account form with a customer identifier)
/// its alias row under by-id:<customer identifier>.
dynamodb::item subscription_row(const subscription& sub, const std::string& rev);
dynamodb::item subscription_alias_row(const subscription& sub, const std::string& rev);
/// Decodes either row kind; throws system_error(errc::store_corrupt) naming the table and the
/// defect for anything that is not exactly what subscription_row wrote.
subscription subscription_from_row(const dynamodb::item& row, std::string_view table);

/// The rows of one entitlement (own row + alias row), with the TTL attribute.
dynamodb::item entitlement_row(const entitlement& ent, const std::string& rev,
                               std::chrono::seconds retention);
dynamodb::item entitlement_alias_row(const entitlement& ent, const std::string& rev,
                                     std::chrono::seconds retention);
/// Decodes either row kind; throws system_error(errc::store_corrupt) like subscription_from_row.
entitlement entitlement_from_row(const dynamodb::item& row, std::string_view table);

/// Optimistic concurrency of the stores: a writer reads the row's revision, then writes
/// conditionally on it; losing a race means reading again, at most this many times, so that a
/// pathological contention fails loudly.
inline constexpr int max_write_races = 16;

/// A strongly consistent GetItem of one row; empty when there is none. Throws as the client.
awaitable<std::optional<dynamodb::item>> read_row(dynamodb::dynamodb_client& client, std::string table,
                                                  dynamodb::item key);

/// The condition of an optimistic write after reading `row`: still absent, or unchanged (same
/// revision). Throws errc::store_corrupt for a row without a revision.
struct row_condition {
  std::string expression;
  dynamodb::expression_parameters parameters;
};
row_condition unchanged_since(const std::optional<dynamodb::item>& row, std::string_view table);

/// Throws errc::service_error: a transaction cancelled for another reason than a condition
/// (the reasons' codes in the message).
[[noreturn]] void throw_cancelled(std::string_view table, const dynamodb::transact_write_result& r);
/// Throws errc::service_error: max_write_races writers won over this one.
[[noreturn]] void throw_lost_races(std::string_view table, std::string_view what);

/// The key {pk, sk} of an item.
dynamodb::item key_of(std::string pk, std::string sk);
/// The revision token of a decoded row (store_corrupt when missing).
std::string revision_of(const dynamodb::item& row, std::string_view table);

}  // namespace awsmp::detail
