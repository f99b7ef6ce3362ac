#include <awsmp/validation.hpp>
#include "core/throw.hpp"
#include "wire/rules.hpp"

#include "core/utf8.hpp"

#include <awsmp/error.hpp>

#include <chrono>
#include <string>

namespace awsmp {
namespace {

// Upper bound for a registration token: real ones are a few hundred bytes; this only stops a
// request body from being inflated by whatever a browser posted.
constexpr std::size_t max_registration_token_length = 4096;
constexpr std::size_t max_allocations = 2500;
constexpr std::size_t max_tags = 5;
constexpr std::size_t max_tag_key_length = 100;
constexpr std::size_t max_tag_value_length = 256;
constexpr std::size_t max_client_token_length = 64;
constexpr int max_page_size = 25;

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

[[noreturn]] void fail(const std::string& field, std::string_view rule) { detail::throw_invalid_argument(field, rule); }

std::string got(std::string_view rule, std::int64_t value) {
  std::string s(rule);
  s += ", got ";
  s += std::to_string(value);
  return s;
}

void check_length(const std::string& field, std::string_view value, std::size_t min, std::size_t max) {
  if (value.size() < min || value.size() > max) {
    std::string rule = "length must be " + std::to_string(min) + ".." + std::to_string(max) + " bytes";
    fail(field, got(rule, static_cast<std::int64_t>(value.size())));
  }
}

// The encoder would replace invalid bytes with U+FFFD, so AWS would bill a different string.
void check_utf8(const std::string& field, std::string_view value) {
  if (!detail::is_valid_utf8(value)) fail(field, "must be valid UTF-8");
}

bool is_alnum(unsigned char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// ProductCode: ^[-a-zA-Z0-9/=:_.@]*$
bool is_product_code_char(unsigned char c) noexcept {
  return is_alnum(c) || c == '-' || c == '/' || c == '=' || c == ':' || c == '_' || c == '.' || c == '@';
}

// TagKey/TagValue: ^[a-zA-Z0-9+ -=._:\/@]+$. Inside the class " -=" is the range space..'='
// (0x20..0x3d: space ! " # $ % & ' ( ) * + , - . / 0-9 : ; < =), and "\/" is just '/'.
bool is_tag_char(unsigned char c) noexcept {
  return is_alnum(c) || (c >= 0x20 && c <= 0x3d) || c == '+' || c == '.' || c == '_' || c == ':' || c == '/' ||
         c == '@';
}

}  // namespace

namespace {

void check_quantity(const std::string& field, std::int64_t q) {
  if (q < 0 || q > max_quantity) fail(field, got("must be 0..2147483647", q));
}

void check_timestamp(const std::string& field, time_point t) {
  // A default-constructed time_point is the epoch: sending it would bill usage to 1970, which
  // AWS rejects as out of bounds; it is always a caller forgetting to set the time.
  if (t <= time_point{}) fail(field, "must be set to a time after 1970-01-01T00:00:00Z");
}

void check_dimension(const std::string& field, std::string_view dimension) {
  check_length(field, dimension, 1, max_identifier_length);
  check_utf8(field, dimension);
}

void check_tag_text(const std::string& field, std::string_view text, std::size_t max) {
  check_length(field, text, 1, max);
  for (const char ch : text) {
    if (!is_tag_char(static_cast<unsigned char>(ch)))
      fail(field, "must match ^[a-zA-Z0-9+ -=._:\\/@]+$ (letters, digits, space through '=', and + . _ : / @)");
  }
}

void check_allocations(const std::string& prefix, const std::vector<usage_allocation>& allocations,
                       std::int64_t quantity, std::string_view quantity_member) {
  if (allocations.empty()) return;  // absent: the whole quantity is unallocated
  const std::string field = join(prefix, "UsageAllocations");
  if (allocations.size() > max_allocations)
    fail(field, got("must hold 1..2500 allocations", static_cast<std::int64_t>(allocations.size())));
  std::int64_t sum = 0;  // at most 2500 * (2^31-1): fits in 64 bits
  for (std::size_t i = 0; i < allocations.size(); ++i) {
    const auto& a = allocations[i];
    const std::string item = indexed(field, i);
    check_quantity(join(item, "AllocatedUsageQuantity"), a.allocated_usage_quantity);
    sum += a.allocated_usage_quantity;
    if (a.tags.empty()) continue;  // Tags is optional; when present it holds 1..5 tags
    const std::string tags = join(item, "Tags");
    if (a.tags.size() > max_tags) fail(tags, got("must hold 1..5 tags", static_cast<std::int64_t>(a.tags.size())));
    for (std::size_t j = 0; j < a.tags.size(); ++j) {
      const std::string t = indexed(tags, j);
      check_tag_text(join(t, "Key"), a.tags[j].key, max_tag_key_length);
      check_tag_text(join(t, "Value"), a.tags[j].value, max_tag_value_length);
    }
  }
  if (sum != quantity) {
    std::string rule = "allocated quantities must sum to ";
    rule += quantity_member;
    rule += " (" + std::to_string(quantity) + ")";
    fail(field, got(rule, sum));
  }
}

}  // namespace

void validate_product_code(std::string_view product_code) {
  const std::string field = "ProductCode";
  check_length(field, product_code, 1, max_identifier_length);
  for (const char ch : product_code) {
    if (!is_product_code_char(static_cast<unsigned char>(ch))) fail(field, "must match ^[-a-zA-Z0-9/=:_.@]*$");
  }
}

void validate_identifier(std::string_view field, std::string_view value) { detail::check_identifier(field, value); }

void validate_request_body_size(std::size_t bytes) {
  if (bytes >= max_request_body_bytes)
    fail("request body", got("must be smaller than 1048576 bytes", static_cast<std::int64_t>(bytes)));
}

void validate(const usage_record& record, std::string_view field) {
  const bool has_customer = !record.customer_identifier.empty();
  const bool has_account = !record.customer_aws_account_id.empty();
  if (has_customer == has_account)
    fail(join(field, "CustomerIdentifier"),
         has_customer ? "must not be set together with CustomerAWSAccountId"
                      : "one of CustomerIdentifier or CustomerAWSAccountId must be set");
  if (has_customer) {
    const std::string f = join(field, "CustomerIdentifier");
    check_length(f, record.customer_identifier, 1, max_identifier_length);
    check_utf8(f, record.customer_identifier);
  } else {
    const std::string f = join(field, "CustomerAWSAccountId");
    check_length(f, record.customer_aws_account_id, 1, max_identifier_length);
    for (const char ch : record.customer_aws_account_id) {
      if (ch < '0' || ch > '9') fail(f, "must match ^[0-9]+$");
    }
  }
  if (!record.license_arn.empty() && !detail::is_license_arn(record.license_arn))
    fail(join(field, "LicenseArn"), "must match the LicenseArn pattern arn:aws*:<service>:<region>:<account>:<resource>");
  check_dimension(join(field, "Dimension"), record.dimension);
  check_quantity(join(field, "Quantity"), record.quantity);
  check_timestamp(join(field, "Timestamp"), record.timestamp);
  check_allocations(std::string(field), record.usage_allocations, record.quantity, "Quantity");
}

void validate(const batch_meter_usage_input& input) {
  // ProductCode is optional in the model (only UsageRecords is required): products of the
  // account form name the license in each record instead. See docs/wire.md for the sources.
  if (!input.product_code.empty()) validate_product_code(input.product_code);
  if (input.usage_records.size() > max_batch_records)
    fail("UsageRecords", got("must hold 0..25 records", static_cast<std::int64_t>(input.usage_records.size())));
  for (std::size_t i = 0; i < input.usage_records.size(); ++i)
    validate(input.usage_records[i], indexed("UsageRecords", i));
  for (std::size_t i = 0; i < input.usage_records.size(); ++i) {
    const auto& r = input.usage_records[i];
    const std::string item = indexed("UsageRecords", i);
    // CustomerIdentifier and CustomerAWSAccountId are mutually exclusive within one request.
    if (r.customer_identifier.empty() != input.usage_records[0].customer_identifier.empty())
      fail(item, "must use the identity form of UsageRecords[0] (CustomerIdentifier or CustomerAWSAccountId): AWS "
                 "refuses a request that mixes them");
    // LicenseArn replaces ProductCode; AWS refuses a request that carries both.
    if (!input.product_code.empty() && !r.license_arn.empty())
      fail(join(item, "LicenseArn"), "must not be set together with ProductCode: AWS refuses a request with both "
                                     "(send LicenseArn records without ProductCode)");
    if (input.product_code.empty() && (r.customer_aws_account_id.empty() || r.license_arn.empty()))
      fail("ProductCode", "must be set unless every record carries CustomerAWSAccountId and LicenseArn (" + item +
                              " does not)");
  }
}

void validate(const meter_usage_input& input) {
  validate_product_code(input.product_code);
  check_timestamp("Timestamp", input.timestamp);
  check_dimension("UsageDimension", input.dimension);
  check_quantity("UsageQuantity", input.quantity);
  check_allocations("", input.usage_allocations, input.quantity, "UsageQuantity");
  if (!input.client_token.empty()) {
    check_length("ClientToken", input.client_token, 1, max_client_token_length);
    check_utf8("ClientToken", input.client_token);
  }
}

void validate(const resolve_customer_input& input) {
  // Never quote the token: it is a credential for the subscription.
  const std::string field = "RegistrationToken";
  const auto& token = input.registration_token;
  if (token.empty()) fail(field, "must not be empty");
  if (token.size() > max_registration_token_length)
    fail(field, got("length must be 1..4096 bytes", static_cast<std::int64_t>(token.size())));
  for (const char ch : token) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ')
      fail(field, "must not contain spaces (was a '+' turned into a space by form decoding twice?)");
    if (c < 0x21 || c > 0x7e) fail(field, "must contain printable ASCII characters only");
  }
}

void validate(const get_entitlements_input& input) {
  validate_product_code(input.product_code);
  if (input.max_results < 0 || input.max_results > max_page_size)
    fail("MaxResults", got("must be 1..25 (or 0 for the service default)", input.max_results));
  for (const auto& [name, values] : input.filter) {
    const std::string field = join("Filter", to_string(name));
    if (values.empty()) fail(field, "must hold at least one value");
    for (std::size_t i = 0; i < values.size(); ++i) {
      const std::string f = indexed(field, i);
      if (values[i].empty()) fail(f, "must not be empty");
      check_utf8(f, values[i]);
    }
  }
  for (const char ch : input.next_token) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
      fail("NextToken", "must not contain whitespace");
  }
}

}  // namespace awsmp
