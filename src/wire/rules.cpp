#include "wire/rules.hpp"

#include <string>

#include "core/throw.hpp"
#include "core/utf8.hpp"

namespace awsmp {

std::string to_string(const billed_customer& who) {
  if (who.is_account()) return "account:" + who.customer_aws_account_id + "/" + who.license_arn;
  return "legacy:" + who.customer_identifier;
}

namespace detail {
namespace {

bool is_alnum(unsigned char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_control(unsigned char c) noexcept {
  return c < 0x20 || c == 0x7f;
}

std::string length_rule(std::size_t min, std::size_t max, std::size_t got) {
  return "length must be " + std::to_string(min) + ".." + std::to_string(max) + " bytes, got " +
         std::to_string(got);
}

// ---- LicenseArn, the model's pattern matched by hand (std::regex is slow and can blow the stack):
// ^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:
//  [A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$
// Every class before the last segment excludes ':', so each segment ends at the next ':' and
// no backtracking is ever needed.
bool is_partition_char(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
bool is_arn_segment_char(unsigned char c) noexcept {
  return is_alnum(c) || c == '_' || c == '/' || c == '.' || c == '-';
}
bool is_arn_resource_char(unsigned char c) noexcept {
  return is_alnum(c) || c == ':' || c == '_' || c == '/' || c == '+' || c == '=' || c == ',' || c == '@' ||
         c == '.' || c == '-';
}

// Consumes [class]{min,max} followed by ':' from s at pos; false when that does not match.
template <class Pred>
bool arn_segment(std::string_view s, std::size_t& pos, bool first_alnum, std::size_t max_rest, Pred pred) {
  std::size_t n = 0;
  if (first_alnum) {
    if (pos >= s.size() || !is_alnum(static_cast<unsigned char>(s[pos]))) return false;
    ++pos;
  }
  while (pos < s.size() && pred(static_cast<unsigned char>(s[pos]))) {
    ++pos;
    if (++n > max_rest) return false;
  }
  if (pos >= s.size() || s[pos] != ':') return false;
  ++pos;
  return true;
}

}  // namespace

std::string identifier_violation(std::string_view value) {
  if (value.empty() || value.size() > max_identifier_length)
    return length_rule(1, max_identifier_length, value.size());
  for (char ch : value) {
    if (is_control(static_cast<unsigned char>(ch))) return "must not contain control characters";
  }
  if (!is_valid_utf8(value)) return "must be valid UTF-8";
  return {};
}

void check_identifier(std::string_view field, std::string_view value) {
  if (auto rule = identifier_violation(value); !rule.empty()) throw_invalid_argument(field, rule);
}

std::string account_id_violation(std::string_view value) {
  if (value.empty() || value.size() > max_identifier_length)
    return length_rule(1, max_identifier_length, value.size());
  if (!is_account_id(value)) return "must match ^[0-9]+$ (ASCII digits: the AWS account id)";
  return {};
}

/// Pure: true when `arn` matches the LicenseArn pattern of the Metering model; never throws.
bool is_license_arn(std::string_view arn) noexcept {
  constexpr std::string_view prefix = "arn:aws";
  if (!arn.starts_with(prefix)) return false;
  std::size_t pos = prefix.size();
  if (!arn_segment(arn, pos, false, arn.size(), is_partition_char)) return false;
  if (!arn_segment(arn, pos, true, 62, is_arn_segment_char)) return false;   // service
  if (!arn_segment(arn, pos, false, 63, is_arn_segment_char)) return false;  // region
  if (!arn_segment(arn, pos, false, 63, is_arn_segment_char)) return false;  // account
  if (pos >= arn.size() || !is_alnum(static_cast<unsigned char>(arn[pos]))) return false;
  ++pos;
  const std::size_t rest = arn.size() - pos;
  if (rest > 1023) return false;
  for (; pos < arn.size(); ++pos) {
    if (!is_arn_resource_char(static_cast<unsigned char>(arn[pos]))) return false;
  }
  return true;
}

bool is_product_code_text(std::string_view value) noexcept {
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (!is_alnum(c) && c != '-' && c != '/' && c != '=' && c != ':' && c != '_' && c != '.' && c != '@')
      return false;
  }
  return true;
}

bool is_tag_text(std::string_view value) noexcept {
  if (value.empty()) return false;
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    const bool ok = is_alnum(c) || (c >= 0x20 && c <= 0x3d) || c == '+' || c == '.' || c == '_' || c == ':' ||
                    c == '/' || c == '@';
    if (!ok) return false;
  }
  return true;
}

bool is_account_id(std::string_view value) noexcept {
  if (value.empty() || value.size() > max_identifier_length) return false;
  for (char ch : value) {
    if (ch < '0' || ch > '9') return false;
  }
  return true;
}

std::string text_violation(std::string_view value, std::size_t min, std::size_t max) {
  if (value.size() < min || value.size() > max) return length_rule(min, max, value.size());
  if (!is_valid_utf8(value)) return "must be valid UTF-8";
  return {};
}

std::string product_code_violation(std::string_view value) {
  if (value.empty() || value.size() > max_product_code_length)
    return length_rule(1, max_product_code_length, value.size());
  if (!is_product_code_text(value)) return "must match ^[-a-zA-Z0-9/=:_.@]*$";
  return {};
}

std::string dimension_violation(std::string_view value) {
  return text_violation(value, 1, max_dimension_length);
}

std::string customer_identifier_violation(std::string_view value) {
  return text_violation(value, 1, max_identifier_length);
}

std::string license_arn_violation(std::string_view value) {
  if (!is_license_arn(value))
    return "must match the LicenseArn pattern arn:aws*:<service>:<region>:<account>:<resource>";
  return {};
}

namespace {

std::string tag_text_violation(std::string_view value, std::size_t max) {
  if (value.empty() || value.size() > max) return length_rule(1, max, value.size());
  if (!is_tag_text(value))
    return "must match ^[a-zA-Z0-9+ -=._:\\/@]+$ (letters, digits, space through '=', and + . _ : / @)";
  return {};
}

std::string count_rule(std::string_view rule, std::size_t got) {
  std::string s(rule);
  s += ", got ";
  s += std::to_string(got);
  return s;
}

}  // namespace

std::string tag_key_violation(std::string_view value) {
  return tag_text_violation(value, max_tag_key_length);
}
std::string tag_value_violation(std::string_view value) {
  return tag_text_violation(value, max_tag_value_length);
}

std::string quantity_violation(std::int64_t value) {
  if (value < 0 || value > max_quantity) return "must be 0..2147483647, got " + std::to_string(value);
  return {};
}

std::string timestamp_violation(time_point value) {
  if (value <= time_point{}) return "must be set to a time after 1970-01-01T00:00:00Z";
  return {};
}

std::string client_token_violation(std::string_view value) {
  return text_violation(value, 1, max_client_token_length);
}

std::string registration_token_violation(std::string_view value) {
  if (value.empty()) return "must not be empty";
  if (value.size() > max_registration_token_length)
    return length_rule(1, max_registration_token_length, value.size());
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ') return "must not contain spaces (was a '+' turned into a space by form decoding twice?)";
    if (c < 0x21 || c > 0x7e) return "must contain printable ASCII characters only";
  }
  return {};
}

std::string batch_size_violation(std::size_t records) {
  if (records > max_batch_records) return count_rule("must hold 0..25 records", records);
  return {};
}

std::string allocation_count_violation(std::size_t allocations) {
  if (allocations < 1 || allocations > max_allocations)
    return count_rule("must hold 1..2500 allocations", allocations);
  return {};
}

std::string tag_count_violation(std::size_t tags) {
  if (tags < 1 || tags > max_tags) return count_rule("must hold 1..5 tags", tags);
  return {};
}

std::string allocation_sum_violation(std::int64_t sum, std::int64_t quantity,
                                     std::string_view quantity_member) {
  if (sum == quantity) return {};
  std::string rule = "allocated quantities must sum to ";
  rule += quantity_member;
  rule += " (" + std::to_string(quantity) + "), got " + std::to_string(sum);
  return rule;
}

std::string filter_value_violation(std::string_view value) {
  if (value.empty()) return "must not be empty";
  if (!is_valid_utf8(value)) return "must be valid UTF-8";
  return {};
}

std::string page_size_violation(std::int64_t value) {
  if (value < 0 || value > max_page_size)
    return "must be 1..25 (or 0 for the service default), got " + std::to_string(value);
  return {};
}

bool is_region_name(std::string_view region) noexcept {
  if (region.empty() || region.size() > 63) return false;
  if (region.front() < 'a' || region.front() > 'z' || region.back() == '-') return false;
  for (const char c : region)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

void check_billed_customer(std::string_view field, const billed_customer& who) {
  const std::string f(field);
  if (who.is_account()) {
    if (!who.customer_identifier.empty())
      throw_invalid_argument(f,
                             "set either the account form (account id + license ARN) or the legacy customer "
                             "identifier, not both");
    if (auto rule = account_id_violation(who.customer_aws_account_id); !rule.empty())
      throw_invalid_argument(f + ".customer_aws_account_id", rule);
    if (auto rule = license_arn_violation(who.license_arn); !rule.empty())
      throw_invalid_argument(f + ".license_arn", rule);
    return;
  }
  check_identifier(f + ".customer_identifier", who.customer_identifier);
}

}  // namespace detail
}  // namespace awsmp
