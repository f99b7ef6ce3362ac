// Internal, pure: the DynamoDB request bodies (checked against AWS's limits first) and the
// decoding of its answers. No I/O: dynamodb_client is the thin async shell around this.
#pragma once

#include <awsmp/dynamodb_requests.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awsmp::detail {

/// X-Amz-Target prefix of every DynamoDB operation.
inline constexpr std::string_view dynamodb_target_prefix = "DynamoDB_20120810.";
/// Content-Type of the DynamoDB protocol (AWS JSON 1.0).
inline constexpr std::string_view dynamodb_content_type = "application/x-amz-json-1.0";

/// The known key schema of a table, or empty when the caller never declared one.
using key_schema_lookup = std::function<std::optional<dynamodb::key_schema>(std::string_view table)>;

/// Each encoder checks the request against AWS's limits (system_error errc::invalid_argument
/// naming the field and the rule) and returns the compact JSON body.
std::string encode_get_item(const dynamodb::get_item_request& request, const dynamodb::key_schema* schema);
std::string encode_put_item(const dynamodb::put_item_request& request, const dynamodb::key_schema* schema);
std::string encode_update_item(const dynamodb::update_item_request& request,
                               const dynamodb::key_schema* schema);
std::string encode_delete_item(const dynamodb::delete_item_request& request,
                               const dynamodb::key_schema* schema);
std::string encode_query(const dynamodb::query_request& request);
std::string encode_batch_write_item(const std::vector<dynamodb::write_request>& requests,
                                    const key_schema_lookup& schemas);
/// `request.client_request_token` must be set (the client fills it in).
std::string encode_transact_write_items(const dynamodb::transact_write_request& request,
                                        const key_schema_lookup& schemas);
std::string encode_create_table(const dynamodb::create_table_request& request);
std::string encode_describe_table(std::string_view table);
std::string encode_update_time_to_live(std::string_view table, std::string_view attribute, bool enabled);

/// Each decoder throws system_error(errc::malformed_message) for a body that does not match
/// the operation's answer.
std::optional<dynamodb::item> decode_get_item(std::string_view body);
/// PutItem/UpdateItem/DeleteItem answers (Attributes).
dynamodb::write_result decode_write(std::string_view body);
/// A ConditionalCheckFailedException body (its Item, when asked for).
dynamodb::write_result decode_condition_failed(std::string_view body);
dynamodb::query_page decode_query(std::string_view body);
/// UnprocessedItems of a BatchWriteItem answer, in request form.
std::vector<dynamodb::write_request> decode_batch_write_item(std::string_view body);
/// CancellationReasons of a TransactionCanceledException body.
std::vector<dynamodb::cancellation_reason> decode_transaction_canceled(std::string_view body);
/// A TableDescription from CreateTable ("TableDescription") or DescribeTable ("Table").
dynamodb::table_description decode_table_description(std::string_view body);

}  // namespace awsmp::detail
