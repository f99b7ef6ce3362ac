// The whole public API of awsmp. Link awsmp::awsmp; the emulator and test certificates under
// awsmp/testing/ also need awsmp::testing.
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/caching_credentials_provider.hpp>
#include <awsmp/client_options.hpp>
#include <awsmp/common.hpp>
#include <awsmp/container_credentials_provider.hpp>
#include <awsmp/credentials.hpp>
#include <awsmp/credentials_provider_chain.hpp>
#include <awsmp/entitlement_checker.hpp>
#include <awsmp/entitlement_service_client.hpp>
#include <awsmp/entitlement_service_types.hpp>
#include <awsmp/entitlement_store.hpp>
#include <awsmp/entitlement_sync.hpp>
#include <awsmp/environment.hpp>
#include <awsmp/environment_credentials_provider.hpp>
#include <awsmp/error.hpp>
#include <awsmp/imds_credentials_provider.hpp>
#include <awsmp/log.hpp>
#include <awsmp/metering_api.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/metering_types.hpp>
#include <awsmp/profile_credentials_provider.hpp>
#include <awsmp/region.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/sqlite_store.hpp>
#include <awsmp/subscription_manager.hpp>
#include <awsmp/subscription_store.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <awsmp/validation.hpp>
#include <awsmp/web_identity_credentials_provider.hpp>
#include <awsmp/wire.hpp>
