// dynamodb_subscription_store: subscriptions in a DynamoDB table that every server of a fleet
// shares (table design in docs/dynamodb.md).
#pragma once

#include <awsmp/dynamodb_client.hpp>
#include <awsmp/subscription_store.hpp>
#include <string>

namespace awsmp::dynamodb {

/// A subscription_store on DynamoDB. Reads of one customer are strongly consistent; list() reads
/// a global secondary index and is eventually consistent (an operator's listing). A row that is
/// not an awsmp subscription (foreign or damaged) is system_error(errc::store_corrupt), never
/// skipped. `client` must outlive the store; the store holds no other state, so it is safe to
/// use from any thread.
class dynamodb_subscription_store final : public subscription_store {
 public:
  /// Uses `table` (created by create_table). Throws errc::invalid_argument for a bad table name.
  dynamodb_subscription_store(dynamodb_client& client, std::string table);

  /// Creates the table (on demand, key pk/sk, index "by-status") unless it exists, and
  /// declares its key to the client. Throws aws_error / system_error as the client does.
  static awaitable<void> create_table(dynamodb_client& client, std::string table);

  using subscription_store::erase;
  using subscription_store::get;
  awaitable<void> put(subscription sub) override;
  awaitable<std::optional<subscription>> get(billed_customer who) override;
  awaitable<std::vector<subscription>> list(subscription_status status) override;
  awaitable<void> erase(billed_customer who) override;

 private:
  dynamodb_client& client_;
  std::string table_;
};

}  // namespace awsmp::dynamodb
