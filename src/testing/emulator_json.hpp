// Internal: JSON forms of the emulator's tables, faults, counters and ledger, shared by the
// admin endpoint (/_emulator/*) and the awsmp-emulator CLI (--customers-file).
#pragma once

#include <awsmp/testing/marketplace_emulator.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <vector>

namespace awsmp::testing::detail {

/// The most faults one /_emulator/inject call queues (each is a queue entry, made under the
/// emulator's lock).
inline constexpr std::size_t max_inject_count = 100'000;
/// The "count" of an inject request: 1..max_inject_count, default 1. Throws
/// system_error(errc::invalid_argument) naming inject.count.
std::size_t inject_count_from_json(const boost::json::value& jv);

/// {"RegistrationToken", "CustomerIdentifier", "ProductCode", "CustomerAWSAccountId",
/// "LicenseArn", "Subscribed" (default true), "TokenExpiresAt" (epoch seconds, 0 to 2200-01-01)}.
/// Throws system_error(errc::invalid_argument) naming the member.
emulated_customer customer_from_json(const boost::json::value& jv);
/// {"ProductCode", "Dimensions": [...]}; throws like customer_from_json.
emulated_product product_from_json(const boost::json::value& jv);
/// The wire shape of an Entitlement; throws like customer_from_json.
marketplace_entitlement entitlement_from_json(const boost::json::value& jv);
/// Faults in snake_case members of fault_options ("latency_ms" for latency, 0..600000;
/// percentages 0..100; seed an integer); members absent keep their value in `base`. Throws like
/// customer_from_json.
fault_options faults_from_json(const boost::json::value& jv, fault_options base);
/// Adds the tables of a configuration document to `options`: either an array of customers or
/// an object {"products": [...], "customers": [...], "entitlements": [...], "faults": {...}}.
void load_configuration(const boost::json::value& jv, emulator_options& options);

/// Serialisations for the admin endpoint.
boost::json::value to_json(const emulator_stats& stats);
boost::json::value to_json(const fault_options& faults);
boost::json::value ledger_to_json(const std::vector<accepted_record>& records,
                                  const std::vector<usage_total>& totals);

}  // namespace awsmp::testing::detail
