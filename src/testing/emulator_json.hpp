// Internal: JSON forms of the emulator's tables, faults, counters and ledger, shared by the
// admin endpoint (/_emulator/*) and the awsmp-emulator CLI (--customers-file).
#pragma once

#include <awsmp/testing/marketplace_emulator.hpp>

#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace awsmp::testing::detail {

/// {"RegistrationToken", "CustomerIdentifier", "ProductCode", "CustomerAWSAccountId",
/// "LicenseArn", "Subscribed" (default true), "TokenExpiresAt" (epoch seconds)}.
/// Throws system_error(errc::invalid_argument) naming the member.
emulated_customer customer_from_json(const boost::json::value& jv);
/// {"ProductCode", "Dimensions": [...]}; throws like customer_from_json.
emulated_product product_from_json(const boost::json::value& jv);
/// The wire shape of an Entitlement; throws like customer_from_json.
marketplace_entitlement entitlement_from_json(const boost::json::value& jv);
/// Faults in snake_case members of fault_options ("latency_ms" for latency); members absent
/// keep their value in `base`. Throws like customer_from_json.
fault_options faults_from_json(const boost::json::value& jv, fault_options base);
/// Adds the tables of a configuration document to `options`: either an array of customers or
/// an object {"products": [...], "customers": [...], "entitlements": [...], "faults": {...}}.
void load_configuration(const boost::json::value& jv, emulator_options& options);

/// Serialisations for the admin endpoint.
boost::json::value to_json(const emulator_stats& stats);
boost::json::value to_json(const fault_options& faults);
boost::json::value ledger_to_json(const std::vector<accepted_record>& records, const std::vector<usage_total>& totals);

}  // namespace awsmp::testing::detail
