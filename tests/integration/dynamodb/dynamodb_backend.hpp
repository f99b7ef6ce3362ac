// The DynamoDB stores behind the shared store suite's backend face: one moto server per
// backend (per test case), fresh tables, a client signing for "dynamodb".
#pragma once

#include <awsmp/credentials.hpp>
#include <awsmp/dynamodb_client.hpp>
#include <awsmp/dynamodb_entitlement_store.hpp>
#include <awsmp/dynamodb_subscription_store.hpp>
#include <awsmp/sigv4.hpp>

#include "support/moto_server.hpp"
#include "unit/state/state_test_support.hpp"

namespace awsmp::test {

/// A client for a moto server (moto does not check signatures by default; any key works).
struct moto_client {
  moto_client(asio::io_context& ctx, const moto_server& moto)
      : client(ctx.get_executor(), signer, options_for(moto)) {}
  static client_options options_for(const moto_server& moto) {
    client_options o;
    o.endpoint = moto.url();
    o.base_backoff = std::chrono::milliseconds(5);
    o.max_backoff = std::chrono::milliseconds(50);
    return o;
  }
  static_credentials_provider provider{credentials{"AKIDMOTO", "moto-secret", "", std::nullopt}};
  sigv4_signer signer{provider, "us-east-1", "dynamodb"};
  dynamodb::dynamodb_client client;
};

struct dynamodb_backend {
  static constexpr const char* name = "dynamodb";
  explicit dynamodb_backend(asio::io_context& ctx)
      : client(ctx, moto),
        subs(client.client, "awsmp-subscriptions"),
        ents(client.client, "awsmp-entitlements") {
    run_sync(ctx, dynamodb::dynamodb_subscription_store::create_table(client.client, "awsmp-subscriptions"));
    run_sync(ctx, dynamodb::dynamodb_entitlement_store::create_table(client.client, "awsmp-entitlements"));
  }
  entitlement_store& entitlements() { return ents; }
  subscription_store& subscriptions() { return subs; }
  moto_server moto;
  moto_client client;
  dynamodb::dynamodb_subscription_store subs;
  dynamodb::dynamodb_entitlement_store ents;
};

}  // namespace awsmp::test
