#include <awsmp/dynamodb_client.hpp>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <set>

#include "core/crypto.hpp"
#include "core/throw.hpp"
#include "dynamodb/dynamodb_wire.hpp"
#include "transport/aws_json_client.hpp"
#include "transport/retry_strategy.hpp"

namespace awsmp::dynamodb {

namespace {

constexpr std::string_view condition_failed_type = "ConditionalCheckFailedException";
constexpr std::string_view transaction_canceled_type = "TransactionCanceledException";
constexpr std::string_view not_found_type = "ResourceNotFoundException";

std::string target(std::string_view operation) {
  std::string t(detail::dynamodb_target_prefix);
  t += operation;
  return t;
}

// Cancellation codes after which sending the same transaction again can succeed: nothing was
// written, and nothing about the request itself was wrong.
bool only_transient_cancellations(const std::vector<cancellation_reason>& reasons) {
  if (reasons.empty()) return false;
  bool any = false;
  for (const auto& r : reasons) {
    if (r.code.empty() || r.code == "None") continue;
    if (r.code != "TransactionConflict" && r.code != "ThrottlingError" &&
        r.code != "ProvisionedThroughputExceeded")
      return false;
    any = true;
  }
  return any;
}

}  // namespace

struct dynamodb_client::impl {
  impl(asio::any_io_executor ex, request_signer& signer, client_options o, dynamodb_options d)
      : options(o),
        dynamo(d),
        json(std::move(ex), signer, std::move(o), "dynamodb." + options.region + ".amazonaws.com",
             std::string(detail::dynamodb_content_type)) {
    if (dynamo.batch_write_rounds < 1)
      detail::throw_invalid_argument("batch_write_rounds", "must be at least 1");
    if (dynamo.transaction_conflict_attempts < 1)
      detail::throw_invalid_argument("transaction_conflict_attempts", "must be at least 1");
  }

  std::optional<key_schema> schema_of(std::string_view table) const {
    std::lock_guard lock(mutex);
    auto it = schemas.find(table);
    if (it == schemas.end()) return std::nullopt;
    return it->second;
  }

  void remember(const table_description& d) {
    std::lock_guard lock(mutex);
    schemas[d.name] = d.key;
  }

  detail::key_schema_lookup lookup() const {
    return [this](std::string_view table) { return schema_of(table); };
  }

  // Waits the standard retry mode's backoff before round `round` (1-based) of a repeated call.
  awaitable<void> backoff(int round) {
    detail::retry_options r;
    r.base_backoff = options.base_backoff;
    r.max_backoff = options.max_backoff;
    const auto delay = detail::backoff_delay(r, round, detail::default_random01());
    if (delay.count() <= 0) co_return;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(delay);
    co_await timer.async_wait(asio::use_awaitable);
  }

  client_options options;
  dynamodb_options dynamo;
  detail::aws_json_client json;
  mutable std::mutex mutex;
  std::map<std::string, key_schema, std::less<>> schemas;
};

dynamodb_client::dynamodb_client(asio::any_io_executor ex, request_signer& signer, client_options options,
                                 dynamodb_options dynamo)
    : impl_(std::make_unique<impl>(std::move(ex), signer, std::move(options), dynamo)) {}

dynamodb_client::~dynamodb_client() = default;

void dynamodb_client::set_key_schema(std::string table, key_schema key) {
  std::lock_guard lock(impl_->mutex);
  impl_->schemas[std::move(table)] = std::move(key);
}

awaitable<std::optional<item>> dynamodb_client::get_item(get_item_request request) {
  const auto schema = impl_->schema_of(request.table);
  std::string body = detail::encode_get_item(request, schema ? &*schema : nullptr);
  std::string op = target("GetItem");
  const std::string answer = co_await impl_->json.call(std::move(op), std::move(body));
  co_return detail::decode_get_item(answer);
}

namespace {
awaitable<write_result> conditional_write(detail::aws_json_client& json, std::string operation,
                                          std::string body) {
  std::vector<std::string> answered{std::string(condition_failed_type)};
  std::string op = target(operation);
  const detail::json_answer answer =
      co_await json.call_answering(std::move(op), std::move(body), std::move(answered));
  if (!answer.error_type.empty()) co_return detail::decode_condition_failed(answer.body);
  co_return detail::decode_write(answer.body);
}
}  // namespace

awaitable<write_result> dynamodb_client::put_item(put_item_request request) {
  const auto schema = impl_->schema_of(request.table);
  std::string body = detail::encode_put_item(request, schema ? &*schema : nullptr);
  std::string op = "PutItem";
  co_return co_await conditional_write(impl_->json, std::move(op), std::move(body));
}

awaitable<write_result> dynamodb_client::update_item(update_item_request request) {
  const auto schema = impl_->schema_of(request.table);
  std::string body = detail::encode_update_item(request, schema ? &*schema : nullptr);
  std::string op = "UpdateItem";
  co_return co_await conditional_write(impl_->json, std::move(op), std::move(body));
}

awaitable<write_result> dynamodb_client::delete_item(delete_item_request request) {
  const auto schema = impl_->schema_of(request.table);
  std::string body = detail::encode_delete_item(request, schema ? &*schema : nullptr);
  std::string op = "DeleteItem";
  co_return co_await conditional_write(impl_->json, std::move(op), std::move(body));
}

awaitable<query_page> dynamodb_client::query(query_request request) {
  std::string body = detail::encode_query(request);
  std::string op = target("Query");
  const std::string answer = co_await impl_->json.call(std::move(op), std::move(body));
  co_return detail::decode_query(answer);
}

awaitable<std::vector<item>> dynamodb_client::query_all(query_request request) {
  std::vector<item> all;
  std::set<std::string> seen_keys;
  for (;;) {
    query_request this_page = request;
    query_page page = co_await query(std::move(this_page));
    for (auto& i : page.items) all.push_back(std::move(i));
    if (!page.last_evaluated_key) co_return all;
    // A service that hands out a key twice would make this loop forever.
    std::string fingerprint;
    for (const auto& [name, v] : *page.last_evaluated_key) fingerprint += name + '\x1f' + v.scalar + '\x1e';
    if (!seen_keys.insert(fingerprint).second)
      detail::throw_error(errc::malformed_message, "Query: the service repeated a LastEvaluatedKey");
    request.exclusive_start_key = std::move(page.last_evaluated_key);
  }
}

awaitable<batch_write_result> dynamodb_client::batch_write_item(std::vector<write_request> requests) {
  batch_write_result result;
  auto lookup = impl_->lookup();
  std::string body =
      detail::encode_batch_write_item(requests, lookup);  // checks everything before the first call
  for (int round = 1;; ++round) {
    std::string op = target("BatchWriteItem");
    const std::string answer = co_await impl_->json.call(std::move(op), std::move(body));
    ++result.calls;
    result.unprocessed = detail::decode_batch_write_item(answer);
    if (result.unprocessed.empty() || round >= impl_->dynamo.batch_write_rounds) co_return result;
    // DynamoDB asks for exponential backoff before resending UnprocessedItems.
    co_await impl_->backoff(round);
    body = detail::encode_batch_write_item(result.unprocessed, lookup);
  }
}

awaitable<transact_write_result> dynamodb_client::transact_write_items(transact_write_request request) {
  // One token per logical call, fixed before any attempt: a resend after a lost answer is then
  // recognised by DynamoDB as the same transaction and not applied twice.
  if (request.client_request_token.empty()) request.client_request_token = detail::random_uuid();
  const std::string body = detail::encode_transact_write_items(request, impl_->lookup());
  transact_write_result result;
  result.client_request_token = request.client_request_token;
  for (int attempt = 1;; ++attempt) {
    std::vector<std::string> answered{std::string(transaction_canceled_type)};
    std::string attempt_body = body;
    std::string op = target("TransactWriteItems");
    const detail::json_answer answer =
        co_await impl_->json.call_answering(std::move(op), std::move(attempt_body), std::move(answered));
    if (answer.error_type.empty()) {
      result.cancelled = false;
      result.reasons.clear();
      co_return result;
    }
    result.cancelled = true;
    result.reasons = detail::decode_transaction_canceled(answer.body);
    if (!only_transient_cancellations(result.reasons) ||
        attempt >= impl_->dynamo.transaction_conflict_attempts)
      co_return result;
    co_await impl_->backoff(attempt);
  }
}

awaitable<table_description> dynamodb_client::create_table(create_table_request request) {
  std::string body = detail::encode_create_table(request);
  std::string op = target("CreateTable");
  const std::string answer = co_await impl_->json.call(std::move(op), std::move(body));
  table_description d = detail::decode_table_description(answer);
  impl_->remember(d);
  co_return d;
}

awaitable<std::optional<table_description>> dynamodb_client::describe_table(std::string table) {
  std::string body = detail::encode_describe_table(table);
  std::vector<std::string> answered{std::string(not_found_type)};
  std::string op = target("DescribeTable");
  const detail::json_answer answer =
      co_await impl_->json.call_answering(std::move(op), std::move(body), std::move(answered));
  if (!answer.error_type.empty()) co_return std::nullopt;
  table_description d = detail::decode_table_description(answer.body);
  impl_->remember(d);
  co_return d;
}

awaitable<void> dynamodb_client::update_time_to_live(std::string table, std::string attribute, bool enabled) {
  std::string body = detail::encode_update_time_to_live(table, attribute, enabled);
  std::string op = target("UpdateTimeToLive");
  co_await impl_->json.call(std::move(op), std::move(body));
}

client_stats dynamodb_client::stats() const noexcept {
  return impl_->json.stats();
}

}  // namespace awsmp::dynamodb
