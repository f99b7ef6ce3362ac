// dynamodb_entitlement_store: entitlements in a DynamoDB table that every server of a fleet
// shares; expired rows leave through the table's TTL attribute.
#pragma once

#include <awsmp/dynamodb_client.hpp>
#include <awsmp/entitlement_store.hpp>
#include <chrono>
#include <string>

namespace awsmp::dynamodb {

/// An entitlement_store on DynamoDB; every read is strongly consistent. Each row carries a TTL
/// attribute "ttl" = expires_at + `expired_retention` (epoch seconds), so DynamoDB deletes
/// expired entitlements by itself (within days of expiry; until then they read as expired).
/// A row that is not an awsmp entitlement is system_error(errc::store_corrupt), never skipped.
/// `client` must outlive the store; safe to use from any thread.
class dynamodb_entitlement_store final : public entitlement_store {
 public:
  /// Uses `table` (created by create_table). Throws errc::invalid_argument for a bad table name
  /// or a negative retention.
  dynamodb_entitlement_store(dynamodb_client& client, std::string table,
                             std::chrono::seconds expired_retention = std::chrono::hours(24));

  /// Creates the table (on demand, key pk/sk) unless it exists, enables TTL on "ttl" and
  /// declares its key to the client. Throws aws_error / system_error as the client does.
  static awaitable<void> create_table(dynamodb_client& client, std::string table);

  using entitlement_store::erase;
  using entitlement_store::get;
  using entitlement_store::list;
  awaitable<void> put(entitlement ent) override;
  awaitable<std::optional<entitlement>> get(billed_customer who, std::string dimension) override;
  awaitable<std::vector<entitlement>> list(billed_customer who) override;
  awaitable<void> erase(billed_customer who, std::string dimension) override;

 private:
  dynamodb_client& client_;
  std::string table_;
  std::chrono::seconds retention_;
};

}  // namespace awsmp::dynamodb
