// The whole public API of awsmp (link awsmp::awsmp; the emulator also needs awsmp::testing).
#pragma once

#include <awsmp/client_options.hpp>
#include <awsmp/common.hpp>
#include <awsmp/credentials.hpp>
#include <awsmp/entitlement_service_client.hpp>
#include <awsmp/entitlement_service_types.hpp>
#include <awsmp/entitlement_store.hpp>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <awsmp/metering_api.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/metering_types.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/subscription_store.hpp>
#include <awsmp/validation.hpp>
#include <awsmp/wire.hpp>
