// Error model: local failures (errc) and failures answered by AWS (aws_error).
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>
#include <string>
#include <string_view>
#include <type_traits>

namespace awsmp {

/// Failures that awsmp itself detects (as opposed to errors answered by AWS).
enum class errc {
  invalid_argument = 1,     ///< input broke a rule; nothing was sent or stored
  not_found,                ///< no such customer, subscription or entitlement
  product_mismatch,         ///< a registration token resolved to another product
  malformed_message,        ///< a message did not match the AWS JSON 1.1 wire format
  service_error,            ///< AWS answered with an error (see aws_error)
  timeout,                  ///< an attempt did not complete within its deadline
  response_too_large,       ///< a response exceeded the configured size limit
  retry_quota_exhausted,    ///< retries stopped so that an outage does not become a retry storm
  credentials_unavailable,  ///< no credentials provider could supply credentials
  journal_corrupt,          ///< a journal file is damaged or not an awsmp journal
  store_corrupt,            ///< a durable store file is damaged or not an awsmp store
  stopped,                  ///< the object was stopped and accepts no more work
};

/// The category of awsmp::errc values; never throws.
const boost::system::error_category& error_category() noexcept;

/// Makes an error_code of awsmp's category; never throws.
boost::system::error_code make_error_code(errc e) noexcept;

/// An error answered by AWS (HTTP 4xx/5xx with an AWS error body).
class aws_error : public boost::system::system_error {
 public:
  /// Builds an error as decoded from a response; never throws beyond std::bad_alloc.
  aws_error(unsigned http_status, std::string type, std::string message, std::string request_id);

  /// The error type without namespace prefix or URI suffix, e.g. "ThrottlingException".
  const std::string& type() const noexcept { return type_; }
  /// The HTTP status code of the response.
  unsigned http_status() const noexcept { return http_status_; }
  /// The x-amzn-RequestId of the response (empty when AWS sent none).
  const std::string& request_id() const noexcept { return request_id_; }
  /// The message AWS sent (may be empty).
  const std::string& aws_message() const noexcept { return aws_message_; }
  /// True when the same request may succeed if sent again (throttling, 5xx).
  bool retryable() const noexcept { return retryable_; }
  /// "<Type> (HTTP <status>, request id <id>): <message>"; never throws.
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  std::string what_;
  std::string type_;
  std::string aws_message_;
  std::string request_id_;
  unsigned http_status_;
  bool retryable_;
};

/// Pure: true for the error types and statuses that AWS's standard retry mode retries.
bool is_retryable_error(std::string_view type, unsigned http_status) noexcept;

/// Pure: strips a "namespace#" prefix and a ":uri" suffix from an AWS error type
/// ("com.amazonaws.x#ThrottlingException:http://..." -> "ThrottlingException"); never throws.
std::string_view trim_aws_error_type(std::string_view type) noexcept;

/// Pure: decodes an AWS JSON 1.1 error response from its status, the x-amzn-ErrorType and
/// x-amzn-RequestId header values (empty when absent) and its body; never throws beyond
/// std::bad_alloc: an undecodable body yields type "UnknownError" with the status kept.
aws_error decode_aws_error(unsigned http_status, std::string_view error_type_header,
                           std::string_view request_id_header, std::string_view body);

}  // namespace awsmp

template <>
struct boost::system::is_error_code_enum<awsmp::errc> : std::true_type {};
