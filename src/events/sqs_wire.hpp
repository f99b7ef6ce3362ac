// Internal, pure: the AWS JSON 1.0 request bodies and answers of the SQS operations that
// sqs_client calls, byte for byte (so that tests can pin them).
#pragma once

#include <awsmp/sqs_client.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awsmp::detail {

inline constexpr std::string_view sqs_target_receive_message = "AmazonSQS.ReceiveMessage";
inline constexpr std::string_view sqs_target_delete_message = "AmazonSQS.DeleteMessage";
inline constexpr std::string_view sqs_target_delete_message_batch = "AmazonSQS.DeleteMessageBatch";
inline constexpr std::string_view sqs_target_change_message_visibility = "AmazonSQS.ChangeMessageVisibility";
inline constexpr std::string_view sqs_target_get_queue_url = "AmazonSQS.GetQueueUrl";
inline constexpr std::string_view sqs_target_send_message = "AmazonSQS.SendMessage";
/// SendMessage's MessageBody limit (the SQS model: 1 MiB).
inline constexpr std::size_t sqs_max_send_bytes = 1024 * 1024;

/// Throws system_error(invalid_argument) naming the field for options out of the API's ranges.
void validate(const sqs_receive_options& options);

std::string encode_receive_message(std::string_view queue_url, const sqs_receive_options& options);
std::string encode_delete_message(std::string_view queue_url, std::string_view receipt_handle);
std::string encode_delete_message_batch(std::string_view queue_url,
                                        const std::vector<sqs_delete_entry>& entries);
std::string encode_change_message_visibility(std::string_view queue_url, std::string_view receipt_handle,
                                             int seconds);
std::string encode_get_queue_url(std::string_view queue_name, std::string_view owner_account_id);
/// SendMessage {QueueUrl, MessageBody, DelaySeconds?}; throws invalid_argument for an empty or
/// over-1-MiB body or a delay outside 0..900.
std::string encode_send_message(std::string_view queue_url, std::string_view body,
                                std::optional<int> delay_seconds);

/// Decodes a ReceiveMessage answer; bodies over `max_body_bytes` or whose MD5OfBody does not
/// match are returned with `defect` set and an empty body. Throws malformed_message.
std::vector<sqs_message> decode_receive_message(std::string_view answer, std::size_t max_body_bytes);
/// Throws malformed_message.
sqs_delete_batch_result decode_delete_message_batch(std::string_view answer);
/// Throws malformed_message.
std::string decode_get_queue_url(std::string_view answer);
/// Decodes a SendMessage answer; throws malformed_message when MessageId is missing or
/// MD5OfMessageBody does not match `body`.
sqs_send_result decode_send_message(std::string_view answer, std::string_view body);

/// The lower-case hex MD5 of `data` (SQS's MD5OfBody); never throws beyond std::bad_alloc.
std::string md5_hex(std::string_view data);

}  // namespace awsmp::detail
