// The requests and results of dynamodb_client, one struct per operation; the wire names are in
// the comments (DynamoDB API reference, 2012-08-10).
#pragma once

#include <awsmp/dynamodb_attribute_value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace awsmp::dynamodb {

/// ExpressionAttributeNames ("#n" -> name) and ExpressionAttributeValues (":v" -> value).
struct expression_parameters {
  std::map<std::string, std::string> names;
  item values;
};

/// ReturnValues of UpdateItem (PutItem and DeleteItem support none and all_old only).
enum class return_values { none, all_old, updated_old, all_new, updated_new };

/// GetItem.
struct get_item_request {
  std::string table;
  item key;
  bool consistent_read = false;
  std::string projection_expression;         ///< empty: every attribute
  std::map<std::string, std::string> names;  ///< ExpressionAttributeNames of the projection
};

/// PutItem; `condition_expression` empty means unconditional.
struct put_item_request {
  std::string table;
  item attributes;
  std::string condition_expression;
  expression_parameters expression;
  bool return_old_item = false;                   ///< ReturnValues ALL_OLD
  bool return_item_on_condition_failure = false;  ///< ReturnValuesOnConditionCheckFailure ALL_OLD
};

/// UpdateItem.
struct update_item_request {
  std::string table;
  item key;
  std::string update_expression;
  std::string condition_expression;
  expression_parameters expression;
  return_values returns = return_values::none;
  bool return_item_on_condition_failure = false;
};

/// DeleteItem.
struct delete_item_request {
  std::string table;
  item key;
  std::string condition_expression;
  expression_parameters expression;
  bool return_old_item = false;
  bool return_item_on_condition_failure = false;
};

/// What a single-item write answered. A failed condition is an answer, not an exception.
struct write_result {
  bool condition_failed = false;   ///< ConditionalCheckFailedException: nothing was written
  std::optional<item> attributes;  ///< ReturnValues, or the current item after a failed condition when asked
};

/// Query: one page per call (query_all follows LastEvaluatedKey).
struct query_request {
  std::string table;
  std::string index_name;  ///< empty: the table itself
  std::string key_condition_expression;
  std::string filter_expression;
  std::string projection_expression;
  expression_parameters expression;
  bool consistent_read = false;
  bool scan_index_forward = true;
  int limit = 0;  ///< items evaluated per page; 0: DynamoDB's 1 MB page
  std::optional<item> exclusive_start_key;
};

/// One page of a Query.
struct query_page {
  std::vector<item> items;
  std::optional<item> last_evaluated_key;  ///< empty on the last page
};

/// One PutRequest or DeleteRequest of BatchWriteItem.
struct write_request {
  enum class kind { put, remove };
  kind action = kind::put;
  std::string table;
  item attributes;  ///< the item (put) or the key (remove)
  /// A PutRequest; never throws beyond std::bad_alloc.
  static write_request put(std::string table, item attributes);
  /// A DeleteRequest; never throws beyond std::bad_alloc.
  static write_request remove(std::string table, item key);
  friend bool operator==(const write_request&, const write_request&) = default;
};

/// What BatchWriteItem left undone after its rounds of retrying UnprocessedItems.
struct batch_write_result {
  std::vector<write_request> unprocessed;  ///< empty when everything was written
  int calls = 0;                           ///< BatchWriteItem calls made
};

/// One action of TransactWriteItems.
struct transact_write_item {
  enum class kind { put, update, remove, condition_check };
  kind action = kind::put;
  std::string table;
  item attributes;                   ///< put: the item; others: the key
  std::string update_expression;     ///< update only
  std::string condition_expression;  ///< required for condition_check
  expression_parameters expression;
  bool return_item_on_condition_failure = false;

  /// A Put; never throws beyond std::bad_alloc.
  static transact_write_item put(std::string table, item attributes, std::string condition = {},
                                 expression_parameters expression = {});
  /// An Update; never throws beyond std::bad_alloc.
  static transact_write_item update(std::string table, item key, std::string update_expression,
                                    std::string condition = {}, expression_parameters expression = {});
  /// A Delete; never throws beyond std::bad_alloc.
  static transact_write_item remove(std::string table, item key, std::string condition = {},
                                    expression_parameters expression = {});
  /// A ConditionCheck; never throws beyond std::bad_alloc.
  static transact_write_item condition_check(std::string table, item key, std::string condition,
                                             expression_parameters expression = {});
};

/// TransactWriteItems. The token makes retries within DynamoDB's idempotency window safe;
/// empty: the client generates one per logical call (kept across its retries).
struct transact_write_request {
  std::vector<transact_write_item> items;
  std::string client_request_token;
};

/// One entry of TransactionCanceledException.CancellationReasons (one per action, in order).
struct cancellation_reason {
  std::string code;  ///< "None", "ConditionalCheckFailed", "TransactionConflict", ...
  std::string message;
  std::optional<item> attributes;  ///< the item, when return_item_on_condition_failure
};

/// What TransactWriteItems answered. A cancellation is an answer, not an exception.
struct transact_write_result {
  bool cancelled = false;  ///< TransactionCanceledException: nothing was written
  std::vector<cancellation_reason> reasons;
  std::string client_request_token;  ///< the token sent
  /// True when the transaction was cancelled because a condition failed; never throws.
  bool condition_failed() const noexcept;
};

/// A key attribute: its name and scalar type (s, n or b).
struct key_attribute {
  std::string name;
  attribute_type type = attribute_type::s;
  friend bool operator==(const key_attribute&, const key_attribute&) = default;
};

/// A table's or index's primary key.
struct key_schema {
  key_attribute partition_key;
  std::optional<key_attribute> sort_key;
  friend bool operator==(const key_schema&, const key_schema&) = default;
};

/// A global secondary index projecting every attribute.
struct global_secondary_index {
  std::string name;
  key_schema key;
  friend bool operator==(const global_secondary_index&, const global_secondary_index&) = default;
};

/// CreateTable with on-demand billing (PAY_PER_REQUEST).
struct create_table_request {
  std::string table;
  key_schema key;
  std::vector<global_secondary_index> indexes;
};

/// The parts of a TableDescription awsmp uses.
struct table_description {
  std::string name;
  std::string status;  ///< CREATING, ACTIVE, ...
  key_schema key;
  std::vector<global_secondary_index> indexes;
  std::int64_t item_count = 0;
};

}  // namespace awsmp::dynamodb
