#include <awsmp/sqs_client.hpp>

#include "core/throw.hpp"
#include "events/sqs_wire.hpp"
#include "transport/aws_json_client.hpp"

namespace awsmp {

namespace {

std::string sqs_host(const client_options& options) {
  return "sqs." + options.region + ".amazonaws.com";
}

}  // namespace

sqs_client::sqs_client(asio::any_io_executor ex, request_signer& signer, client_options options,
                       std::size_t max_message_bytes)
    : impl_(std::make_unique<detail::aws_json_client>(std::move(ex), signer, options, sqs_host(options),
                                                      "application/x-amz-json-1.0")),
      max_message_bytes_(max_message_bytes),
      timeout_(options.timeout) {
  if (max_message_bytes_ == 0) detail::throw_invalid_argument("max_message_bytes", "must be positive");
}

sqs_client::~sqs_client() = default;

awaitable<std::string> sqs_client::get_queue_url(std::string queue_name, std::string owner_account_id) {
  std::string body = detail::encode_get_queue_url(queue_name, owner_account_id);
  std::string target(detail::sqs_target_get_queue_url);
  const std::string answer = co_await impl_->call(std::move(target), std::move(body));
  co_return detail::decode_get_queue_url(answer);
}

awaitable<std::vector<sqs_message>> sqs_client::receive_message(std::string queue_url,
                                                                sqs_receive_options options) {
  std::string body = detail::encode_receive_message(queue_url, options);
  // The attempt timeout bounds the long poll too: a wait as long as it would time out every
  // empty poll and retry it.
  if (std::chrono::seconds{options.wait_time_seconds} + std::chrono::seconds{2} > timeout_)
    detail::throw_invalid_argument("wait_time_seconds",
                                   "must be at least 2 s shorter than client_options.timeout");
  std::string target(detail::sqs_target_receive_message);
  const std::string answer = co_await impl_->call(std::move(target), std::move(body));
  co_return detail::decode_receive_message(answer, max_message_bytes_);
}

awaitable<void> sqs_client::delete_message(std::string queue_url, std::string receipt_handle) {
  std::string body = detail::encode_delete_message(queue_url, receipt_handle);
  std::string target(detail::sqs_target_delete_message);
  co_await impl_->call(std::move(target), std::move(body));
}

awaitable<sqs_delete_batch_result> sqs_client::delete_message_batch(std::string queue_url,
                                                                    std::vector<sqs_delete_entry> entries) {
  std::string body = detail::encode_delete_message_batch(queue_url, entries);
  std::string target(detail::sqs_target_delete_message_batch);
  const std::string answer = co_await impl_->call(std::move(target), std::move(body));
  co_return detail::decode_delete_message_batch(answer);
}

awaitable<void> sqs_client::change_message_visibility(std::string queue_url, std::string receipt_handle,
                                                      int visibility_timeout_seconds) {
  std::string body =
      detail::encode_change_message_visibility(queue_url, receipt_handle, visibility_timeout_seconds);
  std::string target(detail::sqs_target_change_message_visibility);
  co_await impl_->call(std::move(target), std::move(body));
}

awaitable<sqs_send_result> sqs_client::send_message(std::string queue_url, std::string body,
                                                    std::optional<int> delay_seconds) {
  std::string request = detail::encode_send_message(queue_url, body, delay_seconds);
  std::string target(detail::sqs_target_send_message);
  const std::string answer = co_await impl_->call(std::move(target), std::move(request));
  co_return detail::decode_send_message(answer, body);
}

client_stats sqs_client::stats() const noexcept {
  return impl_->stats();
}

}  // namespace awsmp
