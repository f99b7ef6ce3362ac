// sqs_client: the few Amazon SQS operations an event consumer needs (AWS JSON 1.0 protocol,
// X-Amz-Target AmazonSQS.<Op>, SigV4 signing name "sqs"): long-polling ReceiveMessage,
// DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility, GetQueueUrl, and SendMessage (which
// the emulator uses to publish events).
#pragma once

#include <awsmp/client_options.hpp>
#include <awsmp/common.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace awsmp {

// clang-format off
namespace detail { class aws_json_client; }
// clang-format on

/// One received message.
struct sqs_message {
  std::string message_id;
  std::string receipt_handle;  ///< what DeleteMessage and ChangeMessageVisibility need
  std::string body;            ///< empty when `defect` is set
  int receive_count = 0;       ///< ApproximateReceiveCount (1 on first delivery; 0 if not returned)
  /// Why the body was withheld: "larger than <n> bytes" or "MD5OfBody does not match the body";
  /// empty for a sound message. A defective message is still returned, so that the caller can
  /// log it and leave it for the queue's redrive policy.
  std::string defect;
};

/// Parameters of one ReceiveMessage call.
struct sqs_receive_options {
  int max_messages = 10;       ///< MaxNumberOfMessages, 1..10
  int wait_time_seconds = 20;  ///< WaitTimeSeconds, 0..20 (long polling when > 0)
  std::optional<int>
      visibility_timeout;  ///< VisibilityTimeout in seconds, 0..43200; queue default when absent
};

/// One entry of DeleteMessageBatch.
struct sqs_delete_entry {
  std::string id;  ///< 1..80 of [A-Za-z0-9_-], unique within the batch
  std::string receipt_handle;
};

/// A failed entry of DeleteMessageBatch.
struct sqs_batch_failure {
  std::string id;
  std::string code;
  std::string message;
  bool sender_fault = false;
};

/// The answer of DeleteMessageBatch.
struct sqs_delete_batch_result {
  std::vector<std::string> successful;  ///< ids
  std::vector<sqs_batch_failure> failed;
};

/// The answer of SendMessage.
struct sqs_send_result {
  std::string message_id;       ///< the id SQS gave the message
  std::string sequence_number;  ///< FIFO queues only
};

/// Calls Amazon SQS. Thread-safe. The signer must sign for service "sqs" in options.region;
/// options.timeout must exceed the long-poll wait (it bounds each attempt).
class sqs_client {
 public:
  /// Messages with a larger body are returned with `defect` set and no body (SQS's default
  /// MaximumMessageSize, 256 KiB).
  static constexpr std::size_t default_max_message_bytes = 256 * 1024;

  /// Default endpoint https://sqs.<region>.amazonaws.com. Throws system_error(invalid_argument)
  /// as aws_json_client does (bad endpoint, http:// to a non-loopback host, ...).
  sqs_client(asio::any_io_executor ex, request_signer& signer, client_options options,
             std::size_t max_message_bytes = default_max_message_bytes);
  ~sqs_client();
  sqs_client(const sqs_client&) = delete;
  sqs_client& operator=(const sqs_client&) = delete;

  /// GetQueueUrl. Throws invalid_argument for an empty/over-80-character name or a bad owner id,
  /// aws_error (e.g. QueueDoesNotExist), system_error for transport failures.
  awaitable<std::string> get_queue_url(std::string queue_name, std::string owner_account_id = {});
  /// ReceiveMessage asking for ApproximateReceiveCount. Throws invalid_argument for options out
  /// of range or a wait not shorter than options.timeout, malformed_message for an undecodable
  /// answer, aws_error, system_error.
  awaitable<std::vector<sqs_message>> receive_message(std::string queue_url,
                                                      sqs_receive_options options = {});
  /// DeleteMessage. Throws invalid_argument for an empty handle, aws_error, system_error.
  awaitable<void> delete_message(std::string queue_url, std::string receipt_handle);
  /// DeleteMessageBatch of 1..10 entries. Throws invalid_argument for a bad batch, aws_error,
  /// system_error; per-entry failures are in the result.
  awaitable<sqs_delete_batch_result> delete_message_batch(std::string queue_url,
                                                          std::vector<sqs_delete_entry> entries);
  /// ChangeMessageVisibility to `visibility_timeout_seconds` (0..43200; 0 makes it visible
  /// now). Throws invalid_argument, aws_error, system_error.
  awaitable<void> change_message_visibility(std::string queue_url, std::string receipt_handle,
                                            int visibility_timeout_seconds);

  /// SendMessage of `body` (1 byte..1 MiB), optionally delayed 0..900 s; the answer's
  /// MD5OfMessageBody is checked against `body`. Throws invalid_argument, malformed_message,
  /// aws_error, system_error.
  awaitable<sqs_send_result> send_message(std::string queue_url, std::string body,
                                          std::optional<int> delay_seconds = std::nullopt);

  /// A snapshot of the counters; never throws.
  client_stats stats() const noexcept;

 private:
  std::unique_ptr<detail::aws_json_client> impl_;
  std::size_t max_message_bytes_;
  std::chrono::milliseconds timeout_;
};

}  // namespace awsmp
