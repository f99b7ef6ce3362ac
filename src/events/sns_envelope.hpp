// Internal, pure: the SNS envelope (the JSON that SNS posts to HTTPS endpoints and writes into
// SQS queues), the string it signs, and the rules for TopicArn and SigningCertURL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace awsmp::detail {

/// The members of an SNS envelope that this library reads (absent strings are empty).
struct sns_envelope {
  std::string type;  ///< Notification | SubscriptionConfirmation | UnsubscribeConfirmation
  std::string message_id;
  std::string topic_arn;
  std::optional<std::string> subject;  ///< signed only when present (Notification)
  std::string message;
  std::string timestamp;
  std::string signature_version;
  std::string signature;  ///< base64
  std::string signing_cert_url;
  std::string subscribe_url;  ///< confirmations only
  std::string token;          ///< confirmations only
};

/// Parses an envelope; throws system_error(errc::malformed_message) naming the member when the
/// body is not a JSON object or a member is not a string. Never echoes values.
sns_envelope parse_sns_envelope(std::string_view body);

/// The string SNS signs for `e`'s Type: "Name\nvalue\n" for, in this order, Notification:
/// Message, MessageId, Subject (only if present), Timestamp, TopicArn, Type; confirmations:
/// Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type. nullopt for another Type.
std::optional<std::string> sns_string_to_sign(const sns_envelope& e);

/// The region of an SNS TopicArn "arn:<partition>:sns:<region>:<12 digits>:<name>", or empty
/// when `arn` is not one; never throws beyond std::bad_alloc.
std::string sns_topic_region(std::string_view arn);

/// Why `url` may not be fetched as the signing certificate of a message from `region`, or an
/// empty string when it may: https only, no user info, port absent or 443, host exactly
/// "sns.<region><host_suffix>", a path ending in ".pem", no query or fragment.
std::string cert_url_violation(std::string_view url, std::string_view region, std::string_view host_suffix);

/// Why the SubscribeURL `url` of a SubscriptionConfirmation from `region` may not be called, or
/// empty when it may: the host rule of cert_url_violation (the same function checks both), path
/// "/" and a query whose Action is ConfirmSubscription. Never throws beyond std::bad_alloc.
std::string subscribe_url_violation(std::string_view url, std::string_view region,
                                    std::string_view host_suffix);

}  // namespace awsmp::detail
