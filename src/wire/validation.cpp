#include <awsmp/error.hpp>
#include <awsmp/validation.hpp>
#include <string>
#include <type_traits>

#include "core/throw.hpp"
#include "wire/rules.hpp"

namespace awsmp {
namespace {

std::string join(std::string_view prefix, std::string_view member) {
  std::string s;
  s.reserve(prefix.size() + member.size() + 1);
  s += prefix;
  if (!prefix.empty()) s += '.';
  s += member;
  return s;
}

std::string indexed(std::string_view prefix, std::size_t i) {
  std::string s(prefix);
  s += '[';
  s += std::to_string(i);
  s += ']';
  return s;
}

[[noreturn]] void fail(const std::string& field, std::string_view rule) {
  detail::throw_invalid_argument(field, rule);
}

// Refuses the value when the rule book says it breaks a rule. The field name is only built
// then: validation runs on every flush, and valid input is the common case.
template <class Field>
void require(const Field& field, const std::string& rule) {
  if (rule.empty()) return;
  if constexpr (std::is_invocable_v<Field>) {
    fail(field(), rule);
  } else {
    fail(std::string(field), rule);
  }
}

void check_allocations(const std::string& prefix, const std::vector<usage_allocation>& allocations,
                       std::int64_t quantity, std::string_view quantity_member) {
  if (allocations.empty()) return;  // absent: the whole quantity is unallocated
  const std::string field = join(prefix, "UsageAllocations");
  require(field, detail::allocation_count_violation(allocations.size()));
  std::int64_t sum = 0;  // at most 2500 * (2^31-1): fits in 64 bits
  for (std::size_t i = 0; i < allocations.size(); ++i) {
    const auto& a = allocations[i];
    const std::string item = indexed(field, i);
    require(join(item, "AllocatedUsageQuantity"), detail::quantity_violation(a.allocated_usage_quantity));
    sum += a.allocated_usage_quantity;
    if (a.tags.empty()) continue;  // Tags is optional; when present it holds 1..5 tags
    const std::string tags = join(item, "Tags");
    require(tags, detail::tag_count_violation(a.tags.size()));
    for (std::size_t j = 0; j < a.tags.size(); ++j) {
      const std::string t = indexed(tags, j);
      require(join(t, "Key"), detail::tag_key_violation(a.tags[j].key));
      require(join(t, "Value"), detail::tag_value_violation(a.tags[j].value));
    }
  }
  require(field, detail::allocation_sum_violation(sum, quantity, quantity_member));
}

}  // namespace

void validate_product_code(std::string_view product_code) {
  require("ProductCode", detail::product_code_violation(product_code));
}

void validate_identifier(std::string_view field, std::string_view value) {
  detail::check_identifier(field, value);
}

void validate_request_body_size(std::size_t bytes) {
  if (bytes >= max_request_body_bytes)
    fail("request body", "must be smaller than 1048576 bytes, got " + std::to_string(bytes));
}

void validate(const usage_record& record, std::string_view field) {
  const bool has_customer = !record.customer_identifier.empty();
  const bool has_account = !record.customer_aws_account_id.empty();
  if (has_customer == has_account)
    fail(join(field, "CustomerIdentifier"),
         has_customer ? "must not be set together with CustomerAWSAccountId"
                      : "one of CustomerIdentifier or CustomerAWSAccountId must be set");
  if (has_customer) {
    require([&] { return join(field, "CustomerIdentifier"); },
            detail::customer_identifier_violation(record.customer_identifier));
  } else {
    require([&] { return join(field, "CustomerAWSAccountId"); },
            detail::account_id_violation(record.customer_aws_account_id));
  }
  if (!record.license_arn.empty())
    require([&] { return join(field, "LicenseArn"); }, detail::license_arn_violation(record.license_arn));
  require([&] { return join(field, "Dimension"); }, detail::dimension_violation(record.dimension));
  require([&] { return join(field, "Quantity"); }, detail::quantity_violation(record.quantity));
  require([&] { return join(field, "Timestamp"); }, detail::timestamp_violation(record.timestamp));
  check_allocations(std::string(field), record.usage_allocations, record.quantity, "Quantity");
}

void validate(const batch_meter_usage_input& input) {
  // ProductCode is optional in the model (only UsageRecords is required): products of the
  // account form name the license in each record instead. See docs/wire.md for the sources.
  if (!input.product_code.empty()) validate_product_code(input.product_code);
  require("UsageRecords", detail::batch_size_violation(input.usage_records.size()));
  for (std::size_t i = 0; i < input.usage_records.size(); ++i)
    validate(input.usage_records[i], indexed("UsageRecords", i));
  for (std::size_t i = 0; i < input.usage_records.size(); ++i) {
    const auto& r = input.usage_records[i];
    const std::string item = indexed("UsageRecords", i);
    // CustomerIdentifier and CustomerAWSAccountId are mutually exclusive within one request.
    if (r.customer_identifier.empty() != input.usage_records[0].customer_identifier.empty())
      fail(item,
           "must use the identity form of UsageRecords[0] (CustomerIdentifier or CustomerAWSAccountId): AWS "
           "refuses a request that mixes them");
    // LicenseArn replaces ProductCode; AWS refuses a request that carries both.
    if (!input.product_code.empty() && !r.license_arn.empty())
      fail(join(item, "LicenseArn"),
           "must not be set together with ProductCode: AWS refuses a request with both "
           "(send LicenseArn records without ProductCode)");
    if (input.product_code.empty() && (r.customer_aws_account_id.empty() || r.license_arn.empty()))
      fail("ProductCode", "must be set unless every record carries CustomerAWSAccountId and LicenseArn (" +
                              item + " does not)");
  }
}

void validate(const meter_usage_input& input) {
  validate_product_code(input.product_code);
  require("Timestamp", detail::timestamp_violation(input.timestamp));
  require("UsageDimension", detail::dimension_violation(input.dimension));
  require("UsageQuantity", detail::quantity_violation(input.quantity));
  check_allocations("", input.usage_allocations, input.quantity, "UsageQuantity");
  if (!input.client_token.empty()) require("ClientToken", detail::client_token_violation(input.client_token));
}

void validate(const resolve_customer_input& input) {
  // The rule never quotes the token: it is a credential for the subscription.
  require("RegistrationToken", detail::registration_token_violation(input.registration_token));
}

void validate(const get_entitlements_input& input) {
  validate_product_code(input.product_code);
  require("MaxResults", detail::page_size_violation(input.max_results));
  for (const auto& [name, values] : input.filter) {
    const std::string field = join("Filter", to_string(name));
    if (values.empty()) fail(field, "must hold at least one value");
    for (std::size_t i = 0; i < values.size(); ++i) {
      require([&] { return indexed(field, i); }, detail::filter_value_violation(values[i]));
    }
  }
  for (const char ch : input.next_token) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
      fail("NextToken", "must not contain whitespace");
  }
}

}  // namespace awsmp
