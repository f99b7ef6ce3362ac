// detail::aws_json_client: one AWS JSON-protocol endpoint (POST /, X-Amz-Target), signed with
// SigV4, sent through the keep-alive pool with the standard retry mode and an optional rate
// limit. The service clients (metering, entitlement) are thin typed layers over it.
#pragma once

#include <awsmp/client_options.hpp>
#include <awsmp/common.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "transport/http_client.hpp"

namespace awsmp::detail {

/// What call_answering returns: a 2xx body, or an AWS error the caller chose to handle.
struct json_answer {
  std::string body;        ///< the 2xx body, or the error response's body
  std::string error_type;  ///< empty for 2xx; else the (trimmed) error type, one of the answered ones
  unsigned http_status = 200;
};

/// Calls one AWS JSON 1.0/1.1 service endpoint. Thread-safe; `signer` must outlive it.
class aws_json_client {
 public:
  /// `default_host` is used when options.endpoint is empty (https on 443). Throws
  /// system_error(errc::invalid_argument) for a bad endpoint URL, an http:// endpoint that is
  /// not loopback, an unreadable CA file or max_attempts < 1.
  aws_json_client(asio::any_io_executor ex, request_signer& signer, client_options options,
                  std::string default_host, std::string content_type = "application/x-amz-json-1.1");
  ~aws_json_client();
  aws_json_client(const aws_json_client&) = delete;
  aws_json_client& operator=(const aws_json_client&) = delete;

  /// POSTs `body` with `X-Amz-Target: target` (both taken by value: the coroutine outlives the
  /// caller's temporaries) and returns the body of the 2xx answer. Retries
  /// retryable failures per the options. Throws aws_error (AWS refused), system_error
  /// (errc::timeout, errc::response_too_large, connection/TLS errors, operation_aborted when
  /// cancelled). `body` is never logged.
  awaitable<std::string> call(std::string target, std::string body);

  /// As call(), but an AWS error whose type is in `answered_errors` (e.g. DynamoDB's
  /// ConditionalCheckFailedException) is returned, not retried and not thrown, with its body
  /// (which carries details such as CancellationReasons). Throws as call() otherwise.
  awaitable<json_answer> call_answering(std::string target, std::string body,
                                        std::vector<std::string> answered_errors);

  /// A snapshot of the counters; never throws.
  client_stats stats() const noexcept;
  /// The endpoint requests go to; never throws.
  const endpoint& target() const noexcept;
  /// Retry quota tokens left; never throws.
  unsigned retry_quota_available() const noexcept;
  /// Replaces the jitter source (values in [0, 1]); for tests. Not thread-safe with calls.
  void set_random_source(std::function<double()> random01);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace awsmp::detail
