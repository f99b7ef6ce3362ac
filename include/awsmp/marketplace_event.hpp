// marketplace_event: one AWS Marketplace subscription, entitlement, agreement or license change,
// whichever way it arrived (an SNS envelope from the classic aws-mp-* topics, or an EventBridge
// event from source aws.agreement-marketplace), and the pure parsers that produce it.
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/common.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace awsmp {

/// What happened. The SNS actions and the EventBridge detail-types (role suffix dropped).
enum class marketplace_event_kind {
  subscribe_success,          ///< SNS subscribe-success
  subscribe_fail,             ///< SNS subscribe-fail
  unsubscribe_pending,        ///< SNS unsubscribe-pending: one hour left to send final usage
  unsubscribe_success,        ///< SNS unsubscribe-success
  entitlement_updated,        ///< SNS entitlement-updated: call GetEntitlements
  agreement_created,          ///< Purchase Agreement Created - Manufacturer|Proposer
  agreement_amended,          ///< Purchase Agreement Amended - Manufacturer|Proposer
  agreement_ended,            ///< Purchase Agreement Ended - Manufacturer|Proposer: one hour left
  license_updated,            ///< License Updated - Manufacturer
  license_deprovisioned,      ///< License Deprovisioned - Manufacturer
  subscription_confirmation,  ///< an SNS SubscriptionConfirmation envelope (no Marketplace event)
  unsubscribe_confirmation,   ///< an SNS UnsubscribeConfirmation envelope (no Marketplace event)
};

/// The wire name of a kind ("subscribe-success", "Purchase Agreement Ended", ...); never throws.
std::string_view to_string(marketplace_event_kind kind) noexcept;

/// How an event reached us.
enum class marketplace_event_channel { sns, eventbridge };

/// One Marketplace event, as parsed (and, for SNS, verified).
struct marketplace_event {
  marketplace_event_kind kind = marketplace_event_kind::subscribe_success;
  marketplace_event_channel channel = marketplace_event_channel::sns;
  /// Who it concerns: the legacy form for SNS (customer-identifier), the account form for the
  /// License events (acceptor.accountId + license.arn). Empty (neither form) for the Purchase
  /// Agreement events, which carry no license: see account_id and agreement_id.
  billed_customer customer;
  std::string account_id;        ///< EventBridge detail.acceptor.accountId (the buyer's account)
  std::string seller_account;    ///< EventBridge "account": the seller account the event was sent to
  std::string product_code;      ///< product-code / ProductCode / detail.product.code
  std::string product_id;        ///< detail.product.id ("prod-...")
  std::string offer_id;          ///< offer-identifier / detail.offer.id
  std::string agreement_id;      ///< detail.agreement.id ("agmt-...")
  std::string agreement_status;  ///< detail.agreement.status (e.g. "CANCELLED" on Ended)
  std::string agreement_intent;  ///< detail.agreement.intent (NEW, RENEW, REPLACE, AMEND)
  bool free_trial = false;       ///< isFreeTrialTermPresent == "true"
  time_point time{};             ///< the envelope's Timestamp / the event's time
  /// Stable across redeliveries of the same event: "sns:<MessageId>" or "eventbridge:<id>".
  std::string dedup_id;
  std::string topic_arn;      ///< SNS TopicArn (empty for EventBridge)
  std::string subscribe_url;  ///< SNS SubscribeURL of a SubscriptionConfirmation
};

/// Largest event body parsed (SQS's default MaximumMessageSize, 256 KiB).
inline constexpr std::size_t max_event_bytes = 256 * 1024;

/// Pure: parses an EventBridge event of source aws.agreement-marketplace with one of the
/// agreement or license detail-types. Throws system_error(errc::malformed_message) naming the
/// member and the rule for a body over max_event_bytes, malformed JSON, another source, an
/// unknown detail-type or a missing required member (never echoing values).
marketplace_event parse_eventbridge_event(std::string_view body);

/// Pure: parses the Message of an SNS Notification from the aws-mp-subscription-notification-*
/// or aws-mp-entitlement-notification-* topics ({"action", "customer-identifier" or
/// "CustomerIdentifier", "product-code" or "ProductCode", "offer-identifier",
/// "isFreeTrialTermPresent"}) into kind, customer, product, offer and free_trial of `out`.
/// Throws system_error(errc::malformed_message) for malformed JSON, an unknown action or a
/// missing member.
void parse_marketplace_message(std::string_view message, marketplace_event& out);

}  // namespace awsmp
