// dynamodb_client: a typed DynamoDB client (AWS JSON 1.0) on awsmp's transport: SigV4 with the
// signing name "dynamodb", the standard retry mode for throttling and 5xx, and AWS's limits
// checked before anything is sent.
#pragma once

#include <awsmp/client_options.hpp>
#include <awsmp/common.hpp>
#include <awsmp/dynamodb_requests.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace awsmp::dynamodb {

/// DynamoDB-specific settings on top of client_options.
struct dynamodb_options {
  int batch_write_rounds = 8;  ///< BatchWriteItem calls per batch while UnprocessedItems remain
  int transaction_conflict_attempts =
      3;  ///< tries of a transaction cancelled only by conflicts or throttling
};

/// Calls DynamoDB. Thread-safe; `signer` (signing name "dynamodb") must outlive it. Every call
/// first checks AWS's limits and throws system_error(errc::invalid_argument) naming the field
/// and the rule; AWS's refusals are aws_error; throttling and 5xx are retried per `options`.
class dynamodb_client {
 public:
  /// Endpoint https://dynamodb.<region>.amazonaws.com unless options.endpoint is set. Throws
  /// system_error(errc::invalid_argument) for bad options (see aws_json_client).
  dynamodb_client(asio::any_io_executor ex, request_signer& signer, client_options options,
                  dynamodb_options dynamo = {});
  ~dynamodb_client();
  dynamodb_client(const dynamodb_client&) = delete;
  dynamodb_client& operator=(const dynamodb_client&) = delete;

  /// Declares a table's key so that calls can check the 2 KB partition / 1 KB sort key limits
  /// and key shapes (create_table and describe_table declare it too); never throws beyond
  /// std::bad_alloc.
  void set_key_schema(std::string table, key_schema key);

  /// GetItem: the item, or empty when there is none.
  awaitable<std::optional<item>> get_item(get_item_request request);
  /// PutItem; a failed condition is result.condition_failed.
  awaitable<write_result> put_item(put_item_request request);
  /// UpdateItem; a failed condition is result.condition_failed.
  awaitable<write_result> update_item(update_item_request request);
  /// DeleteItem; a failed condition is result.condition_failed.
  awaitable<write_result> delete_item(delete_item_request request);
  /// Query: one page.
  awaitable<query_page> query(query_request request);
  /// Query: every page, following LastEvaluatedKey; throws errc::malformed_message when the
  /// service repeats a key (it would loop forever).
  awaitable<std::vector<item>> query_all(query_request request);
  /// BatchWriteItem of at most 25 requests, resending UnprocessedItems with backoff for up to
  /// dynamodb_options::batch_write_rounds calls; what is still unprocessed is returned.
  awaitable<batch_write_result> batch_write_item(std::vector<write_request> requests);
  /// TransactWriteItems of at most 100 actions with a ClientRequestToken; a cancellation is
  /// returned (result.cancelled, reasons), retried first when only conflicts caused it.
  awaitable<transact_write_result> transact_write_items(transact_write_request request);
  /// CreateTable (on-demand); returns the description.
  awaitable<table_description> create_table(create_table_request request);
  /// DescribeTable; empty when the table does not exist (ResourceNotFoundException).
  awaitable<std::optional<table_description>> describe_table(std::string table);
  /// UpdateTimeToLive: items whose `attribute` (epoch seconds) is past are deleted by DynamoDB.
  awaitable<void> update_time_to_live(std::string table, std::string attribute, bool enabled = true);

  /// A snapshot of the counters; never throws.
  client_stats stats() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace awsmp::dynamodb
